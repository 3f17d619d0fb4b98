/* The SMS Backup & Restore XML reader: streaming, surrogate repair at any
 * chunk boundary, placeholders, broken records.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"

#include <string.h>

/* A stream that hands out at most @step bytes per read, so the surrogate
 * filter sees references cut at every possible place. */
typedef struct {
  GInputStream parent;
  GBytes *bytes;
  gsize pos;
  gsize step;
} TrickleStream;

typedef struct {
  GInputStreamClass parent;
} TrickleStreamClass;

static GType trickle_stream_get_type (void);
G_DEFINE_TYPE (TrickleStream, trickle_stream, G_TYPE_INPUT_STREAM)

static gssize
trickle_read (GInputStream *stream, void *buffer, gsize count, GCancellable *c, GError **e)
{
  TrickleStream *t = (TrickleStream *) stream;
  gsize len = g_bytes_get_size (t->bytes);
  gsize n = MIN (MIN (count, t->step), len - t->pos);

  memcpy (buffer, (const char *) g_bytes_get_data (t->bytes, NULL) + t->pos, n);
  t->pos += n;
  return (gssize) n;
}

static void
trickle_finalize (GObject *object)
{
  g_bytes_unref (((TrickleStream *) object)->bytes);
  G_OBJECT_CLASS (trickle_stream_parent_class)->finalize (object);
}

static void
trickle_stream_class_init (TrickleStreamClass *klass)
{
  G_INPUT_STREAM_CLASS (klass)->read_fn = trickle_read;
  G_OBJECT_CLASS (klass)->finalize = trickle_finalize;
}

static void
trickle_stream_init (TrickleStream *t)
{
}

static GInputStream *
trickle_new (GBytes *bytes, gsize step)
{
  TrickleStream *t = g_object_new (trickle_stream_get_type (), NULL);
  t->bytes = g_bytes_ref (bytes);
  t->step = step;
  return G_INPUT_STREAM (t);
}

typedef struct {
  GPtrArray *records;
  guint64 repaired;
  GError *error;
} Read;

static void
read_clear (Read *r)
{
  g_ptr_array_unref (r->records);
  g_clear_error (&r->error);
}

static Read
read_stream (GInputStream *in, const char *name)
{
  g_autoptr (CpmLegacyReader) reader = cpm_legacy_reader_new (CPM_LEGACY_FORMAT_SMS_XML, in, name);
  Read r = { g_ptr_array_new_with_free_func ((GDestroyNotify) cpm_legacy_message_unref), 0, NULL };
  CpmLegacyMessage *m;

  while ((m = cpm_legacy_reader_next (reader, &r.error)))
    g_ptr_array_add (r.records, m);
  r.repaired = cpm_legacy_reader_get_repaired (reader);
  return r;
}

static Read
read_file (const char *relative, gsize step)
{
  g_autoptr (GBytes) bytes = cpm_test_load (relative);
  g_autoptr (GInputStream) in = step ? trickle_new (bytes, step)
                                     : g_memory_input_stream_new_from_bytes (bytes);
  return read_stream (in, relative);
}

static const CpmLegacyMessage *
rec (Read *r, guint i)
{
  g_assert_cmpuint (i, <, r->records->len);
  return r->records->pdata[i];
}

static void
test_sample (void)
{
  Read r = read_file ("sms/export-sample.xml", 0);
  const CpmLegacyMessage *m;

  g_assert_no_error (r.error);
  g_assert_cmpuint (r.records->len, ==, 10);
  /* six surrogate pairs: two SMS with one, one with two, two MMS text parts */
  g_assert_cmpuint (r.repaired, ==, 6);

  m = rec (&r, 0);
  g_assert_cmpint (m->kind, ==, CPM_KIND_SMS);
  g_assert_cmpint (m->box, ==, CPM_LEGACY_BOX_RECEIVED);
  g_assert_cmpstr (m->from, ==, "+15145551234");
  g_assert_cmpuint (m->to->len, ==, 0);
  g_assert_cmpstr (m->text, ==, "Salut! On se voit \xc3\xa0 18h? \xf0\x9f\x98\x80");
  g_assert_true (m->read);
  g_assert_null (m->subject); /* "null" */
  g_assert_cmpint (m->date_ms, ==, G_GINT64_CONSTANT (1714564800000));
  g_assert_null (m->skip_reason);
  g_assert_true (g_str_has_suffix (m->source, "export-sample.xml:5"));

  m = rec (&r, 1);
  g_assert_cmpint (m->box, ==, CPM_LEGACY_BOX_SENT);
  g_assert_null (m->from);
  g_assert_cmpstr (m->to->pdata[0], ==, "+15145551234");
  g_assert_cmpstr (m->text, ==, "Oui, parfait \xf0\x9f\x91\x8d Je t'apporte le livre");

  g_assert_false (rec (&r, 2)->read);
  g_assert_cmpint (rec (&r, 3)->box, ==, CPM_LEGACY_BOX_DRAFT);
  g_assert_cmpstr (rec (&r, 4)->text, ==, "Your package has shipped.\nTrack it at amzn.example/t/123");
  g_assert_null (rec (&r, 6)->from); /* address="null" */

  m = rec (&r, 7); /* MMS with SMIL, image, text */
  g_assert_cmpint (m->kind, ==, CPM_KIND_MMS);
  g_assert_cmpstr (m->message_id, ==, "0501140000-2a9c@mmsc.example.net");
  g_assert_cmpstr (m->from, ==, "+15145551234");
  g_assert_cmpuint (m->parts->len, ==, 3);
  {
    const CpmLegacyPart *smil = m->parts->pdata[0], *img = m->parts->pdata[1],
                        *txt = m->parts->pdata[2];
    gsize n = 0;
    const char *d;
    g_assert_cmpstr (smil->content_type, ==, "application/smil");
    g_assert_cmpstr (smil->content_id, ==, "smil");
    g_assert_true (g_str_has_prefix (g_bytes_get_data (smil->data, NULL), "<smil>"));
    g_assert_cmpstr (img->content_type, ==, "image/png");
    g_assert_cmpstr (img->name, ==, "IMG_0001.png");
    g_assert_cmpstr (img->content_id, ==, "IMG_0001");
    d = g_bytes_get_data (img->data, &n);
    g_assert_cmpuint (n, ==, 75);
    g_assert_cmpmem (d, 4, "\x89PNG", 4);
    g_assert_cmpstr (txt->content_type, ==, "text/plain; charset=utf-8");
    d = g_bytes_get_data (txt->data, &n);
    g_assert_cmpmem (d, n, "Regarde le chat \xf0\x9f\x98\xb8", 20);
  }

  m = rec (&r, 8); /* group MMS, sent */
  g_assert_cmpint (m->box, ==, CPM_LEGACY_BOX_SENT);
  g_assert_null (m->from); /* insert-address-token */
  g_assert_cmpuint (m->to->len, ==, 2);
  g_assert_cmpuint (m->cc->len, ==, 1);
  g_assert_cmpstr (m->cc->pdata[0], ==, "+33612345678");
  g_assert_cmpuint (m->peers->len, ==, 3);
  g_assert_cmpstr (m->subject, ==, "Souper vendredi");

  m = rec (&r, 9); /* group MMS, received */
  g_assert_cmpstr (m->from, ==, "+15145559876");
  g_assert_false (m->read);
  g_assert_cmpstr (((CpmLegacyPart *) m->parts->pdata[1])->name, ==, "Chlo\xc3\xa9 Tremblay.vcf");
  read_clear (&r);
}

static gboolean
same_message (const CpmLegacyMessage *a, const CpmLegacyMessage *b)
{
  if (g_strcmp0 (a->text, b->text) != 0 || a->parts->len != b->parts->len)
    return FALSE;
  for (guint i = 0; i < a->parts->len; i++)
    if (!g_bytes_equal (((CpmLegacyPart *) a->parts->pdata[i])->data,
                        ((CpmLegacyPart *) b->parts->pdata[i])->data))
      return FALSE;
  return TRUE;
}

/* References cut at every chunk boundary give the same records. */
static void
test_chunk_boundaries (void)
{
  Read whole = read_file ("sms/export-sample.xml", 0);

  for (gsize step = 1; step <= 17; step++) {
    Read r = read_file ("sms/export-sample.xml", step);
    g_assert_no_error (r.error);
    g_assert_cmpuint (r.records->len, ==, whole.records->len);
    g_assert_cmpuint (r.repaired, ==, whole.repaired);
    for (guint i = 0; i < r.records->len; i++)
      if (!same_message (rec (&r, i), rec (&whole, i)))
        g_error ("step %zu record %u: \"%s\" vs \"%s\"", step, i, rec (&r, i)->text, rec (&whole, i)->text);
    read_clear (&r);
  }
  read_clear (&whole);
}

static Read
read_text (const char *xml)
{
  g_autoptr (GInputStream) in = g_memory_input_stream_new_from_data (xml, -1, NULL);
  return read_stream (in, "mem.xml");
}

static void
test_lone_and_hex (void)
{
  Read r = read_text ("<?xml version='1.0' encoding='UTF-8'?><smses>"
                      "<sms address='1' date='1714564800000' type='1' body='a&#xD83D;&#xDE00;b' />"
                      "<sms address='1' date='1714564800000' type='1' body='lone &#55357; x' />"
                      "<sms address='1' date='1714564800000' type='1' body='low &#56832;' />"
                      "<sms address='1' date='1714564800000' type='1' body='&#55357;' />"
                      "<sms address='1' date='1714564800000' type='1' body='&#233;&amp;&#65;' />"
                      "<mms address='1' date='1714564800' msg_box='1' />"
                      "</smses>");

  g_assert_no_error (r.error);
  g_assert_cmpuint (r.records->len, ==, 6);
  g_assert_cmpint (rec (&r, 5)->date_ms, ==, G_GINT64_CONSTANT (1714564800000)); /* seconds */
  g_assert_cmpstr (rec (&r, 0)->text, ==, "a\xf0\x9f\x98\x80" "b");
  g_assert_cmpstr (rec (&r, 1)->text, ==, "lone \xef\xbf\xbd x");
  g_assert_cmpstr (rec (&r, 2)->text, ==, "low \xef\xbf\xbd");
  g_assert_cmpstr (rec (&r, 3)->text, ==, "\xef\xbf\xbd");
  g_assert_cmpstr (rec (&r, 4)->text, ==, "\xc3\xa9&A");
  g_assert_cmpuint (r.repaired, ==, 4);
  read_clear (&r);
}

/* A document declared in another encoding gets one reference per
 * character instead of UTF-8 bytes. */
static void
test_latin1 (void)
{
  Read r = read_text ("<?xml version='1.0' encoding='ISO-8859-1'?><smses>"
                      "<sms address='1' date='1714564800000' type='1' body='&#55357;&#56832; \xe9' />"
                      "</smses>");

  g_assert_no_error (r.error);
  g_assert_cmpstr (rec (&r, 0)->text, ==, "\xf0\x9f\x98\x80 \xc3\xa9");
  read_clear (&r);
}

static void
test_broken_record (void)
{
  Read r = read_file ("sms/export-broken-record.xml", 0);

  g_assert_no_error (r.error);
  g_assert_cmpuint (r.records->len, ==, 5);
  g_assert_null (rec (&r, 0)->skip_reason);
  g_assert_null (rec (&r, 1)->skip_reason);
  g_assert_cmpstr (rec (&r, 2)->skip_reason, ==, "unreadable date 'hier'");
  g_assert_true (g_str_has_suffix (rec (&r, 2)->source, ":5"));
  g_assert_cmpstr (rec (&r, 3)->skip_reason, ==,
                   "undecodable part 'broken.jpg': data is not base64");
  g_assert_null (rec (&r, 4)->skip_reason);
  read_clear (&r);
}

/* A record that is not well-formed XML in the middle of the export is one
 * skipped record naming its line; every record around it comes back. */
static void
test_not_wellformed (void)
{
  Read r = read_file ("sms/export-not-wellformed.xml", 0);
  const CpmLegacyMessage *bad;

  g_assert_no_error (r.error);
  g_assert_cmpuint (r.records->len, ==, 26);
  for (guint i = 0; i < 26; i++)
    if (i != 20)
      g_assert_null (rec (&r, i)->skip_reason);
  bad = rec (&r, 20);
  g_assert_true (g_str_has_prefix (bad->skip_reason, "not well-formed XML at line 23: "));
  g_assert_true (g_str_has_suffix (bad->source, "export-not-wellformed.xml:23"));
  g_assert_cmpstr (rec (&r, 19)->text, ==, "Message 20 before the damage");
  g_assert_cmpstr (rec (&r, 21)->text, ==, "After 1");
  read_clear (&r);
}

/* An export cut in the middle of a record: the records before it, and the
 * cut one named. */
static void
test_cut (void)
{
  g_autoptr (GBytes) whole = cpm_test_load ("sms/export-sample.xml");
  const char *data = g_bytes_get_data (whole, NULL);
  const char *img = strstr (data, "IMG_0001.png\" chset");
  g_autoptr (GInputStream) in = g_memory_input_stream_new_from_data (data, img - data, NULL);
  Read r = read_stream (in, "cut.xml");

  g_assert_no_error (r.error);
  g_assert_cmpuint (r.records->len, ==, 8);
  g_assert_null (rec (&r, 6)->skip_reason);
  g_assert_cmpstr (rec (&r, 7)->skip_reason, ==, "record cut by the end of the input");
  g_assert_true (g_str_has_suffix (rec (&r, 7)->source, "cut.xml:12"));
  read_clear (&r);
}

/* Found by fuzz-smsxml: an empty export crashed the encoding sniffer
 * (strstr on NULL). It has no records and no error. */
static void
test_empty (void)
{
  g_autoptr (GBytes) bytes = cpm_test_load ("hostile/smsxml-empty.bin");
  g_autoptr (GInputStream) in = g_memory_input_stream_new_from_bytes (bytes);
  Read r = read_stream (in, "empty.xml");

  g_assert_cmpuint (r.records->len, ==, 0);
  read_clear (&r);
}

/* No DTD, no entities from outside, no network. */
static void
test_no_entities (void)
{
  Read r = read_text ("<?xml version='1.0'?>"
                      "<!DOCTYPE smses [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
                      "<smses><sms address='1' date='1714564800000' type='1' body='&x;' /></smses>");

  if (r.records->len > 0)
    g_assert_null (strstr (rec (&r, 0)->text ? rec (&r, 0)->text : "", "root:"));
  read_clear (&r);
}

/* A billion-laughs bomb in an export: nothing is expanded (the text is at
 * most the few bytes of the reference), and the reader ends. */
static void
test_billion_laughs (void)
{
  g_autoptr (GString) doc = g_string_new ("<?xml version='1.0'?><!DOCTYPE smses [<!ENTITY l0 'lol'>");

  for (int i = 1; i < 10; i++) {
    g_string_append_printf (doc, "<!ENTITY l%d '", i);
    for (int j = 0; j < 10; j++)
      g_string_append_printf (doc, "&l%d;", i - 1);
    g_string_append (doc, "'>");
  }
  g_string_append (doc, "]><smses><sms address='1' date='1714564800000' type='1' body='&l9;' /></smses>");
  Read r = read_text (doc->str);

  for (guint i = 0; i < r.records->len; i++)
    g_assert_null (strstr (rec (&r, i)->text ? rec (&r, i)->text : "", "lollol"));
  read_clear (&r);
}

/* Random damage anywhere in the export: every run ends with records, a
 * skip reason or an XML error, never a crash (ASan watches), and the
 * records that come back can be mapped or refused cleanly. */
static void
test_hostile (void)
{
  g_autoptr (GBytes) bytes = cpm_test_load ("sms/export-sample.xml");
  gsize len = g_bytes_get_size (bytes);
  g_autoptr (GRand) rand = g_rand_new_with_seed (4242);

  for (guint round = 0; round < 300; round++) {
    g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (bytes, NULL), len);
    gsize cut = round % 3 == 0 ? (gsize) g_rand_int_range (rand, 0, (gint32) len) : len;
    g_autoptr (GBytes) damaged = NULL;
    g_autoptr (GInputStream) in = NULL;
    Read r;

    for (guint k = 0; k < 4; k++)
      copy[g_rand_int_range (rand, 0, (gint32) len)] = (guint8) g_rand_int_range (rand, 0, 256);
    damaged = g_bytes_new (copy, cut);
    in = trickle_new (damaged, 1 + round % 700);
    r = read_stream (in, "damaged.xml");
    for (guint i = 0; i < r.records->len; i++) {
      g_autoptr (GError) error = NULL;
      g_autoptr (CpmObject) obj = cpm_legacy_to_object (rec (&r, i), NULL, &error);
      g_assert_true ((obj == NULL) == (error != NULL));
    }
    read_clear (&r);
  }
}

static void
test_detect (void)
{
  g_autoptr (GBytes) b = cpm_test_load ("sms/export-sample.xml");
  gsize n = 0;
  const guint8 *d = g_bytes_get_data (b, &n);

  g_assert_cmpint (cpm_legacy_detect_format (d, MIN (n, 512)), ==, CPM_LEGACY_FORMAT_SMS_XML);
  g_assert_cmpint (cpm_legacy_detect_format ((const guint8 *) "<html>", 6), ==,
                   CPM_LEGACY_FORMAT_UNKNOWN);
}

int
main (int argc, char **argv)
{
  cpm_test_init (&argc, &argv);
  g_test_add_func ("/smsxml/sample", test_sample);
  g_test_add_func ("/smsxml/chunk-boundaries", test_chunk_boundaries);
  g_test_add_func ("/smsxml/lone-and-hex", test_lone_and_hex);
  g_test_add_func ("/smsxml/latin1", test_latin1);
  g_test_add_func ("/smsxml/broken-record", test_broken_record);
  g_test_add_func ("/smsxml/not-wellformed", test_not_wellformed);
  g_test_add_func ("/smsxml/cut", test_cut);
  g_test_add_func ("/smsxml/no-entities", test_no_entities);
  g_test_add_func ("/smsxml/hostile", test_hostile);
  g_test_add_func ("/smsxml/empty", test_empty);
  g_test_add_func ("/smsxml/billion-laughs", test_billion_laughs);
  g_test_add_func ("/smsxml/detect", test_detect);
  return g_test_run ();
}
