/* Limits (CpmLimits, cpm-limits.h): every limit is settable through
 * cpm_limits_default(), and hitting it gives a diagnostic or error that
 * names it. Each test lowers one limit, feeds an ordinary input from
 * testdata/ that is over it, and restores the defaults.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"
#include "cpm-capture-private.h"

#include <string.h>

static CpmLimits saved;

static CpmLimits *
limits_begin (void)
{
  saved = *cpm_limits_default ();
  return cpm_limits_default ();
}

static void
limits_end (void)
{
  *cpm_limits_default () = saved;
}

/* The diagnostic of @rule in @report mentions @name. */
static void
assert_rule_names (const CpmReport *report, const char *rule, const char *name)
{
  for (guint i = 0; i < cpm_report_get_count (report); i++) {
    const CpmDiagnostic *d = cpm_report_get (report, i);
    if (strcmp (d->rule, rule) == 0) {
      if (!strstr (d->message, name))
        g_error ("%s: \"%s\" does not name %s", rule, d->message, name);
      return;
    }
  }
  cpm_test_dump_report (report);
  g_error ("no %s diagnostic", rule);
}

static void
assert_parse_limit (const char *path, const char *name)
{
  g_autoptr (GBytes) bytes = cpm_test_load (path);
  g_autoptr (GError) error = NULL;
  g_autoptr (CpmObject) o = cpm_object_parse (bytes, NULL, &error);

  g_assert_null (o);
  g_assert_error (error, CPM_ERROR, CPM_ERROR_LIMIT);
  g_assert_nonnull (strstr (error->message, name));
}

static void
test_object_size (void)
{
  limits_begin ()->max_object_size = 100;
  assert_parse_limit ("message/valid-standalone.eml", "max_object_size");
  limits_end ();
}

static void
test_header_line (void)
{
  limits_begin ()->max_header_line = 40;
  assert_parse_limit ("message/valid-standalone.eml", "max_header_line");
  limits_end ();
}

static void
test_headers (void)
{
  limits_begin ()->max_headers = 3;
  assert_parse_limit ("message/valid-standalone.eml", "max_headers");
  limits_end ();
}

static void
assert_validate_limit (const char *path, const char *rule, const char *name)
{
  g_autoptr (CpmObject) o = cpm_test_load_object (path);
  g_autoptr (CpmReport) report = cpm_validate (o, CPM_PROFILE_DEFAULT);

  assert_rule_names (report, rule, name);
}

static void
test_mime_depth (void)
{
  limits_begin ()->max_mime_depth = 1;
  assert_validate_limit ("media/valid-multipart.eml", "limit.mime-depth", "max_mime_depth");
  limits_end ();
}

static void
test_xml_depth (void)
{
  limits_begin ()->max_xml_depth = 1;
  assert_validate_limit ("gso/valid-minimal.eml", "limit.xml-depth", "max_xml_depth");
  limits_end ();
}

static void
test_xml_size (void)
{
  limits_begin ()->max_xml_size = 50;
  assert_validate_limit ("gso/valid-minimal.eml", "limit.xml-size", "max_xml_size");
  limits_end ();
}

static void
count_message (const CpmCaptureMessage *m, gpointer user_data)
{
  (*(guint *) user_data)++;
}

/* Reads a capture with the default limits (limits argument NULL). */
static CpmReport *
read_capture (const char *path, guint *n_messages)
{
  g_autoptr (GBytes) bytes = cpm_test_load (path);
  g_autoptr (GInputStream) in = g_memory_input_stream_new_from_bytes (bytes);
  CpmReport *report = cpm_report_new ();
  g_autoptr (GError) error = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  *n_messages = 0;
  g_assert_true (cpm_capture_read (in, path, cpm_capture_detect_format (data, len), NULL,
                                   count_message, n_messages, report, &error));
  g_assert_no_error (error);
  return report;
}

static void
test_tcp_flows (void)
{
  guint all, limited;
  g_autoptr (CpmReport) full = read_capture ("capture/group-chat.pcap", &all);
  g_autoptr (CpmReport) report = NULL;

  g_assert_false (cpm_report_has_rule (full, "capture.limit-flows"));
  limits_begin ()->max_tcp_flows = 1;
  report = read_capture ("capture/group-chat.pcap", &limited);
  limits_end ();
  assert_rule_names (report, "capture.limit-flows", "max_tcp_flows");
  g_assert_cmpuint (limited, <, all);
}

static void
test_reassembly (void)
{
  guint n;
  g_autoptr (CpmReport) full = read_capture ("capture/group-chat-shuffled.pcap", &n);
  g_autoptr (CpmReport) report = NULL;

  g_assert_false (cpm_report_has_rule (full, "capture.limit-bytes"));
  limits_begin ()->max_reassembly = 64;
  report = read_capture ("capture/group-chat-shuffled.pcap", &n);
  limits_end ();
  assert_rule_names (report, "capture.limit-bytes", "max_reassembly");
}

static CpmMsrpAssembled *
add_chunk (CpmMsrpAssembler *as, const char *range, const char *body, char flag)
{
  g_autofree char *text = g_strdup_printf (
    "MSRP t1 SEND\r\nTo-Path: msrp://b:2/bs;tcp\r\nFrom-Path: msrp://a:1/as;tcp\r\n"
    "Message-ID: m1\r\nByte-Range: %s\r\nContent-Type: text/plain\r\n\r\n%s\r\n-------t1%c\r\n",
    range, body, flag);
  CpmMsrpMessage *m = cpm_msrp_message_parse ((const guint8 *) text, strlen (text), NULL);
  CpmMsrpAssembled *a;

  g_assert_nonnull (m);
  a = cpm_msrp_assembler_add (as, m, "1", 0);
  cpm_msrp_message_free (m);
  return a;
}

static void
test_msrp_size (void)
{
  CpmMsrpAssembler *as;
  CpmMsrpAssembled *a;

  limits_begin ()->max_msrp_size = 8;
  as = cpm_msrp_assembler_new (0);
  limits_end ();
  g_assert_null (add_chunk (as, "1-5/20", "Hello", '+'));
  a = add_chunk (as, "6-10/20", "world", '+');
  g_assert_nonnull (a);
  g_assert_nonnull (a->problem);
  g_assert_nonnull (strstr (a->problem, "max_msrp_size"));
  cpm_msrp_assembled_free (a);
  cpm_msrp_assembler_free (as);
}

static void
test_defaults (void)
{
  const CpmLimits *l = cpm_limits_default ();

  g_assert_cmpuint (l->max_object_size, ==, 64 * 1024 * 1024);
  g_assert_cmpuint (l->max_tcp_flows, ==, 4096);
  g_assert_cmpuint (l->max_reassembly, ==, 64 * 1024 * 1024);
  g_assert_cmpuint (l->max_msrp_size, ==, 64 * 1024 * 1024);
}

int
main (int argc, char **argv)
{
  cpm_test_init (&argc, &argv);
  g_test_add_func ("/limits/defaults", test_defaults);
  g_test_add_func ("/limits/object-size", test_object_size);
  g_test_add_func ("/limits/header-line", test_header_line);
  g_test_add_func ("/limits/headers", test_headers);
  g_test_add_func ("/limits/mime-depth", test_mime_depth);
  g_test_add_func ("/limits/xml-depth", test_xml_depth);
  g_test_add_func ("/limits/xml-size", test_xml_size);
  g_test_add_func ("/limits/tcp-flows", test_tcp_flows);
  g_test_add_func ("/limits/reassembly", test_reassembly);
  g_test_add_func ("/limits/msrp-size", test_msrp_size);
  return g_test_run ();
}
