/* libcpmobj — Message/CPIM bodies (RFC 3862).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_CPIM_H
#define CPM_CPIM_H

#include <cpmobj/cpm-common.h>
#include <cpmobj/cpm-report.h>

G_BEGIN_DECLS

/** The IMDN namespace URN (RFC 5438 section 6). */
#define CPM_CPIM_NS_IMDN "urn:ietf:params:imdn"

/**
 * CpmCpim:
 *
 * A message/cpim body: the CPIM header block (From, To, cc, DateTime,
 * Subject, NS, Require and namespaced fields such as imdn.Message-ID), then
 * the encapsulated MIME entity (its header fields and content). Opaque,
 * reference counted. A parsed CpmCpim keeps the input bytes and serializes
 * unmodified parts exactly as parsed.
 */
typedef struct _CpmCpim CpmCpim;

/** cpm_cpim_new: Returns: (transfer full): an empty CPIM body */
CPM_EXPORT CpmCpim *cpm_cpim_new (void);

/**
 * cpm_cpim_parse:
 * @bytes: the message/cpim body
 * @report: (nullable): where to add defects ("cpim.*" rules) with lines
 *   counted from @first_line
 * @first_line: line number of the first byte of @bytes in the enclosing object
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the body, or %NULL with @error set
 * when @bytes has no CPIM header block at all
 */
CPM_EXPORT CpmCpim *cpm_cpim_parse (GBytes *bytes, CpmReport *report, guint first_line,
                                     GError **error);

CPM_EXPORT CpmCpim *cpm_cpim_ref (CpmCpim *cpim);
CPM_EXPORT void cpm_cpim_unref (CpmCpim *cpim);

/* CPIM header block */
CPM_EXPORT guint cpm_cpim_get_n_headers (const CpmCpim *cpim);
/** Returns: (transfer none): name of CPIM header @index as written */
CPM_EXPORT const char *cpm_cpim_get_header_name (const CpmCpim *cpim, guint index);
/** Returns: (transfer none): value of CPIM header @index */
CPM_EXPORT const char *cpm_cpim_get_header_value (const CpmCpim *cpim, guint index);

/**
 * cpm_cpim_get_header:
 * @name: a header name as written, with its prefix ("DateTime",
 *   "imdn.Message-ID"); matched exactly as RFC 3862 3.1 requires
 * Returns: (transfer none) (nullable): the first value
 */
CPM_EXPORT const char *cpm_cpim_get_header (const CpmCpim *cpim, const char *name);

/**
 * cpm_cpim_get_ns_header:
 * @ns_urn: namespace URN, e.g. #CPM_CPIM_NS_IMDN
 * @local: the name within it, e.g. "Message-ID"
 * Returns: (transfer none) (nullable): the first value of a header whose
 * prefix is bound to @ns_urn by an NS header
 */
CPM_EXPORT const char *cpm_cpim_get_ns_header (const CpmCpim *cpim, const char *ns_urn,
                                               const char *local);

/** cpm_cpim_add_header: appends a CPIM header (values are UTF-8, RFC 3862 3.3). */
CPM_EXPORT void cpm_cpim_add_header (CpmCpim *cpim, const char *name, const char *value);

/* Encapsulated MIME entity */
CPM_EXPORT guint cpm_cpim_get_n_content_headers (const CpmCpim *cpim);
CPM_EXPORT const char *cpm_cpim_get_content_header_name (const CpmCpim *cpim, guint index);
CPM_EXPORT const char *cpm_cpim_get_content_header_value (const CpmCpim *cpim, guint index);
/** Returns: (transfer none) (nullable): a MIME header of the inner entity, case-insensitive */
CPM_EXPORT const char *cpm_cpim_get_content_header (const CpmCpim *cpim, const char *name);
/** Returns: (transfer none) (nullable): the inner Content-Type value */
CPM_EXPORT const char *cpm_cpim_get_content_type (const CpmCpim *cpim);
CPM_EXPORT void cpm_cpim_add_content_header (CpmCpim *cpim, const char *name, const char *value);

/**
 * cpm_cpim_get_content:
 * Returns: (transfer none) (nullable): the inner content bytes as stored
 * (still transfer-encoded)
 */
CPM_EXPORT GBytes *cpm_cpim_get_content (const CpmCpim *cpim);

/**
 * cpm_cpim_dup_content_decoded:
 * Returns: (transfer full) (nullable): the inner content with its
 * Content-Transfer-Encoding undone (GMime filters)
 */
CPM_EXPORT GBytes *cpm_cpim_dup_content_decoded (const CpmCpim *cpim, GError **error);

/**
 * cpm_cpim_set_content:
 * @content_type: the inner Content-Type value
 * @content: (transfer none): content bytes; encoded on output with a
 *   Content-Transfer-Encoding that survives IMAP APPEND when not 7-bit safe
 */
CPM_EXPORT void cpm_cpim_set_content (CpmCpim *cpim, const char *content_type, GBytes *content);

/** cpm_cpim_write_to: appends the body, CRLF line ends for generated parts. */
CPM_EXPORT void cpm_cpim_write_to (const CpmCpim *cpim, GString *out);

/** cpm_cpim_to_bytes: Returns: (transfer full): the serialized body */
CPM_EXPORT GBytes *cpm_cpim_to_bytes (const CpmCpim *cpim);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CpmCpim, cpm_cpim_unref)

G_END_DECLS

#endif
