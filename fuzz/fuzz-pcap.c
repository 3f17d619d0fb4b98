/* libFuzzer target: pcap and pcapng captures through libpcap, the link
 * layers, IPv4/IPv6, UDP and TCP reassembly (cpm-capture.c, cpm-tcp.c).
 * The format comes from the input's magic, as in cpmobj convert; inputs
 * that are neither are read as pcap, so libpcap's header checks run too.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz-capture.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  CpmCaptureFormat f = cpm_capture_detect_format (data, size);

  if (f != CPM_CAPTURE_FORMAT_PCAPNG)
    f = CPM_CAPTURE_FORMAT_PCAP;
  return fuzz_capture (f, data, size);
}
