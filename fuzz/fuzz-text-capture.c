/* libFuzzer target: the text capture reader (SIP/MSRP messages as text,
 * test tool and PF logs) and CPIM files (cpm-capture.c).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz-capture.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  CpmCaptureFormat f = cpm_capture_detect_format (data, size);

  if (f != CPM_CAPTURE_FORMAT_CPIM)
    f = CPM_CAPTURE_FORMAT_TEXT;
  return fuzz_capture (f, data, size);
}
