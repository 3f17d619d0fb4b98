/* libFuzzer target: the memo of IMDN notification shapes (cpm-imdn.c)
 * against the full path. The input is a notification document inside a
 * valid CPIM wrapper. Before it, a valid notification is read (its shape
 * remembered), and so is the input with the texts of its first
 * <message-id> and the <datetime> after it replaced (a valid template of
 * the input's own shape, when there is one: the input is then answered by
 * the memo). The input's <message-id> as the converter reads it and its
 * report must be what the full path (memo forced off) gives: rule,
 * severity, section, line, column, message of every finding.
 * An input that does not start with '<' gives only the two texts instead
 * (split at the first line feed; its second byte picks one of the valid
 * documents below to put them in): almost every such input is then
 * answered by the memo, whatever the texts hold.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz-common.h"
#include "cpm-xml-private.h"
#include "fuzz-imdn.h"

static const char valid[] =
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
  "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">\r\n"
  "  <message-id>34jk324j-msg-0002</message-id>\r\n"
  "  <datetime>2014-04-29T09:48:09-08:00</datetime>\r\n"
  "  <delivery-notification><status><delivered/></status></delivery-notification>\r\n"
  "</imdn>\r\n";

/* Valid documents of other shapes; "%s" marks the two texts. */
static const char *const shapes[] = {
  "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"><message-id>%s</message-id>"
  "<datetime>%s</datetime><display-notification><status><displayed/></status>"
  "</display-notification></imdn>",
  "<?xml version=\"1.0\"?>\n<i:imdn xmlns:i=\"urn:ietf:params:xml:ns:imdn\" "
  "xmlns=\"urn:ietf:params:xml:ns:imdn\">\n\n <message-id>%s</message-id>\r\n"
  " <datetime>%s</datetime>\n <i:recipient-uri>sip:a@example.com</i:recipient-uri>\n"
  " <original-recipient-uri>sip:b@example.com</original-recipient-uri>\n"
  " <subject>caf\xc3\xa9</subject>\n"
  " <processing-notification><status><stored/></status></processing-notification>\n"
  " <x:ext xmlns:x=\"urn:example:ext\">&amp;<x:id>z</x:id></x:ext>\n"
  "</i:imdn>\n",
  /* never remembered: the first <message-id> is an extension's */
  "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"><message-id >m-1</message-id>"
  "<datetime>2014-04-29T09:48:09Z</datetime><delivery-notification><status><delivered/>"
  "</status></delivery-notification><e xmlns=\"urn:example:ext\"><message-id>%s</message-id>"
  "<datetime>%s</datetime></e></imdn>",
};

static guint inputs, recalled;

typedef struct {
  char *id;
  char *error;
  CpmReport *report;
} Reading;

static Reading
read_doc (const char *xml, gsize len)
{
  GByteArray *buf = g_byte_array_new ();
  g_byte_array_append (buf, (const guint8 *) imdn_wrapper, sizeof imdn_wrapper - 1);
  g_byte_array_append (buf, (const guint8 *) xml, len);
  g_autoptr (GBytes) bytes = g_byte_array_free_to_bytes (buf);
  g_autoptr (CpmObject) object = cpm_object_parse (bytes, NULL, NULL);
  FUZZ_ASSERT (object != NULL);
  cpm_object_set_kind (object, CPM_KIND_IMDN);
  g_autoptr (GError) error = NULL;
  Reading r = { cpm_imdn_dup_original_message_id (object, &error), NULL, NULL };
  r.error = error ? g_strdup (error->message) : NULL;
  r.report = cpm_validate (object, CPM_PROFILE_2_2);
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
assert_same (const Reading *a, const Reading *b)
{
  FUZZ_ASSERT (g_strcmp0 (a->id, b->id) == 0);
  FUZZ_ASSERT (g_strcmp0 (a->error, b->error) == 0);
  guint n = cpm_report_get_count (a->report);
  FUZZ_ASSERT (n == cpm_report_get_count (b->report));
  for (guint i = 0; i < n; i++) {
    const CpmDiagnostic *x = cpm_report_get (a->report, i), *y = cpm_report_get (b->report, i);
    FUZZ_ASSERT (g_strcmp0 (x->rule, y->rule) == 0);
    FUZZ_ASSERT (x->severity == y->severity);
    FUZZ_ASSERT (g_strcmp0 (x->section, y->section) == 0);
    FUZZ_ASSERT (g_strcmp0 (x->header, y->header) == 0);
    FUZZ_ASSERT (x->line == y->line);
    FUZZ_ASSERT (x->column == y->column);
    FUZZ_ASSERT (g_strcmp0 (x->message, y->message) == 0);
  }
}

static const char *
find (const char *p, const char *end, const char *lit)
{
  gsize n = strlen (lit);
  for (; p && (gsize) (end - p) >= n; p++)
    if (memcmp (p, lit, n) == 0)
      return p;
  return NULL;
}

/* @data with the text of its first <message-id> and of the first
 * <datetime> after it replaced by valid values, or NULL. */
static GString *
template_of (const char *data, gsize len)
{
  const char *end = data + len;
  const char *id = find (data, end, "<message-id>");
  const char *id_end = id ? find (id + 12, end, "<") : NULL;
  const char *dt = id_end ? find (id_end, end, "<datetime>") : NULL;
  const char *dt_end = dt ? find (dt + 10, end, "<") : NULL;
  if (!dt_end)
    return NULL;
  GString *t = g_string_new_len (data, id + 12 - data);
  g_string_append (t, "tmpl-0001");
  g_string_append_len (t, id_end, dt + 10 - id_end);
  g_string_append (t, "2014-04-29T09:48:09-08:00");
  g_string_append_len (t, dt_end, end - dt_end);
  return t;
}

static void
remember (const char *xml, gsize len)
{
  Reading r = read_doc (xml, len);
  reading_clear (&r);
}

static void
report_counts (void)
{
  fprintf (stderr, "fuzz-imdn-shape: %u inputs, %u answered by the memo\n", inputs, recalled);
}

/* The document of an input not starting with '<': its texts in one of
 * shapes[]. */
static GString *
texts_in_shape (const char *data, gsize size)
{
  const char *shape = shapes[size > 1 ? (guchar) data[1] % G_N_ELEMENTS (shapes) : 0];
  const char *texts = data + MIN (size, 2), *end = data + size;
  const char *lf = memchr (texts, '\n', (gsize) (end - texts));
  const char *mark = strstr (shape, "%s"), *mark2 = strstr (mark + 2, "%s");
  GString *doc = g_string_new_len (shape, mark - shape);
  g_string_append_len (doc, texts, (lf ? lf : end) - texts);
  g_string_append_len (doc, mark + 2, mark2 - (mark + 2));
  if (lf)
    g_string_append_len (doc, lf + 1, end - (lf + 1));
  g_string_append (doc, mark2 + 2);
  return doc;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (inputs++ == 0)
    atexit (report_counts);
  GString *doc = size > 0 && data[0] != '<' ? texts_in_shape ((const char *) data, size)
                                            : g_string_new_len ((const char *) data, size);
  cpm_imdn_shape_memo_force_full (FALSE);
  remember (valid, sizeof valid - 1);
  GString *t = template_of (doc->str, doc->len);
  if (t) {
    remember (t->str, t->len);
    g_string_free (t, TRUE);
  }
  guint hits = cpm_imdn_shape_memo_hits ();
  Reading memo = read_doc (doc->str, doc->len);
  recalled += cpm_imdn_shape_memo_hits () != hits;
  cpm_imdn_shape_memo_force_full (TRUE);
  Reading full = read_doc (doc->str, doc->len);
  cpm_imdn_shape_memo_force_full (FALSE);
  assert_same (&memo, &full);
  reading_clear (&memo);
  reading_clear (&full);
  g_string_free (doc, TRUE);
  return 0;
}
