/* Tests of the validator engine on whole objects.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"
#include <string.h>

static CpmReport *
validate_file (const char *file, CpmProfile profile)
{
  return cpm_test_validate_file (file, CPM_KIND_UNKNOWN, profile);
}

/* Issue 2 "must show": the verbatim Appendix D chat message has three
 * distinct defects; its CPIM block also lacks the empty line before the
 * MIME headers, which is only a warning. */
static void
test_appendix_d_verbatim (void)
{
  g_autoptr(CpmReport) r = validate_file ("message/appendix-d-chat-verbatim.eml", CPM_PROFILE_2_2);
  g_assert_false (cpm_report_is_valid (r));
  g_assert_true (cpm_report_has_rule (r, "date.missing"));
  g_assert_true (cpm_report_has_rule (r, "accept-contact.missing"));
  g_assert_true (cpm_report_has_rule (r, "subject.not-applicable"));
  g_assert_cmpuint (cpm_report_count_severity (r, CPM_SEVERITY_ERROR), ==, 3);
  for (guint i = 0; i < cpm_report_get_count (r); i++) {
    const CpmDiagnostic *d = cpm_report_get (r, i);
    g_assert_cmpstr (d->section, !=, "");
    if (g_str_equal (d->rule, "subject.not-applicable"))
      g_assert_cmpuint (d->line, ==, 4);
  }
}

static void
test_appendix_d_repaired (void)
{
  g_autoptr(CpmReport) crlf = validate_file ("message/appendix-d-chat-repaired.eml", CPM_PROFILE_2_2);
  g_autoptr(CpmReport) lf = validate_file ("message/appendix-d-chat-repaired-lf.eml", CPM_PROFILE_2_2);
  if (!cpm_report_is_valid (crlf))
    cpm_test_dump_report (crlf);
  g_assert_true (cpm_report_is_valid (crlf));
  g_assert_true (cpm_report_is_valid (lf));
}

static void
test_valid_standalone (void)
{
  g_autoptr(CpmReport) r = validate_file ("message/valid-standalone.eml", CPM_PROFILE_2_2);
  cpm_test_assert_clean (r);
}

static const struct {
  const char *file;
  const char *rule;
} invalid[] = {
  { "message/invalid-duplicate-date.eml", "date.duplicate" },
  { "message/invalid-correlator-without-context.eml", "message-context.required" },
  { "message/invalid-content-type-not-cpim.eml", "cpim.content-type" },
  { "message/invalid-cc-in-standalone.eml", "cc.not-applicable" },
};

/* Each invalid fixture is reported with exactly the rule it is named for. */
static void
test_invalid_fixtures (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++) {
    g_autoptr(CpmReport) r = validate_file (invalid[i].file, CPM_PROFILE_2_2);
    g_test_message ("%s", invalid[i].file);
    cpm_test_assert_rules (r, invalid[i].rule, NULL);
  }
}

static void
test_profile_warning (void)
{
  g_autoptr(CpmReport) r22 = validate_file ("message/accept-content-defined-from-2.2.eml", CPM_PROFILE_2_2);
  cpm_test_assert_clean (r22);
  g_autoptr(CpmReport) r21 = validate_file ("message/accept-content-defined-from-2.2.eml", CPM_PROFILE_2_1);
  cpm_test_assert_rules (r21, "accept-content.profile", NULL);
  g_assert_true (cpm_report_is_valid (r21));
}

/* 1.0 had no header table: a message missing the CPM fields is fine there. */
static void
test_profile_1_0 (void)
{
  g_autoptr(CpmReport) r = validate_file ("message/appendix-d-chat-verbatim.eml", CPM_PROFILE_1_0);
  g_assert_true (cpm_report_has_rule (r, "date.missing"));
  g_assert_false (cpm_report_has_rule (r, "accept-contact.missing"));
}

static void
test_unknown_kind (void)
{
  static const char text[] = "X-Foo: bar\r\n\r\nbody\r\n";
  g_autoptr(CpmObject) o = cpm_object_parse_data (text, sizeof text - 1, NULL, NULL);
  g_autoptr(CpmReport) r = cpm_validate (o, CPM_PROFILE_2_2);
  /* no CPM fields and no Content-Type: a stand-alone media object missing
   * its Content-Type */
  g_assert_cmpint (cpm_object_get_kind (o), ==, CPM_KIND_MEDIA);
  g_assert_true (cpm_report_has_rule (r, "content-type.missing"));
}

static void
test_rule_catalogue (void)
{
  guint n;
  const CpmRuleInfo *rules = cpm_validate_rules (&n);
  g_assert_cmpuint (n, >, 10);
  for (guint i = 0; i < n; i++) {
    g_assert_nonnull (rules[i].rule);
    g_assert_nonnull (rules[i].section);
    g_assert_nonnull (rules[i].summary);
  }
}

static CpmReport *
validate_replaced (const char *name, const char *value)
{
  g_autoptr(CpmObject) o = cpm_test_load_object ("message/valid-standalone.eml");
  cpm_object_set_header (o, name, value);
  return cpm_validate (o, CPM_PROFILE_2_2);
}

/* The validator remembers the values that passed (per thread, per
 * checker): a failure is found again every time, and a value that passed
 * one field's checker is still checked by another's. */
static void
test_remembered_passes (void)
{
  for (guint round = 0; round < 3; round++) {
    g_autoptr(CpmReport) valid = validate_file ("message/valid-standalone.eml", CPM_PROFILE_2_2);
    cpm_test_assert_clean (valid);
    g_autoptr(CpmReport) date = validate_replaced ("Date", "Tue, 32 Apr 2014 09:47:00 -0800");
    cpm_test_assert_rules (date, "date.syntax", NULL);
    /* the From value passed cpm_check_address above; as a Content-Type it fails */
    g_autoptr(CpmReport) ct = validate_replaced ("Content-Type", "+15145551234@phony.com");
    g_assert_true (cpm_report_has_rule (ct, "content-type.syntax"));
  }
}

static CpmReport *
validate_correlated (const char *correlator_name, const char *context_field)
{
  g_autoptr(GBytes) in = cpm_test_load ("message/invalid-correlator-without-context.eml");
  g_autofree char *text = g_strndup (g_bytes_get_data (in, NULL), g_bytes_get_size (in));
  g_autofree char *named = g_strdup_printf ("%s%s: Hello there.\r\n", context_field, correlator_name);
  char *at = strstr (text, "Message-Correlator: Hello there.\r\n");
  g_assert_nonnull (at);
  g_autoptr(GString) s = g_string_new_len (text, at - text);
  g_string_append (s, named);
  g_string_append (s, at + strlen ("Message-Correlator: Hello there.\r\n"));
  g_autoptr(CpmObject) o = cpm_object_parse_data (s->str, s->len, NULL, NULL);
  return cpm_validate (o, CPM_PROFILE_2_2);
}

static guint
rule_line (const CpmReport *r, const char *rule)
{
  for (guint i = 0; i < cpm_report_get_count (r); i++)
    if (g_str_equal (cpm_report_get (r, i)->rule, rule))
      return cpm_report_get (r, i)->line;
  g_assert_not_reached ();
}

/* Message-Context is required with a Message-Correlator in any case of
 * its name, at the correlator's line; a Message-Context in any case, or a
 * malformed line that only looks like one, answers as RFC 5322 reads it. */
static void
test_correlator_context (void)
{
  g_autoptr(CpmReport) plain = validate_correlated ("Message-Correlator", "");
  g_assert_cmpuint (rule_line (plain, "message-context.required"), ==, 9);
  g_autoptr(CpmReport) lower = validate_correlated ("message-correlator", "X-Before: 1\r\n");
  g_assert_cmpuint (rule_line (lower, "message-context.required"), ==, 10);
  g_autoptr(CpmReport) ctx = validate_correlated ("MESSAGE-CORRELATOR",
                                                  "message-context: pager-message\r\n");
  g_assert_false (cpm_report_has_rule (ctx, "message-context.required"));
  g_autoptr(CpmReport) bad = validate_correlated ("Message-Correlator",
                                                  "Message-Context pager-message\r\n");
  g_assert_cmpuint (rule_line (bad, "message-context.required"), ==, 10);
  g_assert_true (cpm_report_has_rule (bad, "rfc5322.malformed-line"));
}

int
main (int argc, char **argv)
{
  cpm_test_init (&argc, &argv);
  g_test_add_func ("/validate/appendix-d-verbatim", test_appendix_d_verbatim);
  g_test_add_func ("/validate/appendix-d-repaired", test_appendix_d_repaired);
  g_test_add_func ("/validate/valid-standalone", test_valid_standalone);
  g_test_add_func ("/validate/remembered-passes", test_remembered_passes);
  g_test_add_func ("/validate/correlator-context", test_correlator_context);
  g_test_add_func ("/validate/invalid-fixtures", test_invalid_fixtures);
  g_test_add_func ("/validate/profile-warning", test_profile_warning);
  g_test_add_func ("/validate/profile-1.0", test_profile_1_0);
  g_test_add_func ("/validate/unknown-kind", test_unknown_kind);
  g_test_add_func ("/validate/rule-catalogue", test_rule_catalogue);
  return g_test_run ();
}
