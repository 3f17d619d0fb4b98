/* Store-level validation over the dumps in testdata/store/.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"

#include <cpmobj/cpm-store.h>
#include <string.h>

static CpmStoreCheck *
check_dump (const char *dump, CpmProfile profile)
{
  g_autofree char *path = cpm_test_path (dump);
  g_autoptr(GError) error = NULL;
  CpmStoreCheck *check = cpm_store_validate (path, profile, &error);
  g_assert_no_error (error);
  g_assert_nonnull (check);
  return check;
}

static void
assert_dump (const char *dump, CpmProfile profile, const char *first_rule, ...)
{
  g_autoptr(CpmStoreCheck) check = check_dump (dump, profile);
  g_autoptr(CpmReport) all = cpm_store_check_dup_report (check);
  const char *r[4] = { NULL, NULL, NULL, NULL };
  va_list ap;
  va_start (ap, first_rule);
  guint n = 0;
  for (const char *rule = first_rule; rule && n < 4; rule = va_arg (ap, const char *))
    r[n++] = rule;
  va_end (ap);
  cpm_test_assert_rules (all, r[0], r[1], r[2], r[3], NULL);
}

/* Every object of the good dump is valid, and the store is too. */
static void
test_good (void)
{
  assert_dump ("store/good", CPM_PROFILE_2_2, NULL);
  g_autofree char *path = cpm_test_path ("store/good");
  g_autoptr(CpmSource) src = cpm_source_new (path, NULL);
  CpmSourceItem *item = NULL;
  guint n = 0;
  while (cpm_source_next (src, &item, NULL)) {
    g_autoptr(CpmObject) obj = cpm_object_parse (cpm_source_item_get_bytes (item), NULL, NULL);
    g_autoptr(CpmReport) r = cpm_validate (obj, CPM_PROFILE_2_2);
    if (!cpm_report_is_valid (r))
      g_printerr ("# %s\n", cpm_source_item_get_location (item));
    cpm_test_assert_rules (r, NULL, NULL);
    cpm_source_item_unref (item);
    n++;
  }
  g_assert_cmpuint (n, ==, 12);
}

/* issue 3 "Must show": a misplaced IMDN, two session info objects in one
 * session folder and a conversation folder named by the wrong id give one
 * store diagnostic each, at the right place. */
static void
test_bad (void)
{
  g_autoptr(CpmStoreCheck) check = check_dump ("store/bad", CPM_PROFILE_2_2);
  g_assert_cmpuint (cpm_store_check_get_n_places (check), ==, 3);
  struct {
    const char *suffix;
    const char *rule;
  } want[] = {
    { "Default/conv-WRONG", "store.conversation-folder-name" },
    { "Default/conv-c3d4/sess-11", "store.session-info-count" },
    { "Default/conv-a1b2/imdn-chat-1.eml", "store.imdn-placement" },
  };
  for (guint w = 0; w < G_N_ELEMENTS (want); w++) {
    gboolean found = FALSE;
    for (guint i = 0; i < cpm_store_check_get_n_places (check); i++) {
      const char *loc = cpm_store_check_get_location (check, i);
      const CpmReport *r = cpm_store_check_get_report (check, i);
      if (!g_str_has_suffix (loc, want[w].suffix))
        continue;
      found = TRUE;
      cpm_test_assert_rules (r, want[w].rule, NULL);
      g_assert_cmpint (cpm_report_get (r, 0)->severity, ==, CPM_SEVERITY_ERROR);
    }
    if (!found)
      g_error ("no finding at %s", want[w].suffix);
  }
  g_autoptr(CpmReport) all = cpm_store_check_dup_report (check);
  for (guint i = 0; i < cpm_report_get_count (all); i++) {
    const CpmDiagnostic *d = cpm_report_get (all, i);
    if (strcmp (d->rule, "store.conversation-folder-name") == 0)
      g_assert_nonnull (strstr (d->message, "conv-e5f6"));
    if (strcmp (d->rule, "store.imdn-placement") == 0)
      g_assert_nonnull (strstr (d->message, "chat-0001"));
  }
}

static void
test_non_cpm (void)
{
  assert_dump ("store/non-cpm", CPM_PROFILE_2_2, "store.non-cpm-folder", NULL);
}

static void
test_gso_misplaced (void)
{
  assert_dump ("store/gso-misplaced", CPM_PROFILE_2_2, "store.gso-placement", NULL);
}

/* sess-zz holds the session sess-g1; sess-11 under conv-a1b2 belongs to
 * conversation conv-c3d4. */
static void
test_session_names (void)
{
  assert_dump ("store/session-names", CPM_PROFILE_2_2, "store.session-folder-name",
               "store.session-folder-parent", NULL);
}

/* One mbox per folder: "conv-a1b2.mbox" is folder conv-a1b2. */
static void
test_mbox (void)
{
  assert_dump ("store/mbox", CPM_PROFILE_2_2, NULL);
}

/* Maildir flags: S, P and keywords $MDNSent (a), Archived (b), $Label1 (c). */
static void
test_maildir_flags (void)
{
  assert_dump ("store/maildir", CPM_PROFILE_2_2, "store.flag-profile", "store.flag-unknown",
               NULL);
  assert_dump ("store/maildir", CPM_PROFILE_2_1, "store.flag-profile", "store.flag-unknown",
               NULL);
  assert_dump ("store/maildir", CPM_PROFILE_1_0, "store.flag-profile", "store.flag-unknown",
               NULL);
  /* 2.0: $MDNSent is gone and Archived not there yet. */
  g_autoptr(CpmStoreCheck) check = check_dump ("store/maildir", CPM_PROFILE_2_0);
  g_autoptr(CpmReport) all = cpm_store_check_dup_report (check);
  g_assert_cmpuint (cpm_report_get_count (all), ==, 3);
  guint profile_findings = 0;
  for (guint i = 0; i < cpm_report_get_count (all); i++)
    profile_findings += strcmp (cpm_report_get (all, i)->rule, "store.flag-profile") == 0;
  g_assert_cmpuint (profile_findings, ==, 2);
}

/* Flags from manifest.jsonl; a line that is not JSON is a warning. */
static void
test_manifest (void)
{
  g_autoptr(CpmStoreCheck) c22 = check_dump ("store/manifest", CPM_PROFILE_2_2);
  g_autoptr(CpmReport) r22 = cpm_store_check_dup_report (c22);
  cpm_test_assert_rules (r22, "store.flag-profile", "store.manifest", NULL);
  g_assert_cmpuint (cpm_report_get_count (r22), ==, 2);
  g_autoptr(CpmStoreCheck) c10 = check_dump ("store/manifest", CPM_PROFILE_1_0);
  g_autoptr(CpmReport) r10 = cpm_store_check_dup_report (c10);
  cpm_test_assert_rules (r10, "store.flag-profile", "store.manifest", NULL);
  for (guint i = 0; i < cpm_report_get_count (r10); i++)
    if (strcmp (cpm_report_get (r10, i)->rule, "store.flag-profile") == 0)
      g_assert_nonnull (strstr (cpm_report_get (r10, i)->message, "Archived"));
}

/* Objects added by hand, without a dump. */
static void
test_api (void)
{
  g_autoptr(CpmStoreCheck) check = cpm_store_check_new (CPM_PROFILE_2_2);
  g_autoptr(CpmObject) msg = cpm_test_load_object ("store/good/Default/conv-e5f6/msg-1.eml");
  const char *flags[] = { "\\Seen", "\\Flagged", "$Forwarded", "archived", NULL };
  cpm_store_check_add_object (check, "Default/conv-e5f6", "a.eml", msg, flags);
  cpm_store_check_add_object (check, "Default/other", "b.eml", msg, NULL);
  g_assert_cmpuint (cpm_store_check_finish (check), ==, 1);
  g_assert_cmpstr (cpm_store_check_get_location (check, 0), ==, "Default/other");
  cpm_test_assert_rules (cpm_store_check_get_report (check, 0), "store.conversation-folder-name",
                         NULL);
  guint n = 0;
  const CpmRuleInfo *rules = cpm_store_rules (&n);
  g_assert_cmpuint (n, >=, 9);
  g_assert_true (g_str_has_prefix (rules[0].rule, "store."));
}

static void
test_missing_dump (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmStoreCheck) check = cpm_store_validate ("/nonexistent/store", CPM_PROFILE_2_2,
                                                       &error);
  g_assert_null (check);
  g_assert_error (error, CPM_ERROR, CPM_ERROR_IO);
}

int
main (int argc, char **argv)
{
  cpm_test_init (&argc, &argv);
  g_test_add_func ("/store/good", test_good);
  g_test_add_func ("/store/bad", test_bad);
  g_test_add_func ("/store/non-cpm", test_non_cpm);
  g_test_add_func ("/store/gso-misplaced", test_gso_misplaced);
  g_test_add_func ("/store/session-names", test_session_names);
  g_test_add_func ("/store/mbox", test_mbox);
  g_test_add_func ("/store/maildir-flags", test_maildir_flags);
  g_test_add_func ("/store/manifest", test_manifest);
  g_test_add_func ("/store/api", test_api);
  g_test_add_func ("/store/missing-dump", test_missing_dump);
  return g_test_run ();
}
