/* Tests of the value checkers (cpm-check.h): Appendix C headers and the RFC
 * grammars behind the other Table 1 headers.
 *
 * The value tables live in testdata/values/<name>.pass and <name>.fail, so
 * the inputs are the real bytes a header would carry. File format: one value
 * per line, exactly the bytes before the LF (no trimming, no escapes); lines
 * starting with "# " or equal to "#" are comments; empty lines are skipped.
 * Values a line cannot hold (empty, NUL, CR/LF, 10 MB) are built here.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"
#include "cpm-check-private.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
  const char *name;     /* testdata/values/<name>.pass|.fail */
  CpmValueCheck check;
  gboolean empty_ok;    /* does the grammar accept the empty value? */
} Checker;

static const Checker checkers[] = {
  { "conversation-id", cpm_check_token, FALSE },             /* C.1 */
  { "contribution-id", cpm_check_token, FALSE },             /* C.2 */
  { "inreplyto-contribution-id", cpm_check_token, FALSE },   /* C.3 */
  { "imdn-message-id", cpm_check_token, FALSE },             /* C.4 */
  { "p-asserted-service", cpm_check_service, FALSE },        /* C.5 */
  { "message-correlator", cpm_check_message_correlator, TRUE }, /* C.6: *(%x20-7E) */
  { "accept-contact", cpm_check_accept_contact, FALSE },     /* C.7 */
  { "message-context", cpm_check_message_context, FALSE },
  { "address", cpm_check_address, FALSE },
  { "address-list", cpm_check_address_list, FALSE },
  { "date", cpm_check_date, FALSE },
  { "cpim-datetime", cpm_check_cpim_datetime, FALSE },
  { "content-type", cpm_check_content_type, FALSE },
  { "unstructured", cpm_check_unstructured, TRUE },
};

/* Runs @check on an exact-size heap copy of the value, so that ASan catches
 * any read past @len (the values are never NUL-terminated for the checker). */
static gboolean
run_check (CpmValueCheck check, const char *value, gsize len, GError **error)
{
  char *copy = g_malloc (len ? len : 1);
  gboolean ok;

  memcpy (copy, value, len);
  ok = check (copy, len, error);
  g_free (copy);
  return ok;
}

/* Every failure message names the offset of the problem, within the value. */
static void
assert_error_shape (const GError *error, const char *value, gsize len)
{
  const char *at;
  guint64 off;

  g_assert_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE);
  at = strstr (error->message, "offset ");
  if (!at) {
    g_autofree char *esc = g_strescape (value, NULL);
    g_test_message ("no offset in \"%s\" for \"%s\"", error->message, esc);
    g_test_fail ();
    return;
  }
  off = g_ascii_strtoull (at + 7, NULL, 10);
  g_assert_cmpuint (off, <=, len);
}

typedef struct {
  const Checker *checker;
  gboolean want_pass;
} ValuesCase;

static void
test_values_file (gconstpointer data)
{
  const ValuesCase *vc = data;
  g_autofree char *file = g_strdup_printf ("values/%s.%s", vc->checker->name,
                                           vc->want_pass ? "pass" : "fail");
  g_autoptr(GBytes) bytes = cpm_test_load (file);
  gsize size;
  const char *p = g_bytes_get_data (bytes, &size);
  const char *end = p + size;
  guint lineno = 0, values = 0, wrong = 0;

  while (p < end) {
    const char *nl = memchr (p, '\n', (gsize) (end - p));
    gsize len = nl ? (gsize) (nl - p) : (gsize) (end - p);
    g_autoptr(GError) error = NULL;
    gboolean ok;

    lineno++;
    if (len == 0 || (p[0] == '#' && (len == 1 || p[1] == ' '))) {
      p += len + 1;
      continue;
    }
    values++;
    ok = run_check (vc->checker->check, p, len, &error);
    if (ok != vc->want_pass) {
      g_autofree char *raw = g_strndup (p, len);
      g_autofree char *esc = g_strescape (raw, NULL);
      g_printerr ("# %s:%u: \"%s\" %s%s\n", file, lineno, esc,
                  ok ? "passed, but must fail" : "failed, but must pass: ",
                  error ? error->message : "");
      wrong++;
    } else if (!ok) {
      g_autofree char *raw = g_strndup (p, len);
      assert_error_shape (error, raw, len);
    } else {
      g_assert_no_error (error);
    }
    p += len + 1;
  }
  g_assert_cmpuint (values, >=, 3);
  g_assert_cmpuint (wrong, ==, 0);
}

static void
test_empty (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (checkers); i++) {
    g_autoptr(GError) error = NULL;
    gboolean ok = checkers[i].check ("", 0, &error);

    if (ok != checkers[i].empty_ok)
      g_error ("%s: empty value %s", checkers[i].name, ok ? "passed" : "failed");
    if (!ok)
      assert_error_shape (error, "", 0);
    /* a NULL pointer with length 0 is the same empty value */
    g_clear_error (&error);
    g_assert_true (checkers[i].check (NULL, 0, NULL) == checkers[i].empty_ok);
  }
}

/* The first value of <name>.pass, for building variants of a valid value. */
static char *
first_pass_value (const Checker *c)
{
  g_autofree char *file = g_strdup_printf ("values/%s.pass", c->name);
  g_autoptr(GBytes) bytes = cpm_test_load (file);
  g_auto(GStrv) lines = g_strsplit (g_bytes_get_data (bytes, NULL), "\n", -1);

  for (guint i = 0; lines[i]; i++)
    if (lines[i][0] && lines[i][0] != '#')
      return g_strdup (lines[i]);
  g_assert_not_reached ();
}

/* A valid value followed by a NUL and more text, or with a byte replaced by
 * a CR, LF or invalid UTF-8, must fail: the checker reads @len bytes, not up
 * to a terminator. */
static void
test_embedded_bytes (void)
{
  static const char *const inserts[] = { "\0tail", "\r\nX-Injected: 1", "\xff", "\xc3\x28" };
  static const gsize insert_len[] = { 5, 15, 1, 2 };

  for (guint i = 0; i < G_N_ELEMENTS (checkers); i++) {
    g_autofree char *valid = first_pass_value (&checkers[i]);
    gsize vlen = strlen (valid);

    g_assert_true (run_check (checkers[i].check, valid, vlen, NULL));
    for (guint k = 0; k < G_N_ELEMENTS (inserts); k++) {
      g_autoptr(GString) v = g_string_new_len (valid, (gssize) vlen);
      g_autoptr(GError) error = NULL;

      g_string_append_len (v, inserts[k], (gssize) insert_len[k]);
      if (run_check (checkers[i].check, v->str, v->len, &error))
        g_error ("%s: \"%s\" + insert %u passed", checkers[i].name, valid, k);
      assert_error_shape (error, v->str, v->len);
      /* the bad byte is where the message points */
      g_assert_nonnull (strstr (error->message, k == 0 ? "0x00" : k == 1 ? "0x0D" : k == 2
                                ? "0xFF" : "0xC3"));
    }
  }
}

/* CPU time of this thread: wall time would make the bound depend on the
 * load of the machine running the suite. */
static gint64
cpu_usec (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gint64
timed_check (CpmValueCheck check, const GString *v, gboolean *ok)
{
  g_autoptr(GError) error = NULL;
  gint64 t0 = cpu_usec (), t;

  *ok = check (v->str, v->len, &error);
  t = cpu_usec () - t0;
  if (!*ok)
    assert_error_shape (error, v->str, v->len);
  return t;
}

/* prefix + unit repeated to at least @size bytes + suffix, built by
 * doubling (appending 10 million one-byte units one by one is slow) */
static GString *
repeat (const char *prefix, const char *unit, const char *suffix, gsize size)
{
  GString *s = g_string_sized_new (2 * size + 64);
  gsize start, ulen = strlen (unit);

  g_string_append (s, prefix);
  start = s->len;
  g_string_append (s, unit);
  while (s->len - start < size) {
    gsize body = s->len - start;

    g_string_append_len (s, s->str + start, (gssize) MIN (body, size - body + ulen));
  }
  /* keep whole units only */
  g_string_truncate (s, start + (s->len - start) / ulen * ulen);
  g_string_append (s, suffix);
  return s;
}

#define TEN_MB (10 * 1024 * 1024)
/* generous bound for an ASan build; the slowest case (1.7 million
 * addresses) takes about 0.5 s of CPU under ASan, a linear scan of 10 MB a
 * few tens of milliseconds */
#define MAX_USEC (3 * G_USEC_PER_SEC)

/* 10 MB values: valid ones pass, hostile ones (deep comments, long runs)
 * fail, all in linear time and without stack growth. */
static void
test_huge_values (void)
{
  static const struct {
    CpmValueCheck check;
    const char *prefix, *unit, *suffix;
    gboolean valid;
  } cases[] = {
    { cpm_check_token, "", "a1-.", "", TRUE },
    { cpm_check_service, "urn:urn-7:svc", ".sub", "", TRUE },
    { cpm_check_service, "urn:urn-7:a", ",urn:urn-7:b", "", TRUE },
    { cpm_check_message_correlator, "", "Hello World ", "", TRUE },
    { cpm_check_message_correlator, "=?utf-8?b?", "w6l0w6k=", "?=", FALSE },
    { cpm_check_message_correlator, "=?utf-8?b?", "8J+YgA==", "?=", FALSE },
    { cpm_check_message_correlator, "=?utf-8?b?", "SGVs", "?=", TRUE },
    { cpm_check_accept_contact, "*", ";+g.oma.sip-im", "", TRUE },
    { cpm_check_accept_contact, "*;x=\"", "a,b", "\"", TRUE },
    { cpm_check_accept_contact, "", "*,", "*", TRUE },
    { cpm_check_address, "", "a@b.c, ", "x@y.z", TRUE },
    { cpm_check_address, "", "Name <sip:a@b.c>,", "<tel:+1>", TRUE },
    { cpm_check_address, "", "(", "", FALSE },
    { cpm_check_address, "", "word ", "<a@b>", TRUE },
    { cpm_check_address, "", "word ", "", FALSE },
    { cpm_check_address, "<sip:", "a", "@b>", TRUE },
    { cpm_check_address_list, "G:", "a@b.c,", "x@y.z;", TRUE },
    { cpm_check_address_list, "", "word ", "", FALSE },
    { cpm_check_message_context, "x-", "a", "", TRUE },
    { cpm_check_message_context, "", "(", "", FALSE },
    { cpm_check_date, "Tue, 29 Apr 2014 09:46:50 -0800 ", "(c) ", "", TRUE },
    { cpm_check_date, "", "(", "", FALSE },
    { cpm_check_date, "", "9", "", FALSE },
    { cpm_check_cpim_datetime, "2014-04-29T09:48:23.", "1", "Z", TRUE },
    { cpm_check_content_type, "text/plain", "; a=b", "", TRUE },
    { cpm_check_content_type, "text/plain; a=\"", "x", "\"", TRUE },
    { cpm_check_content_type, "text/plain; a=\"", "x", "", FALSE },
    { cpm_check_unstructured, "", "Subject text ", "", TRUE },
    { cpm_check_unstructured, "", "Subject text ", "\x01", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GString) v = repeat (cases[i].prefix, cases[i].unit, cases[i].suffix, TEN_MB);
    gboolean ok;
    gint64 usec = timed_check (cases[i].check, v, &ok);

    g_test_message ("case %u: %s in %" G_GINT64_FORMAT " us", i, ok ? "valid" : "invalid", usec);
    if (ok != cases[i].valid)
      g_error ("10 MB case %u (%s...): %s", i, cases[i].unit, ok ? "passed" : "failed");
    g_assert_cmpint (usec, <, MAX_USEC);
  }
  /* every checker on 10 MB of 'a', '(' , '"' and '<' */
  for (guint i = 0; i < G_N_ELEMENTS (checkers); i++)
    for (const char *u = "a(\"<="; *u; u++) {
      char unit[2] = { *u, 0 };
      g_autoptr(GString) v = repeat ("", unit, "", TEN_MB);
      gboolean ok;

      g_assert_cmpint (timed_check (checkers[i].check, v, &ok), <, MAX_USEC);
    }
}

static void
assert_message (CpmValueCheck check, const char *value, const char *want)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (check (value, strlen (value), &error));
  g_assert_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE);
  if (!strstr (error->message, want))
    g_error ("\"%s\": message \"%s\" lacks \"%s\"", value, error->message, want);
}

/* The messages say what is wrong and where: a tester acts on them. */
static void
test_messages (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (cpm_check_token ("abc:def", 7, &error));
  g_assert_cmpstr (error->message, ==, "character ':' at offset 3 is not allowed in a SIP token");
  assert_message (cpm_check_token, "abc def", "a space at offset 3");
  assert_message (cpm_check_token, "", "offset 0");
  assert_message (cpm_check_service, "urn:urn-7:3gpp_service", "character '_' at offset 14");
  assert_message (cpm_check_service, "urn:urn-6:x", "urn:urn-7:");
  assert_message (cpm_check_message_correlator, "=?iso-8859-1?q?caf=E9?=", "not utf-8");
  assert_message (cpm_check_message_correlator, "=?utf-8?q?caf=C3=A9?=", "not B");
  assert_message (cpm_check_message_correlator, "=?utf-8?b?6Q==?=", "not valid UTF-8");
  assert_message (cpm_check_message_correlator, "Re: =?utf-8?b?w6l0w6k=?=", "offset 4");
  assert_message (cpm_check_message_context, "sms", "unknown message-context-class \"sms\"");
  assert_message (cpm_check_accept_contact, "*;+g.3gpp.icsi-ref=\"urn:urn-7:x\"",
                  "character ':' at offset 23");
  assert_message (cpm_check_accept_contact, "+g.oma.sip-im", "expected '*'");
  assert_message (cpm_check_address, "John Doe <jdoe@machine.example", "'>'");
  assert_message (cpm_check_address, "sip:alice@example.com", "angle brackets");
  assert_message (cpm_check_address, "<mailto:a@b.c>", "scheme \"mailto\"");
  assert_message (cpm_check_address, "<tel:5551234>", "phone-context");
  assert_message (cpm_check_address, "J\xc3\xb6hn <j@example.com>", "offset 1, found non-ASCII byte 0xC3");
  assert_message (cpm_check_date, "Fri, 29 Apr 2014 09:46:50 -0800",
                  "\"Fri\" at offset 0 does not match the date 29 Apr 2014, a Tue");
  assert_message (cpm_check_date, "31 Apr 2014 09:46:50 -0800", "day 31 at offset 0 does not exist");
  assert_message (cpm_check_date, "Tue, 29 Apr 2014 09:46:50", "zone");
  assert_message (cpm_check_cpim_datetime, "2014-04-29 09:47:00Z", "'T'");
  assert_message (cpm_check_content_type, "text/plain;", "parameter name");
  assert_message (cpm_check_unstructured, "caf\xc3\xa9", "RFC 2047");
  /* the hint once, not twice */
  g_clear_error (&error);
  g_assert_false (cpm_check_unstructured ("caf\xc3\xa9", 5, &error));
  g_assert_cmpstr (error->message, ==, "byte 0xC3 at offset 3 is not allowed in an unstructured "
                   "value (non-ASCII text must be an RFC 2047 encoded-word)");
}

static void
assert_parse (const char *value, int y, int mo, int d, int h, int mi, int s, gint64 offset_min,
              const char *formatted)
{
  g_autoptr(GDateTime) dt = cpm_date_parse (value, strlen (value));
  g_autofree char *out = NULL;

  g_assert_nonnull (dt);
  g_assert_cmpint (g_date_time_get_year (dt), ==, y);
  g_assert_cmpint (g_date_time_get_month (dt), ==, mo);
  g_assert_cmpint (g_date_time_get_day_of_month (dt), ==, d);
  g_assert_cmpint (g_date_time_get_hour (dt), ==, h);
  g_assert_cmpint (g_date_time_get_minute (dt), ==, mi);
  g_assert_cmpint (g_date_time_get_second (dt), ==, s);
  g_assert_cmpint (g_date_time_get_utc_offset (dt) / G_TIME_SPAN_MINUTE, ==, offset_min);
  out = cpm_date_format (dt);
  g_assert_cmpstr (out, ==, formatted);
}

static void
test_date_parse_format (void)
{
  assert_parse ("Tue, 29 Apr 2014 09:46:50 -0800", 2014, 4, 29, 9, 46, 50, -480,
                "Tue, 29 Apr 2014 09:46:50 -0800");
  assert_parse ("29 Apr 2014 09:46 -0800", 2014, 4, 29, 9, 46, 0, -480,
                "Tue, 29 Apr 2014 09:46:00 -0800");
  assert_parse ("21 Nov 97 09:55:06 GMT", 1997, 11, 21, 9, 55, 6, 0,
                "Fri, 21 Nov 1997 09:55:06 +0000");
  assert_parse ("Fri, 21 Nov 1997 09(comment):   55  :  06 -0600", 1997, 11, 21, 9, 55, 6, -360,
                "Fri, 21 Nov 1997 09:55:06 -0600");
  assert_parse ("Thu, 13 Feb 1969 23:32:54 -0330", 1969, 2, 13, 23, 32, 54, -210,
                "Thu, 13 Feb 1969 23:32:54 -0330");
  assert_parse ("1 Jul 2003 10:52:37 +0200 (CEST)", 2003, 7, 1, 10, 52, 37, 120,
                "Tue, 1 Jul 2003 10:52:37 +0200");
  assert_parse ("Tue, 29 Apr 2014 09:46:50 EDT", 2014, 4, 29, 9, 46, 50, -240,
                "Tue, 29 Apr 2014 09:46:50 -0400");
  /* military zones are "-0000" (RFC 5322 4.3); the leap second is clamped */
  assert_parse ("Wed, 31 Dec 2008 23:59:60 Z", 2008, 12, 31, 23, 59, 59, 0,
                "Wed, 31 Dec 2008 23:59:59 +0000");
  assert_parse ("Sat, 1 Jan 00 00:00:00 +0545", 2000, 1, 1, 0, 0, 0, 345,
                "Sat, 1 Jan 2000 00:00:00 +0545");

  g_assert_null (cpm_date_parse ("Fri, 29 Apr 2014 09:46:50 -0800", 31));
  g_assert_null (cpm_date_parse ("2014-04-29T09:47:00-08:00", 25));
  g_assert_null (cpm_date_parse ("", 0));
  /* @len bounds the parse: a valid prefix of a longer buffer */
  {
    g_autoptr(GDateTime) dt = cpm_date_parse ("29 Apr 2014 09:46 -0800garbage", 23);
    g_assert_nonnull (dt);
  }
}

/* The year is written as "%04d" wrote it, for every width of year
 * GDateTime has (1..9999). */
static void
test_date_format_years (void)
{
  static const int years[] = { 1, 9, 10, 99, 100, 999, 1000, 1969, 2024, 9999 };
  for (guint i = 0; i < G_N_ELEMENTS (years); i++) {
    g_autoptr(GTimeZone) tz = g_time_zone_new_offset (-(5 * 3600 + 30 * 60));
    g_autoptr(GDateTime) dt = g_date_time_new (tz, years[i], 12, 31, 23, 5, 9);
    g_assert_nonnull (dt);
    g_autofree char *out = cpm_date_format (dt);
    g_autofree char *day = g_date_time_format (dt, "%u");
    static const char *const names[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
    g_autofree char *want = g_strdup_printf ("%s, 31 Dec %04d 23:05:09 -0530",
                                             names[atoi (day) - 1], years[i]);
    g_assert_cmpstr (out, ==, want);
  }
}

/* cpm_check_date and cpm_date_parse agree on every table value. */
static void
test_date_check_parse_agree (void)
{
  for (guint pass = 0; pass < 2; pass++) {
    g_autoptr(GBytes) bytes = cpm_test_load (pass ? "values/date.pass" : "values/date.fail");
    g_auto(GStrv) lines = g_strsplit (g_bytes_get_data (bytes, NULL), "\n", -1);

    for (guint i = 0; lines[i]; i++) {
      g_autoptr(GDateTime) dt = NULL;
      gsize len = strlen (lines[i]);

      if (len == 0 || lines[i][0] == '#')
        continue;
      dt = cpm_date_parse (lines[i], len);
      g_assert_true ((dt != NULL) == cpm_check_date (lines[i], len, NULL));
      g_assert_true ((dt != NULL) == (pass == 1));
      if (dt) {
        /* what we format, we accept, and it denotes the same instant */
        g_autofree char *out = cpm_date_format (dt);
        g_autoptr(GDateTime) back = cpm_date_parse (out, strlen (out));
        g_assert_true (cpm_check_date (out, strlen (out), NULL));
        g_assert_nonnull (back);
        g_assert_true (g_date_time_equal (dt, back));
      }
    }
  }
}

/* Checkers that count their calls: check_x fails what starts with 'x',
 * check_none fails everything. */
static gint calls_x, calls_none;

static gboolean
check_x (const char *value, gsize len, GError **error)
{
  g_atomic_int_inc (&calls_x);
  if (len > 0 && value[0] == 'x') {
    g_set_error_literal (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE, "starts with x");
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_none (const char *value, gsize len, GError **error)
{
  g_atomic_int_inc (&calls_none);
  g_set_error_literal (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE, "never");
  return FALSE;
}

/* cpm_check_seen (@value) of check_x without calling it: remembered. */
static gboolean
seen_remembered (const char *value, gsize len)
{
  gint before = g_atomic_int_get (&calls_x);
  g_assert_true (cpm_check_seen (check_x, value, len, NULL));
  return g_atomic_int_get (&calls_x) == before;
}

static gpointer
seen_in_thread (gpointer value)
{
  return GINT_TO_POINTER (seen_remembered (value, strlen (value)));
}

/* The passes table: only an exact match of checker, length and bytes is a
 * hit; values of length 0 and 256 are kept, 257 never; a failure is never
 * kept; another checker or thread does not see the pass; a thousand values
 * (every slot taken, most of them many times) each still answer right. */
static void
test_passes_remembered (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *v256 = g_strnfill (256, 'v');
  g_autofree char *v257 = g_strnfill (257, 'v');

  g_assert_true (cpm_check_cached (check_x, "", 0, NULL));
  g_assert_true (seen_remembered ("", 0));
  g_assert_true (cpm_check_cached (check_x, v256, 256, NULL));
  g_assert_true (seen_remembered (v256, 256));
  g_assert_true (cpm_check_cached (check_x, v257, 257, NULL));
  g_assert_false (seen_remembered (v257, 257));
  g_assert_false (seen_remembered (v256, 255));

  g_assert_true (cpm_check_cached (check_x, "sess-0001-tail", 14, NULL));
  g_assert_true (seen_remembered ("sess-0001-tail", 14));
  g_assert_false (seen_remembered ("sess-0002-tail", 14));
  g_assert_false (seen_remembered ("sess-0001-tai", 13));
  gint none = calls_none;
  g_assert_false (cpm_check_seen (check_none, "sess-0001-tail", 14, &error));
  g_assert_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  g_assert_cmpint (calls_none, ==, none + 1);

  gint x = calls_x;
  g_assert_false (cpm_check_cached (check_x, "x-bad", 5, &error));
  g_assert_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  g_assert_false (cpm_check_seen (check_x, "x-bad", 5, &error));
  g_assert_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  g_assert_cmpint (calls_x, ==, x + 2);

  GThread *t = g_thread_new ("passes", seen_in_thread, (gpointer) "sess-0001-tail");
  g_assert_false (GPOINTER_TO_INT (g_thread_join (t)));

  for (guint round = 0; round < 2; round++)
    for (guint i = 0; i < 1000; i++) {
      char v[32];
      g_snprintf (v, sizeof v, "%c%u@example.com", i % 7 ? 'u' : 'x', i);
      gboolean want = i % 7 != 0;
      g_assert_cmpint (cpm_check_cached (check_x, v, strlen (v), NULL), ==, want);
      g_assert_cmpint (cpm_check_seen (check_x, v, strlen (v), NULL), ==, want);
      if (want)
        g_assert_true (seen_remembered (v, strlen (v)));
    }
}

static gpointer
cached_in_thread (gpointer value)
{
  g_assert_true (cpm_check_cached (check_x, value, strlen (value), NULL));
  return GINT_TO_POINTER (seen_remembered (value, strlen (value)));
}

/* A value of any length up to 40 (the hash reads words, a shorter tail as
 * loads that overlap) is remembered, and a value one byte different at any
 * place is not; a thread remembers its own passes in its own table, which
 * leaves with it. */
static void
test_passes_every_place (void)
{
  for (gsize len = 1; len <= 40; len++) {
    g_autofree char *v = g_malloc (len);
    for (gsize i = 0; i < len; i++)
      v[i] = (char) ('a' + (len * 7 + i) % 23); /* a-w: check_x passes them */
    g_assert_true (cpm_check_cached (check_x, v, len, NULL));
    g_assert_true (seen_remembered (v, len));
    for (gsize at = 0; at < len; at++) {
      char c = v[at];
      v[at] = c == 'w' ? 'a' : (char) (c + 1);
      g_assert_false (seen_remembered (v, len));
      v[at] = c;
    }
    g_assert_true (seen_remembered (v, len));
  }
  GThread *t = g_thread_new ("own-table", cached_in_thread, (gpointer) "only-in-thread");
  g_assert_true (GPOINTER_TO_INT (g_thread_join (t)));
  g_assert_false (seen_remembered ("only-in-thread", 14));
}

/* The 20 bytes YYYY-MM-DDTHH:MM:SSZ are read at fixed offsets, everything
 * else by the scanner: a value of that length gets the verdict of the same
 * value with ".0" before its last byte, which only the scanner reads (a
 * fraction changes no verdict). Dates around every range edge, then every
 * byte of them replaced by a digit, a separator or another byte. */
static void
test_datetime_plain_form (void)
{
  static const char bytes[] = "0123456789-:TtZz.+ \xc3\x01" "a";
  static const int years[] = { 0, 1, 1900, 1999, 2000, 2023, 2024, 2100, 9999 };
  GRand *rand = g_rand_new_with_seed (9);
  guint n_valid = 0, n = 0;
  for (guint y = 0; y < G_N_ELEMENTS (years); y++)
    for (int month = 0; month <= 13; month++)
      for (int day = 0; day <= 32; day++) {
        char v[21], longer[23];
        int hour = g_rand_int_range (rand, 0, 25), minute = g_rand_int_range (rand, 0, 61),
            second = g_rand_int_range (rand, 0, 62);
        g_snprintf (v, sizeof v, "%04d-%02d-%02dT%02d:%02d:%02dZ", years[y], month, day, hour,
                    minute, second);
        for (guint k = 0; k < 4; k++) {
          if (k > 0) /* one byte replaced */
            v[g_rand_int_range (rand, 0, 20)] = bytes[g_rand_int_range (rand, 0, sizeof bytes - 1)];
          memcpy (longer, v, 19);
          memcpy (longer + 19, ".0", 2);
          longer[21] = v[19];
          gboolean plain = cpm_check_cpim_datetime (v, 20, NULL);
          g_assert_cmpint (plain, ==, cpm_check_cpim_datetime (longer, 22, NULL));
          n_valid += plain;
          n++;
        }
      }
  g_rand_free (rand);
  g_assert_cmpuint (n_valid, >, n / 8); /* both verdicts well represented */
  g_assert_cmpuint (n_valid, <, n - n / 8);
}

/* The RFC 5322 Date as the library writes it is read at fixed offsets,
 * everything else by the scanner: a value gets the verdict of the same
 * value with a second blank after its comma, which only the scanner reads
 * (CFWS may be longer). Dates around every range edge, with the right or
 * another day of the week, then one byte (not the comma or the blank after
 * it) replaced by a digit, a separator, a letter or another byte. */
static void
test_date_plain_form (void)
{
  static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Xyz" };
  static const char *const months[] = { "Jan", "Feb", "May", "Dec", "Mai", "mar" };
  static const int month_numbers[] = { 1, 2, 5, 12, 0, 0 };
  static const int years[] = { 1899, 1900, 1999, 2000, 2024, 2100, 9999 };
  static const char bytes[] = "0123456789 :+-,JMaZ\xc3\x01" "(";
  GRand *rand = g_rand_new_with_seed (11);
  guint n_valid = 0, n = 0;
  for (guint y = 0; y < G_N_ELEMENTS (years); y++)
    for (guint m = 0; m < G_N_ELEMENTS (months); m++)
      for (int day = 0; day <= 32; day++) {
        int wday = g_rand_int_range (rand, 0, 8);
        if (month_numbers[m] && g_date_valid_dmy ((GDateDay) day, (GDateMonth) month_numbers[m],
                                                  (GDateYear) years[y]) &&
            g_rand_boolean (rand)) {
          GDate *date = g_date_new_dmy ((GDateDay) day, (GDateMonth) month_numbers[m],
                                        (GDateYear) years[y]);
          wday = g_date_get_weekday (date) - 1;
          g_date_free (date);
        }
        char v[40], wider[41];
        int len = g_snprintf (v, sizeof v, "%s, %d %s %04d %02d:%02d:%02d %c%02d%02d", days[wday],
                              day, months[m], years[y], g_rand_int_range (rand, 0, 25),
                              g_rand_int_range (rand, 0, 61), g_rand_int_range (rand, 0, 62),
                              g_rand_boolean (rand) ? '+' : '-', g_rand_int_range (rand, 0, 25),
                              g_rand_int_range (rand, 0, 61));
        for (guint k = 0; k < 4; k++) {
          if (k > 0) {
            int at = g_rand_int_range (rand, 0, len - 2);
            v[at < 3 ? at : at + 2] = bytes[g_rand_int_range (rand, 0, sizeof bytes - 1)];
          }
          memcpy (wider, v, 4);
          wider[4] = ' ';
          memcpy (wider + 5, v + 4, (gsize) len - 4);
          gboolean plain = cpm_check_date (v, (gsize) len, NULL);
          g_assert_cmpint (plain, ==, cpm_check_date (wider, (gsize) len + 1, NULL));
          n_valid += plain;
          n++;
        }
      }
  g_rand_free (rand);
  g_assert_cmpuint (n_valid, >, n / 20); /* both verdicts represented */
  g_assert_cmpuint (n_valid, <, n - n / 20);
}

int
main (int argc, char **argv)
{
  g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func (g_free);

  cpm_test_init (&argc, &argv);
  for (guint i = 0; i < G_N_ELEMENTS (checkers); i++)
    for (guint pass = 0; pass < 2; pass++) {
      ValuesCase *vc = g_new (ValuesCase, 1);
      g_autofree char *path = g_strdup_printf ("/check/values/%s/%s", checkers[i].name,
                                               pass ? "pass" : "fail");

      vc->checker = &checkers[i];
      vc->want_pass = pass == 1;
      g_ptr_array_add (cases, vc);
      g_test_add_data_func (path, vc, test_values_file);
    }
  g_test_add_func ("/check/empty", test_empty);
  g_test_add_func ("/check/embedded-bytes", test_embedded_bytes);
  g_test_add_func ("/check/huge-values", test_huge_values);
  g_test_add_func ("/check/messages", test_messages);
  g_test_add_func ("/check/date/parse-format", test_date_parse_format);
  g_test_add_func ("/check/date/format-years", test_date_format_years);
  g_test_add_func ("/check/date/check-parse-agree", test_date_check_parse_agree);
  g_test_add_func ("/check/passes-remembered", test_passes_remembered);
  g_test_add_func ("/check/passes-every-place", test_passes_every_place);
  g_test_add_func ("/check/datetime-plain-form", test_datetime_plain_form);
  g_test_add_func ("/check/date-plain-form", test_date_plain_form);
  return g_test_run ();
}
