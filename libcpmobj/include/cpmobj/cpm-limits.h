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
 * @max_tcp_flows: TCP flows a capture reader follows at once (default 4096);
 *   segments of further flows are dropped with a "capture.limit-flows" error
 * @max_reassembly: bytes held for TCP reassembly over all flows, out-of-order
 *   segments and unfinished messages (default 64 MiB); over it, the flow
 *   holding most gives up waiting ("capture.limit-bytes" warning)
 * @max_msrp_size: bytes of MSRP chunks held for messages still being put
 *   together, so also the largest MSRP message (default 64 MiB); over it the
 *   message is given up as incomplete, its problem naming the limit
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
  guint max_tcp_flows;
  gsize max_reassembly;
  gsize max_msrp_size;
} CpmLimits;

/**
 * cpm_limits_default:
 * Returns: (transfer none): the process-wide defaults; callers may change
 * fields before any parsing starts (not thread-safe while parsing).
 */
CPM_EXPORT CpmLimits *cpm_limits_default (void);

G_END_DECLS

#endif
