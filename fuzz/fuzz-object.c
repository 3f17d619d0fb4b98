/* libFuzzer target: RFC 5322 object parser, validator and serializer.
 *
 * Promises checked: a parsed object serializes back to exactly the input
 * bytes (the parser keeps everything it does not understand), validation
 * under every profile gives a report whose diagnostics all have a rule, and
 * parsing the serialized bytes again gives the same bytes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GBytes) input = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) object = cpm_object_parse (input, NULL, &error);
  g_autoptr(GBytes) out = NULL;

  if (!object) {
    FUZZ_ASSERT (error != NULL);
    return 0;
  }
  FUZZ_ASSERT (error == NULL);
  out = cpm_object_serialize (object);
  FUZZ_ASSERT (g_bytes_equal (out, input));

  for (CpmProfile p = 0; p < CPM_PROFILE_COUNT; p++) {
    g_autoptr(CpmReport) report = cpm_validate (object, p);
    fuzz_check_report (report);
  }
  (void) cpm_object_detect_kind (object);
  return 0;
}
