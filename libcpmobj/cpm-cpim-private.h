/* Transfer-encoding helpers shared by the CPIM layer and the builder.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_CPIM_PRIVATE_H
#define CPM_CPIM_PRIVATE_H

#include "config-private.h"
#include <cpmobj/cpm-cpim.h>

G_BEGIN_DECLS

typedef enum {
  CPM_CTE_7BIT,
  CPM_CTE_8BIT,
  CPM_CTE_BINARY,
  CPM_CTE_QUOTED_PRINTABLE,
  CPM_CTE_BASE64,
} CpmCte;

/* How a content type's bytes may be encoded: binary types byte for byte,
 * text whose line breaks are not data, and composite types (multipart/x,
 * message/x) that RFC 2045 6.4 forbids to encode at all. */
typedef enum {
  CPM_CONTENT_BINARY,
  CPM_CONTENT_TEXT,
  CPM_CONTENT_COMPOSITE,
} CpmContentClass;

/* Lower-case "type/subtype" of a Content-Type value without a full
 * parse (the builder's hot path). Returns: (transfer full) */
char *cpm_mime_type_of (const char *content_type);

/* TEXT for text/x and the XML types (application/xml, +xml,
 * application/x-cpm-*), COMPOSITE for multipart/x and message/x that are
 * not XML, BINARY otherwise. @mime is lower-case. */
CpmContentClass cpm_mime_class (const char *mime);

/* Picks the Content-Transfer-Encoding that lets @data survive IMAP APPEND
 * (see the comment at its definition for the rules). */
CpmCte cpm_cte_choose (CpmContentClass cls, const guint8 *data, gsize len);

/* Returns: (transfer none): "7bit", "8bit", "binary", "quoted-printable" or "base64" */
const char *cpm_cte_name (CpmCte cte);

/* Appends @data encoded with @cte to @out, CRLF line ends. Text and
 * composite content has its line ends made CRLF (canonical form, RFC 2045
 * 6.4) unless it has bare CRs; binary content is encoded byte for byte. */
void cpm_cte_encode (CpmCte cte, CpmContentClass cls, const guint8 *data, gsize len,
                     GString *out);

/* A fresh multipart boundary that occurs nowhere in @haystack (@len bytes):
 * @preferred if "--@preferred" is absent, else @preferred plus random hex.
 * Returns: (transfer full) */
char *cpm_boundary_choose (const char *preferred, const char *haystack, gsize len);

/* Appends the CPIM rendering (RFC 3862 4.1: [Formal-name] "<" URI ">") of
 * one RFC 5322 address from the object headers, @len bytes, trimmed. */
void cpm_cpim_append_address (GString *out, const char *addr, gsize len);

/* cpm_cpim_parse(), or the last parse this function made in this thread
 * when its bytes are equal, it had no findings and was not changed since.
 * What it returns is kept for the thread: read it only, in this thread.
 * Its lines count from the first line it was parsed with.
 * Returns: (transfer full) */
CpmCpim *cpm_cpim_parse_kept (GBytes *bytes, CpmReport *report, guint first_line,
                              GError **error);

/* The bytes @cpim was parsed from, NULL for a built one.
 * Returns: (transfer none) (nullable) */
GBytes *cpm_cpim_peek_input (const CpmCpim *cpim);

/* cpm_cpim_write_to() from the fields, separators and content, also for
 * an unchanged parse (which cpm_cpim_write_to() writes as its input): the
 * tests hold the two equal. */
void cpm_cpim_write_fields_to (const CpmCpim *cpim, GString *out);

G_END_DECLS

#endif
