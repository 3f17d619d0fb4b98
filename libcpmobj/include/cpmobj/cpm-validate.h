/* libcpmobj — validating objects.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_VALIDATE_H
#define CPM_VALIDATE_H

#include <cpmobj/cpm-object.h>
#include <cpmobj/cpm-report.h>

G_BEGIN_DECLS

/**
 * cpm_validate:
 * @object: the object
 * @profile: the profile whose rules apply
 *
 * Checks every rule for the object's kind: parse defects, header presence,
 * occurrences and values (registry), cross-field rules, and the body
 * (CPIM, XML content).
 *
 * Returns: (transfer full): the report (empty when the object is clean)
 */
CPM_EXPORT CpmReport *cpm_validate (const CpmObject *object, CpmProfile profile);

/**
 * CpmRuleInfo:
 * @rule: the rule id, or a pattern with "*" for the per-header families
 * @severity: its severity
 * @section: the spec section cited
 * @summary: what it checks
 */
typedef struct {
  const char *rule;
  CpmSeverity severity;
  const char *section;
  const char *summary;
} CpmRuleInfo;

/**
 * cpm_validate_rules:
 * @n_rules: (out): number of entries
 * Returns: (transfer none): the catalogue of rules, for documentation and
 * `cpmobj validate --list-rules`
 */
CPM_EXPORT const CpmRuleInfo *cpm_validate_rules (guint *n_rules);

G_END_DECLS

#endif
