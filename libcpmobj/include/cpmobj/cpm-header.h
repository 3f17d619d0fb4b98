/* libcpmobj — the header registry: Table 1 to 6 and Appendix C in one table.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_HEADER_H
#define CPM_HEADER_H

#include <cpmobj/cpm-common.h>
#include <cpmobj/cpm-check.h>

G_BEGIN_DECLS

/**
 * CpmHeaderStatus:
 * @CPM_STATUS_NOT_APPLICABLE: SHALL NOT be present for this kind
 * @CPM_STATUS_OPTIONAL: may be present
 * @CPM_STATUS_MANDATORY: SHALL be present (at least min times)
 * @CPM_STATUS_CONDITIONAL: presence depends on another field (checked by a
 *   dedicated rule, e.g. Message-Context with Message-Correlator)
 */
typedef enum {
  CPM_STATUS_NOT_APPLICABLE,
  CPM_STATUS_OPTIONAL,
  CPM_STATUS_MANDATORY,
  CPM_STATUS_CONDITIONAL,
} CpmHeaderStatus;

/**
 * CpmHeaderDef:
 * @name: canonical field name ("InReplyTo-Contribution-ID")
 * @key: lower-case name, the prefix of the rule ids for this field
 * @section: where the spec defines the field ("5.2.1 Table 1, C.3")
 * @since: first profile that defines the field
 * @min: minimum occurrences when mandatory (Appendix C tables)
 * @max: maximum occurrences, 0 for unbounded
 * @status: status per #CpmKind (index by kind)
 * @check: (nullable): value checker
 *
 * One row of the registry. The registry is static, read-only data.
 */
typedef struct {
  const char *name;
  const char *key;
  const char *section;
  CpmProfile since;
  guint8 min;
  guint8 max;
  CpmHeaderStatus status[CPM_KIND_COUNT];
  CpmValueCheck check;
} CpmHeaderDef;

/**
 * cpm_header_registry:
 * @n_defs: (out): number of rows
 * Returns: (transfer none): the registry rows
 */
CPM_EXPORT const CpmHeaderDef *cpm_header_registry (guint *n_defs);

/**
 * cpm_header_lookup:
 * @name: a field name, case-insensitive (RFC 5322; spec README defect 7)
 * @len: length of @name, or -1 if NUL-terminated
 * Returns: (transfer none) (nullable): the row, or %NULL for a field the
 * registry does not know
 */
CPM_EXPORT const CpmHeaderDef *cpm_header_lookup (const char *name, gssize len);

/**
 * cpm_header_status:
 * Returns: the status of @def for @kind under @profile: a field defined
 * after @profile is %CPM_STATUS_OPTIONAL there (the validator warns on it).
 */
CPM_EXPORT CpmHeaderStatus cpm_header_status (const CpmHeaderDef *def, CpmKind kind,
                                              CpmProfile profile);

/**
 * cpm_header_status_to_string:
 * Returns: (transfer none): "not-applicable", "optional", "mandatory", "conditional"
 */
CPM_EXPORT const char *cpm_header_status_to_string (CpmHeaderStatus status);

G_END_DECLS

#endif
