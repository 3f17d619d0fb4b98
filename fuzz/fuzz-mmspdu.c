/* libFuzzer target: the binary MMS PDU decoder (cpm-mmspdu.c), directly
 * and through the reader.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz-legacy.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  CpmLegacyMessage *m = cpm_mms_pdu_decode (data, size, &error);

  if (m) {
    fuzz_legacy_record (m);
    cpm_legacy_message_unref (m);
  } else {
    FUZZ_ASSERT (error != NULL);
  }
  return fuzz_legacy (CPM_LEGACY_FORMAT_MMS_PDU, data, size);
}
