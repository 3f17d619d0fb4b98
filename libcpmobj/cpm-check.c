/* Value checkers for header fields: Appendix C of OMA-TS-CPM_Message_Store
 * V2.2 and the RFCs it cites (3261, 3841/3840, 6050, 3458/3938, 5322, 2045,
 * 2047, 3339, 3966, 3860).
 *
 * These run on every header of millions of objects, so they are hand-written
 * recursive-descent scanners over (pointer, length): no regex, no allocation
 * unless a value fails (then one GError). The failure message is built in a
 * fixed buffer while scanning so that backtracking (mailbox: addr-spec versus
 * name-addr) costs no allocation either.
 *
 * Decisions taken where the seed text or the RFCs leave room (spec README:
 * "record every such decision next to the code") are marked DECISION.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"
#include "cpm-word-private.h"
#include <cpmobj/cpm-check.h>
#include "cpm-check-private.h"
#include <stdarg.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Scanner and failure reporting                                             */

/* The most frequent failures (a disallowed or unexpected character) are
 * recorded as (kind, offset, what) and only formatted when the whole value
 * fails: a failed alternative while backtracking costs no formatting. */
typedef enum { FAIL_MSG, FAIL_CHAR, FAIL_EXPECT } FailKind;

typedef struct {
  gboolean set;
  FailKind kind;
  gsize pos;
  const char *what;
  char msg[224];
} Fail;

typedef struct {
  const guchar *s;
  gsize len;
  gsize pos;
  Fail *fail;
} Scan;

static void
scan_init (Scan *sc, Fail *fail, const char *value, gsize len)
{
  /* (NULL, 0) is the empty value; "" keeps pointer arithmetic defined */
  sc->s = (const guchar *) (value ? value : "");
  sc->len = len;
  sc->pos = 0;
  sc->fail = fail;
  fail->set = FALSE;
  fail->pos = 0;
  fail->msg[0] = '\0';
}

/* A second cursor on the same value, with its own failure record, for trying
 * one alternative of a grammar without losing the other's diagnostic. */
static void
scan_fork (Scan *to, Fail *fail, const Scan *from)
{
  *to = *from;
  to->fail = fail;
  fail->set = FALSE;
  fail->pos = 0;
  fail->msg[0] = '\0';
}

static inline int
peek (const Scan *sc)
{
  return sc->pos < sc->len ? sc->s[sc->pos] : -1;
}

static inline int
peek_at (const Scan *sc, gsize off)
{
  return sc->pos + off < sc->len ? sc->s[sc->pos + off] : -1;
}

static inline gboolean
at_end (const Scan *sc)
{
  return sc->pos >= sc->len;
}

static gboolean scan_failf (Scan *sc, gsize off, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

/* Records the failure (the first one wins inside one cursor). Always FALSE. */
static gboolean
scan_failf (Scan *sc, gsize off, const char *fmt, ...)
{
  va_list ap;

  if (sc->fail->set)
    return FALSE;
  sc->fail->set = TRUE;
  sc->fail->pos = off;
  sc->fail->kind = FAIL_MSG;
  va_start (ap, fmt);
  g_vsnprintf (sc->fail->msg, sizeof sc->fail->msg, fmt, ap);
  va_end (ap);
  return FALSE;
}

/* "character ':'", "a space", "byte 0x00" or "the end of the value". */
static const char *
describe_at (const Scan *sc, gsize off, char buf[32])
{
  guchar c;

  if (off >= sc->len)
    return "the end of the value";
  c = sc->s[off];
  if (c == ' ')
    return "a space";
  if (c == '\t')
    return "a tab";
  if (c > 0x20 && c < 0x7f)
    g_snprintf (buf, 32, "character '%c'", c);
  else
    g_snprintf (buf, 32, "byte 0x%02X", c);
  return buf;
}

static gboolean
fail_lazy (Scan *sc, FailKind kind, gsize off, const char *what)
{
  if (sc->fail->set)
    return FALSE;
  sc->fail->set = TRUE;
  sc->fail->kind = kind;
  sc->fail->pos = off;
  sc->fail->what = what;
  return FALSE;
}

/* "character ':' at offset 3 is not allowed in a SIP token" */
static gboolean
fail_char (Scan *sc, gsize off, const char *where)
{
  return fail_lazy (sc, FAIL_CHAR, off, where);
}

/* "expected ':' at offset 12, found the end of the value" */
static gboolean
fail_expect (Scan *sc, gsize off, const char *what)
{
  return fail_lazy (sc, FAIL_EXPECT, off, what);
}

static void
format_lazy (const Scan *sc, Fail *f)
{
  char buf[32];
  const char *found = describe_at (sc, f->pos, buf);
  gsize off = f->pos;

  if (f->kind == FAIL_CHAR && off >= sc->len)
    g_snprintf (f->msg, sizeof f->msg, "value ends at offset %" G_GSIZE_FORMAT " inside %s",
                off, f->what);
  else if (f->kind == FAIL_CHAR)
    g_snprintf (f->msg, sizeof f->msg, "%s at offset %" G_GSIZE_FORMAT " is not allowed in %s%s",
                found, off, f->what, sc->s[off] >= 0x80
                ? " (non-ASCII text must be an RFC 2047 encoded-word)" : "");
  else if (off < sc->len && sc->s[off] >= 0x80)
    g_snprintf (f->msg, sizeof f->msg, "expected %s at offset %" G_GSIZE_FORMAT ", found"
                " non-ASCII %s (non-ASCII text must be an RFC 2047 encoded-word)",
                f->what, off, found);
  else
    g_snprintf (f->msg, sizeof f->msg, "expected %s at offset %" G_GSIZE_FORMAT ", found %s",
                f->what, off, found);
}

static gboolean
scan_finish (const Scan *sc, gboolean ok, GError **error)
{
  if (ok)
    return TRUE;
  if (!sc->fail->set) {  /* every FALSE path records a failure; belt and braces */
    g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE,
                 "invalid value at offset %" G_GSIZE_FORMAT, sc->pos);
    return FALSE;
  }
  if (sc->fail->kind != FAIL_MSG)
    format_lazy (sc, sc->fail);
  g_set_error_literal (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE, sc->fail->msg);
  return FALSE;
}

static gboolean
expect_char (Scan *sc, int c, const char *what)
{
  if (peek (sc) != c)
    return fail_expect (sc, sc->pos, what);
  sc->pos++;
  return TRUE;
}

static gboolean
expect_end (Scan *sc, const char *where)
{
  if (!at_end (sc))
    return fail_char (sc, sc->pos, where);
  return TRUE;
}

/* Case-insensitive match of an ASCII literal at the cursor; consumes it. */
static gboolean
accept_literal (Scan *sc, const char *lit)
{
  gsize n = strlen (lit);

  if (sc->len - sc->pos < n || g_ascii_strncasecmp ((const char *) sc->s + sc->pos, lit, n) != 0)
    return FALSE;
  sc->pos += n;
  return TRUE;
}

static gboolean
span_equals (const guchar *s, gsize n, const char *lit)
{
  return strlen (lit) == n && g_ascii_strncasecmp ((const char *) s, lit, n) == 0;
}

/* ------------------------------------------------------------------------ */
/* Character classes (ASCII only, never locale-dependent)                    */

static inline gboolean
is_wsp (int c)
{
  return c == ' ' || c == '\t';
}

static inline gboolean
is_digit (int c)
{
  return c >= '0' && c <= '9';
}

static inline gboolean
is_alpha (int c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline gboolean
is_alnum (int c)
{
  return is_alpha (c) || is_digit (c);
}

static inline gboolean
is_hex (int c)
{
  return is_digit (c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* RFC 3261 25.1 token: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" /
 * "`" / "'" / "~" (spec README defect 7). */
static inline gboolean
is_sip_token (int c)
{
  if (is_alnum (c))
    return TRUE;
  switch (c) {
  case '-': case '.': case '!': case '%': case '*': case '_': case '+':
  case '`': case '\'': case '~':
    return TRUE;
  default:
    return FALSE;
  }
}

/* RFC 5322 3.2.3 atext. */
static inline gboolean
is_atext (int c)
{
  if (is_alnum (c))
    return TRUE;
  switch (c) {
  case '!': case '#': case '$': case '%': case '&': case '\'': case '*':
  case '+': case '-': case '/': case '=': case '?': case '^': case '_':
  case '`': case '{': case '|': case '}': case '~':
    return TRUE;
  default:
    return FALSE;
  }
}

/* RFC 2045 5.1 token: any CHAR except SPACE, CTLs and tspecials. */
static inline gboolean
is_mime_token (int c)
{
  if (c <= 0x20 || c >= 0x7f)
    return FALSE;
  switch (c) {
  case '(': case ')': case '<': case '>': case '@': case ',': case ';':
  case ':': case '\\': case '"': case '/': case '[': case ']': case '?':
  case '=':
    return FALSE;
  default:
    return TRUE;
  }
}

/* RFC 3261 25.1 unreserved = alphanum / mark. */
static inline gboolean
is_uri_unreserved (int c)
{
  if (is_alnum (c))
    return TRUE;
  switch (c) {
  case '-': case '_': case '.': case '!': case '~': case '*': case '\'':
  case '(': case ')':
    return TRUE;
  default:
    return FALSE;
  }
}

/* ------------------------------------------------------------------------ */
/* UTF-8, one byte at a time (for decoded base64 and SIP quoted strings)      */

typedef struct {
  guint need;
  guint32 cp;
  guint32 min;
} Utf8;

/* Feeds one byte; FALSE when the byte cannot continue valid UTF-8 (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF). */
static gboolean
utf8_push (Utf8 *u, guchar b)
{
  if (u->need > 0) {
    if ((b & 0xc0) != 0x80)
      return FALSE;
    u->cp = (u->cp << 6) | (b & 0x3f);
    if (--u->need == 0
        && (u->cp < u->min || u->cp > 0x10ffff || (u->cp >= 0xd800 && u->cp <= 0xdfff)))
      return FALSE;
    return TRUE;
  }
  if (b < 0x80)
    return TRUE;
  if (b >= 0xc2 && b <= 0xdf) {
    u->need = 1; u->cp = b & 0x1f; u->min = 0x80;
  } else if ((b & 0xf0) == 0xe0) {
    u->need = 2; u->cp = b & 0x0f; u->min = 0x800;
  } else if (b >= 0xf0 && b <= 0xf4) {
    u->need = 3; u->cp = b & 0x07; u->min = 0x10000;
  } else {
    return FALSE;
  }
  return TRUE;
}

/* Consumes one whole non-ASCII UTF-8 character at the cursor. */
static gboolean
scan_utf8_char (Scan *sc, const char *where)
{
  Utf8 u = { 0, 0, 0 };
  gsize start = sc->pos;

  do {
    if (at_end (sc) || !utf8_push (&u, sc->s[sc->pos]))
      return scan_failf (sc, start, "invalid UTF-8 sequence at offset %" G_GSIZE_FORMAT
                         " in %s", start, where);
    sc->pos++;
  } while (u.need > 0);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* SIP token (Appendix C.1-C.4)                                               */

static gboolean
scan_sip_token (Scan *sc, const char *what)
{
  gsize start = sc->pos, pos = start;
  /* a local index: through sc->pos every byte read (a char may alias it)
   * reloads and stores the position, and tokens are most header bytes */
  while (pos < sc->len && is_sip_token (sc->s[pos]))
    pos++;
  sc->pos = pos;
  if (pos == start)
    return (at_end (sc) || start > 0) ? fail_expect (sc, start, what)
                                      : fail_char (sc, start, what);
  return TRUE;
}

gboolean
cpm_check_token (const char *value, gsize len, GError **error)
{
  Scan sc;
  Fail f;
  gboolean ok;

  g_return_val_if_fail (value != NULL || len == 0, FALSE);
  scan_init (&sc, &f, value, len);
  /* Values reach us trimmed (cpm_object_get_header_value), so white space
   * around the token is an error like any other character. */
  ok = scan_sip_token (&sc, "a SIP token") && expect_end (&sc, "a SIP token");
  return scan_finish (&sc, ok, error);
}

/* ------------------------------------------------------------------------ */
/* P-Asserted-Service (Appendix C.5)                                          */

static inline gboolean
is_let_dig (int c)
{
  return is_alnum (c) || c == '-';
}

/* RFC 6050 4.1: Service-ID = "urn:urn-7:" urn-service-id;
 * urn-service-id = top-level *("." sub-service-id); top-level = 1*27let-dig;
 * sub-service-id = 1*let-dig. */
static gboolean
scan_service_id (Scan *sc)
{
  gsize start;

  if (!accept_literal (sc, "urn:urn-7:"))
    return fail_expect (sc, sc->pos, "\"urn:urn-7:\" (RFC 6050 Service-ID)");
  start = sc->pos;
  while (is_let_dig (peek (sc)))
    sc->pos++;
  if (sc->pos == start)
    return fail_expect (sc, start, "a service label (letters, digits, '-')");
  if (sc->pos - start > 27)
    return scan_failf (sc, start, "top-level service label at offset %" G_GSIZE_FORMAT
                       " is longer than 27 characters (RFC 6050)", start);
  while (peek (sc) == '.') {
    sc->pos++;
    start = sc->pos;
    while (is_let_dig (peek (sc)))
      sc->pos++;
    if (sc->pos == start)
      return fail_expect (sc, start, "a sub-service label after '.'");
  }
  return TRUE;
}

static void
skip_wsp (Scan *sc)
{
  while (is_wsp (peek (sc)))
    sc->pos++;
}

/* DECISION (Appendix C.5 versus RFC 6050): Appendix C.5 says the value is a
 * Token, but the value the spec itself stores (Appendix D) is the RFC 6050
 * Service-ID "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session", and ':' is
 * not a token character. P-Asserted-Service is the SIP header of RFC 6050
 * (PAssertedService-value = Service-ID *(COMMA Service-ID)), so a value that
 * starts with "urn:" must be such a list; anything else must be one token as
 * C.5 says. */
gboolean
cpm_check_service (const char *value, gsize len, GError **error)
{
  Scan sc;
  Fail f;
  gboolean ok;

  g_return_val_if_fail (value != NULL || len == 0, FALSE);
  scan_init (&sc, &f, value, len);
  if (len < 4 || g_ascii_strncasecmp (value, "urn:", 4) != 0) {
    ok = scan_sip_token (&sc, "a SIP token or an RFC 6050 service URN")
         && expect_end (&sc, "a SIP token (a service URN starts with \"urn:urn-7:\")");
    return scan_finish (&sc, ok, error);
  }
  ok = scan_service_id (&sc);
  while (ok) {
    skip_wsp (&sc);
    if (at_end (&sc))
      break;
    if (peek (&sc) != ',') {
      ok = fail_char (&sc, sc.pos, "an RFC 6050 service URN");
      break;
    }
    sc.pos++;
    skip_wsp (&sc);
    ok = scan_service_id (&sc);
  }
  return scan_finish (&sc, ok, error);
}

/* ------------------------------------------------------------------------ */
/* Message-Correlator (Appendix C.6)                                          */

static int
base64_value (int c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (is_digit (c))
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

/* Decodes s[start, end) as RFC 2045 base64 and checks the result is UTF-8,
 * without storing the decoded text. DECISION: a decoded U+0000 is rejected
 * too: SMS text never holds one and C strings downstream would cut at it.
 * Non-zero trailing bits of the last quantum are tolerated (RFC 4648 3.5
 * leaves rejecting them to the decoder). */
static gboolean
check_base64_utf8 (Scan *sc, gsize start, gsize end)
{
  Utf8 u = { 0, 0, 0 };
  guint32 acc = 0;
  guint bits = 0;
  gsize decoded = 0;

  if (end == start)
    return scan_failf (sc, start, "empty encoded-text at offset %" G_GSIZE_FORMAT, start);
  if ((end - start) % 4 != 0)
    return scan_failf (sc, start, "base64 text at offset %" G_GSIZE_FORMAT " has %"
                       G_GSIZE_FORMAT " characters, not a multiple of 4", start, end - start);
  for (gsize i = start; i < end; i++) {
    int v = base64_value (sc->s[i]);

    if (sc->s[i] == '=') {
      if (i + 2 < end || (i + 1 < end && sc->s[i + 1] != '='))
        return fail_char (sc, i, "base64 text (padding only at the end)");
      break;
    }
    if (v < 0)
      return fail_char (sc, i, "base64 text");
    acc = (acc << 6) | (guint32) v;
    bits += 6;
    if (bits >= 8) {
      guchar b;

      bits -= 8;
      b = (guchar) (acc >> bits);
      acc &= (1u << bits) - 1;
      if (b == 0 || !utf8_push (&u, b))
        return scan_failf (sc, i, "decoded text is not valid UTF-8 (decoded byte %"
                           G_GSIZE_FORMAT " is 0x%02X, base64 offset %" G_GSIZE_FORMAT ")",
                           decoded, b, i);
      decoded++;
    }
  }
  if (u.need > 0)
    return scan_failf (sc, end, "decoded text is not valid UTF-8: it ends inside a multi-byte"
                       " sequence (base64 ends at offset %" G_GSIZE_FORMAT ")", end);
  return TRUE;
}

/* The shape of an RFC 2047 encoded-word covering the whole value:
 * "=?" X "?" Y "?" Z "?=" where X, Y and Z hold no '?' and no white space. */
static gboolean
is_encoded_word_shape (const guchar *s, gsize len, gsize *q1, gsize *q2)
{
  guint marks = 0;

  if (len < 6 || s[0] != '=' || s[1] != '?' || s[len - 2] != '?' || s[len - 1] != '=')
    return FALSE;
  for (gsize i = 2; i < len - 2; i++) {
    if (s[i] == ' ' || s[i] == '\t')
      return FALSE;
    if (s[i] == '?') {
      if (marks == 0)
        *q1 = i;
      else
        *q2 = i;
      if (++marks > 2)
        return FALSE;
    }
  }
  return marks == 2;
}

/* An encoded-word inside a longer value: an RFC 2047 reader would decode it,
 * so the value is not the plain text it seems, and C.6 allows non-ASCII only
 * as one encoded-word making up the whole value. Words are delimited by white
 * space (RFC 2047 5), so one pass over the value finds them all. */
static gboolean
check_no_inner_encoded_word (Scan *sc)
{
  gsize q1, q2;

  for (gsize i = 0; i + 1 < sc->len; i++) {
    const guchar *space;
    gsize end;

    if (sc->s[i] != '=' || sc->s[i + 1] != '?' || (i > 0 && sc->s[i - 1] != ' '))
      continue;
    space = memchr (sc->s + i, ' ', sc->len - i);
    end = space ? (gsize) (space - sc->s) : sc->len;
    if (is_encoded_word_shape (sc->s + i, end - i, &q1, &q2))
      return scan_failf (sc, i, "encoded-word at offset %" G_GSIZE_FORMAT " is not the whole"
                         " value (Appendix C.6: one encoded-word, or printable ASCII without"
                         " encoded-words)", i);
    i = end;
  }
  return TRUE;
}

/* DECISION (Appendix C.6): ascii-value = *(%x20-7E) also matches every
 * encoded-word, so the ABNF alone never rejects "=?iso-8859-1?q?x?=". A value
 * that has the exact shape of one encoded-word (see is_encoded_word_shape) is
 * read as the non-ascii-value it was meant to be, and must then use charset
 * utf-8 (case-insensitive, no RFC 2231 language suffix) and B encoding, and
 * its base64 must decode to UTF-8. Printable text merely starting with "=?"
 * (e.g. "=? what" or "=?a?b") stays an ascii-value, but an ascii-value
 * must not contain an encoded-word among other text (see
 * check_no_inner_encoded_word).
 * DECISION: no 75-character limit (RFC 2047 2): C.6 defines one encoded-word
 * for the whole value, and the SMS text it carries does not fit in 75. */
gboolean
cpm_check_message_correlator (const char *value, gsize len, GError **error)
{
  Scan sc;
  Fail f;
  gsize q1 = 0, q2 = 0;
  gboolean ok = TRUE;

  g_return_val_if_fail (value != NULL || len == 0, FALSE);
  scan_init (&sc, &f, value, len);
  for (gsize i = 0; i < len; i++)
    if (sc.s[i] < 0x20 || sc.s[i] > 0x7e)
      return scan_finish (&sc, fail_char (&sc, i, "a Message-Correlator (printable ASCII,"
                                          " or one =?utf-8?b?...?= encoded-word)"), error);
  if (!is_encoded_word_shape (sc.s, len, &q1, &q2))
    return scan_finish (&sc, check_no_inner_encoded_word (&sc), error);
  if (!span_equals (sc.s + 2, q1 - 2, "utf-8"))
    ok = scan_failf (&sc, 2, "encoded-word charset \"%.*s\" at offset 2 is not utf-8"
                     " (Appendix C.6)", (int) MIN (q1 - 2, 40), value + 2);
  else if (q2 != q1 + 2 || (sc.s[q1 + 1] != 'b' && sc.s[q1 + 1] != 'B'))
    ok = scan_failf (&sc, q1 + 1, "encoded-word encoding \"%.*s\" at offset %" G_GSIZE_FORMAT
                     " is not B (Appendix C.6)", (int) MIN (q2 - q1 - 1, 40), value + q1 + 1,
                     q1 + 1);
  else
    ok = check_base64_utf8 (&sc, q2 + 1, len - 2);
  return scan_finish (&sc, ok, error);
}

/* ------------------------------------------------------------------------ */
/* RFC 5322 lexical layer: CFWS, quoted-string, atoms                         */

/* DECISION: header values are checked as RFC 5322 without RFC 6532: raw
 * non-ASCII bytes are errors, non-ASCII text belongs in RFC 2047
 * encoded-words (the spec cites RFC 5322/2822 only, and the objects travel
 * over IMAP APPEND). The SIP-derived Accept-Contact keeps its own grammar,
 * which allows UTF-8 in quoted strings. Folding CRLFs are already removed
 * (values are unfolded), so CR and LF are errors too. */

/* [CFWS]: white space and nested comments. FALSE only on a broken comment. */
static gboolean
skip_cfws (Scan *sc)
{
  for (;;) {
    int c = peek (sc);

    if (is_wsp (c)) {
      sc->pos++;
    } else if (c == '(') {
      gsize open = sc->pos;
      guint depth = 0;

      /* iterative, so a value of a million '(' cannot exhaust the stack */
      do {
        c = peek (sc);
        if (c < 0)
          return scan_failf (sc, open, "comment opened at offset %" G_GSIZE_FORMAT
                             " is not closed", open);
        if (c == '(')
          depth++;
        else if (c == ')')
          depth--;
        else if (c == '\\') {
          sc->pos++;
          c = peek (sc);
          if (c < 0 || (c != '\t' && (c < 0x20 || c > 0x7e)))
            return fail_char (sc, sc->pos, "a comment (after '\\')");
        } else if (c != '\t' && (c < 0x20 || c > 0x7e))
          return fail_char (sc, sc->pos, "a comment");
        sc->pos++;
      } while (depth > 0);
    } else {
      return TRUE;
    }
  }
}

/* RFC 5322 3.2.4 quoted-string, cursor on the opening quote. */
static gboolean
scan_quoted_string (Scan *sc)
{
  gsize open = sc->pos;

  sc->pos++;
  for (;;) {
    int c = peek (sc);

    if (c < 0)
      return scan_failf (sc, open, "quoted string opened at offset %" G_GSIZE_FORMAT
                         " is not closed", open);
    if (c == '"') {
      sc->pos++;
      return TRUE;
    }
    if (c == '\\') {
      sc->pos++;
      c = peek (sc);
      if (c < 0 || (c != '\t' && (c < 0x20 || c > 0x7e)))
        return fail_char (sc, sc->pos, "a quoted string (after '\\')");
    } else if (c != '\t' && (c < 0x20 || c > 0x7e)) {
      return fail_char (sc, sc->pos, "a quoted string");
    }
    sc->pos++;
  }
}

static gboolean
scan_atom_run (Scan *sc)
{
  gsize start = sc->pos, pos = start;

  while (pos < sc->len && is_atext (sc->s[pos])) /* a local index: see scan_sip_token */
    pos++;
  sc->pos = pos;
  return pos > start;
}

/* dot-atom-text = 1*atext *("." 1*atext) */
static gboolean
scan_dot_atom_text (Scan *sc, const char *what)
{
  if (!scan_atom_run (sc))
    return fail_expect (sc, sc->pos, what);
  while (peek (sc) == '.') {
    sc->pos++;
    if (!scan_atom_run (sc))
      return fail_expect (sc, sc->pos, "more text after '.' (no empty dot-atom parts)");
  }
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* RFC 5322 addresses with SIP/tel/im URIs (From, To, Cc, Bcc)                */

/* "%" HEXDIG HEXDIG at the cursor. */
static gboolean
scan_escape (Scan *sc)
{
  if (!is_hex (peek_at (sc, 1)) || !is_hex (peek_at (sc, 2)))
    return fail_char (sc, sc->pos, "a URI (a '%' must start a %XX escape)");
  sc->pos += 3;
  return TRUE;
}

/* 1*(allowed char / escaped) up to a character outside the set. */
static gboolean
scan_uri_chars (Scan *sc, gsize end, const char *extra, gboolean allow_empty,
                const char *what)
{
  gsize start = sc->pos;

  while (sc->pos < end) {
    int c = sc->s[sc->pos];

    if (c == '%') {
      if (!scan_escape (sc))
        return FALSE;
    } else if (is_uri_unreserved (c) || (c != 0 && strchr (extra, c))) {
      sc->pos++;
    } else {
      break;
    }
  }
  if (!allow_empty && sc->pos == start)
    return fail_expect (sc, sc->pos, what);
  return TRUE;
}

/* RFC 3261 host = hostname / IPv4address / IPv6reference. */
static gboolean
scan_host (Scan *sc, gsize end)
{
  if (peek (sc) == '[') {
    gsize open = sc->pos++;

    while (sc->pos < end && (is_hex (sc->s[sc->pos]) || sc->s[sc->pos] == ':'
                             || sc->s[sc->pos] == '.'))
      sc->pos++;
    if (sc->pos == open + 1 || peek (sc) != ']' || sc->pos >= end)
      return fail_expect (sc, sc->pos, "']' closing an IPv6 reference");
    sc->pos++;
    return TRUE;
  }
  /* hostname = *(domainlabel ".") toplabel ["."]; labels are alphanum with
   * inner '-'. IPv4 addresses follow the same shape. */
  for (;;) {
    gsize label = sc->pos;

    if (sc->pos >= end || !is_alnum (sc->s[sc->pos]))
      return fail_expect (sc, sc->pos, "a host name label (letter or digit)");
    while (sc->pos < end && (is_alnum (sc->s[sc->pos]) || sc->s[sc->pos] == '-'))
      sc->pos++;
    if (sc->s[sc->pos - 1] == '-')
      return scan_failf (sc, label, "host name label at offset %" G_GSIZE_FORMAT
                         " ends with '-'", label);
    if (sc->pos >= end || sc->s[sc->pos] != '.')
      return TRUE;
    sc->pos++;
    if (sc->pos >= end || !is_alnum (sc->s[sc->pos]))
      return TRUE;   /* a trailing "." is allowed */
  }
}

/* *( ";" pname [ "=" pvalue ] ) with the given pname/pvalue sets. */
static gboolean
scan_uri_params (Scan *sc, gsize end, const char *name_extra, const char *value_extra,
                 gboolean *saw_phone_context)
{
  while (sc->pos < end && sc->s[sc->pos] == ';') {
    gsize name;

    sc->pos++;
    name = sc->pos;
    if (!scan_uri_chars (sc, end, name_extra, FALSE, "a URI parameter name"))
      return FALSE;
    if (saw_phone_context && span_equals (sc->s + name, sc->pos - name, "phone-context"))
      *saw_phone_context = TRUE;
    if (sc->pos < end && sc->s[sc->pos] == '=') {
      sc->pos++;
      if (!scan_uri_chars (sc, end, value_extra, FALSE, "a URI parameter value"))
        return FALSE;
    }
  }
  return TRUE;
}

/* "?" hname "=" hvalue *( "&" hname "=" hvalue ) (RFC 3261 headers; RFC 3860
 * uses the same shape). */
static gboolean
scan_uri_headers (Scan *sc, gsize end)
{
  if (sc->pos >= end || sc->s[sc->pos] != '?')
    return TRUE;
  do {
    sc->pos++;
    if (!scan_uri_chars (sc, end, "[]/?:+$", FALSE, "a URI header name")
        || !expect_char (sc, '=', "'=' in a URI header")
        || !scan_uri_chars (sc, end, "[]/?:+$", TRUE, "a URI header value"))
      return FALSE;
  } while (sc->pos < end && sc->s[sc->pos] == '&');
  return TRUE;
}

/* RFC 3261 19.1.1 SIP-URI / SIPS-URI after the scheme. */
static gboolean
scan_sip_uri (Scan *sc, gsize end)
{
  const guchar *at = memchr (sc->s + sc->pos, '@', end - sc->pos);

  if (at) {
    gsize at_pos = (gsize) (at - sc->s);

    /* user = 1*(unreserved / escaped / user-unreserved) [":" password] */
    if (!scan_uri_chars (sc, at_pos, "&=+$,;?/", FALSE, "a SIP URI user part"))
      return FALSE;
    if (sc->pos < at_pos && sc->s[sc->pos] == ':') {
      sc->pos++;
      if (!scan_uri_chars (sc, at_pos, "&=+$,", TRUE, "a SIP URI password"))
        return FALSE;
    }
    if (sc->pos != at_pos)
      return fail_char (sc, sc->pos, "the user part of a SIP URI");
    sc->pos++;
  }
  if (!scan_host (sc, end))
    return FALSE;
  if (sc->pos < end && sc->s[sc->pos] == ':') {
    gsize port = ++sc->pos;

    while (sc->pos < end && is_digit (sc->s[sc->pos]))
      sc->pos++;
    if (sc->pos == port)
      return fail_expect (sc, port, "a port number after ':'");
  }
  return scan_uri_params (sc, end, "[]/:&+$", "[]/:&+$", NULL)
         && scan_uri_headers (sc, end);
}

static inline gboolean
is_phonedigit_hex (int c)
{
  return is_hex (c) || c == '*' || c == '#' || c == '-' || c == '.' || c == '(' || c == ')';
}

/* RFC 3966 3 telephone-subscriber after "tel:". */
static gboolean
scan_tel_uri (Scan *sc, gsize end)
{
  gsize start = sc->pos;
  gboolean global = peek (sc) == '+';
  gboolean digits = FALSE, context = FALSE;

  if (global)
    sc->pos++;
  while (sc->pos < end && is_phonedigit_hex (sc->s[sc->pos])) {
    int c = sc->s[sc->pos];

    if (global && !is_digit (c) && c != '-' && c != '.' && c != '(' && c != ')')
      return fail_char (sc, sc->pos, "a global telephone number");
    if (is_hex (c) || c == '*' || c == '#')
      digits = TRUE;
    sc->pos++;
  }
  if (!digits)
    return fail_expect (sc, sc->pos, "telephone number digits");
  if (!scan_uri_params (sc, end, "-", "[]/:&+$", &context))
    return FALSE;
  /* RFC 3966 5.1.5: a local number is only meaningful with its context */
  if (!global && !context)
    return scan_failf (sc, start, "local tel: number at offset %" G_GSIZE_FORMAT
                       " has no ;phone-context parameter (RFC 3966 5.1.5)", start);
  return TRUE;
}

/* RFC 3860 im: URI: "im:" mailbox [headers]. DECISION: the mailbox is
 * required; an im: URI without one names nobody. */
static gboolean
scan_im_uri (Scan *sc, gsize end)
{
  if (!scan_uri_chars (sc, end, "!$&'*+=^`{|}~", FALSE, "the local part of an im: URI")
      || !expect_char (sc, '@', "'@' in an im: URI")
      || !scan_host (sc, end))
    return FALSE;
  return scan_uri_headers (sc, end);
}

/* Length of an URI scheme ("sip") followed by ':' at the cursor, or 0. */
static gsize
scheme_length (const Scan *sc)
{
  gsize i = sc->pos;

  if (i >= sc->len || !is_alpha (sc->s[i]))
    return 0;
  while (i < sc->len && (is_alnum (sc->s[i]) || sc->s[i] == '+' || sc->s[i] == '-'
                         || sc->s[i] == '.'))
    i++;
  return i < sc->len && sc->s[i] == ':' ? i - sc->pos : 0;
}

static gboolean
is_address_scheme (const guchar *s, gsize n)
{
  return span_equals (s, n, "sip") || span_equals (s, n, "sips") || span_equals (s, n, "tel")
         || span_equals (s, n, "im");
}

/* A sip:, sips:, tel: or im: URI inside angle brackets, up to the '>'. */
static gboolean
scan_bracket_uri (Scan *sc, gsize scheme_len)
{
  const guchar *gt = memchr (sc->s + sc->pos, '>', sc->len - sc->pos);
  const guchar *scheme = sc->s + sc->pos;
  gsize end;
  gboolean ok;

  if (!gt)
    return fail_expect (sc, sc->len, "'>' closing the angle-addr");
  end = (gsize) (gt - sc->s);
  sc->pos += scheme_len + 1;
  if (!is_address_scheme (scheme, scheme_len))
    return scan_failf (sc, (gsize) (scheme - sc->s), "URI scheme \"%.*s\" at offset %"
                       G_GSIZE_FORMAT " is not allowed in an address (sip, sips, tel, im)",
                       (int) MIN (scheme_len, 40), (const char *) scheme,
                       (gsize) (scheme - sc->s));
  if (span_equals (scheme, scheme_len, "sip") || span_equals (scheme, scheme_len, "sips"))
    ok = scan_sip_uri (sc, end);
  else if (span_equals (scheme, scheme_len, "tel"))
    ok = scan_tel_uri (sc, end);
  else
    ok = scan_im_uri (sc, end);
  if (ok && sc->pos != end)
    return fail_char (sc, sc->pos, "a URI");
  return ok;
}

/* addr-spec = local-part "@" domain, with the CFWS dot-atom allows around. */
static gboolean
scan_addr_spec (Scan *sc)
{
  if (!skip_cfws (sc))
    return FALSE;
  if (peek (sc) == '"') {
    if (!scan_quoted_string (sc))
      return FALSE;
  } else if (!scan_dot_atom_text (sc, "an address (local-part@domain)")) {
    return FALSE;
  }
  if (!skip_cfws (sc) || !expect_char (sc, '@', "'@' after the local part of an address")
      || !skip_cfws (sc))
    return FALSE;
  if (peek (sc) == '[') {
    gsize open = sc->pos++;

    /* domain-literal: dtext = %d33-90 / %d94-126, with FWS */
    while (peek (sc) >= 0 && peek (sc) != ']') {
      int c = peek (sc);

      if (c != ' ' && c != '\t' && (c < 33 || c > 126 || c == '[' || c == '\\'))
        return fail_char (sc, sc->pos, "a domain literal");
      sc->pos++;
    }
    if (at_end (sc))
      return scan_failf (sc, open, "domain literal opened at offset %" G_GSIZE_FORMAT
                         " is not closed", open);
    sc->pos++;
  } else if (!scan_dot_atom_text (sc, "a domain after '@'")) {
    return FALSE;
  }
  return skip_cfws (sc);
}

/* angle-addr = [CFWS] "<" (addr-spec / URI) ">" [CFWS]; cursor on '<'. */
static gboolean
scan_angle_addr (Scan *sc)
{
  gsize scheme_len;

  sc->pos++;
  scheme_len = scheme_length (sc);
  if (scheme_len > 0) {
    if (!scan_bracket_uri (sc, scheme_len))
      return FALSE;
  } else if (!scan_addr_spec (sc)) {
    return FALSE;
  }
  return expect_char (sc, '>', "'>' closing the angle-addr") && skip_cfws (sc);
}

/* phrase = 1*word, plus the obs-phrase "." of RFC 5322 4.1 ("John Q. Doe"),
 * which 4.1 says MUST be accepted when parsing. Returns the number of words. */
static gboolean
scan_phrase (Scan *sc, guint *words)
{
  *words = 0;
  for (;;) {
    int c;

    if (!skip_cfws (sc))
      return FALSE;
    c = peek (sc);
    if (c == '"') {
      if (!scan_quoted_string (sc))
        return FALSE;
    } else if (c >= 0 && is_atext (c)) {
      scan_atom_run (sc);
    } else if (c == '.' && *words > 0) {
      sc->pos++;
      continue;
    } else {
      return TRUE;
    }
    (*words)++;
  }
}

/* name-addr = [display-name] angle-addr */
static gboolean
scan_name_addr (Scan *sc)
{
  guint words;

  if (!scan_phrase (sc, &words))
    return FALSE;
  if (peek (sc) != '<')
    return fail_expect (sc, sc->pos, words ? "'<' after the display name"
                                           : "an address, a display name or '<'");
  return scan_angle_addr (sc);
}

/* ',' ends a list member, ';' a group's last member */
static gboolean
at_item_end (const Scan *sc)
{
  return at_end (sc) || peek (sc) == ',' || peek (sc) == ';';
}

/* The two non-RFC 5322 forms Table 1 allows, each filling a whole item.
 * DECISION: "anonymous" (Table 1, From) is matched case-insensitively, and
 * the anonymous SIP URI of RFC 3323 is accepted without angle brackets too,
 * as the same "withheld" marker. */
static gboolean
accept_anonymous (Scan *sc)
{
  static const char *const forms[] = { "sip:anonymous@anonymous.invalid", "anonymous" };
  gsize start = sc->pos;

  for (guint i = 0; i < G_N_ELEMENTS (forms); i++) {
    sc->pos = start;
    if (accept_literal (sc, forms[i])) {
      skip_wsp (sc);
      if (at_item_end (sc))
        return TRUE;
    }
  }
  sc->pos = start;
  return FALSE;
}

/* mailbox = name-addr / addr-spec. The legacy tel-number@phony-domain form
 * of Table 1 ("+15145551234@phony.com") is an addr-spec: '+' is atext. */
static gboolean
scan_mailbox (Scan *sc)
{
  Scan a, b;
  Fail fa, fb;
  gsize scheme_len;

  if (!skip_cfws (sc))
    return FALSE;
  if (accept_anonymous (sc))
    return TRUE;
  scheme_len = scheme_length (sc);
  if (is_address_scheme (sc->s + sc->pos, scheme_len))
    return scan_failf (sc, sc->pos, "bare URI at offset %" G_GSIZE_FORMAT
                       ": a URI in an address must be in angle brackets (<%.*s:...>)",
                       sc->pos, (int) scheme_len, (const char *) sc->s + sc->pos);
  scan_fork (&a, &fa, sc);
  if (scan_addr_spec (&a)) {
    if (at_item_end (&a)) {
      sc->pos = a.pos;
      return TRUE;
    }
    fail_expect (&a, a.pos, "',' or the end after the address");
  }
  scan_fork (&b, &fb, sc);
  if (scan_name_addr (&b)) {
    sc->pos = b.pos;
    return TRUE;
  }
  /* report the alternative that read furthest: it is the one meant */
  *sc->fail = fa.pos > fb.pos ? fa : fb;
  sc->pos = sc->fail->pos;
  return FALSE;
}

/* group = display-name ":" [group-list] ";" [CFWS] */
static gboolean
scan_group (Scan *sc)
{
  guint words;

  if (!scan_phrase (sc, &words))
    return FALSE;
  if (words == 0 || peek (sc) != ':')
    return fail_expect (sc, sc->pos, "':' after a group name");
  sc->pos++;
  if (!skip_cfws (sc))
    return FALSE;
  while (peek (sc) != ';') {
    if (!scan_mailbox (sc))
      return FALSE;
    if (peek (sc) == ',')
      sc->pos++;
    else if (peek (sc) != ';')
      return fail_expect (sc, sc->pos, "',' or ';' in a group");
  }
  sc->pos++;
  return skip_cfws (sc);
}

static gboolean
scan_list_item (Scan *sc, gboolean groups)
{
  Scan a, b;
  Fail fa, fb;

  if (!groups)
    return scan_mailbox (sc);
  if (!skip_cfws (sc))
    return FALSE;
  /* an item starting "sip:" is a bare URI, not a group named "sip" */
  if (is_address_scheme (sc->s + sc->pos, scheme_length (sc)))
    return scan_mailbox (sc);
  scan_fork (&a, &fa, sc);
  if (scan_mailbox (&a)) {
    sc->pos = a.pos;
    return TRUE;
  }
  scan_fork (&b, &fb, sc);
  if (scan_group (&b)) {
    sc->pos = b.pos;
    return TRUE;
  }
  *sc->fail = fa.pos >= fb.pos ? fa : fb;
  sc->pos = sc->fail->pos;
  return FALSE;
}

static gboolean
check_addresses (const char *value, gsize len, gboolean groups, GError **error)
{
  Scan sc;
  Fail f;
  gboolean ok;

  g_return_val_if_fail (value != NULL || len == 0, FALSE);
  scan_init (&sc, &f, value, len);
  for (;;) {
    ok = scan_list_item (&sc, groups);
    if (!ok || at_end (&sc))
      break;
    if (peek (&sc) != ',') {
      ok = fail_expect (&sc, sc.pos, "',' between addresses");
      break;
    }
    sc.pos++;
  }
  return scan_finish (&sc, ok, error);
}

/* DECISION: From and To (cpm_check_address) take a mailbox-list, as RFC 5322
 * 3.6.2 gives From: no groups there, as a CPM From/To names parties. Cc and
 * Bcc (cpm_check_address_list) take an address-list, groups included
 * ("undisclosed-recipients:;"). Obsolete list forms with empty members
 * (", ,") are not accepted. */
gboolean
cpm_check_address (const char *value, gsize len, GError **error)
{
  return check_addresses (value, len, FALSE, error);
}

gboolean
cpm_check_address_list (const char *value, gsize len, GError **error)
{
  return check_addresses (value, len, TRUE, error);
}

/* ------------------------------------------------------------------------ */
/* Message-Context (RFC 3458 6, RFC 3938)                                      */

/* DECISION: the classes registered by RFC 3458 and RFC 3938 plus "x-"
 * extensions (cpm-check.h contract), case-insensitive; "file-message", which
 * only the NMS binding (004) uses, is not a registered class and is
 * rejected here. */
gboolean
cpm_check_message_context (const char *value, gsize len, GError **error)
{
  static const char *const classes[] = {
    "voice-message", "fax-message", "pager-message", "multimedia-message",
    "text-message", "none", "video-message",
  };
  Scan sc;
  Fail f;
  gsize start, n;
  gboolean known = FALSE;

  g_return_val_if_fail (value != NULL || len == 0, FALSE);
  scan_init (&sc, &f, value, len);
  if (!skip_cfws (&sc))
    return scan_finish (&sc, FALSE, error);
  start = sc.pos;
  while (sc.pos < len && is_mime_token (sc.s[sc.pos]))
    sc.pos++;
  n = sc.pos - start;
  if (n == 0)
    return scan_finish (&sc, fail_expect (&sc, start, "a message-context-class"), error);
  if (!at_end (&sc) && !is_wsp (peek (&sc)) && peek (&sc) != '(')
    return scan_finish (&sc, fail_char (&sc, sc.pos, "a message-context-class"), error);
  for (guint i = 0; i < G_N_ELEMENTS (classes) && !known; i++)
    known = span_equals (sc.s + start, n, classes[i]);
  if (!known && !(n > 2 && g_ascii_strncasecmp (value + start, "x-", 2) == 0))
    return scan_finish (&sc, scan_failf (&sc, start, "unknown message-context-class \"%.*s\""
                                         " at offset %" G_GSIZE_FORMAT " (RFC 3458/3938: "
                                         "pager-message, multimedia-message, voice-message, "
                                         "fax-message, text-message, video-message, none, "
                                         "x-...)", (int) MIN (n, 40), value + start, start),
                        error);
  return scan_finish (&sc, skip_cfws (&sc) && expect_end (&sc, "a Message-Context value"),
                      error);
}

/* ------------------------------------------------------------------------ */
/* Accept-Contact (RFC 3841 10, RFC 3840 9, RFC 3261 25.1)                    */

/* RFC 3261 quoted-string: qdtext = LWS / %x21 / %x23-5B / %x5D-7E /
 * UTF8-NONASCII; quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F). With
 * no_angle, the RFC 3840 string-value content (no '<' '>'). */
static gboolean
scan_sip_quoted (Scan *sc, int close, const char *where)
{
  for (;;) {
    int c = peek (sc);

    if (c < 0)
      return fail_char (sc, sc->pos, where);
    if (c == close) {
      sc->pos++;
      return TRUE;
    }
    if (c == '\\') {
      sc->pos++;
      c = peek (sc);
      /* escaped NUL is SIP grammar, but no header value may carry one */
      if (c <= 0 || c == '\n' || c == '\r' || c > 0x7f)
        return fail_char (sc, sc->pos, where);
      sc->pos++;
    } else if (c >= 0x80) {
      if (!scan_utf8_char (sc, where))
        return FALSE;
    } else if (c == '"' || (c < 0x20 && c != '\t') || c == 0x7f
               || (close == '>' && c == '<')) {
      return fail_char (sc, sc->pos, where);
    } else {
      sc->pos++;
    }
  }
}

/* number = ["+" / "-"] 1*DIGIT ["." *DIGIT] */
static gboolean
scan_number (Scan *sc)
{
  gsize start;

  if (peek (sc) == '+' || peek (sc) == '-')
    sc->pos++;
  start = sc->pos;
  while (is_digit (peek (sc)))
    sc->pos++;
  if (sc->pos == start)
    return fail_expect (sc, sc->pos, "a number in a numeric feature value");
  if (peek (sc) == '.') {
    sc->pos++;
    while (is_digit (peek (sc)))
      sc->pos++;
  }
  return TRUE;
}

/* tag-value = ["!"] (token-nobang / boolean / numeric); boolean is a
 * token-nobang. numeric = "#" (">=" / "<=" / "=" / (number ":")) number. */
static gboolean
scan_tag_value (Scan *sc)
{
  gsize start;

  if (peek (sc) == '!')
    sc->pos++;
  if (peek (sc) == '#') {
    sc->pos++;
    if (accept_literal (sc, ">=") || accept_literal (sc, "<=") || accept_literal (sc, "="))
      return scan_number (sc);
    return scan_number (sc) && expect_char (sc, ':', "a relation (>=, <=, = or a range n:m)")
           && scan_number (sc);
  }
  start = sc->pos;
  while (is_sip_token (peek (sc)) && peek (sc) != '!')
    sc->pos++;
  if (sc->pos == start)
    return fail_char (sc, sc->pos, "a feature tag value (RFC 3840 tag-value)");
  return TRUE;
}

/* RFC 3840 9 feature-param value: LDQUOT (tag-value-list / string-value) RDQUOT */
static gboolean
scan_feature_value (Scan *sc)
{
  if (!expect_char (sc, '"', "'\"' opening a feature tag value (RFC 3840)"))
    return FALSE;
  if (peek (sc) == '<') {
    sc->pos++;
    return scan_sip_quoted (sc, '>', "a feature tag string value <...>")
           && expect_char (sc, '"', "'\"' after '>' closing a string value");
  }
  if (!scan_tag_value (sc))
    return FALSE;
  while (peek (sc) == ',') {
    sc->pos++;
    if (!scan_tag_value (sc))
      return FALSE;
  }
  if (peek (sc) >= 0 && peek (sc) != '"')
    return fail_char (sc, sc->pos, "a feature tag value (RFC 3840 tag-value: a URN's ':'"
                      " is written %3A)");
  return expect_char (sc, '"', "'\"' closing a feature tag value");
}

static gboolean
is_base_feature_tag (const guchar *s, gsize n)
{
  static const char *const base_tags[] = {
    "audio", "automata", "class", "duplex", "data", "control", "mobility",
    "description", "events", "priority", "methods", "schemes", "application",
    "video", "language", "type", "isfocus", "actor", "text", "extensions",
  };

  for (guint i = 0; i < G_N_ELEMENTS (base_tags); i++)
    if (span_equals (s, n, base_tags[i]))
      return TRUE;
  return FALSE;
}

/* generic-param value: token / host / quoted-string. host is a token or an
 * IPv6reference. */
static gboolean
scan_gen_value (Scan *sc)
{
  if (peek (sc) == '"') {
    sc->pos++;
    return scan_sip_quoted (sc, '"', "a quoted parameter value");
  }
  if (peek (sc) == '[')
    return scan_host (sc, sc->len);
  return scan_sip_token (sc, "a parameter value (token, host or quoted string)");
}

/* ac-params = feature-param / req-param / explicit-param / generic-param.
 * DECISION: generic-param (token [= token/host/quoted-string]) would match
 * every feature-param, which makes the RFC 3840 rules unenforceable; so a
 * parameter whose name is a feature tag ("+" other-tag or a base tag) must
 * follow feature-param: ftag-name characters, and a value, if any, in double
 * quotes holding a tag-value-list or a <string-value>. Thus
 * +g.3gpp.icsi-ref="urn%3Aurn-7%3A..." passes, the unescaped
 * +g.3gpp.icsi-ref="urn:urn-7:..." does not (':' is not in token-nobang). */
static gboolean
scan_ac_param (Scan *sc)
{
  gsize name = sc->pos;
  gboolean feature;

  if (!scan_sip_token (sc, "a parameter name"))
    return FALSE;
  feature = sc->s[name] == '+' || is_base_feature_tag (sc->s + name, sc->pos - name);
  if (sc->s[name] == '+') {
    /* ftag-name = ALPHA *(ALPHA / DIGIT / "!" / "'" / "." / "-" / "%") */
    if (sc->pos - name < 2 || !is_alpha (sc->s[name + 1]))
      return fail_expect (sc, name + 1, "a letter starting the feature tag name");
    for (gsize i = name + 2; i < sc->pos; i++)
      if (!is_alnum (sc->s[i]) && !strchr ("!'.-%", sc->s[i]))
        return fail_char (sc, i, "a feature tag name (RFC 3840)");
  }
  skip_wsp (sc);
  if (peek (sc) != '=')
    return TRUE;
  sc->pos++;
  skip_wsp (sc);
  return feature ? scan_feature_value (sc) : scan_gen_value (sc);
}

/* Accept-Contact value: ac-value *(COMMA ac-value);
 * ac-value = "*" *(SEMI ac-params); SEMI/COMMA/EQUAL allow SWS around. */
gboolean
cpm_check_accept_contact (const char *value, gsize len, GError **error)
{
  Scan sc;
  Fail f;
  gboolean ok = TRUE;

  g_return_val_if_fail (value != NULL || len == 0, FALSE);
  scan_init (&sc, &f, value, len);
  for (;;) {
    skip_wsp (&sc);
    if (!(ok = expect_char (&sc, '*', "'*' starting an Accept-Contact value (RFC 3841)")))
      break;
    skip_wsp (&sc);
    while (ok && peek (&sc) == ';') {
      sc.pos++;
      skip_wsp (&sc);
      ok = scan_ac_param (&sc);
      skip_wsp (&sc);
    }
    if (!ok || at_end (&sc))
      break;
    if (peek (&sc) != ',') {
      ok = fail_expect (&sc, sc.pos, "';' or ',' in Accept-Contact");
      break;
    }
    sc.pos++;
  }
  return scan_finish (&sc, ok, error);
}

/* ------------------------------------------------------------------------ */
/* Dates: RFC 5322 3.3 + 4.3, RFC 3339                                        */

typedef struct {
  int year, month, day, hour, minute, second;
  int offset;   /* minutes east of UTC */
  int wday;     /* 0 = Monday .. 6 = Sunday, -1 when absent */
  gsize wday_pos, day_pos;
} DateFields;

static const char *const day_names[7] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };

/* RFC 5322 3.3 month = RFC 3501 date-month: one table for the date checks,
 * cpm_date_format_to and the IMAP date-time (cpm-imap.c). */
const char *const cpm_month_names[12] = {
  "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static int
days_in_month (int year, int month)
{
  static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  gboolean leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

  return month == 2 && leap ? 29 : days[month - 1];
}

/* 0 = Monday .. 6 = Sunday, proleptic Gregorian (Sakamoto's method). */
static int
weekday (int year, int month, int day)
{
  static const int t[12] = { 0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4 };
  int y = month < 3 ? year - 1 : year;
  int sunday0 = (y + y / 4 - y / 100 + y / 400 + t[month - 1] + day) % 7;

  return (sunday0 + 6) % 7;
}

/* A run of digits: its value (saturating) and length. */
static gsize
scan_digits (Scan *sc, int *value)
{
  gsize start = sc->pos;
  int v = 0;

  while (is_digit (peek (sc))) {
    if (v < 100000)
      v = v * 10 + (sc->s[sc->pos] - '0');
    sc->pos++;
  }
  *value = v;
  return sc->pos - start;
}

static gsize
scan_alpha (Scan *sc)
{
  gsize start = sc->pos;

  while (is_alpha (peek (sc)))
    sc->pos++;
  return sc->pos - start;
}

static int
name_index (const guchar *s, gsize n, const char *const *names, int count)
{
  for (int i = 0; i < count; i++)
    if (span_equals (s, n, names[i]))
      return i;
  return -1;
}

/* RFC 5322 4.3 obs-zone, in minutes east of UTC. Military zones are
 * ambiguous (4.3: "SHOULD all be considered equivalent to -0000"). */
static gboolean
obs_zone_offset (const guchar *s, gsize n, int *offset)
{
  static const struct { const char *name; int hours; } zones[] = {
    { "UT", 0 }, { "GMT", 0 }, { "EST", -5 }, { "EDT", -4 }, { "CST", -6 },
    { "CDT", -5 }, { "MST", -7 }, { "MDT", -6 }, { "PST", -8 }, { "PDT", -7 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (zones); i++)
    if (span_equals (s, n, zones[i].name)) {
      *offset = zones[i].hours * 60;
      return TRUE;
    }
  if (n == 1 && s[0] != 'J' && s[0] != 'j') {
    *offset = 0;
    return TRUE;
  }
  return FALSE;
}

/* 2DIGIT (hour, minute, second: obs forms keep exactly two digits). */
static gboolean
scan_two_digits (Scan *sc, int *value, int max, const char *what)
{
  gsize start = sc->pos;

  if (!skip_cfws (sc))
    return FALSE;
  start = sc->pos;
  if (scan_digits (sc, value) != 2)
    return scan_failf (sc, start, "expected two digits of %s at offset %" G_GSIZE_FORMAT,
                       what, start);
  if (*value > max)
    return scan_failf (sc, start, "%s %02d at offset %" G_GSIZE_FORMAT " is out of range"
                       " (0-%d)", what, *value, start, max);
  return skip_cfws (sc);
}

static gboolean
scan_day_of_week (Scan *sc, DateFields *d)
{
  gsize start = sc->pos;
  gsize n = scan_alpha (sc);

  d->wday = name_index (sc->s + start, n, day_names, 7);
  d->wday_pos = start;
  if (d->wday < 0)
    return scan_failf (sc, start, "\"%.*s\" at offset %" G_GSIZE_FORMAT " is not a day name"
                       " (Mon ... Sun)", (int) MIN (n, 20), (const char *) sc->s + start, start);
  return skip_cfws (sc) && expect_char (sc, ',', "',' after the day of the week");
}

/* day month year, RFC 5322 3.3 with the obsolete forms of 4.3 (CFWS
 * anywhere, two- and three-digit years). */
static gboolean
scan_date (Scan *sc, DateFields *d)
{
  gsize start, n;

  if (!skip_cfws (sc))
    return FALSE;
  start = d->day_pos = sc->pos;
  n = scan_digits (sc, &d->day);
  if (n < 1 || n > 2)
    return scan_failf (sc, start, "expected a day of 1 or 2 digits at offset %"
                       G_GSIZE_FORMAT, start);
  if (!skip_cfws (sc))
    return FALSE;
  start = sc->pos;
  n = scan_alpha (sc);
  d->month = name_index (sc->s + start, n, cpm_month_names, 12) + 1;
  if (d->month == 0)
    return scan_failf (sc, start, "expected a month name (Jan ... Dec) at offset %"
                       G_GSIZE_FORMAT, start);
  if (!skip_cfws (sc))
    return FALSE;
  start = sc->pos;
  n = scan_digits (sc, &d->year);
  if (n < 2)
    return scan_failf (sc, start, "expected a year of 4 digits at offset %" G_GSIZE_FORMAT,
                       start);
  /* 4.3: a two-digit year is 19xx from 50, else 20xx; three digits add 1900 */
  if (n == 2)
    d->year += d->year < 50 ? 2000 : 1900;
  else if (n == 3)
    d->year += 1900;
  /* DECISION: 3.3 "MUST be 1900 or later"; above 9999 is not representable */
  if (d->year < 1900 || d->year > 9999)
    return scan_failf (sc, start, "year at offset %" G_GSIZE_FORMAT " is outside 1900-9999",
                       start);
  if (d->day < 1 || d->day > days_in_month (d->year, d->month))
    return scan_failf (sc, d->day_pos, "day %d at offset %" G_GSIZE_FORMAT " does not exist"
                       " in %s %d", d->day, d->day_pos, cpm_month_names[d->month - 1], d->year);
  return TRUE;
}

static gboolean
scan_zone (Scan *sc, DateFields *d)
{
  gsize before = sc->pos, start;
  int hhmm;

  if (!skip_cfws (sc))
    return FALSE;
  start = sc->pos;
  if (peek (sc) == '+' || peek (sc) == '-') {
    int sign = peek (sc) == '-' ? -1 : 1;

    /* zone = FWS ("+" / "-") 4DIGIT; obs-zone names need no FWS */
    if (start == before)
      return fail_expect (sc, start, "white space before the zone");

    sc->pos++;
    if (scan_digits (sc, &hhmm) != 4)
      return scan_failf (sc, start, "zone at offset %" G_GSIZE_FORMAT " must be +hhmm or"
                         " -hhmm", start);
    /* DECISION: 3.3 bounds only the minutes (00-59); offsets beyond 23:59
     * are rejected as GDateTime cannot hold them and no zone has them. */
    if (hhmm % 100 > 59 || hhmm / 100 > 23)
      return scan_failf (sc, start, "zone offset at offset %" G_GSIZE_FORMAT " is out of"
                         " range", start);
    d->offset = sign * (hhmm / 100 * 60 + hhmm % 100);
  } else {
    gsize n = scan_alpha (sc);

    if (n == 0 || !obs_zone_offset (sc->s + start, n, &d->offset))
      return scan_failf (sc, start, "expected a zone (+hhmm, -hhmm, UT, GMT, EST...) at offset %"
                         G_GSIZE_FORMAT, start);
  }
  return skip_cfws (sc);
}

/* date-time = [day-of-week ","] date time [CFWS] */
static gboolean
scan_rfc5322_date (Scan *sc, DateFields *d)
{
  d->wday = -1;
  d->second = 0;
  if (!skip_cfws (sc))
    return FALSE;
  if (is_alpha (peek (sc)) && !scan_day_of_week (sc, d))
    return FALSE;
  if (!scan_date (sc, d)
      || !scan_two_digits (sc, &d->hour, 23, "hour")
      || !expect_char (sc, ':', "':' after the hour")
      || !scan_two_digits (sc, &d->minute, 59, "minute"))
    return FALSE;
  if (peek (sc) == ':') {
    sc->pos++;
    /* 60 is a leap second (3.3) */
    if (!scan_two_digits (sc, &d->second, 60, "second"))
      return FALSE;
  }
  /* scan_two_digits ate the white space before the zone: step back over it */
  while (sc->pos > 0 && is_wsp (sc->s[sc->pos - 1]))
    sc->pos--;
  if (!scan_zone (sc, d) || !expect_end (sc, "a date-time (after the zone)"))
    return FALSE;
  if (d->wday >= 0 && d->wday != weekday (d->year, d->month, d->day))
    return scan_failf (sc, d->wday_pos, "day of the week \"%s\" at offset %" G_GSIZE_FORMAT
                       " does not match the date %d %s %d, a %s", day_names[d->wday],
                       d->wday_pos, d->day, cpm_month_names[d->month - 1], d->year,
                       day_names[weekday (d->year, d->month, d->day)]);
  return TRUE;
}

/* The two digits at @p as a number, or -1. */
static inline int
two_digits (const char *p)
{
  return is_digit (p[0]) && is_digit (p[1]) ? (p[0] - '0') * 10 + (p[1] - '0') : -1;
}

static int
name_at (const char *v, const char *const *names, int n)
{
  for (int i = 0; i < n; i++)
    if (memcmp (v, names[i], 3) == 0)
      return i;
  return -1;
}

/* "Www, D Mmm YYYY HH:MM:SS +hhmm" (or a two-digit day) with the names
 * spelt as cpm_date_format_to() writes them, in range and the day of the
 * week right: what scan_rfc5322_date accepts of these bytes, read at fixed
 * offsets (the scanner took ~1,300 instructions; the converter checks the
 * Date of every object it builds). Any other form, valid or not, is left
 * to the scanner, which words the failures. */
static gboolean
plain_rfc5322_date (const char *v, gsize len)
{
  if (len != 30 && len != 31)
    return FALSE;
  gsize dd = len - 29; /* the day's digits */
  const char *p = v + 5 + dd; /* the blank before the month */
  if (v[3] != ',' || v[4] != ' ' || p[0] != ' ' || p[4] != ' ' || p[9] != ' ' ||
      p[12] != ':' || p[15] != ':' || p[18] != ' ' || (p[19] != '+' && p[19] != '-'))
    return FALSE;
  int wday = name_at (v, day_names, 7), month = name_at (p + 1, cpm_month_names, 12) + 1;
  int day = dd == 1 ? (is_digit (v[5]) ? v[5] - '0' : -1) : two_digits (v + 5);
  int century = two_digits (p + 5), year = two_digits (p + 7), hour = two_digits (p + 10),
      minute = two_digits (p + 13), second = two_digits (p + 16),
      zone_h = two_digits (p + 20), zone_m = two_digits (p + 22);
  if (wday < 0 || month < 1 || day < 1 || century < 19 || year < 0 || hour < 0 || hour > 23 ||
      minute < 0 || minute > 59 || second < 0 || second > 60 || zone_h < 0 || zone_h > 23 ||
      zone_m < 0 || zone_m > 59)
    return FALSE;
  year += century * 100;
  return day <= days_in_month (year, month) && weekday (year, month, day) == wday;
}

gboolean
cpm_check_date (const char *value, gsize len, GError **error)
{
  Scan sc;
  Fail f;
  DateFields d;

  g_return_val_if_fail (value != NULL || len == 0, FALSE);
  if (plain_rfc5322_date (value, len))
    return TRUE;
  scan_init (&sc, &f, value, len);
  return scan_finish (&sc, scan_rfc5322_date (&sc, &d), error);
}

GDateTime *
cpm_date_parse (const char *value, gsize len)
{
  Scan sc;
  Fail f;
  DateFields d;
  GTimeZone *tz;
  GDateTime *dt;

  g_return_val_if_fail (value != NULL || len == 0, NULL);
  scan_init (&sc, &f, value, len);
  if (!scan_rfc5322_date (&sc, &d))
    return NULL;
  tz = g_time_zone_new_offset (d.offset * 60);
  /* DECISION: GDateTime has no leap second; 23:59:60 becomes 23:59:59 */
  dt = g_date_time_new (tz, d.year, d.month, d.day, d.hour, d.minute, MIN (d.second, 59));
  g_time_zone_unref (tz);
  return dt;
}

/* @sep (unless 0), then @v in two digits. */
static char *
put2 (char *w, char sep, int v)
{
  if (sep)
    *w++ = sep;
  *w++ = (char) ('0' + v / 10 % 10);
  *w++ = (char) ('0' + v % 10);
  return w;
}

/* The Date text of these fields (@wday 0 = Monday, @off in minutes east),
 * by hand: no printf, names from our own tables (g_date_time_format ("%a")
 * is locale-dependent). The builder formats a Date for every object: 2%
 * of a capture conversion went to printf. */
static void
write_date (char *w, int wday, int y, int mo, int d, int h, int mi, int sec, int off)
{
  memcpy (w, day_names[wday], 3);
  w += 3;
  *w++ = ',';
  *w++ = ' ';
  if (d >= 10)
    *w++ = (char) ('0' + d / 10);
  *w++ = (char) ('0' + d % 10);
  *w++ = ' ';
  memcpy (w, cpm_month_names[mo - 1], 3);
  w += 3;
  *w++ = ' ';
  /* years are 1..9999 (GDateTime's range): always four digits */
  for (int i = 3, v = y; i >= 0; i--, v /= 10)
    w[i] = (char) ('0' + v % 10);
  w += 4;
  w = put2 (w, ' ', h);
  w = put2 (w, ':', mi);
  w = put2 (w, ':', sec);
  *w++ = ' ';
  *w++ = off < 0 ? '-' : '+';
  w = put2 (w, 0, ABS (off) / 60);
  w = put2 (w, 0, ABS (off) % 60);
  *w = '\0';
}

void
cpm_date_format_to (GDateTime *dt, char out[CPM_DATE_FORMAT_SIZE])
{
  int y, mo, d;

  g_date_time_get_ymd (dt, &y, &mo, &d);
  write_date (out, g_date_time_get_day_of_week (dt) - 1, y, mo, d, g_date_time_get_hour (dt),
              g_date_time_get_minute (dt), g_date_time_get_second (dt),
              (int) (g_date_time_get_utc_offset (dt) / G_TIME_SPAN_MINUTE));
}

/* "YYYY-MM-DDTHH:MM:SSZ" with every field in range, else FALSE (GLib
 * reads the rest: fractions, offsets, lower case, leap seconds). */
static gboolean
cpim_utc_fields (const char *p, int *y, int *mo, int *d, int *h, int *mi, int *sec)
{
  if (strlen (p) != 20 || p[4] != '-' || p[7] != '-' || p[10] != 'T' || p[13] != ':' ||
      p[16] != ':' || p[19] != 'Z')
    return FALSE;
  int cc = two_digits (p), yy = two_digits (p + 2);
  *mo = two_digits (p + 5);
  *d = two_digits (p + 8);
  *h = two_digits (p + 11);
  *mi = two_digits (p + 14);
  *sec = two_digits (p + 17);
  if (cc < 0 || yy < 0 || *h < 0 || *mi < 0 || *sec < 0)
    return FALSE;
  *y = cc * 100 + yy;
  return *y >= 1 && *mo >= 1 && *mo <= 12 && *d >= 1 && *d <= days_in_month (*y, *mo) &&
         *h < 24 && *mi < 60 && *sec < 60;
}

GDateTime *
cpm_date_from_cpim (const char *datetime, char text[CPM_DATE_FORMAT_SIZE])
{
  int y, mo, d, h, mi, sec;

  if (!cpim_utc_fields (datetime, &y, &mo, &d, &h, &mi, &sec)) {
    GDateTime *dt = g_date_time_new_from_iso8601 (datetime, NULL);
    if (dt)
      cpm_date_format_to (dt, text);
    return dt;
  }
  write_date (text, weekday (y, mo, d), y, mo, d, h, mi, sec, 0);
  return g_date_time_new_utc (y, mo, d, h, mi, sec);
}

char *
cpm_date_format (GDateTime *dt)
{
  char text[CPM_DATE_FORMAT_SIZE];

  g_return_val_if_fail (dt != NULL, NULL);
  cpm_date_format_to (dt, text);
  return g_strdup (text);
}

/* Exactly n digits at the cursor, within [min, max]. */
static gboolean
scan_fixed (Scan *sc, gsize n, int min, int max, int *value, const char *what)
{
  gsize start = sc->pos;
  int v = 0;

  for (gsize i = 0; i < n; i++) {
    if (!is_digit (peek (sc)))
      return fail_expect (sc, sc->pos, what);
    v = v * 10 + (sc->s[sc->pos++] - '0');
  }
  if (v < min || v > max)
    return scan_failf (sc, start, "%s %0*d at offset %" G_GSIZE_FORMAT " is out of range"
                       " (%d-%d)", what, (int) n, v, start, min, max);
  *value = v;
  return TRUE;
}

/* RFC 3339 5.6 date-time, as CPIM DateTime (RFC 3862 4.7) uses it.
 * DECISION: "T"/"t" only; the space separator RFC 3339 mentions as a
 * readability option is not part of its ABNF. */
static gboolean
scan_rfc3339 (Scan *sc)
{
  int year, month, day, v;

  if (!scan_fixed (sc, 4, 0, 9999, &year, "a 4-digit year")
      || !expect_char (sc, '-', "'-' after the year")
      || !scan_fixed (sc, 2, 1, 12, &month, "month")
      || !expect_char (sc, '-', "'-' after the month")
      || !scan_fixed (sc, 2, 1, 31, &day, "day"))
    return FALSE;
  if (day > days_in_month (year, month))
    return scan_failf (sc, sc->pos - 2, "day %02d at offset %" G_GSIZE_FORMAT " does not exist"
                       " in %04d-%02d", day, sc->pos - 2, year, month);
  if (peek (sc) != 'T' && peek (sc) != 't')
    return fail_expect (sc, sc->pos, "'T' between date and time");
  sc->pos++;
  if (!scan_fixed (sc, 2, 0, 23, &v, "hour") || !expect_char (sc, ':', "':' after the hour")
      || !scan_fixed (sc, 2, 0, 59, &v, "minute") || !expect_char (sc, ':', "':' after the minute")
      || !scan_fixed (sc, 2, 0, 60, &v, "second"))
    return FALSE;
  if (peek (sc) == '.') {
    sc->pos++;
    if (!is_digit (peek (sc)))
      return fail_expect (sc, sc->pos, "a digit of the fraction of second");
    while (is_digit (peek (sc)))
      sc->pos++;
  }
  if (peek (sc) == 'Z' || peek (sc) == 'z') {
    sc->pos++;
  } else if (peek (sc) == '+' || peek (sc) == '-') {
    sc->pos++;
    if (!scan_fixed (sc, 2, 0, 23, &v, "offset hour")
        || !expect_char (sc, ':', "':' in the offset (+hh:mm)")
        || !scan_fixed (sc, 2, 0, 59, &v, "offset minute"))
      return FALSE;
  } else {
    return fail_expect (sc, sc->pos, "a time offset (Z, +hh:mm or -hh:mm)");
  }
  return expect_end (sc, "an RFC 3339 date-time (after the offset)");
}

/* "YYYY-MM-DDTHH:MM:SSZ", the form every CPIM DateTime and IMDN <datetime>
 * a converter writes has, in range: what scan_rfc3339 accepts of these 20
 * bytes, read at fixed offsets (the scanner took ~400 instructions, and
 * it checks each IMDN's date-time twice). Anything else, valid or not,
 * is left to the scanner, which words the failures. */
static gboolean
plain_rfc3339 (const char *v, gsize len)
{
  if (len != 20 || v[4] != '-' || v[7] != '-' || (v[10] != 'T' && v[10] != 't') ||
      v[13] != ':' || v[16] != ':' || (v[19] != 'Z' && v[19] != 'z'))
    return FALSE;
  int hi = two_digits (v), lo = two_digits (v + 2), month = two_digits (v + 5),
      day = two_digits (v + 8), hour = two_digits (v + 11), minute = two_digits (v + 14),
      second = two_digits (v + 17);
  if (hi < 0 || lo < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 ||
      minute < 0 || minute > 59 || second < 0 || second > 60)
    return FALSE;
  return day <= days_in_month (hi * 100 + lo, month);
}

gboolean
cpm_check_cpim_datetime (const char *value, gsize len, GError **error)
{
  Scan sc;
  Fail f;

  g_return_val_if_fail (value != NULL || len == 0, FALSE);
  if (plain_rfc3339 (value, len))
    return TRUE;
  scan_init (&sc, &f, value, len);
  return scan_finish (&sc, scan_rfc3339 (&sc), error);
}

/* ------------------------------------------------------------------------ */
/* Content-Type (RFC 2045 5.1), unstructured (RFC 5322 3.2.5)                 */

static gboolean
scan_mime_token (Scan *sc, const char *what)
{
  gsize start;

  if (!skip_cfws (sc))
    return FALSE;
  start = sc->pos;
  gsize pos = start;
  while (pos < sc->len && is_mime_token (sc->s[pos])) /* a local index: see scan_sip_token */
    pos++;
  sc->pos = pos;
  if (pos == start)
    return fail_expect (sc, start, what);
  return skip_cfws (sc);
}

/* DECISION: any type/subtype token is accepted (no check against the IANA
 * registry, x- and vendor types are common); a trailing ';' without a
 * parameter is an error, as RFC 2045 has no empty parameter. */
gboolean
cpm_check_content_type (const char *value, gsize len, GError **error)
{
  Scan sc;
  Fail f;
  gboolean ok;

  g_return_val_if_fail (value != NULL || len == 0, FALSE);
  scan_init (&sc, &f, value, len);
  ok = scan_mime_token (&sc, "a media type (e.g. text)")
       && expect_char (&sc, '/', "'/' between type and subtype")
       && scan_mime_token (&sc, "a subtype after '/'");
  while (ok && peek (&sc) == ';') {
    sc.pos++;
    ok = scan_mime_token (&sc, "a parameter name after ';'")
         && expect_char (&sc, '=', "'=' after the parameter name")
         && skip_cfws (&sc);
    if (ok && peek (&sc) == '"')
      ok = scan_quoted_string (&sc) && skip_cfws (&sc);
    else if (ok)
      ok = scan_mime_token (&sc, "a parameter value (token or quoted string)");
  }
  if (ok)
    ok = expect_end (&sc, "a Content-Type (';' must start a parameter)");
  return scan_finish (&sc, ok, error);
}

/* Encoded-words are printable ASCII, so they need no case of their own. */
gboolean
cpm_check_unstructured (const char *value, gsize len, GError **error)
{
  Scan sc;
  Fail f;

  g_return_val_if_fail (value != NULL || len == 0, FALSE);
  scan_init (&sc, &f, value, len);
  for (gsize i = 0; i < len; i++) {
    guchar c = sc.s[i];

    if ((c < 0x20 && c != '\t') || c > 0x7e)
      /* format_lazy adds the RFC 2047 hint for non-ASCII bytes */
      return scan_finish (&sc, fail_char (&sc, i, "an unstructured value"), error);
  }
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Passes remembered per thread (cpm-check-private.h)                        */

/* A converter builds each object from checked values (the builder checks
 * every field), serializes it and validates the result: the validator
 * checks the same values with the same checkers again, and a session's
 * addresses and service recur in every message. Passes are kept per
 * thread in a direct-mapped table indexed by a hash of checker and value:
 * a ring of the last 32 passes (before) lost a session's addresses to the
 * dates and ids of eight interleaved sessions, and was scanned in full on
 * every miss. A long value is never kept; a slot holds the last pass that
 * hashed to it, and only an exact match of checker and bytes is a hit. */
#define PASSED_SLOTS 256 /* a power of two */
#define PASSED_MAX_LEN 256

typedef struct {
  CpmValueCheck check;
  gsize len;
  char value[PASSED_MAX_LEN];
} Passed;

typedef struct {
  Passed slot[PASSED_SLOTS];
} PassedTable;

/* The table is freed at thread exit through the GPrivate; the thread's
 * own pointer to it is read on every check (g_private_get was a library
 * call and a third of the cost of a hit). */
static GPrivate passed_key = G_PRIVATE_INIT (g_free);
static _Thread_local PassedTable *passed_table;

/* cpm_hash_words, seeded by the check; the slot from the top bits, which
 * see every word. */
static guint
passed_index (CpmValueCheck check, const char *value, gsize len)
{
  guint64 h = cpm_hash_words ((guint64) (guintptr) check ^ len, value, len);

  return (guint) (h >> 56) & (PASSED_SLOTS - 1);
}

static gboolean
passed_in (const Passed *p, CpmValueCheck check, const char *value, gsize len)
{
  return p->check == check && p->len == len && memcmp (p->value, value, len) == 0;
}

gboolean
cpm_check_cached (CpmValueCheck check, const char *value, gsize len, GError **error)
{
  PassedTable *table = passed_table;

  if (len > PASSED_MAX_LEN)
    return check (value, len, error);
  guint index = passed_index (check, value, len);
  if (table && passed_in (&table->slot[index], check, value, len))
    return TRUE;
  if (!check (value, len, error))
    return FALSE;
  if (!table) {
    table = g_new0 (PassedTable, 1);
    g_private_set (&passed_key, table);
    passed_table = table;
  }
  Passed *p = &table->slot[index];
  p->check = check;
  p->len = len;
  if (len)
    memcpy (p->value, value, len);
  return TRUE;
}

gboolean
cpm_check_seen (CpmValueCheck check, const char *value, gsize len, GError **error)
{
  const PassedTable *table = passed_table;
  return (table && len <= PASSED_MAX_LEN &&
          passed_in (&table->slot[passed_index (check, value, len)], check, value, len)) ||
         check (value, len, error);
}
