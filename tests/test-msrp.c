/* MSRP: framing by the end-line, parsing, Byte-Range, chunk reassembly.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"

#include "cpm-capture-private.h"

#include <string.h>

static char *
chunk (const char *tid, const char *id, const char *range, const char *body, char flag)
{
  return g_strdup_printf ("MSRP %s SEND\r\nTo-Path: msrp://b:2/bs;tcp\r\n"
                          "From-Path: msrp://a:1/as;tcp\r\nMessage-ID: %s\r\n"
                          "Byte-Range: %s\r\nContent-Type: text/plain\r\n\r\n%s\r\n-------%s%c\r\n",
                          tid, id, range, body, tid, flag);
}

static CpmMsrpMessage *
parse (const char *text)
{
  g_autoptr (GError) error = NULL;
  CpmMsrpMessage *m = cpm_msrp_message_parse ((const guint8 *) text, strlen (text), &error);

  g_assert_no_error (error);
  return m;
}

/* RFC 4975 status-code = 3DIGIT: a longer number is no status, not one
 * that wraps to 200 in a guint. */
static void
test_status_three_digits (void)
{
  static const char *const bad[] = { "MSRP t1 4294967496 OK\r\n-------t1$\r\n",
                                     "MSRP t1 2000 OK\r\n-------t1$\r\n",
                                     "MSRP t1 20 OK\r\n-------t1$\r\n" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) error = NULL;
    CpmMsrpMessage *m = cpm_msrp_message_parse ((const guint8 *) bad[i], strlen (bad[i]), &error);
    g_assert_null (m);
    g_assert_nonnull (error);
  }
  CpmMsrpMessage *m = parse ("MSRP t1 481 No session\r\n-------t1$\r\n");
  g_assert_cmpuint (m->status, ==, 481);
  cpm_msrp_message_free (m);
}

static void
test_framing_and_parse (void)
{
  g_autofree char *c = chunk ("a786hjs2", "m1", "1-11/11", "Hello\r\n-----", '$');
  g_autofree char *two = g_strconcat (c, c, NULL);
  static const char ok[] = "MSRP a786hjs2 200 OK\r\nTo-Path: msrp://a:1/as;tcp\r\n"
                           "From-Path: msrp://b:2/bs;tcp\r\n-------a786hjs2$\r\n";
  CpmMsrpMessage *m;

  g_assert_true (cpm_msrp_is_start_line ("MSRP a786hjs2 SEND", 18));
  g_assert_false (cpm_msrp_is_start_line ("MSRP  SEND", 10));
  g_assert_false (cpm_msrp_is_start_line ("SIP/2.0 200 OK", 14));
  /* a body line that looks like an end-line of another id does not end it */
  g_assert_cmpint (cpm_msrp_frame_length ((const guint8 *) two, strlen (two)), ==,
                   (gssize) strlen (c));
  g_assert_cmpint (cpm_msrp_frame_length ((const guint8 *) c, strlen (c) - 1), ==, 0);
  m = parse (c);
  g_assert_true (m->is_request);
  g_assert_cmpstr (m->method, ==, "SEND");
  g_assert_cmpstr (m->tid, ==, "a786hjs2");
  g_assert_cmpint (m->flag, ==, '$');
  g_assert_cmpstr (cpm_msrp_message_get_header (m, "message-id"), ==, "m1");
  g_assert_cmpmem (g_bytes_get_data (m->body, NULL), g_bytes_get_size (m->body), "Hello\r\n-----", 12);
  cpm_msrp_message_free (m);
  m = parse (ok);
  g_assert_false (m->is_request);
  g_assert_cmpuint (m->status, ==, 200);
  g_assert_null (m->body);
  g_assert_cmpstr (cpm_msrp_message_get_header (m, "From-Path"), ==, "msrp://b:2/bs;tcp");
  cpm_msrp_message_free (m);
}

/* The converter's parse of a message cpm_capture_read() framed: a SEND
 * as cpm_msrp_message_parse gives it, any other message checked alike but
 * without its headers; a message that does not end in an end-line is
 * refused all the same. */
static void
test_parse_send (void)
{
  g_autofree char *c = chunk ("a786hjs2", "m1", "1-11/11", "Hello\r\n-----", '$');
  static const char ok[] = "MSRP a786hjs2 200 OK\r\nTo-Path: msrp://a:1/as;tcp\r\n"
                           "From-Path: msrp://b:2/bs;tcp\r\n-------a786hjs2$\r\n";
  static const char bad[] = "MSRP t1 2000 OK\r\n-------t1$\r\n";
  static const char cut[] = "MSRP t1 SEND\r\nMessage-ID: m1\r\n-------t1";
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) cut_error = NULL;
  CpmMsrpMessage *m = cpm_msrp_message_parse_send ((const guint8 *) c, strlen (c), NULL);

  g_assert_cmpstr (m->method, ==, "SEND");
  g_assert_cmpstr (m->message_id, ==, "m1");
  g_assert_cmpstr (m->byte_range, ==, "1-11/11");
  g_assert_cmpmem (g_bytes_get_data (m->body, NULL), g_bytes_get_size (m->body), "Hello\r\n-----", 12);
  cpm_msrp_message_free (m);
  m = cpm_msrp_message_parse_send ((const guint8 *) ok, strlen (ok), NULL);
  g_assert_false (m->is_request);
  g_assert_cmpuint (m->status, ==, 200);
  g_assert_cmpint (m->flag, ==, '$');
  g_assert_cmpuint (m->headers.len, ==, 0);
  g_assert_null (m->body);
  cpm_msrp_message_free (m);
  g_assert_null (cpm_msrp_message_parse_send ((const guint8 *) bad, strlen (bad), &error));
  g_assert_error (error, CPM_ERROR, CPM_ERROR_PARSE);
  g_assert_null (cpm_msrp_message_parse_send ((const guint8 *) cut, strlen (cut), &cut_error));
  g_assert_error (cut_error, CPM_ERROR, CPM_ERROR_PARSE);
}

static void
test_byte_range (void)
{
  guint64 s, e, t;

  g_assert_true (cpm_msrp_parse_byte_range ("1-25/100", &s, &e, &t));
  g_assert_true (s == 1 && e == 25 && t == 100);
  g_assert_true (cpm_msrp_parse_byte_range ("26-*/*", &s, &e, &t));
  g_assert_true (s == 26 && e == 0 && t == 0);
  g_assert_false (cpm_msrp_parse_byte_range ("0-5/5", &s, &e, &t));
  g_assert_false (cpm_msrp_parse_byte_range ("1-6/5", &s, &e, &t));
  g_assert_false (cpm_msrp_parse_byte_range ("1-5", &s, &e, &t));
  g_assert_false (cpm_msrp_parse_byte_range (NULL, &s, &e, &t));
  /* numbers past 64 bits read as g_ascii_strtoull reads them: the maximum */
  g_assert_true (cpm_msrp_parse_byte_range ("1-99999999999999999999999/*", &s, &e, &t));
  g_assert_true (s == 1 && e == G_MAXUINT64 && t == 0);
  g_assert_true (cpm_msrp_parse_byte_range ("18446744073709551615-18446744073709551616/*", &s, &e, &t));
  g_assert_true (s == G_MAXUINT64 && e == G_MAXUINT64);
  g_assert_true (cpm_msrp_parse_byte_range ("2-18446744073709551614/18446744073709551615", &s, &e, &t));
  g_assert_true (e == G_MAXUINT64 - 1 && t == G_MAXUINT64);
  /* 19 digits always fit; 20 and more fit or not by their value */
  g_assert_true (cpm_msrp_parse_byte_range ("9999999999999999999-*/*", &s, &e, &t));
  g_assert_true (s == G_GUINT64_CONSTANT (9999999999999999999));
  g_assert_true (cpm_msrp_parse_byte_range ("00000000000000000000000001-000000000000000000000005/5",
                                            &s, &e, &t));
  g_assert_true (s == 1 && e == 5 && t == 5);
  g_assert_true (cpm_msrp_parse_byte_range ("1-18446744073709551615/*", &s, &e, &t));
  g_assert_true (e == G_MAXUINT64);
  g_assert_true (cpm_msrp_parse_byte_range ("18446744073709551616-*/*", &s, &e, &t));
  g_assert_true (s == G_MAXUINT64);
  g_assert_true (cpm_msrp_parse_byte_range ("28446744073709551615-*/*", &s, &e, &t));
  g_assert_true (s == G_MAXUINT64);
  g_assert_false (cpm_msrp_parse_byte_range ("1-5/5x", &s, &e, &t));
  g_assert_false (cpm_msrp_parse_byte_range ("1:5/5", &s, &e, &t));
  g_autofree char *id = cpm_msrp_uri_session ("msrp://10.0.0.1:7654/abc123;tcp");
  g_assert_cmpstr (id, ==, "abc123");
  g_autofree char *id6 = cpm_msrp_uri_session ("msrps://[2001:db8::a]:7654/x-y;tcp");
  g_assert_cmpstr (id6, ==, "x-y");
  g_assert_null (cpm_msrp_uri_session ("sip:bob@example.com"));
}

static CpmMsrpAssembled *
add (CpmMsrpAssembler *as, const char *text, const char *frames)
{
  CpmMsrpMessage *m = parse (text);
  CpmMsrpAssembled *a = cpm_msrp_assembler_add (as, m, frames, 1000);

  cpm_msrp_message_free (m);
  return a;
}

static void
test_reassembly (void)
{
  CpmMsrpAssembler *as = cpm_msrp_assembler_new (0);
  g_autofree char *c1 = chunk ("tid1", "m1", "1-5/15", "Hello", '+');
  g_autofree char *c2 = chunk ("tid2", "m1", "6-10/15", ", wor", '+');
  g_autofree char *c3 = chunk ("tid3", "m1", "11-15/15", "ld!!!", '$');
  g_autofree char *o = chunk ("tid4", "m1", "4-8/15", "lo, w", '+');
  CpmMsrpAssembled *a;

  /* the last chunk first, an overlapping resent piece in between */
  g_assert_null (add (as, c3, "9"));
  g_assert_null (add (as, c1, "5"));
  g_assert_null (add (as, o, "6"));
  a = add (as, c2, "7");
  g_assert_nonnull (a);
  g_assert_null (a->problem);
  g_assert_cmpmem (g_bytes_get_data (a->content, NULL), g_bytes_get_size (a->content),
                   "Hello, world!!!", 15);
  g_assert_cmpuint (a->chunks, ==, 4);
  g_assert_cmpuint (a->interrupted, ==, 3);
  g_assert_cmpstr (a->frames, ==, "9,5,6,7");
  g_assert_cmpstr (a->content_type, ==, "text/plain");
  g_assert_cmpstr (a->to_path, ==, "msrp://b:2/bs;tcp");
  cpm_msrp_assembled_free (a);
  cpm_msrp_assembler_free (as);
}

static void
test_aborted_and_incomplete (void)
{
  CpmMsrpAssembler *as = cpm_msrp_assembler_new (0);
  g_autofree char *a1 = chunk ("tid1", "ab", "1-5/10", "Hello", '+');
  g_autofree char *a2 = chunk ("tid2", "ab", "6-7/10", "xy", '#');
  g_autofree char *i1 = chunk ("tid3", "in", "1-5/10", "Hello", '+');
  g_autofree char *i2 = chunk ("tid4", "gap", "6-10/10", "world", '$');
  GPtrArray *open;
  CpmMsrpAssembled *a;

  g_assert_null (add (as, a1, "1"));
  a = add (as, a2, "2");
  g_assert_nonnull (a);
  g_assert_true (g_str_has_prefix (a->problem, "aborted"));
  cpm_msrp_assembled_free (a);
  g_assert_null (add (as, i1, "3"));
  g_assert_null (add (as, i2, "4"));
  open = cpm_msrp_assembler_drain (as);
  g_assert_cmpuint (open->len, ==, 2);
  a = open->pdata[0]; /* "gap": the last chunk came, bytes 1-5 never */
  g_assert_cmpstr (a->message_id, ==, "gap");
  g_assert_cmpstr (a->problem, ==, "incomplete: bytes 1-10 of 10 missing");
  a = open->pdata[1];
  g_assert_cmpstr (a->message_id, ==, "in");
  g_assert_nonnull (strstr (a->problem, "ended after 5 bytes"));
  g_ptr_array_unref (open);
  cpm_msrp_assembler_free (as);
}

/* Found by fuzz-msrp: a transaction id longer than the framing reads
 * (32 characters) put the end-line before the start line's end, and the
 * header length went negative (an allocation of 2^64 - 6 bytes). Such a
 * message is refused with an error. */
static void
test_long_tid (void)
{
  g_autoptr (GBytes) bytes = cpm_test_load ("hostile/msrp-long-tid.bin");
  g_autoptr (GError) error = NULL;
  CpmMsrpMessage *m = cpm_msrp_message_parse (g_bytes_get_data (bytes, NULL),
                                              g_bytes_get_size (bytes), &error);

  g_assert_null (m);
  g_assert_error (error, CPM_ERROR, CPM_ERROR_PARSE);
}

/* Every byte value inside a transaction id: the ident characters of RFC
 * 4975 (and NUL, as the reading always took it) continue it, any other
 * ends it. */
static void
test_tid_bytes (void)
{
  for (guint c = 0; c < 256; c++) {
    char line[] = "MSRP a?c SEND";
    gboolean ident = g_ascii_isalnum ((char) c) || strchr (".-+%=", (int) c) != NULL;
    line[6] = (char) c;
    /* an ident byte keeps "a?c" one id; a space splits it; others end the id */
    g_assert_cmpint (cpm_msrp_is_start_line (line, sizeof line - 1), ==, ident || c == ' ');
    /* the end-line carries "a?c": it ends the frame only when that is the id */
    char frame[] = "MSRP a?c SEND\r\n-------a?c$\r\n";
    frame[6] = frame[23] = (char) c;
    g_assert_cmpint (cpm_msrp_frame_length ((const guint8 *) frame, sizeof frame - 1), ==,
                     ident ? (gssize) sizeof frame - 1 : 0);
  }
}

/* The header block and body of a frame as message_parse split them at
 * a605693 (blank line by the CRs before it, fields by cpm_sip_parse_headers
 * of the block): the reference for random SENDs. */
static void
ref_split (const guint8 *data, gsize len, gsize tlen, CpmSipHeaders *h, GBytes **body)
{
  const guint8 *eol = memchr (data, '\n', len), *end = data + len - (7 + tlen + 3), *blank = NULL;

  for (const guint8 *p = eol + 1; p + 1 < end && (p = memchr (p, '\r', (gsize) (end - 1 - p))); p++)
    if (p[1] == '\n' && p[-1] == '\n' && p[-2] == '\r') {
      blank = p;
      break;
    }
  if (blank && blank + 2 <= end - 2) {
    cpm_sip_parse_headers (h, (const char *) eol + 1, (gsize) (blank - eol - 1), FALSE);
    *body = g_bytes_new (blank + 2, (gsize) (end - 2 - (blank + 2)));
  } else {
    cpm_sip_parse_headers (h, (const char *) eol + 1, (gsize) (end - eol - 1), FALSE);
    *body = NULL;
  }
}

static void
test_headers_reference (void)
{
  static const char *const bits[] = { "\r\n", "\r\n\r\n", "\r", "\n", "To-Path: msrp://a/1;tcp",
                                      "Message-ID: m1", " folded", "\tx", "Byte-Range: 1-5/5", ":",
                                      "no colon", "body text", "-", "\r\n\r\n\r\n" };
  GRand *rand = g_rand_new_with_seed (4976);

  for (guint round = 0; round < 20000; round++) {
    g_autoptr (GString) f = g_string_new ("MSRP t1 SEND\r\n");
    guint pieces = (guint) g_rand_int_range (rand, 0, 16);
    g_autoptr (GError) error = NULL;
    g_auto (CpmSipHeaders) ref = { NULL, 0 };
    g_autoptr (GBytes) ref_body = NULL;
    CpmMsrpMessage *m;

    for (guint i = 0; i < pieces; i++) {
      if (g_rand_int_range (rand, 0, 30) == 0)
        g_string_append_len (f, "\0", 1);
      else
        g_string_append (f, bits[g_rand_int_range (rand, 0, G_N_ELEMENTS (bits))]);
    }
    g_string_append (f, "\r\n-------t1$\r\n");
    m = cpm_msrp_message_parse_send ((const guint8 *) f->str, f->len, &error);
    g_assert_no_error (error);
    ref_split ((const guint8 *) f->str, f->len, 2, &ref, &ref_body);
    g_assert_cmpuint (m->headers.len, ==, ref.len);
    for (guint i = 0; i < ref.len; i++) {
      g_assert_cmpstr (m->headers.v[i].name, ==, ref.v[i].name);
      g_assert_cmpstr (m->headers.v[i].value, ==, ref.v[i].value);
    }
    g_assert_true ((m->body == NULL) == (ref_body == NULL));
    if (ref_body)
      g_assert_true (g_bytes_equal (m->body, ref_body));
    cpm_msrp_message_free (m);
  }
  g_rand_free (rand);
}

/* cpm_msrp_frame_length as it read frames at a605693, byte for byte: the
 * reference its faster scan must agree with. */
static gboolean
ref_ident (char c)
{
  return g_ascii_isalnum (c) || c == '.' || c == '-' || c == '+' || c == '%' || c == '=' ||
         c == '\0';
}

static gssize
ref_frame_length (const guint8 *data, gsize len)
{
  gsize tlen = 0, need, from;
  const guint8 *eol;
  const char *tid = (const char *) data + 5;

  if (len < 10 || memcmp (data, "MSRP ", 5) != 0)
    return -1;
  while (tlen < len - 5 && tlen < 32 && ref_ident (tid[tlen]))
    tlen++;
  if (!tlen)
    return -1;
  eol = memchr (data, '\n', len);
  if (!eol)
    return 0;
  need = 2 + 7 + tlen + 3;
  from = (gsize) (eol - data) - 1;
  for (gsize i = from; i + need <= len; i++) {
    const guint8 *p = memchr (data + i, '-', len - i);
    if (!p)
      return 0;
    i = (gsize) (p - data);
    if (i < 2 || i + 7 + tlen + 3 > len)
      continue;
    if (p[-2] == '\r' && p[-1] == '\n' && memcmp (p, "-------", 7) == 0 &&
        memcmp (p + 7, tid, tlen) == 0 && strchr ("$+#", p[7 + tlen]) && p[7 + tlen] &&
        p[8 + tlen] == '\r' && p[9 + tlen] == '\n')
      return (gssize) (i + 7 + tlen + 3);
  }
  return 0;
}

/* Random frames of end-line pieces (dashes, CRLFs, the id, other ids,
 * flags, cut end-lines, NULs) against the reference, and every prefix of
 * some of them. */
static void
test_frame_length_reference (void)
{
  static const char *const ids[] = { "t1", "a786hjs2", "x", "abcdefghijklmnopqrstuvwxyz0123456789",
                                     "t1.2", "t" };
  GRand *rand = g_rand_new_with_seed (4975);

  for (guint round = 0; round < 20000; round++) {
    const char *id = ids[g_rand_int_range (rand, 0, G_N_ELEMENTS (ids))];
    g_autoptr (GString) f = g_string_new ("MSRP ");
    guint pieces = (guint) g_rand_int_range (rand, 0, 24);

    g_string_append (f, id);
    g_string_append (f, g_rand_boolean (rand) ? " SEND\r\n" : " 200 OK\n");
    for (guint i = 0; i < pieces; i++) {
      const char *other = ids[g_rand_int_range (rand, 0, G_N_ELEMENTS (ids))];
      switch (g_rand_int_range (rand, 0, 12)) {
      case 0: g_string_append (f, "\r\n"); break;
      case 1: g_string_append_c (f, '-'); break;
      case 2: g_string_append (f, "-------"); break;
      case 3: g_string_append (f, id); break;
      case 4: g_string_append_c (f, "$+#"[g_rand_int_range (rand, 0, 3)]); break;
      case 5: g_string_append_c (f, "\r\n x"[g_rand_int_range (rand, 0, 4)]); break;
      case 6: g_string_append_printf (f, "\r\n-------%s%c\r\n", id, "$+#*"[g_rand_int_range (rand, 0, 4)]); break;
      case 7: g_string_append_printf (f, "\r\n-------%s$\r\n", other); break;
      case 8: g_string_append_printf (f, "\r\n------%s$", id); break;
      case 9: g_string_append_len (f, "\0", 1); break;
      case 10: g_string_append (f, "Byte-Range: 1-5/5"); break;
      default: g_string_append (f, "\r\n-------"); break;
      }
    }
    if (round % 16 == 0) {
      for (gsize n = 0; n <= f->len; n++)
        g_assert_cmpint (cpm_msrp_frame_length ((const guint8 *) f->str, n), ==,
                         ref_frame_length ((const guint8 *) f->str, n));
    } else {
      g_assert_cmpint (cpm_msrp_frame_length ((const guint8 *) f->str, f->len), ==,
                       ref_frame_length ((const guint8 *) f->str, f->len));
    }
  }
  g_rand_free (rand);
}

int
main (int argc, char **argv)
{
  cpm_test_init (&argc, &argv);
  g_test_add_func ("/msrp/framing", test_framing_and_parse);
  g_test_add_func ("/msrp/frame-length-reference", test_frame_length_reference);
  g_test_add_func ("/msrp/tid-bytes", test_tid_bytes);
  g_test_add_func ("/msrp/headers-reference", test_headers_reference);
  g_test_add_func ("/msrp/status-three-digits", test_status_three_digits);
  g_test_add_func ("/msrp/parse-send", test_parse_send);
  g_test_add_func ("/msrp/byte-range", test_byte_range);
  g_test_add_func ("/msrp/reassembly", test_reassembly);
  g_test_add_func ("/msrp/aborted-incomplete", test_aborted_and_incomplete);
  g_test_add_func ("/msrp/long-tid", test_long_tid);
  return g_test_run ();
}
