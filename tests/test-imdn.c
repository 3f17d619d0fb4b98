/* IMDN objects: message/imdn+xml (RFC 5438) inside the CPIM wrapper.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"
#include "cpm-cpim-private.h"
#include <string.h>

static CpmReport *
validate_file (const char *file)
{
  return cpm_test_validate_file (file, CPM_KIND_IMDN, CPM_PROFILE_2_2);
}

static void
test_valid (gconstpointer file)
{
  g_autoptr (CpmReport) report = validate_file (file);
  cpm_test_assert_rules (report, NULL, NULL);
}

typedef struct {
  const char *file;
  const char *rule;
  guint line;
} Case;

/* Object lines: 9 header fields, the CPIM block from line 11, the inner
 * entity's headers from 17 and the XML from line 20. */
static const Case cases[] = {
  { "imdn/invalid-schema-status.eml", "imdn.schema", 24 },
  { "imdn/invalid-schema-datetime-missing.eml", "imdn.schema", 23 },
  { "imdn/invalid-message-id-same.eml", "imdn.message-id-same", 22 },
  { "imdn/invalid-cpim-message-id-missing.eml", "imdn.cpim-message-id-missing", 11 },
  { "imdn/invalid-message-id-empty.eml", "imdn.message-id-empty", 22 },
  { "imdn/invalid-datetime.eml", "imdn.datetime", 23 },
  { "imdn/invalid-xml-doctype.eml", "xml.doctype", 21 },
  { "imdn/invalid-xml-not-well-formed.eml", "xml.not-well-formed", 25 },
};

static void
test_invalid (gconstpointer data)
{
  const Case *c = data;
  g_autoptr (CpmReport) report = validate_file (c->file);
  cpm_test_assert_rules (report, c->rule, NULL);
  if (cpm_report_get_count (report) == 1)
    g_assert_cmpuint (cpm_report_get (report, 0)->line, ==, c->line);
}

/* The same after a kept parse of a copy of the body from line 1, as the
 * converter parses what it reads before it validates the object it wrote:
 * the validator may take that parse, and the lines stay the object's.
 * With @read_id, in the converter's whole order: then the <message-id> is
 * read from one object (that notification kept, its CPIM parse the
 * copy's) and another object of equal bytes is validated. */
static void
invalid_after (const Case *c, gboolean read_id)
{
  g_autoptr (CpmObject) obj = cpm_test_load_object (c->file);
  GBytes *body = cpm_object_get_body (obj);
  g_autoptr (GBytes) copy = g_bytes_new (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_autoptr (CpmCpim) first = cpm_cpim_parse_kept (copy, NULL, 1, NULL);
  g_assert_nonnull (first);
  g_autofree char *id = read_id ? cpm_imdn_dup_original_message_id (obj, NULL) : NULL;
  test_invalid (c);
}

static void
test_invalid_after_parse (gconstpointer data)
{
  invalid_after (data, FALSE);
}

static void
test_invalid_after_read (gconstpointer data)
{
  invalid_after (data, TRUE);
}

static void
test_original_id (void)
{
  static const struct {
    const char *file;
    const char *id;
  } ids[] = {
    { "imdn/valid-display.eml", "34jk324j-msg-0001" },
    { "imdn/valid-delivery.eml", "34jk324j-msg-0002" },
    { "imdn/valid-processing-base64.eml", "34jk324j-msg-0003" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++) {
    g_autoptr (CpmObject) obj = cpm_test_load_object (ids[i].file);
    g_autoptr (GError) error = NULL;
    g_autofree char *id = cpm_imdn_dup_original_message_id (obj, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (id, ==, ids[i].id);
  }
  static const char *const bad[] = { "imdn/invalid-message-id-empty.eml",
                                     "imdn/invalid-xml-doctype.eml",
                                     "gso/valid-minimal.eml", NULL };
  for (guint i = 0; bad[i]; i++) {
    g_autoptr (CpmObject) obj = cpm_test_load_object (bad[i]);
    g_autoptr (GError) error = NULL;
    g_autofree char *id = cpm_imdn_dup_original_message_id (obj, &error);
    g_assert_null (id);
    g_assert_nonnull (error);
  }
}

int
main (int argc, char **argv)
{
  cpm_test_init (&argc, &argv);
  g_test_add_data_func ("/imdn/valid/display", "imdn/valid-display.eml", test_valid);
  g_test_add_data_func ("/imdn/valid/delivery", "imdn/valid-delivery.eml", test_valid);
  g_test_add_data_func ("/imdn/valid/processing-base64", "imdn/valid-processing-base64.eml",
                        test_valid);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *name = g_strdup_printf ("/imdn/invalid/%s", cases[i].file + 5);
    g_test_add_data_func (name, &cases[i], test_invalid);
    g_autofree char *again = g_strdup_printf ("/imdn/invalid-after-parse/%s", cases[i].file + 5);
    g_test_add_data_func (again, &cases[i], test_invalid_after_parse);
    g_autofree char *read = g_strdup_printf ("/imdn/invalid-after-read/%s", cases[i].file + 5);
    g_test_add_data_func (read, &cases[i], test_invalid_after_read);
  }
  g_test_add_func ("/imdn/original-id", test_original_id);
  return g_test_run ();
}
