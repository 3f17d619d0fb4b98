/* Conference Information Object bodies (5.2.6, RFC 4575).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"
#include <string.h>

static CpmReport *
validate_file (const char *file, CpmProfile profile)
{
  return cpm_test_validate_file (file, CPM_KIND_CONFERENCE_INFO, profile);
}

static void
test_valid (gconstpointer file)
{
  g_autoptr (CpmReport) report = validate_file (file, CPM_PROFILE_2_2);
  cpm_test_assert_rules (report, NULL, NULL);
}

typedef struct {
  const char *file;
  const char *rule;
  guint line;  /* 0: not checked */
} Case;

static const Case cases[] = {
  { "conference/invalid-schema-entity-missing.eml", "conference-info.schema", 12 },
  { "conference/invalid-schema-endpoint-status.eml", "conference-info.schema", 16 },
  { "conference/invalid-schema-namespace.eml", "conference-info.schema", 12 },
  { "conference/invalid-xml-doctype.eml", "xml.doctype", 11 },
  { "conference/invalid-xml-not-well-formed.eml", "xml.not-well-formed", 0 },
  { "conference/invalid-root-type.eml", "conference-info.root-type", 14 },
};

static void
test_invalid (gconstpointer data)
{
  const Case *c = data;
  g_autoptr (CpmReport) report = validate_file (c->file, CPM_PROFILE_2_2);
  cpm_test_assert_rules (report, c->rule, NULL);
  if (c->line && cpm_report_get_count (report) == 1)
    g_assert_cmpuint (cpm_report_get (report, 0)->line, ==, c->line);
}

/* 4.4: the object is new in 2.2; under 2.0 and 2.1 it is an error, and the
 * body is still checked. */
static void
test_profile (void)
{
  for (CpmProfile p = CPM_PROFILE_2_0; p <= CPM_PROFILE_2_1; p++) {
    g_autoptr (CpmReport) report = validate_file ("conference/valid-rfc4575-full.eml", p);
    cpm_test_assert_rules (report, "conference-info.profile", NULL);
    g_assert_cmpint (cpm_report_get (report, 0)->severity, ==, CPM_SEVERITY_ERROR);
  }
  g_autoptr (CpmReport) both = validate_file ("conference/invalid-schema-endpoint-status.eml",
                                              CPM_PROFILE_2_1);
  cpm_test_assert_rules (both, "conference-info.profile", "conference-info.schema", NULL);
}

int
main (int argc, char **argv)
{
  cpm_test_init (&argc, &argv);
  g_test_add_data_func ("/confinfo/valid/rfc4575-full", "conference/valid-rfc4575-full.eml",
                        test_valid);
  g_test_add_data_func ("/confinfo/valid/rfc4575-partial",
                        "conference/valid-rfc4575-partial.eml", test_valid);
  g_test_add_data_func ("/confinfo/valid/icon-multipart", "conference/valid-icon-multipart.eml",
                        test_valid);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *name = g_strdup_printf ("/confinfo/invalid/%s", cases[i].file + 11);
    g_test_add_data_func (name, &cases[i], test_invalid);
  }
  g_test_add_func ("/confinfo/profile", test_profile);
  return g_test_run ();
}
