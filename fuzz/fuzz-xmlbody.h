/* Shared body of the XML body targets (fuzz-xml-<kind>.c): the input
 * becomes the XML body of an object of one kind, between a header block
 * (and MIME or CPIM wrapping) taken from a valid fixture of that kind, and
 * the object is validated. The XML parser must refuse DTDs and entities and
 * keep to the depth and size limits whatever comes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_FUZZ_XMLBODY_H
#define CPM_FUZZ_XMLBODY_H

#include "fuzz-common.h"

static int
fuzz_xml_body (CpmKind kind, const char *before, const char *after,
               const uint8_t *data, size_t size)
{
  GByteArray *buf = g_byte_array_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(CpmObject) object = NULL;
  g_autoptr(GError) error = NULL;

  g_byte_array_append (buf, (const guint8 *) before, strlen (before));
  g_byte_array_append (buf, data, size);
  g_byte_array_append (buf, (const guint8 *) after, strlen (after));
  bytes = g_byte_array_free_to_bytes (buf);
  object = cpm_object_parse (bytes, NULL, &error);
  FUZZ_ASSERT (object != NULL);
  cpm_object_set_kind (object, kind);
  for (CpmProfile p = 0; p < CPM_PROFILE_COUNT; p++) {
    g_autoptr(CpmReport) report = cpm_validate (object, p);
    fuzz_check_report (report);
  }
  return 0;
}

#endif
