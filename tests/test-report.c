/* Tests of reports: diagnostics kept in order, counted and merged, an
 * empty report answering as one.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"

#include <string.h>

static void
test_empty (void)
{
  g_autoptr(CpmReport) r = cpm_report_new ();
  g_assert_cmpuint (cpm_report_get_count (r), ==, 0);
  g_assert_cmpuint (cpm_report_count_severity (r, CPM_SEVERITY_ERROR), ==, 0);
  g_assert_cmpuint (cpm_report_count_severity (r, CPM_SEVERITY_WARNING), ==, 0);
  g_assert_true (cpm_report_is_valid (r));
  g_assert_false (cpm_report_has_rule (r, "any.rule"));
  g_autoptr(CpmReport) into = cpm_report_new ();
  cpm_report_merge (into, r, 10);
  cpm_report_merge (into, NULL, 10);
  g_assert_cmpuint (cpm_report_get_count (into), ==, 0);
}

/* Past the first allocation of the list and its doublings (8, 16, 32):
 * every diagnostic stays as added, in order. */
static void
test_many_in_order (void)
{
  g_autoptr(CpmReport) r = cpm_report_new ();
  for (guint i = 0; i < 40; i++) {
    g_autofree char *rule = g_strdup_printf ("test.rule-%u", i);
    if (i % 3 == 0)
      cpm_report_add_at (r, rule, CPM_SEVERITY_ERROR, "RFC 1 2", NULL, i, i + 1,
                         "error %u", i);
    else
      cpm_report_add (r, rule, CPM_SEVERITY_WARNING, NULL, "Subject", i, "warning %u", i);
  }
  g_assert_cmpuint (cpm_report_get_count (r), ==, 40);
  g_assert_cmpuint (cpm_report_count_severity (r, CPM_SEVERITY_ERROR), ==, 14);
  g_assert_cmpuint (cpm_report_count_severity (r, CPM_SEVERITY_WARNING), ==, 26);
  g_assert_false (cpm_report_is_valid (r));
  g_assert_true (cpm_report_has_rule (r, "test.rule-39"));
  g_assert_false (cpm_report_has_rule (r, "test.rule-40"));
  for (guint i = 0; i < 40; i++) {
    const CpmDiagnostic *d = cpm_report_get (r, i);
    g_autofree char *rule = g_strdup_printf ("test.rule-%u", i);
    g_autofree char *message = g_strdup_printf ("%s %u", i % 3 ? "warning" : "error", i);
    g_assert_cmpstr (d->rule, ==, rule);
    g_assert_cmpstr (d->message, ==, message);
    g_assert_cmpuint (d->line, ==, i);
    g_assert_cmpuint (d->column, ==, i % 3 ? 0 : i + 1);
    g_assert_cmpstr (d->section, ==, i % 3 ? "" : "RFC 1 2");
    g_assert_cmpstr (d->header, ==, i % 3 ? "Subject" : NULL);
  }

  /* merged after what the target holds, lines moved, line 0 kept */
  g_autoptr(CpmReport) into = cpm_report_new ();
  cpm_report_add (into, "first.rule", CPM_SEVERITY_WARNING, "", NULL, 3, "first");
  cpm_report_merge (into, r, 100);
  g_assert_cmpuint (cpm_report_get_count (into), ==, 41);
  g_assert_cmpstr (cpm_report_get (into, 0)->rule, ==, "first.rule");
  g_assert_cmpuint (cpm_report_get (into, 1)->line, ==, 0);
  g_assert_cmpuint (cpm_report_get (into, 40)->line, ==, 139);
  g_assert_cmpstr (cpm_report_get (into, 40)->message, ==, "error 39");
  g_assert_cmpuint (cpm_report_get (into, 40)->column, ==, 40);

  /* a reference outlives the first owner */
  CpmReport *extra = cpm_report_ref (r);
  g_clear_pointer (&r, cpm_report_unref);
  g_assert_cmpuint (cpm_report_get_count (extra), ==, 40);
  cpm_report_unref (extra);
}

/* A report merged into itself gets its diagnostics twice, the copies'
 * lines moved; it read on while it grew (no end) from storage that its
 * own growth could move. In a subprocess, so that a loop fails in time. */
static void
test_merge_into_itself (void)
{
  if (g_test_subprocess ()) {
    g_autoptr(CpmReport) r = cpm_report_new ();
    for (guint i = 1; i <= 40; i++)
      cpm_report_add (r, "test.rule", CPM_SEVERITY_ERROR, "", NULL, i, "diagnostic %u", i);
    cpm_report_merge (r, r, 1000);
    g_assert_cmpuint (cpm_report_get_count (r), ==, 80);
    g_assert_cmpuint (cpm_report_get (r, 39)->line, ==, 40);
    g_assert_cmpuint (cpm_report_get (r, 40)->line, ==, 1001);
    g_assert_cmpstr (cpm_report_get (r, 79)->message, ==, "diagnostic 40");
    return;
  }
  g_test_trap_subprocess (NULL, 10 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

int
main (int argc, char **argv)
{
  cpm_test_init (&argc, &argv);
  g_test_add_func ("/report/empty", test_empty);
  g_test_add_func ("/report/many-in-order", test_many_in_order);
  g_test_add_func ("/report/merge-into-itself", test_merge_into_itself);
  return g_test_run ();
}
