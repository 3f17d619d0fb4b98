/* Conference Information Object bodies (5.2.6): RFC 4575
 * application/conference-info+xml, or multipart/related with an icon.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"
#include "cpm-validate-private.h"
#include "cpm-xml-private.h"

/* Table 6 cites RFC 5438 for this XML; the content is RFC 4575's
 * conference-info (spec README defect 9), so that is what is validated. */
#define SECTION_CONF "5.2.6 Table 6, RFC 4575"
#define CONF_TYPE "application/conference-info+xml"

void
cpm_validate_body_conference_info (const CpmObject *object, CpmProfile profile,
                                   CpmReport *report)
{
  /* 4.4: the Conference Information Object is new in 2.2. The body is still
   * checked so that one run names every problem. */
  if (profile < CPM_PROFILE_2_2)
    cpm_report_add (report, "conference-info.profile", CPM_SEVERITY_ERROR, "4.4, 5.2.6", NULL,
                    0, "the Conference Information Object exists only from profile 2.2 on "
                    "(validating under %s)", cpm_profile_to_string (profile));
  cpm_xml_validate_body (object, CONF_TYPE, "conference-info.xsd", "conference-info",
                         SECTION_CONF, report, NULL, NULL);
}
