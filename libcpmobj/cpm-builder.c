/* libcpmobj — assembling objects from values. The body is written straight
 * into one GString (no GMime trees): building is on the bulk path.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"

#include <cpmobj/cpm-builder.h>
#include <cpmobj/cpm-header.h>
#include <string.h>

#include "cpm-builder-private.h"
#include "cpm-cpim-private.h"
#include "cpm-object-private.h"
#include "cpm-check-private.h"

/* One field as given: name and value side by side (the value follows the
 * name's NUL), in the builder's store while it has room, else in an
 * allocation of their own; and the registry row of the name, looked up
 * once when the field is set: the checks, the mandatory count and every
 * search by name compare rows, not names.
 * A reused builder (the converter keeps one per chat session) checks a
 * value once: a field remembers that its value passed check_value() (and
 * whether it was ASCII) until the value changes. */
typedef struct {
  char *name;
  char *value;
  const CpmHeaderDef *def; /* NULL: a field the registry does not know */
  guint value_room;        /* bytes @value may take, its NUL included */
  guint8 body;             /* Content-Type & co: the builder writes its own */
  guint8 own;              /* @name is an allocation of its own */
  guint8 checked;          /* @value passed check_value() */
  guint8 ascii;            /* ... and was ASCII text */
} BField;

typedef struct {
  char *content_type;
  char *content_id;
  char *filename;
  GBytes *data;
} BPart;

/* A chat message sets ~8 fields of ~300 bytes in all: they fit the
 * builder itself, no allocation per field (the bulk path builds ~10^5
 * objects a second). A name set again (set_header) leaves its old bytes in
 * the store, which is why fields past it take allocations of their own,
 * freed when they are replaced: the store never grows. */
#define INLINE_FIELDS 12
#define STORE_SIZE 512

struct _CpmBuilder {
  gint ref;
  CpmKind kind;
  CpmProfile profile;
  CpmGenerate generate;
  BField *fields; /* in the order given; inline_fields until there are more */
  guint n_fields, cap_fields;
  /* registry rows appended more than once (bit = row index; bit 63 also
   * any field the registry does not know): only for these may set_header
   * find a second occurrence to drop. Never cleared, so a bit may stay
   * set for a row that has one field again: that costs a search only. */
  guint64 rows_given, rows_repeated;
  GDateTime *date;
  CpmCpim *cpim;
  char *content_type;
  GBytes *content;
  GPtrArray *parts; /* BPart, NULL until the first */
  gsize store_used;
  /* last: only the fields given and the store's used bytes are read, so
   * these ~900 bytes are not zeroed */
  BField inline_fields[INLINE_FIELDS];
  char store[STORE_SIZE];
};

/* Registry rows the builder asks for by name, looked up once; and per
 * kind and profile, the rows not applicable and the rows mandatory (but
 * for the body fields the builder writes itself), worked out once: every
 * build asked cpm_header_status() of each field and of every registry
 * row. Bit i stands for registry row i. */
typedef struct {
  const CpmHeaderDef *from, *to, *cc, *date, *imdn_id, *correlator, *context;
  guint64 body_rows; /* rows is_body_field() names */
  guint64 not_applicable[CPM_KIND_COUNT][CPM_PROFILE_COUNT];
  guint64 mandatory[CPM_KIND_COUNT][CPM_PROFILE_COUNT];
} KnownDefs;

static gboolean is_body_field (const char *name);

static guint64
rows_with_status (CpmKind kind, CpmProfile profile, CpmHeaderStatus status)
{
  guint n_defs = 0;
  const CpmHeaderDef *defs = cpm_header_registry (&n_defs);
  guint64 rows = 0;
  for (guint i = 0; i < n_defs; i++)
    if (cpm_header_status (&defs[i], kind, profile) == status)
      rows |= G_GUINT64_CONSTANT (1) << i;
  return rows;
}

static const KnownDefs *
known_defs (void)
{
  static KnownDefs k;
  static gsize done = 0;
  if (g_once_init_enter (&done)) {
    k.from = cpm_header_lookup ("From", -1);
    k.to = cpm_header_lookup ("To", -1);
    k.cc = cpm_header_lookup ("Cc", -1);
    k.date = cpm_header_lookup ("Date", -1);
    k.imdn_id = cpm_header_lookup ("IMDN-Message-ID", -1);
    k.correlator = cpm_header_lookup ("Message-Correlator", -1);
    k.context = cpm_header_lookup ("Message-Context", -1);
    g_assert (k.from && k.to && k.cc && k.date && k.imdn_id && k.correlator && k.context);
    guint n_defs = 0;
    const CpmHeaderDef *defs = cpm_header_registry (&n_defs);
    g_assert (n_defs <= 64);
    for (guint i = 0; i < n_defs; i++)
      if (is_body_field (defs[i].name))
        k.body_rows |= G_GUINT64_CONSTANT (1) << i;
    for (guint kind = 0; kind < CPM_KIND_COUNT; kind++)
      for (guint p = 0; p < CPM_PROFILE_COUNT; p++) {
        k.not_applicable[kind][p] = rows_with_status (kind, p, CPM_STATUS_NOT_APPLICABLE);
        k.mandatory[kind][p] =
          rows_with_status (kind, p, CPM_STATUS_MANDATORY) & ~k.body_rows;
      }
    g_once_init_leave (&done, 1);
  }
  return &k;
}

/* A profile past the table (set_profile takes any value) is worked out
 * when asked. */
static guint64
not_applicable_rows (const CpmBuilder *b)
{
  if ((guint) b->profile < CPM_PROFILE_COUNT)
    return known_defs ()->not_applicable[b->kind][b->profile];
  return rows_with_status (b->kind, b->profile, CPM_STATUS_NOT_APPLICABLE);
}

static guint64
mandatory_rows (const CpmBuilder *b)
{
  if ((guint) b->profile < CPM_PROFILE_COUNT)
    return known_defs ()->mandatory[b->kind][b->profile];
  return rows_with_status (b->kind, b->profile, CPM_STATUS_MANDATORY) & ~known_defs ()->body_rows;
}

/* Fields the builder writes itself from the content it is given. */
static gboolean
is_body_field (const char *name)
{
  char c = g_ascii_tolower (name[0]);
  if (c != 'c' && c != 'm')
    return FALSE;
  switch (strlen (name)) {
  case 12:
    return cpm_ascii_caseeq (name, "Content-Type") || cpm_ascii_caseeq (name, "MIME-Version");
  case 25:
    return cpm_ascii_caseeq (name, "Content-Transfer-Encoding");
  default:
    return FALSE;
  }
}

static BField
bfield_new (CpmBuilder *b, const char *name, const CpmHeaderDef *def, const char *value)
{
  gsize ln = strlen (name) + 1, lv = strlen (value) + 1;
  BField f = { NULL, NULL, def, (guint) lv, is_body_field (name), FALSE, FALSE, FALSE };
  if (ln + lv <= STORE_SIZE - b->store_used) {
    f.name = b->store + b->store_used;
    b->store_used += ln + lv;
  } else {
    f.name = g_malloc (ln + lv);
    f.own = TRUE;
  }
  memcpy (f.name, name, ln);
  f.value = f.name + ln;
  memcpy (f.value, value, lv);
  return f;
}

static void
bfield_clear (BField *f)
{
  if (f->own)
    g_free (f->name);
}

/* The same field name, any case: registry names are equal exactly when
 * their rows are (cpm_header_lookup is case-insensitive, one row a name). */
static gboolean
bfield_is (const BField *f, const char *name, const CpmHeaderDef *def)
{
  return def ? f->def == def : !f->def && cpm_ascii_caseeq (f->name, name);
}

static guint64
row_bit (const CpmHeaderDef *def)
{
  guint n_defs = 0;
  const CpmHeaderDef *defs = cpm_header_registry (&n_defs);
  guint row = def ? (guint) (def - defs) : 63;
  return G_GUINT64_CONSTANT (1) << MIN (row, 63);
}

static void
fields_append (CpmBuilder *b, BField f)
{
  guint64 bit = row_bit (f.def);
  if ((b->rows_given & bit) || !f.def)
    b->rows_repeated |= bit;
  b->rows_given |= bit;
  if (b->n_fields == b->cap_fields) {
    b->cap_fields *= 2;
    if (b->fields == b->inline_fields)
      b->fields = g_memdup2 (b->inline_fields, b->cap_fields * sizeof (BField));
    else
      b->fields = g_renew (BField, b->fields, b->cap_fields);
  }
  b->fields[b->n_fields++] = f;
}

static void
fields_remove (CpmBuilder *b, guint i)
{
  bfield_clear (&b->fields[i]);
  memmove (&b->fields[i], &b->fields[i + 1], (b->n_fields - i - 1) * sizeof (BField));
  b->n_fields--;
}

static void
bpart_free (gpointer p)
{
  BPart *part = p;
  g_free (part->content_type);
  g_free (part->content_id);
  g_free (part->filename);
  g_bytes_unref (part->data);
  g_free (part);
}

CpmBuilder *
cpm_builder_new (CpmKind kind)
{
  g_return_val_if_fail ((guint) kind < CPM_KIND_COUNT, NULL);
  CpmBuilder *b = g_malloc (sizeof (CpmBuilder));
  memset (b, 0, G_STRUCT_OFFSET (CpmBuilder, inline_fields));
  b->ref = 1;
  b->kind = kind;
  b->profile = CPM_PROFILE_DEFAULT;
  b->fields = b->inline_fields;
  b->cap_fields = INLINE_FIELDS;
  return b;
}

CpmBuilder *
cpm_builder_ref (CpmBuilder *builder)
{
  g_return_val_if_fail (builder, NULL);
  g_atomic_int_inc (&builder->ref);
  return builder;
}

void
cpm_builder_unref (CpmBuilder *builder)
{
  if (!builder || !g_atomic_int_dec_and_test (&builder->ref))
    return;
  for (guint i = 0; i < builder->n_fields; i++)
    bfield_clear (&builder->fields[i]);
  if (builder->fields != builder->inline_fields)
    g_free (builder->fields);
  g_clear_pointer (&builder->parts, g_ptr_array_unref);
  g_clear_pointer (&builder->date, g_date_time_unref);
  g_clear_pointer (&builder->cpim, cpm_cpim_unref);
  g_clear_pointer (&builder->content, g_bytes_unref);
  g_free (builder->content_type);
  g_free (builder);
}

void
cpm_builder_set_profile (CpmBuilder *builder, CpmProfile profile)
{
  builder->profile = profile;
}

void
cpm_builder_set_generate (CpmBuilder *builder, CpmGenerate flags)
{
  builder->generate = flags;
}

void
cpm_builder_add_header (CpmBuilder *builder, const char *name, const char *value)
{
  g_return_if_fail (builder && name && value);
  fields_append (builder, bfield_new (builder, name, cpm_header_lookup (name, -1), value));
}

/* @f takes @value: where its old value was when it fits there (a reused
 * builder sets values of the same length again and again), unchanged and
 * still checked when equal. */
static void
bfield_set_value (CpmBuilder *b, BField *f, const char *value)
{
  gsize lv = strlen (value) + 1;
  if (lv <= f->value_room) {
    if (memcmp (f->value, value, lv) != 0) {
      memcpy (f->value, value, lv);
      f->checked = FALSE;
    }
    return;
  }
  BField old = *f;
  *f = bfield_new (b, old.name, old.def, value);
  bfield_clear (&old);
}

/* Replaces in place (the first occurrence keeps its position, and its
 * name as first given), drops the others; a NULL @value removes the
 * field. @def: the registry row of @name. */
static void
set_field (CpmBuilder *builder, const char *name, const CpmHeaderDef *def, const char *value)
{
  guint i = 0;
  while (value && i < builder->n_fields && !bfield_is (&builder->fields[i], name, def))
    i++;
  gboolean found = value && i < builder->n_fields;
  if (found) {
    bfield_set_value (builder, &builder->fields[i], value);
    if (!(builder->rows_repeated & row_bit (def)))
      return; /* no other occurrence to drop */
    i++;
  }
  for (guint j = builder->n_fields; j-- > i;)
    if (bfield_is (&builder->fields[j], name, def))
      fields_remove (builder, j);
  if (value && !found)
    fields_append (builder, bfield_new (builder, name, def, value));
}

void
cpm_builder_set_header (CpmBuilder *builder, const char *name, const char *value)
{
  g_return_if_fail (builder && name);
  set_field (builder, name, cpm_header_lookup (name, -1), value);
}

void
cpm_builder_set_known (CpmBuilder *builder, const CpmHeaderDef *def, const char *value)
{
  g_return_if_fail (builder && def);
  set_field (builder, def->name, def, value);
}

void
cpm_builder_set_date (CpmBuilder *builder, GDateTime *date)
{
  char text[CPM_DATE_FORMAT_SIZE];

  g_return_if_fail (builder && date);
  g_clear_pointer (&builder->date, g_date_time_unref);
  builder->date = g_date_time_ref (date);
  cpm_date_format_to (date, text);
  cpm_builder_set_header (builder, "Date", text);
}

void
cpm_builder_set_cpim (CpmBuilder *builder, CpmCpim *cpim)
{
  g_return_if_fail (builder);
  g_clear_pointer (&builder->cpim, cpm_cpim_unref);
  builder->cpim = cpim ? cpm_cpim_ref (cpim) : NULL;
}

void
cpm_builder_set_content (CpmBuilder *builder, const char *content_type, GBytes *content)
{
  g_return_if_fail (builder && content_type && content);
  g_free (builder->content_type);
  builder->content_type = g_strdup (content_type);
  g_clear_pointer (&builder->content, g_bytes_unref);
  builder->content = g_bytes_ref (content);
}

void
cpm_builder_clear_content (CpmBuilder *builder)
{
  g_clear_pointer (&builder->content_type, g_free);
  g_clear_pointer (&builder->content, g_bytes_unref);
}

void
cpm_builder_add_part (CpmBuilder *builder, const char *content_type, const char *content_id,
                      const char *filename, GBytes *content)
{
  g_return_if_fail (builder && content_type && content);
  BPart *part = g_new0 (BPart, 1);
  part->content_type = g_strdup (content_type);
  part->content_id = g_strdup (content_id);
  part->filename = g_strdup (filename);
  part->data = g_bytes_ref (content);
  if (!builder->parts)
    builder->parts = g_ptr_array_new_with_free_func (bpart_free);
  g_ptr_array_add (builder->parts, part);
}

/* ---- checks ---- */

static gboolean
is_cpim_kind (CpmKind kind)
{
  return kind == CPM_KIND_MESSAGE || kind == CPM_KIND_CHAT || kind == CPM_KIND_IMDN
         || kind == CPM_KIND_SMS || kind == CPM_KIND_MMS;
}

static guint
n_parts (const CpmBuilder *b)
{
  return b->parts ? b->parts->len : 0;
}

/* The first value of the registry field @def. */
static const char *
get_field (const CpmBuilder *b, const CpmHeaderDef *def)
{
  for (guint i = 0; i < b->n_fields; i++)
    if (b->fields[i].def == def)
      return b->fields[i].value;
  return NULL;
}

/* Each non-ASCII UTF-8 character replaced by one 'x': lets the ASCII
 * grammars judge the structure of a value whose words the serializer will
 * RFC 2047-encode. */
static char *
ascii_shadow (const char *value)
{
  GString *s = g_string_sized_new (strlen (value));
  for (const char *p = value; *p; p = g_utf8_next_char (p))
    g_string_append_c (s, (guchar) *p < 0x80 ? *p : 'x');
  return g_string_free (s, FALSE);
}

/* Values are UTF-8; the object serializer RFC 2047-encodes non-ASCII text
 * (display names of address fields, unstructured fields, Message-Correlator
 * as one B word). So a non-ASCII value is checked in the form it will take:
 * Message-Correlator as that encoded-word, address and unstructured fields
 * through their ASCII shadow (and an address only with non-ASCII in its
 * display name); every other grammar is ASCII only. */
static gboolean
check_value (const CpmHeaderDef *def, const char *value, gboolean *ascii, GError **error)
{
  gboolean high = FALSE;
  const char *p = value;
  gsize n = strlen (value);
  *ascii = cpm_is_ascii_text (value, n);
  if (*ascii)
    p += n; /* nothing for the byte loop below to find (a tab passes it too) */
  for (; *p; p++) {
    if ((guchar) *p < 0x20 && *p != '\t') {
      g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE,
                   "%s value contains control character 0x%02x", def->name, (guchar) *p);
      return FALSE;
    }
    high |= (guchar) *p >= 0x7f;
  }
  gsize len = (gsize) (p - value);
  if (high && !g_utf8_validate (value, (gssize) len, NULL)) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE, "%s value is not valid UTF-8",
                 def->name);
    return FALSE;
  }
  if (!def->check)
    return TRUE;
  if (!high)
    return cpm_check_cached (def->check, value, len, error);
  if (def->check == cpm_check_message_correlator) {
    g_autofree char *word = cpm_encode_word_b (value, len);
    return def->check (word, strlen (word), error);
  }
  gboolean address = def->check == cpm_check_address || def->check == cpm_check_address_list;
  const char *lt = strchr (value, '<');
  if (address && (!lt || !cpm_is_ascii_text (lt, strlen (lt)))) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE,
                 "%s: non-ASCII is allowed only in the display name", def->name);
    return FALSE;
  }
  if (address || def->check == cpm_check_unstructured) {
    g_autofree char *shadow = ascii_shadow (value);
    return def->check (shadow, strlen (shadow), error);
  }
  g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE, "%s value must be ASCII", def->name);
  return FALSE;
}

/* Registry rows are counted in one pass (the bulk path builds ~10^5
 * objects a second): @counts is indexed like cpm_header_registry().
 * Bit i of *@ascii: field i (of the first 64) was checked and its value
 * found cpm_is_ascii_text, so the serializer need not look again. */
#define MAX_DEFS 64

static gboolean
check_fields (CpmBuilder *b, guint *counts, guint64 *ascii, GError **error)
{
  *ascii = 0;
  guint n_defs = 0;
  const CpmHeaderDef *defs = cpm_header_registry (&n_defs);
  g_assert (n_defs <= MAX_DEFS);
  guint64 not_applicable = not_applicable_rows (b);
  for (guint i = 0; i < b->n_fields; i++) {
    BField *f = &b->fields[i];
    const CpmHeaderDef *def = f->def;
    if (!def || f->body)
      continue;
    if (not_applicable >> (def - defs) & 1) {
      g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE,
                   "header %s is not applicable to %s objects (%s)", def->name,
                   cpm_kind_to_string (b->kind), def->section);
      return FALSE;
    }
    g_autoptr(GError) local = NULL;
    gboolean is_ascii = f->ascii;
    if (!f->checked && !check_value (def, f->value, &is_ascii, &local)) {
      /* quote at most 80 characters of what may be a huge value */
      gboolean utf8 = g_utf8_validate (f->value, -1, NULL);
      g_autofree char *shown = utf8 ? g_utf8_substring (f->value, 0, MIN (80, g_utf8_strlen (f->value, -1)))
                                    : g_strdup ("(not UTF-8)");
      g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE, "invalid %s \"%s\" (%s): %s",
                   def->name, shown, def->section, local ? local->message : "invalid");
      return FALSE;
    }
    f->checked = TRUE;
    f->ascii = (guint8) is_ascii;
    if (is_ascii && i < 64)
      *ascii |= G_GUINT64_CONSTANT (1) << i;
    guint n = ++counts[def - defs];
    if (def->max && n > def->max) {
      g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE,
                   "header %s given more than %u times (%s)", def->name, def->max,
                   def->section);
      return FALSE;
    }
  }
  return TRUE;
}

/* Mandatory fields per the registry for the kind and profile, counting the
 * values that build() generates (@date, @imdn_id). */
static gboolean
check_mandatory (const CpmBuilder *b, const guint *counts, gboolean have_date,
                 gboolean have_imdn_id, GError **error)
{
  guint n_defs = 0;
  const CpmHeaderDef *defs = cpm_header_registry (&n_defs);
  /* row order, lowest first: the first missing row is the one reported */
  for (guint64 rows = mandatory_rows (b); rows; rows &= rows - 1) {
    guint i = (guint) __builtin_ctzll (rows);
    const CpmHeaderDef *def = &defs[i];
    guint n = counts[i];
    if (def == known_defs ()->date)
      n += !n && have_date;
    if (def == known_defs ()->imdn_id)
      n += !n && have_imdn_id;
    if (n < MAX (def->min, 1)) {
      g_set_error (error, CPM_ERROR, CPM_ERROR_MISSING_HEADER,
                   "missing mandatory header %s (%s)", def->name, def->section);
      return FALSE;
    }
  }
  /* Table 1: Message-Context "SHALL be present if a Message-Correlator
   * header is present". */
  if (get_field (b, known_defs ()->correlator) && !get_field (b, known_defs ()->context)) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_MISSING_HEADER,
                 "missing header Message-Context, required with Message-Correlator "
                 "(5.2.1 Table 1)");
    return FALSE;
  }
  return TRUE;
}

/* ---- generated values ---- */

/* RFC 5438 6.3 asks for a globally unique Message-ID; 128 random bits as
 * 32 hex digits are a SIP token (Appendix C.4). */
static char *
generate_message_id (void)
{
  static const char hex[] = "0123456789abcdef";
  char *id = g_malloc (33);
  for (guint i = 0; i < 4; i++) {
    guint32 r = g_random_int ();
    for (guint k = 0; k < 8; k++, r >>= 4)
      id[i * 8 + k] = hex[r & 0xf];
  }
  id[32] = '\0';
  return id;
}

static char *
put_digits (char *w, int value, int width)
{
  for (int i = width - 1; i >= 0; i--, value /= 10)
    w[i] = (char) ('0' + value % 10);
  return w + width;
}

/* RFC 3339 date-time for the CPIM DateTime (RFC 3862 4.4), by hand:
 * g_date_time_format() dominated the build profile. @out holds 32. */
static void
format_rfc3339 (int y, int mo, int d, int h, int mi, int sec, int off_min, char *out)
{
  char *w = put_digits (out, y, 4);
  *w++ = '-';
  w = put_digits (w, mo, 2);
  *w++ = '-';
  w = put_digits (w, d, 2);
  *w++ = 'T';
  w = put_digits (w, h, 2);
  *w++ = ':';
  w = put_digits (w, mi, 2);
  *w++ = ':';
  w = put_digits (w, sec, 2);
  if (off_min == 0) {
    *w++ = 'Z';
  } else {
    *w++ = off_min < 0 ? '-' : '+';
    off_min = ABS (off_min);
    w = put_digits (w, off_min / 60, 2);
    *w++ = ':';
    w = put_digits (w, off_min % 60, 2);
  }
  *w = '\0';
}

static void
format_datetime (GDateTime *dt, char *out)
{
  int y, mo, d;
  g_date_time_get_ymd (dt, &y, &mo, &d);
  format_rfc3339 (y, mo, d, g_date_time_get_hour (dt), g_date_time_get_minute (dt),
                  g_date_time_get_second (dt),
                  (int) (g_date_time_get_utc_offset (dt) / G_TIME_SPAN_MINUTE), out);
}

static gboolean
take_number (const char **p, int digits, int *value)
{
  int v = 0;
  for (int i = 0; i < digits; i++, (*p)++) {
    if (!g_ascii_isdigit (**p))
      return FALSE;
    v = v * 10 + (**p - '0');
  }
  *value = v;
  return TRUE;
}

/* The Date the builder was given, rewritten as RFC 3339 without building a
 * GDateTime, for the common form "[Tue, ]29 Apr 2014 09:48:23 -0800"
 * (already checked by cpm_check_date). FALSE for any other form (obsolete
 * zones, comments, missing seconds): the caller falls back to
 * cpm_date_parse(). */
static gboolean
date_to_rfc3339 (const char *date, char *out)
{
  static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  const char *p = date;
  int d, y, h, mi, sec, zone, mo = 0;
  if (g_ascii_isalpha (*p)) {
    if (strlen (p) < 4 || p[3] != ',')
      return FALSE;
    p += 4;
  }
  while (*p == ' ')
    p++;
  if (!take_number (&p, g_ascii_isdigit (p[1]) ? 2 : 1, &d) || *p++ != ' ')
    return FALSE;
  for (int i = 0; i < 12 && !mo; i++)
    if (strncmp (p, months + 3 * i, 3) == 0)
      mo = i + 1;
  if (!mo)
    return FALSE;
  p += 3;
  if (*p++ != ' ' || !take_number (&p, 4, &y) || *p++ != ' ' || !take_number (&p, 2, &h)
      || *p++ != ':' || !take_number (&p, 2, &mi) || *p++ != ':' || !take_number (&p, 2, &sec)
      || *p++ != ' ')
    return FALSE;
  char sign = *p++;
  if ((sign != '+' && sign != '-') || !take_number (&p, 4, &zone) || *p != '\0')
    return FALSE;
  int off = (zone / 100) * 60 + zone % 100;
  /* RFC 5322 3.3: "-0000" means no zone information; RFC 3339 4.3 writes
   * that as "-00:00", not "Z". */
  if (off == 0 && sign == '-') {
    format_rfc3339 (y, mo, d, h, mi, sec, 0, out);
    memcpy (out + 19, "-00:00", 7);
    return TRUE;
  }
  format_rfc3339 (y, mo, d, h, mi, sec, sign == '-' ? -off : off, out);
  return TRUE;
}

/* ---- content ---- */

/* A text type without a charset gets charset=utf-8 (the builder's values
 * are UTF-8); then the content has to be UTF-8. */
static char *
content_type_with_charset (const char *content_type, const char *mime, GBytes *data,
                           GError **error)
{
  if (!g_str_has_prefix (mime, "text/") || strstr (content_type, "charset="))
    return g_strdup (content_type);
  gsize len = 0;
  const char *d = g_bytes_get_data (data, &len);
  if (d && !g_utf8_validate (d, (gssize) len, NULL)) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE,
                 "%s content is not UTF-8; give its charset parameter", mime);
    return NULL;
  }
  return g_strconcat (content_type, "; charset=utf-8", NULL);
}

/* Ready-made multipart or message content cannot be transfer-encoded
 * (RFC 2045 6.4); with NULs, bare CRs or over-long lines it would not
 * survive IMAP APPEND, so it is refused rather than stored as binary. */
static gboolean
check_composite (const char *mime, CpmCte cte, GError **error)
{
  if (cte != CPM_CTE_BINARY)
    return TRUE;
  g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE,
               "%s content has NUL bytes, bare CRs or lines over 998 octets; "
               "encode its parts (base64) first", mime);
  return FALSE;
}

/* Writes the MIME header of one entity and its encoded content, CRLF. */
static gboolean
write_entity (GString *out, const char *content_type, const char *content_id,
              const char *filename, const char *disposition, GBytes *data, GError **error)
{
  if (!cpm_check_content_type (content_type, strlen (content_type), error))
    return FALSE;
  g_autofree char *mime = cpm_mime_type_of (content_type);
  g_autofree char *type = content_type_with_charset (content_type, mime, data, error);
  if (!type)
    return FALSE;
  gsize len = 0;
  const guint8 *d = g_bytes_get_data (data, &len);
  CpmContentClass cls = cpm_mime_class (mime);
  CpmCte cte = cpm_cte_choose (cls, d, len);
  if (!check_composite (mime, cte, error))
    return FALSE;
  g_string_append (out, "Content-Type: ");
  g_string_append (out, type);
  g_string_append (out, "\r\n");
  if (cte != CPM_CTE_7BIT) {
    g_string_append (out, "Content-Transfer-Encoding: ");
    g_string_append (out, cpm_cte_name (cte));
    g_string_append (out, "\r\n");
  }
  if (content_id)
    g_string_append_printf (out, "Content-ID: <%s>\r\n", content_id);
  if (filename)
    g_string_append_printf (out, "Content-Disposition: attachment; filename=\"%s\"\r\n", filename);
  else if (disposition)
    g_string_append_printf (out, "Content-Disposition: %s\r\n", disposition);
  g_string_append (out, "\r\n");
  if (d)
    cpm_cte_encode (cte, cls, d, len, out);
  return TRUE;
}

/* A file name goes into a quoted-string: printable ASCII without '"' and
 * '\\' (non-ASCII names would need RFC 2231, which GMime readers decode but
 * the object validator does not; refuse rather than mangle). */
static gboolean
check_filename (const char *filename, GError **error)
{
  if (!filename)
    return TRUE;
  for (const char *p = filename; *p; p++) {
    if ((guchar) *p < 0x20 || (guchar) *p > 0x7e || *p == '"' || *p == '\\') {
      g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE,
                   "file name \"%s\" must be printable ASCII without quotes or backslashes",
                   filename);
      return FALSE;
    }
  }
  return TRUE;
}

/* A Content-ID without its angle brackets: RFC 2392 / RFC 5322 msg-id
 * text, printable ASCII without brackets or white space (which would also
 * let a value inject header fields). */
static gboolean
check_content_id (const char *id, GError **error)
{
  if (!id)
    return TRUE;
  gboolean ok = *id != '\0';
  for (const char *p = id; *p && ok; p++)
    ok = (guchar) *p > 0x20 && (guchar) *p < 0x7f && *p != '<' && *p != '>';
  if (!ok)
    g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE,
                 "Content-ID \"%s\" must be printable ASCII without <, > or spaces (RFC 2392)", id);
  return ok;
}

/* Encodes each part (root content first) into its own buffer, so the
 * boundary can be chosen against all of them before they are joined. */
static GPtrArray *
encode_parts (const CpmBuilder *b, const char *root_disposition, GError **error)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  if (b->content) {
    GString *s = g_string_new (NULL);
    if (!write_entity (s, b->content_type, NULL, NULL, root_disposition, b->content, error)) {
      g_string_free (s, TRUE);
      g_ptr_array_unref (out);
      return NULL;
    }
    g_ptr_array_add (out, g_string_free (s, FALSE));
  }
  for (guint i = 0; i < n_parts (b); i++) {
    const BPart *p = b->parts->pdata[i];
    GString *s = g_string_new (NULL);
    if (!check_filename (p->filename, error) || !check_content_id (p->content_id, error)
        || !write_entity (s, p->content_type, p->content_id, p->filename, NULL, p->data, error)) {
      g_string_free (s, TRUE);
      g_ptr_array_unref (out);
      return NULL;
    }
    g_ptr_array_add (out, g_string_free (s, FALSE));
  }
  return out;
}

static char *
boundary_for (GPtrArray *parts, const char *preferred)
{
  /* Join with NUL so a delimiter cannot span two parts unnoticed. */
  g_autoptr(GString) all = g_string_new (NULL);
  for (guint i = 0; i < parts->len; i++) {
    g_string_append (all, parts->pdata[i]);
    g_string_append_c (all, '\0');
  }
  return cpm_boundary_choose (preferred, all->str, all->len);
}

static void
join_parts (GString *out, GPtrArray *parts, const char *boundary)
{
  for (guint i = 0; i < parts->len; i++) {
    const char *p = parts->pdata[i];
    g_string_append_printf (out, "--%s\r\n", boundary);
    g_string_append (out, p);
    if (!g_str_has_suffix (p, "\r\n"))
      g_string_append (out, "\r\n");
  }
  g_string_append_printf (out, "--%s--\r\n", boundary);
}

/* ---- message kinds: the CPIM wrapper ---- */

/* One CPIM field for the address @a..@e, trimmed; none when empty. */
static void
write_address (GString *out, const char *cpim_name, const char *a, const char *e)
{
  while (a < e && g_ascii_isspace (*a))
    a++;
  while (e > a && g_ascii_isspace (e[-1]))
    e--;
  if (e > a) {
    g_string_append (out, cpim_name);
    g_string_append_len (out, ": ", 2);
    cpm_cpim_append_address (out, a, (gsize) (e - a));
    g_string_append_len (out, "\r\n", 2);
  }
}

/* One CPIM field per address of the list: commas outside quotes and angle
 * brackets separate addresses. */
static void
write_address_list (GString *out, const char *cpim_name, const char *value)
{
  /* no comma and no quote (one address, the usual case): the split below
   * would find the whole value, so it is not walked byte by byte */
  if (!strpbrk (value, ",\"")) {
    write_address (out, cpim_name, value, value + strlen (value));
    return;
  }
  gboolean quoted = FALSE;
  int angle = 0;
  const char *start = value;
  for (const char *p = value;; p++) {
    if (*p == '"' && (p == value || p[-1] != '\\'))
      quoted = !quoted;
    else if (!quoted && *p == '<')
      angle++;
    else if (!quoted && *p == '>' && angle > 0)
      angle--;
    if (*p != '\0' && (*p != ',' || quoted || angle != 0))
      continue;
    write_address (out, cpim_name, start, p);
    if (*p == '\0')
      break;
    start = p + 1;
  }
}

static void
write_cpim_addresses (GString *out, const CpmBuilder *b, const CpmHeaderDef *field,
                      const char *cpim_name)
{
  for (guint i = 0; i < b->n_fields; i++)
    if (b->fields[i].def == field)
      write_address_list (out, cpim_name, b->fields[i].value);
}

static gboolean
write_inner (GString *out, const CpmBuilder *b, GError **error)
{
  const char *disposition = b->kind == CPM_KIND_IMDN ? "notification" : NULL;
  if (n_parts (b) == 0) {
    if (!b->content) {
      g_set_error (error, CPM_ERROR, CPM_ERROR_MISSING_HEADER,
                   "missing message body: no content given (5.2.1 Table 1)");
      return FALSE;
    }
    /* RFC 5438 7.2 (via 5.2.1): a notification is marked
     * Content-Disposition: notification. */
    return write_entity (out, b->content_type, NULL, NULL, disposition, b->content, error);
  }
  g_autoptr(GPtrArray) parts = encode_parts (b, disposition, error);
  if (!parts)
    return FALSE;
  g_autofree char *boundary = boundary_for (parts, "cpm-part-boundary");
  g_string_append_printf (out, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", boundary);
  join_parts (out, parts, boundary);
  return TRUE;
}

static gboolean
write_cpim_body (GString *out, const CpmBuilder *b, const char *datetime, const char *imdn_id,
                 GError **error)
{
  const KnownDefs *k = known_defs ();
  write_cpim_addresses (out, b, k->from, "From");
  write_cpim_addresses (out, b, k->to, "To");
  write_cpim_addresses (out, b, k->cc, "cc");
  if (*datetime) {
    g_string_append (out, "DateTime: ");
    g_string_append (out, datetime);
    g_string_append (out, "\r\n");
  }
  if (imdn_id) {
    g_string_append (out, "NS: imdn <" CPM_CPIM_NS_IMDN ">\r\nimdn.Message-ID: ");
    g_string_append (out, imdn_id);
    g_string_append (out, "\r\n");
  }
  g_string_append (out, "\r\n");
  return write_inner (out, b, error);
}

/* ---- XML kinds and media ---- */

/* Table 2 fixes the FT Content-Type to multipart/related;boundary=cpm;
 * type="Application/X-CPM-File-Transfer", written exactly so. The
 * boundary changes only when "--cpm" occurs in an encoded part (binary
 * parts are base64, which has no '-', so only text parts can collide):
 * keeping "cpm" then would cut the body apart. */
static gboolean
write_related (GString *out, CpmObject *object, const CpmBuilder *b, GError **error)
{
  if (!b->content) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_MISSING_HEADER,
                 "missing message body: no root content given (5.2.1 Table 1)");
    return FALSE;
  }
  g_autoptr(GPtrArray) parts = encode_parts (b, NULL, error);
  if (!parts)
    return FALSE;
  g_autofree char *boundary = boundary_for (parts, "cpm");
  g_autofree char *type = NULL;
  if (b->kind == CPM_KIND_FILE_TRANSFER)
    type = g_strdup_printf ("multipart/related;boundary=%s;type=\"Application/X-CPM-File-Transfer\"",
                            boundary);
  else if (b->kind == CPM_KIND_MEDIA)
    type = g_strdup_printf ("multipart/mixed;boundary=\"%s\"", boundary);
  else {
    g_autofree char *root = cpm_mime_type_of (b->content_type);
    type = g_strdup_printf ("multipart/related;boundary=\"%s\";type=\"%s\"", boundary, root);
  }
  cpm_object_append_header (object, "Content-Type", type);
  join_parts (out, parts, boundary);
  return TRUE;
}

static gboolean
write_plain_body (GString *out, CpmObject *object, const CpmBuilder *b, GError **error)
{
  if (!b->content) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_MISSING_HEADER,
                 "missing message body: no content given (5.2.1 Table 1)");
    return FALSE;
  }
  if (!cpm_check_content_type (b->content_type, strlen (b->content_type), error))
    return FALSE;
  g_autofree char *mime = cpm_mime_type_of (b->content_type);
  g_autofree char *type = content_type_with_charset (b->content_type, mime, b->content, error);
  if (!type)
    return FALSE;
  gsize len = 0;
  const guint8 *d = g_bytes_get_data (b->content, &len);
  CpmContentClass cls = cpm_mime_class (mime);
  CpmCte cte = cpm_cte_choose (cls, d, len);
  if (!check_composite (mime, cte, error))
    return FALSE;
  cpm_object_append_header (object, "Content-Type", type);
  if (cte != CPM_CTE_7BIT)
    cpm_object_append_header (object, "Content-Transfer-Encoding", cpm_cte_name (cte));
  if (d)
    cpm_cte_encode (cte, cls, d, len, out);
  return TRUE;
}

/* ---- build ---- */

/* Eight bytes at a time: every CPIM body built is checked whole, a byte
 * loop was ~2 instructions a byte of every message. */
static gboolean
all_ascii (const char *s, gsize len)
{
  guint64 high = 0, w;
  gsize i = 0;

  for (; i + 8 <= len; i += 8) {
    memcpy (&w, s + i, 8);
    high |= w;
  }
  for (; i < len; i++)
    high |= (guchar) s[i];
  return (high & G_GUINT64_CONSTANT (0x8080808080808080)) == 0;
}

/* The imdn.Message-ID of an explicit CPIM wrapper (with the conventional
 * prefix as fallback, see cpm-cpim.c on Appendix D). */
static const char *
cpim_message_id (const CpmCpim *cpim)
{
  if (!cpim)
    return NULL;
  const char *id = cpm_cpim_get_ns_header (cpim, CPM_CPIM_NS_IMDN, "Message-ID");
  return id ? id : cpm_cpim_get_header (cpim, "imdn.Message-ID");
}

typedef struct {
  char *date;        /* generated Date, or NULL */
  char *imdn_id;     /* generated or taken IMDN-Message-ID, or NULL */
  char datetime[32]; /* the CPIM DateTime, or "" */
} Generated;

static void
generated_clear (Generated *g)
{
  g_free (g->date);
  g_free (g->imdn_id);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Generated, generated_clear)

static gboolean
resolve_generated (const CpmBuilder *b, Generated *g, GError **error)
{
  const KnownDefs *k = known_defs ();
  const char *date = get_field (b, k->date);
  /* the DateTime shows only in a CPIM wrapper the builder writes itself */
  gboolean wrapper = is_cpim_kind (b->kind) && !b->cpim;
  if (b->date) {
    if (wrapper)
      format_datetime (b->date, g->datetime);
  } else if (date) {
    if (wrapper && !date_to_rfc3339 (date, g->datetime)) {
      g_autoptr(GDateTime) dt = cpm_date_parse (date, strlen (date));
      if (dt)
        format_datetime (dt, g->datetime);
    }
  } else if (b->generate & CPM_GENERATE_DATE) {
    g_autoptr(GDateTime) dt = g_date_time_new_now_local ();
    g->date = cpm_date_format (dt);
    format_datetime (dt, g->datetime);
  }
  const char *id = get_field (b, k->imdn_id);
  const char *cpim_id = cpim_message_id (b->cpim);
  if (id && cpim_id && strcmp (id, cpim_id) != 0) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE,
                 "IMDN-Message-ID \"%s\" differs from the CPIM imdn.Message-ID \"%s\" "
                 "(5.2.1 Table 1)", id, cpim_id);
    return FALSE;
  }
  if (!id && cpim_id)
    g->imdn_id = g_strdup (cpim_id);
  else if (!id && (b->generate & CPM_GENERATE_IMDN_MESSAGE_ID) &&
           cpm_header_status (k->imdn_id, b->kind, b->profile) !=
             CPM_STATUS_NOT_APPLICABLE)
    /* never for stand-alone media (5.2.5): the field would turn it into a
     * message object */
    g->imdn_id = generate_message_id ();
  return TRUE;
}

static gboolean
write_body (GString *body, CpmObject *object, const CpmBuilder *b, const Generated *g,
            GError **error)
{
  if (is_cpim_kind (b->kind)) {
    cpm_object_append_header (object, "Content-Type", "Message/CPIM");
    if (b->cpim) {
      cpm_cpim_write_to (b->cpim, body);
      if (!all_ascii (body->str, body->len))
        cpm_object_append_header (object, "Content-Transfer-Encoding", "8bit");
      return TRUE;
    }
    const char *id = g->imdn_id ? g->imdn_id : get_field (b, known_defs ()->imdn_id);
    if (!write_cpim_body (body, b, g->datetime, id, error))
      return FALSE;
    /* CPIM header values are UTF-8 (RFC 3862 3.2): a non-ASCII display
     * name makes the body 8bit, which must be declared (RFC 2045 6.2);
     * 8bit survives IMAP APPEND (only NUL needs literal8, RFC 3516). */
    if (!all_ascii (body->str, body->len))
      cpm_object_append_header (object, "Content-Transfer-Encoding", "8bit");
    return TRUE;
  }
  if (n_parts (b) > 0 || b->kind == CPM_KIND_FILE_TRANSFER)
    return write_related (body, object, b, error);
  return write_plain_body (body, object, b, error);
}

CpmObject *
cpm_builder_build (CpmBuilder *builder, GError **error)
{
  g_return_val_if_fail (builder, NULL);
  const CpmBuilder *b = builder;
  guint counts[MAX_DEFS] = { 0 };
  guint64 ascii;
  if (!check_fields (builder, counts, &ascii, error))
    return NULL;
  g_auto(Generated) g = { 0 };
  if (!resolve_generated (b, &g, error))
    return NULL;
  if (!check_mandatory (b, counts, g.date != NULL, g.imdn_id != NULL, error))
    return NULL;

  g_autoptr(CpmObject) object = cpm_object_new (b->kind);
  for (guint i = 0; i < b->n_fields; i++) {
    const BField *f = &b->fields[i];
    if (f->body)
      continue;
    if (i < 64 && (ascii >> i & 1))
      cpm_object_append_ascii_header (object, f->name, f->value);
    else
      cpm_object_append_header (object, f->name, f->value);
  }
  if (g.date)
    cpm_object_append_header (object, "Date", g.date);
  if (g.imdn_id && !get_field (b, known_defs ()->imdn_id))
    cpm_object_append_header (object, "IMDN-Message-ID", g.imdn_id);
  cpm_object_append_header (object, "MIME-Version", "1.0");

  gsize hint = b->content ? g_bytes_get_size (b->content) * 4 / 3 + 512 : 512;
  g_autoptr(GString) body = g_string_sized_new (hint);
  if (!write_body (body, object, b, &g, error))
    return NULL;
  g_autoptr(GBytes) bytes = g_string_free_to_bytes (g_steal_pointer (&body));
  cpm_object_set_body (object, bytes);
  return g_steal_pointer (&object);
}
