/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"

#include <gmime/gmime.h>
#include <stdarg.h>
#include <string.h>

char *
cpm_test_path (const char *relative)
{
  const char *root = g_getenv ("CPM_TESTDATA");
  g_assert_nonnull (root);
  return g_build_filename (root, relative, NULL);
}

GBytes *
cpm_test_load (const char *relative)
{
  g_autofree char *path = cpm_test_path (relative);
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &data, &len, &error))
    g_error ("cannot read %s: %s", path, error->message);
  return g_bytes_new_take (data, len);
}

CpmObject *
cpm_test_load_object (const char *relative)
{
  g_autoptr(GBytes) bytes = cpm_test_load (relative);
  g_autoptr(GError) error = NULL;
  CpmObject *obj = cpm_object_parse (bytes, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (obj);
  return obj;
}

CpmReport *
cpm_test_validate_file (const char *relative, CpmKind kind, CpmProfile profile)
{
  g_autoptr(CpmObject) obj = cpm_test_load_object (relative);
  if (kind != CPM_KIND_UNKNOWN)
    g_assert_cmpstr (cpm_kind_to_string (cpm_object_get_kind (obj)), ==, cpm_kind_to_string (kind));
  return cpm_validate (obj, profile);
}

void
cpm_test_dump_report (const CpmReport *report)
{
  for (guint i = 0; i < cpm_report_get_count (report); i++) {
    const CpmDiagnostic *d = cpm_report_get (report, i);
    g_printerr ("#   %u:%u %s %s [%s] %s%s%s\n", d->line, d->column,
                cpm_severity_to_string (d->severity), d->rule, d->section,
                d->header ? d->header : "", d->header ? ": " : "", d->message);
  }
}

void
cpm_test_assert_rules (const CpmReport *report, const char *first_rule, ...)
{
  g_autoptr(GPtrArray) want = g_ptr_array_new ();
  va_list ap;
  va_start (ap, first_rule);
  for (const char *r = first_rule; r; r = va_arg (ap, const char *))
    g_ptr_array_add (want, (gpointer) r);
  va_end (ap);

  gboolean ok = cpm_report_get_count (report) == want->len;
  for (guint i = 0; ok && i < want->len; i++)
    ok = cpm_report_has_rule (report, want->pdata[i]);
  if (ok)
    return;
  g_printerr ("# expected rules:");
  for (guint i = 0; i < want->len; i++)
    g_printerr (" %s", (const char *) want->pdata[i]);
  g_printerr ("\n# got:\n");
  cpm_test_dump_report (report);
  g_test_fail ();
}

void
cpm_test_assert_bytes_equal (GBytes *got, GBytes *want)
{
  gsize gl = 0, wl = 0;
  const guint8 *g = g_bytes_get_data (got, &gl);
  const guint8 *w = g_bytes_get_data (want, &wl);
  gsize i = 0;
  while (i < gl && i < wl && g[i] == w[i])
    i++;
  if (i == gl && i == wl)
    return;
  g_printerr ("# bytes differ at offset %zu (got %zu bytes, want %zu)\n", i, gl, wl);
  g_test_fail ();
}

void
cpm_test_init (int *argc, char ***argv)
{
  g_test_init (argc, argv, NULL);
  g_mime_init ();
}
