/* The stored object: a zero-copy header scanner over the input bytes, the
 * field list, kind recognition and byte-exact serialization.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"
#include "cpm-word-private.h"
#include "cpm-object-private.h"

#include <cpmobj/cpm-header.h>
#include <gmime/gmime.h>
#include <string.h>

/* One header field. A parsed field points into the input (raw/name/value
 * are slices of object->data); a generated one owns its name and value. */
typedef struct {
  const char *raw;      /* whole field, folded lines and line end included */
  gsize raw_len;
  const char *name;
  gsize name_len;
  const char *value;    /* unfolded, trimmed */
  gsize value_len;
  char *owned_name;     /* NUL-terminated copies, made lazily or when generated */
  char *owned_value;
  guint line;
  /* flags as bits: sizeof (Field) stays 72 bytes, so an object with its
   * LOCAL_FIELDS fields stays within 1 KB */
  guint malformed : 1;  /* a line that is not a field; written back verbatim */
  guint joined : 1;     /* owned_value lies in owned_name's allocation */
  guint in_arena : 1;   /* owned_name lies in the object's arena: freed with it */
  guint ascii : 1;      /* generated with a value its caller found cpm_is_ascii_text */
} Field;

/* Fields an object holds in its own allocation: the converter's objects
 * have 8-11, and the object with 12 stays within 1 KB, which malloc serves
 * from its per-thread cache. A GArray was two allocations more per object
 * and a call per field appended and per field cleared. */
#define LOCAL_FIELDS 12

struct _CpmObject {
  gint ref_count;
  CpmKind kind;
  GBytes *input;        /* keeps the parsed bytes alive */
  const char *data;
  gsize len;
  Field *fields;        /* local, or a heap array once more are added */
  guint n_fields;
  guint fields_size;
  const char *separator; /* the empty line ending the header block, or NULL */
  gsize separator_len;
  GBytes *body;
  guint body_line;
  gboolean crlf;
  CpmReport *parse_report; /* created at the first defect: most objects have none */
  /* Names and values of appended fields (cpm_object_append_header): a
   * built object appends ~10, a malloc and a free each otherwise. Blocks
   * are chained through their first bytes and freed with the object. */
  char *arena;          /* the current block, or NULL */
  gsize arena_used;     /* bytes of it taken, its link included */
  Field local[LOCAL_FIELDS];
};

G_STATIC_ASSERT (sizeof (CpmObject) <= 1024);

/* A block stays within 1 KB, which malloc serves from its per-thread
 * cache; a larger request gets a block of its own. */
#define ARENA_BLOCK 1008

static void
field_clear (Field *f)
{
  if (f->in_arena)
    return;
  g_free (f->owned_name);
  if (!f->joined)
    g_free (f->owned_value);
}

static CpmObject *
object_alloc (CpmKind kind)
{
  /* Zeroed up to the local fields only, which are written whole as they
   * are added: g_new0 is calloc, which skips malloc's per-thread cache
   * and cleared the whole kilobyte. */
  CpmObject *o = g_malloc (sizeof *o);
  memset (o, 0, G_STRUCT_OFFSET (CpmObject, local));
  o->ref_count = 1;
  o->kind = kind;
  o->crlf = TRUE;
  o->fields = o->local;
  o->fields_size = LOCAL_FIELDS;
  return o;
}

static G_GNUC_NO_INLINE void
fields_grow (CpmObject *o)
{
  guint size = o->fields_size * 2;
  if (o->fields == o->local) {
    o->fields = g_new (Field, size);
    memcpy (o->fields, o->local, sizeof o->local);
  } else {
    o->fields = g_renew (Field, o->fields, size);
  }
  o->fields_size = size;
}

/* Room for one field more at the end; the caller fills it in whole. */
static inline Field *
field_push (CpmObject *o)
{
  if (G_UNLIKELY (o->n_fields == o->fields_size))
    fields_grow (o);
  return &o->fields[o->n_fields++];
}

static void
field_remove (CpmObject *o, guint index)
{
  field_clear (&o->fields[index]);
  memmove (&o->fields[index], &o->fields[index + 1],
           (o->n_fields - index - 1) * sizeof (Field));
  o->n_fields--;
}

static CpmReport *
defects (CpmObject *o)
{
  if (!o->parse_report)
    o->parse_report = cpm_report_new ();
  return o->parse_report;
}

CpmObject *
cpm_object_new (CpmKind kind)
{
  return object_alloc (kind);
}

CpmObject *
cpm_object_ref (CpmObject *object)
{
  g_atomic_int_inc (&object->ref_count);
  return object;
}

void
cpm_object_unref (CpmObject *object)
{
  if (!object || !g_atomic_int_dec_and_test (&object->ref_count))
    return;
  for (guint i = 0; i < object->n_fields; i++)
    field_clear (&object->fields[i]);
  if (object->fields != object->local)
    g_free (object->fields);
  while (object->arena) {
    char *next;
    memcpy (&next, object->arena, sizeof next);
    g_free (object->arena);
    object->arena = next;
  }
  g_clear_pointer (&object->body, g_bytes_unref);
  g_clear_pointer (&object->input, g_bytes_unref);
  g_clear_pointer (&object->parse_report, cpm_report_unref);
  g_free (object);
}

/* ---- scanning ---- */

#define SECTION_5322 "RFC 5322 2.2"

typedef struct {
  CpmObject *o;
  const CpmLimits *limits;
  const char *p;        /* next unread byte */
  const char *end;
  guint line;           /* line number of *p */
  guint n_crlf, n_lf;
} Scanner;

/* Length of the line at @p without its terminator; *term gets the
 * terminator's length (0 at end of input). */
static gsize
line_length (const char *p, const char *end, gsize *term)
{
  const char *nl = memchr (p, '\n', (gsize) (end - p));
  if (!nl) {
    *term = 0;
    return (gsize) (end - p);
  }
  if (nl > p && nl[-1] == '\r') {
    *term = 2;
    return (gsize) (nl - 1 - p);
  }
  *term = 1;
  return (gsize) (nl - p);
}

static gboolean
is_wsp (char c)
{
  return c == ' ' || c == '\t';
}

/* Bytes of printable ASCII (0x20-0x7f) at @p, counted sixteen at a time
 * (a multiple of 16, or all of @len): every byte of every header field
 * goes through here. GCC's vector types are SSE2 on x86-64. */
static inline gsize
printable_run (const char *p, gsize len)
{
  gsize i = 0;
#if defined(__GNUC__)
  typedef guint8 B16 __attribute__ ((vector_size (16)));
  typedef gint8 S16 __attribute__ ((vector_size (16)));
  for (; i + 16 <= len; i += 16) {
    B16 v;
    memcpy (&v, p + i, sizeof v);
    /* 0x20..0x7f moved onto -128..-33: one signed comparison */
    B16 bad = (B16) ((S16) (v + (guint8) 0x60) >= (gint8) -32);
    guint64 w[2];
    memcpy (w, &bad, sizeof w);
    if (w[0] | w[1])
      break;
  }
#endif
  return i;
}

#if defined(__GNUC__) && G_BYTE_ORDER == G_LITTLE_ENDIAN
typedef guint8 CpmB16 __attribute__ ((vector_size (16)));
typedef gint8 CpmS16 __attribute__ ((vector_size (16)));

/* Index of the first byte set in a comparison result (lanes 0 or 0xff),
 * or 16 when none is. */
static inline guint
first_set (CpmB16 m)
{
  guint64 w[2];
  memcpy (w, &m, sizeof w);
  if (w[0])
    return (guint) __builtin_ctzll (w[0]) >> 3;
  if (w[1])
    return 8 + ((guint) __builtin_ctzll (w[1]) >> 3);
  return 16;
}
#endif

/* Index of the first byte of @p (@len bytes) outside 0x20-0x7f, or @len:
 * where a header line of printable ASCII ends. */
static inline gsize
printable_stop (const char *p, gsize len)
{
  gsize i = 0;
#if defined(__GNUC__) && G_BYTE_ORDER == G_LITTLE_ENDIAN
  for (; i + 16 <= len; i += 16) {
    CpmB16 v;
    memcpy (&v, p + i, sizeof v);
    guint k = first_set ((CpmB16) ((CpmS16) (v + (guint8) 0x60) >= (gint8) -32));
    if (k < 16)
      return i + k;
  }
#endif
  while (i < len && (guchar) (p[i] - 0x20) < 0x60)
    i++;
  return i;
}

/* Index of the first byte of @p (@len bytes) that cannot be in a field
 * name (RFC 5322 ftext is 33-126 but ':'), or @len. */
static inline gsize
name_stop (const char *p, gsize len)
{
  gsize i = 0;
#if defined(__GNUC__) && G_BYTE_ORDER == G_LITTLE_ENDIAN
  for (; i + 16 <= len; i += 16) {
    CpmB16 v;
    memcpy (&v, p + i, sizeof v);
    /* 33..126 moved onto -128..-35 */
    CpmB16 bad = (CpmB16) ((CpmS16) (v + (guint8) 0x5f) >= (gint8) -34) |
                 (CpmB16) (v == (guint8) ':');
    guint k = first_set (bad);
    if (k < 16)
      return i + k;
  }
#endif
  while (i < len && (guchar) (p[i] - 33) < 94 && p[i] != ':')
    i++;
  return i;
}

/* line_length() at @p, one pass for the common line: *@clean is TRUE when
 * the line is printable ASCII ended by CRLF or LF, a line in which
 * check_field_bytes() finds nothing. Anything else takes memchr. */
static inline gsize
line_scan (const char *p, const char *end, gsize *term, gboolean *clean)
{
  gsize avail = (gsize) (end - p);
  gsize i = printable_stop (p, avail);
  if (i < avail && p[i] == '\n') {
    *term = 1;
    *clean = TRUE;
    return i;
  }
  if (i + 1 < avail && p[i] == '\r' && p[i + 1] == '\n') {
    *term = 2;
    *clean = TRUE;
    return i;
  }
  *clean = FALSE;
  return line_length (p, end, term);
}

/* Defects of the bytes of one field: NUL, bare CR, 8-bit (valid UTF-8 is a
 * warning since RFC 6532 allows it; anything else is an error). */
static void
check_field_bytes (Scanner *s, const char *p, gsize len, guint line, const Field *f)
{
  gboolean nul = FALSE, bare_cr = FALSE, eight_bit = FALSE;
  for (gsize i = 0; i < len; i++) {
    i += printable_run (p + i, len - i);
    if (i >= len)
      break;
    guchar c = (guchar) p[i];
    /* Printable ASCII, most of every field, needs one test per byte. */
    if (G_LIKELY ((guchar) (c - 0x20) < 0x60))
      continue;
    if (c == 0)
      nul = TRUE;
    else if (c == '\r' && (i + 1 >= len || p[i + 1] != '\n'))
      bare_cr = TRUE;
    else if (c >= 0x80)
      eight_bit = TRUE;
  }
  if (!nul && !bare_cr && !eight_bit)
    return;
  g_autofree char *hname = f->name_len ? g_strndup (f->name, f->name_len) : NULL;
  if (nul)
    cpm_report_add (defects (s->o), "rfc5322.nul", CPM_SEVERITY_ERROR, SECTION_5322,
                    hname, line, "NUL byte in the header block");
  if (bare_cr)
    cpm_report_add (defects (s->o), "rfc5322.bare-cr", CPM_SEVERITY_ERROR, SECTION_5322,
                    hname, line, "CR not followed by LF in the header block");
  if (eight_bit) {
    if (g_utf8_validate_len (p, len, NULL))
      cpm_report_add (defects (s->o), "rfc5322.8bit-header", CPM_SEVERITY_WARNING,
                      SECTION_5322, hname, line,
                      "raw UTF-8 in a header field; RFC 2047 encoding is what every IMAP "
                      "server accepts");
    else
      cpm_report_add (defects (s->o), "rfc5322.invalid-utf8", CPM_SEVERITY_ERROR,
                      SECTION_5322, hname, line, "bytes that are neither ASCII nor UTF-8 in a "
                      "header field");
  }
}

static gboolean
valid_field_name (const char *p, gsize len)
{
  if (len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if ((guchar) p[i] < 33 || (guchar) p[i] > 126 || p[i] == ':')
      return FALSE;
  return TRUE;
}

/* Trims WSP and CR/LF at both ends of a slice. */
static void
trim (const char **p, gsize *len)
{
  while (*len && (is_wsp (**p) || **p == '\r' || **p == '\n')) {
    (*p)++;
    (*len)--;
  }
  while (*len && (is_wsp ((*p)[*len - 1]) || (*p)[*len - 1] == '\r' || (*p)[*len - 1] == '\n'))
    (*len)--;
}

/* Unfolds a multi-line value: each line break (with its CR) is removed,
 * the WSP that follows it is kept (RFC 5322 2.2.3). */
static char *
unfold (const char *p, gsize len, gsize *out_len)
{
  char *out = g_malloc (len + 1);
  gsize n = 0, i = 0;
  const char *nl;
  while (i < len && (nl = memchr (p + i, '\n', len - i)) != NULL) {
    gsize run = (gsize) (nl - (p + i));
    if (run > 0 && nl[-1] == '\r')
      run--; /* the CR of a CRLF goes with its LF; a bare CR stays */
    memcpy (out + n, p + i, run);
    n += run;
    i = (gsize) (nl - p) + 1;
  }
  memcpy (out + n, p + i, len - i);
  n += len - i;
  out[n] = '\0';
  *out_len = n;
  return out;
}

/* Where the name of the field whose first line is @start (@len bytes,
 * @avail readable) ends: *@colon gets its colon, the return is FALSE for a
 * line that is no field. A name runs to its colon in nearly every field;
 * WSP before the colon (obs-optional, RFC 5322 4.5) takes the long way. */
static gboolean
field_name (const char *start, gsize len, gsize avail, const char **colon, gsize *name_len)
{
  gsize k = name_stop (start, avail);
  if (k < len && start[k] == ':') {
    *colon = start + k;
    *name_len = k;
    return k > 0;
  }
  if (k >= len || !is_wsp (start[k]))
    return FALSE; /* a byte no name has, before any colon */
  *colon = memchr (start, ':', len);
  gsize n = *colon ? (gsize) (*colon - start) : 0;
  while (n && is_wsp (start[n - 1]))
    n--;
  *name_len = n;
  return *colon && valid_field_name (start, n) && !is_wsp (start[0]);
}

/* Scans one field whose first line, at s->p, is @len bytes and @term
 * (not an empty line). Returns FALSE with @error set when a limit is
 * hit. */
static gboolean
scan_field (Scanner *s, gsize len, gsize term, gboolean clean, GError **error)
{
  Field f = { 0 };
  const char *start = s->p;
  guint first_line = s->line;
  gboolean too_long = FALSE;
  gboolean folded = FALSE;

  f.line = first_line;
  f.raw = start;
  const char *colon = NULL;
  gsize name_len = 0;
  if (!field_name (start, len, (gsize) (s->end - start), &colon, &name_len)) {
    f.malformed = TRUE;
  } else {
    f.name = start;
    f.name_len = name_len;
  }

  /* The field ends before the first line that does not start with WSP. */
  const char *p = start;
  for (;;) {
    if (len > 998)
      too_long = TRUE;
    if (term == 2) s->n_crlf++;
    else if (term == 1) s->n_lf++;
    p += len + term;
    s->line++;
    if ((gsize) (p - start) > s->limits->max_header_line) {
      g_set_error (error, CPM_ERROR, CPM_ERROR_LIMIT,
                   "line %u: header field longer than the limit max_header_line (%zu bytes)",
                   first_line, s->limits->max_header_line);
      return FALSE;
    }
    if (term == 0 || p >= s->end || !is_wsp (*p) || f.malformed)
      break;
    gboolean line_clean;
    len = line_scan (p, s->end, &term, &line_clean);
    clean = clean && line_clean;
    folded = TRUE;
  }
  f.raw_len = (gsize) (p - start);
  s->p = p;

  if (f.malformed) {
    cpm_report_add (defects (s->o), "rfc5322.malformed-line", CPM_SEVERITY_ERROR,
                    SECTION_5322, NULL, first_line,
                    is_wsp (start[0]) ? "continuation line with no field before it"
                                      : "line in the header block is not a \"Name: value\" field");
  } else {
    f.value = colon + 1;
    f.value_len = f.raw_len - (gsize) (f.value - start);
    /* Trimmed first: the field's own line end is no fold, and most
     * fields stay a slice of the input with no copy. A one-line field
     * has no line break inside. */
    trim (&f.value, &f.value_len);
    if (folded && memchr (f.value, '\n', f.value_len)) {
      f.owned_value = unfold (f.value, f.value_len, &f.value_len);
      f.value = f.owned_value;
      trim (&f.value, &f.value_len);
    }
  }
  if (!clean)
    check_field_bytes (s, start, f.raw_len, first_line, &f);
  if (too_long) {
    g_autofree char *hname = f.name_len ? g_strndup (f.name, f.name_len) : NULL;
    cpm_report_add (defects (s->o), "rfc5322.line-too-long", CPM_SEVERITY_ERROR,
                    "RFC 5322 2.1.1", hname, first_line, "header line longer than 998 octets");
  }
  *field_push (s->o) = f;
  return TRUE;
}

static gboolean
scan_headers (Scanner *s, GError **error)
{
  while (s->p < s->end) {
    gsize term;
    gboolean clean;
    gsize len = line_scan (s->p, s->end, &term, &clean);
    if (len == 0 && term > 0) {
      s->o->separator = s->p;
      s->o->separator_len = term;
      s->p += term;
      s->line++;
      return TRUE;
    }
    if (s->o->n_fields >= s->limits->max_headers) {
      g_set_error (error, CPM_ERROR, CPM_ERROR_LIMIT,
                   "line %u: more header fields than the limit max_headers (%u)",
                   s->line, s->limits->max_headers);
      return FALSE;
    }
    if (!scan_field (s, len, term, clean, error))
      return FALSE;
  }
  return TRUE;
}

CpmObject *
cpm_object_parse (GBytes *bytes, const CpmLimits *limits, GError **error)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);
  if (!limits)
    limits = cpm_limits_default ();
  if (len == 0) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_PARSE, "empty input: no header block");
    return NULL;
  }
  if (len > limits->max_object_size) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_LIMIT,
                 "object of %zu bytes is over the limit max_object_size (%zu bytes)",
                 len, limits->max_object_size);
    return NULL;
  }

  cpm_gmime_ensure ();
  CpmObject *o = object_alloc (CPM_KIND_UNKNOWN);
  o->input = g_bytes_ref (bytes);
  o->data = data;
  o->len = len;
  Scanner s = { .o = o, .limits = limits, .p = data, .end = data + len, .line = 1 };
  if (!scan_headers (&s, error)) {
    cpm_object_unref (o);
    return NULL;
  }
  o->crlf = s.n_crlf >= s.n_lf;
  if (s.n_crlf && s.n_lf)
    cpm_report_add (defects (o), "rfc5322.mixed-line-ends", CPM_SEVERITY_WARNING,
                    SECTION_5322, NULL, 0, "header block mixes CRLF and LF line ends");
  if (o->separator) {
    o->body = g_bytes_new_from_bytes (bytes, (gsize) (s.p - data), (gsize) (s.end - s.p));
    o->body_line = s.line;
  }
  /* a dump cut in the middle of an object: say so, not only what is missing */
  if (!o->separator && data[len - 1] != '\n' && o->n_fields)
    cpm_report_add (defects (o), "rfc5322.truncated", CPM_SEVERITY_ERROR, "RFC 5322 2.1", NULL,
                    o->fields[o->n_fields - 1].line,
                    "the input ends in the middle of a header field: the object is cut");
  if (o->n_fields == 0)
    cpm_report_add (defects (o), "rfc5322.no-headers", CPM_SEVERITY_ERROR, SECTION_5322,
                    NULL, 1, "the object has no header fields");
  o->kind = cpm_object_detect_kind (o);
  return o;
}

CpmObject *
cpm_object_parse_data (const char *data, gsize len, const CpmLimits *limits, GError **error)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, len);
  return cpm_object_parse (bytes, limits, error);
}

/* ---- kinds ---- */

CpmKind
cpm_object_get_kind (const CpmObject *object)
{
  return object->kind;
}

void
cpm_object_set_kind (CpmObject *object, CpmKind kind)
{
  object->kind = kind;
}

static const char *content_mime (const char *value, char *buf, gsize size, char **owned);

/* ASCII case-insensitive equality of two names of @len bytes. Header
 * lookups run several times per field of every object, and names mostly
 * match byte for byte, so the bytes are compared in words (the last one
 * overlapping the one before) before their cases. */
static inline gboolean
same_name (const char *a, const char *b, gsize len)
{
  gsize i = 0;
  if (len >= 8) {
    while (i + 8 < len && cpm_load64 (a + i) == cpm_load64 (b + i))
      i += 8;
    if (i + 8 >= len && cpm_load64 (a + len - 8) == cpm_load64 (b + len - 8))
      return TRUE;
  } else if (len >= 4) {
    if (cpm_load32 (a) == cpm_load32 (b) && cpm_load32 (a + len - 4) == cpm_load32 (b + len - 4))
      return TRUE;
  }
  for (; i < len; i++) {
    char x = a[i], y = b[i];
    if (x != y && ((x | 0x20) != (y | 0x20) || !g_ascii_isalpha (x)))
      return FALSE;
  }
  return TRUE;
}


/* Finds the Content-Type of the entity inside a CPIM body without a full
 * parse: skips the CPIM header block, then scans the MIME header block.
 * Tolerates Appendix D's missing separator (Content-* inside the CPIM block).
 * The type as content_mime() gives it, in @buf when it fits. */
static const char *
cpim_inner_type (GBytes *body, char *buf, gsize size, char **owned)
{
  gsize len = 0;
  const char *p = body ? g_bytes_get_data (body, &len) : NULL;
  const char *end = p ? p + len : NULL; /* no arithmetic on NULL (fuzz-object) */
  int blocks = 0;
  *owned = NULL;
  while (p && p < end && blocks < 2) {
    gsize term;
    gsize l = line_length (p, end, &term);
    if (l == 0) {
      blocks++;
    } else if (l > 13 && (p[0] | 0x20) == 'c' && same_name (p, "Content-Type:", 13)) {
      char line[256];
      g_autofree char *heap = l - 13 < sizeof line ? NULL : g_strndup (p + 13, l - 13);
      if (!heap) {
        memcpy (line, p + 13, l - 13);
        line[l - 13] = '\0';
      }
      return content_mime (heap ? heap : line, buf, size, owned);
    }
    if (term == 0)
      break;
    p += l + term;
  }
  return NULL;
}

static gboolean
has_cpm_headers (const CpmObject *o)
{
  static const char *const cpm_names[] = { "Conversation-ID", "Contribution-ID",
                                           "IMDN-Message-ID", NULL };
  for (guint i = 0; cpm_names[i]; i++)
    if (cpm_object_find_header (o, cpm_names[i], 0) >= 0)
      return TRUE;
  return FALSE;
}

static CpmKind
kind_of_xml_type (const char *mime)
{
  if (!mime)
    return CPM_KIND_UNKNOWN;
  if (strcmp (mime, "application/x-cpm-file-transfer") == 0)
    return CPM_KIND_FILE_TRANSFER;
  if (strcmp (mime, "application/x-cpm-session") == 0)
    return CPM_KIND_SESSION_INFO;
  if (strcmp (mime, "application/group-state-object+xml") == 0)
    return CPM_KIND_GROUP_STATE;
  if (strcmp (mime, "application/conference-info+xml") == 0)
    return CPM_KIND_CONFERENCE_INFO;
  if (strcmp (mime, "application/x-cpm-session-history") == 0)
    return CPM_KIND_SESSION_HISTORY;
  return CPM_KIND_UNKNOWN;
}

static CpmKind
kind_of_cpim (const CpmObject *object)
{
  const char *context = cpm_object_get_header (object, "Message-Context");
  if (context && cpm_ascii_caseeq (context, "pager-message"))
    return CPM_KIND_SMS;
  if (context && cpm_ascii_caseeq (context, "multimedia-message"))
    return CPM_KIND_MMS;
  char buf[64];
  g_autofree char *owned = NULL;
  const char *inner = cpim_inner_type (object->body, buf, sizeof buf, &owned);
  if (inner && strcmp (inner, "message/imdn+xml") == 0)
    return CPM_KIND_IMDN;
  /* Chat messages are recognised by the CPM session feature tag: Appendix D
   * stores chat messages with the session's P-Asserted-Service. */
  const char *service = cpm_object_get_header (object, "P-Asserted-Service");
  if (service && strstr (service, "oma.cpm.session"))
    return CPM_KIND_CHAT;
  return CPM_KIND_MESSAGE;
}

static gboolean fast_content_type (const char *value, const char **type, gsize *type_len,
                                   const char **params);

/* cpm_content_type_mime() of @value, into @buf when the value is plain and
 * its type fits (nearly every object: no allocation per object), else a
 * copy returned in *@owned as well. NULL when it has no type. */
static const char *
content_mime (const char *value, char *buf, gsize size, char **owned)
{
  const char *type, *params;
  gsize len;
  *owned = NULL;
  if (!value)
    return NULL;
  if (fast_content_type (value, &type, &len, &params) && len < size) {
    for (gsize i = 0; i < len; i++)
      buf[i] = (char) cpm_ascii_lower ((guchar) type[i]);
    buf[len] = '\0';
    return buf;
  }
  return *owned = cpm_content_type_mime (value);
}

CpmKind
cpm_object_detect_kind (const CpmObject *object)
{
  const char *ct = cpm_object_get_header (object, "Content-Type");
  char buf[128];
  g_autofree char *owned = NULL;
  const char *mime = content_mime (ct, buf, sizeof buf, &owned);

  if (mime && strcmp (mime, "message/cpim") == 0)
    return kind_of_cpim (object);
  if (mime && strcmp (mime, "multipart/related") == 0) {
    g_autofree char *type = cpm_content_type_param (ct, "type");
    g_autofree char *lower = type ? g_ascii_strdown (type, -1) : NULL;
    CpmKind k = kind_of_xml_type (lower);
    if (k != CPM_KIND_UNKNOWN)
      return k;
  }
  CpmKind k = kind_of_xml_type (mime);
  if (k != CPM_KIND_UNKNOWN)
    return k;
  if (!has_cpm_headers (object))
    return object->n_fields ? CPM_KIND_MEDIA : CPM_KIND_UNKNOWN;
  return CPM_KIND_MESSAGE;
}

/* ---- header access ---- */

static Field *
field_at (const CpmObject *object, guint index)
{
  g_return_val_if_fail (index < object->n_fields, NULL);
  return &object->fields[index];
}

guint
cpm_object_get_n_headers (const CpmObject *object)
{
  return object->n_fields;
}

gboolean
cpm_object_peek_header (const CpmObject *object, guint index, const char **name,
                        gsize *name_len, const char **value, gsize *value_len)
{
  Field *f = field_at (object, index);
  if (!f || f->malformed)
    return FALSE;
  *name = f->name;
  *name_len = f->name_len;
  *value = f->value;
  *value_len = f->value_len;
  return TRUE;
}

gboolean
cpm_object_header_is_malformed (const CpmObject *object, guint index)
{
  Field *f = field_at (object, index);
  return f ? f->malformed : TRUE;
}

const char *
cpm_object_get_header_name (const CpmObject *object, guint index)
{
  Field *f = field_at (object, index);
  if (!f || f->malformed)
    return NULL;
  if (!f->owned_name)
    f->owned_name = g_strndup (f->name, f->name_len);
  return f->owned_name;
}

const char *
cpm_object_get_header_value (const CpmObject *object, guint index)
{
  Field *f = field_at (object, index);
  if (!f || f->malformed)
    return NULL;
  /* An owned value is NUL-terminated already; a slice gets a copy once. */
  if (!f->owned_value) {
    f->owned_value = g_strndup (f->value, f->value_len);
    f->value = f->owned_value;
  }
  return f->owned_value;
}

guint
cpm_object_get_header_line (const CpmObject *object, guint index)
{
  Field *f = field_at (object, index);
  return f ? f->line : 0;
}

gboolean
cpm_slice_equal (const char *s, gsize len, const char *z)
{
  return strlen (z) == len && same_name (s, z, len);
}

int
cpm_object_find_header_len (const CpmObject *object, const char *name, gsize len, guint from)
{
  for (guint i = from; i < object->n_fields; i++) {
    const Field *f = &object->fields[i];
    if (f->name_len != len || f->malformed)
      continue;
    /* the first byte before the rest: names of one length differ there */
    if (len == 0 || ((f->name[0] | 0x20) == (name[0] | 0x20) && same_name (f->name, name, len)))
      return (int) i;
  }
  return -1;
}

int
cpm_object_find_header (const CpmObject *object, const char *name, guint from)
{
  return cpm_object_find_header_len (object, name, strlen (name), from);
}

const char *
cpm_object_get_header (const CpmObject *object, const char *name)
{
  int i = cpm_object_find_header (object, name, 0);
  return i < 0 ? NULL : cpm_object_get_header_value (object, (guint) i);
}

guint
cpm_object_count_header (const CpmObject *object, const char *name)
{
  guint n = 0;
  for (int i = cpm_object_find_header (object, name, 0); i >= 0;
       i = cpm_object_find_header (object, name, (guint) i + 1))
    n++;
  return n;
}

char *
cpm_object_dup_header_decoded (const CpmObject *object, const char *name)
{
  const char *v = cpm_object_get_header (object, name);
  if (!v)
    return NULL;
  return g_mime_utils_header_decode_text (NULL, v);
}

/* Generated fields drop their raw slice; the serializer writes them anew.
 * Name and value share one allocation (a built object appends ~10 fields:
 * one malloc and free fewer each): @buf when given (the arena), else a new
 * one. */
static Field
generated_field_in (const char *name, gsize name_len, const char *value, gsize value_len,
                    char *buf)
{
  Field f = { 0 };
  f.name_len = name_len;
  f.value_len = value_len;
  f.owned_name = buf ? buf : g_malloc (name_len + 1 + value_len + 1);
  f.in_arena = buf != NULL;
  memcpy (f.owned_name, name, name_len + 1);
  f.owned_value = f.owned_name + name_len + 1;
  memcpy (f.owned_value, value, value_len + 1);
  f.joined = TRUE;
  f.name = f.owned_name;
  f.value = f.owned_value;
  return f;
}

static Field
generated_field (const char *name, const char *value)
{
  if (!value)
    value = "";
  return generated_field_in (name, strlen (name), value, strlen (value), NULL);
}

/* @size bytes from the object's arena. A request past the current
 * block's rest gets a new block (of its own size when larger than a
 * block), chained in front; a large block counts as full. */
static char *
arena_take (CpmObject *o, gsize size)
{
  const gsize link = sizeof (char *);
  if (o->arena && size <= ARENA_BLOCK - o->arena_used) {
    char *p = o->arena + o->arena_used;
    o->arena_used += size;
    return p;
  }
  gboolean big = size > ARENA_BLOCK - link;
  char *block = g_malloc (big ? link + size : ARENA_BLOCK);
  memcpy (block, &o->arena, link);
  o->arena = block;
  o->arena_used = big ? ARENA_BLOCK : link + size;
  return block + link;
}

static void
append_field (CpmObject *object, const char *name, const char *value, gboolean ascii)
{
  if (!value)
    value = "";
  gsize nl = strlen (name), vl = strlen (value);
  char *buf = arena_take (object, nl + 1 + vl + 1);
  Field f = generated_field_in (name, nl, value, vl, buf);
  f.ascii = ascii;
  *field_push (object) = f;
}

void
cpm_object_append_header (CpmObject *object, const char *name, const char *value)
{
  append_field (object, name, value, FALSE);
}

void
cpm_object_append_ascii_header (CpmObject *object, const char *name, const char *value)
{
  append_field (object, name, value, TRUE);
}

void
cpm_object_set_header (CpmObject *object, const char *name, const char *value)
{
  int first = cpm_object_find_header (object, name, 0);
  if (first < 0) {
    cpm_object_append_header (object, name, value);
    return;
  }
  for (int i = cpm_object_find_header (object, name, (guint) first + 1); i >= 0;
       i = cpm_object_find_header (object, name, (guint) i))
    field_remove (object, (guint) i);
  Field *f = field_at (object, (guint) first);
  guint line = f->line;
  field_clear (f);
  *f = generated_field (name, value);
  f->line = line;
}

guint
cpm_object_remove_header (CpmObject *object, const char *name)
{
  guint n = 0;
  for (int i = cpm_object_find_header (object, name, 0); i >= 0;
       i = cpm_object_find_header (object, name, (guint) i)) {
    field_remove (object, (guint) i);
    n++;
  }
  return n;
}

/* ---- body ---- */

GBytes *
cpm_object_get_body (const CpmObject *object)
{
  return object->body;
}

guint
cpm_object_get_body_line (const CpmObject *object)
{
  return object->body_line;
}

void
cpm_object_set_body (CpmObject *object, GBytes *body)
{
  g_clear_pointer (&object->body, g_bytes_unref);
  object->body = body ? g_bytes_ref (body) : NULL;
  object->body_line = 0;
}

const CpmReport *
cpm_object_get_parse_report (const CpmObject *object)
{
  /* the report is part of the object's state; creating it late does not
   * change what the object is */
  return defects ((CpmObject *) object);
}

const CpmReport *
cpm_object_peek_parse_report (const CpmObject *object)
{
  return object->parse_report;
}

gboolean
cpm_object_uses_crlf (const CpmObject *object)
{
  return object->crlf;
}

/* ---- serialization ---- */

static gboolean
ascii_text_bytes (const char *s, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if ((guchar) s[i] >= 0x7f || ((guchar) s[i] < 0x20 && s[i] != '\t'))
      return FALSE;
  return TRUE;
}

/* Eight bytes at a time: a byte below 0x20 or above 0x7E sets that byte's
 * top bit in either term (exact for these bounds); only such a word (a tab,
 * or the end of the answer) is looked at byte by byte. The builder checks
 * every value it is given with this, the serializer every field. */
gboolean
cpm_is_ascii_text (const char *s, gsize len)
{
  const guint64 ones = G_GUINT64_CONSTANT (0x0101010101010101);
  const guint64 tops = G_GUINT64_CONSTANT (0x8080808080808080);
  guint64 w;
  gsize i = 0;

  for (; i + 8 <= len; i += 8) {
    memcpy (&w, s + i, 8);
    if ((((w - ones * 0x20) & ~w) | ((w + ones * 0x01) | w)) & tops &&
        !ascii_text_bytes (s + i, 8))
      return FALSE;
  }
  /* The rest as the last eight bytes, overlapping the word before (a loop
   * per byte of the rest cost as much as the words). */
  if (i < len && len >= 8) {
    memcpy (&w, s + len - 8, 8);
    return !((((w - ones * 0x20) & ~w) | ((w + ones * 0x01) | w)) & tops) ||
           ascii_text_bytes (s + len - 8, 8);
  }
  return ascii_text_bytes (s + i, len - i);
}

char *
cpm_encode_word_b (const char *utf8, gsize len)
{
  g_autofree char *b64 = g_base64_encode ((const guchar *) utf8, len);
  return g_strdup_printf ("=?utf-8?b?%s?=", b64);
}

static gboolean
is_address_field (const char *name)
{
  static const char *const names[] = { "From", "To", "Cc", "Bcc", "Reply-To", "Sender", NULL };
  for (guint i = 0; names[i]; i++)
    if (g_ascii_strcasecmp (name, names[i]) == 0)
      return TRUE;
  return FALSE;
}

/* Non-ASCII values become RFC 2047 encoded-words: address fields encode
 * only the display names (GMime's phrase encoder), Message-Correlator is one
 * B word (Appendix C.6), everything else is unstructured text. */
static char *
encode_value (const char *name, const char *value)
{
  if (cpm_is_ascii_text (value, strlen (value)))
    return g_strdup (value);
  if (g_ascii_strcasecmp (name, "Message-Correlator") == 0)
    return cpm_encode_word_b (value, strlen (value));
  if (is_address_field (name)) {
    const char *lt = strchr (value, '<');
    if (lt) {
      g_autofree char *phrase = g_strstrip (g_strndup (value, (gsize) (lt - value)));
      g_autofree char *enc = g_mime_utils_header_encode_phrase (NULL, phrase, "utf-8");
      return g_strdup_printf ("%s %s", enc, lt);
    }
  }
  return g_mime_utils_header_encode_text (NULL, value, "utf-8");
}

/* Two spaces in a row in @v (@len bytes), found from space to space: a
 * value has a few (strstr took ~65 instructions a field, glibc's memmem
 * ~280; an eight-byte scanner cost more than both). */
static gboolean
space_run (const char *v, gsize len)
{
  const char *end = v + len;
  for (const char *sp = memchr (v, ' ', len); sp; sp = memchr (sp + 1, ' ', (gsize) (end - sp - 1)))
    if (sp + 1 < end && sp[1] == ' ')
      return TRUE;
  return FALSE;
}

/* Folds at white space so lines stay under 78 octets where possible; a
 * word longer than a line is kept whole (the validator reports a line over
 * 998 octets, which only an unbreakable value can produce). */
static void
write_folded (GString *out, const char *name, const char *value, const char *eol)
{
  gsize ln = strlen (name), lv = strlen (value), le = strlen (eol);
  gsize col = ln + 2;
  /* Written in place: room for the field with every word after the first
   * folded (a word takes a byte of the value, the space before it another,
   * so at most lv / 2 + 1 of them); a GString call per word before. */
  gsize at = out->len;
  g_string_set_size (out, at + ln + 2 + lv + le + (lv / 2 + 1) * le);
  char *w = out->str + at;
  memcpy (w, name, ln);
  w += ln;
  *w++ = ':';
  *w++ = ' ';
  const char *p = value;
  gboolean first = TRUE;
  while (*p) {
    const char *sp = p;
    while (*sp && *sp != ' ')
      sp++;
    gsize word = (gsize) (sp - p);
    if (!first && col + 1 + word > 78) {
      memcpy (w, eol, le);
      w += le;
      *w++ = ' ';
      col = 1;
    } else if (!first) {
      *w++ = ' ';
      col++;
    }
    memcpy (w, p, word);
    w += word;
    col += word;
    first = FALSE;
    p = sp;
    while (*p == ' ')
      p++;
  }
  memcpy (w, eol, le);
  w += le;
  g_string_set_size (out, (gsize) (w - out->str));
}

/* A built field as write_folded writes it, in one piece when that is the
 * value as it stands: it fits the line, has no leading or trailing space and
 * no run of spaces (write_folded would fold there or collapse them). Every
 * built object writes ~10 fields; word by word through GString cost ~1.5k
 * instructions a field. */
static void
write_field (GString *out, const char *name, gsize ln, const char *value, gsize lv,
             const char *eol)
{
  gsize le = eol[0] == '\r' ? 2 : 1; /* "\r\n" or "\n" */

  if (ln + 2 + lv > 78 || (lv && (value[0] == ' ' || value[lv - 1] == ' ')) ||
      space_run (value, lv)) {
    write_folded (out, name, value, eol);
    return;
  }
  gsize at = out->len;
  g_string_set_size (out, at + ln + 2 + lv + le);
  char *w = out->str + at;
  memcpy (w, name, ln);
  w += ln;
  memcpy (w, ": ", 2);
  w += 2;
  memcpy (w, value, lv);
  w += lv;
  memcpy (w, eol, le);
}

static guint
n_parsed_fields (const CpmObject *object)
{
  guint n = 0;
  for (guint i = 0; i < object->n_fields; i++)
    n += object->fields[i].raw != NULL;
  return n;
}

void
cpm_object_write_to (const CpmObject *object, GString *out)
{
  const char *eol = object->crlf ? "\r\n" : "\n";
  for (guint i = 0; i < object->n_fields; i++) {
    const Field *f = &object->fields[i];
    if (f->raw) {
      g_string_append_len (out, f->raw, (gssize) f->raw_len);
      /* Input cut inside its last field: complete the line only when
       * something follows, so a truncated object still round-trips. */
      gboolean more = i + 1 < object->n_fields || object->separator || object->body;
      if (more && f->raw_len && f->raw[f->raw_len - 1] != '\n')
        g_string_append (out, eol);
      continue;
    }
    /* a generated field: name_len and value_len are its owned strings' */
    if (f->ascii || cpm_is_ascii_text (f->owned_value, f->value_len)) {
      write_field (out, f->owned_name, f->name_len, f->owned_value, f->value_len, eol);
      continue;
    }
    g_autofree char *enc = encode_value (f->owned_name, f->owned_value);
    write_folded (out, f->owned_name, enc, eol);
  }
  if (object->separator)
    g_string_append_len (out, object->separator, (gssize) object->separator_len);
  else if (object->body || !object->input || object->n_fields > n_parsed_fields (object))
    g_string_append (out, eol);
  if (object->body) {
    gsize len = 0;
    const char *b = g_bytes_get_data (object->body, &len);
    g_string_append_len (out, b, (gssize) len);
  }
}

/* The per-thread buffer cpm_object_serialize writes into is lent to the
 * GBytes it returns (a copy into a new allocation was a malloc and a
 * memcpy per object: `cpmobj convert` serializes every object it writes).
 * Callers drop the bytes before they serialize the next object, so the
 * buffer is back by then; while it is still out, the next object gets a
 * buffer of its own. The bytes may be dropped on another thread, or after
 * this one has ended: who lets go last frees the buffer. */
enum { LEND_HOME, LEND_OUT, LEND_LEFT };

typedef struct {
  GString *buf;
  gint state; /* LEND_HOME: idle in its thread's slot; LEND_OUT: lent, still
               * in the slot; LEND_LEFT: lent, the slot let go of it */
} Lend;

static void
lend_free (Lend *l)
{
  g_string_free (l->buf, TRUE);
  g_free (l);
}

/* The GBytes is freed: back home, or freed when its slot let go of it. */
static void
lend_return (gpointer data)
{
  Lend *l = data;
  if (!g_atomic_int_compare_and_exchange (&l->state, LEND_OUT, LEND_HOME))
    lend_free (l);
}

/* The slot lets go (thread exit, a buffer grown large or still out): freed
 * now unless it is out, then by lend_return. */
static void
lend_drop (gpointer data)
{
  Lend *l = data;
  if (!g_atomic_int_compare_and_exchange (&l->state, LEND_OUT, LEND_LEFT))
    lend_free (l);
}

static GPrivate serialize_buffer = G_PRIVATE_INIT (lend_drop);

GBytes *
cpm_object_serialize (const CpmObject *object)
{
  Lend *l = g_private_get (&serialize_buffer);
  if (l && g_atomic_int_get (&l->state) != LEND_HOME) {
    /* still out: this object gets a buffer of its own, and the one out
     * keeps its slot */
    GString *own = g_string_new (NULL);
    cpm_object_write_to (object, own);
    return g_string_free_to_bytes (own);
  }
  if (!l) {
    l = g_new (Lend, 1);
    l->buf = g_string_sized_new (4096);
    l->state = LEND_HOME;
    g_private_set (&serialize_buffer, l);
  }
  g_string_truncate (l->buf, 0);
  cpm_object_write_to (object, l->buf);
  g_atomic_int_set (&l->state, LEND_OUT);
  GBytes *bytes = g_bytes_new_with_free_func (l->buf->str, l->buf->len, lend_return, l);
  /* a buffer grown by a large object is not kept for the small ones */
  if (l->buf->allocated_len > 256 * 1024)
    g_private_replace (&serialize_buffer, NULL);
  return bytes;
}

/* ---- the re-parse, known without parsing ----
 *
 * What cpm_object_parse() makes of cpm_object_serialize()'s bytes, and
 * why every condition below is needed (each is a thing only the bytes show;
 * the validator's other inputs are the fields, the body and the kind):
 *
 * - Fields. A generated field is written "Name: value" + CRLF, folded at
 *   single spaces when longer than 78 octets (write_field, write_folded).
 *   The scanner splits it at its first colon, unfolds (a fold's CRLF goes,
 *   the space after it stays) and trims WSP at both ends. So the re-parse
 *   has the same name and value when the name is a field name (ftext, no
 *   colon: else a malformed line or another split), the value is printable
 *   ASCII or tab (8-bit would be RFC 2047-encoded on output, or written raw
 *   and flagged rfc5322.8bit-header/invalid-utf8; CR or LF would end the
 *   line: a malformed line, bare CR or a new field), it has no WSP at either
 *   end (trimmed away) and no run of spaces (write_folded keeps one). An
 *   empty value is written "Name: " and trims to "" again. A field of a
 *   parsed object is written from its input bytes: only objects with no
 *   input (built ones) are answered.
 * - Line length. No written line is longer than its field, so
 *   ln + 2 + lv <= 998 rules out rfc5322.line-too-long (the builder folds
 *   only at spaces: a long word or value without spaces is written whole).
 * - Limits (the parse fails: object.unparsable): at most max_headers fields,
 *   each field's bytes (folds add 2 a space, at most lv) within
 *   max_header_line, the whole within max_object_size.
 * - Header block. All lines end in CRLF (no mixed-line-ends); none is empty
 *   (every field has a name), so the CRLF written after the fields is the
 *   separator and the body after it is @object's body byte for byte; at
 *   least one field (else rfc5322.no-headers); never truncated (the block
 *   ends in CRLF CRLF).
 * - Kind. The parse recognises it (cpm_object_detect_kind) from the fields
 *   and the body, which are the same: so the kind is the same when
 *   @object's own kind is what detection says of @object.
 * Line numbers differ (0 for a built field, 1.. parsed), and the validator
 * reads them only to print them. */
/* name_stop (p, len) == len for @len > 0, eight bytes at a time, the
 * last word overlapping the one before (byte by byte was ~90 instructions
 * a name of every field the converter writes). */
static gboolean
is_field_name (const char *p, gsize len)
{
  gsize i = 0;

  if (len < 8)
    return len > 0 && name_stop (p, len) == len;
  for (; i + 8 <= len; i += 8)
    if (!cpm_word_all_ftext (cpm_load64 (p + i)))
      return FALSE;
  return i == len || cpm_word_all_ftext (cpm_load64 (p + len - 8));
}

static gboolean
field_round_trips (const Field *f, const CpmLimits *limits, gsize *size)
{
  gsize ln = f->name_len, lv = f->value_len;
  const char *v = f->owned_value;

  if (f->raw || f->malformed || !is_field_name (f->owned_name, ln))
    return FALSE;
  if (!f->ascii && !cpm_is_ascii_text (v, lv))
    return FALSE;
  if (lv && (is_wsp (v[0]) || is_wsp (v[lv - 1])))
    return FALSE;
  if (space_run (v, lv))
    return FALSE;
  if (ln + 2 + lv > 998 || ln + 2 * lv + 4 > limits->max_header_line)
    return FALSE;
  *size += ln + 2 * lv + 4;
  return TRUE;
}

gboolean
cpm_object_round_trips (const CpmObject *object, const CpmLimits *limits)
{
  gsize size = 2; /* the separator */

  g_return_val_if_fail (object, FALSE);
  if (!limits)
    limits = cpm_limits_default ();
  if (object->input || !object->crlf || !object->body || object->n_fields == 0 ||
      object->n_fields > limits->max_headers)
    return FALSE;
  for (guint i = 0; i < object->n_fields; i++)
    if (!field_round_trips (&object->fields[i], limits, &size))
      return FALSE;
  if (size > limits->max_object_size ||
      g_bytes_get_size (object->body) > limits->max_object_size - size)
    return FALSE;
  return cpm_object_detect_kind (object) == object->kind;
}

/* ---- Content-Type helpers ----
 * Every object's kind is told from its Content-Type, so this runs once or
 * twice per object: a scanner over the value for the common form (token /
 * token, token or quoted-string parameters), and GMime's full parser for
 * the rest (comments, RFC 2231 parameter continuations). */

static gboolean
is_ct_token_char (char c)
{
  /* RFC 2045 tspecials, as a switch: this runs for every byte of every
   * Content-Type value (a strchr per byte cost more than the rest) */
  switch (c) {
  case '(': case ')': case '<': case '>': case '@': case ',': case ';': case ':':
  case '\\': case '"': case '/': case '[': case ']': case '?': case '=':
    return FALSE;
  default:
    return (guchar) c > 32 && (guchar) c < 127;
  }
}

static const char *
skip_wsp (const char *p)
{
  while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
    p++;
  return p;
}

/* FALSE when the value needs GMime (comment, RFC 2231, odd syntax). */
static gboolean
fast_content_type (const char *value, const char **type, gsize *type_len, const char **params)
{
  if (strchr (value, '(') || strchr (value, '*'))
    return FALSE;
  const char *p = skip_wsp (value);
  const char *t = p;
  while (is_ct_token_char (*p))
    p++;
  if (p == t || *p != '/')
    return FALSE;
  p++;
  const char *sub = p;
  while (is_ct_token_char (*p))
    p++;
  if (p == sub)
    return FALSE;
  *type = t;
  *type_len = (gsize) (p - t);
  p = skip_wsp (p);
  if (*p != '\0' && *p != ';')
    return FALSE;
  *params = p;
  return TRUE;
}

char *
cpm_content_type_mime (const char *value)
{
  const char *type, *params;
  gsize len;
  if (fast_content_type (value, &type, &len, &params)) {
    /* g_ascii_strdown calls g_ascii_tolower per byte */
    char *lower = g_malloc (len + 1);
    for (gsize i = 0; i < len; i++)
      lower[i] = (char) cpm_ascii_lower ((guchar) type[i]);
    lower[len] = '\0';
    return lower;
  }
  cpm_gmime_ensure ();
  GMimeContentType *ct = g_mime_content_type_parse (NULL, value);
  if (!ct)
    return NULL;
  char *mime = g_mime_content_type_get_mime_type (ct);
  g_object_unref (ct);
  char *lower = g_ascii_strdown (mime, -1);
  g_free (mime);
  return lower;
}

/* Reads one parameter value (token or quoted-string) at @p into @out. */
static const char *
read_param_value (const char *p, GString *out)
{
  if (*p != '"') {
    while (is_ct_token_char (*p))
      g_string_append_c (out, *p++);
    return p;
  }
  for (p++; *p && *p != '"'; p++) {
    if (*p == '\\' && p[1])
      p++;
    g_string_append_c (out, *p);
  }
  return *p == '"' ? p + 1 : NULL;
}

/* Finds @name among the parameters at @p; FALSE when the syntax is odd. */
static gboolean
fast_param (const char *p, const char *name, char **result)
{
  gsize name_len = strlen (name);
  *result = NULL;
  while (*p == ';') {
    p = skip_wsp (p + 1);
    const char *attr = p;
    while (is_ct_token_char (*p))
      p++;
    gsize attr_len = (gsize) (p - attr);
    p = skip_wsp (p);
    if (attr_len == 0 && *p == '\0')
      return TRUE; /* a trailing ";" */
    if (attr_len == 0 || *p != '=') {
      g_clear_pointer (result, g_free); /* found before the odd part (fuzz-object) */
      return FALSE;
    }
    p = skip_wsp (p + 1);
    GString *v = g_string_new (NULL);
    p = read_param_value (p, v);
    if (!p) {
      g_string_free (v, TRUE);
      g_clear_pointer (result, g_free);
      return FALSE;
    }
    if (!*result && attr_len == name_len && g_ascii_strncasecmp (attr, name, name_len) == 0)
      *result = g_string_free (v, FALSE);
    else
      g_string_free (v, TRUE);
    p = skip_wsp (p);
  }
  if (*p == '\0')
    return TRUE;
  g_clear_pointer (result, g_free);
  return FALSE;
}

char *
cpm_content_type_param (const char *value, const char *name)
{
  const char *type, *params;
  gsize len;
  char *result;
  if (fast_content_type (value, &type, &len, &params) && fast_param (params, name, &result))
    return result;
  cpm_gmime_ensure ();
  GMimeContentType *ct = g_mime_content_type_parse (NULL, value);
  if (!ct)
    return NULL;
  const char *v = g_mime_content_type_get_parameter (ct, name);
  char *copy = g_strdup (v);
  g_object_unref (ct);
  return copy;
}
