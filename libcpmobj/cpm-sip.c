/* SIP messages (RFC 3261 7): start line, header fields (compact forms
 * expanded, folded lines joined), Content-Length framing on streams, and
 * the body's parts.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"

#include "cpm-capture-private.h"

#include <gmime/gmime.h>
#include <string.h>

/* RFC 3261 7.3.3 and the later RFCs that added compact forms. */
static const char *const compact[][2] = {
  { "a", "Accept-Contact" }, { "b", "Referred-By" }, { "c", "Content-Type" },
  { "d", "Request-Disposition" }, { "e", "Content-Encoding" }, { "f", "From" },
  { "i", "Call-ID" }, { "j", "Reject-Contact" }, { "k", "Supported" },
  { "l", "Content-Length" }, { "m", "Contact" }, { "n", "Identity-Info" },
  { "o", "Event" }, { "r", "Refer-To" }, { "s", "Subject" }, { "t", "To" },
  { "u", "Allow-Events" }, { "v", "Via" }, { "x", "Session-Expires" }, { "y", "Identity" },
};

const char *
cpm_sip_expand_compact (const char *name)
{
  if (name[0] && !name[1])
    for (guint i = 0; i < G_N_ELEMENTS (compact); i++)
      if (g_ascii_tolower (name[0]) == compact[i][0][0])
        return compact[i][1];
  return name;
}

/* A status line, or a request line: a method of capital letters (the
 * token characters that are upper case), one space, a URI without
 * spaces, " SIP/2.0". Every MSRP line is tried here first: no call per
 * byte (was ~220 instructions a line). */
gboolean
cpm_sip_is_start_line (const char *line, gsize len)
{
  gsize i = 0;
  const char *rest, *sp;

  if (len >= 12 && memcmp (line, "SIP/2.0 ", 8) == 0)
    return g_ascii_isdigit (line[8]) && g_ascii_isdigit (line[9]) && g_ascii_isdigit (line[10]);
  /* a request line ends in " SIP/2.0" (what the end of this function
   * asks): the MSRP lines tried here first are turned away at once */
  if (len < 8 || memcmp (line + len - 8, " SIP/2.0", 8) != 0)
    return FALSE;
  while (i < len && g_ascii_isupper (line[i]))
    i++;
  if (i == 0 || i >= len || line[i] != ' ')
    return FALSE;
  /* the first space after the method, up to a NUL as g_strstr_len looked */
  rest = line + i + 1;
  sp = memchr (rest, ' ', strnlen (rest, len - i - 1));
  return sp && (gsize) (line + len - sp) == 8 && memcmp (sp, " SIP/2.0", 8) == 0;
}

/* Just after the first CRLF CRLF; the candidates are the CRs memchr
 * finds (a byte loop cost ~5k instructions per INVITE). */
static const guint8 *
find_header_end (const guint8 *data, gsize len)
{
  const guint8 *end = data + len;

  for (const guint8 *p = data; p + 3 < end && (p = memchr (p, '\r', (gsize) (end - 3 - p))); p++)
    if (p[1] == '\n' && p[2] == '\r' && p[3] == '\n')
      return p + 4;
  return NULL;
}

/* [*p, *e) without leading and trailing ASCII white space (g_strstrip). */
static void
strip_range (const char **p, const char **e)
{
  while (*p < *e && g_ascii_isspace (**p))
    (*p)++;
  while (*e > *p && g_ascii_isspace ((*e)[-1]))
    (*e)--;
}

/* The first CRLF in [p, end): memchr for CR (vectorised) where glibc's
 * memmem took ~250 instructions a line for a two-byte needle. */
static const char *
find_crlf (const char *p, const char *end)
{
  while (p < end && (p = memchr (p, '\r', (gsize) (end - p)))) {
    if (p + 1 < end && p[1] == '\n')
      return p;
    p++;
  }
  return NULL;
}

guint
cpm_sip_header_lines (const char *block, gsize len, gsize *text)
{
  const char *end = block + strnlen (block, len);
  guint lines = 1;

  for (const char *p = block; (p = find_crlf (p, end)); p += 2)
    lines++;
  *text = (gsize) (end - block);
  return lines;
}

/* Header lines of a block; folded lines joined with one space. Read in
 * place, line by line (CRLF ends a line), up to the block's first NUL
 * (@text bytes, cpm_sip_header_lines), into @mem: the array for as many
 * fields as there are lines, then the names and values, each at most as
 * long as its line (a folded line adds at most its own length). */
void
cpm_sip_parse_headers_in (CpmSipHeaders *out, gpointer mem, guint lines, const char *block,
                          gsize text, gboolean expand)
{
  const char *end = block + text;
  char *w;

  out->v = mem;
  out->len = 0;
  w = (char *) (out->v + lines);
  for (const char *l = block; l;) {
    const char *eol = find_crlf (l, end);
    const char *le = eol ? eol : end;
    const char *next = eol ? eol + 2 : NULL;
    const char *colon, *np, *ne, *vp, *ve;

    if (le == l) {
      l = next;
      continue;
    }
    if ((*l == ' ' || *l == '\t') && out->len) {
      /* the previous value is the last text written: joined in place */
      const char *fp = l, *fe = le;
      strip_range (&fp, &fe);
      w[-1] = ' ';
      memcpy (w, fp, (gsize) (fe - fp));
      w += fe - fp;
      *w++ = '\0';
      l = next;
      continue;
    }
    colon = memchr (l, ':', (gsize) (le - l));
    if (colon) {
      CpmSipHeader *h = &out->v[out->len++];
      np = l, ne = colon, vp = colon + 1, ve = le;
      strip_range (&np, &ne);
      strip_range (&vp, &ve);
      memcpy (w, np, (gsize) (ne - np));
      w[ne - np] = '\0';
      h->name = expand ? cpm_sip_expand_compact (w) : w;
      h->name_len = h->name == w ? (gsize) (ne - np) : strlen (h->name);
      w += ne - np + 1;
      memcpy (w, vp, (gsize) (ve - vp));
      w[ve - vp] = '\0';
      h->value = w;
      w += ve - vp + 1;
    }
    l = next;
  }
}

void
cpm_sip_parse_headers (CpmSipHeaders *out, const char *block, gsize len, gboolean expand)
{
  gsize text;
  guint lines = cpm_sip_header_lines (block, len, &text);

  cpm_sip_parse_headers_in (out, g_malloc (CPM_SIP_HEADERS_SIZE (lines, text)), lines, block,
                            text, expand);
}

static gboolean
parse_start_line (CpmSipMessage *m, const char *line)
{
  g_auto (GStrv) w = g_strsplit (line, " ", 3);

  if (g_strv_length (w) < 3)
    return FALSE;
  if (strcmp (w[0], "SIP/2.0") == 0) {
    m->status = (guint) g_ascii_strtoull (w[1], NULL, 10);
    return m->status >= 100 && m->status < 700;
  }
  if (strcmp (w[2], "SIP/2.0") != 0)
    return FALSE;
  m->is_request = TRUE;
  m->method = g_strdup (w[0]);
  m->uri = g_strdup (w[1]);
  return TRUE;
}

CpmSipMessage *
cpm_sip_message_parse (const guint8 *data, gsize len, GError **error)
{
  const guint8 *body = find_header_end (data, len);
  const guint8 *eol = memchr (data, '\n', len);
  g_autofree char *start = NULL;
  CpmSipMessage *m;
  gsize hlen;

  if (!eol || eol == data || eol[-1] != '\r') {
    g_set_error (error, CPM_ERROR, CPM_ERROR_PARSE, "no SIP start line");
    return NULL;
  }
  start = g_strndup ((const char *) data, (gsize) (eol - 1 - data));
  m = g_new0 (CpmSipMessage, 1);
  if (!parse_start_line (m, start)) {
    cpm_sip_message_free (m);
    g_set_error (error, CPM_ERROR, CPM_ERROR_PARSE, "not a SIP start line: %.60s", start);
    return NULL;
  }
  hlen = body ? (gsize) (body - eol - 1) : len - (gsize) (eol + 1 - data);
  cpm_sip_parse_headers (&m->headers, (const char *) eol + 1, hlen, TRUE);
  m->body = body ? g_bytes_new (body, len - (gsize) (body - data)) : g_bytes_new (NULL, 0);
  return m;
}

void
cpm_sip_message_free (CpmSipMessage *m)
{
  if (!m)
    return;
  g_free (m->method);
  g_free (m->uri);
  cpm_sip_headers_clear (&m->headers);
  if (m->body)
    g_bytes_unref (m->body);
  if (m->parts)
    g_ptr_array_unref (m->parts);
  g_free (m);
}

const char *
cpm_sip_message_get_header_nth (const CpmSipMessage *m, const char *name, guint n)
{
  const char *full = cpm_sip_expand_compact (name);

  return cpm_sip_headers_get (&m->headers, full, strlen (full), n);
}

/* Content-Length of a header block without copying it (cpm_sip_parse_headers
 * allocated and copied every header of every frame: ~3.9k instructions a
 * call). Same reading: lines end at CRLF, text ends at a NUL, names and
 * values stripped, "l" is the compact form. TRUE: found or absent (*clen
 * 0); FALSE: a folded line, a long or a bad value, left to the full parse. */
static gboolean
scan_content_length (const guint8 *data, gsize len, guint64 *clen)
{
  const char *block = (const char *) data;
  const char *end = block + strnlen (block, len);

  *clen = 0;
  for (const char *l = block; l;) {
    const char *eol = find_crlf (l, end);
    const char *le = eol ? eol : end;
    const char *colon, *np, *ne, *vp, *ve;
    char buf[32], *rest;

    if (le > l && (*l == ' ' || *l == '\t'))
      return FALSE;
    colon = le > l ? memchr (l, ':', (gsize) (le - l)) : NULL;
    np = l, ne = colon, vp = colon ? colon + 1 : NULL, ve = le;
    l = eol ? eol + 2 : NULL;
    if (!colon)
      continue;
    strip_range (&np, &ne);
    if (!((ne - np == 14 && g_ascii_strncasecmp (np, "Content-Length", 14) == 0) ||
          (ne - np == 1 && g_ascii_tolower (*np) == 'l')))
      continue;
    strip_range (&vp, &ve);
    if (ve - vp >= (gssize) sizeof buf)
      return FALSE; /* a long value: the full parse reads it */
    memcpy (buf, vp, (gsize) (ve - vp));
    buf[ve - vp] = '\0';
    *clen = g_ascii_strtoull (buf, &rest, 10);
    if (rest == buf || *rest || *clen > G_MAXINT32)
      return FALSE; /* a folded line further on may complete it: the full parse */
  }
  return TRUE;
}

gssize
cpm_sip_frame_length (const guint8 *data, gsize len)
{
  const guint8 *end = find_header_end (data, len);
  g_auto (CpmSipHeaders) headers = { NULL, 0 };
  guint64 clen = 0;

  if (!end)
    return 0;
  if (scan_content_length (data, (gsize) (end - data), &clen))
    return (gsize) (end - data) + clen > len ? 0 : (gssize) ((gsize) (end - data) + clen);
  /* folded lines, a long or a bad value: the full parse */
  clen = 0;
  cpm_sip_parse_headers (&headers, (const char *) data, (gsize) (end - data), TRUE);
  for (guint i = 0; i < headers.len; i++) {
    const CpmSipHeader *h = &headers.v[i];
    if (h->name_len == 14 && cpm_ascii_caseeq (h->name, "Content-Length")) {
      char *rest;
      clen = g_ascii_strtoull (h->value, &rest, 10);
      if (rest == h->value || *rest || clen > G_MAXINT32)
        return -1;
    }
  }
  if ((gsize) (end - data) + clen > len)
    return 0;
  return (gssize) ((gsize) (end - data) + clen);
}

char *
cpm_sip_transaction_key (const CpmSipMessage *m)
{
  return g_strdup_printf ("%s\n%s", cpm_sip_message_get_header (m, "Call-ID") ?: "",
                          cpm_sip_message_get_header (m, "CSeq") ?: "");
}

char *
cpm_sip_addr_uri (const char *value)
{
  const char *lt, *gt;
  gsize n;

  if (!value)
    return NULL;
  lt = strchr (value, '<');
  if (lt && (gt = strchr (lt, '>')))
    return g_strndup (lt + 1, (gsize) (gt - lt - 1));
  while (*value == ' ')
    value++;
  n = strcspn (value, ";, ");
  return g_strndup (value, n);
}

char *
cpm_sip_param (const char *value, const char *param)
{
  const char *p = value ? strchr (value, '>') : NULL;
  gsize plen = strlen (param);

  for (p = p ? p : value; p && (p = strchr (p, ';')); p++) {
    const char *q = p + 1;
    while (*q == ' ')
      q++;
    if (g_ascii_strncasecmp (q, param, plen) == 0 && strchr ("=;, ", q[plen])) {
      if (q[plen] != '=')
        return g_strdup ("");
      q += plen + 1;
      if (*q == '"') {
        const char *e = strchr (q + 1, '"');
        return e ? g_strndup (q + 1, (gsize) (e - q - 1)) : g_strdup (q + 1);
      }
      return g_strndup (q, strcspn (q, ";, "));
    }
  }
  return NULL;
}

void
cpm_sip_part_free (CpmSipPart *p)
{
  g_free (p->content_type);
  g_free (p->content_id);
  g_bytes_unref (p->content);
  g_free (p);
}

static CpmSipPart *
part_new (const char *type, const char *id, GBytes *content)
{
  CpmSipPart *p = g_new0 (CpmSipPart, 1);

  p->content_type = g_strdup (type ? type : "text/plain");
  p->content_id = id ? g_strdup (id) : NULL;
  p->content = g_bytes_ref (content);
  return p;
}

/* Decoded content of a leaf part (Content-Transfer-Encoding undone). */
static GBytes *
leaf_bytes (GMimePart *part)
{
  GMimeDataWrapper *w = g_mime_part_get_content (part);
  GMimeStream *mem = g_mime_stream_mem_new ();
  GByteArray *arr;
  GBytes *b;

  if (w)
    g_mime_data_wrapper_write_to_stream (w, mem);
  arr = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (mem));
  b = g_bytes_new (arr->data, arr->len);
  g_object_unref (mem);
  return b;
}

static void
collect_parts (GMimeObject *obj, GPtrArray *out)
{
  if (GMIME_IS_MULTIPART (obj)) {
    GMimeMultipart *mp = GMIME_MULTIPART (obj);
    for (int i = 0; i < g_mime_multipart_get_count (mp); i++)
      collect_parts (g_mime_multipart_get_part (mp, i), out);
  } else if (GMIME_IS_PART (obj)) {
    g_autofree char *type = g_mime_content_type_get_mime_type (g_mime_object_get_content_type (obj));
    g_autoptr (GBytes) b = leaf_bytes (GMIME_PART (obj));
    g_ptr_array_add (out, part_new (type, g_mime_object_get_content_id (obj), b));
  }
}

static GPtrArray *
body_parts (const CpmSipMessage *m)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) cpm_sip_part_free);
  const char *type = cpm_sip_message_get_header (m, "Content-Type");
  gsize n = g_bytes_get_size (m->body);

  if (n == 0)
    return out;
  if (type && g_ascii_strncasecmp (type, "multipart/", 10) == 0) {
    g_autoptr (GByteArray) all = g_byte_array_new ();
    g_autofree char *head = g_strdup_printf ("Content-Type: %s\r\n\r\n", type);
    g_byte_array_append (all, (const guint8 *) head, (guint) strlen (head));
    g_byte_array_append (all, g_bytes_get_data (m->body, NULL), (guint) n);
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer ((const char *) all->data, all->len);
    GMimeParser *parser = g_mime_parser_new_with_stream (stream);
    GMimeObject *obj = g_mime_parser_construct_part (parser, NULL);
    if (obj) {
      collect_parts (obj, out);
      g_object_unref (obj);
    }
    g_object_unref (parser);
    g_object_unref (stream);
    if (out->len)
      return out;
  }
  {
    g_autofree char *bare = type ? g_strndup (type, strcspn (type, ";")) : NULL;
    g_ptr_array_add (out, part_new (bare ? g_strstrip (bare) : NULL, NULL, m->body));
  }
  return out;
}

const CpmSipPart *
cpm_sip_parts_find (GPtrArray *parts, const char *type)
{
  for (guint i = 0; parts && i < parts->len; i++) {
    const CpmSipPart *p = parts->pdata[i];
    if (g_ascii_strcasecmp (p->content_type, type) == 0)
      return p;
  }
  return NULL;
}

GPtrArray *
cpm_sip_message_body_parts (const CpmSipMessage *m)
{
  /* a cache filled on demand: the message is otherwise not changed */
  CpmSipMessage *cache = (CpmSipMessage *) m;

  if (!cache->parts)
    cache->parts = body_parts (m);
  return g_ptr_array_ref (cache->parts);
}
