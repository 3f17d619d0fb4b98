/* Error domain, profile and kind names, limits.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"
#include <cpmobj/cpm-common.h>
#include <cpmobj/cpm-limits.h>
#include <gmime/gmime.h>
#include <string.h>

#include "cpm-object-private.h"

G_DEFINE_QUARK (cpm-error-quark, cpm_error)

static const char *const profile_names[CPM_PROFILE_COUNT] = { "1.0", "2.0", "2.1", "2.2" };

const char *
cpm_profile_to_string (CpmProfile profile)
{
  return (guint) profile < CPM_PROFILE_COUNT ? profile_names[profile] : "?";
}

gboolean
cpm_profile_from_string (const char *text, CpmProfile *profile)
{
  for (guint i = 0; text && i < CPM_PROFILE_COUNT; i++)
    if (strcmp (text, profile_names[i]) == 0) {
      *profile = (CpmProfile) i;
      return TRUE;
    }
  return FALSE;
}

static const char *const kind_names[CPM_KIND_COUNT] = {
  "unknown", "message", "chat", "imdn", "sms", "mms", "file-transfer",
  "session-info", "group-state", "media", "conference-info", "session-history",
};

const char *
cpm_kind_to_string (CpmKind kind)
{
  return (guint) kind < CPM_KIND_COUNT ? kind_names[kind] : "unknown";
}

gboolean
cpm_kind_from_string (const char *text, CpmKind *kind)
{
  for (guint i = 0; text && i < CPM_KIND_COUNT; i++)
    if (strcmp (text, kind_names[i]) == 0) {
      *kind = (CpmKind) i;
      return TRUE;
    }
  return FALSE;
}

static CpmLimits default_limits = {
  .max_object_size = 64 * 1024 * 1024,
  .max_header_line = 1024 * 1024,
  .max_headers = 10000,
  .max_mime_depth = 32,
  .max_xml_depth = 256,
  .max_xml_size = 16 * 1024 * 1024,
  .max_tcp_flows = 4096,
  .max_reassembly = 64 * 1024 * 1024,
  .max_msrp_size = 64 * 1024 * 1024,
};

CpmLimits *
cpm_limits_default (void)
{
  return &default_limits;
}

void
cpm_gmime_ensure (void)
{
  static gsize done = 0;
  if (g_once_init_enter (&done)) {
    g_mime_init ();
    g_once_init_leave (&done, 1);
  }
}
