/* libFuzzer target: TCP reassembly on its own (cpm-tcp.c), driven by
 * segments the input describes, so sequence numbers wrap, overlap and jump
 * far more often than in fuzzed pcap files. Each segment is
 *   1 byte  flow (low 4 bits: 16 flows for a limit of 4) and flags
 *           (0x10 SYN, 0x20 FIN, 0x40 finish now)
 *   4 bytes sequence number (big endian)
 *   1 byte  payload length
 *   payload
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz-common.h"
#include "cpm-capture-private.h"

typedef struct {
  gsize delivered;
} Sink;

static void
on_data (const char *flow, const guint8 *data, gsize len, guint frame, gint64 time_us,
         gpointer user_data)
{
  Sink *sink = user_data;

  FUZZ_ASSERT (flow != NULL);
  if (data) {
    /* touch every byte: ASan checks the reassembled buffer */
    volatile guint8 sum = 0;
    for (gsize i = 0; i < len; i++)
      sum ^= data[i];
    (void) sum;
    sink->delivered += len;
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  Sink sink = { 0 };
  g_autoptr(CpmReport) report = cpm_report_new ();
  CpmTcpFlows *flows = cpm_tcp_flows_new (4, 4096, on_data, &sink, report);
  gsize pos = 0;
  guint frame = 0;

  while (size - pos >= 6) {
    guint8 head = data[pos];
    guint32 seq = (guint32) data[pos + 1] << 24 | (guint32) data[pos + 2] << 16 |
                  (guint32) data[pos + 3] << 8 | data[pos + 4];
    gsize len = MIN (data[pos + 5], size - pos - 6);
    char flow[32];

    g_snprintf (flow, sizeof flow, "10.0.0.%u:5060 > 10.0.0.9:5060", head & 0x0F);
    cpm_tcp_flows_segment (flows, flow, seq, (head & 0x10) != 0, (head & 0x20) != 0,
                           data + pos + 6, len, frame, frame);
    frame++;
    pos += 6 + len;
    if (head & 0x40)
      cpm_tcp_flows_finish (flows);
  }
  cpm_tcp_flows_finish (flows);
  (void) cpm_tcp_flows_get_retransmissions (flows);
  cpm_tcp_flows_free (flows);
  fuzz_check_report (report);
  return 0;
}
