/* Session info objects (5.2.3) and the 1.0 session history object.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"

#include <cpmobj/cpm-session.h>
#include <string.h>

/* Appendix D's session info object, assembled as testdata/session/README
 * says: its headers lack Accept-Contact, and "Fri, 29 Apr 2014" was a
 * Tuesday. The body itself is a valid 1-1 session. */
static void
test_appendix_d (void)
{
  g_autoptr(CpmReport) r = cpm_test_validate_file ("session/appendix-d-session-info.eml",
                                          CPM_KIND_SESSION_INFO, CPM_PROFILE_2_2);
  cpm_test_assert_rules (r, "accept-contact.missing", "date.syntax", NULL);
}

typedef struct {
  const char *file;
  const char *rule;
} Case;

static const Case cases[] = {
  { "session/valid-1-1.eml", NULL },
  { "session/valid-group.eml", NULL },
  { "session/invalid-session-type-value.eml", "session.type-value" },
  { "session/invalid-session-type-missing.eml", "session.type-missing" },
  { "session/invalid-session-participants-missing.eml", "session.participants-missing" },
  { "session/invalid-session-participants-not-allowed.eml", "session.participants-not-allowed" },
  { "session/invalid-session-participants-value.eml", "session.participants-value" },
  { "session/invalid-session-replaces-value.eml", "session.replaces-value" },
  { "session/invalid-session-root-element.eml", "session.root-element" },
  { "session/invalid-session-element-repeated.eml", "session.element-repeated" },
  { "session/warning-session-element-unknown.eml", "session.element-unknown" },
  { "session/invalid-xml-doctype.eml", "xml.doctype" },
  { "session/invalid-xml-not-well-formed.eml", "xml.not-well-formed" },
};

static void
test_fixture (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(CpmReport) r = cpm_test_validate_file (c->file, CPM_KIND_SESSION_INFO, CPM_PROFILE_2_2);
  cpm_test_assert_rules (r, c->rule, NULL);
  for (guint i = 0; i < cpm_report_get_count (r); i++)
    g_assert_cmpuint (cpm_report_get (r, i)->line, >=, 12); /* in the body */
}

static void
test_lines (void)
{
  g_autoptr(CpmReport) r = cpm_test_validate_file ("session/invalid-session-participants-not-allowed.eml",
                                          CPM_KIND_SESSION_INFO, CPM_PROFILE_2_2);
  g_assert_cmpuint (cpm_report_get_count (r), ==, 1);
  g_assert_cmpuint (cpm_report_get (r, 0)->line, ==, 16); /* <invited-participants> */
  g_assert_cmpint (cpm_report_get (r, 0)->severity, ==, CPM_SEVERITY_ERROR);
}

static void
test_content_type_forced (void)
{
  g_autoptr(CpmObject) obj = cpm_test_load_object ("session/invalid-session-content-type.eml");
  cpm_object_set_kind (obj, CPM_KIND_SESSION_INFO);
  g_autoptr(CpmReport) r = cpm_validate (obj, CPM_PROFILE_2_2);
  cpm_test_assert_rules (r, "session.content-type", NULL);
}

/* The 1.0 session history object: recognised by its Content-Type, valid
 * under 1.0, replaced from 2.0 on (001 4.2). */
static void
test_session_history (void)
{
  g_autoptr(CpmReport) r10 = cpm_test_validate_file ("session/session-history-1.0.eml",
                                            CPM_KIND_SESSION_HISTORY, CPM_PROFILE_1_0);
  cpm_test_assert_rules (r10, NULL, NULL);
  for (CpmProfile p = CPM_PROFILE_2_0; p <= CPM_PROFILE_2_2; p++) {
    g_autoptr(CpmReport) r = cpm_test_validate_file ("session/session-history-1.0.eml",
                                            CPM_KIND_SESSION_HISTORY, p);
    cpm_test_assert_rules (r, "session-history.profile", NULL);
    g_assert_cmpuint (cpm_report_get (r, 0)->line, ==, 6);
  }
}

static char *
text_of (GBytes *b)
{
  return g_strndup (g_bytes_get_data (b, NULL), g_bytes_get_size (b));
}

/* The writer's output is the body of a session info object that
 * validates clean. */
static void
test_xml_writer (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) xml = cpm_session_info_xml_new ("Group", "old-contrib-1",
                                                    "sip:a@example.com;<sip:b&c@example.com>",
                                                    &error);
  g_assert_no_error (error);
  g_autofree char *text = text_of (xml);
  g_assert_nonnull (strstr (text, "<session-replaces>old-contrib-1</session-replaces>"));
  g_assert_nonnull (strstr (text, "&lt;sip:b&amp;c@example.com&gt;"));

  g_autoptr(GBytes) head = cpm_test_load ("session/valid-1-1.eml");
  g_autofree char *h = text_of (head);
  *strstr (h, "\r\n\r\n") = '\0';
  g_autoptr(GString) obj = g_string_new (h);
  g_string_append (obj, "\r\n\r\n");
  g_string_append (obj, text);
  g_autoptr(CpmObject) o = cpm_object_parse_data (obj->str, obj->len, NULL, &error);
  g_assert_no_error (error);
  g_autoptr(CpmReport) r = cpm_validate (o, CPM_PROFILE_2_2);
  cpm_test_assert_rules (r, NULL, NULL);

  g_assert_null (cpm_session_info_xml_new ("group", NULL, NULL, &error));
  g_assert_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  g_assert_null (cpm_session_info_xml_new ("1-1", NULL, "sip:a@x", &error));
  g_assert_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  g_assert_null (cpm_session_info_xml_new ("1-1", "a b", NULL, &error));
  g_assert_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE);
}

int
main (int argc, char **argv)
{
  cpm_test_init (&argc, &argv);
  g_test_add_func ("/session/appendix-d", test_appendix_d);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *name = g_strdup_printf ("/session/fixture/%s", cases[i].file + 8);
    g_test_add_data_func (name, &cases[i], test_fixture);
  }
  g_test_add_func ("/session/lines", test_lines);
  g_test_add_func ("/session/content-type-forced", test_content_type_forced);
  g_test_add_func ("/session/history", test_session_history);
  g_test_add_func ("/session/xml-writer", test_xml_writer);
  return g_test_run ();
}
