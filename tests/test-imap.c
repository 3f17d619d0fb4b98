/* The IMAP response parser on recorded server responses (testdata/imap/), and
 * the client against a live Dovecot when CPM_IMAP_URL is set (t-append.sh
 * starts one and runs this binary again with it).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"
#include "cpm-imap-private.h"

#include <string.h>

/* Parses every response of a recorded stream. */
static GPtrArray *
parse_all (GBytes *bytes)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) cpm_imap_response_free);
  gsize len, off = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  while (off < len) {
    gsize consumed = 0, needed = 0;
    CpmImapResponse *r = NULL;
    g_autoptr(GError) error = NULL;
    CpmImapParseResult res =
        cpm_imap_parse_response (data + off, len - off, &consumed, &needed, &r, &error);
    g_assert_no_error (error);
    g_assert_cmpint (res, ==, CPM_IMAP_PARSE_OK);
    g_assert_cmpuint (consumed, >, 0);
    g_ptr_array_add (out, r);
    off += consumed;
  }
  return out;
}

static CpmImapParseResult
parse_one (const char *file, CpmImapResponse **r, gsize *needed, GError **error)
{
  g_autoptr(GBytes) b = cpm_test_load (file);
  gsize len, consumed;
  const guint8 *data = g_bytes_get_data (b, &len);
  return cpm_imap_parse_response (data, len, &consumed, needed, r, error);
}

static CpmImapResponse *
find_tagged (GPtrArray *rs, const char *tag)
{
  for (guint i = 0; i < rs->len; i++) {
    CpmImapResponse *r = rs->pdata[i];
    if (r->kind == CPM_IMAP_RESPONSE_TAGGED && strcmp (r->tag, tag) == 0)
      return r;
  }
  g_assert_not_reached ();
}

static void
test_dovecot_session (void)
{
  g_autoptr(GBytes) b = cpm_test_load ("imap/dovecot-session.txt");
  g_autoptr(GPtrArray) rs = parse_all (b);
  g_assert_cmpuint (rs->len, ==, 30);

  CpmImapResponse *greet = rs->pdata[0];
  g_assert_cmpint (greet->kind, ==, CPM_IMAP_RESPONSE_UNTAGGED);
  g_assert_cmpint (greet->status, ==, CPM_IMAP_STATUS_PREAUTH);
  g_assert_cmpstr (greet->code, ==, "CAPABILITY");
  g_assert_nonnull (strstr (greet->code_args, " UIDPLUS "));
  g_assert_nonnull (strstr (greet->code_args, " MULTIAPPEND "));
  g_assert_cmpstr (greet->text, ==, "Logged in as cpmtest");

  CpmImapResponse *a2 = find_tagged (rs, "a2");
  g_assert_cmpint (a2->status, ==, CPM_IMAP_STATUS_NO);
  g_assert_cmpstr (a2->code, ==, "ALREADYEXISTS");
  g_assert_null (a2->code_args);

  /* APPENDUID of a single APPEND and of a MULTIAPPEND (RFC 4315 section 3) */
  guint32 validity = 0;
  g_autoptr(GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GError) error = NULL;
  CpmImapResponse *a4 = find_tagged (rs, "a4");
  g_assert_cmpstr (a4->code, ==, "APPENDUID");
  g_assert_true (cpm_imap_parse_appenduid (a4->code_args, &validity, uids, &error));
  g_assert_cmpuint (validity, ==, 1795401553u);
  g_assert_cmpuint (uids->len, ==, 1);
  g_assert_cmpuint (g_array_index (uids, guint32, 0), ==, 1);
  g_array_set_size (uids, 0);
  CpmImapResponse *a5 = find_tagged (rs, "a5");
  g_assert_true (cpm_imap_parse_appenduid (a5->code_args, &validity, uids, &error));
  g_assert_cmpuint (uids->len, ==, 2);
  g_assert_cmpuint (g_array_index (uids, guint32, 1), ==, 3);

  /* LIST "" "" gives the separator as a quoted string */
  CpmImapResponse *list = rs->pdata[3];
  g_assert_cmpstr (list->keyword, ==, "LIST");
  g_assert_cmpuint (list->values->len, ==, 3);
  CpmImapValue *sep = list->values->pdata[1];
  g_assert_cmpint (sep->type, ==, CPM_IMAP_VALUE_STRING);
  g_assert_cmpmem (g_bytes_get_data (sep->string, NULL), g_bytes_get_size (sep->string), "/", 1);

  /* SELECT's UIDVALIDITY code, SEARCH numbers, FETCH with a literal */
  gboolean saw_validity = FALSE, saw_search = FALSE, saw_fetch = FALSE;
  for (guint i = 0; i < rs->len; i++) {
    CpmImapResponse *r = rs->pdata[i];
    if (g_strcmp0 (r->code, "UIDVALIDITY") == 0) {
      g_assert_cmpstr (r->code_args, ==, "1795401553");
      saw_validity = TRUE;
    }
    if (g_strcmp0 (r->keyword, "SEARCH") == 0) {
      g_assert_cmpuint (r->values->len, ==, 1);
      g_assert_cmpuint (((CpmImapValue *) r->values->pdata[0])->number, ==, 1);
      saw_search = TRUE;
    }
    if (r->has_number && r->number == 1 && g_strcmp0 (r->keyword, "FETCH") == 0 && !saw_fetch) {
      CpmImapValue *l = r->values->pdata[0];
      g_assert_cmpint (l->type, ==, CPM_IMAP_VALUE_LIST);
      g_assert_cmpuint (l->items->len, ==, 4);
      g_assert_cmpstr (((CpmImapValue *) l->items->pdata[2])->atom, ==, "BODY[]");
      GBytes *body = ((CpmImapValue *) l->items->pdata[3])->string;
      const char want[] = "Subject: x\r\nIMDN-Message-ID: abc\r\n\r\nhello {world}\r\n";
      g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), want,
                       sizeof want - 1);
      saw_fetch = TRUE;
    }
  }
  g_assert_true (saw_validity && saw_search && saw_fetch);

  CpmImapResponse *a9 = find_tagged (rs, "a9");
  g_assert_cmpint (a9->status, ==, CPM_IMAP_STATUS_NO);
  g_assert_cmpstr (a9->code, ==, "CANNOT");
  g_assert_cmpstr (a9->text, ==,
                   "Invalid mailbox name: Begins with hierarchy separator (0.001 + 0.000 secs).");

  CpmImapResponse *bye = rs->pdata[rs->len - 2];
  g_assert_cmpint (bye->status, ==, CPM_IMAP_STATUS_BYE);
  g_assert_cmpstr (bye->text, ==, "Logging out");
}

/* Every prefix of a valid stream is either complete or asks for more bytes
 * than it has: the parser never reads past the end nor misparses a cut. */
static void
test_every_prefix (void)
{
  g_autoptr(GBytes) b = cpm_test_load ("imap/dovecot-session.txt");
  gsize len;
  const guint8 *data = g_bytes_get_data (b, &len);
  for (gsize cut = 0; cut < len; cut++) {
    /* a private copy of exactly @cut bytes, so ASan sees any overread */
    g_autofree guint8 *copy = g_memdup2 (data, cut ? cut : 1);
    gsize off = 0;
    for (;;) {
      gsize consumed = 0, needed = 0;
      CpmImapResponse *r = NULL;
      g_autoptr(GError) error = NULL;
      CpmImapParseResult res =
          cpm_imap_parse_response (copy + off, cut - off, &consumed, &needed, &r, &error);
      if (res == CPM_IMAP_PARSE_INCOMPLETE) {
        g_assert_cmpuint (needed, >, cut - off);
        break;
      }
      g_assert_no_error (error);
      g_assert_cmpint (res, ==, CPM_IMAP_PARSE_OK);
      cpm_imap_response_free (r);
      off += consumed;
    }
  }
}

static void
test_overquota (void)
{
  g_autoptr(CpmImapResponse) r = NULL;
  g_autoptr(GError) error = NULL;
  gsize needed;
  g_assert_cmpint (parse_one ("imap/append-overquota.txt", &r, &needed, &error), ==,
                   CPM_IMAP_PARSE_OK);
  g_assert_cmpint (r->kind, ==, CPM_IMAP_RESPONSE_TAGGED);
  g_assert_cmpstr (r->tag, ==, "C7");
  g_assert_cmpint (r->status, ==, CPM_IMAP_STATUS_NO);
  g_assert_cmpstr (r->code, ==, "OVERQUOTA");
  g_assert_cmpstr (r->text, ==,
                   "Quota exceeded (mailbox for user is full) (0.010 + 0.000 + 0.009 secs).");
}

static void
test_login_failed_and_greeting (void)
{
  g_autoptr(CpmImapResponse) r = NULL, g = NULL;
  g_autoptr(GError) error = NULL;
  gsize needed;
  g_assert_cmpint (parse_one ("imap/login-failed.txt", &r, &needed, &error), ==,
                   CPM_IMAP_PARSE_OK);
  g_assert_cmpstr (r->code, ==, "AUTHENTICATIONFAILED");
  g_assert_cmpint (parse_one ("imap/greeting-capability.txt", &g, &needed, &error), ==,
                   CPM_IMAP_PARSE_OK);
  g_assert_cmpint (g->status, ==, CPM_IMAP_STATUS_OK);
  g_assert_nonnull (strstr (g->code_args, "STARTTLS AUTH=PLAIN"));
}

static void
test_multiappend_uidset (void)
{
  g_autoptr(CpmImapResponse) r = NULL;
  g_autoptr(GError) error = NULL;
  gsize needed;
  g_assert_cmpint (parse_one ("imap/multiappend-uidset.txt", &r, &needed, &error), ==,
                   CPM_IMAP_PARSE_OK);
  guint32 validity;
  g_autoptr(GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_assert_true (cpm_imap_parse_appenduid (r->code_args, &validity, uids, &error));
  g_assert_cmpuint (validity, ==, 38505);
  const guint32 want[] = { 3955, 3956, 3957, 3960 };
  g_assert_cmpmem (uids->data, uids->len * sizeof (guint32), want, sizeof want);
}

static void
test_appenduid_malformed (void)
{
  const char *bad[] = { "0 1", "5", "5 ", "5 0", "5 1:", "5 1,", "5 x", "4294967296 1",
                        "5 1:4000000000", "" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    guint32 validity;
    g_autoptr(GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));
    g_autoptr(GError) error = NULL;
    g_assert_false (cpm_imap_parse_appenduid (bad[i], &validity, uids, &error));
    g_assert_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_PROTOCOL);
  }
  g_autoptr(CpmImapResponse) r = NULL;
  g_autoptr(GError) error = NULL;
  gsize needed;
  g_assert_cmpint (parse_one ("imap/appenduid-malformed.txt", &r, &needed, &error), ==,
                   CPM_IMAP_PARSE_OK);
  guint32 validity;
  g_autoptr(GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_assert_false (cpm_imap_parse_appenduid (r->code_args, &validity, uids, &error));
}

static void
test_truncated_literal (void)
{
  g_autoptr(CpmImapResponse) r = NULL;
  g_autoptr(GError) error = NULL;
  gsize needed = 0;
  g_assert_cmpint (parse_one ("imap/fetch-truncated-literal.txt", &r, &needed, &error), ==,
                   CPM_IMAP_PARSE_INCOMPLETE);
  g_assert_null (r);
  /* "* 1 FETCH (UID 1 BODY[] {51}\r\n" is 30 bytes, then 51 of literal */
  g_assert_cmpuint (needed, ==, 30 + 51 + 1);
}

static void
test_lax_server (void)
{
  g_autoptr(GBytes) b = cpm_test_load ("imap/lax-lf-lowercase.txt");
  g_autoptr(GPtrArray) rs = parse_all (b);
  g_assert_cmpuint (rs->len, ==, 3);
  CpmImapResponse *list = rs->pdata[0];
  g_assert_cmpstr (list->keyword, ==, "LIST");
  CpmImapValue *name = list->values->pdata[2];
  g_assert_cmpmem (g_bytes_get_data (name->string, NULL), g_bytes_get_size (name->string),
                   "a \"quoted\\ name", 15);
  CpmImapResponse *exists = rs->pdata[1];
  g_assert_true (exists->has_number);
  g_assert_cmpuint (exists->number, ==, 2);
  g_assert_cmpstr (exists->keyword, ==, "EXISTS");
  CpmImapResponse *ok = rs->pdata[2];
  g_assert_cmpint (ok->status, ==, CPM_IMAP_STATUS_OK);
  g_assert_cmpstr (ok->code, ==, "APPENDUID");
  g_assert_cmpstr (ok->code_args, ==, "7 9");
}

/* An astring mailbox name with brackets, a section with spaces inside. */
static void
test_astring_brackets (void)
{
  g_autoptr(GBytes) b = cpm_test_load ("imap/list-astring-brackets.txt");
  g_autoptr(GPtrArray) rs = parse_all (b);
  g_assert_cmpuint (rs->len, ==, 2);
  CpmImapValue *name = ((CpmImapResponse *) rs->pdata[0])->values->pdata[2];
  g_assert_cmpint (name->type, ==, CPM_IMAP_VALUE_ATOM);
  g_assert_cmpstr (name->atom, ==, "[Gmail]/a]b");
  CpmImapValue *list = ((CpmImapResponse *) rs->pdata[1])->values->pdata[0];
  g_assert_cmpuint (list->items->len, ==, 4);
  g_assert_cmpstr (((CpmImapValue *) list->items->pdata[2])->atom, ==,
                   "BODY[HEADER.FIELDS (IMDN-Message-ID)]");
  GBytes *lit = ((CpmImapValue *) list->items->pdata[3])->string;
  g_assert_cmpmem (g_bytes_get_data (lit, NULL), g_bytes_get_size (lit), "ab\r\n", 4);
}

static void
test_continuation (void)
{
  g_autoptr(GBytes) b = cpm_test_load ("imap/continuation.txt");
  g_autoptr(GPtrArray) rs = parse_all (b);
  g_assert_cmpuint (rs->len, ==, 2);
  g_assert_cmpint (((CpmImapResponse *) rs->pdata[0])->kind, ==, CPM_IMAP_RESPONSE_CONTINUE);
  g_assert_cmpstr (((CpmImapResponse *) rs->pdata[0])->text, ==, "OK");
  g_assert_cmpstr (((CpmImapResponse *) rs->pdata[1])->text, ==, "");
}

static void
test_bye (void)
{
  g_autoptr(CpmImapResponse) r = NULL;
  g_autoptr(GError) error = NULL;
  gsize needed;
  g_assert_cmpint (parse_one ("imap/bye-shutdown.txt", &r, &needed, &error), ==,
                   CPM_IMAP_PARSE_OK);
  g_assert_cmpint (r->status, ==, CPM_IMAP_STATUS_BYE);
  g_assert_cmpstr (r->text, ==, "Server shutting down.");
}

static void
test_garbage (void)
{
  const char *files[] = { "imap/garbage-http.txt", "imap/garbage-binary.bin",
                          "imap/literal-too-large.txt", "imap/nesting-too-deep.txt",
                          "imap/unbalanced-paren.txt", "imap/code-unclosed.txt" };
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++) {
    g_autoptr(CpmImapResponse) r = NULL;
    g_autoptr(GError) error = NULL;
    gsize needed;
    CpmImapParseResult res = parse_one (files[i], &r, &needed, &error);
    if (res != CPM_IMAP_PARSE_ERROR)
      g_error ("%s: parsed as %d", files[i], res);
    g_assert_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_PROTOCOL);
    g_assert_null (r);
  }
}

/* A line without end must be refused once it passes the bound, not buffered
 * for ever. */
static void
test_line_bound (void)
{
  gsize len = CPM_IMAP_MAX_LINE + 10;
  g_autofree guint8 *line = g_malloc (len);
  memcpy (line, "* OK ", 5);
  memset (line + 5, 'x', len - 5);
  gsize consumed, needed;
  CpmImapResponse *r = NULL;
  g_autoptr(GError) error = NULL;
  g_assert_cmpint (cpm_imap_parse_response (line, len, &consumed, &needed, &r, &error), ==,
                   CPM_IMAP_PARSE_ERROR);
  g_assert_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_PROTOCOL);
}

static void
test_quote_and_date (void)
{
  g_autofree char *q1 = cpm_imap_quote ("a\"b\\c d");
  g_assert_cmpstr (q1, ==, "\"a\\\"b\\\\c d\"");
  g_autofree char *q2 = cpm_imap_quote ("x\r\ny");
  g_assert_null (q2);
  g_autofree char *q3 = cpm_imap_quote ("caf\xc3\xa9");
  g_assert_null (q3);
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier ("-07:00");
  g_autoptr(GDateTime) d = g_date_time_new (tz, 1996, 7, 17, 2, 44, 25);
  g_autofree char *s = cpm_imap_format_date (d);
  g_assert_cmpstr (s, ==, "17-Jul-1996 02:44:25 -0700");
  g_autoptr(GDateTime) d2 = g_date_time_new_utc (2026, 11, 5, 10, 0, 0);
  g_autofree char *s2 = cpm_imap_format_date (d2);
  g_assert_cmpstr (s2, ==, " 5-Nov-2026 10:00:00 +0000");
}

static void
test_bad_url (void)
{
  g_autoptr(CpmImapClient) c = cpm_imap_client_new ();
  g_autoptr(GError) error = NULL;
  g_assert_false (cpm_imap_client_connect (c, "http://127.0.0.1/", 0, NULL, &error));
  g_assert_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_URL);
}


/* ---- a scripted fake server on the loopback ------------------------------ */

/* Each command the client sends (with its literals) is answered with the
 * next reply; a NULL reply closes the connection. Synchronizing literals
 * get a "+" continuation first. Everything received is kept. */
typedef struct {
  GSocketListener *listener;
  guint16 port;
  const char *greeting;
  const char *const *replies;
  GString *received;
  GThread *thread;
} Fake;

static gboolean
fake_read_more (GInputStream *in, GByteArray *buf)
{
  guint8 tmp[4096];
  gssize n = g_input_stream_read (in, tmp, sizeof tmp, NULL, NULL);
  if (n <= 0)
    return FALSE;
  g_byte_array_append (buf, tmp, (guint) n);
  return TRUE;
}

/* Reads one whole command into @fake->received. */
static gboolean
fake_read_command (Fake *fake, GInputStream *in, GOutputStream *out, GByteArray *buf)
{
  for (;;) {
    guint8 *eol;
    while ((eol = buf->len ? memchr (buf->data, '\n', buf->len) : NULL) == NULL)
      if (!fake_read_more (in, buf))
        return FALSE;
    gsize len = (gsize) (eol - buf->data) + 1;
    g_string_append_len (fake->received, (const char *) buf->data, (gssize) len);
    g_autofree char *line = g_strndup ((const char *) buf->data, len);
    g_byte_array_remove_range (buf, 0, (guint) len);
    g_strchomp (line);
    char *brace = strrchr (line, '{');
    if (line[0] == '\0' || brace == NULL || line[strlen (line) - 1] != '}')
      return TRUE;
    gboolean plus = strstr (brace, "+}") != NULL;
    gsize n = (gsize) g_ascii_strtoull (brace + 1, NULL, 10);
    if (!plus)
      g_output_stream_write_all (out, "+ go on\r\n", 9, NULL, NULL, NULL);
    while (buf->len < n)
      if (!fake_read_more (in, buf))
        return FALSE;
    g_string_append_len (fake->received, (const char *) buf->data, (gssize) n);
    g_byte_array_remove_range (buf, 0, (guint) n);
  }
}

static gpointer
fake_serve (gpointer data)
{
  Fake *fake = data;
  g_autoptr(GSocketConnection) conn = g_socket_listener_accept (fake->listener, NULL, NULL, NULL);
  if (conn == NULL)
    return NULL;
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  g_output_stream_write_all (out, fake->greeting, strlen (fake->greeting), NULL, NULL, NULL);
  for (const char *const *r = fake->replies; *r; r++) {
    if (!fake_read_command (fake, in, out, buf))
      break;
    g_output_stream_write_all (out, *r, strlen (*r), NULL, NULL, NULL);
  }
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  return NULL;
}

static Fake *
fake_start (const char *greeting, const char *const *replies)
{
  Fake *fake = g_new0 (Fake, 1);
  fake->greeting = greeting;
  fake->replies = replies;
  fake->received = g_string_new (NULL);
  fake->listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_assert_true (g_socket_listener_add_address (fake->listener, addr, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error));
  g_assert_no_error (error);
  fake->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  fake->thread = g_thread_new ("fake-imap", fake_serve, fake);
  return fake;
}

static char *
fake_url (Fake *fake)
{
  return g_strdup_printf ("imap://127.0.0.1:%u", fake->port);
}

/* Joins the server thread and returns what the client sent. */
static char *
fake_finish (Fake *fake)
{
  g_thread_join (fake->thread);
  g_socket_listener_close (fake->listener);
  g_object_unref (fake->listener);
  char *received = g_string_free (fake->received, FALSE);
  g_free (fake);
  return received;
}

/* Without AUTH=PLAIN: LOGIN with quoted strings; without LITERAL+: the
 * client waits for "+" before each literal. */
static void
test_fake_login_and_synchronizing_literal (void)
{
  static const char *const replies[] = {
    "C1 OK [CAPABILITY IMAP4rev1 UIDPLUS] logged in\r\n",
    "* LIST (\\Noselect) \".\" \"\"\r\nC2 OK done\r\n",
    /* a NO without ALREADYEXISTS: a LIST tells the folder is there */
    "C3 NO Mailbox exists already\r\n",
    "* LIST (\\HasNoChildren) \".\" top\r\nC4 OK listed\r\n",
    "C5 NO [TRYCREATE] no such folder\r\n",
    "C6 OK created\r\n",
    "C7 OK [APPENDUID 9 42] stored\r\n",
    NULL,
  };
  Fake *fake = fake_start ("* OK [CAPABILITY IMAP4rev1 UIDPLUS] fake ready\r\n", replies);
  g_autofree char *url = fake_url (fake);
  g_autoptr(CpmImapClient) c = cpm_imap_client_new ();
  g_autoptr(GError) error = NULL;
  g_assert_true (cpm_imap_client_connect (c, url, 0, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (cpm_imap_client_is_tls (c));
  g_assert_true (cpm_imap_client_login (c, "u", "p \"w\"", &error));
  g_assert_no_error (error);
  g_assert_cmpint (cpm_imap_client_get_separator (c, &error), ==, '.');
  g_assert_true (cpm_imap_client_create (c, "top", &error));
  g_autoptr(GBytes) obj = g_bytes_new_static ("Subject: x\r\n\r\nhi\r\n", 18);
  const char *flags[] = { "\\Seen", NULL };
  guint32 validity = 0, uid = 0;
  g_assert_true (cpm_imap_client_append (c, "top/sub", obj, flags, NULL, &validity, &uid, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (validity, ==, 9);
  g_assert_cmpuint (uid, ==, 42);
  g_clear_pointer (&c, cpm_imap_client_unref);
  g_autofree char *sent = fake_finish (fake);
  g_assert_cmpstr (sent, ==,
                   "C1 LOGIN \"u\" \"p \\\"w\\\"\"\r\n"
                   "C2 LIST \"\" \"\"\r\n"
                   "C3 CREATE \"top\"\r\n"
                   "C4 LIST \"\" \"top\"\r\n"
                   /* TRYCREATE: the folder "top.sub" is made, then APPEND again */
                   "C5 APPEND \"top.sub\" (\\Seen) {18}\r\nSubject: x\r\n\r\nhi\r\n\r\n"
                   "C6 CREATE \"top.sub\"\r\n"
                   "C7 APPEND \"top.sub\" (\\Seen) {18}\r\nSubject: x\r\n\r\nhi\r\n\r\n");
}

/* A server without UIDPLUS gets nothing; an OK without APPENDUID is an
 * error although the object was stored. */
static void
test_fake_uidplus_required (void)
{
  static const char *const replies[] = {
    "C1 OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR LITERAL+] hello\r\n",
    NULL,
  };
  Fake *fake = fake_start ("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR LITERAL+] hi\r\n",
                           replies);
  g_autofree char *url = fake_url (fake);
  g_autoptr(CpmImapClient) c = cpm_imap_client_new ();
  g_autoptr(GError) error = NULL;
  g_assert_true (cpm_imap_client_connect (c, url, 0, NULL, &error));
  g_assert_true (cpm_imap_client_login (c, "u", "secret", &error));
  g_autoptr(GBytes) obj = g_bytes_new_static ("Subject: x\r\n\r\n", 14);
  g_assert_false (cpm_imap_client_append (c, "INBOX", obj, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "UIDPLUS"));
  g_clear_pointer (&c, cpm_imap_client_unref);
  g_autofree char *sent = fake_finish (fake);
  /* AUTHENTICATE PLAIN with the initial response: base64 of "\0u\0secret" */
  g_assert_cmpstr (sent, ==, "C1 AUTHENTICATE PLAIN AHUAc2VjcmV0\r\n");
}

static void
test_fake_no_appenduid (void)
{
  static const char *const replies[] = {
    "* LIST (\\Noselect) \"/\" \"\"\r\nC1 OK done\r\n",
    "C2 OK stored, no code\r\n",
    NULL,
  };
  Fake *fake = fake_start ("* PREAUTH [CAPABILITY IMAP4rev1 UIDPLUS LITERAL+] welcome\r\n",
                           replies);
  g_autofree char *url = fake_url (fake);
  g_autoptr(CpmImapClient) c = cpm_imap_client_new ();
  g_autoptr(GError) error = NULL;
  g_assert_true (cpm_imap_client_connect (c, url, 0, NULL, &error));
  g_assert_true (cpm_imap_client_login (c, "u", "unused", &error)); /* PREAUTH */
  g_autoptr(GBytes) obj = g_bytes_new_static ("Subject: x\r\n\r\n", 14);
  g_assert_false (cpm_imap_client_append (c, "INBOX", obj, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "no APPENDUID"));
  g_clear_pointer (&c, cpm_imap_client_unref);
  g_autofree char *sent = fake_finish (fake);
  /* LITERAL+: no waiting for "+" */
  g_assert_nonnull (strstr (sent, "C2 APPEND \"INBOX\" {14+}\r\nSubject: x\r\n\r\n\r\n"));
}

static void
test_fake_bye_and_garbage (void)
{
  static const char *const bye[] = { "* BYE shutting down for maintenance\r\n", NULL };
  Fake *fake = fake_start ("* OK [CAPABILITY IMAP4rev1 UIDPLUS AUTH=PLAIN SASL-IR] hi\r\n", bye);
  g_autofree char *url = fake_url (fake);
  g_autoptr(CpmImapClient) c = cpm_imap_client_new ();
  g_autoptr(GError) error = NULL;
  g_assert_true (cpm_imap_client_connect (c, url, 0, NULL, &error));
  g_assert_false (cpm_imap_client_login (c, "u", "pw", &error));
  g_assert_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_CLOSED);
  g_assert_nonnull (strstr (error->message, "BYE shutting down for maintenance"));
  g_clear_error (&error);
  /* a closed client fails cleanly */
  g_assert_false (cpm_imap_client_create (c, "x", &error));
  g_assert_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_CLOSED);
  g_clear_error (&error);
  g_free (fake_finish (fake));

  static const char *const none[] = { NULL };
  Fake *http = fake_start ("HTTP/1.1 400 Bad Request\r\n\r\n", none);
  g_autofree char *url2 = fake_url (http);
  g_autoptr(CpmImapClient) c2 = cpm_imap_client_new ();
  g_assert_false (cpm_imap_client_connect (c2, url2, 0, NULL, &error));
  g_assert_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_PROTOCOL);
  g_clear_pointer (&c2, cpm_imap_client_unref);
  g_free (fake_finish (http));
}

/* No STARTTLS on offer: with REQUIRE_TLS the client does not log in. */
static void
test_fake_require_tls (void)
{
  static const char *const none[] = { NULL };
  Fake *fake = fake_start ("* OK [CAPABILITY IMAP4rev1 UIDPLUS AUTH=PLAIN] hi\r\n", none);
  g_autofree char *url = fake_url (fake);
  g_autoptr(CpmImapClient) c = cpm_imap_client_new ();
  g_autoptr(GError) error = NULL;
  g_assert_false (cpm_imap_client_connect (c, url, CPM_IMAP_CONNECT_REQUIRE_TLS, NULL, &error));
  g_assert_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_TLS);
  g_clear_pointer (&c, cpm_imap_client_unref);
  g_autofree char *sent = fake_finish (fake);
  g_assert_cmpstr (sent, ==, "");
}

/* ---- live server ------------------------------------------------------ */

static char *
live_password (void)
{
  const char *file = g_getenv ("CPM_IMAP_PASSWORD_FILE");
  char *pw = NULL;
  g_assert_nonnull (file);
  g_assert_true (g_file_get_contents (file, &pw, NULL, NULL));
  g_strchomp (pw);
  return pw;
}

static CpmImapClient *
live_login (const char *url, const char *user, GError **error)
{
  CpmImapClient *c = cpm_imap_client_new ();
  g_autofree char *pw = live_password ();
  g_assert_true (cpm_imap_client_set_ca_file (c, g_getenv ("CPM_IMAP_CA"), NULL));
  if (!cpm_imap_client_connect (c, url, CPM_IMAP_CONNECT_REQUIRE_TLS, NULL, error) ||
      !cpm_imap_client_login (c, user, pw, error)) {
    cpm_imap_client_unref (c);
    return NULL;
  }
  return c;
}

static gboolean
live_skip (void)
{
  if (g_getenv ("CPM_IMAP_URL") == NULL) {
    g_test_skip ("CPM_IMAP_URL is not set (tests/tools/t-append.sh sets it)");
    return TRUE;
  }
  return FALSE;
}

static void
test_live_roundtrip (void)
{
  if (live_skip ())
    return;
  g_autoptr(GError) error = NULL;
  /* imap:// with STARTTLS, certificate checked against the test CA */
  g_autoptr(CpmImapClient) c = live_login (g_getenv ("CPM_IMAP_URL"), "cpmtest", &error);
  g_assert_no_error (error);
  g_assert_true (cpm_imap_client_is_tls (c));
  g_assert_true (cpm_imap_client_has_capability (c, "uidplus"));
  g_assert_cmpint (cpm_imap_client_get_separator (c, &error), ==, '/');

  /* a folder of its own, so that a re-run against the same server finds
   * only its own objects */
  g_autofree char *folder = g_strdup_printf ("unit/live-%08x \"quoted\"/\xc3\xa9t\xc3\xa9",
                                             g_random_int ());
  g_assert_true (cpm_imap_client_create (c, folder, &error));
  g_assert_no_error (error);
  g_assert_true (cpm_imap_client_create (c, folder, &error)); /* already there */

  g_autoptr(GBytes) obj = cpm_test_load ("imap/object-chat.eml");
  const char *flags[] = { "\\Seen", "$Forwarded", NULL };
  g_autoptr(GDateTime) date = g_date_time_new_utc (2026, 3, 2, 10, 0, 0);
  guint32 validity = 0, uid = 0;
  g_assert_true (cpm_imap_client_append (c, folder, obj, flags, date, &validity, &uid, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (validity, >, 0);
  g_assert_cmpuint (uid, >, 0);

  g_autoptr(GBytes) back = cpm_imap_client_fetch (c, folder, uid, &error);
  g_assert_no_error (error);
  cpm_test_assert_bytes_equal (back, obj);

  guint32 v2 = 0;
  g_autoptr(GArray) found = cpm_imap_client_search_header (
      c, folder, "IMDN-Message-ID", "unit-live-0001", &v2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (v2, ==, validity);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpuint (g_array_index (found, guint32, 0), ==, uid);

  /* MULTIAPPEND: three objects, consecutive UIDs after the first */
  CpmImapAppendItem items[3] = { { .data = obj }, { .data = obj }, { .data = obj } };
  g_assert_true (cpm_imap_client_append_many (c, folder, items, 3, &v2, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (items[0].uid, ==, uid + 1);
  g_assert_cmpuint (items[2].uid, ==, uid + 3);

  /* TRYCREATE: a folder that does not exist yet is made on the way */
  g_assert_true (cpm_imap_client_append (c, "unit/made-on-demand", obj, NULL, NULL, NULL, &uid,
                                         &error));
  g_assert_no_error (error);

  /* a refused folder name comes back with the server's words */
  g_assert_false (cpm_imap_client_create (c, "unit//empty-level", &error));
  g_assert_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_NO);
  g_assert_nonnull (strstr (error->message, "Invalid mailbox name"));
  g_clear_error (&error);

  g_autoptr(GBytes) none = cpm_imap_client_fetch (c, folder, 999999, &error);
  g_assert_null (none);
  g_assert_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_NO);
  g_clear_error (&error);

  g_assert_true (cpm_imap_client_logout (c, &error));
  g_assert_no_error (error);
}

static void
test_live_tls (void)
{
  if (live_skip ())
    return;
  g_autoptr(GError) error = NULL;
  const char *imaps = g_getenv ("CPM_IMAPS_URL");
  g_assert_nonnull (imaps);
  /* the self-signed certificate is refused without its CA ... */
  g_autoptr(CpmImapClient) c1 = cpm_imap_client_new ();
  g_assert_false (cpm_imap_client_connect (c1, imaps, 0, NULL, &error));
  g_assert_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_TLS);
  g_clear_error (&error);
  /* ... accepted when told to be insecure ... */
  g_autoptr(CpmImapClient) c2 = cpm_imap_client_new ();
  g_assert_true (cpm_imap_client_connect (c2, imaps, CPM_IMAP_CONNECT_INSECURE, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (cpm_imap_client_is_tls (c2));
  /* ... and checked against the CA otherwise */
  g_autoptr(CpmImapClient) c3 = live_login (imaps, "cpmtest", &error);
  g_assert_no_error (error);
  g_assert_true (cpm_imap_client_logout (c3, &error));
}

static void
test_live_refusals (void)
{
  if (live_skip ())
    return;
  g_autoptr(GError) error = NULL;
  const char *url = g_getenv ("CPM_IMAP_URL");
  g_autoptr(CpmImapClient) c = cpm_imap_client_new ();
  g_assert_true (cpm_imap_client_connect (c, url, CPM_IMAP_CONNECT_INSECURE, NULL, &error));
  g_assert_false (cpm_imap_client_login (c, "cpmtest", "wrong-secret-4711", &error));
  g_assert_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_AUTH);
  g_assert_nonnull (strstr (error->message, "AUTHENTICATIONFAILED"));
  g_assert_null (strstr (error->message, "wrong-secret-4711"));
  g_clear_error (&error);

  /* the quota user's store is full: NO [OVERQUOTA] */
  g_autoptr(CpmImapClient) q = live_login (url, "cpmfull", &error);
  g_assert_no_error (error);
  g_autoptr(GBytes) obj = cpm_test_load ("imap/object-chat.eml");
  g_assert_false (cpm_imap_client_append (q, "INBOX", obj, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_OVERQUOTA);
  g_assert_nonnull (strstr (error->message, "Quota exceeded"));
}

int
main (int argc, char **argv)
{
  cpm_test_init (&argc, &argv);
  g_test_add_func ("/imap/parse/dovecot-session", test_dovecot_session);
  g_test_add_func ("/imap/parse/every-prefix", test_every_prefix);
  g_test_add_func ("/imap/parse/overquota", test_overquota);
  g_test_add_func ("/imap/parse/login-failed-and-greeting", test_login_failed_and_greeting);
  g_test_add_func ("/imap/parse/multiappend-uidset", test_multiappend_uidset);
  g_test_add_func ("/imap/parse/appenduid-malformed", test_appenduid_malformed);
  g_test_add_func ("/imap/parse/truncated-literal", test_truncated_literal);
  g_test_add_func ("/imap/parse/lax-server", test_lax_server);
  g_test_add_func ("/imap/parse/continuation", test_continuation);
  g_test_add_func ("/imap/parse/astring-brackets", test_astring_brackets);
  g_test_add_func ("/imap/parse/bye", test_bye);
  g_test_add_func ("/imap/parse/garbage", test_garbage);
  g_test_add_func ("/imap/parse/line-bound", test_line_bound);
  g_test_add_func ("/imap/format/quote-and-date", test_quote_and_date);
  g_test_add_func ("/imap/client/bad-url", test_bad_url);
  g_test_add_func ("/imap/fake/login-and-synchronizing-literal",
                   test_fake_login_and_synchronizing_literal);
  g_test_add_func ("/imap/fake/uidplus-required", test_fake_uidplus_required);
  g_test_add_func ("/imap/fake/no-appenduid", test_fake_no_appenduid);
  g_test_add_func ("/imap/fake/bye-and-garbage", test_fake_bye_and_garbage);
  g_test_add_func ("/imap/fake/require-tls", test_fake_require_tls);
  g_test_add_func ("/imap/live/roundtrip", test_live_roundtrip);
  g_test_add_func ("/imap/live/tls", test_live_tls);
  g_test_add_func ("/imap/live/refusals", test_live_refusals);
  return g_test_run ();
}
