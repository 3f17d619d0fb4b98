/* SIP parsing: start lines, compact and folded headers, framing, bodies.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"

#include "cpm-capture-private.h"

#include <string.h>

static const char invite[] =
  "INVITE sip:bob@example.com SIP/2.0\r\n"
  "v: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n"
  "f: \"Alice\" <sip:alice@example.com>;tag=1\r\n"
  "t: <sip:bob@example.com>\r\n"
  "i: call-1\r\n"
  "CSeq: 1 INVITE\r\n"
  "m: <sip:10.0.0.9>;isfocus;+g.oma.sip-im\r\n"
  "Subject: a subject\r\n"
  "  folded on\r\n"
  "a: *;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\"\r\n"
  "Accept-Contact: *;+g.oma.sip-im\r\n"
  "c: multipart/mixed;boundary=b1\r\n"
  "l: 186\r\n"
  "\r\n"
  "--b1\r\n"
  "Content-Type: application/sdp\r\n"
  "\r\n"
  "v=0\r\n"
  "a=path:msrp://10.0.0.1:7654/abc;tcp\r\n"
  "--b1\r\n"
  "Content-Type: image/png\r\n"
  "Content-ID: <thumb@x>\r\n"
  "Content-Transfer-Encoding: base64\r\n"
  "\r\n"
  "iVBO\r\n"
  "--b1--\r\n";

static void
test_start_lines (void)
{
  static const char *const yes[] = { "INVITE sip:b@x SIP/2.0", "SIP/2.0 200 OK",
                                     "MESSAGE tel:+1514 SIP/2.0", "SIP/2.0 486 Busy Here",
                                     "MSRP a1 SIP/2.0", "A  SIP/2.0" };
  static const char *const no[] = { "invite sip:b@x SIP/2.0", "INVITE sip:b@x SIP/3.0",
                                    "MSRP abcd SEND", "SIP/2.0 OK", "", "HTTP/1.1 200 OK",
                                    "INVITE  SIP/2.0x", "SIP/2.0", " SIP/2.0", "A SIP/2.0",
                                    "INVITE sip:b@x  SIP/2.0", "MSRP a1 SEND SIP/2.0" };

  for (guint i = 0; i < G_N_ELEMENTS (yes); i++)
    g_assert_true (cpm_sip_is_start_line (yes[i], strlen (yes[i])));
  for (guint i = 0; i < G_N_ELEMENTS (no); i++)
    g_assert_false (cpm_sip_is_start_line (no[i], strlen (no[i])));
}

static void
test_parse_invite (void)
{
  g_autoptr (GError) error = NULL;
  CpmSipMessage *m = cpm_sip_message_parse ((const guint8 *) invite, strlen (invite), &error);
  GPtrArray *parts;
  const CpmSipPart *p;

  g_assert_no_error (error);
  g_assert_true (m->is_request);
  g_assert_cmpstr (m->method, ==, "INVITE");
  g_assert_cmpstr (m->uri, ==, "sip:bob@example.com");
  g_assert_cmpstr (cpm_sip_message_get_header (m, "Call-ID"), ==, "call-1");
  g_assert_cmpstr (cpm_sip_message_get_header (m, "i"), ==, "call-1");
  g_assert_cmpstr (cpm_sip_message_get_header (m, "from"), ==,
                   "\"Alice\" <sip:alice@example.com>;tag=1");
  g_assert_cmpstr (cpm_sip_message_get_header (m, "Subject"), ==, "a subject folded on");
  g_assert_cmpstr (cpm_sip_message_get_header_nth (m, "Accept-Contact", 1), ==, "*;+g.oma.sip-im");
  g_assert_null (cpm_sip_message_get_header_nth (m, "Accept-Contact", 2));
  g_assert_cmpuint (g_bytes_get_size (m->body), ==, 186);
  g_autofree char *key = cpm_sip_transaction_key (m);
  g_assert_cmpstr (key, ==, "call-1\n1 INVITE");
  g_autofree char *focus = cpm_sip_param (cpm_sip_message_get_header (m, "Contact"), "isfocus");
  g_assert_cmpstr (focus, ==, "");
  g_autofree char *none = cpm_sip_param (cpm_sip_message_get_header (m, "To"), "tag");
  g_assert_null (none);
  g_autofree char *tag = cpm_sip_param (cpm_sip_message_get_header (m, "From"), "tag");
  g_assert_cmpstr (tag, ==, "1");
  g_autofree char *uri = cpm_sip_addr_uri (cpm_sip_message_get_header (m, "From"));
  g_assert_cmpstr (uri, ==, "sip:alice@example.com");

  parts = cpm_sip_message_body_parts (m);
  g_assert_cmpuint (parts->len, ==, 2);
  p = cpm_sip_parts_find (parts, "application/sdp");
  g_assert_nonnull (p);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (p->content, NULL),
                                  (gssize) g_bytes_get_size (p->content), "a=path:"));
  p = cpm_sip_parts_find (parts, "image/png");
  g_assert_cmpstr (p->content_id, ==, "thumb@x");
  /* base64 undone: "iVBO" is 0x89 'P' 'N' */
  g_assert_cmpuint (g_bytes_get_size (p->content), ==, 3);
  g_assert_cmpint (((const guint8 *) g_bytes_get_data (p->content, NULL))[0], ==, 0x89);
  g_ptr_array_unref (parts);
  cpm_sip_message_free (m);
}

static void
test_framing (void)
{
  gsize n = strlen (invite);
  g_autofree char *two = g_strconcat (invite, invite, NULL);
  static const char bad[] = "MESSAGE sip:b SIP/2.0\r\nContent-Length: x1\r\n\r\n";
  static const char none[] = "SIP/2.0 200 OK\r\nCall-ID: 1\r\n\r\nMSRP";

  g_assert_cmpint (cpm_sip_frame_length ((const guint8 *) invite, n), ==, (gssize) n);
  g_assert_cmpint (cpm_sip_frame_length ((const guint8 *) two, 2 * n), ==, (gssize) n);
  g_assert_cmpint (cpm_sip_frame_length ((const guint8 *) invite, n - 1), ==, 0);
  g_assert_cmpint (cpm_sip_frame_length ((const guint8 *) invite, 40), ==, 0);
  g_assert_cmpint (cpm_sip_frame_length ((const guint8 *) bad, strlen (bad)), ==, -1);
  /* no Content-Length on a stream: no body */
  g_assert_cmpint (cpm_sip_frame_length ((const guint8 *) none, strlen (none)), ==,
                   (gssize) strlen (none) - 4);
  /* the in-place Content-Length reading: compact "l", a folded value, a bad
   * value before a good one, a long run of zeros */
  const char *compact = "MESSAGE sip:a@b SIP/2.0\r\nl :  3\r\n\r\nabcdef";
  const char *folded = "MESSAGE sip:a@b SIP/2.0\r\nContent-Length:\r\n 3\r\n\r\nabcdef";
  const char *twice = "MESSAGE sip:a@b SIP/2.0\r\nContent-Length: x\r\ncontent-length: 3\r\n\r\nabc";
  const char *zeros = "MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 0000000000000000000000000000000000000003\r\n\r\nabc";
  g_assert_cmpint (cpm_sip_frame_length ((const guint8 *) compact, strlen (compact)), ==,
                   (gssize) strlen (compact) - 3);
  g_assert_cmpint (cpm_sip_frame_length ((const guint8 *) folded, strlen (folded)), ==,
                   (gssize) strlen (folded) - 3);
  g_assert_cmpint (cpm_sip_frame_length ((const guint8 *) twice, strlen (twice)), ==, -1);
  g_assert_cmpint (cpm_sip_frame_length ((const guint8 *) zeros, strlen (zeros)), ==,
                   (gssize) strlen (zeros));
}

static void
test_errors (void)
{
  static const char *const broken[] = { "", "INVITE\r\n\r\n", "SIP/2.0 99 x\r\n\r\n",
                                        "FOO bar BAZ\r\n\r\n", "no line end" };

  for (guint i = 0; i < G_N_ELEMENTS (broken); i++) {
    g_autoptr (GError) error = NULL;
    g_assert_null (cpm_sip_message_parse ((const guint8 *) broken[i], strlen (broken[i]), &error));
    g_assert_error (error, CPM_ERROR, CPM_ERROR_PARSE);
  }
}

static void
test_compact_forms (void)
{
  g_assert_cmpstr (cpm_sip_expand_compact ("l"), ==, "Content-Length");
  g_assert_cmpstr (cpm_sip_expand_compact ("K"), ==, "Supported");
  g_assert_cmpstr (cpm_sip_expand_compact ("b"), ==, "Referred-By");
  g_assert_cmpstr (cpm_sip_expand_compact ("Via"), ==, "Via");
  g_assert_cmpstr (cpm_sip_expand_compact ("q"), ==, "q");
}

/* The header block as the parser splits it: a folded line joins the
 * last field (after a line without a colon too, one of blanks adds a
 * space), a name that begins another's is looked up as itself, the
 * block ends at a NUL, compact names expand with their length. */
static void
test_header_lines (void)
{
  static const char block[] = "To-Path: x\r\nTo: y\r\n  z\r\n\tw  \r\nnocolon\r\n \r\n"
                              ": empty name\r\nVal:\r\nMessage-ID: m\0Hidden: h\r\n";
  g_auto (CpmSipHeaders) h = { NULL, 0 };
  g_auto (CpmSipHeaders) c = { NULL, 0 };

  cpm_sip_parse_headers (&h, block, sizeof block - 1, FALSE);
  g_assert_cmpuint (h.len, ==, 5);
  g_assert_cmpstr (cpm_sip_headers_get (&h, "To", 2, 0), ==, "y z w ");
  g_assert_cmpstr (cpm_sip_headers_get (&h, "to-path", 7, 0), ==, "x");
  g_assert_null (cpm_sip_headers_get (&h, "To", 2, 1));
  g_assert_cmpstr (cpm_sip_headers_get (&h, "", 0, 0), ==, "empty name");
  g_assert_cmpstr (cpm_sip_headers_get (&h, "VAL", 3, 0), ==, "");
  g_assert_cmpstr (cpm_sip_headers_get (&h, "Message-ID", 10, 0), ==, "m");
  g_assert_null (cpm_sip_headers_get (&h, "Hidden", 6, 0));
  g_assert_null (cpm_sip_headers_get (&h, "nocolon", 7, 0));

  cpm_sip_parse_headers (&c, "i:  call-2 \r\nI: call-3", 22, TRUE);
  g_assert_cmpuint (c.len, ==, 2);
  g_assert_cmpstr (c.v[0].name, ==, "Call-ID");
  g_assert_cmpuint (c.v[0].name_len, ==, 7);
  g_assert_cmpstr (cpm_sip_headers_get (&c, "call-id", 7, 1), ==, "call-3");
}

int
main (int argc, char **argv)
{
  cpm_test_init (&argc, &argv);
  g_test_add_func ("/sip/start-lines", test_start_lines);
  g_test_add_func ("/sip/invite", test_parse_invite);
  g_test_add_func ("/sip/framing", test_framing);
  g_test_add_func ("/sip/errors", test_errors);
  g_test_add_func ("/sip/compact", test_compact_forms);
  g_test_add_func ("/sip/header-lines", test_header_lines);
  return g_test_run ();
}
