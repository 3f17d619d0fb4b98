/* libFuzzer target: message/cpim parser (cpm_cpim_parse).
 *
 * A parsed body is written out again and parsed a second time: what the
 * library writes it must read.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GBytes) input = g_bytes_new (data, size);
  g_autoptr(CpmReport) report = cpm_report_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmCpim) cpim = cpm_cpim_parse (input, report, 1, &error);
  g_autoptr(GBytes) out = NULL, decoded = NULL;
  g_autoptr(CpmCpim) again = NULL;
  g_autoptr(GError) error2 = NULL;

  fuzz_check_report (report);
  if (!cpim) {
    FUZZ_ASSERT (error != NULL);
    return 0;
  }
  for (guint i = 0; i < cpm_cpim_get_n_headers (cpim); i++)
    FUZZ_ASSERT (cpm_cpim_get_header_name (cpim, i) && cpm_cpim_get_header_value (cpim, i));
  (void) cpm_cpim_get_content_type (cpim);
  decoded = cpm_cpim_dup_content_decoded (cpim, &error2);
  FUZZ_ASSERT (decoded != NULL || error2 != NULL);

  out = cpm_cpim_to_bytes (cpim);
  g_clear_error (&error);
  again = cpm_cpim_parse (out, NULL, 1, &error);
  FUZZ_ASSERT (again != NULL);
  return 0;
}
