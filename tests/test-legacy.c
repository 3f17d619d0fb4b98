/* Legacy records into Table 1 objects; the JSON lines reader; ids.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"

#include <string.h>

static GPtrArray *
read_all (CpmLegacyFormat format, const char *relative, guint64 *repaired)
{
  g_autoptr (GBytes) bytes = cpm_test_load (relative);
  g_autoptr (GInputStream) in = g_memory_input_stream_new_from_bytes (bytes);
  g_autoptr (CpmLegacyReader) reader = cpm_legacy_reader_new (format, in, relative);
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) cpm_legacy_message_unref);
  g_autoptr (GError) error = NULL;
  CpmLegacyMessage *m;

  while ((m = cpm_legacy_reader_next (reader, &error)))
    g_ptr_array_add (records, m);
  g_assert_no_error (error);
  if (repaired)
    *repaired = cpm_legacy_reader_get_repaired (reader);
  return records;
}

static CpmObject *
convert (const CpmLegacyMessage *m, const CpmLegacyOptions *o)
{
  g_autoptr (GError) error = NULL;
  CpmObject *obj = cpm_legacy_to_object (m, o, &error);

  g_assert_no_error (error);
  g_assert_nonnull (obj);
  return obj;
}

static void
assert_valid (CpmObject *obj)
{
  g_autoptr (GBytes) bytes = cpm_object_serialize (obj);
  g_autoptr (CpmObject) parsed = cpm_object_parse (bytes, NULL, NULL);
  g_autoptr (CpmReport) report = cpm_validate (parsed, CPM_PROFILE_2_2);

  if (!cpm_report_is_valid (report) || cpm_report_get_count (report) > 0) {
    g_printerr ("%.*s\n", (int) MIN (g_bytes_get_size (bytes), 4000),
                (const char *) g_bytes_get_data (bytes, NULL));
    cpm_test_dump_report (report);
  }
  cpm_test_assert_rules (report, NULL, NULL);
  g_assert_cmpint (cpm_object_get_kind (parsed), ==, cpm_object_get_kind (obj));
}

static void
test_uuid_v5 (void)
{
  g_autofree char *u = cpm_uuid_v5 ("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org", -1);

  /* RFC 4122 name-based UUID of "python.org" in the DNS namespace */
  g_assert_cmpstr (u, ==, "886313e1-3b8a-5372-9b90-0c9aee199e5d");
  g_assert_null (cpm_uuid_v5 ("not-a-uuid", "x", -1));
}

/* Every record of the sample export becomes a valid object (or is the
 * draft), and converting twice gives the same bytes. */
static void
test_sample_objects (void)
{
  g_autoptr (GPtrArray) records = read_all (CPM_LEGACY_FORMAT_SMS_XML, "sms/export-sample.xml", NULL);
  CpmLegacyOptions o;
  guint built = 0;

  cpm_legacy_options_init (&o);
  o.self_address = "+1 514 555 0000";
  for (guint i = 0; i < records->len; i++) {
    const CpmLegacyMessage *m = records->pdata[i];
    g_autoptr (GError) error = NULL;
    g_autoptr (CpmObject) a = cpm_legacy_to_object (m, &o, &error);
    g_autoptr (CpmObject) b = NULL;
    g_autoptr (GBytes) ba = NULL, bb = NULL;

    if (m->box == CPM_LEGACY_BOX_DRAFT) {
      g_assert_null (a);
      g_assert_error (error, CPM_ERROR, CPM_ERROR_UNSUPPORTED);
      continue;
    }
    g_assert_no_error (error);
    assert_valid (a);
    b = convert (m, &o);
    ba = cpm_object_serialize (a);
    bb = cpm_object_serialize (b);
    cpm_test_assert_bytes_equal (ba, bb);
    built++;
  }
  g_assert_cmpuint (built, ==, 9);
}

static CpmObject *
sample_object (guint index, const CpmLegacyOptions *o)
{
  g_autoptr (GPtrArray) records = read_all (CPM_LEGACY_FORMAT_SMS_XML, "sms/export-sample.xml", NULL);
  return convert (records->pdata[index], o);
}

static void
test_sms_headers (void)
{
  CpmLegacyOptions o;
  g_autoptr (CpmObject) rx = NULL, tx = NULL, withheld = NULL, shortcode = NULL, fr = NULL;
  g_autofree char *decoded = NULL;
  g_autofree char *body = NULL;

  cpm_legacy_options_init (&o);
  o.phony_domain = "phony.example";
  rx = sample_object (0, &o);
  g_assert_cmpint (cpm_object_get_kind (rx), ==, CPM_KIND_SMS);
  g_assert_cmpstr (cpm_object_get_header (rx, "From"), ==, "+15145551234@phony.example");
  g_assert_cmpstr (cpm_object_get_header (rx, "To"), ==, "anonymous"); /* owner unknown */
  g_assert_cmpstr (cpm_object_get_header (rx, "Message-Context"), ==, "pager-message");
  g_assert_cmpstr (cpm_object_get_header (rx, "Accept-Contact"), ==, "*;+g.3gpp.smsip");
  g_assert_cmpstr (cpm_object_get_header (rx, "Date"), ==, "Wed, 1 May 2024 12:00:00 +0000");
  g_assert_null (cpm_object_get_header (rx, "Cc"));
  g_assert_null (cpm_object_get_header (rx, "P-Asserted-Service"));
  /* non-ASCII text: one encoded-word that decodes to the text */
  g_assert_true (g_str_has_prefix (cpm_object_get_header (rx, "Message-Correlator"), "=?utf-8?b?"));
  decoded = cpm_object_dup_header_decoded (rx, "Message-Correlator");
  g_assert_cmpstr (decoded, ==, "Salut! On se voit \xc3\xa0 18h? \xf0\x9f\x98\x80");
  body = g_strndup (g_bytes_get_data (cpm_object_get_body (rx), NULL),
                    g_bytes_get_size (cpm_object_get_body (rx)));
  g_assert_nonnull (strstr (body, "DateTime: 2024-05-01T12:00:00"));
  g_assert_nonnull (strstr (body, "imdn.Message-ID: "));

  o.self_address = "+15145550000";
  tx = sample_object (1, &o);
  g_assert_cmpstr (cpm_object_get_header (tx, "From"), ==, "+15145550000@phony.example");
  g_assert_cmpstr (cpm_object_get_header (tx, "To"), ==, "+15145551234@phony.example");
  /* the same thread: the same Conversation-ID both ways */
  g_assert_cmpstr (cpm_object_get_header (tx, "Conversation-ID"), ==,
                   cpm_object_get_header (rx, "Conversation-ID"));
  g_assert_cmpstr (cpm_object_get_header (tx, "IMDN-Message-ID"), !=,
                   cpm_object_get_header (rx, "IMDN-Message-ID"));

  shortcode = sample_object (4, &o);
  g_assert_cmpstr (cpm_object_get_header (shortcode, "From"), ==, "AMAZON@phony.example");
  /* ASCII with a line break is not printable ASCII: encoded */
  g_assert_true (g_str_has_prefix (cpm_object_get_header (shortcode, "Message-Correlator"), "=?utf-8?b?"));

  fr = sample_object (5, &o);
  /* 45 bytes at most, cut before the UTF-8 sequence of "é" in "métro" */
  g_assert_cmpstr (cpm_object_get_header (fr, "Message-Correlator"), ==,
                   "=?utf-8?b?RMOpc29sw6llLCBqZSBzZXJhaSBlbiByZXRhcmQgY2Ugc29pciA6IGxlIG0=?=");

  withheld = sample_object (6, &o);
  g_assert_cmpstr (cpm_object_get_header (withheld, "From"), ==, "anonymous");
  g_assert_cmpstr (cpm_object_get_header (withheld, "To"), ==, "+15145550000@phony.example");
}

static void
test_ascii_correlator (void)
{
  g_autoptr (CpmLegacyMessage) m = cpm_legacy_message_new (CPM_KIND_SMS);
  g_autoptr (CpmObject) obj = NULL;
  GString *long_text = g_string_new ("  ");

  m->box = CPM_LEGACY_BOX_RECEIVED;
  m->from = g_strdup ("+1 (514) 555-1234");
  m->date_ms = G_GINT64_CONSTANT (1714564800000);
  m->text = g_strdup (" See you at 6 ");
  obj = convert (m, NULL);
  g_assert_cmpstr (cpm_object_get_header (obj, "Message-Correlator"), ==, "See you at 6");
  g_assert_cmpstr (cpm_object_get_header (obj, "From"), ==, "+15145551234@phony.com");
  g_clear_pointer (&obj, cpm_object_unref);

  for (int i = 0; i < 40; i++)
    g_string_append (long_text, "abcdef ");
  g_free (m->text);
  m->text = g_string_free (long_text, FALSE);
  obj = convert (m, NULL);
  g_assert_cmpuint (strlen (cpm_object_get_header (obj, "Message-Correlator")), <=, 160);
  g_assert_true (g_str_has_prefix (cpm_object_get_header (obj, "Message-Correlator"), "abcdef"));
  assert_valid (obj);
  g_clear_pointer (&obj, cpm_object_unref);

  g_free (m->text);
  m->text = NULL; /* empty SMS: no correlator, still valid */
  obj = convert (m, NULL);
  g_assert_null (cpm_object_get_header (obj, "Message-Correlator"));
  g_assert_cmpstr (cpm_object_get_header (obj, "Message-Context"), ==, "pager-message");
  assert_valid (obj);
}

static void
test_mms_objects (void)
{
  CpmLegacyOptions o;
  g_autoptr (CpmObject) img = NULL, group_tx = NULL, group_rx = NULL;
  g_autofree char *body = NULL;

  cpm_legacy_options_init (&o);
  img = sample_object (7, &o);
  g_assert_cmpint (cpm_object_get_kind (img), ==, CPM_KIND_MMS);
  g_assert_cmpstr (cpm_object_get_header (img, "Message-Context"), ==, "multimedia-message");
  g_assert_cmpstr (cpm_object_get_header (img, "Message-Correlator"), ==,
                   "0501140000-2a9c@mmsc.example.net");
  body = g_strndup (g_bytes_get_data (cpm_object_get_body (img), NULL),
                    g_bytes_get_size (cpm_object_get_body (img)));
  g_assert_nonnull (strstr (body, "multipart/related"));
  g_assert_nonnull (strstr (body, "type=\"application/smil\""));
  g_assert_nonnull (strstr (body, "start=\"<smil>\""));
  g_assert_nonnull (strstr (body, "Content-Id: <IMG_0001>") ? strstr (body, "Content-Id: <IMG_0001>")
                                                            : strstr (body, "Content-ID: <IMG_0001>"));
  g_assert_nonnull (strstr (body, "IMG_0001.png"));
  g_assert_nonnull (strstr (body, "iVBORw0KGgo"));

  group_tx = sample_object (8, &o);
  group_rx = sample_object (9, &o);
  g_assert_cmpstr (cpm_object_get_header (group_tx, "Cc"), ==, "+33612345678@phony.com");
  g_assert_cmpstr (cpm_object_get_header (group_tx, "To"), ==,
                   "+15145551234@phony.com, +15145559876@phony.com");
  g_assert_cmpstr (cpm_object_get_header (group_tx, "From"), ==, "anonymous");
  g_assert_nonnull (cpm_object_get_header (group_tx, "Subject"));
  /* the export's thread list makes sent and received agree */
  g_assert_cmpstr (cpm_object_get_header (group_tx, "Conversation-ID"), ==,
                   cpm_object_get_header (group_rx, "Conversation-ID"));
  g_assert_cmpstr (cpm_object_get_header (group_tx, "Conversation-ID"), !=,
                   cpm_object_get_header (img, "Conversation-ID"));
  assert_valid (group_rx);
}

static void
test_flags_and_folders (void)
{
  g_autoptr (GPtrArray) r = read_all (CPM_LEGACY_FORMAT_SMS_XML, "sms/export-sample.xml", NULL);
  CpmLegacyOptions o;
  g_autofree char *conv = NULL, *folder = NULL, *peer = NULL, *group = NULL;

  g_assert_cmpstr (cpm_legacy_flags (r->pdata[0]), ==, "\\Seen"); /* received, read */
  g_assert_cmpstr (cpm_legacy_flags (r->pdata[1]), ==, "\\Seen"); /* sent */
  g_assert_cmpstr (cpm_legacy_flags (r->pdata[2]), ==, "");       /* received, unread */
  cpm_legacy_options_init (&o);
  conv = cpm_legacy_conversation_id (r->pdata[0], &o);
  folder = cpm_legacy_folder_name (r->pdata[0], &o);
  g_assert_cmpstr (conv, ==, folder);
  o.folder_by = CPM_LEGACY_FOLDER_BY_PEER;
  peer = cpm_legacy_folder_name (r->pdata[2], &o);
  g_assert_cmpstr (peer, ==, "tel:+15145559876");
  group = cpm_legacy_folder_name (r->pdata[8], &o);
  g_assert_cmpstr (group, ==, "tel:+15145551234,tel:+15145559876,tel:+33612345678");
}

static void
test_mms_pdu_object (void)
{
  g_autoptr (GBytes) bytes = cpm_test_load ("sms/mms-send-req.mms");
  g_autoptr (CpmLegacyMessage) m = cpm_mms_pdu_decode (g_bytes_get_data (bytes, NULL),
                                                      g_bytes_get_size (bytes), NULL);
  g_autoptr (CpmObject) obj = NULL;
  g_autofree char *subject = NULL;

  g_assert_nonnull (m);
  obj = convert (m, NULL);
  assert_valid (obj);
  subject = cpm_object_dup_header_decoded (obj, "Subject");
  g_assert_cmpstr (subject, ==, "Photo du chat \xc3\xa9t\xc3\xa9");
  g_assert_null (cpm_object_get_header (obj, "Message-Correlator")); /* no Message-ID in a send-req */
}

static void
test_jsonl (void)
{
  g_autoptr (GPtrArray) r = read_all (CPM_LEGACY_FORMAT_JSONL, "sms/messages.jsonl", NULL);
  const CpmLegacyMessage *m;

  /* 9 lines, one blank */
  g_assert_cmpuint (r->len, ==, 8);
  m = r->pdata[0];
  g_assert_null (m->skip_reason);
  g_assert_cmpstr (m->from, ==, "+15145551234");
  g_assert_true (m->read);
  g_assert_true (g_str_has_suffix (m->source, "messages.jsonl:1"));
  m = r->pdata[1];
  g_assert_cmpint (m->date_ms, ==, G_GINT64_CONSTANT (1714564860000));
  g_assert_cmpint (m->box, ==, CPM_LEGACY_BOX_SENT);
  m = r->pdata[2];
  g_assert_null (m->from);
  g_assert_null (m->skip_reason);
  m = r->pdata[3];
  g_assert_true (g_str_has_prefix (m->skip_reason, "not a JSON object"));
  g_assert_true (g_str_has_suffix (m->source, "messages.jsonl:5"));
  m = r->pdata[4];
  g_assert_null (m->skip_reason);
  g_assert_cmpint (m->kind, ==, CPM_KIND_MMS);
  g_assert_cmpuint (m->parts->len, ==, 2);
  g_assert_cmpstr (((CpmLegacyPart *) m->parts->pdata[0])->content_id, ==, "text_0");
  g_assert_cmpuint (m->peers->len, ==, 3);
  g_assert_cmpint (((CpmLegacyMessage *) r->pdata[5])->box, ==, CPM_LEGACY_BOX_DRAFT);
  g_assert_cmpstr (((CpmLegacyMessage *) r->pdata[6])->skip_reason, ==, "unknown kind 'fax'");
  g_assert_cmpstr (((CpmLegacyMessage *) r->pdata[7])->skip_reason, ==,
                   "undecodable part 'bad.png': data is not base64");
  for (guint i = 0; i < 5; i++)
    if (i != 3) {
      g_autoptr (CpmObject) obj = convert (r->pdata[i], NULL);
      assert_valid (obj);
    }
}

static void
test_jsonl_dates (void)
{
  static const char lines[] =
    "{\"kind\":\"sms\",\"direction\":\"in\",\"date\":1.7145648e+12}\n"
    "{\"kind\":\"sms\",\"direction\":\"out\",\"date\":\"2024-05-01T14:00:00+02:00\"}\n"
    "{\"kind\":\"sms\",\"direction\":\"in\",\"date\":\"1714564800000\"}\n"
    "{\"kind\":\"sms\",\"direction\":\"in\",\"date\":\"yesterday\"}\n"
    "{\"kind\":\"sms\",\"direction\":\"in\",\"date\":12}\n"
    "{\"kind\":\"sms\",\"direction\":\"sideways\",\"date\":1714564800000}\n";
  g_autoptr (GInputStream) in = g_memory_input_stream_new_from_data (lines, -1, NULL);
  g_autoptr (CpmLegacyReader) reader = cpm_legacy_reader_new (CPM_LEGACY_FORMAT_JSONL, in, "d");
  const char *want_skip[] = { NULL, NULL, NULL, "unreadable date 'yesterday'",
                              "unreadable date '12'", "unknown direction 'sideways'" };

  for (guint i = 0; i < G_N_ELEMENTS (want_skip); i++) {
    g_autoptr (CpmLegacyMessage) m = cpm_legacy_reader_next (reader, NULL);
    g_assert_nonnull (m);
    g_assert_cmpstr (m->skip_reason, ==, want_skip[i]);
    if (!want_skip[i])
      g_assert_cmpint (m->date_ms, ==, G_GINT64_CONSTANT (1714564800000));
  }
  g_assert_null (cpm_legacy_reader_next (reader, NULL));
}

static void
test_part_path (void)
{
  g_autoptr (CpmLegacyMessage) m = cpm_legacy_message_new (CPM_KIND_MMS);
  g_autofree char *path = cpm_test_path ("sms/mms-send-req.mms");
  CpmLegacyPart *p;
  g_autoptr (CpmObject) obj = NULL;
  g_autoptr (GError) error = NULL;

  m->box = CPM_LEGACY_BOX_RECEIVED;
  m->from = g_strdup ("+15145551234");
  m->date_ms = G_GINT64_CONSTANT (1714564800000);
  p = cpm_legacy_message_add_part (m, "application/vnd.wap.mms-message", "x.mms", "<x>", NULL);
  p->path = g_strdup (path);
  obj = convert (m, NULL);
  assert_valid (obj);
  g_free (p->path);
  p->path = g_strdup ("/nonexistent/part.bin");
  g_assert_null (cpm_legacy_to_object (m, NULL, &error));
  g_assert_nonnull (error);
}

/* Damaged JSON lines: every line comes back as a record (maybe skipped),
 * never a crash; a line over the size limit is one skipped record. */
static void
test_jsonl_hostile (void)
{
  g_autoptr (GBytes) bytes = cpm_test_load ("sms/messages.jsonl");
  gsize len = g_bytes_get_size (bytes);
  g_autoptr (GRand) rand = g_rand_new_with_seed (77);

  for (guint round = 0; round < 500; round++) {
    g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (bytes, NULL), len);
    g_autoptr (GInputStream) in = NULL;
    g_autoptr (CpmLegacyReader) reader = NULL;
    g_autoptr (GError) error = NULL;
    CpmLegacyMessage *m;

    for (guint k = 0; k < 3; k++)
      copy[g_rand_int_range (rand, 0, (gint32) len)] = (guint8) g_rand_int_range (rand, 0, 256);
    in = g_memory_input_stream_new_from_data (g_steal_pointer (&copy), (gssize) len, g_free);
    reader = cpm_legacy_reader_new (CPM_LEGACY_FORMAT_JSONL, in, "damaged.jsonl");
    while ((m = cpm_legacy_reader_next (reader, &error))) {
      g_autoptr (GError) e2 = NULL;
      g_autoptr (CpmObject) obj = cpm_legacy_to_object (m, NULL, &e2);
      g_assert_true ((obj == NULL) == (e2 != NULL));
      cpm_legacy_message_unref (m);
    }
    g_assert_no_error (error);
  }
}

/* Found by fuzz-jsonl: an empty input added 0 to the NULL data of an
 * empty GByteArray (UBSan under clang). No records, no error. */
static void
test_jsonl_empty (void)
{
  g_autoptr (GBytes) bytes = cpm_test_load ("hostile/jsonl-empty.bin");
  g_autoptr (GInputStream) in = g_memory_input_stream_new_from_bytes (bytes);
  g_autoptr (CpmLegacyReader) reader = cpm_legacy_reader_new (CPM_LEGACY_FORMAT_JSONL, in, "empty.jsonl");
  g_autoptr (GError) error = NULL;

  g_assert_null (cpm_legacy_reader_next (reader, &error));
  g_assert_no_error (error);
}

static void
test_jsonl_long_line (void)
{
  CpmLimits *limits = cpm_limits_default ();
  gsize saved = limits->max_object_size;
  GString *text = g_string_new ("{\"kind\":\"sms\",\"text\":\"");
  g_autoptr (GInputStream) in = NULL;
  g_autoptr (CpmLegacyReader) reader = NULL;
  g_autoptr (CpmLegacyMessage) a = NULL, b = NULL, c = NULL;

  limits->max_object_size = 1000;
  for (int i = 0; i < 300000; i++)
    g_string_append_c (text, 'x');
  g_string_append (text, "\"}\n{\"kind\":\"sms\",\"direction\":\"sent\",\"to\":[\"1\"],"
                         "\"date\":1714564800000,\"text\":\"next\"}\n");
  in = g_memory_input_stream_new_from_data (text->str, (gssize) text->len, NULL);
  reader = cpm_legacy_reader_new (CPM_LEGACY_FORMAT_JSONL, in, "long.jsonl");
  a = cpm_legacy_reader_next (reader, NULL);
  b = cpm_legacy_reader_next (reader, NULL);
  c = cpm_legacy_reader_next (reader, NULL);
  g_assert_cmpstr (a->skip_reason, ==, "line over the object size limit");
  g_assert_nonnull (b);
  g_assert_null (b->skip_reason);
  g_assert_cmpstr (b->text, ==, "next");
  g_assert_true (g_str_has_suffix (b->source, ":2"));
  g_assert_null (c);
  limits->max_object_size = saved;
  g_string_free (text, TRUE);
}

int
main (int argc, char **argv)
{
  cpm_test_init (&argc, &argv);
  g_test_add_func ("/legacy/uuid-v5", test_uuid_v5);
  g_test_add_func ("/legacy/sample-objects", test_sample_objects);
  g_test_add_func ("/legacy/sms-headers", test_sms_headers);
  g_test_add_func ("/legacy/ascii-correlator", test_ascii_correlator);
  g_test_add_func ("/legacy/mms-objects", test_mms_objects);
  g_test_add_func ("/legacy/flags-and-folders", test_flags_and_folders);
  g_test_add_func ("/legacy/mms-pdu-object", test_mms_pdu_object);
  g_test_add_func ("/legacy/jsonl", test_jsonl);
  g_test_add_func ("/legacy/part-path", test_part_path);
  g_test_add_func ("/legacy/jsonl-dates", test_jsonl_dates);
  g_test_add_func ("/legacy/jsonl-hostile", test_jsonl_hostile);
  g_test_add_func ("/legacy/jsonl-long-line", test_jsonl_long_line);
  g_test_add_func ("/legacy/jsonl-empty", test_jsonl_empty);
  return g_test_run ();
}
