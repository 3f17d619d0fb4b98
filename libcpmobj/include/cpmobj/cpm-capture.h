/* libcpmobj — reading SIP, MSRP and CPIM messages out of captures.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_CAPTURE_H
#define CPM_CAPTURE_H

#include <gio/gio.h>
#include <cpmobj/cpm-common.h>
#include <cpmobj/cpm-report.h>

G_BEGIN_DECLS

/**
 * CpmCaptureFormat:
 * @CPM_CAPTURE_FORMAT_UNKNOWN: not a capture
 * @CPM_CAPTURE_FORMAT_PCAP: libpcap file (any byte order, µs or ns)
 * @CPM_CAPTURE_FORMAT_PCAPNG: pcapng file
 * @CPM_CAPTURE_FORMAT_TEXT: SIP/MSRP messages as text (test tool and PF logs)
 * @CPM_CAPTURE_FORMAT_CPIM: one message/cpim body
 */
typedef enum {
  CPM_CAPTURE_FORMAT_UNKNOWN,
  CPM_CAPTURE_FORMAT_PCAP,
  CPM_CAPTURE_FORMAT_PCAPNG,
  CPM_CAPTURE_FORMAT_TEXT,
  CPM_CAPTURE_FORMAT_CPIM,
} CpmCaptureFormat;

/**
 * CpmCaptureProtocol:
 * @CPM_CAPTURE_SIP: a SIP request or response
 * @CPM_CAPTURE_MSRP: an MSRP request or response (one chunk)
 * @CPM_CAPTURE_CPIM: a message/cpim body on its own
 */
typedef enum {
  CPM_CAPTURE_SIP,
  CPM_CAPTURE_MSRP,
  CPM_CAPTURE_CPIM,
} CpmCaptureProtocol;

/**
 * CpmCaptureMessage:
 * @protocol: what @data holds
 * @data: the whole message, as it was on the wire
 * @len: its length
 * @time_us: capture time of its first byte, µs since the epoch (0 when
 *   the input has no times)
 * @source: where it was found, for people ("chat.pcap:frames 4,6", "log.txt:line 12")
 * @transport: "udp", "tcp" or "text"
 * @truncated: the input ended (or a TCP gap came) inside the message:
 *   @data holds what there was
 *
 * One message found in a capture. Valid during the callback only.
 */
typedef struct {
  CpmCaptureProtocol protocol;
  const guint8 *data;
  gsize len;
  gint64 time_us;
  const char *source;
  const char *transport;
  gboolean truncated;
} CpmCaptureMessage;

/**
 * CpmCaptureFunc:
 * Called for each message, in the order its last byte was read.
 */
typedef void (*CpmCaptureFunc) (const CpmCaptureMessage *message, gpointer user_data);

/**
 * cpm_capture_detect_format:
 * @head: the first bytes of an input
 * @len: their number
 *
 * Returns: the capture format, or %CPM_CAPTURE_FORMAT_UNKNOWN
 */
CPM_EXPORT CpmCaptureFormat cpm_capture_detect_format (const guint8 *head, gsize len);

/**
 * CpmCaptureLimits:
 * @max_flows: TCP flows followed at once
 * @max_bytes: bytes held for reassembly (out-of-order segments and
 *   unfinished messages) over all flows
 */
typedef struct {
  guint max_flows;
  gsize max_bytes;
} CpmCaptureLimits;

/**
 * cpm_capture_read:
 * @input: (transfer none): the capture
 * @name: the input's name for sources and diagnostics
 * @format: its format (from cpm_capture_detect_format())
 * @limits: (nullable): reassembly limits; %NULL (or a 0 field) for
 *   #CpmLimits.max_tcp_flows and #CpmLimits.max_reassembly of
 *   cpm_limits_default()
 * @func: called for each message found
 * @user_data: for @func
 * @report: (nullable): where damage is reported (capture.* rules: TCP
 *   gaps, IP fragments, truncated frames, unknown link types, limits hit,
 *   bytes that are no message)
 * @error: return location for a #GError
 *
 * Reads a capture to its end and hands every SIP, MSRP or CPIM message in
 * it to @func. pcap and pcapng are read with libpcap (Ethernet with VLAN
 * tags, Linux cooked SLL and SLL2, BSD loopback/null, raw IP; IPv4 and
 * IPv6; UDP and TCP, reassembled per flow). Messages are found by their
 * start lines, not by port numbers.
 *
 * Returns: %FALSE with @error set when the input cannot be read on
 * (messages found before were delivered)
 */
CPM_EXPORT gboolean cpm_capture_read (GInputStream *input, const char *name,
                                      CpmCaptureFormat format, const CpmCaptureLimits *limits,
                                      CpmCaptureFunc func, gpointer user_data,
                                      CpmReport *report, GError **error);

G_END_DECLS

#endif
