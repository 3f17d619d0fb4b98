/* Shared body of the SMS/MMS export targets: every record of the input is
 * read; records without a skip reason are mapped to objects, which must
 * validate without a crash.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_FUZZ_LEGACY_H
#define CPM_FUZZ_LEGACY_H

#include "fuzz-common.h"

static void
fuzz_legacy_record (CpmLegacyMessage *m)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) object = NULL;

  FUZZ_ASSERT (m != NULL);
  if (m->skip_reason)
    return;
  object = cpm_legacy_to_object (m, NULL, &error);
  if (object) {
    g_autoptr(CpmReport) report = cpm_validate (object, CPM_PROFILE_DEFAULT);
    g_autofree char *folder = cpm_legacy_folder_name (m, NULL);
    fuzz_check_report (report);
    FUZZ_ASSERT (folder != NULL);
  } else {
    FUZZ_ASSERT (error != NULL);
  }
}

static int
fuzz_legacy (CpmLegacyFormat format, const uint8_t *data, size_t size)
{
  g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data (data, size, NULL);
  g_autoptr(CpmLegacyReader) reader = cpm_legacy_reader_new (format, in, "fuzz");
  g_autoptr(GError) error = NULL;
  CpmLegacyMessage *m;

  while ((m = cpm_legacy_reader_next (reader, &error))) {
    fuzz_legacy_record (m);
    cpm_legacy_message_unref (m);
  }
  return 0;
}

#endif
