/* IMAP client: the storing side of a Message Storage Client (001 section 6).
 *
 * Two halves: a bounds-checked response parser over plain bytes (RFC 3501
 * section 9 "response", with RFC 4315 APPENDUID and RFC 7888 literals), and a
 * blocking client over GIO streams that sends one command at a time.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"

#include <cpmobj/cpm-imap.h>
#include "cpm-imap-private.h"
#include "cpm-check-private.h"

#include <string.h>

G_DEFINE_QUARK (cpm-imap-error-quark, cpm_imap_error)

/* ------------------------------------------------------------------------ */
/* Response parser                                                          */

typedef enum { P_OK, P_MORE, P_ERR } PStatus;

typedef struct {
  const guint8 *start, *p, *end;
  gsize needed;        /* on P_MORE */
  gsize literal_bytes; /* literal payload so far, not counted as line length */
  int depth;
  char *why;           /* on P_ERR */
} Parser;

static PStatus
p_more (Parser *ps, gsize total)
{
  ps->needed = total;
  return P_MORE;
}

static PStatus G_GNUC_PRINTF (2, 3)
p_fail (Parser *ps, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_free (ps->why);
  ps->why = g_strdup_vprintf (format, ap);
  va_end (ap);
  return P_ERR;
}

static gsize
p_offset (Parser *ps)
{
  return (gsize) (ps->p - ps->start);
}

/* Every byte read goes through here: it asks for more input at the end of the
 * buffer and refuses lines longer than CPM_IMAP_MAX_LINE. */
static PStatus
p_peek (Parser *ps, guint8 *c)
{
  *c = 0; /* set on every path: GCC -O3 cannot tell that the others return early */
  if (p_offset (ps) - ps->literal_bytes >= CPM_IMAP_MAX_LINE)
    return p_fail (ps, "response line longer than %d bytes", CPM_IMAP_MAX_LINE);
  if (ps->p >= ps->end)
    return p_more (ps, p_offset (ps) + 1);
  *c = *ps->p;
  return P_OK;
}

/* Line end: CRLF, or a bare LF from lax servers. */
static PStatus
p_eol (Parser *ps, gboolean *at_eol)
{
  guint8 c;
  PStatus st = p_peek (ps, &c);
  if (st != P_OK)
    return st;
  *at_eol = FALSE;
  if (c == '\n') {
    ps->p++;
    *at_eol = TRUE;
  } else if (c == '\r') {
    if (ps->p + 1 >= ps->end)
      return p_more (ps, p_offset (ps) + 2);
    if (ps->p[1] != '\n')
      return p_fail (ps, "CR without LF at offset %" G_GSIZE_FORMAT, p_offset (ps));
    ps->p += 2;
    *at_eol = TRUE;
  }
  return P_OK;
}

static gboolean
is_atom_stop (guint8 c)
{
  return c == ' ' || c == '(' || c == ')' || c == '\r' || c == '\n' || c == '"' ||
         c == '{' || c == '[' || c == ']';
}

/* An atom as servers send it: atom chars, plus a bracketed section that may
 * hold spaces and parentheses (BODY[HEADER.FIELDS (A B)]) and a <partial>.
 * As a value it is an astring, which may also hold ']' ("[Gmail]/a]b"). */
static PStatus
p_atom (Parser *ps, gboolean allow_section, char **out)
{
  const guint8 *begin = ps->p;
  int brackets = 0;
  for (;;) {
    guint8 c;
    PStatus st = p_peek (ps, &c);
    if (st != P_OK)
      return st;
    if (c == '[' && allow_section) {
      brackets++;
    } else if (c == ']' && brackets > 0) {
      brackets--;
    } else if (c == ']' && allow_section) {
      /* an astring's resp-special */
    } else if (c == '\r' || c == '\n') {
      break;
    } else if (brackets == 0 && is_atom_stop (c)) {
      break;
    } else if (c < 0x20 || c == 0x7f) {
      return p_fail (ps, "control character 0x%02x at offset %" G_GSIZE_FORMAT, c,
                     p_offset (ps));
    }
    ps->p++;
  }
  if (brackets > 0)
    return p_fail (ps, "unclosed '[' in atom");
  if (ps->p == begin)
    return p_fail (ps, "atom expected at offset %" G_GSIZE_FORMAT, p_offset (ps));
  *out = g_strndup ((const char *) begin, (gsize) (ps->p - begin));
  return P_OK;
}

static PStatus
p_sp (Parser *ps)
{
  guint8 c;
  PStatus st = p_peek (ps, &c);
  if (st != P_OK)
    return st;
  if (c != ' ')
    return p_fail (ps, "space expected at offset %" G_GSIZE_FORMAT, p_offset (ps));
  ps->p++;
  return P_OK;
}

static PStatus
p_quoted (Parser *ps, GBytes **out)
{
  g_autoptr(GByteArray) s = g_byte_array_new ();
  ps->p++; /* the opening quote */
  for (;;) {
    guint8 c;
    PStatus st = p_peek (ps, &c);
    if (st != P_OK)
      return st;
    ps->p++;
    if (c == '"')
      break;
    if (c == '\r' || c == '\n')
      return p_fail (ps, "line end inside a quoted string");
    if (c == '\\') {
      st = p_peek (ps, &c);
      if (st != P_OK)
        return st;
      if (c != '\\' && c != '"')
        return p_fail (ps, "bad escape \\%c in a quoted string", g_ascii_isprint (c) ? c : '?');
      ps->p++;
    }
    g_byte_array_append (s, &c, 1);
  }
  *out = g_byte_array_free_to_bytes (g_steal_pointer (&s));
  return P_OK;
}

static PStatus
p_number_digits (Parser *ps, guint64 *out, guint64 max)
{
  guint64 n = 0;
  const guint8 *begin = ps->p;
  for (;;) {
    guint8 c;
    PStatus st = p_peek (ps, &c);
    if (st != P_OK)
      return st;
    if (!g_ascii_isdigit (c))
      break;
    if (n > (max - (guint64) (c - '0')) / 10)
      return p_fail (ps, "number too large at offset %" G_GSIZE_FORMAT, p_offset (ps));
    n = n * 10 + (guint64) (c - '0');
    ps->p++;
  }
  if (ps->p == begin)
    return p_fail (ps, "number expected at offset %" G_GSIZE_FORMAT, p_offset (ps));
  *out = n;
  return P_OK;
}

/* literal = "{" number ["+"] "}" CRLF *CHAR8, also literal8 "~{...}" */
static PStatus
p_literal (Parser *ps, GBytes **out)
{
  guint64 n;
  guint8 c;
  PStatus st;
  if (*ps->p == '~')
    ps->p++;
  if ((st = p_peek (ps, &c)) != P_OK)
    return st;
  if (c != '{')
    return p_fail (ps, "'{' expected after '~'");
  ps->p++;
  if ((st = p_number_digits (ps, &n, CPM_IMAP_MAX_LITERAL)) != P_OK)
    return st;
  if ((st = p_peek (ps, &c)) != P_OK)
    return st;
  if (c == '+') {
    ps->p++;
    if ((st = p_peek (ps, &c)) != P_OK)
      return st;
  }
  if (c != '}')
    return p_fail (ps, "'}' expected in literal length");
  ps->p++;
  gboolean eol;
  if ((st = p_eol (ps, &eol)) != P_OK)
    return st;
  if (!eol)
    return p_fail (ps, "line end expected after literal length");
  gsize avail = (gsize) (ps->end - ps->p);
  if (avail < n)
    return p_more (ps, p_offset (ps) + (gsize) n + 1);
  *out = g_bytes_new (ps->p, (gsize) n);
  ps->p += n;
  ps->literal_bytes += (gsize) n;
  return P_OK;
}

static CpmImapValue *
value_new (CpmImapValueType type)
{
  CpmImapValue *v = g_new0 (CpmImapValue, 1);
  v->type = type;
  return v;
}

void
cpm_imap_value_free (CpmImapValue *value)
{
  if (value == NULL)
    return;
  g_free (value->atom);
  if (value->string)
    g_bytes_unref (value->string);
  if (value->items)
    g_ptr_array_unref (value->items);
  g_free (value);
}

static PStatus p_value (Parser *ps, CpmImapValue **out);

/* Values until ')' (in a list) or the line end (top level). The line end is
 * left for the caller. */
static PStatus
p_values (Parser *ps, GPtrArray *into, gboolean in_list)
{
  for (;;) {
    guint8 c;
    PStatus st = p_peek (ps, &c);
    if (st != P_OK)
      return st;
    if (c == ' ') {
      ps->p++;
      continue;
    }
    if (c == ')') {
      if (!in_list)
        return p_fail (ps, "unbalanced ')' at offset %" G_GSIZE_FORMAT, p_offset (ps));
      ps->p++;
      return P_OK;
    }
    if (c == '\r' || c == '\n') {
      if (in_list)
        return p_fail (ps, "line ends inside a parenthesised list");
      return P_OK;
    }
    CpmImapValue *v = NULL;
    if ((st = p_value (ps, &v)) != P_OK)
      return st;
    g_ptr_array_add (into, v);
  }
}

static gboolean
all_digits (const char *s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isdigit (*s))
      return FALSE;
  return TRUE;
}

static PStatus
p_value (Parser *ps, CpmImapValue **out)
{
  guint8 c = *ps->p; /* p_values peeked it */
  PStatus st;
  if (c == '(') {
    if (ps->depth >= CPM_IMAP_MAX_DEPTH)
      return p_fail (ps, "lists nested deeper than %d", CPM_IMAP_MAX_DEPTH);
    ps->p++;
    ps->depth++;
    CpmImapValue *v = value_new (CPM_IMAP_VALUE_LIST);
    v->items = g_ptr_array_new_with_free_func ((GDestroyNotify) cpm_imap_value_free);
    st = p_values (ps, v->items, TRUE);
    ps->depth--;
    if (st != P_OK) {
      cpm_imap_value_free (v);
      return st;
    }
    *out = v;
    return P_OK;
  }
  if (c == '"' || c == '{' || c == '~') {
    GBytes *b = NULL;
    st = c == '"' ? p_quoted (ps, &b) : p_literal (ps, &b);
    if (st != P_OK)
      return st;
    *out = value_new (CPM_IMAP_VALUE_STRING);
    (*out)->string = b;
    return P_OK;
  }
  char *atom = NULL;
  if ((st = p_atom (ps, TRUE, &atom)) != P_OK)
    return st;
  if (all_digits (atom) && strlen (atom) <= 19) {
    *out = value_new (CPM_IMAP_VALUE_NUMBER);
    (*out)->number = g_ascii_strtoull (atom, NULL, 10);
    g_free (atom);
  } else if (g_ascii_strcasecmp (atom, "NIL") == 0) {
    *out = value_new (CPM_IMAP_VALUE_NIL);
    g_free (atom);
  } else {
    *out = value_new (CPM_IMAP_VALUE_ATOM);
    (*out)->atom = atom;
  }
  return P_OK;
}

/* Server text may hold any byte; what reaches an error message is valid
 * UTF-8 without control characters. */
static char *
sanitize_text (const guint8 *s, gsize len)
{
  g_autofree char *valid = g_utf8_make_valid ((const char *) s, (gssize) len);
  for (char *q = valid; *q; q++)
    if ((guchar) *q < 0x20 || *q == 0x7f)
      *q = '?';
  return g_steal_pointer (&valid);
}

static PStatus
p_text_to_eol (Parser *ps, char **out)
{
  const guint8 *begin = ps->p;
  for (;;) {
    guint8 c;
    PStatus st = p_peek (ps, &c);
    if (st != P_OK)
      return st;
    if (c == '\r' || c == '\n')
      break;
    ps->p++;
  }
  *out = sanitize_text (begin, (gsize) (ps->p - begin));
  return P_OK;
}

/* resp-text = ["[" resp-text-code "]" SP] text */
static PStatus
p_resp_text (Parser *ps, CpmImapResponse *r)
{
  guint8 c;
  PStatus st = p_peek (ps, &c);
  if (st != P_OK)
    return st;
  if (c == '[') {
    ps->p++;
    char *code = NULL;
    if ((st = p_atom (ps, FALSE, &code)) != P_OK)
      return st;
    r->code = g_ascii_strup (code, -1);
    g_free (code);
    if ((st = p_peek (ps, &c)) != P_OK)
      return st;
    if (c == ' ') {
      ps->p++;
      const guint8 *begin = ps->p;
      gboolean quoted = FALSE;
      for (;;) {
        if ((st = p_peek (ps, &c)) != P_OK)
          return st;
        if (c == '\r' || c == '\n')
          return p_fail (ps, "unclosed '[' in response code");
        if (c == '"')
          quoted = !quoted;
        else if (c == '\\' && quoted && ps->p + 1 < ps->end)
          ps->p++;
        else if (c == ']' && !quoted)
          break;
        ps->p++;
      }
      r->code_args = sanitize_text (begin, (gsize) (ps->p - begin));
    }
    if ((st = p_peek (ps, &c)) != P_OK)
      return st;
    if (c != ']')
      return p_fail (ps, "']' expected after response code");
    ps->p++;
    if ((st = p_peek (ps, &c)) != P_OK)
      return st;
    if (c == ' ')
      ps->p++;
  }
  return p_text_to_eol (ps, &r->text);
}

static CpmImapStatus
status_from_keyword (const char *kw)
{
  static const struct { const char *name; CpmImapStatus status; } map[] = {
    { "OK", CPM_IMAP_STATUS_OK }, { "NO", CPM_IMAP_STATUS_NO },
    { "BAD", CPM_IMAP_STATUS_BAD }, { "PREAUTH", CPM_IMAP_STATUS_PREAUTH },
    { "BYE", CPM_IMAP_STATUS_BYE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_ascii_strcasecmp (kw, map[i].name) == 0)
      return map[i].status;
  return CPM_IMAP_STATUS_NONE;
}

/* "* ..." after the star and its space. */
static PStatus
p_untagged (Parser *ps, CpmImapResponse *r)
{
  guint8 c;
  PStatus st = p_peek (ps, &c);
  if (st != P_OK)
    return st;
  if (g_ascii_isdigit (c)) {
    if ((st = p_number_digits (ps, &r->number, G_MAXUINT32)) != P_OK)
      return st;
    r->has_number = TRUE;
    if ((st = p_sp (ps)) != P_OK)
      return st;
  }
  char *kw = NULL;
  if ((st = p_atom (ps, FALSE, &kw)) != P_OK)
    return st;
  r->keyword = g_ascii_strup (kw, -1);
  g_free (kw);
  r->status = r->has_number ? CPM_IMAP_STATUS_NONE : status_from_keyword (r->keyword);
  if (r->status != CPM_IMAP_STATUS_NONE) {
    if ((st = p_peek (ps, &c)) != P_OK)
      return st;
    if (c == ' ')
      ps->p++;
    return p_resp_text (ps, r);
  }
  return p_values (ps, r->values, FALSE);
}

static PStatus
p_response (Parser *ps, CpmImapResponse *r)
{
  guint8 c;
  PStatus st = p_peek (ps, &c);
  if (st != P_OK)
    return st;
  if (c == '+') {
    r->kind = CPM_IMAP_RESPONSE_CONTINUE;
    ps->p++;
    if ((st = p_peek (ps, &c)) != P_OK)
      return st;
    if (c == ' ')
      ps->p++;
    /* The rest is resp-text or base64; both read as text here. */
    st = p_text_to_eol (ps, &r->text);
  } else if (c == '*') {
    r->kind = CPM_IMAP_RESPONSE_UNTAGGED;
    ps->p++;
    if ((st = p_sp (ps)) != P_OK)
      return st;
    st = p_untagged (ps, r);
  } else {
    r->kind = CPM_IMAP_RESPONSE_TAGGED;
    if ((st = p_atom (ps, FALSE, &r->tag)) != P_OK)
      return st;
    if ((st = p_sp (ps)) != P_OK)
      return st;
    char *kw = NULL;
    if ((st = p_atom (ps, FALSE, &kw)) != P_OK)
      return st;
    r->status = status_from_keyword (kw);
    r->keyword = g_ascii_strup (kw, -1);
    g_free (kw);
    if (r->status != CPM_IMAP_STATUS_OK && r->status != CPM_IMAP_STATUS_NO &&
        r->status != CPM_IMAP_STATUS_BAD)
      return p_fail (ps, "tagged response is not OK, NO or BAD");
    if ((st = p_peek (ps, &c)) != P_OK)
      return st;
    if (c == ' ')
      ps->p++;
    st = p_resp_text (ps, r);
  }
  if (st != P_OK)
    return st;
  gboolean eol;
  if ((st = p_eol (ps, &eol)) != P_OK)
    return st;
  if (!eol)
    return p_fail (ps, "line end expected at offset %" G_GSIZE_FORMAT, p_offset (ps));
  return P_OK;
}

void
cpm_imap_response_free (CpmImapResponse *r)
{
  if (r == NULL)
    return;
  g_free (r->tag);
  g_free (r->code);
  g_free (r->code_args);
  g_free (r->text);
  g_free (r->keyword);
  if (r->values)
    g_ptr_array_unref (r->values);
  g_free (r);
}

CpmImapParseResult
cpm_imap_parse_response (const guint8 *data, gsize len, gsize *consumed, gsize *needed,
                         CpmImapResponse **response, GError **error)
{
  Parser ps = { .start = data, .p = data, .end = data + len };
  g_autoptr(CpmImapResponse) r = g_new0 (CpmImapResponse, 1);
  r->values = g_ptr_array_new_with_free_func ((GDestroyNotify) cpm_imap_value_free);
  *response = NULL;
  *consumed = 0;
  *needed = 0;
  if (data == NULL && len > 0) {
    g_set_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_PROTOCOL, "no data");
    return CPM_IMAP_PARSE_ERROR;
  }
  switch (p_response (&ps, r)) {
  case P_OK:
    *consumed = p_offset (&ps);
    *response = g_steal_pointer (&r);
    return CPM_IMAP_PARSE_OK;
  case P_MORE:
    *needed = ps.needed;
    return CPM_IMAP_PARSE_INCOMPLETE;
  case P_ERR:
  default:
    g_set_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_PROTOCOL,
                 "malformed server response: %s", ps.why ? ps.why : "?");
    g_free (ps.why);
    return CPM_IMAP_PARSE_ERROR;
  }
}

static gboolean
parse_u32 (const char **s, guint32 *out)
{
  guint64 n = 0;
  const char *q = *s;
  if (!g_ascii_isdigit (*q))
    return FALSE;
  for (; g_ascii_isdigit (*q); q++) {
    n = n * 10 + (guint64) (*q - '0');
    if (n > G_MAXUINT32)
      return FALSE;
  }
  *s = q;
  *out = (guint32) n;
  return TRUE;
}

/* resp-code-apnd = "APPENDUID" SP nz-number SP append-uid (RFC 4315
 * section 3); with MULTIAPPEND, append-uid is a uid-set ("4:6,9"). */
gboolean
cpm_imap_parse_appenduid (const char *args, guint32 *uidvalidity, GArray *uids, GError **error)
{
  const char *s = args;
  if (s == NULL || !parse_u32 (&s, uidvalidity) || *uidvalidity == 0 || *s++ != ' ')
    goto bad;
  for (;;) {
    guint32 a, b;
    if (!parse_u32 (&s, &a) || a == 0)
      goto bad;
    b = a;
    if (*s == ':') {
      s++;
      if (!parse_u32 (&s, &b) || b == 0)
        goto bad;
    }
    guint32 lo = MIN (a, b), hi = MAX (a, b);
    /* A range can name four billion UIDs; no append made that many. */
    if (hi - lo > 100000)
      goto bad;
    for (guint64 u = lo; u <= hi; u++) {
      guint32 v = (guint32) u;
      g_array_append_val (uids, v);
    }
    if (*s == '\0')
      return TRUE;
    if (*s++ != ',')
      goto bad;
  }
bad:
  g_set_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_PROTOCOL,
               "malformed APPENDUID response code \"%s\"", args ? args : "");
  return FALSE;
}

/* ------------------------------------------------------------------------ */
/* Command formatting                                                       */

char *
cpm_imap_quote (const char *s)
{
  GString *q = g_string_new ("\"");
  for (; *s; s++) {
    guchar c = (guchar) *s;
    if (c == '\r' || c == '\n' || c >= 0x80) {
      g_string_free (q, TRUE);
      return NULL;
    }
    if (c == '"' || c == '\\')
      g_string_append_c (q, '\\');
    g_string_append_c (q, (char) c);
  }
  g_string_append_c (q, '"');
  return g_string_free (q, FALSE);
}

char *
cpm_imap_format_date (GDateTime *date)
{
  gint64 offset = g_date_time_get_utc_offset (date) / G_TIME_SPAN_MINUTE;
  char sign = offset < 0 ? '-' : '+';
  if (offset < 0)
    offset = -offset;
  return g_strdup_printf ("%2d-%s-%04d %02d:%02d:%02d %c%02d%02d",
                          g_date_time_get_day_of_month (date),
                          cpm_month_names[g_date_time_get_month (date) - 1],
                          g_date_time_get_year (date), g_date_time_get_hour (date),
                          g_date_time_get_minute (date), g_date_time_get_second (date),
                          sign, (int) (offset / 60), (int) (offset % 60));
}

/* Mailbox names travel in modified UTF-7 (RFC 3501 section 5.1.3): printable
 * ASCII as is, "&" as "&-", anything else as "&" modified-base64 of UTF-16BE
 * "-". GLib's base64 uses '/', which becomes ','. */
static char *
mutf7_encode (const char *utf8, GError **error)
{
  GString *out = g_string_new (NULL);
  const char *s = utf8;
  if (!g_utf8_validate (utf8, -1, NULL)) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE,
                 "folder name \"%s\" is not UTF-8", utf8);
    return g_string_free (out, TRUE), NULL;
  }
  while (*s) {
    guchar c = (guchar) *s;
    if (c >= 0x20 && c <= 0x7e) {
      g_string_append (out, c == '&' ? "&-" : (char[]) { (char) c, 0 });
      s++;
      continue;
    }
    g_autoptr(GByteArray) u16 = g_byte_array_new ();
    while (*s && !((guchar) *s >= 0x20 && (guchar) *s <= 0x7e)) {
      gunichar ch = g_utf8_get_char (s);
      gunichar2 units[2];
      int n = 1;
      if (ch >= 0x10000) {
        ch -= 0x10000;
        units[0] = (gunichar2) (0xd800 + (ch >> 10));
        units[1] = (gunichar2) (0xdc00 + (ch & 0x3ff));
        n = 2;
      } else {
        units[0] = (gunichar2) ch;
      }
      for (int i = 0; i < n; i++) {
        guint8 be[2] = { (guint8) (units[i] >> 8), (guint8) (units[i] & 0xff) };
        g_byte_array_append (u16, be, 2);
      }
      s = g_utf8_next_char (s);
    }
    g_autofree char *b64 = g_base64_encode (u16->data, u16->len);
    g_string_append_c (out, '&');
    for (char *q = b64; *q && *q != '='; q++)
      g_string_append_c (out, *q == '/' ? ',' : *q);
    g_string_append_c (out, '-');
  }
  return g_string_free (out, FALSE);
}

/* A command is text with literals in between. */
typedef struct {
  GPtrArray *parts;    /* GBytes* */
  GArray *is_literal;  /* gboolean per part */
  GString *text;       /* text being collected */
} Cmd;

static void
cmd_init (Cmd *cmd)
{
  cmd->parts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  cmd->is_literal = g_array_new (FALSE, FALSE, sizeof (gboolean));
  cmd->text = g_string_new (NULL);
}

static void
cmd_clear (Cmd *cmd)
{
  g_ptr_array_unref (cmd->parts);
  g_array_unref (cmd->is_literal);
  g_string_free (cmd->text, TRUE);
}

static void
cmd_flush_text (Cmd *cmd)
{
  if (cmd->text->len == 0)
    return;
  gboolean no = FALSE;
  g_ptr_array_add (cmd->parts, g_bytes_new (cmd->text->str, cmd->text->len));
  g_array_append_val (cmd->is_literal, no);
  g_string_truncate (cmd->text, 0);
}

static void
cmd_literal (Cmd *cmd, GBytes *data)
{
  gboolean yes = TRUE;
  cmd_flush_text (cmd);
  g_ptr_array_add (cmd->parts, g_bytes_ref (data));
  g_array_append_val (cmd->is_literal, yes);
}

/* An astring: quoted when it can be, else a literal. */
static void
cmd_astring (Cmd *cmd, const char *s)
{
  g_autofree char *q = cpm_imap_quote (s);
  if (q) {
    g_string_append (cmd->text, q);
    return;
  }
  g_autoptr(GBytes) b = g_bytes_new (s, strlen (s));
  cmd_literal (cmd, b);
}

/* ------------------------------------------------------------------------ */
/* The client                                                               */

struct _CpmImapClient {
  gint ref_count;
  GSocketClient *socket_client;
  GSocketConnection *socket;
  GIOStream *stream; /* socket, or the TLS connection over it */
  GTlsDatabase *database;
  CpmImapConnectFlags flags;
  char *host;
  guint16 port;
  guint timeout;
  gboolean connected, authenticated, tls;
  GByteArray *in;      /* received, not yet parsed */
  GHashTable *caps;    /* upper-cased capability names */
  guint next_tag;
  char separator;
  gboolean separator_known;
  GHashTable *created; /* folders known to exist */
  char *selected;      /* server-side name of the selected folder */
  guint32 selected_uidvalidity;
  guint32 selected_exists; /* its message count, as EXISTS said last */
  char *bye;           /* text of an untagged BYE */
};

CpmImapClient *
cpm_imap_client_new (void)
{
  CpmImapClient *c = g_new0 (CpmImapClient, 1);
  c->ref_count = 1;
  c->timeout = 60;
  c->in = g_byte_array_new ();
  c->caps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  c->created = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return c;
}

CpmImapClient *
cpm_imap_client_ref (CpmImapClient *client)
{
  g_return_val_if_fail (client != NULL, NULL);
  g_atomic_int_inc (&client->ref_count);
  return client;
}

static void
client_close (CpmImapClient *c)
{
  if (c->stream)
    g_io_stream_close (c->stream, NULL, NULL);
  g_clear_object (&c->stream);
  g_clear_object (&c->socket);
  c->connected = FALSE;
  c->authenticated = FALSE;
  g_clear_pointer (&c->selected, g_free);
}

void
cpm_imap_client_unref (CpmImapClient *client)
{
  if (client == NULL || !g_atomic_int_dec_and_test (&client->ref_count))
    return;
  client_close (client);
  g_clear_object (&client->socket_client);
  g_clear_object (&client->database);
  g_free (client->host);
  g_byte_array_unref (client->in);
  g_hash_table_unref (client->caps);
  g_hash_table_unref (client->created);
  g_free (client->bye);
  g_free (client);
}

gboolean
cpm_imap_client_set_ca_file (CpmImapClient *client, const char *path, GError **error)
{
  g_return_val_if_fail (client != NULL, FALSE);
  g_clear_object (&client->database);
  if (path == NULL)
    return TRUE;
  client->database = g_tls_file_database_new (path, error);
  return client->database != NULL;
}

void
cpm_imap_client_set_timeout (CpmImapClient *client, guint seconds)
{
  g_return_if_fail (client != NULL);
  client->timeout = seconds;
}

gboolean
cpm_imap_client_is_tls (CpmImapClient *client)
{
  g_return_val_if_fail (client != NULL, FALSE);
  return client->tls;
}

gboolean
cpm_imap_client_has_capability (CpmImapClient *client, const char *name)
{
  g_return_val_if_fail (client != NULL && name != NULL, FALSE);
  g_autofree char *up = g_ascii_strup (name, -1);
  return g_hash_table_contains (client->caps, up);
}

static void
set_capabilities_from_words (CpmImapClient *c, const char *words)
{
  g_hash_table_remove_all (c->caps);
  g_auto(GStrv) v = g_strsplit (words, " ", -1);
  for (char **w = v; *w; w++)
    if (**w)
      g_hash_table_add (c->caps, g_ascii_strup (*w, -1));
}

static void
set_capabilities_from_values (CpmImapClient *c, GPtrArray *values)
{
  g_hash_table_remove_all (c->caps);
  for (guint i = 0; i < values->len; i++) {
    CpmImapValue *v = values->pdata[i];
    if (v->type == CPM_IMAP_VALUE_ATOM)
      g_hash_table_add (c->caps, g_ascii_strup (v->atom, -1));
  }
}

/* Any response may carry capabilities: take them. */
static void
note_response (CpmImapClient *c, CpmImapResponse *r)
{
  if (r->code && strcmp (r->code, "CAPABILITY") == 0 && r->code_args)
    set_capabilities_from_words (c, r->code_args);
  if (r->kind == CPM_IMAP_RESPONSE_UNTAGGED && r->status == CPM_IMAP_STATUS_NONE &&
      !r->has_number && g_strcmp0 (r->keyword, "CAPABILITY") == 0)
    set_capabilities_from_values (c, r->values);
  if (r->kind == CPM_IMAP_RESPONSE_UNTAGGED && r->has_number &&
      g_strcmp0 (r->keyword, "EXISTS") == 0)
    c->selected_exists = (guint32) r->number;
  if (r->kind == CPM_IMAP_RESPONSE_UNTAGGED && r->status == CPM_IMAP_STATUS_BYE) {
    g_free (c->bye);
    c->bye = g_strdup (r->text ? r->text : "");
  }
}

static void
set_closed_error (CpmImapClient *c, GError **error, const char *why)
{
  if (c->bye)
    g_set_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_CLOSED,
                 "server closed the connection: BYE %s", c->bye);
  else
    g_set_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_CLOSED,
                 "connection to %s lost: %s", c->host ? c->host : "server", why);
  client_close (c);
}

static CpmImapResponse *
read_response (CpmImapClient *c, GError **error)
{
  if (!c->connected) {
    set_closed_error (c, error, "not connected");
    return NULL;
  }
  GInputStream *in = g_io_stream_get_input_stream (c->stream);
  for (;;) {
    gsize consumed = 0, needed = 0;
    CpmImapResponse *r = NULL;
    g_autoptr(GError) perr = NULL;
    switch (cpm_imap_parse_response (c->in->data, c->in->len, &consumed, &needed, &r, &perr)) {
    case CPM_IMAP_PARSE_OK:
      g_byte_array_remove_range (c->in, 0, (guint) consumed);
      note_response (c, r);
      return r;
    case CPM_IMAP_PARSE_ERROR:
      g_propagate_error (error, g_steal_pointer (&perr));
      client_close (c);
      return NULL;
    case CPM_IMAP_PARSE_INCOMPLETE:
    default:
      break;
    }
    /* Read at least what the parser asked for, in chunks of up to 1 MiB. */
    gsize want = needed > c->in->len ? needed - c->in->len : 1;
    want = CLAMP (want, 16384, 1024 * 1024);
    guint old = c->in->len;
    g_byte_array_set_size (c->in, old + (guint) want);
    g_autoptr(GError) ioerr = NULL;
    gssize n = g_input_stream_read (in, c->in->data + old, want, NULL, &ioerr);
    g_byte_array_set_size (c->in, old + (guint) MAX (n, 0));
    if (n <= 0) {
      set_closed_error (c, error, n == 0 ? "end of stream" : ioerr->message);
      return NULL;
    }
  }
}

static gboolean
write_all (CpmImapClient *c, const void *data, gsize len, GError **error)
{
  g_autoptr(GError) ioerr = NULL;
  if (!c->connected) {
    set_closed_error (c, error, "not connected");
    return FALSE;
  }
  GOutputStream *out = g_io_stream_get_output_stream (c->stream);
  if (!g_output_stream_write_all (out, data, len, NULL, NULL, &ioerr) ||
      !g_output_stream_flush (out, NULL, &ioerr)) {
    set_closed_error (c, error, ioerr->message);
    return FALSE;
  }
  return TRUE;
}

typedef void (*UntaggedFunc) (CpmImapClient *c, CpmImapResponse *r, gpointer data);

/* Waits for a continuation request ("+"). A tagged answer instead means the
 * server refused the command early: it is returned in *early. */
static gboolean
wait_continuation (CpmImapClient *c, const char *tag, UntaggedFunc fn, gpointer data,
                   CpmImapResponse **early, GError **error)
{
  for (;;) {
    g_autoptr(CpmImapResponse) r = read_response (c, error);
    if (r == NULL)
      return FALSE;
    if (r->kind == CPM_IMAP_RESPONSE_CONTINUE)
      return TRUE;
    if (r->kind == CPM_IMAP_RESPONSE_TAGGED) {
      if (g_strcmp0 (r->tag, tag) != 0) {
        g_set_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_PROTOCOL,
                     "answer for unknown tag %s", r->tag);
        client_close (c);
        return FALSE;
      }
      *early = g_steal_pointer (&r);
      return TRUE;
    }
    if (fn)
      fn (c, r, data);
  }
}

/* Sends @cmd and returns the tagged answer; untagged responses go to @fn.
 * Literals are non-synchronizing with LITERAL+ (RFC 7888), else the client
 * waits for "+" before each one (RFC 3501 section 4.3). */
static CpmImapResponse *
run_command (CpmImapClient *c, Cmd *cmd, UntaggedFunc fn, gpointer data, GError **error)
{
  g_autofree char *tag = g_strdup_printf ("C%u", ++c->next_tag);
  gboolean plus_any = cpm_imap_client_has_capability (c, "LITERAL+");
  gboolean plus_small = cpm_imap_client_has_capability (c, "LITERAL-");
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  cmd_flush_text (cmd);
  g_byte_array_append (wire, (const guint8 *) tag, (guint) strlen (tag));
  g_byte_array_append (wire, (const guint8 *) " ", 1);
  for (guint i = 0; i < cmd->parts->len; i++) {
    gsize len;
    const guint8 *bytes = g_bytes_get_data (cmd->parts->pdata[i], &len);
    if (!g_array_index (cmd->is_literal, gboolean, i)) {
      g_byte_array_append (wire, bytes, (guint) len);
      continue;
    }
    /* LITERAL- allows non-synchronizing literals up to 4096 bytes. */
    gboolean plus = plus_any || (plus_small && len <= 4096);
    /* literal8 (RFC 3516) for bytes an IMAP literal must not hold. */
    gboolean binary = len > 0 && memchr (bytes, '\0', len) != NULL;
    g_autofree char *head = g_strdup_printf ("%s{%" G_GSIZE_FORMAT "%s}\r\n", binary ? "~" : "",
                                             len, plus ? "+" : "");
    g_byte_array_append (wire, (const guint8 *) head, (guint) strlen (head));
    if (!plus) {
      CpmImapResponse *early = NULL;
      if (!write_all (c, wire->data, wire->len, error) ||
          !wait_continuation (c, tag, fn, data, &early, error))
        return NULL;
      if (early)
        return early;
      g_byte_array_set_size (wire, 0);
    }
    if (!write_all (c, wire->data, wire->len, error) || !write_all (c, bytes, len, error))
      return NULL;
    g_byte_array_set_size (wire, 0);
  }
  g_byte_array_append (wire, (const guint8 *) "\r\n", 2);
  if (!write_all (c, wire->data, wire->len, error))
    return NULL;
  for (;;) {
    CpmImapResponse *r = read_response (c, error);
    if (r == NULL)
      return NULL;
    if (r->kind == CPM_IMAP_RESPONSE_TAGGED) {
      if (g_strcmp0 (r->tag, tag) == 0)
        return r;
      cpm_imap_response_free (r);
      g_set_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_PROTOCOL, "answer for unknown tag");
      client_close (c);
      return NULL;
    }
    if (r->kind == CPM_IMAP_RESPONSE_CONTINUE) {
      /* Only AUTHENTICATE expects these; elsewhere the server is confused. */
      cpm_imap_response_free (r);
      g_set_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_PROTOCOL,
                   "unexpected continuation request");
      client_close (c);
      return NULL;
    }
    if (fn)
      fn (c, r, data);
    cpm_imap_response_free (r);
  }
}

/* Turns a tagged NO/BAD into an error with the server's own text. */
static gboolean
check_ok (CpmImapResponse *r, const char *what, GError **error)
{
  if (r->status == CPM_IMAP_STATUS_OK)
    return TRUE;
  CpmImapError code = r->status == CPM_IMAP_STATUS_BAD ? CPM_IMAP_ERROR_BAD : CPM_IMAP_ERROR_NO;
  if (g_strcmp0 (r->code, "OVERQUOTA") == 0)
    code = CPM_IMAP_ERROR_OVERQUOTA;
  else if (g_strcmp0 (r->code, "TRYCREATE") == 0)
    code = CPM_IMAP_ERROR_TRYCREATE;
  else if (g_strcmp0 (r->code, "AUTHENTICATIONFAILED") == 0 ||
           g_strcmp0 (r->code, "AUTHORIZATIONFAILED") == 0)
    code = CPM_IMAP_ERROR_AUTH;
  g_autoptr(GString) msg = g_string_new (NULL);
  g_string_printf (msg, "%s: server answered %s", what, r->keyword ? r->keyword : "?");
  if (r->code)
    g_string_append_printf (msg, " [%s%s%s]", r->code, r->code_args ? " " : "",
                            r->code_args ? r->code_args : "");
  if (r->text && *r->text)
    g_string_append_printf (msg, " %s", r->text);
  g_set_error_literal (error, CPM_IMAP_ERROR, code, msg->str);
  return FALSE;
}

static gboolean
simple_command (CpmImapClient *c, const char *text, const char *what, GError **error)
{
  Cmd cmd;
  cmd_init (&cmd);
  g_string_append (cmd.text, text);
  g_autoptr(CpmImapResponse) r = run_command (c, &cmd, NULL, NULL, error);
  cmd_clear (&cmd);
  return r != NULL && check_ok (r, what, error);
}

static gboolean
accept_any_certificate (GTlsConnection *conn, GTlsCertificate *cert,
                        GTlsCertificateFlags errors, gpointer data)
{
  (void) conn, (void) cert, (void) errors, (void) data;
  return TRUE;
}

static gboolean
start_tls (CpmImapClient *c, GCancellable *cancellable, GError **error)
{
  g_autoptr(GError) err = NULL;
  g_autoptr(GSocketConnectable) identity = g_network_address_new (c->host, c->port);
  GIOStream *tls = g_tls_client_connection_new (G_IO_STREAM (c->socket), identity, &err);
  if (tls == NULL) {
    g_set_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_TLS,
                 "TLS is not available: %s (is glib-networking installed?)", err->message);
    return FALSE;
  }
  if (c->database)
    g_tls_connection_set_database (G_TLS_CONNECTION (tls), c->database);
  if (c->flags & CPM_IMAP_CONNECT_INSECURE)
    g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
  if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), cancellable, &err)) {
    g_set_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_TLS, "TLS with %s:%u failed: %s%s",
                 c->host, c->port, err->message,
                 g_error_matches (err, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE)
                     ? " (use --insecure for a test server, or give its CA)"
                     : "");
    g_object_unref (tls);
    client_close (c);
    return FALSE;
  }
  g_clear_object (&c->stream);
  c->stream = tls;
  c->tls = TRUE;
  return TRUE;
}

static gboolean
parse_url (CpmImapClient *c, const char *url, gboolean *implicit_tls, GError **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *scheme = uri ? g_uri_get_scheme (uri) : NULL;
  if (scheme == NULL || (g_ascii_strcasecmp (scheme, "imap") != 0 &&
                         g_ascii_strcasecmp (scheme, "imaps") != 0) ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0') {
    g_set_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_URL,
                 "\"%s\" is not an imap://HOST[:PORT] or imaps://HOST[:PORT] URL", url);
    return FALSE;
  }
  *implicit_tls = g_ascii_strcasecmp (scheme, "imaps") == 0;
  int port = g_uri_get_port (uri);
  g_free (c->host);
  c->host = g_strdup (g_uri_get_host (uri));
  c->port = (guint16) (port > 0 && port < 65536 ? port : (*implicit_tls ? 993 : 143));
  return TRUE;
}

static gboolean
read_greeting (CpmImapClient *c, GError **error)
{
  g_autoptr(CpmImapResponse) r = read_response (c, error);
  if (r == NULL)
    return FALSE;
  if (r->kind != CPM_IMAP_RESPONSE_UNTAGGED ||
      (r->status != CPM_IMAP_STATUS_OK && r->status != CPM_IMAP_STATUS_PREAUTH)) {
    if (r->status == CPM_IMAP_STATUS_BYE)
      set_closed_error (c, error, "refused");
    else
      g_set_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_PROTOCOL,
                   "%s:%u does not greet like an IMAP server", c->host, c->port);
    client_close (c);
    return FALSE;
  }
  c->authenticated = r->status == CPM_IMAP_STATUS_PREAUTH;
  return TRUE;
}

static gboolean
refresh_capabilities (CpmImapClient *c, GError **error)
{
  return simple_command (c, "CAPABILITY", "CAPABILITY", error);
}

gboolean
cpm_imap_client_connect (CpmImapClient *client, const char *url, CpmImapConnectFlags flags,
                         GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (client != NULL && url != NULL, FALSE);
  CpmImapClient *c = client;
  gboolean implicit_tls;
  client_close (c);
  g_byte_array_set_size (c->in, 0);
  g_hash_table_remove_all (c->caps);
  g_hash_table_remove_all (c->created);
  g_clear_pointer (&c->bye, g_free);
  c->separator_known = FALSE;
  c->tls = FALSE;
  c->flags = flags;
  if (!parse_url (c, url, &implicit_tls, error))
    return FALSE;
  if (c->socket_client == NULL)
    c->socket_client = g_socket_client_new ();
  g_socket_client_set_timeout (c->socket_client, c->timeout);
  g_autoptr(GError) err = NULL;
  c->socket = g_socket_client_connect_to_host (c->socket_client, c->host, c->port,
                                               cancellable, &err);
  if (c->socket == NULL) {
    g_set_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_CLOSED, "cannot connect to %s:%u: %s",
                 c->host, c->port, err->message);
    return FALSE;
  }
  c->stream = G_IO_STREAM (g_object_ref (c->socket));
  c->connected = TRUE;
  if (implicit_tls && !start_tls (c, cancellable, error))
    return FALSE;
  if (!read_greeting (c, error))
    return FALSE;
  if (g_hash_table_size (c->caps) == 0 && !refresh_capabilities (c, error))
    return FALSE;
  if (!c->tls && !c->authenticated && cpm_imap_client_has_capability (c, "STARTTLS")) {
    if (!simple_command (c, "STARTTLS", "STARTTLS", error))
      return FALSE;
    /* Bytes after the OK were sent in clear text by someone: refuse them
     * rather than let them pass as part of the encrypted session. */
    if (c->in->len > 0) {
      g_set_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_PROTOCOL,
                   "data injected after STARTTLS");
      client_close (c);
      return FALSE;
    }
    if (!start_tls (c, cancellable, error))
      return FALSE;
    g_hash_table_remove_all (c->caps);
    if (!refresh_capabilities (c, error))
      return FALSE;
  }
  if (!c->tls && (flags & CPM_IMAP_CONNECT_REQUIRE_TLS)) {
    g_set_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_TLS,
                 "%s:%u offers no STARTTLS and TLS is required", c->host, c->port);
    client_close (c);
    return FALSE;
  }
  return TRUE;
}

static gboolean
authenticate_plain (CpmImapClient *c, const char *user, const char *password,
                    CpmImapResponse **answer, GError **error)
{
  /* RFC 4616: authzid NUL authcid NUL passwd; the authzid stays empty. */
  gsize ulen = strlen (user), plen = strlen (password);
  gsize len = 2 + ulen + plen;
  g_autofree guint8 *msg = g_malloc (len);
  msg[0] = 0;
  memcpy (msg + 1, user, ulen);
  msg[1 + ulen] = 0;
  memcpy (msg + 2 + ulen, password, plen);
  g_autofree char *b64 = g_base64_encode (msg, len);
  memset (msg, 0, len);
  g_autofree char *tag = g_strdup_printf ("C%u", ++c->next_tag);
  g_autofree char *line = NULL;
  gboolean ir = cpm_imap_client_has_capability (c, "SASL-IR");
  if (ir)
    line = g_strdup_printf ("%s AUTHENTICATE PLAIN %s\r\n", tag, b64);
  else
    line = g_strdup_printf ("%s AUTHENTICATE PLAIN\r\n", tag);
  gboolean ok = write_all (c, line, strlen (line), error);
  memset (line, 0, strlen (line));
  if (ok && !ir) {
    CpmImapResponse *early = NULL;
    ok = wait_continuation (c, tag, NULL, NULL, &early, error);
    if (ok && early) {
      *answer = early;
      memset (b64, 0, strlen (b64));
      return TRUE;
    }
    if (ok) {
      g_autofree char *l2 = g_strdup_printf ("%s\r\n", b64);
      ok = write_all (c, l2, strlen (l2), error);
      memset (l2, 0, strlen (l2));
    }
  }
  memset (b64, 0, strlen (b64));
  while (ok) {
    CpmImapResponse *r = read_response (c, error);
    if (r == NULL)
      return FALSE;
    if (r->kind == CPM_IMAP_RESPONSE_TAGGED && g_strcmp0 (r->tag, tag) == 0) {
      *answer = r;
      return TRUE;
    }
    if (r->kind == CPM_IMAP_RESPONSE_CONTINUE) {
      /* A second challenge: PLAIN has none. Cancel the exchange. */
      ok = write_all (c, "*\r\n", 3, error);
    }
    cpm_imap_response_free (r);
  }
  return FALSE;
}

gboolean
cpm_imap_client_login (CpmImapClient *client, const char *user, const char *password,
                       GError **error)
{
  g_return_val_if_fail (client != NULL && user != NULL && password != NULL, FALSE);
  CpmImapClient *c = client;
  if (c->authenticated)
    return TRUE;
  g_autoptr(CpmImapResponse) r = NULL;
  const char *how;
  if (cpm_imap_client_has_capability (c, "AUTH=PLAIN")) {
    how = "AUTHENTICATE PLAIN";
    if (!authenticate_plain (c, user, password, &r, error))
      return FALSE;
  } else if (!cpm_imap_client_has_capability (c, "LOGINDISABLED")) {
    how = "LOGIN";
    Cmd cmd;
    cmd_init (&cmd);
    g_string_append (cmd.text, "LOGIN ");
    cmd_astring (&cmd, user);
    g_string_append_c (cmd.text, ' ');
    cmd_astring (&cmd, password);
    r = run_command (c, &cmd, NULL, NULL, error);
    /* The password sat in the command buffer: wipe it. */
    for (guint i = 0; i < cmd.parts->len; i++) {
      gsize n;
      guint8 *b = (guint8 *) g_bytes_get_data (cmd.parts->pdata[i], &n);
      if (b && n)
        memset (b, 0, n);
    }
    cmd_clear (&cmd);
    if (r == NULL)
      return FALSE;
  } else {
    g_set_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_AUTH,
                 "%s:%u allows neither AUTHENTICATE PLAIN nor LOGIN here%s", c->host, c->port,
                 c->tls ? "" : " (it wants TLS: use imaps://)");
    return FALSE;
  }
  if (r->status != CPM_IMAP_STATUS_OK) {
    g_autoptr(GError) e = NULL;
    check_ok (r, how, &e);
    g_set_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_AUTH, "login as %s refused: %s", user,
                 e->message);
    return FALSE;
  }
  c->authenticated = TRUE;
  /* Capabilities change after login; take them from the OK or ask. */
  if (!(r->code && strcmp (r->code, "CAPABILITY") == 0))
    return refresh_capabilities (c, error);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Folders                                                                  */

typedef struct {
  char separator;
  gboolean seen;
  gboolean flat;
  const char *want;  /* LIST name to look for, or NULL */
  gboolean found;
} ListState;

static gboolean
value_string_equal (CpmImapValue *v, const char *s)
{
  if (v->type == CPM_IMAP_VALUE_ATOM)
    return g_ascii_strcasecmp (v->atom, s) == 0 && (g_ascii_strcasecmp (s, "INBOX") == 0 ||
                                                     strcmp (v->atom, s) == 0);
  if (v->type == CPM_IMAP_VALUE_STRING) {
    gsize n;
    const char *d = g_bytes_get_data (v->string, &n);
    return n == strlen (s) && (n == 0 || memcmp (d, s, n) == 0);
  }
  return FALSE;
}

static void
on_list (CpmImapClient *c, CpmImapResponse *r, gpointer data)
{
  ListState *st = data;
  (void) c;
  if (r->status != CPM_IMAP_STATUS_NONE || g_strcmp0 (r->keyword, "LIST") != 0 ||
      r->values->len < 3)
    return;
  CpmImapValue *sep = r->values->pdata[1];
  if (!st->seen) {
    st->seen = TRUE;
    if (sep->type == CPM_IMAP_VALUE_STRING && g_bytes_get_size (sep->string) == 1)
      st->separator = *(const char *) g_bytes_get_data (sep->string, NULL);
    else
      st->flat = TRUE;
  }
  if (st->want && value_string_equal (r->values->pdata[2], st->want))
    st->found = TRUE;
}

char
cpm_imap_client_get_separator (CpmImapClient *client, GError **error)
{
  g_return_val_if_fail (client != NULL, 0);
  CpmImapClient *c = client;
  if (c->separator_known)
    return c->separator;
  ListState st = { 0 };
  Cmd cmd;
  cmd_init (&cmd);
  g_string_append (cmd.text, "LIST \"\" \"\"");
  g_autoptr(CpmImapResponse) r = run_command (c, &cmd, on_list, &st, error);
  cmd_clear (&cmd);
  if (r == NULL || !check_ok (r, "LIST", error))
    return 0;
  c->separator_known = TRUE;
  c->separator = st.flat ? 0 : st.separator;
  return c->separator;
}

/* The server-side name of @folder ("a/b" with the server's separator, in
 * modified UTF-7). */
static char *
server_name (CpmImapClient *c, const char *folder, GError **error)
{
  if (folder == NULL || *folder == '\0') {
    g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE, "empty folder name");
    return NULL;
  }
  GError *err = NULL;
  char sep = cpm_imap_client_get_separator (c, &err);
  if (err) {
    g_propagate_error (error, err);
    return NULL;
  }
  g_autofree char *name = g_strdup (folder);
  if (sep != '/') {
    if (sep != 0 && strchr (folder, sep)) {
      g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE,
                   "folder \"%s\" contains the server's hierarchy separator '%c'", folder, sep);
      return NULL;
    }
    if (sep == 0 && strchr (folder, '/')) {
      g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE,
                   "the server has no folder hierarchy for \"%s\"", folder);
      return NULL;
    }
    for (char *q = name; *q; q++)
      if (*q == '/')
        *q = sep;
  }
  return mutf7_encode (name, error);
}

static gboolean
folder_listed (CpmImapClient *c, const char *name, GError **error)
{
  ListState st = { .want = name };
  Cmd cmd;
  cmd_init (&cmd);
  g_string_append (cmd.text, "LIST \"\" ");
  cmd_astring (&cmd, name);
  g_autoptr(CpmImapResponse) r = run_command (c, &cmd, on_list, &st, error);
  cmd_clear (&cmd);
  return r != NULL && r->status == CPM_IMAP_STATUS_OK && st.found;
}

static gboolean
create_one (CpmImapClient *c, const char *name, GError **error)
{
  if (g_hash_table_contains (c->created, name) || g_ascii_strcasecmp (name, "INBOX") == 0)
    return TRUE;
  Cmd cmd;
  cmd_init (&cmd);
  g_string_append (cmd.text, "CREATE ");
  cmd_astring (&cmd, name);
  g_autoptr(CpmImapResponse) r = run_command (c, &cmd, NULL, NULL, error);
  cmd_clear (&cmd);
  if (r == NULL)
    return FALSE;
  /* An existing folder is fine: ALREADYEXISTS (RFC 5530) says so, and for
   * servers without that code a LIST tells. */
  if (r->status != CPM_IMAP_STATUS_OK && g_strcmp0 (r->code, "ALREADYEXISTS") != 0) {
    g_autoptr(GError) e = NULL;
    g_autofree char *what = g_strdup_printf ("CREATE %s", name);
    check_ok (r, what, &e);
    if (!c->connected || !folder_listed (c, name, NULL)) {
      g_propagate_error (error, g_steal_pointer (&e));
      return FALSE;
    }
  }
  g_hash_table_add (c->created, g_strdup (name));
  return TRUE;
}

gboolean
cpm_imap_client_create (CpmImapClient *client, const char *folder, GError **error)
{
  g_return_val_if_fail (client != NULL && folder != NULL, FALSE);
  g_autofree char *name = server_name (client, folder, error);
  if (name == NULL)
    return FALSE;
  char sep = client->separator;
  /* Parents first: not every server makes them on its own. */
  for (char *q = name; sep && (q = strchr (q, sep)) != NULL; q++) {
    g_autofree char *parent = g_strndup (name, (gsize) (q - name));
    if (*parent && !create_one (client, parent, error))
      return FALSE;
  }
  return create_one (client, name, error);
}

/* ------------------------------------------------------------------------ */
/* Append                                                                   */

static gboolean
valid_flag (const char *f)
{
  const char *s = f;
  if (*s == '\\')
    s++;
  if (*s == '\0')
    return FALSE;
  for (; *s; s++) {
    guchar ch = (guchar) *s;
    if (ch <= 0x20 || ch >= 0x7f || strchr ("(){%*\"\\]", ch))
      return FALSE;
  }
  return TRUE;
}

static gboolean
add_message (Cmd *cmd, const CpmImapAppendItem *item, GError **error)
{
  if (item->flags && item->flags[0]) {
    g_string_append (cmd->text, " (");
    for (guint i = 0; item->flags[i]; i++) {
      if (!valid_flag (item->flags[i])) {
        g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE,
                     "\"%s\" is not an IMAP flag or keyword", item->flags[i]);
        return FALSE;
      }
      if (i)
        g_string_append_c (cmd->text, ' ');
      g_string_append (cmd->text, item->flags[i]);
    }
    g_string_append_c (cmd->text, ')');
  }
  if (item->internal_date) {
    g_autofree char *d = cpm_imap_format_date (item->internal_date);
    g_string_append_printf (cmd->text, " \"%s\"", d);
  }
  g_string_append_c (cmd->text, ' ');
  cmd_literal (cmd, item->data);
  return TRUE;
}

static gboolean
needs_binary (GBytes *data)
{
  gsize n;
  const guint8 *d = g_bytes_get_data (data, &n);
  return n > 0 && memchr (d, '\0', n) != NULL;
}

/* One APPEND command for @n items (more than one needs MULTIAPPEND). */
static gboolean
append_command (CpmImapClient *c, const char *name, CpmImapAppendItem *items, guint n,
                guint32 *uidvalidity, GError **error)
{
  Cmd cmd;
  cmd_init (&cmd);
  g_string_append (cmd.text, "APPEND ");
  cmd_astring (&cmd, name);
  for (guint i = 0; i < n; i++) {
    if (needs_binary (items[i].data) && !cpm_imap_client_has_capability (c, "BINARY")) {
      g_set_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_UNSUPPORTED,
                   "the object holds NUL bytes and the server lacks BINARY (RFC 3516)");
      cmd_clear (&cmd);
      return FALSE;
    }
    if (!add_message (&cmd, &items[i], error)) {
      cmd_clear (&cmd);
      return FALSE;
    }
  }
  g_autoptr(CpmImapResponse) r = run_command (c, &cmd, NULL, NULL, error);
  cmd_clear (&cmd);
  if (r == NULL)
    return FALSE;
  g_autofree char *what = g_strdup_printf ("APPEND to %s", name);
  if (!check_ok (r, what, error))
    return FALSE;
  if (g_strcmp0 (r->code, "APPENDUID") != 0) {
    g_set_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_UNSUPPORTED,
                 "%s: stored, but the server sent no APPENDUID (UIDPLUS, RFC 4315)", what);
    return FALSE;
  }
  g_autoptr(GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint32 validity = 0;
  if (!cpm_imap_parse_appenduid (r->code_args, &validity, uids, error))
    return FALSE;
  if (uids->len != n) {
    g_set_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_PROTOCOL,
                 "%s: APPENDUID names %u UIDs for %u objects", what, uids->len, n);
    return FALSE;
  }
  for (guint i = 0; i < n; i++)
    items[i].uid = g_array_index (uids, guint32, i);
  if (uidvalidity)
    *uidvalidity = validity;
  return TRUE;
}

/* APPEND, and once more after creating the folder when the server answers
 * TRYCREATE. */
static gboolean
append_or_create (CpmImapClient *c, const char *folder, const char *name,
                  CpmImapAppendItem *items, guint n, guint32 *uidvalidity, GError **error)
{
  g_autoptr(GError) err = NULL;
  if (append_command (c, name, items, n, uidvalidity, &err))
    return TRUE;
  if (!g_error_matches (err, CPM_IMAP_ERROR, CPM_IMAP_ERROR_TRYCREATE)) {
    g_propagate_error (error, g_steal_pointer (&err));
    return FALSE;
  }
  g_hash_table_remove (c->created, name);
  if (!cpm_imap_client_create (c, folder, error))
    return FALSE;
  return append_command (c, name, items, n, uidvalidity, error);
}

gboolean
cpm_imap_client_append_many (CpmImapClient *client, const char *folder,
                             CpmImapAppendItem *items, guint n_items, guint32 *uidvalidity,
                             GError **error)
{
  g_return_val_if_fail (client != NULL && folder != NULL && (items || !n_items), FALSE);
  CpmImapClient *c = client;
  for (guint i = 0; i < n_items; i++)
    items[i].uid = 0;
  if (n_items == 0)
    return TRUE;
  /* Section 6 makes UIDPLUS a SHALL: without APPENDUID a stored object has
   * no permanent identity (5.3), so nothing is stored at all. */
  if (!cpm_imap_client_has_capability (c, "UIDPLUS")) {
    g_set_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_UNSUPPORTED,
                 "%s:%u lacks UIDPLUS (RFC 4315), which CPM Message Store section 6 requires",
                 c->host ? c->host : "server", c->port);
    return FALSE;
  }
  g_autofree char *name = server_name (c, folder, error);
  if (name == NULL)
    return FALSE;
  if (n_items > 1 && cpm_imap_client_has_capability (c, "MULTIAPPEND"))
    return append_or_create (c, folder, name, items, n_items, uidvalidity, error);
  for (guint i = 0; i < n_items; i++)
    if (!append_or_create (c, folder, name, &items[i], 1, uidvalidity, error))
      return FALSE;
  return TRUE;
}

gboolean
cpm_imap_client_append (CpmImapClient *client, const char *folder, GBytes *data,
                        const char *const *flags, GDateTime *internal_date,
                        guint32 *uidvalidity, guint32 *uid, GError **error)
{
  g_return_val_if_fail (data != NULL, FALSE);
  CpmImapAppendItem item = { .data = data, .flags = flags, .internal_date = internal_date };
  if (!cpm_imap_client_append_many (client, folder, &item, 1, uidvalidity, error))
    return FALSE;
  if (uid)
    *uid = item.uid;
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Select, search, fetch, logout                                            */

static void
on_select (CpmImapClient *c, CpmImapResponse *r, gpointer data)
{
  guint32 *validity = data;
  (void) c;
  if (g_strcmp0 (r->code, "UIDVALIDITY") == 0 && r->code_args) {
    const char *s = r->code_args;
    guint32 v;
    if (parse_u32 (&s, &v))
      *validity = v;
  }
}

gboolean
cpm_imap_client_select (CpmImapClient *client, const char *folder, guint32 *uidvalidity,
                        GError **error)
{
  g_return_val_if_fail (client != NULL && folder != NULL, FALSE);
  CpmImapClient *c = client;
  g_autofree char *name = server_name (c, folder, error);
  if (name == NULL)
    return FALSE;
  if (c->selected && strcmp (c->selected, name) == 0) {
    if (uidvalidity)
      *uidvalidity = c->selected_uidvalidity;
    return TRUE;
  }
  g_clear_pointer (&c->selected, g_free);
  c->selected_exists = 0;
  guint32 validity = 0;
  Cmd cmd;
  cmd_init (&cmd);
  g_string_append (cmd.text, "SELECT ");
  cmd_astring (&cmd, name);
  g_autoptr(CpmImapResponse) r = run_command (c, &cmd, on_select, &validity, error);
  cmd_clear (&cmd);
  g_autofree char *what = g_strdup_printf ("SELECT %s", name);
  if (r == NULL || !check_ok (r, what, error))
    return FALSE;
  c->selected = g_steal_pointer (&name);
  c->selected_uidvalidity = validity;
  if (uidvalidity)
    *uidvalidity = validity;
  return TRUE;
}

static void
on_search (CpmImapClient *c, CpmImapResponse *r, gpointer data)
{
  GArray *uids = data;
  (void) c;
  if (r->status != CPM_IMAP_STATUS_NONE || g_strcmp0 (r->keyword, "SEARCH") != 0)
    return;
  for (guint i = 0; i < r->values->len; i++) {
    CpmImapValue *v = r->values->pdata[i];
    if (v->type == CPM_IMAP_VALUE_NUMBER && v->number > 0 && v->number <= G_MAXUINT32) {
      guint32 u = (guint32) v->number;
      g_array_append_val (uids, u);
    }
  }
}

GArray *
cpm_imap_client_search_header (CpmImapClient *client, const char *folder, const char *name,
                               const char *value, guint32 *uidvalidity, GError **error)
{
  g_return_val_if_fail (client != NULL && name != NULL && value != NULL, NULL);
  if (!cpm_imap_client_select (client, folder, uidvalidity, error))
    return NULL;
  g_autoptr(GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  gboolean ascii = TRUE;
  for (const char *s = value; *s; s++)
    if ((guchar) *s >= 0x80)
      ascii = FALSE;
  Cmd cmd;
  cmd_init (&cmd);
  g_string_append (cmd.text, ascii ? "UID SEARCH HEADER " : "UID SEARCH CHARSET UTF-8 HEADER ");
  cmd_astring (&cmd, name);
  g_string_append_c (cmd.text, ' ');
  cmd_astring (&cmd, value);
  g_autoptr(CpmImapResponse) r = run_command (client, &cmd, on_search, uids, error);
  cmd_clear (&cmd);
  if (r == NULL || !check_ok (r, "UID SEARCH", error))
    return NULL;
  return g_steal_pointer (&uids);
}

guint
cpm_imap_client_get_message_count (CpmImapClient *client)
{
  g_return_val_if_fail (client != NULL, 0);
  return client->selected ? client->selected_exists : 0;
}

gboolean
cpm_imap_client_has_uid (CpmImapClient *client, const char *folder, guint32 uid,
                         gboolean *exists, GError **error)
{
  g_return_val_if_fail (client != NULL && exists != NULL, FALSE);
  if (uid == 0) {
    *exists = FALSE;
    return TRUE;
  }
  if (!cpm_imap_client_select (client, folder, NULL, error))
    return FALSE;
  g_autoptr(GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  Cmd cmd;
  cmd_init (&cmd);
  g_string_append_printf (cmd.text, "UID SEARCH UID %u", uid);
  g_autoptr(CpmImapResponse) r = run_command (client, &cmd, on_search, uids, error);
  cmd_clear (&cmd);
  if (r == NULL || !check_ok (r, "UID SEARCH", error))
    return FALSE;
  /* "UID SEARCH UID n" with n above the highest UID matches the last
   * message (RFC 3501 "*" semantics in some servers): compare. */
  *exists = FALSE;
  for (guint i = 0; i < uids->len; i++)
    if (g_array_index (uids, guint32, i) == uid)
      *exists = TRUE;
  return TRUE;
}

typedef struct {
  guint32 uid;
  GBytes *body;
} FetchState;

static void
on_fetch (CpmImapClient *c, CpmImapResponse *r, gpointer data)
{
  FetchState *st = data;
  (void) c;
  if (!r->has_number || g_strcmp0 (r->keyword, "FETCH") != 0 || r->values->len != 1)
    return;
  CpmImapValue *list = r->values->pdata[0];
  if (list->type != CPM_IMAP_VALUE_LIST)
    return;
  GBytes *body = NULL;
  guint32 uid = 0;
  for (guint i = 0; i + 1 < list->items->len; i += 2) {
    CpmImapValue *k = list->items->pdata[i], *v = list->items->pdata[i + 1];
    if (k->type != CPM_IMAP_VALUE_ATOM)
      continue;
    if (g_ascii_strcasecmp (k->atom, "UID") == 0 && v->type == CPM_IMAP_VALUE_NUMBER &&
        v->number <= G_MAXUINT32)
      uid = (guint32) v->number;
    else if (g_ascii_strcasecmp (k->atom, "BODY[]") == 0 && v->type == CPM_IMAP_VALUE_STRING)
      body = v->string;
  }
  if (body && uid == st->uid && st->body == NULL)
    st->body = g_bytes_ref (body);
}

GBytes *
cpm_imap_client_fetch (CpmImapClient *client, const char *folder, guint32 uid, GError **error)
{
  g_return_val_if_fail (client != NULL && uid > 0, NULL);
  if (!cpm_imap_client_select (client, folder, NULL, error))
    return NULL;
  FetchState st = { .uid = uid };
  Cmd cmd;
  cmd_init (&cmd);
  g_string_append_printf (cmd.text, "UID FETCH %u (UID BODY.PEEK[])", uid);
  g_autoptr(CpmImapResponse) r = run_command (client, &cmd, on_fetch, &st, error);
  cmd_clear (&cmd);
  if (r == NULL || !check_ok (r, "UID FETCH", error)) {
    if (st.body)
      g_bytes_unref (st.body);
    return NULL;
  }
  if (st.body == NULL)
    g_set_error (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_NO, "no object with UID %u in %s", uid,
                 folder);
  return st.body;
}

gboolean
cpm_imap_client_logout (CpmImapClient *client, GError **error)
{
  g_return_val_if_fail (client != NULL, FALSE);
  if (!client->connected)
    return TRUE;
  gboolean ok = simple_command (client, "LOGOUT", "LOGOUT", error);
  client_close (client);
  return ok;
}
