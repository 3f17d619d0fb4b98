/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "common.h"

#include <gio/gio.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

void
tool_error (const char *sub, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  fprintf (stderr, "cpmobj %s: %s\n", sub, msg);
}

gboolean
tool_parse_options (const char *sub, const char *parameter_string, const char *summary,
                    GOptionEntry *entries, int *argc, char ***argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new (parameter_string);
  g_autoptr(GError) error = NULL;
  g_autofree char *prgname = g_strdup_printf ("cpmobj %s", sub);
  g_set_prgname (prgname);
  g_option_context_set_summary (ctx, summary);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, argc, argv, &error)) {
    tool_error (sub, "%s (try --help)", error->message);
    return FALSE;
  }
  return TRUE;
}

gboolean
tool_write_output (const char *path, const void *data, gsize len, GError **error)
{
  if (path == NULL || strcmp (path, "-") == 0) {
    if (fwrite (data, 1, len, stdout) != len || fflush (stdout) != 0) {
      g_set_error (error, CPM_ERROR, CPM_ERROR_IO, "cannot write to standard output");
      return FALSE;
    }
    return TRUE;
  }
  /* g_file_set_contents writes a temporary file and renames it over @path,
   * so a reader never sees a half-written object. */
  return g_file_set_contents (path, data, (gssize) len, error);
}

gboolean
tool_progress_enabled (void)
{
  return isatty (STDERR_FILENO);
}

gboolean
tool_parse_profile (const char *sub, const char *text, CpmProfile *profile)
{
  if (text == NULL) {
    *profile = CPM_PROFILE_DEFAULT;
    return TRUE;
  }
  if (cpm_profile_from_string (text, profile))
    return TRUE;
  tool_error (sub, "unknown profile '%s' (one of 1.0, 2.0, 2.1, 2.2)", text);
  return FALSE;
}
