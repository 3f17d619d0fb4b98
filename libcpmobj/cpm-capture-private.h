/* libcpmobj — capture internals shared by cpm-capture, cpm-tcp, cpm-sip,
 * cpm-msrp and cpm-convert: TCP reassembly, SIP and MSRP parsing.
 * The functions carry CPM_EXPORT so that the unit tests can reach them;
 * they are not part of the installed API.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_CAPTURE_PRIVATE_H
#define CPM_CAPTURE_PRIVATE_H

#include <cpmobj/cpm-capture.h>
#include <cpmobj/cpm-report.h>
#include "cpm-object-private.h"

#include <string.h>

G_BEGIN_DECLS

/* ---- TCP reassembly (cpm-tcp.c) ---- */

typedef struct _CpmTcpFlows CpmTcpFlows;

/* In-order bytes of one flow. @data NULL means a gap of @len bytes that
 * will never be filled: the consumer drops what it was assembling; with
 * @len 0 it means the flow ended (FIN, every byte before it delivered). */
typedef void (*CpmTcpDataFunc) (const char *flow, const guint8 *data, gsize len,
                                guint frame, gint64 time_us, gpointer user_data);

CPM_EXPORT CpmTcpFlows *cpm_tcp_flows_new (guint max_flows, gsize max_bytes,
                                           CpmTcpDataFunc func, gpointer user_data,
                                           CpmReport *report);
CPM_EXPORT void cpm_tcp_flows_free (CpmTcpFlows *flows);
/* One segment; @flow names the direction ("a:p > b:q"). */
CPM_EXPORT void cpm_tcp_flows_segment (CpmTcpFlows *flows, const char *flow, guint32 seq,
                                       gboolean syn, gboolean fin, const guint8 *data,
                                       gsize len, guint frame, gint64 time_us);
/* A RST: the flow, if it is followed, ends at @seq as at a FIN there. */
CPM_EXPORT void cpm_tcp_flows_reset (CpmTcpFlows *flows, const char *flow, guint32 seq,
                                     guint frame, gint64 time_us);
/* End of input: flushes every flow, reporting gaps. */
CPM_EXPORT void cpm_tcp_flows_finish (CpmTcpFlows *flows);
CPM_EXPORT guint cpm_tcp_flows_get_retransmissions (const CpmTcpFlows *flows);

/* Decimal digits of v at w, no terminator; returns the end. Per packet
 * and per message printf's format parsing cost more than the rest of the
 * framing (g_snprintf was ~5% of a conversion). */
static inline char *
cpm_put_uint (char *w, guint v)
{
  char tmp[10];
  int n = 0;

  do
    tmp[n++] = (char) ('0' + v % 10);
  while ((v /= 10));
  while (n)
    *w++ = tmp[--n];
  return w;
}

/* ---- SIP (cpm-sip.c) ---- */

typedef struct {
  const char *name;   /* full form ("Call-ID" for "i") */
  const char *value;  /* unfolded, trimmed */
  gsize name_len;
} CpmSipHeader;

/* The header fields of a message in one allocation: the array, then the
 * text its names and values point into (a header an allocation, and a
 * GPtrArray, were ~25 allocations per MSRP chunk). */
typedef struct {
  CpmSipHeader *v;
  guint len;
} CpmSipHeaders;

static inline void
cpm_sip_headers_clear (CpmSipHeaders *h)
{
  g_clear_pointer (&h->v, g_free);
  h->len = 0;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CpmSipHeaders, cpm_sip_headers_clear)

/* TRUE when the field is named @name (@len bytes), any case: the length
 * first, then the bytes as written (names usually come in their usual
 * case), then any case. */
static inline gboolean
cpm_sip_header_is (const CpmSipHeader *h, const char *name, gsize len)
{
  return h->name_len == len && (memcmp (h->name, name, len) == 0 || cpm_ascii_caseeq (h->name, name));
}

/* The nth (from 0) value of the field @name (@len bytes), any case (a
 * lookup compared every name of an INVITE's ~20 byte by byte). */
static inline const char *
cpm_sip_headers_get (const CpmSipHeaders *h, const char *name, gsize len, guint n)
{
  for (guint i = 0; i < h->len; i++)
    if (cpm_sip_header_is (&h->v[i], name, len) && n-- == 0)
      return h->v[i].value;
  return NULL;
}

typedef struct {
  gboolean is_request;
  char *method;   /* requests */
  char *uri;      /* requests */
  guint status;   /* responses */
  CpmSipHeaders headers;
  GBytes *body;
  GPtrArray *parts;   /* cpm_sip_message_body_parts(), made on the first call */
} CpmSipMessage;

CPM_EXPORT CpmSipMessage *cpm_sip_message_parse (const guint8 *data, gsize len, GError **error);
CPM_EXPORT void cpm_sip_message_free (CpmSipMessage *msg);
/* Header lines of a block (CRLF lines) into @out (cleared with
 * cpm_sip_headers_clear); folded lines joined. */
CPM_EXPORT void cpm_sip_parse_headers (CpmSipHeaders *out, const char *block, gsize len,
                                       gboolean expand_compact);
/* The same in two steps, into memory the caller holds: the lines of the
 * block and its text up to a NUL (@text bytes), then the fields into @mem
 * of CPM_SIP_HEADERS_SIZE (lines, text) bytes, aligned as a pointer
 * (cpm_sip_headers_clear must not be used on it). */
CPM_EXPORT guint cpm_sip_header_lines (const char *block, gsize len, gsize *text);
CPM_EXPORT void cpm_sip_parse_headers_in (CpmSipHeaders *out, gpointer mem, guint lines,
                                          const char *block, gsize text,
                                          gboolean expand_compact);
#define CPM_SIP_HEADERS_SIZE(lines, text) \
  ((gsize) (lines) * sizeof (CpmSipHeader) + (text) + 2 * (gsize) (lines))
/* nth (from 0) value of @name (any case, compact or full form) */
CPM_EXPORT const char *cpm_sip_message_get_header_nth (const CpmSipMessage *msg,
                                                       const char *name, guint n);
#define cpm_sip_message_get_header(m, name) cpm_sip_message_get_header_nth ((m), (name), 0)
/* The full form of a compact header name ("i" -> "Call-ID"), else @name. */
CPM_EXPORT const char *cpm_sip_expand_compact (const char *name);
/* TRUE when the line (without its end) is a SIP request or status line. */
CPM_EXPORT gboolean cpm_sip_is_start_line (const char *line, gsize len);
/* Length of the first SIP message in @data: the header block plus
 * Content-Length bytes (0 when absent); 0 when more bytes are needed;
 * -1 when the Content-Length is not a number. */
CPM_EXPORT gssize cpm_sip_frame_length (const guint8 *data, gsize len);
/* CSeq method and number, Call-ID: the transaction key of a request. */
CPM_EXPORT char *cpm_sip_transaction_key (const CpmSipMessage *msg);
/* The URI in a name-addr or addr-spec ("Bob <sip:b@x>;tag=1" -> "sip:b@x"). */
CPM_EXPORT char *cpm_sip_addr_uri (const char *value);
/* The value of parameter @param in a header value (";isfocus" -> ""), NULL if absent. */
CPM_EXPORT char *cpm_sip_param (const char *value, const char *param);

typedef struct {
  char *content_type;
  char *content_id;   /* without angle brackets, nullable */
  GBytes *content;
} CpmSipPart;

CPM_EXPORT void cpm_sip_part_free (CpmSipPart *part);
/* The body as parts: the parts of a multipart body, else the body itself;
 * made once per message (an INVITE's are asked for up to five times).
 * Returns: (transfer full): a reference to the message's array */
CPM_EXPORT GPtrArray *cpm_sip_message_body_parts (const CpmSipMessage *msg);
/* The first part whose type (without parameters) is @type, any case. */
CPM_EXPORT const CpmSipPart *cpm_sip_parts_find (GPtrArray *parts, const char *type);

/* ---- MSRP (cpm-msrp.c) ---- */

typedef struct {
  char *tid;          /* tid and method: in the message's allocation */
  gboolean is_request;
  char *method;
  guint status;
  CpmSipHeaders headers;
  GBytes *body;       /* nullable */
  char flag;          /* '$', '+' or '#' */
  /* the first value of each field reassembly reads (nullable), found in
   * one pass over the headers instead of a lookup each */
  const char *message_id, *content_type, *byte_range, *to_path, *from_path;
} CpmMsrpMessage;

CPM_EXPORT CpmMsrpMessage *cpm_msrp_message_parse (const guint8 *data, gsize len, GError **error);
/* One message as cpm_capture_read() delivers it: its framing (the first
 * end-line ends it) is taken as given, not scanned for again; headers
 * and body only of a SEND (the converter reads nothing else of responses
 * and REPORTs, half the messages of a session); the other checks as
 * cpm_msrp_message_parse. */
CPM_EXPORT CpmMsrpMessage *cpm_msrp_message_parse_send (const guint8 *data, gsize len,
                                                        GError **error);
CPM_EXPORT void cpm_msrp_message_free (CpmMsrpMessage *msg);
CPM_EXPORT const char *cpm_msrp_message_get_header (const CpmMsrpMessage *msg, const char *name);
CPM_EXPORT gboolean cpm_msrp_is_start_line (const char *line, gsize len);
/* Length of the first MSRP message in @data up to and with its end-line;
 * 0 when the end-line has not arrived yet. */
CPM_EXPORT gssize cpm_msrp_frame_length (const guint8 *data, gsize len);
/* "1-25/100": start, end (0 for "*"), total (0 for "*"). */
CPM_EXPORT gboolean cpm_msrp_parse_byte_range (const char *value, guint64 *start,
                                               guint64 *end, guint64 *total);
/* The session-id part of an MSRP URI ("msrp://h:1/abc;tcp" -> "abc"). */
CPM_EXPORT char *cpm_msrp_uri_session (const char *uri);

/* A whole MSRP message put together from its chunks. */
typedef struct {
  char *message_id;
  char *to_path;
  char *from_path;
  char *content_type;
  GBytes *content;
  guint chunks;
  guint interrupted;  /* chunks ended with '+' */
  char *frames;       /* the capture frames of the chunks */
  gint64 time_us;     /* capture time of the first chunk */
  char *problem;      /* incomplete or aborted: why (then content is partial) */
  gboolean packed;    /* the strings are in the struct's allocation */
} CpmMsrpAssembled;

CPM_EXPORT void cpm_msrp_assembled_free (CpmMsrpAssembled *a);

typedef struct _CpmMsrpAssembler CpmMsrpAssembler;
CPM_EXPORT CpmMsrpAssembler *cpm_msrp_assembler_new (gsize max_bytes);
CPM_EXPORT void cpm_msrp_assembler_free (CpmMsrpAssembler *as);
/* Adds one SEND chunk. Returns: (transfer full) (nullable): the message
 * when this chunk completed (or aborted) it. */
CPM_EXPORT CpmMsrpAssembled *cpm_msrp_assembler_add (CpmMsrpAssembler *as,
                                                     const CpmMsrpMessage *chunk,
                                                     const char *frames, gint64 time_us);
/* The messages still open at the end, each with its problem set.
 * Returns: (transfer full): CpmMsrpAssembled* array, sorted by Message-ID */
CPM_EXPORT GPtrArray *cpm_msrp_assembler_drain (CpmMsrpAssembler *as);
/* The messages no chunk was added to for more than @idle_us before @now_us
 * (capture time), finished as incomplete, in Message-ID order. */
CPM_EXPORT GPtrArray *cpm_msrp_assembler_expire (CpmMsrpAssembler *as, gint64 now_us,
                                                 gint64 idle_us);

G_END_DECLS

#endif
