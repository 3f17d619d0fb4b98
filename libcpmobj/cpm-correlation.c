/* correlationId and correlationTag of the REST binding (seed 004 6.5.1,
 * 6.5.1.1).
 *
 * correlationTag: 6.5.1.1 says both ends MUST compute it "using the
 * algorithm described in section 3.2.4.7.3 of [RCS-RCC.07]". That section
 * is not in the seed documents, and a search of public material (GSMA
 * RCC.07 copies, OMA NMS TS, open-source RCS stacks) found no statement of
 * the algorithm that could be read and checked against worked values. (The
 * only related code found was decompiled handset firmware computing
 * operator-specific SMS hash tags; it does not claim to be RCC.07 and is
 * not a citable statement, so it is not used.) So libcpmobj does not invent
 * one: a correlationTag is carried only when the caller supplies it, and
 * cpmobj-nms(1) says so.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"

#include <cpmobj/cpm-nms.h>
#include <string.h>

static char *
trimmed_header (const CpmObject *object, const char *name)
{
  const char *v = cpm_object_get_header (object, name);
  if (v == NULL || *v == '\0')
    return NULL;
  return g_strdup (v);
}

char *
cpm_correlation_id_for_object (const CpmObject *object)
{
  g_return_val_if_fail (object != NULL, NULL);
  switch (cpm_object_get_kind (object)) {
  case CPM_KIND_MMS:
    /* Table 1: for MMS the Message-Correlator is the MMS Message-ID, the
     * reference that also arrives over the RAN. */
    return trimmed_header (object, "Message-Correlator");
  case CPM_KIND_SMS:
    /* Table 1: an SMS Message-Correlator is a fragment of the text, not a
     * unique reference; 6.5.1 then points to correlationTag. */
    return NULL;
  case CPM_KIND_MEDIA:
  case CPM_KIND_UNKNOWN:
    return NULL;
  default:
    return trimmed_header (object, "IMDN-Message-ID");
  }
}

gboolean
cpm_correlation_tag_is_acceptable (const char *tag)
{
  if (tag == NULL || *tag == '\0')
    return FALSE;
  for (const char *p = tag; *p; p++)
    if ((guchar) *p < 0x21 || (guchar) *p > 0x7e)
      return FALSE;
  return TRUE;
}
