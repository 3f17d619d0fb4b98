/* Internals of CpmObject shared with the validator and the body modules.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_OBJECT_PRIVATE_H
#define CPM_OBJECT_PRIVATE_H

#include "config-private.h"
#include <cpmobj/cpm-object.h>

G_BEGIN_DECLS

static inline guchar
cpm_ascii_lower (guchar c)
{
  return c >= 'A' && c <= 'Z' ? (guchar) (c + ('a' - 'A')) : c;
}

/* g_ascii_strcasecmp (a, b) == 0 without the call and its g_ascii_tolower
 * call per byte: header names are looked up ~30 times per converted
 * object (SIP, MSRP, CPIM, builder). */
static inline gboolean
cpm_ascii_caseeq (const char *a, const char *b)
{
  for (;; a++, b++) {
    guchar ca = cpm_ascii_lower ((guchar) *a), cb = cpm_ascii_lower ((guchar) *b);
    if (ca != cb)
      return FALSE;
    if (!ca)
      return TRUE;
  }
}

/* Zero-copy view of header @index: name and unfolded value as slices (the
 * value slice is into the input when the field is one line, else into a
 * cached unfolded copy). Valid while @object lives. FALSE for a line that
 * is not a header field (kept only for byte-exact output). */
gboolean cpm_object_peek_header (const CpmObject *object, guint index,
                                 const char **name, gsize *name_len,
                                 const char **value, gsize *value_len);

/* Index of the first field whose name equals @name (@len bytes), any case. */
int cpm_object_find_header_len (const CpmObject *object, const char *name, gsize len,
                                guint from);

/* The parse defects, or NULL when there were none (no report is made). */
const CpmReport *cpm_object_peek_parse_report (const CpmObject *object);

/* TRUE when header @index is a malformed line rather than a field. */
gboolean cpm_object_header_is_malformed (const CpmObject *object, guint index);

/* Content-Type helpers over GMime's parser.
 * Returns: (transfer full): lower-case "type/subtype", or NULL */
char *cpm_content_type_mime (const char *value);
/* Returns: (transfer full): parameter @name (any case), unquoted, or NULL */
char *cpm_content_type_param (const char *value, const char *name);

/* Encodes @utf8 as one RFC 2047 encoded-word, charset utf-8, B encoding.
 * Returns: (transfer full) */
char *cpm_encode_word_b (const char *utf8, gsize len);

/* cpm_object_append_header for a @value the caller found
 * cpm_is_ascii_text (all of it, to its NUL): the serializer writes it
 * without looking again (the builder checks every value it knows). */
void cpm_object_append_ascii_header (CpmObject *object, const char *name, const char *value);

/* TRUE when @s (@len bytes) is all printable ASCII or WSP. */
gboolean cpm_is_ascii_text (const char *s, gsize len);

/* Case-insensitive equality of a slice with a NUL-terminated string. */
gboolean cpm_slice_equal (const char *s, gsize len, const char *z);

/* Initialises GMime once per process (idempotent, thread-safe); every
 * module that calls GMime calls this first. */
void cpm_gmime_ensure (void);

G_END_DECLS

#endif
