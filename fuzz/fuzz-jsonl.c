/* libFuzzer target: the JSON lines export reader (cpm-legacy.c).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz-legacy.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  return fuzz_legacy (CPM_LEGACY_FORMAT_JSONL, data, size);
}
