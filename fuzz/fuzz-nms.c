/* libFuzzer target: OMA NMS JSON (cpm-nms.c): parse, validate, and map
 * to an object, which must then serialize and validate.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  json_object *json = cpm_nms_parse ((const char *) data, size, &error);
  g_autoptr(CpmReport) report = NULL, mapped = NULL;
  g_autoptr(CpmObject) object = NULL;

  if (!json) {
    FUZZ_ASSERT (error != NULL);
    return 0;
  }
  report = cpm_nms_validate (json, CPM_PROFILE_DEFAULT);
  fuzz_check_report (report);
  {
    GStrv flags = cpm_nms_dup_flags (json);
    g_strfreev (flags);
  }
  (void) cpm_nms_get_folder_path (json);
  mapped = cpm_report_new ();
  object = cpm_nms_to_object (json, mapped, &error);
  fuzz_check_report (mapped);
  if (object) {
    g_autoptr(GBytes) bytes = cpm_object_serialize (object);
    FUZZ_ASSERT (bytes != NULL);
    g_autoptr(CpmReport) valid = cpm_validate (object, CPM_PROFILE_DEFAULT);
    fuzz_check_report (valid);
  }
  json_object_put (json);
  return 0;
}
