/* libcpmobj — the stored object model.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_OBJECT_H
#define CPM_OBJECT_H

#include <cpmobj/cpm-common.h>
#include <cpmobj/cpm-limits.h>
#include <cpmobj/cpm-report.h>

G_BEGIN_DECLS

/**
 * CpmObject:
 *
 * One stored object: an RFC 5322 header block and a body, plus the kind it
 * was recognised (or built) as. Opaque and reference counted.
 *
 * A parsed object points into the input bytes (it keeps a reference to them)
 * and serializes unmodified fields from those bytes, so parse-then-serialize
 * is byte-identical. Fields that are set or added are generated on output.
 */
typedef struct _CpmObject CpmObject;

/**
 * cpm_object_new:
 * @kind: the kind to build
 *
 * Returns: (transfer full): an empty object with no header and no body
 */
CPM_EXPORT CpmObject *cpm_object_new (CpmKind kind);

/**
 * cpm_object_parse:
 * @bytes: the object as stored (CRLF or LF line ends)
 * @limits: (nullable): limits to apply, %NULL for cpm_limits_default()
 * @error: return location for a #GError
 *
 * Scans the header block without copying and recognises the kind. Defects
 * that still leave an object (a malformed line, a bare CR, 8-bit bytes, an
 * over-long line...) are kept as parse diagnostics, see
 * cpm_object_get_parse_report(); the validator includes them.
 *
 * Returns: (transfer full): the object, or %NULL with @error set when @bytes
 * is empty or over a limit
 */
CPM_EXPORT CpmObject *cpm_object_parse (GBytes *bytes, const CpmLimits *limits, GError **error);

/**
 * cpm_object_parse_data:
 * Like cpm_object_parse() over a copy of @data.
 * Returns: (transfer full) (nullable): the object
 */
CPM_EXPORT CpmObject *cpm_object_parse_data (const char *data, gsize len,
                                              const CpmLimits *limits, GError **error);

CPM_EXPORT CpmObject *cpm_object_ref (CpmObject *object);
CPM_EXPORT void cpm_object_unref (CpmObject *object);

CPM_EXPORT CpmKind cpm_object_get_kind (const CpmObject *object);

/**
 * cpm_object_set_kind:
 * Overrides the recognised kind (e.g. a message known to be a chat message
 * because of the folder it was found in).
 */
CPM_EXPORT void cpm_object_set_kind (CpmObject *object, CpmKind kind);

/**
 * cpm_object_detect_kind:
 * Recognises the kind from Content-Type, the CPIM inner type,
 * Message-Context and P-Asserted-Service. Does not change @object.
 */
CPM_EXPORT CpmKind cpm_object_detect_kind (const CpmObject *object);

/* ---- header fields, in order of appearance ---- */

CPM_EXPORT guint cpm_object_get_n_headers (const CpmObject *object);

/**
 * cpm_object_get_header_name:
 * Returns: (transfer none): the field name of header @index as written
 */
CPM_EXPORT const char *cpm_object_get_header_name (const CpmObject *object, guint index);

/**
 * cpm_object_get_header_value:
 * Returns: (transfer none): the unfolded value of header @index (folding
 * CRLF removed, leading and trailing white space trimmed; RFC 2047 words
 * left encoded). Owned by @object.
 */
CPM_EXPORT const char *cpm_object_get_header_value (const CpmObject *object, guint index);

/**
 * cpm_object_get_header_line:
 * Returns: the 1-based line where header @index starts, 0 for a built one
 */
CPM_EXPORT guint cpm_object_get_header_line (const CpmObject *object, guint index);

/**
 * cpm_object_get_header:
 * @name: field name, case-insensitive
 *
 * Returns: (transfer none) (nullable): the unfolded value of the first field
 * named @name, owned by @object
 */
CPM_EXPORT const char *cpm_object_get_header (const CpmObject *object, const char *name);

/**
 * cpm_object_count_header:
 * Returns: how many fields are named @name (case-insensitive)
 */
CPM_EXPORT guint cpm_object_count_header (const CpmObject *object, const char *name);

/**
 * cpm_object_find_header:
 * @from: index to start at
 * Returns: the index of the next field named @name at or after @from, or -1
 */
CPM_EXPORT int cpm_object_find_header (const CpmObject *object, const char *name, guint from);

/**
 * cpm_object_dup_header_decoded:
 * Returns: (transfer full) (nullable): the first value named @name with
 * RFC 2047 encoded-words decoded to UTF-8
 */
CPM_EXPORT char *cpm_object_dup_header_decoded (const CpmObject *object, const char *name);

/**
 * cpm_object_set_header:
 * @value: UTF-8 value; non-ASCII is RFC 2047 encoded on output
 *
 * Replaces the first field named @name (removing any others), or appends
 * one. The field is generated (and folded) on serialization.
 */
CPM_EXPORT void cpm_object_set_header (CpmObject *object, const char *name, const char *value);

/**
 * cpm_object_append_header:
 * Adds one more field named @name at the end of the header block.
 */
CPM_EXPORT void cpm_object_append_header (CpmObject *object, const char *name, const char *value);

/**
 * cpm_object_remove_header:
 * Returns: how many fields were removed
 */
CPM_EXPORT guint cpm_object_remove_header (CpmObject *object, const char *name);

/* ---- body ---- */

/**
 * cpm_object_get_body:
 * Returns: (transfer none) (nullable): the body bytes exactly as stored
 * (after the empty line), or %NULL when the object has no body
 */
CPM_EXPORT GBytes *cpm_object_get_body (const CpmObject *object);

/**
 * cpm_object_get_body_line:
 * Returns: the 1-based line on which the body starts (0 if there is none)
 */
CPM_EXPORT guint cpm_object_get_body_line (const CpmObject *object);

/**
 * cpm_object_set_body:
 * @body: (transfer none) (nullable): new body bytes, written as given
 */
CPM_EXPORT void cpm_object_set_body (CpmObject *object, GBytes *body);

/**
 * cpm_object_get_parse_report:
 * Returns: (transfer none): the defects found while parsing, owned by @object
 */
CPM_EXPORT const CpmReport *cpm_object_get_parse_report (const CpmObject *object);

/**
 * cpm_object_uses_crlf:
 * Returns: %TRUE when the object's lines end in CRLF (built objects always do)
 */
CPM_EXPORT gboolean cpm_object_uses_crlf (const CpmObject *object);

/**
 * cpm_object_serialize:
 * Returns: (transfer full): the RFC 5322 bytes. Unmodified fields and the
 * body are written exactly as parsed; generated fields use the object's
 * line end, are folded under 998 octets and RFC 2047 encoded where needed.
 */
CPM_EXPORT GBytes *cpm_object_serialize (const CpmObject *object);

/**
 * cpm_object_write_to:
 * Appends the serialization of @object to @out.
 */
CPM_EXPORT void cpm_object_write_to (const CpmObject *object, GString *out);

/**
 * cpm_object_round_trips:
 * @object: the object, usually a built one
 * @limits: (nullable): the limits cpm_object_parse() would apply, %NULL for
 *   cpm_limits_default()
 *
 * Tells without serializing when cpm_object_parse() of
 * cpm_object_serialize() gives back @object as the validator sees it: the
 * same fields (names and unfolded values, in order), the same body bytes,
 * no parse defect and the same kind; only line numbers differ. So
 * cpm_validate() of @object then finds what it finds in the re-parse. A
 * parsed object, a non-ASCII value (written RFC 2047-encoded), a value with
 * WSP at an end or a run of spaces, a field over 998 octets, or a kind that
 * detection would not give all answer %FALSE: only the parse can tell then.
 *
 * Returns: %TRUE when the re-parse is known to be @object again
 */
CPM_EXPORT gboolean cpm_object_round_trips (const CpmObject *object, const CpmLimits *limits);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CpmObject, cpm_object_unref)

G_END_DECLS

#endif
