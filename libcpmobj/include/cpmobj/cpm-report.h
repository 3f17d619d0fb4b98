/* libcpmobj — diagnostics and validation reports.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_REPORT_H
#define CPM_REPORT_H

#include <cpmobj/cpm-common.h>

G_BEGIN_DECLS

/**
 * CpmSeverity:
 * @CPM_SEVERITY_ERROR: a SHALL, MUST or Mandatory rule is broken
 * @CPM_SEVERITY_WARNING: a SHOULD rule is broken, or something is suspicious
 */
typedef enum {
  CPM_SEVERITY_ERROR,
  CPM_SEVERITY_WARNING,
} CpmSeverity;

/**
 * CpmDiagnostic:
 * @rule: stable rule id, e.g. "date.missing" (see cpmobj-validate(1))
 * @severity: error or warning
 * @section: spec section, e.g. "5.2.1 Table 1" or "RFC 3862 3.1"
 * @header: (nullable): header field the finding is about
 * @line: 1-based line in the object (0 when the finding has no place)
 * @column: 1-based column, for XML findings (0 otherwise)
 * @message: one line a tester can act on
 *
 * One finding. Owned by its #CpmReport; all fields are read-only.
 */
typedef struct {
  char *rule;
  CpmSeverity severity;
  char *section;
  char *header;
  guint line;
  guint column;
  char *message;
} CpmDiagnostic;

/**
 * CpmReport:
 *
 * An ordered list of diagnostics for one object (or one store). Opaque,
 * reference counted.
 */
typedef struct _CpmReport CpmReport;

/**
 * cpm_report_new:
 * Returns: (transfer full): an empty report
 */
CPM_EXPORT CpmReport *cpm_report_new (void);
CPM_EXPORT CpmReport *cpm_report_ref (CpmReport *report);
CPM_EXPORT void cpm_report_unref (CpmReport *report);

/**
 * cpm_report_add:
 * @report: a report
 * @rule: rule id (copied)
 * @severity: severity
 * @section: spec section (copied)
 * @header: (nullable): header name (copied)
 * @line: line, or 0
 * @format: printf-style message
 *
 * Appends one diagnostic.
 */
CPM_EXPORT void cpm_report_add (CpmReport *report, const char *rule, CpmSeverity severity,
                                const char *section, const char *header, guint line,
                                const char *format, ...) G_GNUC_PRINTF (7, 8);

/**
 * cpm_report_add_at:
 * Like cpm_report_add() with a column too (for XML findings).
 */
CPM_EXPORT void cpm_report_add_at (CpmReport *report, const char *rule, CpmSeverity severity,
                                   const char *section, const char *header, guint line,
                                   guint column, const char *format, ...) G_GNUC_PRINTF (8, 9);

/**
 * cpm_report_merge:
 * @report: destination
 * @other: diagnostics to copy, with @line_offset added to non-zero lines
 * @line_offset: offset to add
 */
CPM_EXPORT void cpm_report_merge (CpmReport *report, const CpmReport *other, guint line_offset);

CPM_EXPORT guint cpm_report_get_count (const CpmReport *report);

/**
 * cpm_report_get:
 * Returns: (transfer none): diagnostic @index, owned by @report
 */
CPM_EXPORT const CpmDiagnostic *cpm_report_get (const CpmReport *report, guint index);

CPM_EXPORT guint cpm_report_count_severity (const CpmReport *report, CpmSeverity severity);

/**
 * cpm_report_is_valid:
 * Returns: %TRUE when the report holds no error (warnings allowed)
 */
CPM_EXPORT gboolean cpm_report_is_valid (const CpmReport *report);

/**
 * cpm_report_has_rule:
 * Returns: %TRUE when a diagnostic with @rule is in @report
 */
CPM_EXPORT gboolean cpm_report_has_rule (const CpmReport *report, const char *rule);

/**
 * cpm_severity_to_string:
 * Returns: (transfer none): "error" or "warning"
 */
CPM_EXPORT const char *cpm_severity_to_string (CpmSeverity severity);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CpmReport, cpm_report_unref)

G_END_DECLS

#endif
