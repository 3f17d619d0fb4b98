/* Tests of the header registry against Tables 1-6 and Appendix C.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"

static CpmHeaderStatus
status (const char *name, CpmKind kind, CpmProfile profile)
{
  const CpmHeaderDef *def = cpm_header_lookup (name, -1);
  g_assert_nonnull (def);
  return cpm_header_status (def, kind, profile);
}

static void
test_lookup_case_insensitive (void)
{
  g_assert_true (cpm_header_lookup ("conversation-id", -1) ==
                 cpm_header_lookup ("Conversation-ID", -1));
  g_assert_true (cpm_header_lookup ("CONTRIBUTION-IDxx", 15) ==
                 cpm_header_lookup ("Contribution-ID", -1));
  g_assert_null (cpm_header_lookup ("DateTime", -1));
  /* defect 8: the field is InReplyTo-Contribution-ID, without a space */
  g_assert_nonnull (cpm_header_lookup ("InReplyTo-Contribution-ID", -1));
}

/* Appendix C tables 7-13: min and max occurrences. */
static void
test_occurrences (void)
{
  static const char *const single[] = { "Conversation-ID", "Contribution-ID",
    "InReplyTo-Contribution-ID", "IMDN-Message-ID", "P-Asserted-Service",
    "Message-Correlator", NULL };
  for (guint i = 0; single[i]; i++)
    g_assert_cmpuint (cpm_header_lookup (single[i], -1)->max, ==, 1);
  const CpmHeaderDef *ac = cpm_header_lookup ("Accept-Contact", -1);
  g_assert_cmpuint (ac->min, ==, 1);
  g_assert_cmpuint (ac->max, ==, 0);
}

static void
test_table1_message (void)
{
  static const char *const mandatory[] = { "From", "To", "Date", "Conversation-ID",
    "Contribution-ID", "Accept-Contact", "IMDN-Message-ID", "Content-Type", NULL };
  for (guint i = 0; mandatory[i]; i++)
    g_assert_cmpint (status (mandatory[i], CPM_KIND_MESSAGE, CPM_PROFILE_2_2), ==,
                     CPM_STATUS_MANDATORY);
  g_assert_cmpint (status ("Subject", CPM_KIND_MESSAGE, CPM_PROFILE_2_2), ==, CPM_STATUS_OPTIONAL);
  g_assert_cmpint (status ("Subject", CPM_KIND_CHAT, CPM_PROFILE_2_2), ==,
                   CPM_STATUS_NOT_APPLICABLE);
  g_assert_cmpint (status ("Cc", CPM_KIND_MMS, CPM_PROFILE_2_2), ==, CPM_STATUS_OPTIONAL);
  g_assert_cmpint (status ("Cc", CPM_KIND_SMS, CPM_PROFILE_2_2), ==, CPM_STATUS_NOT_APPLICABLE);
  g_assert_cmpint (status ("P-Asserted-Service", CPM_KIND_MESSAGE, CPM_PROFILE_2_2), ==,
                   CPM_STATUS_MANDATORY);
  g_assert_cmpint (status ("P-Asserted-Service", CPM_KIND_SMS, CPM_PROFILE_2_2), ==,
                   CPM_STATUS_NOT_APPLICABLE);
  g_assert_cmpint (status ("Message-Context", CPM_KIND_MESSAGE, CPM_PROFILE_2_2), ==,
                   CPM_STATUS_CONDITIONAL);
}

/* Tables 2, 3, 4 and 6: the differences for each kind. */
static void
test_difference_tables (void)
{
  g_assert_cmpint (status ("P-Asserted-Service", CPM_KIND_FILE_TRANSFER, CPM_PROFILE_2_2), ==,
                   CPM_STATUS_MANDATORY);
  g_assert_cmpint (status ("Message-Context", CPM_KIND_FILE_TRANSFER, CPM_PROFILE_2_2), ==,
                   CPM_STATUS_NOT_APPLICABLE);
  g_assert_cmpint (status ("Bcc", CPM_KIND_SESSION_INFO, CPM_PROFILE_2_2), ==,
                   CPM_STATUS_NOT_APPLICABLE);
  g_assert_cmpint (status ("Accept-Contact", CPM_KIND_GROUP_STATE, CPM_PROFILE_2_2), ==,
                   CPM_STATUS_NOT_APPLICABLE);
  g_assert_cmpint (status ("Accept-Contact", CPM_KIND_CONFERENCE_INFO, CPM_PROFILE_2_2), ==,
                   CPM_STATUS_NOT_APPLICABLE);
  g_assert_cmpint (status ("IMDN-Message-ID", CPM_KIND_CONFERENCE_INFO, CPM_PROFILE_2_2), ==,
                   CPM_STATUS_MANDATORY);
  g_assert_cmpint (status ("Conversation-ID", CPM_KIND_MEDIA, CPM_PROFILE_2_2), ==,
                   CPM_STATUS_NOT_APPLICABLE);
}

static void
test_profiles (void)
{
  /* Accept-Content and Cc/Bcc arrive in 2.2 (4.4) */
  const CpmHeaderDef *ac = cpm_header_lookup ("Accept-Content", -1);
  g_assert_cmpint (ac->since, ==, CPM_PROFILE_2_2);
  g_assert_cmpint (status ("Cc", CPM_KIND_MMS, CPM_PROFILE_2_1), ==, CPM_STATUS_OPTIONAL);
  /* 1.0 had no header table */
  g_assert_cmpint (status ("Accept-Contact", CPM_KIND_MESSAGE, CPM_PROFILE_1_0), ==,
                   CPM_STATUS_OPTIONAL);
  g_assert_cmpint (status ("Date", CPM_KIND_MESSAGE, CPM_PROFILE_1_0), ==, CPM_STATUS_MANDATORY);
}

static void
test_every_row_has_checker_and_section (void)
{
  guint n;
  const CpmHeaderDef *defs = cpm_header_registry (&n);
  g_assert_cmpuint (n, >=, 16);
  for (guint i = 0; i < n; i++) {
    g_assert_nonnull (defs[i].section);
    g_autofree char *lower = g_ascii_strdown (defs[i].name, -1);
    g_assert_cmpstr (defs[i].key, ==, lower);
  }
}

/* Every row is found by its name in any case, a slice of a longer string
 * included, and by nothing else: each letter's case changed at any place
 * finds it; a byte changed at any place into another letter, or a '-' into
 * its 0x20 partner CR, or the name one byte shorter or longer, does not. */
static void
test_lookup_every_byte (void)
{
  guint n_defs;
  const CpmHeaderDef *defs = cpm_header_registry (&n_defs);
  for (guint d = 0; d < n_defs; d++) {
    const char *name = defs[d].name;
    gsize len = strlen (name);
    g_autofree char *upper = g_ascii_strup (name, -1);
    g_autofree char *longer = g_strconcat (defs[d].key, "s", NULL);
    g_assert_true (cpm_header_lookup (defs[d].key, -1) == &defs[d]);
    g_assert_true (cpm_header_lookup (upper, -1) == &defs[d]);
    g_assert_true (cpm_header_lookup (longer, (gssize) len) == &defs[d]);
    g_assert_null (cpm_header_lookup (longer, -1));
    g_assert_null (cpm_header_lookup (name, (gssize) len - 1));
    for (gsize at = 0; at < len; at++) {
      g_autofree char *other = g_strdup (name);
      if (g_ascii_isalpha (name[at])) {
        other[at] = (char) (name[at] ^ 0x20);
        g_assert_true (cpm_header_lookup (other, -1) == &defs[d]);
        other[at] = name[at] == 'z' || name[at] == 'Z' ? 'q' : (char) (name[at] + 1);
      } else {
        other[at] = name[at] == '-' ? '\r' : '-';
      }
      g_assert_null (cpm_header_lookup (other, -1));
    }
  }
}

int
main (int argc, char **argv)
{
  cpm_test_init (&argc, &argv);
  g_test_add_func ("/header/lookup", test_lookup_case_insensitive);
  g_test_add_func ("/header/lookup-every-byte", test_lookup_every_byte);
  g_test_add_func ("/header/occurrences", test_occurrences);
  g_test_add_func ("/header/table1", test_table1_message);
  g_test_add_func ("/header/difference-tables", test_difference_tables);
  g_test_add_func ("/header/profiles", test_profiles);
  g_test_add_func ("/header/rows", test_every_row_has_checker_and_section);
  return g_test_run ();
}
