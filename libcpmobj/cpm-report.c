/* Diagnostics and reports.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"
#include <cpmobj/cpm-report.h>
#include <string.h>

/* Most reports stay empty (every valid object's): the list is allocated
 * at the first diagnostic, not with the report (a GArray was two
 * allocations and a clear per report). */
struct _CpmReport {
  gint ref_count;
  CpmDiagnostic *items;
  guint len, allocated;
};

static void
diagnostic_clear (gpointer p)
{
  CpmDiagnostic *d = p;
  g_free (d->rule);
  g_free (d->section);
  g_free (d->header);
  g_free (d->message);
}

CpmReport *
cpm_report_new (void)
{
  CpmReport *r = g_new0 (CpmReport, 1);
  r->ref_count = 1;
  return r;
}

CpmReport *
cpm_report_ref (CpmReport *report)
{
  g_atomic_int_inc (&report->ref_count);
  return report;
}

void
cpm_report_unref (CpmReport *report)
{
  if (report && g_atomic_int_dec_and_test (&report->ref_count)) {
    for (guint i = 0; i < report->len; i++)
      diagnostic_clear (&report->items[i]);
    g_free (report->items);
    g_free (report);
  }
}

static void
report_add_valist (CpmReport *report, const char *rule, CpmSeverity severity,
                   const char *section, const char *header, guint line, guint column,
                   const char *format, va_list ap)
{
  CpmDiagnostic d = {
    .rule = g_strdup (rule),
    .severity = severity,
    .section = g_strdup (section ? section : ""),
    .header = g_strdup (header),
    .line = line,
    .column = column,
    .message = g_strdup_vprintf (format, ap),
  };
  if (report->len == report->allocated) {
    report->allocated = report->allocated ? report->allocated * 2 : 8;
    report->items = g_renew (CpmDiagnostic, report->items, report->allocated);
  }
  report->items[report->len++] = d;
}

void
cpm_report_add (CpmReport *report, const char *rule, CpmSeverity severity,
                const char *section, const char *header, guint line, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  report_add_valist (report, rule, severity, section, header, line, 0, format, ap);
  va_end (ap);
}

void
cpm_report_add_at (CpmReport *report, const char *rule, CpmSeverity severity,
                   const char *section, const char *header, guint line, guint column,
                   const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  report_add_valist (report, rule, severity, section, header, line, column, format, ap);
  va_end (ap);
}

void
cpm_report_merge (CpmReport *report, const CpmReport *other, guint line_offset)
{
  if (other == report && report) {
    /* adding grows (and may move) the very list being read: read a copy */
    g_autoptr(CpmReport) copy = cpm_report_new ();
    cpm_report_merge (copy, other, 0);
    cpm_report_merge (report, copy, line_offset);
    return;
  }
  for (guint i = 0; other && i < other->len; i++) {
    const CpmDiagnostic *d = &other->items[i];
    cpm_report_add_at (report, d->rule, d->severity, d->section, d->header,
                       d->line ? d->line + line_offset : 0, d->column, "%s", d->message);
  }
}

guint
cpm_report_get_count (const CpmReport *report)
{
  return report->len;
}

const CpmDiagnostic *
cpm_report_get (const CpmReport *report, guint index)
{
  g_return_val_if_fail (index < report->len, NULL);
  return &report->items[index];
}

guint
cpm_report_count_severity (const CpmReport *report, CpmSeverity severity)
{
  guint n = 0;
  for (guint i = 0; i < report->len; i++)
    n += report->items[i].severity == severity;
  return n;
}

gboolean
cpm_report_is_valid (const CpmReport *report)
{
  return cpm_report_count_severity (report, CPM_SEVERITY_ERROR) == 0;
}

gboolean
cpm_report_has_rule (const CpmReport *report, const char *rule)
{
  for (guint i = 0; i < report->len; i++)
    if (strcmp (report->items[i].rule, rule) == 0)
      return TRUE;
  return FALSE;
}

const char *
cpm_severity_to_string (CpmSeverity severity)
{
  return severity == CPM_SEVERITY_ERROR ? "error" : "warning";
}
