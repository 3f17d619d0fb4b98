/* Binary MMS PDUs (testdata/sms/gen-mms-pdu.py made the committed bytes).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"

#include <string.h>

static CpmLegacyMessage *
decode_file (const char *name, GError **error)
{
  g_autoptr (GBytes) bytes = cpm_test_load (name);
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  return cpm_mms_pdu_decode (data, len, error);
}

static const CpmLegacyPart *
part (const CpmLegacyMessage *m, guint i)
{
  g_assert_cmpuint (i, <, m->parts->len);
  return m->parts->pdata[i];
}

static void
assert_part_data (const CpmLegacyPart *p, const char *want)
{
  gsize n = 0;
  const char *d = g_bytes_get_data (p->data, &n);
  g_assert_cmpmem (d, n, want, strlen (want));
}

static void
test_send_req (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CpmLegacyMessage) m = decode_file ("sms/mms-send-req.mms", &error);
  const CpmLegacyPart *img;
  const guint8 *png;
  gsize n = 0;

  g_assert_no_error (error);
  g_assert_cmpint (m->kind, ==, CPM_KIND_MMS);
  g_assert_cmpint (m->box, ==, CPM_LEGACY_BOX_SENT);
  g_assert_null (m->from); /* insert-address-token */
  g_assert_cmpuint (m->to->len, ==, 2);
  g_assert_cmpstr (m->to->pdata[0], ==, "+15145551234");
  g_assert_cmpstr (m->to->pdata[1], ==, "+15145559876");
  g_assert_cmpuint (m->cc->len, ==, 1);
  g_assert_cmpstr (m->cc->pdata[0], ==, "+33612345678");
  g_assert_cmpuint (m->bcc->len, ==, 0);
  g_assert_cmpint (m->date_ms, ==, G_GINT64_CONSTANT (1714565100000));
  g_assert_cmpstr (m->subject, ==, "Photo du chat \xc3\xa9t\xc3\xa9");
  g_assert_null (m->message_id);
  g_assert_cmpuint (m->parts->len, ==, 3);
  g_assert_cmpstr (part (m, 0)->content_type, ==, "application/smil");
  g_assert_cmpstr (part (m, 0)->name, ==, "smil.xml");
  g_assert_cmpstr (part (m, 0)->content_id, ==, "smil");
  g_assert_cmpstr (part (m, 1)->content_type, ==, "text/plain; charset=utf-8");
  g_assert_cmpstr (part (m, 1)->content_id, ==, "text_0");
  g_assert_cmpstr (part (m, 1)->content_location, ==, "text_0.txt");
  assert_part_data (part (m, 1), "Regarde \xc3\xa7" "a \xf0\x9f\x98\x80");
  img = part (m, 2);
  g_assert_cmpstr (img->content_type, ==, "image/png");
  g_assert_cmpstr (img->name, ==, "cat.png");
  g_assert_cmpstr (img->content_id, ==, "cat");
  png = g_bytes_get_data (img->data, &n);
  g_assert_cmpuint (n, >, 8);
  g_assert_cmpmem (png, 8, "\x89PNG\r\n\x1a\n", 8);
}

static void
test_retrieve_conf (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CpmLegacyMessage) m = decode_file ("sms/mms-retrieve-conf.mms", &error);

  g_assert_no_error (error);
  g_assert_cmpint (m->box, ==, CPM_LEGACY_BOX_RECEIVED);
  g_assert_cmpstr (m->from, ==, "+15145559876");
  g_assert_cmpuint (m->to->len, ==, 2);
  g_assert_cmpstr (m->message_id, ==, "0501120600-7f3a@mmsc.example.net");
  g_assert_cmpstr (m->subject, ==, "Re: photo");
  g_assert_cmpint (m->date_ms, ==, G_GINT64_CONSTANT (1714565160000));
  g_assert_cmpuint (m->parts->len, ==, 2);
  g_assert_cmpstr (part (m, 0)->content_type, ==, "text/plain; charset=us-ascii");
  g_assert_cmpstr (part (m, 0)->name, ==, "text_1.txt");
  assert_part_data (part (m, 0), "Nice cat!");
  g_assert_cmpstr (part (m, 1)->content_type, ==, "text/x-vcard");
  g_assert_cmpstr (part (m, 1)->name, ==, "bob.vcf");
  g_assert_cmpstr (part (m, 1)->content_id, ==, "vcard");
}

static void
test_broken (void)
{
  const char *files[] = { "sms/mms-truncated.mms", "sms/mms-part-overrun.mms" };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (CpmLegacyMessage) m = decode_file (files[i], &error);
    g_assert_null (m);
    g_assert_error (error, CPM_ERROR, CPM_ERROR_PARSE);
    g_assert_nonnull (strstr (error->message, "offset "));
  }
}

static void
test_not_mms (void)
{
  static const guint8 junk[] = { 0x8C, 0x82, 0x98, 'T', 0 };
  g_autoptr (GError) error = NULL;

  g_assert_null (cpm_mms_pdu_decode ((const guint8 *) "hello", 5, &error));
  g_assert_error (error, CPM_ERROR, CPM_ERROR_PARSE);
  g_clear_error (&error);
  /* m-notification-ind carries no message */
  g_assert_null (cpm_mms_pdu_decode (junk, sizeof junk, &error));
  g_assert_nonnull (strstr (error->message, "neither m-send-req"));
  g_clear_error (&error);
  g_assert_null (cpm_mms_pdu_decode (junk, 0, &error));
  g_assert_nonnull (error);
}

/* Every prefix and many single-byte corruptions of a valid PDU decode or
 * fail cleanly (ASan watches the reads). */
static void
test_hostile (void)
{
  g_autoptr (GBytes) bytes = cpm_test_load ("sms/mms-send-req.mms");
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  g_autoptr (GRand) rand = g_rand_new_with_seed (20261123);
  guint ok = 0, failed = 0;

  for (gsize cut = 0; cut < len; cut++) {
    g_autofree guint8 *copy = g_memdup2 (data, cut);
    g_autoptr (GError) error = NULL;
    g_autoptr (CpmLegacyMessage) m = cpm_mms_pdu_decode (copy, cut, &error);
    g_assert_true ((m == NULL) == (error != NULL));
    m ? ok++ : failed++;
  }
  g_assert_cmpuint (failed, >, 0);
  for (guint round = 0; round < 5000; round++) {
    g_autofree guint8 *copy = g_memdup2 (data, len);
    g_autoptr (GError) error = NULL;
    g_autoptr (CpmLegacyMessage) m = NULL;
    for (guint k = 0; k < 3; k++)
      copy[g_rand_int_range (rand, 0, (gint32) len)] = (guint8) g_rand_int_range (rand, 0, 256);
    m = cpm_mms_pdu_decode (copy, len, &error);
    g_assert_true ((m == NULL) == (error != NULL));
  }
}

static void
test_detect (void)
{
  g_autoptr (GBytes) bytes = cpm_test_load ("sms/mms-retrieve-conf.mms");
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  g_assert_cmpint (cpm_legacy_detect_format (data, len), ==, CPM_LEGACY_FORMAT_MMS_PDU);
}

int
main (int argc, char **argv)
{
  cpm_test_init (&argc, &argv);
  g_test_add_func ("/mmspdu/send-req", test_send_req);
  g_test_add_func ("/mmspdu/retrieve-conf", test_retrieve_conf);
  g_test_add_func ("/mmspdu/broken", test_broken);
  g_test_add_func ("/mmspdu/not-mms", test_not_mms);
  g_test_add_func ("/mmspdu/hostile", test_hostile);
  g_test_add_func ("/mmspdu/detect", test_detect);
  return g_test_run ();
}
