/* Stand-alone Media Objects (5.2.5) and the MIME body helpers the other
 * multipart kinds share.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"

#include "cpm-media-private.h"
#include "cpm-object-private.h"
#include "cpm-validate-private.h"

#include <string.h>

#define SECTION_MEDIA "5.2.5"

/* ---- parsing a body with GMime ---- */

typedef struct {
  CpmMimeBody *mb;
  CpmReport *report;
  const char *rule;
  const char *section;
} WarnCtx;

static gboolean
warning_is_error (GMimeParserWarning code)
{
  switch (code) {
  case GMIME_WARN_DUPLICATED_HEADER:
  case GMIME_WARN_DUPLICATED_PARAMETER:
  case GMIME_WARN_UNENCODED_8BIT_HEADER:
  case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE:
  case GMIME_WARN_INVALID_PARAMETER:
  case GMIME_WARN_INVALID_ADDRESS_LIST:
  case GMIME_WARN_PART_WITHOUT_CONTENT:
    return FALSE;
  default:
    return TRUE;
  }
}

static const char *
warning_text (GMimeParserWarning code)
{
  switch (code) {
  case GMIME_WARN_DUPLICATED_HEADER: return "a part header field is repeated";
  case GMIME_WARN_DUPLICATED_PARAMETER: return "a header parameter is repeated";
  case GMIME_WARN_UNENCODED_8BIT_HEADER: return "a part header holds unencoded 8-bit bytes";
  case GMIME_WARN_INVALID_CONTENT_TYPE: return "a part has an invalid Content-Type";
  case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE: return "invalid RFC 2047 encoded-word";
  case GMIME_WARN_INVALID_PARAMETER: return "invalid header parameter";
  case GMIME_WARN_MALFORMED_MULTIPART: return "multipart without any body part (boundary never found)";
  case GMIME_WARN_TRUNCATED_MESSAGE: return "body is truncated (closing boundary missing)";
  case GMIME_WARN_MALFORMED_MESSAGE: return "malformed MIME entity";
  case GMIME_WARN_INVALID_ADDRESS_LIST: return "invalid address list";
  case GMIME_CRIT_INVALID_HEADER_NAME: return "invalid header field name in a part";
  case GMIME_CRIT_CONFLICTING_HEADER: return "conflicting part header fields";
  case GMIME_CRIT_CONFLICTING_PARAMETER: return "conflicting header parameters";
  case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY: return "multipart without a boundary parameter";
  case GMIME_CRIT_NESTING_OVERFLOW: return "MIME nesting too deep";
  case GMIME_WARN_PART_WITHOUT_CONTENT: return "a part's headers end at a boundary (no content)";
  case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT: return "a part has neither headers nor content";
  default: return "MIME structure problem";
  }
}

static void
on_parser_warning (gint64 offset, GMimeParserWarning code, const char *item, gpointer data)
{
  WarnCtx *ctx = data;
  /* The synthesized top-level header block is the registry's business (the
   * Content-Type value itself is checked there), not the body's. */
  if (offset >= 0 && (gsize) offset < ctx->mb->prefix_len && code != GMIME_WARN_MALFORMED_MULTIPART &&
      code != GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY && code != GMIME_WARN_TRUNCATED_MESSAGE)
    return;
  if (warning_is_error (code))
    ctx->mb->damaged = TRUE;
  if (!ctx->report)
    return;
  cpm_report_add (ctx->report, ctx->rule,
                  warning_is_error (code) ? CPM_SEVERITY_ERROR : CPM_SEVERITY_WARNING,
                  ctx->section, NULL, cpm_mime_body_offset_line (ctx->mb, offset), "%s%s%s%s",
                  warning_text (code), item ? " (" : "", item ? item : "", item ? ")" : "");
}

/* Nesting of multiparts below @obj (1 for a leaf). GMime stops parsing
 * at its own nesting limit, which bounds this recursion. */
static guint
mime_depth (GMimeObject *obj)
{
  if (!GMIME_IS_MULTIPART (obj))
    return 1;
  guint deepest = 0;
  GMimeMultipart *mp = GMIME_MULTIPART (obj);
  for (int i = 0; i < g_mime_multipart_get_count (mp); i++) {
    guint d = mime_depth (g_mime_multipart_get_part (mp, i));
    deepest = MAX (deepest, d);
  }
  return deepest + 1;
}

/* The buffer GMime parses: "prefix + body", a copy of each multipart body.
 * One buffer per thread is kept from one object to the next: a fresh one
 * for each 100 KB file transfer object comes from new pages (malloc hands
 * such blocks back to the kernel on free), and faulting those in cost more
 * than the parse. The parsed parts point into it, so it is only given back
 * when the entity is gone (cpm_mime_body_clear). */
static GPrivate scratch_key = G_PRIVATE_INIT ((GDestroyNotify) g_byte_array_unref);
/* a buffer grown past this by one huge object is not kept */
#define SCRATCH_KEEP (1024 * 1024)

static GByteArray *
scratch_take (void)
{
  GByteArray *a = g_private_get (&scratch_key);
  if (!a)
    return g_byte_array_new ();
  g_private_set (&scratch_key, NULL);
  g_byte_array_set_size (a, 0);
  return a;
}

static void
scratch_give_back (GByteArray *a)
{
  if (a->len <= SCRATCH_KEEP && g_private_get (&scratch_key) == NULL)
    g_private_set (&scratch_key, a);
  else
    g_byte_array_unref (a);
}

static void
append_str (GByteArray *a, const char *s)
{
  g_byte_array_append (a, (const guint8 *) s, (guint) strlen (s));
}

gboolean
cpm_mime_body_parse (CpmMimeBody *mb, const CpmObject *object, CpmReport *report,
                     const char *rule, const char *section)
{
  memset (mb, 0, sizeof *mb);
  GBytes *body = cpm_object_get_body (object);
  if (!body)
    return FALSE;
  cpm_gmime_ensure ();
  mb->body = g_bytes_ref (body);
  mb->body_line = cpm_object_get_body_line (object);

  const char *ct = cpm_object_get_header (object, "Content-Type");
  const char *cte = cpm_object_get_header (object, "Content-Transfer-Encoding");
  gsize len = 0;
  const char *data = g_bytes_get_data (body, &len);
  GByteArray *array = mb->scratch = scratch_take ();
  append_str (array, "Content-Type: ");
  append_str (array, ct ? ct : "text/plain");
  append_str (array, "\r\n");
  if (cte) {
    append_str (array, "Content-Transfer-Encoding: ");
    append_str (array, cte);
    append_str (array, "\r\n");
  }
  append_str (array, "\r\n");
  mb->prefix_len = array->len;
  g_byte_array_append (array, (const guint8 *) data, (guint) len);
  /* The stream reads the buffer and leaves it to us (see scratch_take). */
  GMimeStream *stream = g_mime_stream_mem_new_with_byte_array (array);
  g_mime_stream_mem_set_owner (GMIME_STREAM_MEM (stream), FALSE);

  WarnCtx ctx = { mb, report, rule, section };
  GMimeParserOptions *options = g_mime_parser_options_new ();
  g_mime_parser_options_set_warning_callback (options, on_parser_warning, &ctx);
  GMimeParser *parser = g_mime_parser_new_with_stream (stream);
  g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
  mb->entity = g_mime_parser_construct_part (parser, options);
  g_object_unref (parser);
  g_mime_parser_options_free (options);
  g_object_unref (stream);
  if (!mb->entity && report)
    cpm_report_add (report, rule, CPM_SEVERITY_ERROR, section, NULL, mb->body_line,
                    "the body is not a MIME entity GMime can parse");
  guint max = cpm_limits_default ()->max_mime_depth;
  if (mb->entity && mime_depth (mb->entity) > max) {
    mb->damaged = TRUE;
    if (report)
      cpm_report_add (report, "limit.mime-depth", CPM_SEVERITY_ERROR, "CpmLimits", NULL,
                      mb->body_line, "MIME entities nested deeper than the limit max_mime_depth (%u)", max);
  }
  return TRUE;
}

void
cpm_mime_body_clear (CpmMimeBody *mb)
{
  g_clear_object (&mb->entity);
  if (mb->scratch)
    scratch_give_back (g_steal_pointer (&mb->scratch));
  g_clear_pointer (&mb->body, g_bytes_unref);
}

/* LFs in @p[0..@len), sixteen bytes at a time where GCC's vectors exist. */
static gsize
count_lf (const guint8 *p, gsize len)
{
  gsize n = 0, i = 0;
#if defined(__GNUC__)
  typedef guint8 Lf16 __attribute__ ((vector_size (16)));
  while (i + 16 <= len) {
    /* byte counters (0 - -1 per LF) hold at most 255 blocks */
    Lf16 acc = { 0 };
    for (guint k = 0; k < 255 && i + 16 <= len; k++, i += 16) {
      Lf16 v;
      memcpy (&v, p + i, sizeof v);
      acc -= (Lf16) (v == '\n');
    }
    guint64 w[2];
    memcpy (w, &acc, sizeof w);
    for (guint j = 0; j < 2; j++) {
      guint64 x = (w[j] & 0x00ff00ff00ff00ffULL) + ((w[j] >> 8) & 0x00ff00ff00ff00ffULL);
      n += (gsize) ((x * 0x0001000100010001ULL) >> 48);
    }
  }
#endif
  for (; i < len; i++)
    n += p[i] == '\n';
  return n;
}

guint
cpm_mime_body_offset_line (const CpmMimeBody *mb, gint64 offset)
{
  if (!mb->body || mb->body_line == 0)
    return 0;
  if (offset >= 0 && (gsize) offset < mb->prefix_len)
    return mb->body_line;
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (mb->body, &len);
  /* GMime gives no offset (-1) for findings at the end of the input. */
  gsize end = offset < 0 ? len : MIN ((gsize) offset - mb->prefix_len, len);
  /* Lines before @end: the number of LFs at offsets below it, counted on
   * from the cursor (a cache, not a change) or, before it, from the start. */
  CpmMimeBody *m = (CpmMimeBody *) mb;
  if (end < m->lf_at) {
    m->lf_at = 0;
    m->lf_count = 0;
  }
  if (end > m->lf_at)
    m->lf_count += (guint) count_lf (data + m->lf_at, end - m->lf_at);
  m->lf_at = end;
  return mb->body_line + m->lf_count;
}

guint
cpm_mime_body_part_line (const CpmMimeBody *mb, GMimeObject *part)
{
  GMimeHeaderList *headers = g_mime_object_get_header_list (part);
  if (!headers || g_mime_header_list_get_count (headers) == 0)
    return 0;
  return cpm_mime_body_offset_line (mb, g_mime_header_get_offset (g_mime_header_list_get_header_at (headers, 0)));
}

GStrv
cpm_text_split (const char *text, char sep)
{
  GPtrArray *out = g_ptr_array_new ();
  const char *p = text ? text : "";
  for (;;) {
    const char *q = strchr (p, sep);
    if (!q) {
      g_ptr_array_add (out, g_strdup (p));
      break;
    }
    g_ptr_array_add (out, g_strndup (p, (gsize) (q - p)));
    p = q + 1;
  }
  g_ptr_array_add (out, NULL);
  return (GStrv) g_ptr_array_free (out, FALSE);
}

const char *
cpm_participants_problem (const char *text)
{
  g_auto(GStrv) items = cpm_text_split (text ? text : "", ';');
  guint n = 0;
  gboolean empty = FALSE;
  for (guint i = 0; items[i]; i++) {
    g_strstrip (items[i]);
    if (*items[i])
      n++;
    else if (items[i + 1] || i == 0) /* a trailing ";" is tolerated */
      empty = TRUE;
  }
  if (n == 0)
    return "<invited-participants> lists no address";
  return empty ? "<invited-participants> has an empty entry between \";\"" : NULL;
}

/* ---- content and its transfer encoding ---- */

static GBytes *
stream_to_bytes (GMimeStream *src, GMimeDataWrapper *decode_with)
{
  GMimeStream *mem = g_mime_stream_mem_new ();
  if (decode_with)
    g_mime_data_wrapper_write_to_stream (decode_with, mem);
  else {
    g_mime_stream_reset (src);
    g_mime_stream_write_to_stream (src, mem);
    g_mime_stream_reset (src);
  }
  GByteArray *array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (mem));
  GBytes *bytes = g_bytes_new (array->data, array->len);
  g_object_unref (mem);
  return bytes;
}

GBytes *
cpm_mime_part_decode (GMimePart *part)
{
  GMimeDataWrapper *content = g_mime_part_get_content (part);
  if (!content)
    return g_bytes_new (NULL, 0);
  return stream_to_bytes (NULL, content);
}

/* GObject data on a part's content: its decoded size, found by the
 * encoding check (cpm_mime_part_encoding_problem). */
#define DECODED_SIZE_KEY "cpm-decoded-size"

/* The raw bytes of a stream without a copy: GMime's parser leaves each
 * part's content as a window on the memory stream it parsed (a substream
 * sharing its buffer). FALSE for any other kind of stream. */
static gboolean
stream_slice (GMimeStream *s, const guint8 **data, gsize *len)
{
  if (!GMIME_IS_STREAM_MEM (s))
    return FALSE;
  GByteArray *array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (s));
  if (!array)
    return FALSE;
  gint64 start = s->bound_start;
  gint64 end = s->bound_end < 0 ? (gint64) array->len : s->bound_end;
  if (start < 0 || start > end || end > (gint64) array->len)
    return FALSE;
  *data = array->data + start;
  *len = (gsize) (end - start);
  return TRUE;
}

/* Byte classes of base64 text, one bit each: 1 line break or blank
 * (skipped), 2 the alphabet, 4 '=' padding, 8 anything else. A table with
 * one-bit classes lets the loop below test eight bytes at a time: file
 * transfer bodies are mostly base64, and this loop sees every byte. */
static const guint8 base64_class[256] = {
  8, 8, 8, 8, 8, 8, 8, 8, 8, 1, 1, 8, 8, 1, 8, 8,
  8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
  1, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 2, 8, 8, 8, 2,
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 8, 8, 8, 4, 8, 8,
  8, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 8, 8, 8, 8, 8,
  8, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 8, 8, 8, 8, 8,
  8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
  8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
  8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
  8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
  8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
  8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
  8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
  8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
};

/* Sixteen bytes of base64 text at once, before any padding: TRUE when
 * each one is in the alphabet or a line break or blank, with the count of
 * those skipped in *@blanks. File transfer and media bodies are mostly
 * base64 and the check sees every byte; GCC's vector types make this a
 * handful of SSE2 instructions on x86-64 and plain code elsewhere. */
#if defined(__GNUC__)
typedef guint8 Block16 __attribute__ ((vector_size (16)));
typedef gint8 SBlock16 __attribute__ ((vector_size (16)));

/* Each byte of @v in [@lo, @lo + @n): moved so that the range starts at
 * -128, one signed comparison (SSE2 has no unsigned one) tells. */
#define IN_RANGE(v, lo, n) \
  ((Block16) ((SBlock16) ((v) + (guint8) (128 - (lo))) < (gint8) (-128 + (n))))

static inline gboolean
all_ones (Block16 m)
{
  guint64 w[2];
  memcpy (w, &m, sizeof w);
  return (w[0] & w[1]) == G_MAXUINT64;
}

static inline gboolean
base64_block (const guint8 *p, guint *blanks)
{
  Block16 v;
  memcpy (&v, p, sizeof v);
  /* (v | 0x20) folds A-Z onto a-z */
  Block16 ok = IN_RANGE (v | 0x20, 'a', 26) | IN_RANGE (v, '0', 10) |
               (Block16) (v == '+') | (Block16) (v == '/');
  if (all_ones (ok)) {
    *blanks = 0;
    return TRUE;
  }
  /* one block in five holds a line end */
  Block16 blank = (Block16) (v == '\n') | (Block16) (v == '\r') | (Block16) (v == ' ') |
                  (Block16) (v == '\t');
  if (!all_ones (ok | blank))
    return FALSE;
  guint64 b[2];
  memcpy (b, &blank, sizeof b);
  const guint64 ones = 0x0101010101010101ULL;
  /* one bit per blank byte, summed into the top byte by the multiply */
  *blanks = (guint) ((((b[0] & ones) + (b[1] & ones)) * ones) >> 56);
  return TRUE;
}

/* 128 bytes of base64 text at once, before any padding: TRUE when each
 * is in the alphabet or a line break or blank, with the count of the
 * alphabet's in *@chars. No branch per block: a line end falls in one
 * block of five, too irregularly for branch prediction. */
static inline gboolean
base64_chunk (const guint8 *p, gsize *chars)
{
  Block16 bad = { 0 }, blanks = { 0 };
  for (guint k = 0; k < 8; k++) {
    Block16 v;
    memcpy (&v, p + 16 * k, sizeof v);
    Block16 ok = IN_RANGE (v | 0x20, 'a', 26) | IN_RANGE (v, '0', 10) |
                 (Block16) (v == '+') | (Block16) (v == '/');
    Block16 blank = (Block16) (v == '\n') | (Block16) (v == '\r') | (Block16) (v == ' ') |
                    (Block16) (v == '\t');
    bad |= ~(ok | blank);
    blanks -= blank; /* 0 - (-1): one per blank byte, at most 8 a lane */
  }
  guint64 w[2];
  memcpy (w, &bad, sizeof w);
  if (w[0] | w[1])
    return FALSE;
  memcpy (w, &blanks, sizeof w);
  *chars = 128 - (gsize) (((w[0] + w[1]) * 0x0101010101010101ULL) >> 56);
  return TRUE;
}
#endif

/* Counts the characters of base64 text (padding included) and its '='
 * padding. Returns FALSE with *@at at the first byte that makes the text
 * invalid (outside the alphabet, or data after padding). */
static gboolean
base64_count (const guint8 *p, gsize len, gsize *n, gsize *pad, gsize *at)
{
  gsize chars = 0, pads = 0, i = 0;
  while (i < len) {
#if defined(__GNUC__)
    gsize n128;
    while (pads == 0 && i + 128 <= len && base64_chunk (p + i, &n128)) {
      chars += n128;
      i += 128;
    }
    guint blanks;
    while (pads == 0 && i + 16 <= len && base64_block (p + i, &blanks)) {
      chars += 16 - blanks;
      i += 16;
    }
#endif
    while (pads == 0 && i + 8 <= len &&
           (base64_class[p[i]] & base64_class[p[i + 1]] & base64_class[p[i + 2]] &
            base64_class[p[i + 3]] & base64_class[p[i + 4]] & base64_class[p[i + 5]] &
            base64_class[p[i + 6]] & base64_class[p[i + 7]]) == 2) {
      chars += 8;
      i += 8;
    }
    if (i == len)
      break;
    guint8 k = base64_class[p[i]];
    if (k == 2 && pads == 0) {
      chars++;
    } else if (k == 4) {
      pads++;
      chars++;
    } else if (k != 1) {
      *at = i;
      return FALSE;
    }
    i++;
  }
  *n = chars;
  *pad = pads;
  return TRUE;
}

/* Valid base64 text: why not, or NULL and its decoded size in *@decoded. */
static char *
base64_problem (const guint8 *p, gsize len, gsize *decoded)
{
  gsize n = 0, pad = 0, at = 0;
  if (!base64_count (p, len, &n, &pad, &at)) {
    if (base64_class[p[at]] == 2)
      return g_strdup ("base64 data continues after '=' padding");
    return g_strdup_printf ("byte 0x%02x at offset %" G_GSIZE_FORMAT " is not in the base64 alphabet", p[at], at);
  }
  if (pad > 2 || n % 4 != 0)
    return g_strdup_printf ("base64 data is %" G_GSIZE_FORMAT " characters, not a multiple of 4", n);
  *decoded = n / 4 * 3 - pad;
  return NULL;
}

static char *
qp_problem (const guint8 *p, gsize len)
{
  for (gsize i = 0; i < len; i++) {
    if (p[i] != '=')
      continue;
    gsize j = i + 1;
    while (j < len && (p[j] == ' ' || p[j] == '\t'))
      j++;
    if (j >= len || p[j] == '\r' || p[j] == '\n')
      continue; /* soft line break */
    if (i + 2 < len && g_ascii_isxdigit (p[i + 1]) && g_ascii_isxdigit (p[i + 2]))
      continue;
    return g_strdup_printf ("'=' at offset %" G_GSIZE_FORMAT " is not followed by two hex digits", i);
  }
  return NULL;
}

static gboolean
is_identity_encoding (const char *cte)
{
  return !cte || g_ascii_strcasecmp (cte, "7bit") == 0 || g_ascii_strcasecmp (cte, "8bit") == 0 ||
         g_ascii_strcasecmp (cte, "binary") == 0;
}

static char *
header_token (GMimeObject *obj, const char *name)
{
  const char *v = g_mime_object_get_header (obj, name);
  return v ? g_strstrip (g_strdup (v)) : NULL;
}

char *
cpm_mime_part_encoding_problem (GMimePart *part)
{
  g_autofree char *cte = header_token (GMIME_OBJECT (part), "Content-Transfer-Encoding");
  if (is_identity_encoding (cte))
    return NULL;
  gboolean b64 = g_ascii_strcasecmp (cte, "base64") == 0;
  gboolean qp = g_ascii_strcasecmp (cte, "quoted-printable") == 0;
  if (!b64 && !qp)
    return g_strdup_printf ("unknown Content-Transfer-Encoding \"%s\" (RFC 2045 6.1)", cte);
  GMimeDataWrapper *content = g_mime_part_get_content (part);
  GMimeStream *raw = content ? g_mime_data_wrapper_get_stream (content) : NULL;
  if (!raw)
    return NULL;
  const guint8 *p = NULL;
  gsize len = 0, decoded = 0;
  g_autoptr(GBytes) bytes = NULL;
  if (!stream_slice (raw, &p, &len)) {
    bytes = stream_to_bytes (raw, NULL);
    p = g_bytes_get_data (bytes, &len);
  }
  if (!b64)
    return qp_problem (p, len);
  char *why = base64_problem (p, len, &decoded);
  /* The file-selector size check needs only this number: keeping it saves
   * a second pass over every file part (+1: 0 means unknown). */
  if (!why)
    g_object_set_data (G_OBJECT (content), DECODED_SIZE_KEY, GSIZE_TO_POINTER (decoded + 1));
  return why;
}

gsize
cpm_mime_part_decoded_size (GMimePart *part)
{
  GMimeDataWrapper *content = g_mime_part_get_content (part);
  if (!content)
    return 0;
  gpointer known = g_object_get_data (G_OBJECT (content), DECODED_SIZE_KEY);
  if (known)
    return GPOINTER_TO_SIZE (known) - 1;
  GMimeStream *raw = g_mime_data_wrapper_get_stream (content);
  GMimeContentEncoding enc = g_mime_data_wrapper_get_encoding (content);
  const guint8 *p = NULL;
  gsize len = 0, n = 0, pad = 0, at = 0;
  if (raw && stream_slice (raw, &p, &len)) {
    /* GMime decodes only these three; any other encoding is copied as is. */
    if (enc != GMIME_CONTENT_ENCODING_BASE64 && enc != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE &&
        enc != GMIME_CONTENT_ENCODING_UUENCODE)
      return len;
    if (enc == GMIME_CONTENT_ENCODING_BASE64 && base64_count (p, len, &n, &pad, &at) &&
        pad <= 2 && n % 4 == 0)
      return n / 4 * 3 - pad;
  }
  g_autoptr(GBytes) data = cpm_mime_part_decode (part);
  return g_bytes_get_size (data);
}

typedef struct {
  const CpmMimeBody *mb;
  CpmReport *report;
  const char *rule;
  const char *section;
} EncCtx;

/* The part's line is looked up only for a finding: it indexes the line
 * ends of the whole body, a pass over every byte of a 100 KB file. */
static void
check_one_encoding (GMimeObject *obj, EncCtx *ctx)
{
  if (GMIME_IS_PART (obj)) {
    g_autofree char *why = cpm_mime_part_encoding_problem (GMIME_PART (obj));
    if (why)
      cpm_report_add (ctx->report, ctx->rule, CPM_SEVERITY_ERROR, ctx->section,
                      "Content-Transfer-Encoding", cpm_mime_body_part_line (ctx->mb, obj),
                      "%s", why);
    return;
  }
  g_autofree char *cte = header_token (obj, "Content-Transfer-Encoding");
  if (!is_identity_encoding (cte))
    cpm_report_add (ctx->report, ctx->rule, CPM_SEVERITY_ERROR, "RFC 2045 6.4",
                    "Content-Transfer-Encoding", cpm_mime_body_part_line (ctx->mb, obj),
                    "a composite entity must be 7bit, 8bit or binary, not \"%s\"", cte);
}

static void
foreach_encoding (GMimeObject *parent, GMimeObject *part, gpointer data)
{
  check_one_encoding (part, data);
}

void
cpm_mime_body_check_encodings (const CpmMimeBody *mb, CpmReport *report, const char *rule,
                               const char *section)
{
  if (!mb->entity)
    return;
  EncCtx ctx = { mb, report, rule, section };
  /* The top-level entity's encoding header came from the object's own
   * header block; check it as well, at the body's line. */
  check_one_encoding (mb->entity, &ctx);
  if (GMIME_IS_MULTIPART (mb->entity))
    g_mime_multipart_foreach (GMIME_MULTIPART (mb->entity), foreach_encoding, &ctx);
}

/* ---- the rule catalogue of the body modules ---- */

static const CpmRuleInfo body_rules[] = {
  { "ft.content-type", CPM_SEVERITY_ERROR, "5.2.2 Table 2",
    "Content-Type is not multipart/related with type Application/X-CPM-File-Transfer" },
  { "ft.boundary", CPM_SEVERITY_WARNING, "5.2.2 Table 2",
    "the multipart boundary is not \"cpm\"" },
  { "ft.mime", CPM_SEVERITY_ERROR, "5.2.2 Table 2",
    "the multipart body does not split into parts" },
  { "ft.encoding", CPM_SEVERITY_ERROR, "RFC 2045 6",
    "a part's transfer encoding is unknown or does not decode" },
  { "ft.root-type", CPM_SEVERITY_ERROR, "5.2.2 Table 2",
    "the root part is not Application/X-CPM-File-Transfer" },
  { "ft.root-element", CPM_SEVERITY_ERROR, "5.2.2.1",
    "the root element is not <file-transfer>" },
  { "ft.type-missing", CPM_SEVERITY_ERROR, "5.2.2.1",
    "no <file-transfer-type>" },
  { "ft.type-value", CPM_SEVERITY_ERROR, "5.2.2.1",
    "<file-transfer-type> is not Ad-Hoc, Pre-Defined or 1-1" },
  { "ft.participants-missing", CPM_SEVERITY_ERROR, "5.2.2.1",
    "a group transfer without <invited-participants>" },
  { "ft.participants-not-allowed", CPM_SEVERITY_ERROR, "5.2.2.1",
    "a 1-1 transfer with <invited-participants>" },
  { "ft.participants-value", CPM_SEVERITY_ERROR, "5.2.2.1",
    "<invited-participants> lists an empty address" },
  { "ft.sdp-missing", CPM_SEVERITY_ERROR, "5.2.2.1",
    "no <sdp>" },
  { "ft.sdp-file-selector", CPM_SEVERITY_WARNING, "5.2.2.1, RFC 5547",
    "<sdp> has no a=file-selector" },
  { "ft.sdp-value", CPM_SEVERITY_ERROR, "5.2.2.1, RFC 5547",
    "a=file-selector size: is not a number" },
  { "ft.imdn-value", CPM_SEVERITY_ERROR, "5.2.2.1",
    "an <imdn> line is not a CPIM header" },
  { "ft.element-repeated", CPM_SEVERITY_ERROR, "5.2.2.1",
    "an element of <file-transfer> occurs twice" },
  { "ft.element-unknown", CPM_SEVERITY_WARNING, "5.2.2.1",
    "an element 5.2.2.1 does not define" },
  { "ft.cid-missing", CPM_SEVERITY_ERROR, "5.2.2.1",
    "<file-object> without <cid>" },
  { "ft.cid-syntax", CPM_SEVERITY_ERROR, "5.2.2.1, RFC 2392",
    "a <cid> or a=file-icon that is not a cid: URL" },
  { "ft.cid-unresolved", CPM_SEVERITY_ERROR, "5.2.2.1, RFC 2392",
    "a <cid> names no body part" },
  { "ft.icon-unresolved", CPM_SEVERITY_ERROR, "5.2.2.1, RFC 2392",
    "a=file-icon names no thumbnail part" },
  { "ft.cid-duplicate", CPM_SEVERITY_ERROR, "RFC 2392 2",
    "two parts carry the same Content-ID" },
  { "ft.file-missing", CPM_SEVERITY_WARNING, "5.2.2 Table 2",
    "no file part after the root" },
  { "ft.size-mismatch", CPM_SEVERITY_ERROR, "5.2.2.1, RFC 5547",
    "a=file-selector size: differs from the stored file" },
  { "ft.type-mismatch", CPM_SEVERITY_WARNING, "5.2.2.1, RFC 5547",
    "a=file-selector type: differs from the file part" },
  { "session.content-type", CPM_SEVERITY_ERROR, "5.2.3 Table 3",
    "Content-Type is not Application/X-CPM-Session" },
  { "session.root-element", CPM_SEVERITY_ERROR, "5.2.3.1",
    "the root element is not <session>" },
  { "session.type-missing", CPM_SEVERITY_ERROR, "5.2.3.1",
    "no <session-type>" },
  { "session.type-value", CPM_SEVERITY_ERROR, "5.2.3.1",
    "<session-type> is neither Group nor 1-1" },
  { "session.participants-missing", CPM_SEVERITY_ERROR, "5.2.3.1",
    "a Group session without <invited-participants>" },
  { "session.participants-not-allowed", CPM_SEVERITY_ERROR, "5.2.3.1",
    "a 1-1 session with <invited-participants>" },
  { "session.participants-value", CPM_SEVERITY_ERROR, "5.2.3.1",
    "<invited-participants> lists an empty address" },
  { "session.replaces-value", CPM_SEVERITY_ERROR, "5.2.3.1, C.2",
    "<session-replaces> is not a Contribution-ID" },
  { "session.element-repeated", CPM_SEVERITY_ERROR, "5.2.3.1",
    "an element of <session> occurs twice" },
  { "session.element-unknown", CPM_SEVERITY_WARNING, "5.2.3.1",
    "an element 5.2.3.1 does not define" },
  { "session-history.profile", CPM_SEVERITY_ERROR, "4.2",
    "a 1.0 session history object under profile 2.0 or later" },
  { "media.mime", CPM_SEVERITY_ERROR, "5.2.5",
    "the MIME wrapping of a media object does not parse" },
  { "media.encoding", CPM_SEVERITY_ERROR, "5.2.5, RFC 2045 6",
    "a transfer encoding is unknown or does not decode" },
  { "limit.mime-depth", CPM_SEVERITY_ERROR, "CpmLimits",
    "MIME entities nested deeper than max_mime_depth (32)" },
};

const CpmRuleInfo *
cpm_body_rules (guint *n_rules)
{
  *n_rules = G_N_ELEMENTS (body_rules);
  return body_rules;
}

/* ---- the stand-alone media object ---- */

void
cpm_validate_body_media (const CpmObject *object, CpmProfile profile, CpmReport *report)
{
  /* Content-Type presence and grammar are the registry's (content-type.*);
   * an empty body is the engine's body.missing. What is left is the MIME
   * wrapping itself: parts that parse and contents that decode. */
  GBytes *body = cpm_object_get_body (object);
  if (!body || g_bytes_get_size (body) == 0)
    return;
  CpmMimeBody mb;
  if (!cpm_mime_body_parse (&mb, object, report, "media.mime", SECTION_MEDIA))
    return;
  cpm_mime_body_check_encodings (&mb, report, "media.encoding", SECTION_MEDIA);
  cpm_mime_body_clear (&mb);
}
