/* libcpmobj — input limits.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_LIMITS_H
#define CPM_LIMITS_H

#include <cpmobj/cpm-common.h>

G_BEGIN_DECLS

/**
 * CpmLimits:
 * @max_object_size: bytes of one object (default 64 MiB)
 * @max_header_line: bytes of one header field, folded lines included (default 1 MiB;
 *   RFC 5322's 998-octet line limit is a diagnostic, not this limit)
 * @max_headers: header fields in one header block (default 10000)
 * @max_mime_depth: nesting of MIME entities (default 32)
 * @max_xml_depth: element nesting in an XML body (default 256)
 * @max_xml_size: bytes of one XML body (default 16 MiB)
 *
 * Hard limits for hostile input. Hitting one is a #CPM_ERROR_LIMIT error
 * or an "limit.*" diagnostic naming the limit; nothing is silently cut.
 */
typedef struct {
  gsize max_object_size;
  gsize max_header_line;
  guint max_headers;
  guint max_mime_depth;
  guint max_xml_depth;
  gsize max_xml_size;
} CpmLimits;

/**
 * cpm_limits_default:
 * Returns: (transfer none): the process-wide defaults; callers may change
 * fields before any parsing starts (not thread-safe while parsing).
 */
CPM_EXPORT CpmLimits *cpm_limits_default (void);

G_END_DECLS

#endif
