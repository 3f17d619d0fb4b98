/* libFuzzer target: the SMS Backup & Restore XML reader (cpm-smsxml.c).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz-legacy.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  return fuzz_legacy (CPM_LEGACY_FORMAT_SMS_XML, data, size);
}
