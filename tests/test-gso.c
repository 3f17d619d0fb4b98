/* Group State Object bodies (5.2.4): schema, the rules XSD cannot say,
 * multipart/related with an icon, profiles.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"
#define CPM_COMPILATION 1
#include "cpm-xml-private.h"
#include <string.h>

static CpmReport *
validate_file (const char *file, CpmProfile profile)
{
  return cpm_test_validate_file (file, CPM_KIND_GROUP_STATE, profile);
}

/* Whole objects through the engine: headers per Table 1 as Table 4
 * modifies it (no P-Asserted-Service, no Accept-Contact) and the body. */
static void
test_valid (gconstpointer file)
{
  g_autoptr (CpmReport) report = validate_file (file, CPM_PROFILE_2_2);
  cpm_test_assert_rules (report, NULL, NULL);
}

typedef struct {
  const char *file;
  const char *rule;
  guint line;
} Case;

static const Case cases[] = {
  { "gso/invalid-yourown-multiple.eml", "gso.yourown-multiple", 13 },
  { "gso/invalid-iw-number.eml", "gso.iw-number", 10 },
  { "gso/invalid-schema-subject-participant-missing.eml", "gso.schema", 15 },
  { "gso/invalid-schema-group-type.eml", "gso.schema", 10 },
  { "gso/invalid-duplicate-element.eml", "gso.duplicate-element", 10 },
  { "gso/invalid-appendix-g-verbatim.eml", "xml.not-well-formed", 16 },
  { "gso/invalid-xml-doctype-billion-laughs.eml", "xml.doctype", 10 },
  { "gso/invalid-xml-doctype-external-entity.eml", "xml.doctype", 10 },
  { "gso/invalid-icon-part-missing.eml", "gso.icon-part-missing", 20 },
  { "gso/invalid-root-type.eml", "gso.root-type", 14 },
};

static void
test_invalid (gconstpointer data)
{
  const Case *c = data;
  g_autoptr (CpmReport) report = validate_file (c->file, CPM_PROFILE_2_2);
  cpm_test_assert_rules (report, c->rule, NULL);
  if (cpm_report_get_count (report) == 1)
    g_assert_cmpuint (cpm_report_get (report, 0)->line, ==, c->line);
}

/* The Appendix G column points at the unclosed start tag's successor. */
static void
test_verbatim_column (void)
{
  g_autoptr (CpmReport) report = validate_file ("gso/invalid-appendix-g-verbatim.eml",
                                                CPM_PROFILE_2_2);
  g_assert_cmpuint (cpm_report_get_count (report), ==, 1);
  g_assert_cmpuint (cpm_report_get (report, 0)->column, ==, 3);
}

/* A Content-Type that is neither the GSO type nor multipart/related; the
 * engine would not call this a GSO, so the hook is called directly. */
static void
test_content_type (void)
{
  g_autoptr (CpmObject) obj = cpm_test_load_object ("gso/forced-kind-wrong-content-type.eml");
  cpm_object_set_kind (obj, CPM_KIND_GROUP_STATE);
  g_autoptr (CpmReport) report = cpm_validate (obj, CPM_PROFILE_2_2);
  cpm_test_assert_rules (report, "gso.content-type", NULL);
  g_assert_cmpuint (cpm_report_get (report, 0)->line, ==, 7);
}

/* yourown, role, max-user-count and policy are 2.2 additions (4.4). */
static void
test_profiles (void)
{
  for (CpmProfile p = CPM_PROFILE_2_0; p <= CPM_PROFILE_2_1; p++) {
    g_autoptr (CpmReport) report = validate_file ("gso/valid-appendix-g.eml", p);
    guint attrs = 0, elements = 0;
    for (guint i = 0; i < cpm_report_get_count (report); i++) {
      const CpmDiagnostic *d = cpm_report_get (report, i);
      attrs += strcmp (d->rule, "gso.attribute-profile") == 0;
      elements += strcmp (d->rule, "gso.element-profile") == 0;
      g_assert_cmpint (d->severity, ==, CPM_SEVERITY_ERROR);
    }
    g_assert_cmpuint (attrs, ==, 2);    /* yourown on bob, role on the admin */
    g_assert_cmpuint (elements, ==, 2); /* max-user-count, policy */
    g_assert_cmpuint (cpm_report_get_count (report), ==, 4);
  }
  g_autoptr (CpmReport) report = validate_file ("gso/valid-minimal.eml", CPM_PROFILE_2_0);
  cpm_test_assert_rules (report, NULL, NULL);
  g_autoptr (CpmReport) old = validate_file ("gso/valid-minimal.eml", CPM_PROFILE_1_0);
  g_assert_true (cpm_report_has_rule (old, "gso.profile"));
}

/* The corrected schema is plain XSD 1.0: xmllint agrees with libxml2. */
static void
test_xmllint (void)
{
  g_autofree char *xmllint = g_find_program_in_path ("xmllint");
  if (!xmllint) {
    g_test_skip ("xmllint not installed");
    return;
  }
  g_autofree char *schema = cpm_xml_schema_path ("group-state-object.xsd");
  g_autofree char *repaired = cpm_test_path ("gso/appendix-g-repaired.xml");
  g_autofree char *verbatim = cpm_test_path ("gso/appendix-g-verbatim.xml");
  const char *ok_argv[] = { xmllint, "--noout", "--nonet", "--schema", schema, repaired, NULL };
  const char *bad_argv[] = { xmllint, "--noout", "--nonet", "--schema", schema, verbatim, NULL };
  int status = -1;
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) ok_argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                               NULL, NULL, &err, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (err, "validates"));
  g_clear_pointer (&err, g_free);
  g_assert_true (g_spawn_sync (NULL, (char **) bad_argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                               NULL, NULL, &err, &status, &error));
  g_assert_false (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (err, ":8: parser error"));
}

int
main (int argc, char **argv)
{
  cpm_test_init (&argc, &argv);
  g_test_add_data_func ("/gso/valid/appendix-g", "gso/valid-appendix-g.eml", test_valid);
  g_test_add_data_func ("/gso/valid/minimal", "gso/valid-minimal.eml", test_valid);
  g_test_add_data_func ("/gso/valid/icon-multipart", "gso/valid-icon-multipart.eml", test_valid);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *name = g_strdup_printf ("/gso/invalid/%s", cases[i].file + 4);
    g_test_add_data_func (name, &cases[i], test_invalid);
  }
  g_test_add_func ("/gso/verbatim-column", test_verbatim_column);
  g_test_add_func ("/gso/content-type", test_content_type);
  g_test_add_func ("/gso/profiles", test_profiles);
  g_test_add_func ("/gso/xmllint", test_xmllint);
  return g_test_run ();
}
