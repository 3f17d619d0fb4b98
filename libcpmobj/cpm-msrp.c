/* MSRP (RFC 4975): framing by the end-line, message parsing, and chunk
 * reassembly by Message-ID and Byte-Range.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"

#include "cpm-capture-private.h"
#include <cpmobj/cpm-limits.h>

#include <string.h>

/* RFC 4975 9: transact-id = ident, 4 to 32 of ALPHANUM / "." / "-" / "+" /
 * "%" / "="; shorter ids written by test tools are accepted (a start
 * line still needs "MSRP", the id and a method or status). */
static gboolean
is_ident_char (char c)
{
  /* compares, not a strchr call per character; strchr also found the
   * terminator, so a NUL still counts */
  return g_ascii_isalnum (c) || c == '.' || c == '-' || c == '+' || c == '%' || c == '=' ||
         c == '\0';
}

static gsize
tid_length (const char *p, gsize len)
{
  gsize i = 0;

  while (i < len && i < 32 && is_ident_char (p[i]))
    i++;
  return i;
}

gboolean
cpm_msrp_is_start_line (const char *line, gsize len)
{
  gsize t;

  if (len < 10 || memcmp (line, "MSRP ", 5) != 0)
    return FALSE;
  t = tid_length (line + 5, len - 5);
  return t && 5 + t < len && line[5 + t] == ' ' && 5 + t + 1 < len;
}

/* The end-line "-------" tid flag CRLF, preceded by CRLF, at or after @from.
 * Its dashes are looked for only where a whole end-line still fits, and
 * each '-' memchr finds is turned away by the bytes before it first (the
 * framing scan is the largest cost of an MSRP message). */
static const guint8 *
find_end_line (const guint8 *data, gsize len, const char *tid, gsize tlen, gsize from)
{
  gsize tail = 7 + tlen + 3;
  const guint8 *p = data + MAX (from, 2), *last;

  if (len < tail)
    return NULL;
  last = data + len - tail; /* the last place an end-line can begin */
  for (; p <= last && (p = memchr (p, '-', (gsize) (last + 1 - p))); p++) {
    guint8 flag;
    if (p[-1] != '\n' || p[-2] != '\r' || memcmp (p, "-------", 7) != 0 ||
        memcmp (p + 7, tid, tlen) != 0)
      continue;
    flag = p[7 + tlen];
    if ((flag == '$' || flag == '+' || flag == '#') && p[8 + tlen] == '\r' && p[9 + tlen] == '\n')
      return p;
  }
  return NULL;
}

gssize
cpm_msrp_frame_length (const guint8 *data, gsize len)
{
  gsize tlen;
  const guint8 *eol, *end;

  if (len < 10 || memcmp (data, "MSRP ", 5) != 0)
    return -1;
  tlen = tid_length ((const char *) data + 5, len - 5);
  if (!tlen)
    return -1;
  eol = memchr (data, '\n', len);
  if (!eol)
    return 0;
  end = find_end_line (data, len, (const char *) data + 5, tlen, (gsize) (eol - data) - 1);
  return end ? (gssize) ((gsize) (end - data) + 7 + tlen + 3) : 0;
}

void
cpm_msrp_message_free (CpmMsrpMessage *m)
{
  if (!m)
    return;
  /* the header fields are in the message's allocation */
  if (m->body)
    g_bytes_unref (m->body);
  g_free (m);
}

/* The start line [line, line + len) read in place, split at single
 * spaces as g_strsplit (line, " ", 4) would: "MSRP", the transaction id,
 * the method or status, the rest. A request gives its method in
 * [*method, *method_end), a response its status. */
static gboolean
parse_start (const char *line, gsize len, const char **tid, const char **tid_end,
             const char **method, const char **method_end, guint *status)
{
  const char *end = line + len;
  const char *sp1 = memchr (line, ' ', len);
  const char *sp2 = sp1 ? memchr (sp1 + 1, ' ', (gsize) (end - sp1 - 1)) : NULL;
  const char *third, *third_end;

  if (!sp2 || sp1 - line != 4 || memcmp (line, "MSRP", 4) != 0)
    return FALSE;
  *tid = sp1 + 1;
  *tid_end = sp2;
  third = sp2 + 1;
  third_end = memchr (third, ' ', (gsize) (end - third));
  if (!third_end)
    third_end = end;
  if (third < end && g_ascii_isdigit (*third)) {
    /* RFC 4975 status-code = 3DIGIT, read within the line */
    if (third_end - third != 3 || !g_ascii_isdigit (third[1]) || !g_ascii_isdigit (third[2]))
      return FALSE;
    *status = (guint) ((third[0] - '0') * 100 + (third[1] - '0') * 10 + (third[2] - '0'));
    return *status >= 200;
  }
  *method = third;
  *method_end = third_end;
  return TRUE;
}

/* The message with its header fields (@hsize bytes, right after the
 * struct: aligned as it is), transaction id and method in its own
 * allocation (four allocations before). */
static CpmMsrpMessage *
message_new (const char *tid, gsize tlen, const char *method, gsize mlen, guint status,
             gsize hsize)
{
  CpmMsrpMessage *m = g_malloc (sizeof *m + hsize + tlen + 1 + (method ? mlen + 1 : 0));
  char *w = (char *) (m + 1) + hsize;

  G_STATIC_ASSERT (sizeof (CpmMsrpMessage) % G_ALIGNOF (CpmSipHeader) == 0);
  /* the fields zeroed, not the header text after them: it is written
   * before it is read */
  *m = (CpmMsrpMessage) { 0 };
  m->tid = w;
  memcpy (w, tid, tlen);
  w[tlen] = '\0';
  if (method) {
    m->is_request = TRUE;
    m->method = w + tlen + 1;
    memcpy (m->method, method, mlen);
    m->method[mlen] = '\0';
  }
  m->status = status;
  return m;
}

/* @name is as long as the field's name: known_fields() switches on it */
static void
keep_first (const char **field, const CpmSipHeader *h, const char *name)
{
  if (!*field && cpm_sip_header_is (h, name, h->name_len))
    *field = h->value;
}

static void
known_fields (CpmMsrpMessage *m)
{
  for (guint i = 0; i < m->headers.len; i++) {
    const CpmSipHeader *h = &m->headers.v[i];
    switch (h->name_len) {
    case 7:
      keep_first (&m->to_path, h, "To-Path");
      break;
    case 9:
      keep_first (&m->from_path, h, "From-Path");
      break;
    case 10:
      keep_first (&m->message_id, h, "Message-ID");
      keep_first (&m->byte_range, h, "Byte-Range");
      break;
    case 12:
      keep_first (&m->content_type, h, "Content-Type");
      break;
    default:
      break;
    }
  }
}

/* [data, len) ends in an end-line and is the first frame in it
 * (cpm_msrp_frame_length); @framed: the caller framed it so, and only
 * the end is looked at (the framing scan is the parse's largest cost). */
static gboolean
is_one_frame (const guint8 *data, gsize len, gboolean framed)
{
  if (!framed)
    return cpm_msrp_frame_length (data, len) == (gssize) len;
  return len >= 10 && memcmp (data, "MSRP ", 5) == 0 && memchr (data, '\n', len) &&
         data[len - 3] && strchr ("$+#", data[len - 3]) && data[len - 2] == '\r' &&
         data[len - 1] == '\n';
}

/* The header block from @start: headers end at a blank line (then a body
 * follows, *blank) or at the end-line @end (*blank NULL; so too when the
 * blank line leaves no room for a body before the end-line's CRLF). Its
 * CRLF lines counted as cpm_sip_header_lines counts a block without a
 * NUL, in the same scan of the CRs memchr finds (it was scanned twice). */
static guint
header_block (const guint8 *start, const guint8 *end, const guint8 **blank)
{
  const guint8 *found = NULL;
  guint crlfs = 0;

  for (const guint8 *p = start; p + 1 < end && (p = memchr (p, '\r', (gsize) (end - 1 - p))); p++) {
    if (p[1] != '\n')
      continue;
    if (!found && p[-1] == '\n' && p[-2] == '\r') {
      found = p;
      if (found + 2 <= end - 2)
        break;
    }
    crlfs++;
  }
  *blank = found && found + 2 <= end - 2 ? found : NULL;
  return crlfs + 1;
}

/* @send_only: the headers and body of a message other than a SEND are
 * not read (it is checked as fully as any otherwise). */
static CpmMsrpMessage *
message_parse (const guint8 *data, gsize len, gboolean send_only, GError **error)
{
  const guint8 *eol, *end, *blank;
  const char *tid, *tid_end, *method = NULL, *method_end = NULL;
  CpmMsrpMessage *m;
  gsize tlen, slen, mlen, hlen, text;
  guint lines, status = 0;

  if (!is_one_frame (data, len, send_only)) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_PARSE, "MSRP message without its end-line");
    return NULL;
  }
  eol = memchr (data, '\n', len);
  if (eol == data || eol[-1] != '\r') {
    g_set_error (error, CPM_ERROR, CPM_ERROR_PARSE, "MSRP start line does not end in CRLF");
    return NULL;
  }
  /* up to a NUL, as the C string the line was once copied into */
  slen = strnlen ((const char *) data, (gsize) (eol - 1 - data));
  if (!parse_start ((const char *) data, slen, &tid, &tid_end, &method, &method_end, &status)) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_PARSE, "not an MSRP start line: %.*s",
                 (int) MIN (slen, 60), (const char *) data);
    return NULL;
  }
  tlen = (gsize) (tid_end - tid); /* no NUL in it: the line was read up to one */
  /* The framing reads at most 32 characters of transaction id; a longer or
   * odd one must not put the end-line inside the start line (fuzz-msrp). */
  if (7 + tlen + 3 > len || data + len - (7 + tlen + 3) < eol + 1 ||
      memcmp (data + len - (7 + tlen + 3), "-------", 7) != 0 ||
      memcmp (data + len - (3 + tlen), tid, tlen) != 0) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_PARSE,
                 "MSRP end-line does not carry the transaction id of the start line");
    return NULL;
  }
  end = data + len - (7 + tlen + 3); /* the end-line */
  mlen = (gsize) (method_end - method);
  if (send_only && (!method || mlen != 4 || memcmp (method, "SEND", 4) != 0)) {
    m = message_new (tid, tlen, method, mlen, status, 0);
    m->flag = (char) end[7 + tlen];
    return m;
  }
  lines = header_block (eol + 1, end, &blank);
  hlen = (gsize) ((blank ? blank : end) - eol - 1);
  if (memchr (eol + 1, '\0', hlen))
    lines = cpm_sip_header_lines ((const char *) eol + 1, hlen, &text);
  else
    text = hlen;
  m = message_new (tid, tlen, method, mlen, status, CPM_SIP_HEADERS_SIZE (lines, text));
  m->flag = (char) end[7 + tlen];
  cpm_sip_parse_headers_in (&m->headers, m + 1, lines, (const char *) eol + 1, text, FALSE);
  if (blank)
    m->body = g_bytes_new (blank + 2, (gsize) (end - 2 - (blank + 2)));
  known_fields (m);
  return m;
}

CpmMsrpMessage *
cpm_msrp_message_parse (const guint8 *data, gsize len, GError **error)
{
  return message_parse (data, len, FALSE, error);
}

CpmMsrpMessage *
cpm_msrp_message_parse_send (const guint8 *data, gsize len, GError **error)
{
  return message_parse (data, len, TRUE, error);
}

const char *
cpm_msrp_message_get_header (const CpmMsrpMessage *m, const char *name)
{
  return cpm_sip_headers_get (&m->headers, name, strlen (name), 0);
}

/* The digits at @s (at least one) as g_ascii_strtoull reads them there,
 * G_MAXUINT64 when too large, without its locale-free set-up per call. */
static guint64
read_digits (const char *s, char **end)
{
  guint64 v = 0;
  gboolean over = FALSE;
  const char *p = s;

  /* up to 19 digits cannot pass 2^64 - 1: no check per digit (a Byte-Range
   * is read twice per chunk); more are read again with it */
  while ((guint) (*p - '0') < 10) {
    v = v * 10 + (guint) (*p - '0');
    p++;
  }
  *end = (char *) p;
  if (p - s <= 19)
    return v;
  v = 0;
  for (; g_ascii_isdigit (*s); s++) {
    guint d = (guint) (*s - '0');
    if (v > (G_MAXUINT64 - d) / 10)
      over = TRUE;
    v = v * 10 + d;
  }
  *end = (char *) s;
  return over ? G_MAXUINT64 : v;
}

static gboolean
parse_num_or_star (const char *s, char **end, guint64 *out)
{
  if (*s == '*') {
    *out = 0;
    *end = (char *) s + 1;
    return TRUE;
  }
  if (!g_ascii_isdigit (*s))
    return FALSE;
  *out = read_digits (s, end);
  return TRUE;
}

gboolean
cpm_msrp_parse_byte_range (const char *v, guint64 *start, guint64 *end, guint64 *total)
{
  char *p;

  if (!v || !g_ascii_isdigit (*v))
    return FALSE;
  *start = read_digits (v, &p);
  if (*p != '-' || !parse_num_or_star (p + 1, &p, end) || *p != '/' ||
      !parse_num_or_star (p + 1, &p, total) || *p)
    return FALSE;
  return *start >= 1 && (*end == 0 || *end >= *start - 1) && (*total == 0 || *end <= *total);
}

char *
cpm_msrp_uri_session (const char *uri)
{
  const char *p;

  if (!uri || g_ascii_strncasecmp (uri, "msrp", 4) != 0 || !(p = strstr (uri, "://")))
    return NULL;
  p = strchr (p + 3, '/');
  return p ? g_strndup (p + 1, strcspn (p + 1, "; ")) : NULL;
}

/* ---- reassembly ---- */

typedef struct {
  guint64 start; /* 1-based */
  GBytes *data;
} Piece;

typedef struct {
  CpmMsrpAssembled *a;
  GArray *pieces;       /* Piece */
  guint64 final_end;    /* known once the '$' chunk arrived */
  gboolean ended;
  GString *frames;
  gint64 last_us;       /* capture time of its latest chunk */
} Open;

struct _CpmMsrpAssembler {
  gsize max_bytes;
  gsize held;
  GHashTable *open; /* Message-ID -> Open* */
};

static void
piece_clear (Piece *p)
{
  g_bytes_unref (p->data);
}

void
cpm_msrp_assembled_free (CpmMsrpAssembled *a)
{
  if (!a)
    return;
  if (a->packed) {
    g_bytes_unref (a->content);
    g_free (a);
    return;
  }
  g_free (a->message_id);
  g_free (a->to_path);
  g_free (a->from_path);
  g_free (a->content_type);
  if (a->content)
    g_bytes_unref (a->content);
  g_free (a->frames);
  g_free (a->problem);
  g_free (a);
}

static void
open_free (Open *o)
{
  cpm_msrp_assembled_free (o->a);
  g_array_unref (o->pieces);
  g_string_free (o->frames, TRUE);
  g_free (o);
}

CpmMsrpAssembler *
cpm_msrp_assembler_new (gsize max_bytes)
{
  CpmMsrpAssembler *as = g_new0 (CpmMsrpAssembler, 1);

  as->max_bytes = max_bytes ? max_bytes : cpm_limits_default ()->max_msrp_size;
  as->open = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) open_free);
  return as;
}

void
cpm_msrp_assembler_free (CpmMsrpAssembler *as)
{
  if (!as)
    return;
  g_hash_table_unref (as->open);
  g_free (as);
}

static gint
piece_cmp (gconstpointer a, gconstpointer b)
{
  const Piece *x = a, *y = b;

  return x->start < y->start ? -1 : x->start > y->start;
}

/* Joins the pieces in byte order; overlapping bytes come from the first
 * piece that has them. Returns the number of bytes covered from 1 on. */
static GBytes *
join_pieces (Open *o, guint64 *covered)
{
  GByteArray *out = g_byte_array_new ();

  g_array_sort (o->pieces, piece_cmp);
  for (guint i = 0; i < o->pieces->len; i++) {
    const Piece *p = &g_array_index (o->pieces, Piece, i);
    gsize n = g_bytes_get_size (p->data);
    guint64 have = out->len;
    if (p->start > have + 1)
      break;
    if (p->start + n - 1 > have) {
      gsize skip = (gsize) (have + 1 - p->start);
      g_byte_array_append (out, (const guint8 *) g_bytes_get_data (p->data, NULL) + skip,
                           (guint) (n - skip));
    }
  }
  *covered = out->len;
  return g_byte_array_free_to_bytes (out);
}

static CpmMsrpAssembled *
open_finish (CpmMsrpAssembler *as, const char *id, const char *problem)
{
  Open *o = g_hash_table_lookup (as->open, id);
  CpmMsrpAssembled *a;
  guint64 covered = 0;

  a = g_steal_pointer (&o->a);
  a->content = join_pieces (o, &covered);
  a->frames = g_strdup (o->frames->str);
  if (problem)
    a->problem = g_strdup (problem);
  else if (covered < o->final_end)
    a->problem = g_strdup_printf ("incomplete: bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT
                                  " of %" G_GUINT64_FORMAT " missing", covered + 1, o->final_end,
                                  o->final_end);
  for (guint i = 0; i < o->pieces->len; i++)
    as->held -= g_bytes_get_size (g_array_index (o->pieces, Piece, i).data);
  g_hash_table_remove (as->open, id);
  return a;
}

static Open *
open_new (CpmMsrpAssembler *as, const CpmMsrpMessage *c, const char *id, gint64 time_us)
{
  Open *o = g_new0 (Open, 1);

  o->a = g_new0 (CpmMsrpAssembled, 1);
  o->a->message_id = g_strdup (id);
  o->a->to_path = g_strdup (c->to_path);
  o->a->from_path = g_strdup (c->from_path);
  o->a->time_us = time_us;
  o->pieces = g_array_new (FALSE, FALSE, sizeof (Piece));
  g_array_set_clear_func (o->pieces, (GDestroyNotify) piece_clear);
  o->frames = g_string_new (NULL);
  g_hash_table_insert (as->open, g_strdup (id), o);
  return o;
}

/* How many bytes from the first on the pieces cover without a hole:
 * what join_pieces() would copy, counted without copying it (the check
 * after the last chunk, and after every late chunk, copied the message). */
static guint64
covered_bytes (Open *o)
{
  guint64 have = 0;

  g_array_sort (o->pieces, piece_cmp);
  for (guint i = 0; i < o->pieces->len; i++) {
    const Piece *p = &g_array_index (o->pieces, Piece, i);
    guint64 n = g_bytes_get_size (p->data);
    if (p->start > have + 1)
      break;
    if (p->start + n - 1 > have)
      have = p->start + n - 1;
  }
  return have;
}

static gboolean
is_complete (Open *o)
{
  return o->ended && covered_bytes (o) >= o->final_end;
}

/* Appends a chunk's frame list ("73,75,77") to the message's. A segment
 * that ends one chunk and starts the next (chunks pipelined in one
 * stream, as file transfers send them) is the last frame of the one and
 * the first of the other: named once. */
static void
append_frames (GString *list, const char *frames)
{
  const char *last = strrchr (list->str, ',');
  gsize first = strcspn (frames, ",");

  last = last ? last + 1 : list->str;
  if (list->len && strlen (last) == first && strncmp (last, frames, first) == 0) {
    frames += first;
    if (*frames == ',')
      frames++;
  }
  if (!*frames)
    return;
  if (list->len)
    g_string_append_c (list, ',');
  g_string_append (list, frames);
}

/* Appends @v (nullable) as a string at *w; returns it. */
static char *
put_str (char **w, const char *v, gsize n)
{
  char *s = *w;

  if (!v)
    return NULL;
  memcpy (s, v, n);
  s[n] = '\0';
  *w += n + 1;
  return s;
}

/* A message in one chunk (the first and last, no open message of its
 * Message-ID): what open_new, one piece and open_finish would give, in one
 * allocation, the content shared with the chunk's body (was ten
 * allocations and a copy of the content). */
static CpmMsrpAssembled *
whole_message (const CpmMsrpMessage *c, const char *id, const char *type, const char *frames,
               gint64 time_us)
{
  const char *to = c->to_path, *from = c->from_path;
  gsize lid = strlen (id), lto = to ? strlen (to) : 0, lfrom = from ? strlen (from) : 0;
  gsize ltype = type ? strlen (type) : 0, lframes = strlen (frames);
  CpmMsrpAssembled *a = g_malloc (sizeof *a + lid + lto + lfrom + ltype + lframes + 5);
  char *w = (char *) (a + 1);

  *a = (CpmMsrpAssembled) { 0 }; /* the strings after it are written before read */

  a->packed = TRUE;
  a->message_id = put_str (&w, id, lid);
  a->to_path = put_str (&w, to, lto);
  a->from_path = put_str (&w, from, lfrom);
  a->content_type = put_str (&w, type, ltype);
  a->frames = put_str (&w, frames, lframes);
  a->content = c->body && g_bytes_get_size (c->body) ? g_bytes_ref (c->body) : g_bytes_new (NULL, 0);
  a->chunks = 1;
  a->time_us = time_us;
  return a;
}

CpmMsrpAssembled *
cpm_msrp_assembler_add (CpmMsrpAssembler *as, const CpmMsrpMessage *c, const char *frames,
                        gint64 time_us)
{
  const char *id = c->message_id, *type = c->content_type;
  guint64 start = 1, end = 0, total = 0;
  gsize n = c->body ? g_bytes_get_size (c->body) : 0;
  Open *o;

  if (!id)
    id = "";
  if (!cpm_msrp_parse_byte_range (c->byte_range, &start, &end,
                                  &total))
    start = 1; /* RFC 4975 7.1.1: absent Byte-Range means the whole message */
  /* most messages come in one chunk and never wait here: no lookup (a
   * g_str_hash of the Message-ID) while none is open */
  o = g_hash_table_size (as->open) ? g_hash_table_lookup (as->open, id) : NULL;
  if (!o && c->flag == '$' && start == 1 && (total == 0 || total <= n))
    return whole_message (c, id, type, frames, time_us);
  if (!o)
    o = open_new (as, c, id, time_us);
  o->last_us = MAX (o->last_us, time_us);
  append_frames (o->frames, frames);
  o->a->chunks++;
  if (c->flag == '+')
    o->a->interrupted++;
  if (type && (start == 1 || !o->a->content_type)) {
    g_free (o->a->content_type);
    o->a->content_type = g_strdup (type);
  }
  if (n) {
    Piece p = { start, g_bytes_ref (c->body) };
    g_array_append_val (o->pieces, p);
    as->held += n;
  }
  if (c->flag == '#')
    return open_finish (as, id, "aborted by its sender (chunk ended with '#')");
  if (c->flag == '$') {
    o->ended = TRUE;
    o->final_end = total ? total : start + n - 1;
  }
  if (is_complete (o))
    return open_finish (as, id, NULL);
  if (as->held > as->max_bytes)
    return open_finish (as, id, "incomplete: more MSRP chunk bytes held than the limit "
                                "max_msrp_size allows");
  return NULL;
}

static int
cmp_str (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Finishes the open messages @keep selects (all when NULL), in
 * Message-ID order: one that never got its last chunk is incomplete with
 * @unended's reason (a printf format taking the bytes covered). */
static GPtrArray *
finish_open (CpmMsrpAssembler *as, gboolean (*keep) (const Open *, gint64, gint64), gint64 now_us,
             gint64 idle_us, const char *unended)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) cpm_msrp_assembled_free);
  g_autofree gpointer *keys = NULL;
  guint n = 0;

  keys = g_hash_table_get_keys_as_array (as->open, &n);
  qsort (keys, n, sizeof *keys, cmp_str);
  for (guint i = 0; i < n; i++) {
    Open *o = g_hash_table_lookup (as->open, keys[i]);
    if (keep && !keep (o, now_us, idle_us))
      continue;
    /* a copy: open_finish() frees the table's key */
    g_autofree char *id = g_strdup (keys[i]);
    guint64 covered = covered_bytes (o);
    g_autofree char *why = o->ended ? NULL : g_strdup_printf (unended, covered);
    g_ptr_array_add (out, open_finish (as, id, why));
  }
  return out;
}

GPtrArray *
cpm_msrp_assembler_drain (CpmMsrpAssembler *as)
{
  return finish_open (as, NULL, 0, 0,
                      "incomplete: the input ended after %" G_GUINT64_FORMAT
                      " bytes, before the last chunk");
}

static gboolean
is_idle (const Open *o, gint64 now_us, gint64 idle_us)
{
  return now_us - o->last_us > idle_us;
}

GPtrArray *
cpm_msrp_assembler_expire (CpmMsrpAssembler *as, gint64 now_us, gint64 idle_us)
{
  g_autofree char *unended = NULL;

  if (g_hash_table_size (as->open) == 0)
    return NULL;
  unended = g_strdup_printf ("incomplete: no further chunk for %" G_GINT64_FORMAT " s of the "
                             "capture after %%" G_GUINT64_FORMAT " bytes", idle_us / G_USEC_PER_SEC);
  return finish_open (as, is_idle, now_us, idle_us, unended);
}
