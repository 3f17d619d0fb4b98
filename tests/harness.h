/* The small shared harness of the unit tests.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_TEST_HARNESS_H
#define CPM_TEST_HARNESS_H

#include <cpmobj/cpmobj.h>

/* Path of a file under testdata/ (CPM_TESTDATA). Returns: (transfer full) */
char *cpm_test_path (const char *relative);

/* Contents of a testdata/ file; fails the test if it cannot be read.
 * Returns: (transfer full) */
GBytes *cpm_test_load (const char *relative);

/* Parses a testdata/ file into an object; fails the test on error.
 * Returns: (transfer full) */
CpmObject *cpm_test_load_object (const char *relative);

/* Loads a testdata/ object, asserts it is recognised as @kind (unless
 * CPM_KIND_UNKNOWN) and validates it under @profile.
 * Returns: (transfer full) */
CpmReport *cpm_test_validate_file (const char *relative, CpmKind kind, CpmProfile profile);

/* Fails the test, printing every diagnostic, unless @report holds exactly
 * the rule ids in the NULL-terminated list (order free, errors and warnings). */
void cpm_test_assert_rules (const CpmReport *report, const char *first_rule, ...)
  G_GNUC_NULL_TERMINATED;

/* Fails the test unless @report holds no diagnostic at all. */
#define cpm_test_assert_clean(report) cpm_test_assert_rules ((report), NULL, NULL)

/* Prints the diagnostics of @report to stderr (for failing tests). */
void cpm_test_dump_report (const CpmReport *report);

/* Asserts two byte buffers are equal, printing the first difference. */
void cpm_test_assert_bytes_equal (GBytes *got, GBytes *want);

/* Initialises GLib's test framework and GMime. */
void cpm_test_init (int *argc, char ***argv);

#endif
