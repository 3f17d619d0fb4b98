/* IMDN objects: message/imdn+xml (RFC 5438) inside the CPIM wrapper.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"
#include "cpm-cpim-private.h"
#include "cpm-xml-private.h"
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

/* ---- the memo of notification shapes (cpm-imdn.c) ---- */

/* What the converter and the validator make of @file: the <message-id>
 * read (or the error) and the report, the full way when @full. */
typedef struct {
  char *id;
  char *error;
  CpmReport *report;
} Reading;

static Reading
read_file (const char *file, gboolean full)
{
  cpm_imdn_shape_memo_force_full (full);
  g_autoptr (CpmObject) obj = cpm_test_load_object (file);
  g_autoptr (GError) error = NULL;
  Reading r = { cpm_imdn_dup_original_message_id (obj, &error), NULL, NULL };
  r.error = error ? g_strdup (error->message) : NULL;
  r.report = cpm_test_validate_file (file, CPM_KIND_IMDN, CPM_PROFILE_2_2);
  cpm_imdn_shape_memo_force_full (FALSE);
  return r;
}

static void
reading_clear (Reading *r)
{
  g_free (r->id);
  g_free (r->error);
  cpm_report_unref (r->report);
}

static void
assert_same_reading (const Reading *a, const Reading *b)
{
  g_assert_cmpstr (a->id, ==, b->id);
  g_assert_cmpstr (a->error, ==, b->error);
  g_assert_cmpuint (cpm_report_get_count (a->report), ==, cpm_report_get_count (b->report));
  for (guint i = 0; i < cpm_report_get_count (a->report); i++) {
    const CpmDiagnostic *x = cpm_report_get (a->report, i), *y = cpm_report_get (b->report, i);
    g_assert_cmpstr (x->rule, ==, y->rule);
    g_assert_cmpint (x->severity, ==, y->severity);
    g_assert_cmpstr (x->section, ==, y->section);
    g_assert_cmpstr (x->header, ==, y->header);
    g_assert_cmpuint (x->line, ==, y->line);
    g_assert_cmpuint (x->column, ==, y->column);
    g_assert_cmpstr (x->message, ==, y->message);
  }
}

/* Reads @file the full way, then after shape-valid-first.eml was read
 * (and its shape remembered): the same findings and <message-id> either
 * way, and the memo answered both readers (@recalled) or neither. */
static void
assert_memo_reading (const char *file, gboolean recalled, const char *rule, guint line)
{
  cpm_imdn_shape_memo_forget ();
  Reading full = read_file (file, TRUE);
  Reading first = read_file ("imdn/shape-valid-first.eml", FALSE);
  cpm_test_assert_rules (first.report, NULL, NULL);
  guint hits = cpm_imdn_shape_memo_hits ();
  Reading memo = read_file (file, FALSE);
  g_assert_cmpuint (cpm_imdn_shape_memo_hits () - hits, ==, recalled ? 2 : 0);
  assert_same_reading (&memo, &full);
  cpm_test_assert_rules (memo.report, rule, NULL);
  if (rule)
    g_assert_cmpuint (cpm_report_get (memo.report, 0)->line, ==, line);
  reading_clear (&full);
  reading_clear (&first);
  reading_clear (&memo);
}

static void
test_shape_same (void)
{
  assert_memo_reading ("imdn/shape-valid-second.eml", TRUE, NULL, 0);
  assert_memo_reading ("imdn/shape-valid-first.eml", TRUE, NULL, 0);
  assert_memo_reading ("imdn/shape-message-id-same.eml", TRUE, "imdn.message-id-same", 22);
  /* the memo keeps XML lines: the object's follow from where the XML is */
  assert_memo_reading ("imdn/shape-message-id-same-later.eml", TRUE, "imdn.message-id-same",
                       23);
  assert_memo_reading ("imdn/shape-datetime-invalid.eml", TRUE, "imdn.datetime", 23);
}

static void
test_shape_other (void)
{
  /* one element other than the remembered shape's */
  assert_memo_reading ("imdn/shape-status-bogus.eml", FALSE, "imdn.schema", 26);
  /* a comment, an entity: never remembered nor recalled */
  for (guint i = 0; i < 2; i++) {
    assert_memo_reading ("imdn/shape-comment.eml", FALSE, NULL, 0);
    assert_memo_reading ("imdn/shape-entity.eml", FALSE, NULL, 0);
  }
  g_autoptr (CpmObject) obj = cpm_test_load_object ("imdn/shape-entity.eml");
  g_autofree char *id = cpm_imdn_dup_original_message_id (obj, NULL);
  g_assert_cmpstr (id, ==, "34jk324j&msg-0106");
}

/* The first "<message-id>" is an extension's, whose text is the original's
 * <message-id> (written "<message-id >"): that document is valid, but its
 * holes are not the elements the readers take, so it is not remembered,
 * and a document that differs in the extension's text alone is read in
 * full. */
static void
test_shape_second_message_id (void)
{
  cpm_imdn_shape_memo_forget ();
  Reading first = read_file ("imdn/shape-second-message-id-first.eml", FALSE);
  cpm_test_assert_rules (first.report, NULL, NULL);
  g_assert_cmpstr (first.id, ==, "34jk324j-msg-0107");
  guint hits = cpm_imdn_shape_memo_hits ();
  Reading second = read_file ("imdn/shape-second-message-id-second.eml", FALSE);
  g_assert_cmpstr (second.id, ==, "34jk324j-msg-0107");
  g_assert_cmpuint (cpm_imdn_shape_memo_hits (), ==, hits);
  reading_clear (&first);
  reading_clear (&second);
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
  g_test_add_func ("/imdn/shape/same", test_shape_same);
  g_test_add_func ("/imdn/shape/other", test_shape_other);
  g_test_add_func ("/imdn/shape/second-message-id", test_shape_second_message_id);
  return g_test_run ();
}
