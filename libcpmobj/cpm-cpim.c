/* libcpmobj — Message/CPIM bodies (RFC 3862): the CPIM header layer by hand,
 * transfer encodings and inner multipart structure through GMime.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"

#include <cpmobj/cpm-cpim.h>
#include <cpmobj/cpm-check.h>
#include <gmime/gmime.h>
#include <string.h>

#include "cpm-cpim-private.h"
#include "cpm-object-private.h"
#include "cpm-validate-private.h"
#include "cpm-word-private.h"

/* One header field of the CPIM block or of the inner MIME entity. A parsed
 * field keeps its raw bytes (with any malformed lines before it) so an
 * unmodified body is written back byte for byte; a generated one has none. */
typedef struct {
  const char *name;   /* in text or the string chunk */
  const char *value;  /* unfolded, trimmed */
  gsize name_len;     /* parsed: until the name and value are made strings */
  gsize value_len;
  const char *raw;
  gsize raw_len;
  guint line;
  const char *vstart; /* parsed: where the value starts in the input */
  gboolean folded;    /* parsed over several lines: value unfolded later */
} CpimField;

/* A separator (the empty line between two parts). Parsed: the raw bytes,
 * possibly of length 0 when the input lacked it; generated: raw is NULL. */
typedef struct {
  const char *raw;
  gsize len;
} CpimSep;

/* Fields in order; a chat message's 5-6 CPIM and 2 MIME fields fit the
 * CpmCpim's own storage (two GArrays were four allocations a parse). */
#define HEAD_INLINE 8
#define CONTENT_INLINE 4

typedef struct {
  CpimField *v; /* inline storage until it is full */
  guint len, cap;
} FieldList;

#define FIELD_AT(list, i) ((list)->v[i])

static void
field_list_init (FieldList *l, CpimField *storage, guint cap)
{
  l->v = storage;
  l->len = 0;
  l->cap = cap;
}

static void
field_list_append (FieldList *l, CpimField *inline_storage, const CpimField *f)
{
  if (l->len == l->cap) {
    l->cap *= 2;
    if (l->v == inline_storage)
      l->v = g_memdup2 (inline_storage, l->len * sizeof (CpimField));
    l->v = g_renew (CpimField, l->v, l->cap);
  }
  l->v[l->len++] = *f;
}

static void
field_list_remove (FieldList *l, guint i)
{
  memmove (&l->v[i], &l->v[i + 1], (l->len - i - 1) * sizeof (CpimField));
  l->len--;
}

struct _CpmCpim {
  gint ref;
  GBytes *input;
  char *text;               /* parsed: the header lines, names and values ended in place */
  GStringChunk *strings;    /* unfolded values and added fields; NULL until one */
  FieldList *headers;         /* &lists[0], the CPIM header block */
  FieldList *content_headers; /* &lists[1], the inner entity's MIME header */
  FieldList lists[2];
  CpimSep sep1, sep2;
  GBytes *content;          /* as stored (transfer-encoded) */
  guint content_line;
  gboolean no_entity;       /* input ended inside the CPIM header block */
  guint first_line;         /* of the parse: lines above are absolute */
  guint findings;           /* diagnostics the parse had, reported or not */
  guint edits;              /* changes since the parse (add/set calls) */
  gboolean imdn_id_found;   /* parsed: imdn_id holds the imdn Message-ID lookup */
  const char *imdn_id;
  /* last: only what the lists hold is ever read, so these ~1 KB are not
   * zeroed (calloc's memset was half the cost of a parse's new) */
  CpimField head_inline[HEAD_INLINE];
  CpimField content_inline[CONTENT_INLINE];
};

CpmCpim *
cpm_cpim_new (void)
{
  CpmCpim *cpim = g_malloc (sizeof (CpmCpim));
  memset (cpim, 0, G_STRUCT_OFFSET (CpmCpim, head_inline));
  cpim->ref = 1;
  cpim->headers = &cpim->lists[0];
  cpim->content_headers = &cpim->lists[1];
  field_list_init (cpim->headers, cpim->head_inline, HEAD_INLINE);
  field_list_init (cpim->content_headers, cpim->content_inline, CONTENT_INLINE);
  return cpim;
}

CpmCpim *
cpm_cpim_ref (CpmCpim *cpim)
{
  g_return_val_if_fail (cpim, NULL);
  g_atomic_int_inc (&cpim->ref);
  return cpim;
}

void
cpm_cpim_unref (CpmCpim *cpim)
{
  if (!cpim || !g_atomic_int_dec_and_test (&cpim->ref))
    return;
  g_clear_pointer (&cpim->input, g_bytes_unref);
  g_clear_pointer (&cpim->content, g_bytes_unref);
  g_free (cpim->text);
  if (cpim->strings)
    g_string_chunk_free (cpim->strings);
  if (cpim->headers->v != cpim->head_inline)
    g_free (cpim->headers->v);
  if (cpim->content_headers->v != cpim->content_inline)
    g_free (cpim->content_headers->v);
  g_free (cpim);
}

static CpimField *
inline_of (CpmCpim *cpim, const FieldList *l)
{
  return l == cpim->headers ? cpim->head_inline : cpim->content_inline;
}

static GStringChunk *
cpim_strings (CpmCpim *cpim)
{
  if (!cpim->strings)
    cpim->strings = g_string_chunk_new (256);
  return cpim->strings;
}

/* ---- parsing ---- */

/* A value as quoted in a diagnostic: valid UTF-8, no control characters,
 * at most 80 characters (hostile input may hold megabytes on one line).
 * Returns: (transfer full) */
static char *
shown (const char *value)
{
  g_autofree char *valid = g_utf8_make_valid (value ? value : "", -1);
  GString *out = g_string_new (NULL);
  guint n = 0;
  const char *p = valid;
  for (; *p && n < 80; p = g_utf8_next_char (p), n++) {
    if ((guchar) *p < 0x20 || *p == 0x7f)
      g_string_append_c (out, '?');
    else
      g_string_append_len (out, p, g_utf8_next_char (p) - p);
  }
  if (*p)
    g_string_append (out, "...");
  return g_string_free (out, FALSE);
}


typedef struct {
  const char *start, *end;   /* the whole input */
  const char *p;             /* current line */
  const char *pending;       /* start of bytes not yet owned by an element */
  guint line;                /* 0-based line of p */
  guint first_line;
  CpmReport *report;
  CpmCpim *cpim;
  gboolean malformed_seen; /* one diagnostic, not one per line of garbage */
} Scan;

/* Length of the line at @p without its terminator; *next = the next line. */
static gsize
scan_line (const char *p, const char *end, const char **next)
{
  const char *lf = memchr (p, '\n', (gsize) (end - p));
  const char *eol = lf ? lf : end;
  *next = lf ? lf + 1 : end;
  if (eol > p && eol[-1] == '\r')
    eol--;
  return (gsize) (eol - p);
}

/* Length of the field name when the line is "name:" (WSP before the colon
 * tolerated, RFC 5322 4.5.3), else 0. Name characters: RFC 5322 ftext.
 * Runs for every line of every CPIM body: the name's bytes eight at a
 * step while a whole word is ftext, the rest one by one. */
static gsize
field_name_len (const char *p, gsize len, gsize *colon)
{
  gsize n = 0;
  while (n + 8 <= len && cpm_word_all_ftext (cpm_load64 (p + n)))
    n += 8;
  while (n < len && (guchar) p[n] > 32 && (guchar) p[n] < 127 && p[n] != ':')
    n++;
  gsize c = n;
  while (c < len && (p[c] == ' ' || p[c] == '\t'))
    c++;
  if (n == 0 || c >= len || p[c] != ':')
    return 0;
  *colon = c;
  return n;
}

/* g_ascii_strncasecmp (a, b, n) == 0 for @n bytes without NUL, inline
 * (glib's calls a function per byte; the validator compares media types
 * three times per message). */
static gboolean
caseeq_n (const char *a, const char *b, gsize n)
{
  /* bytes equal as they are (most: names and types come in their usual
   * spelling) skip the two case folds */
  for (gsize i = 0; i < n; i++)
    if (a[i] != b[i] && cpm_ascii_lower ((guchar) a[i]) != cpm_ascii_lower ((guchar) b[i]))
      return FALSE;
  return TRUE;
}

static gboolean
is_content_field (const char *name, gsize len)
{
  /* the first byte rejects all other names (x | 0x20 is 'c' only for C, c) */
  return len > 8 && (name[0] | 0x20) == 'c' && caseeq_n (name, "Content-", 8);
}

/* The value is everything after the colon, trimmed: header parameters
 * such as Subject's ";lang=fr" (RFC 3862 3.3) stay at its start, so a
 * language-tagged Subject reads ";lang=fr beau temps". */
static void
field_add (Scan *s, FieldList *fields, const char *line, gsize name_len, gsize colon,
           gsize line_len, const char *next)
{
  CpimField f = { 0 };
  f.name = line;
  f.name_len = name_len;
  const char *v = line + colon + 1;
  const char *ve = line + line_len;
  while (v < ve && (*v == ' ' || *v == '\t'))
    v++;
  while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
    ve--;
  f.value = v;
  f.value_len = (gsize) (ve - v);
  f.vstart = v;
  f.raw = s->pending;
  f.raw_len = (gsize) (next - s->pending);
  f.line = s->first_line + s->line;
  field_list_append (fields, inline_of (s->cpim, fields), &f);
  s->pending = next;
}

/* A folded continuation line extends the previous field's raw bytes; the
 * value is unfolded once the field is complete (unfold_fields), so that
 * many continuation lines cost linear time. */
static void
field_continue (Scan *s, FieldList *fields, const char *next)
{
  CpimField *f = &FIELD_AT (fields, fields->len - 1);
  f->folded = TRUE;
  f->raw_len = (gsize) (next - f->raw);
  s->pending = next;
}

/* RFC 5322 2.2.3: unfolding removes the CRLFs, keeps the white space. */
static void
unfold_fields (CpmCpim *cpim, FieldList *fields)
{
  for (guint i = 0; i < fields->len; i++) {
    CpimField *f = &FIELD_AT (fields, i);
    if (!f->folded)
      continue;
    const char *end = f->raw + f->raw_len;
    GString *v = g_string_sized_new ((gsize) (end - f->vstart));
    for (const char *p = f->vstart; p < end; p++)
      if (*p != '\r' && *p != '\n')
        g_string_append_c (v, *p);
    while (v->len && (v->str[v->len - 1] == ' ' || v->str[v->len - 1] == '\t'))
      g_string_truncate (v, v->len - 1);
    f->value = g_string_chunk_insert_len (cpim_strings (cpim), v->str, (gssize) v->len);
    g_string_free (v, TRUE);
  }
}

/* The names and values of a parse as strings: one copy of the header
 * lines (@region bytes from @data), each name ended in place by the ':'
 * or blank after it, each value by the blank or line end after it (a last
 * line without one: by the byte past the region). Two string-chunk copies
 * a field were a sixth of the parse. Runs before unfold_fields, which
 * replaces the values of folded fields. */
static void
own_strings (CpmCpim *cpim, const char *data, gsize region)
{
  char *text = g_malloc (region + 1);
  memcpy (text, data, region);
  text[region] = '\0';
  cpim->text = text;
  FieldList *lists[] = { cpim->headers, cpim->content_headers };
  for (guint k = 0; k < G_N_ELEMENTS (lists); k++) {
    for (guint i = 0; i < lists[k]->len; i++) {
      CpimField *f = &FIELD_AT (lists[k], i);
      char *name = text + (f->name - data), *value = text + (f->value - data);
      name[f->name_len] = '\0';
      value[f->value_len] = '\0';
      f->name = name;
      f->value = value;
    }
  }
}

static void
report (Scan *s, const char *rule, CpmSeverity sev, const char *section,
        const char *header, const char *msg)
{
  s->cpim->findings++;
  if (s->report)
    cpm_report_add (s->report, rule, sev, section, header, s->first_line + s->line, "%s", msg);
}

/* Reads one header block into @fields. Returns TRUE when it ended at an
 * empty line (consumed, *sep set), FALSE at end of input or, for the CPIM
 * block, at the first Content-* field (not consumed, see parse_cpim_block). */
static gboolean
parse_block (Scan *s, FieldList *fields, gboolean cpim_block, CpimSep *sep, gboolean *stopped)
{
  *stopped = FALSE;
  while (s->p < s->end) {
    const char *next;
    gsize len = scan_line (s->p, s->end, &next);
    gsize colon = 0, nlen;
    if (len == 0) {
      sep->raw = s->pending;
      sep->len = (gsize) (next - s->pending);
      s->pending = next;
      s->p = next;
      s->line++;
      return TRUE;
    }
    if ((*s->p == ' ' || *s->p == '\t') && fields->len > 0 && s->pending == s->p) {
      field_continue (s, fields, next);
    } else if ((nlen = field_name_len (s->p, len, &colon)) > 0) {
      if (cpim_block && is_content_field (s->p, nlen)) {
        *stopped = TRUE;
        return FALSE;
      }
      field_add (s, fields, s->p, nlen, colon, len, next);
    } else if (!cpim_block) {
      /* Text where a MIME field should be: the content starts here. */
      *stopped = TRUE;
      return FALSE;
    } else if (fields->len == 0) {
      return FALSE; /* not a CPIM body at all */
    } else if (!s->malformed_seen) {
      s->malformed_seen = TRUE;
      report (s, "cpim.malformed-line", CPM_SEVERITY_ERROR, "RFC 3862 3.6", NULL,
              "line in the CPIM header block is not a \"Name: value\" header "
              "(later ones are not reported)");
    }
    s->p = next;
    s->line++;
  }
  return FALSE;
}

static gboolean
parse_cpim_block (Scan *s, GError **error)
{
  CpmCpim *cpim = s->cpim;
  gboolean stopped;
  if (parse_block (s, cpim->headers, TRUE, &cpim->sep1, &stopped) && cpim->headers->len > 0)
    return TRUE;
  if (cpim->headers->len == 0) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_PARSE,
                 "no CPIM header block (expected From:, To:, DateTime: ... before the MIME entity)");
    return FALSE;
  }
  /* Decision (Appendix D): the seed's chat message example puts
   * "Content-type: text/plain" straight after the CPIM headers, without
   * the empty line RFC 3862 2 requires between the two blocks. The first
   * Content-* field is taken as the start of the MIME entity and the defect
   * is a warning, so the example repaired only for its header defects is
   * still a valid object. No CPIM header is named Content-*. */
  cpim->sep1.raw = s->pending;
  cpim->sep1.len = (gsize) (s->p - s->pending);
  s->pending = s->p;
  if (stopped) {
    report (s, "cpim.missing-separator", CPM_SEVERITY_WARNING, "RFC 3862 2", NULL,
            "no empty line between the CPIM headers and the MIME entity; "
            "the MIME entity is taken to start here");
  } else {
    cpim->no_entity = TRUE;
    report (s, "cpim.no-content", CPM_SEVERITY_ERROR, "RFC 3862 2", NULL,
            "the CPIM header block is not followed by an empty line and a MIME entity");
  }
  return TRUE;
}

static void
parse_entity (Scan *s)
{
  CpmCpim *cpim = s->cpim;
  gboolean stopped;
  if (!parse_block (s, cpim->content_headers, FALSE, &cpim->sep2, &stopped)) {
    cpim->sep2.raw = s->pending;
    cpim->sep2.len = (gsize) (s->p - s->pending);
    s->pending = s->p;
    if (stopped && cpim->content_headers->len > 0)
      report (s, "cpim.missing-content-separator", CPM_SEVERITY_ERROR, "RFC 2045 3", NULL,
              "no empty line between the MIME header of the inner entity and its content");
  }
  cpim->content_line = s->first_line + s->line;
  gsize off = (gsize) (s->pending - s->start);
  cpim->content = g_bytes_new_from_bytes (cpim->input, off, (gsize) (s->end - s->pending));
}

typedef struct {
  const char *p;
  gsize len;
} NsSlice;

/* NS value: [prefix SP] "<" URI ">" (RFC 3862 4.6). The prefix (blanks
 * trimmed; empty for the default namespace) and the URI as slices of
 * @value, no copies. */
static gboolean
ns_slices (const char *value, NsSlice *prefix, NsSlice *uri)
{
  const char *lt = strchr (value, '<');
  const char *gt = lt ? strchr (lt, '>') : NULL;
  if (!lt || !gt || gt[1] != '\0' || gt == lt + 1)
    return FALSE;
  const char *a = value, *b = lt;
  while (a < b && g_ascii_isspace (*a))
    a++;
  while (b > a && g_ascii_isspace (b[-1]))
    b--;
  prefix->p = a;
  prefix->len = (gsize) (b - a);
  uri->p = lt + 1;
  uri->len = (gsize) (gt - lt - 1);
  return TRUE;
}

/* Decision: Appendix D writes imdn.Message-ID and
 * imdn.Disposition-Notification without "NS: imdn <urn:ietf:params:imdn>".
 * RFC 3862 3.4 wants every prefix declared; an undeclared prefix leaves
 * the field uninterpretable, which receivers ignore like any unknown
 * header (RFC 3862 3.5) -- so it is a warning, and lookups of imdn.* fall
 * back to the conventional "imdn" prefix (RFC 5438 6.3). */
/* A declared prefix is a slice of its NS value (no copy: every chat
 * message declares one); the first ones on the stack. */
#define NS_ON_STACK 8

/* The field @local of namespace @urn as the block's NS headers bind it,
 * fed the fields in order (NS applies to the fields after it, RFC 3862
 * 3.4): the first field bound wins. A prefix bound again to another
 * namespace no longer names it (its last binding wins); such a binding is
 * a tombstone (len G_MAXSIZE) in the list. The parse's walk answers the
 * imdn Message-ID with it, cpm_cpim_get_ns_header any other question
 * (one walker for both: their copies drifted apart once). */
typedef struct {
  const char *urn, *local;
  gsize urn_len;
  NsSlice bound[NS_ON_STACK]; /* then more */
  guint n_bound;
  GArray *more;
  gboolean default_ns;
  const char *value;
} NsFind;

static NsSlice *
ns_find_at (NsFind *nf, guint j)
{
  return j < NS_ON_STACK ? &nf->bound[j] : &g_array_index (nf->more, NsSlice, j - NS_ON_STACK);
}

static void
ns_find_bind (NsFind *nf, gboolean ok, const NsSlice *prefix, const NsSlice *uri)
{
  if (!ok)
    return;
  gboolean match = uri->len == nf->urn_len && memcmp (uri->p, nf->urn, nf->urn_len) == 0;
  if (prefix->len == 0) {
    nf->default_ns = match;
    return;
  }
  for (guint j = 0; j < nf->n_bound && !match; j++) {
    NsSlice *b = ns_find_at (nf, j);
    if (b->len == prefix->len && memcmp (b->p, prefix->p, prefix->len) == 0)
      b->len = G_MAXSIZE;
  }
  if (!match)
    return;
  if (nf->n_bound < NS_ON_STACK) {
    nf->bound[nf->n_bound] = *prefix;
  } else {
    if (!nf->more)
      nf->more = g_array_new (FALSE, FALSE, sizeof (NsSlice));
    g_array_append_val (nf->more, *prefix);
  }
  nf->n_bound++;
}

static void
ns_find_field (NsFind *nf, const CpimField *f, const char *dot)
{
  if (nf->value)
    return;
  if (!dot) {
    if (nf->default_ns && strcmp (f->name, nf->local) == 0)
      nf->value = f->value;
    return;
  }
  if (strcmp (dot + 1, nf->local) != 0)
    return;
  gsize plen = (gsize) (dot - f->name);
  for (guint j = 0; j < nf->n_bound && !nf->value; j++) {
    const NsSlice *b = ns_find_at (nf, j);
    if (b->len == plen && memcmp (b->p, f->name, plen) == 0)
      nf->value = f->value;
  }
}

static void
ns_find_clear (NsFind *nf)
{
  if (nf->more)
    g_array_unref (nf->more);
}

static void
check_namespaces (Scan *s, NsFind *id)
{
  CpmCpim *cpim = s->cpim;
  NsSlice on_stack[NS_ON_STACK];
  g_autoptr(GArray) more = NULL;
  guint n_prefixes = 0;
  for (guint i = 0; i < cpim->headers->len; i++) {
    const CpimField *f = &FIELD_AT (cpim->headers, i);
    if (strcmp (f->name, "NS") == 0) {
      NsSlice prefix, uri;
      gboolean ok = ns_slices (f->value, &prefix, &uri);
      ns_find_bind (id, ok, &prefix, &uri);
      cpim->findings += !ok;
      if (!ok && s->report) {
        g_autofree char *v = shown (f->value);
        cpm_report_add (s->report, "cpim.ns-invalid", CPM_SEVERITY_ERROR, "RFC 3862 4.6", "NS",
                        f->line, "NS value \"%s\" is not [prefix] <URI>", v);
      }
      if (ok && n_prefixes < NS_ON_STACK) {
        on_stack[n_prefixes++] = prefix;
      } else if (ok) {
        if (!more)
          more = g_array_new (FALSE, FALSE, sizeof (NsSlice));
        g_array_append_val (more, prefix);
      }
      continue;
    }
    const char *dot = strchr (f->name, '.');
    ns_find_field (id, f, dot);
    if (!dot)
      continue;
    gboolean known = FALSE;
    gsize plen = (gsize) (dot - f->name);
    guint n_all = n_prefixes + (more ? more->len : 0);
    for (guint j = 0; j < n_all && !known; j++) {
      const NsSlice *b = j < n_prefixes ? &on_stack[j] : &g_array_index (more, NsSlice, j - n_prefixes);
      known = b->len == plen && caseeq_n (b->p, f->name, plen);
    }
    cpim->findings += !known;
    if (!known && s->report) {
      g_autofree char *name = shown (f->name);
      g_autofree char *prefix = g_strndup (f->name, (gsize) (dot - f->name));
      g_autofree char *pshown = shown (prefix);
      cpm_report_add (s->report, "cpim.ns-undeclared", CPM_SEVERITY_WARNING, "RFC 3862 3.4",
                      name, f->line, "prefix \"%s\" of %s is not declared by an earlier NS header",
                      pshown, name);
    }
  }
}

/* The last clean parse of this thread (holding its input: one body per
 * thread at most), see cpm_cpim_parse_kept(). */
static GPrivate kept_key = G_PRIVATE_INIT ((GDestroyNotify) cpm_cpim_unref);

static void
kept_put (CpmCpim *cpim)
{
  g_private_replace (&kept_key, cpim->findings == 0 ? cpm_cpim_ref (cpim) : NULL);
}

static CpmCpim *
parse (GBytes *bytes, CpmReport *report, guint first_line, GError **error)
{
  g_autoptr(CpmCpim) cpim = cpm_cpim_new ();
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);
  cpim->input = g_bytes_ref (bytes);
  if (!data)
    data = "";
  Scan s = { data, data + len, data, data, 0, first_line, report, cpim, FALSE };
  cpim->first_line = first_line;
  if (!parse_cpim_block (&s, error))
    return NULL;
  parse_entity (&s);
  own_strings (cpim, data, (gsize) (s.pending - data));
  unfold_fields (cpim, cpim->headers);
  unfold_fields (cpim, cpim->content_headers);
  NsFind id = { .urn = CPM_CPIM_NS_IMDN, .local = "Message-ID",
                .urn_len = sizeof CPM_CPIM_NS_IMDN - 1 };
  check_namespaces (&s, &id);
  ns_find_clear (&id);
  /* asked for ~3 times per message (converter, builder, validator): the
   * answer of the parse, kept until the first change */
  cpim->imdn_id = id.value;
  cpim->imdn_id_found = TRUE;
  return g_steal_pointer (&cpim);
}

/* Never kept: what a caller of the API gets is its own, to change or to
 * hand to another thread. */
CpmCpim *
cpm_cpim_parse (GBytes *bytes, CpmReport *report, guint first_line, GError **error)
{
  g_return_val_if_fail (bytes, NULL);
  return parse (bytes, report, first_line, error);
}

/* The validator's parse of a body this thread parsed last through here,
 * unchanged and without findings, is that parse (the converter parses
 * each CPIM message it reads, builds the object from it and validates
 * what it wrote: three parses of the same bytes, ~6,600 instructions
 * each). Lines of the kept parse count from its own first line;
 * Check.delta moves them. Only the library's own readers come here, none
 * of which changes what it gets or lets it leave the thread. */
CpmCpim *
cpm_cpim_parse_kept (GBytes *bytes, CpmReport *report, guint first_line, GError **error)
{
  g_return_val_if_fail (bytes, NULL);
  CpmCpim *kept = g_private_get (&kept_key);
  if (kept && kept->edits == 0 && g_bytes_equal (kept->input, bytes))
    return cpm_cpim_ref (kept);
  CpmCpim *cpim = parse (bytes, report, first_line, error);
  if (cpim)
    kept_put (cpim);
  return cpim;
}

/* ---- access ---- */

GBytes *
cpm_cpim_peek_input (const CpmCpim *cpim)
{
  return cpim->input;
}

static const CpimField *
field_at (FieldList *fields, guint index)
{
  g_return_val_if_fail (index < fields->len, NULL);
  return &FIELD_AT (fields, index);
}

guint
cpm_cpim_get_n_headers (const CpmCpim *cpim)
{
  return cpim->headers->len;
}

const char *
cpm_cpim_get_header_name (const CpmCpim *cpim, guint index)
{
  const CpimField *f = field_at (cpim->headers, index);
  return f ? f->name : NULL;
}

const char *
cpm_cpim_get_header_value (const CpmCpim *cpim, guint index)
{
  const CpimField *f = field_at (cpim->headers, index);
  return f ? f->value : NULL;
}

/* Names of other lengths are passed over without a look at their bytes
 * (every field's name_len is its name's strlen). */
const char *
cpm_cpim_get_header (const CpmCpim *cpim, const char *name)
{
  gsize n = strlen (name);
  for (guint i = 0; i < cpim->headers->len; i++) {
    const CpimField *f = &FIELD_AT (cpim->headers, i);
    if (f->name_len == n && memcmp (f->name, name, n) == 0)
      return f->value;
  }
  return NULL;
}

/* Walks the block in order, as NS applies to the fields after it
 * (RFC 3862 3.4); the last binding of a prefix wins. */
const char *
cpm_cpim_get_ns_header (const CpmCpim *cpim, const char *ns_urn, const char *local)
{
  /* Slices of the NS values, no copies: every validated CPIM object asks
   * for its imdn.Message-ID here. The first prefixes bound to @ns_urn go
   * in a small array on the stack. */
  if (cpim->imdn_id_found && cpim->edits == 0 && strcmp (local, "Message-ID") == 0
      && strcmp (ns_urn, CPM_CPIM_NS_IMDN) == 0)
    return cpim->imdn_id;
  NsFind nf = { .urn = ns_urn, .local = local, .urn_len = strlen (ns_urn) };
  for (guint i = 0; i < cpim->headers->len && !nf.value; i++) {
    const CpimField *f = &FIELD_AT (cpim->headers, i);
    if (strcmp (f->name, "NS") == 0) {
      NsSlice prefix, uri;
      gboolean ok = ns_slices (f->value, &prefix, &uri);
      ns_find_bind (&nf, ok, &prefix, &uri);
    } else {
      ns_find_field (&nf, f, strchr (f->name, '.'));
    }
  }
  ns_find_clear (&nf);
  return nf.value;
}

static const char *
sanitize_value (GStringChunk *chunk, const char *value)
{
  /* A CR, LF or NUL in a value would end the field and let the value
   * inject headers; they become spaces. */
  char *copy = g_string_chunk_insert (chunk, value ? value : "");
  for (char *c = copy; *c; c++)
    if (*c == '\r' || *c == '\n')
      *c = ' ';
  return copy;
}

static void
fields_append (CpmCpim *cpim, FieldList *fields, const char *name, const char *value)
{
  cpim->edits++;
  CpimField f = { 0 };
  f.name = sanitize_value (cpim_strings (cpim), name);
  f.name_len = strlen (f.name);
  f.value = sanitize_value (cpim_strings (cpim), value);
  field_list_append (fields, inline_of (cpim, fields), &f);
}

void
cpm_cpim_add_header (CpmCpim *cpim, const char *name, const char *value)
{
  g_return_if_fail (cpim && name);
  fields_append (cpim, cpim->headers, name, value);
}

guint
cpm_cpim_get_n_content_headers (const CpmCpim *cpim)
{
  return cpim->content_headers->len;
}

const char *
cpm_cpim_get_content_header_name (const CpmCpim *cpim, guint index)
{
  const CpimField *f = field_at (cpim->content_headers, index);
  return f ? f->name : NULL;
}

const char *
cpm_cpim_get_content_header_value (const CpmCpim *cpim, guint index)
{
  const CpimField *f = field_at (cpim->content_headers, index);
  return f ? f->value : NULL;
}

/* Every name here starts "Content-": the length tells Content-Type from
 * Content-Transfer-Encoding before any byte is compared. */
const char *
cpm_cpim_get_content_header (const CpmCpim *cpim, const char *name)
{
  gsize n = strlen (name);
  for (guint i = 0; i < cpim->content_headers->len; i++) {
    const CpimField *f = &FIELD_AT (cpim->content_headers, i);
    if (f->name_len == n && caseeq_n (f->name, name, n))
      return f->value;
  }
  return NULL;
}

const char *
cpm_cpim_get_content_type (const CpmCpim *cpim)
{
  return cpm_cpim_get_content_header (cpim, "Content-Type");
}

void
cpm_cpim_add_content_header (CpmCpim *cpim, const char *name, const char *value)
{
  g_return_if_fail (cpim && name);
  fields_append (cpim, cpim->content_headers, name, value);
}

static void
content_headers_remove (CpmCpim *cpim, const char *name)
{
  cpim->edits++;
  for (guint i = cpim->content_headers->len; i-- > 0;) {
    const CpimField *f = &FIELD_AT (cpim->content_headers, i);
    if (g_ascii_strcasecmp (f->name, name) == 0)
      field_list_remove (cpim->content_headers, i);
  }
}

GBytes *
cpm_cpim_get_content (const CpmCpim *cpim)
{
  return cpim->content;
}

/* GMime's decoders for base64, quoted-printable and uuencode; 7bit, 8bit
 * and binary are identity. */
GBytes *
cpm_cpim_dup_content_decoded (const CpmCpim *cpim, GError **error)
{
  if (!cpim->content)
    return NULL;
  const char *cte = cpm_cpim_get_content_header (cpim, "Content-Transfer-Encoding");
  if (!cte)
    return g_bytes_ref (cpim->content);
  g_autofree char *name = g_strstrip (g_strdup (cte));
  GMimeContentEncoding enc = g_mime_content_encoding_from_string (name);
  switch (enc) {
  case GMIME_CONTENT_ENCODING_7BIT:
  case GMIME_CONTENT_ENCODING_8BIT:
  case GMIME_CONTENT_ENCODING_BINARY:
    return g_bytes_ref (cpim->content);
  case GMIME_CONTENT_ENCODING_BASE64:
  case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE:
  case GMIME_CONTENT_ENCODING_UUENCODE:
    break;
  default:
    g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE,
                 "unknown Content-Transfer-Encoding \"%s\"", name);
    return NULL;
  }
  gsize len = 0;
  const char *in = g_bytes_get_data (cpim->content, &len);
  GMimeEncoding state;
  g_mime_encoding_init_decode (&state, enc);
  char *out = g_malloc (g_mime_encoding_outlen (&state, len) + 4);
  gsize n = g_mime_encoding_flush (&state, in ? in : "", len, out);
  return g_bytes_new_take (out, n);
}

/* ---- transfer encodings ---- */

/* The "type/subtype" slice of @content_type as cpm_mime_type_of() reads it. */
static const char *
mime_slice (const char *content_type, gsize *len)
{
  const char *p = content_type ? content_type : "";
  while (*p == ' ' || *p == '\t')
    p++;
  *len = strcspn (p, "; \t");
  return p;
}

char *
cpm_mime_type_of (const char *content_type)
{
  gsize n;
  const char *p = mime_slice (content_type, &n);
  return g_ascii_strdown (p, (gssize) n);
}

/* cpm_mime_type_of (@content_type) equals @want (lower case, without
 * ';' or blanks), or starts with it when @prefix; no copy (the validator
 * asks twice per object). @want's bytes are type bytes, so the type
 * matches when they do and, for equality, a ';', a blank or the end comes
 * next (the span of mime_slice, without its strcspn). */
static gboolean
mime_type_is (const char *content_type, const char *want, gboolean prefix)
{
  gsize lw = strlen (want);
  const char *p = content_type ? content_type : "";
  while (*p == ' ' || *p == '\t')
    p++;
  if (!caseeq_n (p, want, lw)) /* stops at p's NUL: no want byte is one */
    return FALSE;
  return prefix || p[lw] == '\0' || p[lw] == ';' || p[lw] == ' ' || p[lw] == '\t';
}

CpmContentClass
cpm_mime_class (const char *mime)
{
  if (!mime)
    return CPM_CONTENT_BINARY;
  if (g_str_has_prefix (mime, "text/") || g_str_has_suffix (mime, "+xml")
      || strcmp (mime, "application/xml") == 0 || g_str_has_prefix (mime, "application/x-cpm-"))
    return CPM_CONTENT_TEXT;
  if (g_str_has_prefix (mime, "multipart/") || g_str_has_prefix (mime, "message/"))
    return CPM_CONTENT_COMPOSITE;
  return CPM_CONTENT_BINARY;
}

/* IMAP APPEND carries any octet except NUL in a literal (RFC 3501 4.3), but
 * servers and later MIME consumers only promise to keep 7bit lines: so
 * - 7bit when every byte is ASCII without NUL, no line is over 998
 *   octets (RFC 5322 2.1.1), and (for binary types) every line ends CRLF;
 * - base64 for binary types otherwise, and for text that has NULs, bare CRs
 *   or is not UTF-8 (it cannot be text/...;charset=utf-8 then);
 * - for 8-bit UTF-8 text, quoted-printable while it stays the smaller and
 *   readable form: QP costs 3 octets per 8-bit byte, base64 4/3 per byte,
 *   so QP is chosen when at most 1 byte in 6 is 8-bit (mostly Latin text),
 *   base64 for scripts that are mostly multi-byte (CJK, Cyrillic...).
 *   Over-long ASCII text lines also get QP (soft line breaks). */
CpmCte
cpm_cte_choose (CpmContentClass cls, const guint8 *data, gsize len)
{
  gsize high = 0, line = 0, max_line = 0;
  gboolean nul = FALSE, bare_cr = FALSE, bare_lf = FALSE;
  for (gsize i = 0; i < len; i++) {
    /* eight bytes of 0x20-0x7f (most of any text) only lengthen the line:
     * a byte under 0x20 sets its top bit in w - 0x20.. (a borrow only
     * marks bytes above it too, which then take the byte path), one of
     * 0x80 and over has it set already */
    guint64 w;
    while (i + 8 <= len && (memcpy (&w, data + i, 8),
                            ((w - G_GUINT64_CONSTANT (0x2020202020202020)) | w)
                              & G_GUINT64_CONSTANT (0x8080808080808080)) == 0) {
      line += 8;
      i += 8;
    }
    if (i >= len)
      break;
    guint8 c = data[i];
    if (c == '\n') {
      if (i == 0 || data[i - 1] != '\r')
        bare_lf = TRUE;
      max_line = MAX (max_line, line);
      line = 0;
    } else if (c == '\r') {
      if (i + 1 >= len || data[i + 1] != '\n')
        bare_cr = TRUE;
    } else {
      line++;
      if (c == 0)
        nul = TRUE;
      else if (c >= 0x80)
        high++;
    }
    /* binary content is base64 from its first such byte on: a 100 KB
     * image need not be read to its end */
    if (cls == CPM_CONTENT_BINARY && (high || nul || bare_cr || bare_lf))
      return CPM_CTE_BASE64;
  }
  max_line = MAX (max_line, line);
  /* Composite types may only be 7bit, 8bit or binary (RFC 2045 6.4): their
   * parts carry their own encodings. Binary (NUL, bare CR, long lines)
   * does not survive a plain APPEND; the builder refuses it. */
  if (cls == CPM_CONTENT_COMPOSITE)
    return (nul || bare_cr || max_line > 998) ? CPM_CTE_BINARY
           : high ? CPM_CTE_8BIT : CPM_CTE_7BIT;
  if (cls == CPM_CONTENT_BINARY)
    return (high || nul || bare_cr || bare_lf || max_line > 998) ? CPM_CTE_BASE64 : CPM_CTE_7BIT;
  if (nul || bare_cr || (high && !g_utf8_validate ((const char *) data, (gssize) len, NULL)))
    return CPM_CTE_BASE64;
  if (!high && max_line <= 998)
    return CPM_CTE_7BIT;
  return high * 6 <= len ? CPM_CTE_QUOTED_PRINTABLE : CPM_CTE_BASE64;
}

const char *
cpm_cte_name (CpmCte cte)
{
  switch (cte) {
  case CPM_CTE_8BIT:
    return "8bit";
  case CPM_CTE_BINARY:
    return "binary";
  case CPM_CTE_QUOTED_PRINTABLE:
    return "quoted-printable";
  case CPM_CTE_BASE64:
    return "base64";
  case CPM_CTE_7BIT:
  default:
    return "7bit";
  }
}

/* Text with LF or CRLF line ends -> CRLF. */
static void
append_crlf_text (GString *out, const char *data, gsize len)
{
  const char *p = data, *end = data + len;
  while (p < end) {
    const char *lf = memchr (p, '\n', (gsize) (end - p));
    if (!lf) {
      g_string_append_len (out, p, end - p);
      return;
    }
    const char *eol = (lf > p && lf[-1] == '\r') ? lf - 1 : lf;
    g_string_append_len (out, p, eol - p);
    g_string_append (out, "\r\n");
    p = lf + 1;
  }
}

/* 76-character lines (RFC 2045 6.8); 57 input bytes per line. */
static void
encode_base64 (const guint8 *data, gsize len, GString *out)
{
  char buf[96];
  for (gsize i = 0; i < len; i += 57) {
    gsize n = MIN (57, len - i);
    gint state = 0, save = 0;
    gsize k = g_base64_encode_step (data + i, n, FALSE, buf, &state, &save);
    k += g_base64_encode_close (FALSE, buf + k, &state, &save);
    g_string_append_len (out, buf, (gssize) k);
    g_string_append (out, "\r\n");
  }
}

/* GMime's encoder works on LF text: feed it LF line ends, then turn its LF
 * output (hard and soft breaks alike) into CRLF. */
static void
encode_qp (const guint8 *data, gsize len, GString *out)
{
  g_autoptr(GString) lf = g_string_sized_new (len);
  for (gsize i = 0; i < len; i++)
    if (!(data[i] == '\r' && i + 1 < len && data[i + 1] == '\n'))
      g_string_append_c (lf, (char) data[i]);
  guchar *enc = g_malloc (lf->len * 4 + 16);
  gint state = -1;
  guint32 save = 0;
  gsize n = g_mime_encoding_quoted_encode_close ((const guchar *) lf->str, lf->len, enc,
                                                 &state, &save);
  append_crlf_text (out, (const char *) enc, n);
  g_free (enc);
}

static gboolean
has_bare_cr (const guint8 *data, gsize len)
{
  for (const guint8 *p = memchr (data, '\r', len); p; p = memchr (p + 1, '\r', len - (gsize) (p + 1 - data)))
    if (p + 1 >= data + len || p[1] != '\n')
      return TRUE;
  return FALSE;
}

void
cpm_cte_encode (CpmCte cte, CpmContentClass cls, const guint8 *data, gsize len, GString *out)
{
  gboolean textual = cls != CPM_CONTENT_BINARY;
  switch (cte) {
  case CPM_CTE_BASE64:
    if (textual && !has_bare_cr (data, len)) {
      /* RFC 2045 6.4: text is put in canonical (CRLF) form before base64;
       * text with bare CRs keeps its bytes (that is why it is base64). */
      g_autoptr(GString) canon = g_string_sized_new (len + len / 16);
      append_crlf_text (canon, (const char *) data, len);
      encode_base64 ((const guint8 *) canon->str, canon->len, out);
    } else {
      encode_base64 (data, len, out);
    }
    break;
  case CPM_CTE_QUOTED_PRINTABLE:
    encode_qp (data, len, out);
    break;
  case CPM_CTE_BINARY:
    g_string_append_len (out, (const char *) data, (gssize) len);
    break;
  case CPM_CTE_7BIT:
  case CPM_CTE_8BIT:
  default:
    if (textual)
      append_crlf_text (out, (const char *) data, len);
    else
      g_string_append_len (out, (const char *) data, (gssize) len);
    break;
  }
}

static gboolean
contains_delimiter (const char *haystack, gsize len, const char *boundary)
{
  g_autofree char *delim = g_strconcat ("--", boundary, NULL);
  return haystack && g_strstr_len (haystack, (gssize) len, delim) != NULL;
}

char *
cpm_boundary_choose (const char *preferred, const char *haystack, gsize len)
{
  if (!contains_delimiter (haystack, len, preferred))
    return g_strdup (preferred);
  for (;;) {
    char *b = g_strdup_printf ("%s-%08x%08x", preferred, g_random_int (), g_random_int ());
    if (!contains_delimiter (haystack, len, b))
      return b;
    g_free (b);
  }
}

static gboolean
has_prefix_len (const char *s, gsize len, const char *prefix)
{
  gsize n = strlen (prefix);
  return len >= n && g_ascii_strncasecmp (s, prefix, n) == 0;
}

/* Object addresses are RFC 5322 (Table 1), CPIM wants [Formal-name] <URI>:
 * a name-addr is kept as is; "anonymous" becomes the anonymous SIP URI
 * (RFC 3261 8.1.1.3, as in Appendix D); the legacy
 * +number@phony-domain form becomes a tel: URI; a bare URI is bracketed;
 * any other addr-spec is taken as a SIP address of record. */
void
cpm_cpim_append_address (GString *out, const char *addr, gsize len)
{
  if (memchr (addr, '<', len)) {
    g_string_append_len (out, addr, (gssize) len);
    return;
  }
  if (len == 9 && g_ascii_strncasecmp (addr, "anonymous", 9) == 0) {
    g_string_append (out, "<sip:anonymous@anonymous.invalid>");
    return;
  }
  const char *at = memchr (addr, '@', len);
  const char *scheme = "sip:";
  gsize keep = len;
  if (has_prefix_len (addr, len, "sip:") || has_prefix_len (addr, len, "sips:")
      || has_prefix_len (addr, len, "tel:") || has_prefix_len (addr, len, "im:")) {
    scheme = "";
  } else if (at && addr[0] == '+' && at > addr + 1) {
    gsize digits = (gsize) (at - addr - 1);
    gsize k = 0;
    while (k < digits && strchr ("0123456789-.", addr[1 + k]))
      k++;
    if (k == digits) {
      scheme = "tel:";
      keep = (gsize) (at - addr);
    }
  }
  g_string_append_c (out, '<');
  g_string_append (out, scheme);
  g_string_append_len (out, addr, (gssize) keep);
  g_string_append_c (out, '>');
}

void
cpm_cpim_set_content (CpmCpim *cpim, const char *content_type, GBytes *content)
{
  g_return_if_fail (cpim && content_type);
  cpim->edits++;
  gsize len = 0;
  const guint8 *data = content ? g_bytes_get_data (content, &len) : NULL;
  g_autofree char *mime = cpm_mime_type_of (content_type);
  CpmContentClass cls = cpm_mime_class (mime);
  CpmCte cte = cpm_cte_choose (cls, data, len);
  GString *out = g_string_sized_new (len + len / 3 + 16);
  if (data)
    cpm_cte_encode (cte, cls, data, len, out);
  g_clear_pointer (&cpim->content, g_bytes_unref);
  cpim->content = g_string_free_to_bytes (out);
  /* a parsed entity that lacked its empty line gets one now: the new
   * content must not run into the MIME header */
  if (cpim->sep2.raw && cpim->sep2.len == 0)
    cpim->sep2.raw = NULL;
  cpim->no_entity = FALSE;
  content_headers_remove (cpim, "Content-Type");
  content_headers_remove (cpim, "Content-Transfer-Encoding");
  cpm_cpim_add_content_header (cpim, "Content-Type", content_type);
  if (cte != CPM_CTE_7BIT)
    cpm_cpim_add_content_header (cpim, "Content-Transfer-Encoding", cpm_cte_name (cte));
}

/* ---- output ---- */

static void
write_fields (FieldList *fields, GString *out)
{
  for (guint i = 0; i < fields->len; i++) {
    const CpimField *f = &FIELD_AT (fields, i);
    if (f->raw) {
      g_string_append_len (out, f->raw, (gssize) f->raw_len);
      /* a last line without its line end stays so (byte-exact), unless a
       * field follows it */
      if (f->raw_len && f->raw[f->raw_len - 1] != '\n' && i + 1 < fields->len)
        g_string_append (out, "\r\n");
      continue;
    }
    g_string_append (out, f->name);
    g_string_append (out, ": ");
    g_string_append (out, f->value);
    g_string_append (out, "\r\n");
  }
}

static void
write_sep (const CpimSep *sep, GString *out)
{
  if (sep->raw)
    g_string_append_len (out, sep->raw, (gssize) sep->len);
  else
    g_string_append (out, "\r\n");
}

/* A parse that was not changed is written back as its input, in one
 * append: the parse tiles its input (each field's raw bytes run from where
 * the previous element ended to its next line, malformed lines included;
 * the separators and the content take the rest up to the end), so the
 * pieces joined are the input itself. test-cpim /cpim/hostile asserts that
 * on random and broken bodies; the converter writes every CPIM message it
 * stores through here. */
void
cpm_cpim_write_to (const CpmCpim *cpim, GString *out)
{
  if (cpim->input && cpim->edits == 0) {
    gsize len = 0;
    const char *d = g_bytes_get_data (cpim->input, &len);
    g_string_append_len (out, d, (gssize) len);
    return;
  }
  cpm_cpim_write_fields_to (cpim, out);
}

void
cpm_cpim_write_fields_to (const CpmCpim *cpim, GString *out)
{
  write_fields (cpim->headers, out);
  write_sep (&cpim->sep1, out);
  write_fields (cpim->content_headers, out);
  write_sep (&cpim->sep2, out);
  if (cpim->content) {
    gsize len = 0;
    const char *d = g_bytes_get_data (cpim->content, &len);
    g_string_append_len (out, d, (gssize) len);
  }
}

GBytes *
cpm_cpim_to_bytes (const CpmCpim *cpim)
{
  gsize hint = cpim->input ? g_bytes_get_size (cpim->input) + 64 : 512;
  GString *out = g_string_sized_new (hint);
  cpm_cpim_write_to (cpim, out);
  return g_string_free_to_bytes (out);
}

/* ---- validation of message object bodies ---- */

typedef struct {
  const CpmObject *object;
  CpmKind kind;
  CpmReport *report;
  const CpmCpim *cpim;
  guint body_line;
  gint delta; /* body_line - cpim->first_line: a kept parse counts from its own */
} Check;

static guint
header_line (const Check *c, const char *name)
{
  for (guint i = 0; i < c->cpim->headers->len; i++) {
    const CpimField *f = &FIELD_AT (c->cpim->headers, i);
    if (strcmp (f->name, name) == 0)
      return (guint) ((gint) f->line + c->delta);
  }
  return c->body_line;
}

/* RFC 3862 header names are case-sensitive (3.1): "from:" is not From.
 * Say so when that is why a field was not found. */
static const char *
case_variant (const CpmCpim *cpim, const char *name)
{
  for (guint i = 0; i < cpim->headers->len; i++) {
    const CpimField *f = &FIELD_AT (cpim->headers, i);
    if (g_ascii_strcasecmp (f->name, name) == 0 && strcmp (f->name, name) != 0)
      return f->name;
  }
  return NULL;
}

/* RFC 3862 4.1 and 4.2 define From (the sender) and To (a recipient);
 * RFC 3862 leaves which fields a message must carry to the protocol that
 * uses CPIM, and the CPM uses (MSRP chat, pager and large-mode messages,
 * IMDN) carry both -- Table 1 even copies From and To from the CPIM headers
 * for group chat messages. A missing one is therefore an error. (Only the
 * table of contents of RFC 3862 could be consulted for the section numbers:
 * 4.1 From, 4.2 To, 4.4 DateTime, 4.6 NS.) */
static void
check_addresses (Check *c)
{
  static const char *const names[] = { "From", "To" };
  static const char *const rules[] = { "cpim.from-missing", "cpim.to-missing" };
  static const char *const sections[] = { "RFC 3862 4.1", "RFC 3862 4.2" };
  for (guint i = 0; i < 2; i++) {
    if (cpm_cpim_get_header (c->cpim, names[i]))
      continue;
    const char *variant = case_variant (c->cpim, names[i]);
    if (variant)
      cpm_report_add (c->report, rules[i], CPM_SEVERITY_ERROR, sections[i], names[i],
                      header_line (c, variant),
                      "CPIM %s header missing (\"%s\" found, but CPIM header names are "
                      "case-sensitive, RFC 3862 3.1)", names[i], variant);
    /* (variant differs from names[i] only in case: short, ASCII) */
    else
      cpm_report_add (c->report, rules[i], CPM_SEVERITY_ERROR, sections[i], names[i],
                      c->body_line, "CPIM %s header missing", names[i]);
  }
}

static void
check_datetime (Check *c)
{
  const char *dt = cpm_cpim_get_header (c->cpim, "DateTime");
  g_autoptr(GError) error = NULL;
  if (!dt || cpm_check_cpim_datetime (dt, strlen (dt), &error))
    return;
  g_autofree char *v = shown (dt);
  cpm_report_add (c->report, "cpim.datetime-invalid", CPM_SEVERITY_ERROR, "RFC 3862 4.4",
                  "DateTime", header_line (c, "DateTime"),
                  "CPIM DateTime \"%s\" is not an RFC 3339 date-time: %s", v,
                  error ? error->message : "invalid");
}

/* Table 1: IMDN-Message-ID "is set to the imdn.Message-ID header field
 * value ... when available", so two different values are an error. */
static void
check_imdn_message_id (Check *c)
{
  const char *cpim_id = cpm_cpim_get_ns_header (c->cpim, CPM_CPIM_NS_IMDN, "Message-ID");
  if (!cpim_id)
    cpim_id = cpm_cpim_get_header (c->cpim, "imdn.Message-ID");
  const char *obj_id = cpm_object_get_header (c->object, "IMDN-Message-ID");
  if (!cpim_id || !obj_id || strcmp (cpim_id, obj_id) == 0)
    return;
  int idx = cpm_object_find_header (c->object, "IMDN-Message-ID", 0);
  g_autofree char *a = shown (obj_id);
  g_autofree char *b = shown (cpim_id);
  cpm_report_add (c->report, "cpim.imdn-message-id-mismatch", CPM_SEVERITY_ERROR,
                  "5.2.1 Table 1", "IMDN-Message-ID",
                  idx >= 0 ? cpm_object_get_header_line (c->object, (guint) idx) : 0,
                  "IMDN-Message-ID \"%s\" differs from the CPIM imdn.Message-ID \"%s\"", a, b);
}

static guint
content_header_line (const Check *c, const char *name)
{
  for (guint i = 0; i < c->cpim->content_headers->len; i++) {
    const CpimField *f = &FIELD_AT (c->cpim->content_headers, i);
    if (cpm_ascii_caseeq (f->name, name))
      return (guint) ((gint) f->line + c->delta);
  }
  return c->body_line;
}

/* Parses the CPIM entity (its content headers, then the first @len bytes
 * of its content) with GMime. */
static GMimeObject *
gmime_entity (const CpmCpim *cpim, const char *d, gsize len)
{
  /* Sized for the content once, then handed to the stream without a copy:
   * MMS bodies are the largest CPIM bodies. */
  GString *entity = g_string_sized_new (len + 1024);
  write_fields (cpim->content_headers, entity);
  g_string_append (entity, "\r\n");
  if (d)
    g_string_append_len (entity, d, (gssize) len);
  guint entity_len = (guint) entity->len;
  GByteArray *array = g_byte_array_new_take ((guint8 *) g_string_free (entity, FALSE), entity_len);
  GMimeStream *stream = g_mime_stream_mem_new_with_byte_array (array);
  GMimeParser *parser = g_mime_parser_new_with_stream (stream);
  GMimeObject *part = g_mime_parser_construct_part (parser, NULL);
  g_object_unref (parser);
  g_object_unref (stream);
  return part;
}

/* The bytes of @d that settle whether GMime finds a first body part, or 0.
 * GMime reads a multipart line by line: lines before its first boundary
 * line are the preamble, and a part is added once the header block after
 * that boundary line ends (an empty line). So when the first line that
 * starts with "--BOUNDARY" is a plain boundary line (only blanks after it),
 * GMime decides on the first part by the end of the next empty line, and
 * nothing after it can change that: the rest, an MMS image, need not be
 * parsed at all for this check. */
static gsize
first_part_extent (const char *d, gsize len, const char *boundary)
{
  g_autofree char *marker = g_strconcat ("--", boundary, NULL);
  gsize mlen = strlen (marker);
  const char *end = d + len;
  const char *m = d;
  while ((m = memmem (m, (gsize) (end - m), marker, mlen)) != NULL && m > d && m[-1] != '\n')
    m++;
  if (!m)
    return 0;
  const char *q = m + mlen;
  while (q < end && (*q == ' ' || *q == '\t'))
    q++;
  if (q < end && *q == '\r')
    q++;
  if (q >= end || *q != '\n')
    return 0; /* "--BOUNDARY--", "--BOUNDARYx" or the end: GMime decides */
  for (q++; q < end;) {
    if (*q == '\n')
      return (gsize) (q + 1 - d);
    if (*q == '\r' && q + 1 < end && q[1] == '\n')
      return (gsize) (q + 2 - d);
    const char *nl = memchr (q, '\n', (gsize) (end - q));
    if (!nl)
      return 0;
    q = nl + 1;
  }
  return 0;
}

static gboolean
has_parts (GMimeObject *part)
{
  return part && GMIME_IS_MULTIPART (part) && g_mime_multipart_get_count (GMIME_MULTIPART (part)) > 0;
}

/* The inner multipart is handed to GMime's parser: it must have a boundary
 * and at least one body part. */
static void
check_multipart (Check *c, const char *type)
{
  guint line = content_header_line (c, "Content-Type");
  g_autofree char *boundary = cpm_content_type_param (type, "boundary");
  if (!boundary || !*boundary) {
    cpm_report_add (c->report, "cpim.multipart-boundary-missing", CPM_SEVERITY_ERROR,
                    "RFC 2046 5.1.1", "Content-Type", line,
                    "inner multipart Content-Type has no boundary parameter");
    return;
  }
  cpm_gmime_ensure ();
  gsize len = 0;
  const char *d = c->cpim->content ? g_bytes_get_data (c->cpim->content, &len) : NULL;
  /* GMime on the lines that decide (see first_part_extent), when it reads
   * the same boundary there; otherwise, and for any other answer, on all. */
  gsize extent = d ? first_part_extent (d, len, boundary) : 0;
  if (extent > 0 && extent < len) {
    GMimeObject *head = gmime_entity (c->cpim, d, extent);
    gboolean settled = has_parts (head) &&
                       g_strcmp0 (g_mime_multipart_get_boundary (GMIME_MULTIPART (head)), boundary) == 0;
    g_clear_object (&head);
    if (settled)
      return;
  }
  GMimeObject *part = gmime_entity (c->cpim, d, len);
  gboolean empty = !has_parts (part);
  g_clear_object (&part);
  if (empty) {
    g_autofree char *bshown = shown (boundary);
    cpm_report_add (c->report, "cpim.multipart-empty", CPM_SEVERITY_ERROR, "RFC 2046 5.1.1",
                    "Content-Type", line,
                    "inner multipart has no body part delimited by \"--%s\"", bshown);
  }
}

static void
check_transfer_encoding (Check *c)
{
  const char *cte = cpm_cpim_get_content_header (c->cpim, "Content-Transfer-Encoding");
  if (!cte)
    return;
  g_autofree char *name = g_strstrip (g_strdup (cte));
  if (g_mime_content_encoding_from_string (name) != GMIME_CONTENT_ENCODING_DEFAULT)
    return;
  g_autofree char *v = shown (name);
  cpm_report_add (c->report, "cpim.transfer-encoding-unknown", CPM_SEVERITY_ERROR,
                  "RFC 2045 6.1", "Content-Transfer-Encoding",
                  content_header_line (c, "Content-Transfer-Encoding"),
                  "unknown Content-Transfer-Encoding \"%s\" in the CPIM entity", v);
}

static void
check_content (Check *c)
{
  const char *type = cpm_cpim_get_content_type (c->cpim);
  check_transfer_encoding (c);
  if (!type) {
    guint line = (guint) ((gint) c->cpim->content_line + c->delta);
    /* RFC 2045 5.2 defaults to text/plain; us-ascii, but RFC 3862 2.4
     * expects the entity to say what it carries. */
    cpm_report_add (c->report, "cpim.content-type-missing", CPM_SEVERITY_WARNING,
                    "RFC 3862 2.4", "Content-Type", line,
                    "the entity inside the CPIM body has no Content-Type");
    if (c->kind == CPM_KIND_IMDN)
      cpm_report_add (c->report, "cpim.imdn-content-type", CPM_SEVERITY_ERROR,
                      "5.2.1, RFC 5438 7", "Content-Type", line,
                      "a disposition notification carries message/imdn+xml inside CPIM");
    return;
  }
  guint line = content_header_line (c, "Content-Type");
  if (c->kind == CPM_KIND_IMDN && !mime_type_is (type, "message/imdn+xml", FALSE)) {
    g_autofree char *mime = cpm_mime_type_of (type);
    g_autofree char *shown_type = shown (mime);
    cpm_report_add (c->report, "cpim.imdn-content-type", CPM_SEVERITY_ERROR,
                    "5.2.1, RFC 5438 7", "Content-Type", line,
                    "a disposition notification carries message/imdn+xml inside CPIM, not %s",
                    shown_type);
  }
  if (mime_type_is (type, "multipart/", TRUE))
    check_multipart (c, type);
}

static gboolean
check_outer_type (const CpmObject *object, CpmReport *report)
{
  const char *ct = cpm_object_get_header (object, "Content-Type");
  if (!ct)
    return TRUE; /* the header presence rule reports it */
  if (mime_type_is (ct, "message/cpim", FALSE))
    return TRUE;
  int idx = cpm_object_find_header (object, "Content-Type", 0);
  g_autofree char *v = shown (ct);
  cpm_report_add (report, "cpim.content-type", CPM_SEVERITY_ERROR, "5.2.1 Table 1",
                  "Content-Type", idx >= 0 ? cpm_object_get_header_line (object, (guint) idx) : 0,
                  "Content-Type is \"%s\"; %s objects are stored as Message/CPIM", v,
                  cpm_kind_to_string (cpm_object_get_kind (object)));
  return FALSE;
}

void
cpm_validate_body_cpim (const CpmObject *object, CpmProfile profile, CpmReport *report)
{
  GBytes *body = cpm_object_get_body (object);
  guint line = cpm_object_get_body_line (object);
  if (!check_outer_type (object, report))
    return;
  if (!body || g_bytes_get_size (body) == 0)
    return; /* the engine reports body.missing */
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmCpim) cpim = cpm_cpim_parse_kept (body, report, line, &error);
  if (!cpim) {
    cpm_report_add (report, "cpim.not-cpim", CPM_SEVERITY_ERROR, "RFC 3862 2", NULL, line,
                    "the Message/CPIM body is not CPIM: %s", error->message);
    return;
  }
  Check c = { object, cpm_object_get_kind (object), report, cpim, line,
              (gint) line - (gint) cpim->first_line };
  check_addresses (&c);
  check_datetime (&c);
  check_imdn_message_id (&c);
  if (!cpim->no_entity)
    check_content (&c);
}
