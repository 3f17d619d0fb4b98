/* The capture converter: what becomes what (issue 4, 5.2 Tables 1-6,
 * Appendix I), validity of every object, determinism, accounting.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"

#include <string.h>

typedef struct {
  CpmObject *object;
  char *folder;
  char *source;
  GBytes *bytes;
} Out;

typedef struct {
  GPtrArray *objects; /* Out* */
  GPtrArray *skips;   /* "reason" strings, broken ones prefixed "!" */
} Result;

static void
out_free (Out *o)
{
  cpm_object_unref (o->object);
  g_free (o->folder);
  g_free (o->source);
  g_bytes_unref (o->bytes);
  g_free (o);
}

static void
result_free (Result *r)
{
  g_ptr_array_unref (r->objects);
  g_ptr_array_unref (r->skips);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Result, result_free)

static gboolean
on_object (const CpmConvertItem *item, gpointer data, GError **error)
{
  Result *r = data;
  Out *o = g_new0 (Out, 1);

  o->object = cpm_object_ref (item->object);
  o->folder = g_strdup (item->folder);
  o->source = g_strdup (item->source);
  o->bytes = cpm_object_serialize (item->object);
  g_ptr_array_add (r->objects, o);
  return TRUE;
}

static void
on_skip (const char *source, const char *reason, gboolean broken, gpointer data)
{
  Result *r = data;

  g_ptr_array_add (r->skips, g_strdup_printf ("%s%s", broken ? "!" : "", reason));
}

static Result *
convert_bytes (GBytes *bytes, const char *name, CpmProfile profile)
{
  Result *r = g_new0 (Result, 1);
  g_autoptr (CpmConverter) c = NULL;
  g_autoptr (GInputStream) in = g_memory_input_stream_new_from_bytes (bytes);
  g_autoptr (GError) error = NULL;
  g_autoptr (CpmReport) report = cpm_report_new ();
  gsize n = 0;
  const guint8 *d = g_bytes_get_data (bytes, &n);

  r->objects = g_ptr_array_new_with_free_func ((GDestroyNotify) out_free);
  r->skips = g_ptr_array_new_with_free_func (g_free);
  c = cpm_converter_new (profile, on_object, on_skip, r);
  g_assert_true (cpm_convert_capture (c, in, name, cpm_capture_detect_format (d, n), report, &error));
  g_assert_no_error (error);
  g_assert_true (cpm_converter_finish (c, &error));
  g_assert_no_error (error);
  return r;
}

static Result *
convert (const char *file)
{
  g_autofree char *rel = g_strconcat ("capture/", file, NULL);
  g_autoptr (GBytes) bytes = cpm_test_load (rel);

  return convert_bytes (bytes, file, CPM_PROFILE_2_2);
}

/* Every object re-parses and validates without a finding. */
static void
assert_all_valid (const Result *r)
{
  for (guint i = 0; i < r->objects->len; i++) {
    const Out *o = r->objects->pdata[i];
    g_autoptr (GError) error = NULL;
    g_autoptr (CpmObject) back = cpm_object_parse (o->bytes, NULL, &error);
    g_assert_no_error (error);
    g_autoptr (CpmReport) report = cpm_validate (back, CPM_PROFILE_2_2);
    g_assert_cmpint (cpm_object_detect_kind (back), ==, cpm_object_get_kind (o->object));
    if (!cpm_report_is_valid (report) || cpm_report_get_count (report))
      g_printerr ("%s\n", o->source);
    cpm_test_assert_clean (report);
  }
}

static const Out *
find (const Result *r, const char *imdn_id)
{
  for (guint i = 0; i < r->objects->len; i++) {
    const Out *o = r->objects->pdata[i];
    if (g_strcmp0 (cpm_object_get_header (o->object, "IMDN-Message-ID"), imdn_id) == 0)
      return o;
  }
  g_error ("no object %s", imdn_id);
  return NULL;
}

static guint
count_kind (const Result *r, CpmKind kind)
{
  guint n = 0;

  for (guint i = 0; i < r->objects->len; i++)
    n += cpm_object_get_kind (((Out *) r->objects->pdata[i])->object) == kind;
  return n;
}

static gboolean
has_skip (const Result *r, const char *prefix)
{
  for (guint i = 0; i < r->skips->len; i++)
    if (g_str_has_prefix (r->skips->pdata[i], prefix))
      return TRUE;
  return FALSE;
}

static gboolean
body_has (const Out *o, const char *text)
{
  return g_strstr_len (g_bytes_get_data (o->bytes, NULL), (gssize) g_bytes_get_size (o->bytes),
                       text) != NULL;
}

#define CONV "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"
#define GROUP_FOLDER "0b5d2e4c-6a1f-4c3e-9b7a-2d8e1f0c3a55/c0a80001-0003-4000-8000-000000000003"

static void
test_pager (void)
{
  g_autoptr (Result) r = convert ("pager-udp.pcap");
  const Out *o;

  assert_all_valid (r);
  g_assert_cmpuint (r->objects->len, ==, 1);
  o = r->objects->pdata[0];
  g_assert_cmpint (cpm_object_get_kind (o->object), ==, CPM_KIND_MESSAGE);
  g_assert_cmpstr (o->folder, ==, CONV);
  /* From: the first P-Asserted-Identity (no Referred-By) */
  g_assert_cmpstr (cpm_object_get_header (o->object, "From"), ==, "\"Alice\" <sip:alice@example.com>");
  g_assert_cmpstr (cpm_object_get_header (o->object, "To"), ==, "<sip:bob@example.com>");
  g_assert_cmpstr (cpm_object_get_header (o->object, "Date"), ==, "Wed, 1 May 2024 12:00:00 +0000");
  g_assert_cmpstr (cpm_object_get_header (o->object, "IMDN-Message-ID"), ==, "pager-0001");
  g_assert_cmpstr (cpm_object_get_header (o->object, "Contribution-ID"), ==,
                   "c0a80001-0001-4000-8000-000000000001");
  g_assert_cmpstr (cpm_object_get_header (o->object, "P-Asserted-Service"), ==,
                   "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.msg");
  g_assert_cmpstr (cpm_object_get_header (o->object, "Accept-Contact"), ==,
                   "*;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.msg\"");
  g_assert_true (body_has (o, "Lunch at noon?"));
  g_assert_cmpuint (r->skips->len, ==, 2);
  g_assert_true (has_skip (r, "duplicate retransmission (MESSAGE)"));
  g_assert_true (has_skip (r, "not CPM (OPTIONS)"));
}

static const char referred[] =
  "MESSAGE sip:bob@example.com SIP/2.0\r\n"
  "From: <sip:relay@example.com>;tag=9\r\n"
  "To: \"Bob\" <sip:bob@example.com>;tag=2\r\n"
  "Call-ID: r1\r\nCSeq: 7 MESSAGE\r\n"
  "Referred-By: <sip:carol@example.com>\r\n"
  "P-Asserted-Identity: <sip:relay@example.com>\r\n"
  "Conversation-ID: conv-1\r\nContribution-ID: contrib-1\r\n"
  "InReplyTo-Contribution-ID: contrib-0\r\n"
  "Accept-Contact: *;+g.oma.sip-im\r\n"
  "Accept-Contact: *;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.msg\"\r\n"
  "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi\r\n";

static void
test_pager_header_sources (void)
{
  g_autofree char *text = g_strconcat ("----- 2024-05-01 12:30:00 -----\r\n", referred, NULL);
  g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr (Result) r = convert_bytes (bytes, "referred.txt", CPM_PROFILE_2_2);
  const Out *o;

  assert_all_valid (r);
  g_assert_cmpuint (r->objects->len, ==, 1);
  o = r->objects->pdata[0];
  /* Referred-By wins over P-Asserted-Identity; To loses its tag */
  g_assert_cmpstr (cpm_object_get_header (o->object, "From"), ==, "<sip:carol@example.com>");
  g_assert_cmpstr (cpm_object_get_header (o->object, "To"), ==, "\"Bob\" <sip:bob@example.com>");
  /* no SIP Date: the capture (log marker) time */
  g_assert_cmpstr (cpm_object_get_header (o->object, "Date"), ==, "Wed, 1 May 2024 12:30:00 +0000");
  g_assert_cmpstr (cpm_object_get_header (o->object, "InReplyTo-Contribution-ID"), ==, "contrib-0");
  g_assert_cmpuint (cpm_object_count_header (o->object, "Accept-Contact"), ==, 2);
  /* the service from the feature tag of an Accept-Contact */
  g_assert_cmpstr (cpm_object_get_header (o->object, "P-Asserted-Service"), ==,
                   "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.msg");
  /* no imdn.Message-ID: a generated one, the same on every run */
  {
    g_autoptr (Result) again = convert_bytes (bytes, "referred.txt", CPM_PROFILE_2_2);
    const char *id = cpm_object_get_header (o->object, "IMDN-Message-ID");
    g_assert_cmpuint (strlen (id), ==, 36);
    cpm_test_assert_bytes_equal (o->bytes, ((Out *) again->objects->pdata[0])->bytes);
  }
}

static void
test_chat_1to1 (void)
{
  g_autoptr (Result) r = convert ("chat-1to1.pcap");
  const Out *info, *m1, *m2, *m3, *n1;

  assert_all_valid (r);
  g_assert_cmpuint (r->objects->len, ==, 5);
  g_assert_cmpuint (count_kind (r, CPM_KIND_SESSION_INFO), ==, 1);
  g_assert_cmpuint (count_kind (r, CPM_KIND_CHAT), ==, 3);
  g_assert_cmpuint (count_kind (r, CPM_KIND_IMDN), ==, 1);
  info = r->objects->pdata[0];
  g_assert_cmpint (cpm_object_get_kind (info->object), ==, CPM_KIND_SESSION_INFO);
  g_assert_true (body_has (info, "<session-type>1-1</session-type>"));
  g_assert_cmpstr (cpm_object_get_header (info->object, "Subject"), ==, "Weekend plans");
  m1 = find (r, "chat-msg-0001");
  m2 = find (r, "chat-msg-0002");
  m3 = find (r, "chat-msg-0003");
  n1 = find (r, "imdn-0001");
  /* 1-1 sessions live in the conversation folder, IMDNs beside their message */
  for (guint i = 0; i < r->objects->len; i++)
    g_assert_cmpstr (((Out *) r->objects->pdata[i])->folder, ==, CONV);
  g_assert_cmpstr (n1->folder, ==, m1->folder);
  /* directions from the MSRP paths: Alice sent 1 and 2, Bob 3 */
  g_assert_cmpstr (cpm_object_get_header (m1->object, "From"), ==, "<sip:alice@example.com>");
  g_assert_cmpstr (cpm_object_get_header (m3->object, "From"), ==, "<sip:bob@example.com>");
  g_assert_cmpstr (cpm_object_get_header (m3->object, "To"), ==, "<sip:alice@example.com>");
  /* the chunked message whole, Date from the CPIM DateTime */
  g_assert_true (body_has (m2, "Content-Length: 189\r\n\r\nWe could go hiking"));
  g_assert_true (body_has (m2, "by the lake. We could go hiking, then have dinner at the place by the lake. "));
  g_assert_cmpstr (cpm_object_get_header (m2->object, "Date"), ==, "Wed, 1 May 2024 12:01:30 +0000");
  g_assert_nonnull (strstr (m2->source, "3 chunks"));
  g_assert_cmpuint (r->skips->len, ==, 2); /* ACK, BYE */
}

static void
test_same_objects_every_link (void)
{
  static const char *const files[] = { "chat-1to1-vlan.pcap", "chat-1to1-ipv6-sll.pcap",
                                       "chat-1to1-ipv6-sll2.pcapng", "chat-crlf.txt" };
  g_autoptr (Result) ref = convert ("chat-1to1.pcap");

  for (guint f = 0; f < G_N_ELEMENTS (files); f++) {
    g_autoptr (Result) r = convert (files[f]);
    g_assert_cmpuint (r->objects->len, ==, ref->objects->len);
    /* every object, the session info too: the recorded INVITE carries a
     * SIP Date, so no object takes the capture (or log marker) time */
    for (guint i = 0; i < r->objects->len; i++)
      cpm_test_assert_bytes_equal (((Out *) r->objects->pdata[i])->bytes,
                                   ((Out *) ref->objects->pdata[i])->bytes);
  }
}

static void
test_group_chat (void)
{
  g_autoptr (Result) r = convert ("group-chat.pcap");
  const Out *info, *ft = NULL, *gso_last = NULL;

  assert_all_valid (r);
  g_assert_cmpuint (r->objects->len, ==, 9);
  g_assert_cmpuint (count_kind (r, CPM_KIND_SESSION_INFO), ==, 1);
  g_assert_cmpuint (count_kind (r, CPM_KIND_CHAT), ==, 2);
  /* the IMDN came by SIP MESSAGE, and is stored beside its message */
  g_assert_cmpuint (count_kind (r, CPM_KIND_IMDN), ==, 1);
  g_assert_cmpstr (find (r, "grp-imdn-0001")->folder, ==, GROUP_FOLDER);
  g_assert_cmpuint (count_kind (r, CPM_KIND_CONFERENCE_INFO), ==, 2);
  g_assert_cmpuint (count_kind (r, CPM_KIND_GROUP_STATE), ==, 2);
  g_assert_cmpuint (count_kind (r, CPM_KIND_FILE_TRANSFER), ==, 1);
  /* Appendix I.2: everything in the session history folder */
  for (guint i = 0; i < r->objects->len; i++) {
    const Out *o = r->objects->pdata[i];
    g_assert_cmpstr (o->folder, ==, GROUP_FOLDER);
    if (cpm_object_get_kind (o->object) == CPM_KIND_FILE_TRANSFER)
      ft = o;
    if (cpm_object_get_kind (o->object) == CPM_KIND_GROUP_STATE)
      gso_last = o;
  }
  info = r->objects->pdata[0];
  g_assert_cmpint (cpm_object_get_kind (info->object), ==, CPM_KIND_SESSION_INFO);
  g_assert_true (body_has (info, "<session-type>Group</session-type>"));
  g_assert_true (body_has (info, "sip:bob@example.com;sip:carol@example.com"));
  /* group chat: From and To from the CPIM */
  g_assert_cmpstr (cpm_object_get_header (find (r, "grp-msg-0002")->object, "From"), ==,
                   "<sip:bob@example.com>");
  g_assert_cmpstr (cpm_object_get_header (find (r, "grp-msg-0001")->object, "To"), ==,
                   "<sip:conf-7f3a@conf.example.com>");
  /* the partial NOTIFY removed Carol */
  g_assert_true (body_has (gso_last, "comm-addr=\"sip:bob@example.com\""));
  g_assert_false (body_has (gso_last, "carol"));
  /* the file transfer: Ad-Hoc, thumbnail and file, SDP attributes */
  g_assert_true (body_has (ft, "<file-transfer-type>Ad-Hoc</file-transfer-type>"));
  g_assert_true (body_has (ft, "a=file-selector:name:\"lake.jpg\" type:image/jpeg size:3000"));
  g_assert_true (body_has (ft, "a=file-icon:cid:thumb-1@example.com"));
  g_assert_true (body_has (ft, "Content-ID: <thumb-1@example.com>"));
  g_assert_cmpstr (cpm_object_get_header (ft->object, "P-Asserted-Service"), ==,
                   "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.filetransfer");
}

static void
test_shuffled_same_bytes (void)
{
  g_autoptr (Result) a = convert ("group-chat.pcap");
  g_autoptr (Result) b = convert ("group-chat-shuffled.pcap");
  g_autoptr (Result) c = convert ("group-chat.pcapng");

  g_assert_cmpuint (a->objects->len, ==, b->objects->len);
  g_assert_cmpuint (a->objects->len, ==, c->objects->len);
  for (guint i = 0; i < a->objects->len; i++) {
    const Out *x = a->objects->pdata[i];
    gboolean found = FALSE;
    for (guint j = 0; j < b->objects->len; j++)
      if (g_bytes_equal (x->bytes, ((Out *) b->objects->pdata[j])->bytes))
        found = TRUE;
    g_assert_true (found);
    cpm_test_assert_bytes_equal (x->bytes, ((Out *) c->objects->pdata[i])->bytes);
  }
}

static void
test_file_transfer_1to1 (void)
{
  g_autoptr (Result) r = convert ("ft-1to1.pcap");
  g_autoptr (GError) error = NULL;
  const Out *o;
  GBytes *body;
  gsize n = 0;
  const char *d;

  assert_all_valid (r);
  g_assert_cmpuint (r->objects->len, ==, 1);
  o = r->objects->pdata[0];
  g_assert_cmpstr (o->folder, ==, CONV);
  g_assert_true (body_has (o, "<file-transfer-type>1-1</file-transfer-type>"));
  g_assert_false (body_has (o, "invited-participants"));
  /* the file's 3000 bytes are in the object (binary or encoded) */
  body = cpm_object_get_body (o->object);
  d = g_bytes_get_data (body, &n);
  g_assert_nonnull (g_strstr_len (d, (gssize) n, "name=\"lake.jpg\"") ?: g_strstr_len (d, (gssize) n, "lake.jpg"));
  g_assert_cmpuint (n, >, 3000);
}

static void
test_cut_capture (void)
{
  g_autoptr (Result) r = convert ("chat-1to1-cut.pcap");

  assert_all_valid (r);
  /* what was complete: the session info and message 1 */
  g_assert_cmpuint (r->objects->len, ==, 2);
  g_assert_nonnull (find (r, "chat-msg-0001"));
  g_assert_true (has_skip (r, "!incomplete: the input ended after 150 bytes"));
}

static void
test_large_message_mode (void)
{
  g_autoptr (Result) r = convert ("large-message.pcap");
  const Out *o;

  assert_all_valid (r);
  /* one standalone message, no session info; the opening empty SEND skipped */
  g_assert_cmpuint (r->objects->len, ==, 1);
  o = r->objects->pdata[0];
  g_assert_cmpint (cpm_object_get_kind (o->object), ==, CPM_KIND_MESSAGE);
  g_assert_cmpstr (cpm_object_get_header (o->object, "IMDN-Message-ID"), ==, "large-0001");
  g_assert_cmpstr (cpm_object_get_header (o->object, "P-Asserted-Service"), ==,
                   "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.largemsg");
  g_assert_cmpstr (o->folder, ==, CONV);
  g_assert_true (body_has (o, "A long story. A long story."));
  g_assert_true (has_skip (r, "not CPM (an empty MSRP SEND)"));
}

static void
test_profiles (void)
{
  g_autoptr (GBytes) bytes = cpm_test_load ("capture/group-chat.pcap");
  g_autoptr (Result) r20 = convert_bytes (bytes, "group-chat.pcap", CPM_PROFILE_2_0);

  /* no Conference Information Object before 2.2 */
  g_assert_cmpuint (count_kind (r20, CPM_KIND_CONFERENCE_INFO), ==, 0);
  g_assert_cmpuint (count_kind (r20, CPM_KIND_GROUP_STATE), ==, 2);
}

static void
test_cpim_file (void)
{
  g_autoptr (Result) r = convert ("message.cpim");
  const Out *o;

  assert_all_valid (r);
  g_assert_cmpuint (r->objects->len, ==, 1);
  o = r->objects->pdata[0];
  g_assert_cmpstr (cpm_object_get_header (o->object, "IMDN-Message-ID"), ==, "cpim-file-0001");
  g_assert_cmpstr (cpm_object_get_header (o->object, "Conversation-ID"), ==, o->folder);
}

static void
test_damaged_sip (void)
{
  static const char text[] =
    "INVITE sip:b@x SIP/2.0\r\nCall-ID: 1\r\nCSeq: 1 INVITE\r\n\r\n"
    "MESSAGE sip:b@x SIP/2.0\r\nCall-ID: 2\r\nCSeq: 1 MESSAGE\r\nConversation-ID: c\r\n"
    "Contribution-ID: d\r\nContent-Length: 500\r\n\r\nshort";
  g_autoptr (GBytes) bytes = g_bytes_new_static (text, sizeof text - 1);
  g_autoptr (Result) r = convert_bytes (bytes, "damaged.txt", CPM_PROFILE_2_2);

  g_assert_cmpuint (r->objects->len, ==, 0);
  g_assert_cmpuint (r->skips->len, ==, 2);
  g_assert_true (has_skip (r, "not CPM (INVITE without Conversation-ID)"));
  g_assert_true (has_skip (r, "!"));
}

int
main (int argc, char **argv)
{
  cpm_test_init (&argc, &argv);
  g_test_add_func ("/convert/pager", test_pager);
  g_test_add_func ("/convert/pager-header-sources", test_pager_header_sources);
  g_test_add_func ("/convert/chat-1to1", test_chat_1to1);
  g_test_add_func ("/convert/every-link", test_same_objects_every_link);
  g_test_add_func ("/convert/group-chat", test_group_chat);
  g_test_add_func ("/convert/shuffled", test_shuffled_same_bytes);
  g_test_add_func ("/convert/file-transfer", test_file_transfer_1to1);
  g_test_add_func ("/convert/cut", test_cut_capture);
  g_test_add_func ("/convert/profiles", test_profiles);
  g_test_add_func ("/convert/large-message", test_large_message_mode);
  g_test_add_func ("/convert/cpim-file", test_cpim_file);
  g_test_add_func ("/convert/damaged-sip", test_damaged_sip);
  return g_test_run ();
}
