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

/* --limit NAME=VALUE: sets a field of cpm_limits_default() before any
 * input is read (libcpmobj(3), LIMITS). */
static const struct {
  const char *name;
  gsize offset;
  gboolean is_guint;
} limit_fields[] = {
  { "max_object_size", G_STRUCT_OFFSET (CpmLimits, max_object_size), FALSE },
  { "max_header_line", G_STRUCT_OFFSET (CpmLimits, max_header_line), FALSE },
  { "max_headers", G_STRUCT_OFFSET (CpmLimits, max_headers), TRUE },
  { "max_mime_depth", G_STRUCT_OFFSET (CpmLimits, max_mime_depth), TRUE },
  { "max_xml_depth", G_STRUCT_OFFSET (CpmLimits, max_xml_depth), TRUE },
  { "max_xml_size", G_STRUCT_OFFSET (CpmLimits, max_xml_size), FALSE },
  { "max_tcp_flows", G_STRUCT_OFFSET (CpmLimits, max_tcp_flows), TRUE },
  { "max_reassembly", G_STRUCT_OFFSET (CpmLimits, max_reassembly), FALSE },
  { "max_msrp_size", G_STRUCT_OFFSET (CpmLimits, max_msrp_size), FALSE },
};

static gboolean
on_limit (const char *option, const char *value, gpointer data, GError **error)
{
  const char *eq = strchr (value, '=');
  guint64 v;

  for (guint i = 0; eq && i < G_N_ELEMENTS (limit_fields); i++) {
    if (strlen (limit_fields[i].name) != (gsize) (eq - value) ||
        strncmp (value, limit_fields[i].name, (gsize) (eq - value)) != 0)
      continue;
    if (!g_ascii_string_to_unsigned (eq + 1, 10, 1,
                                     limit_fields[i].is_guint ? G_MAXUINT : G_MAXSIZE, &v, error))
      return FALSE;
    guint8 *field = (guint8 *) cpm_limits_default () + limit_fields[i].offset;
    if (limit_fields[i].is_guint)
      *(guint *) field = (guint) v;
    else
      *(gsize *) field = (gsize) v;
    return TRUE;
  }
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "--limit wants NAME=VALUE with NAME one of max_object_size, max_header_line, "
               "max_headers, max_mime_depth, max_xml_depth, max_xml_size, max_tcp_flows, "
               "max_reassembly, max_msrp_size; got \"%s\"", value);
  return FALSE;
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
  if (strcmp (sub, "validate") == 0 || strcmp (sub, "convert") == 0) {
    const GOptionEntry limit_entry[] = {
      { "limit", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer) on_limit,
        "set an input limit (repeatable; libcpmobj(3) LIMITS), e.g. max_object_size=1048576",
        "NAME=VALUE" },
      { NULL },
    };
    g_option_context_add_main_entries (ctx, limit_entry, NULL);
  }
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
