/* Tests of the object builder: built objects re-parse and validate clean.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"

#include <string.h>
#include "cpm-builder-private.h"

#define IMDN_ID "654131a654131a654131a654131a8994656"

static void
add_common (CpmBuilder *b)
{
  cpm_builder_set_header (b, "From", "John Doe <sip:jdoe@example.com>");
  cpm_builder_set_header (b, "To", "Alice <sip:alice@example.com>");
  cpm_builder_set_header (b, "Date", "Tue, 29 Apr 2014 09:48:23 -0800");
  cpm_builder_set_header (b, "Conversation-ID", "f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
  cpm_builder_set_header (b, "Contribution-ID", "abcdef-1234-5678-90ab-cdef01234567");
  cpm_builder_add_header (b, "Accept-Contact", "*;+g.oma.sip-im");
  cpm_builder_set_header (b, "IMDN-Message-ID", IMDN_ID);
}

static void
set_text (CpmBuilder *b, const char *text)
{
  g_autoptr(GBytes) content = g_bytes_new (text, strlen (text));
  cpm_builder_set_content (b, "text/plain", content);
}

static CpmBuilder *
builder_for (CpmKind kind)
{
  CpmBuilder *b = cpm_builder_new (kind);
  add_common (b);
  switch (kind) {
  case CPM_KIND_MESSAGE:
    cpm_builder_set_header (b, "P-Asserted-Service", "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.msg");
    cpm_builder_set_header (b, "Subject", "the weather will be fine today");
    set_text (b, "Here is the text of my message.");
    break;
  case CPM_KIND_CHAT:
    cpm_builder_set_header (b, "P-Asserted-Service",
                            "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session");
    set_text (b, "Hello from the chat.\n");
    break;
  case CPM_KIND_SMS:
    cpm_builder_set_header (b, "From", "+15145551234@phony.com");
    cpm_builder_set_header (b, "Message-Context", "pager-message");
    cpm_builder_set_header (b, "Message-Correlator", "Hi Bob, see you at 8");
    set_text (b, "Hi Bob, see you at 8");
    break;
  case CPM_KIND_MMS:
    cpm_builder_set_header (b, "Message-Context", "multimedia-message");
    cpm_builder_set_header (b, "Message-Correlator", "mms-20140429-0001");
    cpm_builder_set_header (b, "Cc", "Carol <sip:carol@example.com>");
    set_text (b, "A picture from the trip.");
    {
      static const guint8 png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13 };
      g_autoptr(GBytes) image = g_bytes_new_static (png, sizeof png);
      cpm_builder_add_part (b, "image/png", "pic1@example.com", "trip.png", image);
    }
    break;
  case CPM_KIND_IMDN: {
    const char *xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">\n"
      "  <message-id>34jk324j</message-id>\n"
      "  <datetime>2014-04-29T09:48:20Z</datetime>\n"
      "  <display-notification><status><displayed/></status></display-notification>\n"
      "</imdn>\n";
    g_autoptr(GBytes) content = g_bytes_new (xml, strlen (xml));
    cpm_builder_set_content (b, "message/imdn+xml", content);
    break;
  }
  default:
    g_assert_not_reached ();
  }
  return b;
}

static CpmObject *
reparse (CpmObject *built, GBytes **out_bytes)
{
  g_autoptr(GBytes) bytes = cpm_object_serialize (built);
  g_autoptr(GError) error = NULL;
  CpmObject *object = cpm_object_parse (bytes, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (object);
  if (out_bytes)
    *out_bytes = g_bytes_ref (bytes);
  return object;
}

static void
assert_crlf_only (GBytes *bytes)
{
  gsize len = 0;
  const char *d = g_bytes_get_data (bytes, &len);
  for (gsize i = 0; i < len; i++) {
    if (d[i] == '\n')
      g_assert_true (i > 0 && d[i - 1] == '\r');
    if (d[i] == '\r')
      g_assert_true (i + 1 < len && d[i + 1] == '\n');
  }
}

static void
test_kind_validates (gconstpointer data)
{
  CpmKind kind = GPOINTER_TO_INT (data);
  g_autoptr(CpmBuilder) b = builder_for (kind);
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) built = cpm_builder_build (b, &error);
  g_assert_no_error (error);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(CpmObject) object = reparse (built, &bytes);
  assert_crlf_only (bytes);
  g_assert_cmpstr (cpm_object_get_header (object, "MIME-Version"), ==, "1.0");
  g_assert_cmpstr (cpm_object_get_header (object, "Content-Type"), ==, "Message/CPIM");
  g_assert_cmpint (cpm_object_detect_kind (object), ==, kind);
  cpm_object_set_kind (object, kind);
  g_autoptr(CpmReport) report = cpm_validate (object, CPM_PROFILE_2_2);
  cpm_test_assert_rules (report, NULL, NULL);

  /* the CPIM wrapper carries From, To, DateTime and imdn.Message-ID */
  g_autoptr(CpmCpim) cpim = cpm_cpim_parse (cpm_object_get_body (object), NULL, 1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (cpm_cpim_get_header (cpim, "From"));
  g_assert_nonnull (cpm_cpim_get_header (cpim, "To"));
  g_assert_cmpstr (cpm_cpim_get_header (cpim, "DateTime"), ==, "2014-04-29T09:48:23-08:00");
  g_assert_cmpstr (cpm_cpim_get_ns_header (cpim, CPM_CPIM_NS_IMDN, "Message-ID"), ==, IMDN_ID);
}

/* The CPIM wrapper's address fields: one per address of the list (commas
 * outside quotes and angle brackets split it), each trimmed, in the CPIM
 * form; a single address with blanks around it is trimmed too. */
static void
test_cpim_address_fields (void)
{
  g_autoptr(CpmBuilder) b = builder_for (CPM_KIND_MMS);
  cpm_builder_set_header (b, "From", "  John Doe <sip:jdoe@example.com>\t");
  cpm_builder_set_header (b, "To", "Bob <sip:bob@example.com>, \"Doe, Jane\" <sip:jane@example.com>,"
                                   "  +15145551234@phony.com ,<sip:a,b@example.com>");
  cpm_builder_set_header (b, "Cc", "carol@example.com");
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) object = cpm_builder_build (b, &error);
  g_assert_no_error (error);
  g_autoptr(CpmCpim) cpim = cpm_cpim_parse (cpm_object_get_body (object), NULL, 1, &error);
  g_assert_no_error (error);
  static const char *const want[][2] = {
    { "From", "John Doe <sip:jdoe@example.com>" }, { "To", "Bob <sip:bob@example.com>" },
    { "To", "\"Doe, Jane\" <sip:jane@example.com>" }, { "To", "<tel:+15145551234>" },
    { "To", "<sip:a,b@example.com>" }, { "cc", "<sip:carol@example.com>" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (want); i++) {
    g_assert_cmpstr (cpm_cpim_get_header_name (cpim, i), ==, want[i][0]);
    g_assert_cmpstr (cpm_cpim_get_header_value (cpim, i), ==, want[i][1]);
  }
  g_assert_cmpstr (cpm_cpim_get_header_name (cpim, G_N_ELEMENTS (want)), ==, "DateTime");
}

static void
test_sms_address (void)
{
  g_autoptr(CpmBuilder) b = builder_for (CPM_KIND_SMS);
  g_autoptr(CpmObject) built = cpm_builder_build (b, NULL);
  g_autoptr(CpmObject) object = reparse (built, NULL);
  g_autoptr(CpmCpim) cpim = cpm_cpim_parse (cpm_object_get_body (object), NULL, 1, NULL);
  g_assert_cmpstr (cpm_cpim_get_header (cpim, "From"), ==, "<tel:+15145551234>");
  g_assert_cmpstr (cpm_cpim_get_content_type (cpim), ==, "text/plain; charset=utf-8");
}

static void
test_mms_parts (void)
{
  g_autoptr(CpmBuilder) b = builder_for (CPM_KIND_MMS);
  g_autoptr(CpmObject) built = cpm_builder_build (b, NULL);
  g_autoptr(CpmObject) object = reparse (built, NULL);
  g_autoptr(CpmCpim) cpim = cpm_cpim_parse (cpm_object_get_body (object), NULL, 1, NULL);
  g_assert_true (g_str_has_prefix (cpm_cpim_get_content_type (cpim), "multipart/mixed; boundary="));
  g_assert_cmpstr (cpm_cpim_get_header (cpim, "cc"), ==, "Carol <sip:carol@example.com>");
  GBytes *content = cpm_cpim_get_content (cpim);
  g_autofree char *text = g_strndup (g_bytes_get_data (content, NULL), g_bytes_get_size (content));
  g_assert_nonnull (strstr (text, "Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n"
                                  "Content-ID: <pic1@example.com>\r\n"
                                  "Content-Disposition: attachment; filename=\"trip.png\"\r\n\r\n"
                                  "iVBORw0KGgoAAAAN\r\n"));
}

static void
test_missing_mandatory (void)
{
  static const char *const fields[] = { "Accept-Contact", "Date", "IMDN-Message-ID", "From",
                                        "Conversation-ID", "P-Asserted-Service" };
  static const char *const sections[] = { "(5.2.1 Table 1, C.7)", "(5.2.1 Table 1)",
                                          "(5.2.1 Table 1, C.4)", "(5.2.1 Table 1)",
                                          "(5.2.1 Table 1, C.1)", "(5.2.1 Table 1, C.5)" };
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++) {
    g_autoptr(CpmBuilder) b = builder_for (CPM_KIND_MESSAGE);
    cpm_builder_set_header (b, fields[i], NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(CpmObject) object = cpm_builder_build (b, &error);
    g_assert_null (object);
    g_assert_error (error, CPM_ERROR, CPM_ERROR_MISSING_HEADER);
    g_autofree char *want = g_strdup_printf ("missing mandatory header %s %s", fields[i],
                                             sections[i]);
    g_assert_cmpstr (error->message, ==, want);
  }
  /* no P-Asserted-Service needed in SMS: its Table 1 status is n/a */
  g_autoptr(CpmBuilder) sms = builder_for (CPM_KIND_SMS);
  cpm_builder_set_header (sms, "Message-Context", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_null (cpm_builder_build (sms, &error));
  g_assert_error (error, CPM_ERROR, CPM_ERROR_MISSING_HEADER);
  g_assert_nonnull (strstr (error->message, "Message-Context"));
}

/* Every kind under every profile (and one past the last, which
 * set_profile also takes): an empty builder is refused for the first
 * mandatory registry row, in registry order, but for the body fields the
 * builder writes itself; a field not applicable is refused by name. The
 * expectations come from cpm_header_status() row by row. */
static void
test_status_by_profile (void)
{
  guint n_defs = 0;
  const CpmHeaderDef *defs = cpm_header_registry (&n_defs);
  for (guint kind = 0; kind < CPM_KIND_COUNT; kind++) {
    for (guint p = 0; p <= CPM_PROFILE_COUNT; p++) {
      const CpmHeaderDef *first = NULL;
      for (guint i = 0; i < n_defs && !first; i++)
        if (cpm_header_status (&defs[i], kind, p) == CPM_STATUS_MANDATORY &&
            g_ascii_strcasecmp (defs[i].name, "Content-Type") != 0 &&
            g_ascii_strcasecmp (defs[i].name, "MIME-Version") != 0 &&
            g_ascii_strcasecmp (defs[i].name, "Content-Transfer-Encoding") != 0)
          first = &defs[i];
      g_autoptr(CpmBuilder) empty = cpm_builder_new (kind);
      cpm_builder_set_profile (empty, p);
      g_autoptr(GError) error = NULL;
      g_autoptr(CpmObject) none = cpm_builder_build (empty, &error);
      g_assert_null (none);
      if (first) {
        g_autofree char *want = g_strdup_printf ("missing mandatory header %s (%s)", first->name,
                                                 first->section);
        g_assert_error (error, CPM_ERROR, CPM_ERROR_MISSING_HEADER);
        g_assert_cmpstr (error->message, ==, want);
      } else {
        /* nothing mandatory: the missing content is what is refused */
        g_assert_nonnull (error);
        g_assert_nonnull (strstr (error->message, "missing message body"));
      }
      for (guint i = 0; i < n_defs; i++) {
        if (cpm_header_status (&defs[i], kind, p) != CPM_STATUS_NOT_APPLICABLE)
          continue;
        g_autoptr(CpmBuilder) b = cpm_builder_new (kind);
        cpm_builder_set_profile (b, p);
        cpm_builder_set_header (b, defs[i].name, "x");
        g_autoptr(GError) na = NULL;
        g_autoptr(CpmObject) refused = cpm_builder_build (b, &na);
        g_autofree char *want = g_strdup_printf ("header %s is not applicable to %s objects (%s)",
                                                 defs[i].name, cpm_kind_to_string (kind),
                                                 defs[i].section);
        g_assert_null (refused);
        g_assert_error (na, CPM_ERROR, CPM_ERROR_INVALID_VALUE);
        g_assert_cmpstr (na->message, ==, want);
      }
    }
  }
}

/* One CPIM DateTime through cpm_date_from_cpim() and through the path it
 * stands for (g_date_time_new_from_iso8601 + cpm_date_format_to): the
 * same answer, the same instant and offset, the same Date text. */
static void
assert_date_from_cpim (const char *datetime)
{
  char got_text[CPM_DATE_FORMAT_SIZE] = "", want_text[CPM_DATE_FORMAT_SIZE] = "";
  g_autoptr(GDateTime) want = g_date_time_new_from_iso8601 (datetime, NULL);
  g_autoptr(GDateTime) got = cpm_date_from_cpim (datetime, got_text);

  if (!want) {
    if (got)
      g_error ("%s: read, GLib reads no date", datetime);
    g_assert_cmpstr (got_text, ==, "");
    return;
  }
  if (!got)
    g_error ("%s: not read, GLib reads one", datetime);
  cpm_date_format_to (want, want_text);
  g_assert_cmpstr (got_text, ==, want_text);
  g_assert_true (g_date_time_equal (got, want));
  g_assert_cmpint (g_date_time_get_utc_offset (got), ==, g_date_time_get_utc_offset (want));
  g_assert_cmpint (g_date_time_get_microsecond (got), ==, g_date_time_get_microsecond (want));
  /* the converter sets the text where it set the GDateTime: the object
   * (the DateTime of the CPIM wrapper the builder writes) is the same */
  g_autoptr(CpmBuilder) by_date = builder_for (CPM_KIND_CHAT);
  g_autoptr(CpmBuilder) by_text = builder_for (CPM_KIND_CHAT);
  cpm_builder_set_date (by_date, want);
  cpm_builder_set_header (by_text, "Date", got_text);
  g_autoptr(GError) a_error = NULL;
  g_autoptr(GError) b_error = NULL;
  g_autoptr(CpmObject) a = cpm_builder_build (by_date, &a_error);
  g_autoptr(CpmObject) b = cpm_builder_build (by_text, &b_error);
  if (!a) { /* a year before 1900: refused the same way */
    g_assert_nonnull (a_error);
    g_assert_error (b_error, a_error->domain, a_error->code);
    g_assert_cmpstr (b_error->message, ==, a_error->message);
    return;
  }
  g_assert_no_error (b_error);
  g_autoptr(GBytes) a_bytes = cpm_object_serialize (a);
  g_autoptr(GBytes) b_bytes = cpm_object_serialize (b);
  g_assert_true (g_bytes_equal (a_bytes, b_bytes));
}

static void
test_date_from_cpim (void)
{
  static const char *const cases[] = {
    "2024-05-01T12:00:07Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
    "2000-02-29T10:00:00Z", "1900-02-29T10:00:00Z", "2024-02-29T10:00:00Z",
    "2023-02-29T10:00:00Z", "2024-04-31T10:00:00Z", "2024-13-01T10:00:00Z",
    "2024-00-01T10:00:00Z", "2024-01-00T10:00:00Z", "0000-01-01T00:00:00Z",
    "2024-05-01T24:00:00Z", "2024-05-01T23:60:00Z", "2024-05-01T23:59:60Z",
    "2024-05-01t12:00:07z", "2024-05-01 12:00:07Z", "2024-05-01T12:00:07.250Z",
    "2024-05-01T12:00:07+02:00", "2024-05-01T12:00:07-05:30", "2024-05-01T12:00:07-00:00",
    "2024-05-01T12:00:07", "2024-05-01T12:00:07Z ", " 2024-05-01T12:00:07Z",
    "2024-05-01T12:00Z", "20240501T120007Z", "2024-5-01T12:00:07Z", "2024-05-01T12:00:0xZ",
    "", "Z", "2024-05-01T12:00:07Zjunk", "1582-10-10T00:00:00Z", "1970-01-01T00:00:00Z",
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_date_from_cpim (cases[i]);
  /* every day of a few centuries' worth of random dates, and fields out
   * of range at every position */
  GRand *rand = g_rand_new_with_seed (20261123);
  for (guint i = 0; i < 20000; i++) {
    char text[32];
    int y = g_rand_int_range (rand, 0, 10000), mo = g_rand_int_range (rand, 0, 14);
    int d = g_rand_int_range (rand, 0, 33), h = g_rand_int_range (rand, 0, 26);
    int mi = g_rand_int_range (rand, 0, 62), sec = g_rand_int_range (rand, 0, 62);
    if (i % 2) { /* mostly in range */
      mo = 1 + mo % 12;
      d = 1 + d % 28 + (i % 3 == 0 ? 3 : 0);
      h %= 24, mi %= 60, sec %= 60;
    }
    g_snprintf (text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi, sec);
    assert_date_from_cpim (text);
  }
  g_rand_free (rand);
}

/* The object (or the error) of a builder given @values field by field. */
static char *
built_text (CpmBuilder *b, const char *const *values)
{
  static const char *const names[] = { "From", "To", "Date", "IMDN-Message-ID", "Subject" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    cpm_builder_set_header (b, names[i], values[i]);
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) object = cpm_builder_build (b, &error);
  if (!object)
    return g_strdup_printf ("error %d: %s", error->code, error->message);
  g_autoptr(GBytes) bytes = cpm_object_serialize (object);
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

/* One builder reused for a run of objects (as the converter keeps one per
 * chat session) gives each the object or the error a new builder gives:
 * values set again in place (shorter, longer, equal, refused after
 * passing, passing after refused) are checked again exactly when they
 * changed. */
static void
test_reuse (void)
{
  static const char *const runs[][5] = {
    { "<sip:a@example.com>", "<sip:b@example.com>", "Tue, 29 Apr 2014 09:48:23 -0800", "id1", "hi" },
    { "<sip:b@example.com>", "<sip:a@example.com>", "Tue, 29 Apr 2014 09:48:24 -0800", "id2", "hi" },
    { "<sip:b@example.com>", "<sip:a@example.com>", "Tue, 29 Apr 2014 09:48:24 -0800", "id2", "hi" },
    { "<sip:bb@example.com>", "<sip:a@example.com>", "Wed, 30 Apr 2014 09:48:24 -0800", "x", "h\xc3\xa9" },
    { "<sip:bb@example.com>", "Anne <sip:a@example.com>", "Wed, 30 Apr 2014 09:48:24 -0800", "x", "hi" },
    { "<sip:b@example.com", "<sip:a@example.com>", "Tue, 29 Apr 2014 09:48:23 -0800", "id3", "hi" },
    { "<sip:b@example.com>", "<sip:a@example.com>", "Tue, 32 Apr 2014 09:48:23 -0800", "id3", "hi" },
    { "<sip:b@example.com>", "<sip:a@example.com>", "Tue, 29 Apr 2014 09:48:23 -0800", "id 3", "hi" },
    { "<sip:b@example.com>", "<sip:a@example.com>", "Tue, 29 Apr 2014 09:48:23 -0800", "id3", "a\tb" },
    { "<sip:b@example.com>", "<sip:a@example.com>", "Tue, 29 Apr 2014 09:48:23 -0800", "id3", "a\x01" "b" },
    { "<sip:b@example.com>", "<sip:a@example.com>", "Tue, 29 Apr 2014 09:48:23 -0800", "id3", "a\xff" },
    { "<sip:a@example.com>", "<sip:b@example.com>", "Tue, 29 Apr 2014 09:48:23 -0800", "id1", "hi" },
    { "J\xc3\xb6rg <sip:a@example.com>", "<sip:b@example.com>", "Tue, 29 Apr 2014 09:48:23 -0800", "id4", "hi" },
    { "<sip:a@example.com>", "<sip:b@example.com>", "Tue, 29 Apr 2014 09:48:23 -0800", "a-much-longer-imdn-message-id-than-before-0123456789", "hi" },
  };
  g_autoptr(CpmBuilder) kept = builder_for (CPM_KIND_MESSAGE);
  guint refused = 0;
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++) {
    g_autoptr(CpmBuilder) fresh = builder_for (CPM_KIND_MESSAGE);
    g_autofree char *want = built_text (fresh, runs[i]);
    g_autofree char *got = built_text (kept, runs[i]);
    g_assert_cmpstr (got, ==, want);
    refused += g_str_has_prefix (want, "error ");
  }
  g_assert_cmpuint (refused, ==, 5);
  /* content dropped and set again */
  cpm_builder_clear_content (kept);
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) none = cpm_builder_build (kept, &error);
  g_assert_null (none);
  g_assert_error (error, CPM_ERROR, CPM_ERROR_MISSING_HEADER);
  set_text (kept, "again");
  g_autoptr(CpmObject) again = cpm_builder_build (kept, NULL);
  g_assert_nonnull (again);
}

/* cpm_builder_set_known with a registry row is set_header with its name:
 * in place, appended, removed, and after add_header gave the row twice. */
static void
test_set_known (void)
{
  static const char *const names[] = { "From", "To", "Date", "Subject" };
  static const char *const values[][4] = {
    { "<sip:a@example.com>", "<sip:b@example.com>", "Tue, 29 Apr 2014 09:48:23 -0800", "one" },
    { NULL, "<sip:c@example.com>", "Wed, 30 Apr 2014 09:48:23 -0800", NULL },
    { "<sip:d@example.com>", NULL, NULL, "two" },
    { "<sip:a@example.com>", "<sip:b@example.com>", "Tue, 29 Apr 2014 09:48:23 -0800", "three" },
  };
  g_autoptr(CpmBuilder) by_name = builder_for (CPM_KIND_MESSAGE);
  g_autoptr(CpmBuilder) by_row = builder_for (CPM_KIND_MESSAGE);
  cpm_builder_add_header (by_name, "Subject", "again");
  cpm_builder_add_header (by_row, "Subject", "again");
  for (guint r = 0; r < G_N_ELEMENTS (values); r++) {
    for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
      cpm_builder_set_header (by_name, names[i], values[r][i]);
      cpm_builder_set_known (by_row, cpm_header_lookup (names[i], -1), values[r][i]);
    }
    g_autoptr(GError) e1 = NULL;
    g_autoptr(GError) e2 = NULL;
    g_autoptr(CpmObject) o1 = cpm_builder_build (by_name, &e1);
    g_autoptr(CpmObject) o2 = cpm_builder_build (by_row, &e2);
    if (!o1) {
      g_assert_nonnull (e1);
      g_assert_nonnull (e2);
      g_assert_cmpstr (e2->message, ==, e1->message);
      continue;
    }
    g_assert_no_error (e2);
    g_autoptr(GBytes) b1 = cpm_object_serialize (o1);
    g_autoptr(GBytes) b2 = cpm_object_serialize (o2);
    g_assert_true (g_bytes_equal (b1, b2));
  }
}

static void
test_generated (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(CpmBuilder) b = builder_for (CPM_KIND_CHAT);
  cpm_builder_set_header (b, "Date", NULL);
  cpm_builder_set_header (b, "IMDN-Message-ID", NULL);
  cpm_builder_set_generate (b, CPM_GENERATE_DATE | CPM_GENERATE_IMDN_MESSAGE_ID);
  for (guint i = 0; i < 1000; i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(CpmObject) built = cpm_builder_build (b, &error);
    g_assert_no_error (error);
    const char *id = cpm_object_get_header (built, "IMDN-Message-ID");
    g_assert_nonnull (id);
    g_assert_true (cpm_check_token (id, strlen (id), NULL));
    g_assert_false (g_hash_table_contains (seen, id));
    g_hash_table_add (seen, g_strdup (id));
    if (i > 0)
      continue;
    const char *date = cpm_object_get_header (built, "Date");
    g_autoptr(GDateTime) dt = cpm_date_parse (date, strlen (date));
    g_assert_nonnull (dt);
    g_autoptr(CpmObject) object = reparse (built, NULL);
    cpm_object_set_kind (object, CPM_KIND_CHAT);
    g_autoptr(CpmReport) report = cpm_validate (object, CPM_PROFILE_2_2);
    cpm_test_assert_rules (report, NULL, NULL);
    g_autoptr(CpmCpim) cpim = cpm_cpim_parse (cpm_object_get_body (object), NULL, 1, NULL);
    const char *dtv = cpm_cpim_get_header (cpim, "DateTime");
    g_assert_true (cpm_check_cpim_datetime (dtv, strlen (dtv), NULL));
    g_assert_cmpstr (cpm_cpim_get_ns_header (cpim, CPM_CPIM_NS_IMDN, "Message-ID"), ==, id);
  }
}

static void
test_set_date (void)
{
  g_autoptr(CpmBuilder) b = builder_for (CPM_KIND_CHAT);
  g_autoptr(GTimeZone) tz = g_time_zone_new_offset (-8 * 3600);
  g_autoptr(GDateTime) dt = g_date_time_new (tz, 2014, 4, 29, 9, 48, 23);
  cpm_builder_set_date (b, dt);
  g_autoptr(CpmObject) built = cpm_builder_build (b, NULL);
  g_assert_cmpstr (cpm_object_get_header (built, "Date"), ==, "Tue, 29 Apr 2014 09:48:23 -0800");
  g_assert_cmpuint (cpm_object_count_header (built, "Date"), ==, 1);
}

static gboolean
is_ascii (const char *s)
{
  for (; *s; s++)
    if ((guchar) *s >= 0x80)
      return FALSE;
  return TRUE;
}

/* The CPIM DateTime is the object Date in RFC 3339 form. */
static void
test_datetime_forms (void)
{
  static const char *const cases[][2] = {
    { "Tue, 29 Apr 2014 09:48:23 -0800", "2014-04-29T09:48:23-08:00" },
    { "29 Apr 2014 09:48:23 +0530", "2014-04-29T09:48:23+05:30" },
    { "Fri, 2 May 2014 23:00:00 +0000", "2014-05-02T23:00:00Z" },
    { "Fri, 2 May 2014 23:00:00 -0000", "2014-05-02T23:00:00-00:00" },
    { "Fri, 2 May 2014 23:00:00 GMT", "2014-05-02T23:00:00Z" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(CpmBuilder) b = builder_for (CPM_KIND_CHAT);
    cpm_builder_set_header (b, "Date", cases[i][0]);
    g_autoptr(GError) error = NULL;
    g_autoptr(CpmObject) built = cpm_builder_build (b, &error);
    g_assert_no_error (error);
    g_autoptr(CpmCpim) cpim = cpm_cpim_parse (cpm_object_get_body (built), NULL, 1, NULL);
    const char *dt = cpm_cpim_get_header (cpim, "DateTime");
    g_assert_cmpstr (dt, ==, cases[i][1]);
    g_assert_true (cpm_check_cpim_datetime (dt, strlen (dt), NULL));
  }
}

/* The builder tells the serializer which values it found ASCII text (for
 * the first 64 fields): a non-ASCII Subject at any place among them or
 * past them is still RFC 2047-encoded, the ASCII fields around it written
 * as given (a tab kept), whatever the fields before it. */
static void
test_ascii_values_marked (void)
{
  static const guint places[] = { 0, 1, 62, 63, 64, 65, 70 };
  const char *subject = "Grüße aus Köln";
  for (guint k = 0; k < G_N_ELEMENTS (places); k++) {
    g_autoptr(CpmBuilder) b = cpm_builder_new (CPM_KIND_MESSAGE);
    for (guint i = 0; i < places[k]; i++) {
      g_autofree char *name = g_strdup_printf ("X-Filler-%u", i);
      cpm_builder_add_header (b, name, i % 2 ? "value\twith a tab" : "Grüße");
    }
    cpm_builder_set_header (b, "Subject", subject);
    add_common (b);
    cpm_builder_set_header (b, "P-Asserted-Service", "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.msg");
    set_text (b, "text");
    g_autoptr(GError) error = NULL;
    g_autoptr(CpmObject) built = cpm_builder_build (b, &error);
    g_assert_no_error (error);
    g_autoptr(CpmObject) object = reparse (built, NULL);
    g_assert_true (is_ascii (cpm_object_get_header (object, "Subject")));
    g_autofree char *decoded = cpm_object_dup_header_decoded (object, "Subject");
    g_assert_cmpstr (decoded, ==, subject);
    g_assert_cmpstr (cpm_object_get_header (object, "Subject"), !=, subject);
    g_assert_cmpstr (cpm_object_get_header (object, "From"), ==, "John Doe <sip:jdoe@example.com>");
    g_assert_cmpstr (cpm_object_get_header (object, "Conversation-ID"), ==,
                     "f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
    for (guint i = 0; i < places[k]; i++) {
      g_autofree char *name = g_strdup_printf ("X-Filler-%u", i);
      const char *v = cpm_object_get_header (object, name);
      if (i % 2)
        g_assert_cmpstr (v, ==, "value\twith a tab");
      else
        g_assert_true (is_ascii (v) && strcmp (v, "Grüße") != 0);
    }
  }
}

/* A field the builder marked ASCII and the caller then replaces on the
 * object with non-ASCII text is encoded like any other: the mark goes with
 * the value it was given for. */
static void
test_ascii_mark_replaced (void)
{
  g_autoptr(CpmBuilder) b = cpm_builder_new (CPM_KIND_MESSAGE);
  add_common (b);
  cpm_builder_set_header (b, "Subject", "plain words");
  cpm_builder_set_header (b, "P-Asserted-Service", "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.msg");
  set_text (b, "text");
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) built = cpm_builder_build (b, &error);
  g_assert_no_error (error);
  cpm_object_set_header (built, "Subject", "Grüße aus Köln");
  cpm_object_set_header (built, "From", "Jöhn Doe <sip:jdoe@example.com>");
  g_autoptr(CpmObject) object = reparse (built, NULL);
  g_assert_true (is_ascii (cpm_object_get_header (object, "Subject")));
  g_assert_true (is_ascii (cpm_object_get_header (object, "From")));
  g_autofree char *subject = cpm_object_dup_header_decoded (object, "Subject");
  g_assert_cmpstr (subject, ==, "Grüße aus Köln");
  g_assert_cmpstr (cpm_object_get_header (object, "To"), ==, "Alice <sip:alice@example.com>");
}

/* set_header replaces the first field of its name (any case) where it
 * stands, under the name first given, and drops the others; NULL drops
 * every one; names the registry does not know compare the same way. Also
 * past the builder's own room: a field set 200 times with 100-byte values,
 * then 30 fields more. */
static void
test_set_header_order (void)
{
  g_autoptr(CpmBuilder) b = cpm_builder_new (CPM_KIND_MESSAGE);
  cpm_builder_add_header (b, "X-Extra", "one");
  add_common (b);
  cpm_builder_set_header (b, "P-Asserted-Service", "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.msg");
  cpm_builder_add_header (b, "x-extra", "two");
  cpm_builder_add_header (b, "Subject", "first");
  cpm_builder_add_header (b, "SUBJECT", "second");
  cpm_builder_set_header (b, "subject", "third");
  cpm_builder_set_header (b, "FROM", "Bob <sip:bob@example.com>");
  cpm_builder_set_header (b, "X-EXTRA", "three");
  cpm_builder_add_header (b, "X-Gone", "a");
  cpm_builder_add_header (b, "x-gone", "b");
  cpm_builder_set_header (b, "X-GONE", NULL);
  cpm_builder_set_header (b, "To", NULL);
  cpm_builder_set_header (b, "to", "Carol <sip:carol@example.com>");
  for (guint i = 0; i < 200; i++) {
    g_autofree char *v = g_strdup_printf ("%03u%097u", i, 0);
    cpm_builder_set_header (b, "X-Often", v);
  }
  for (guint i = 0; i < 30; i++) {
    g_autofree char *name = g_strdup_printf ("X-Many-%02u", i);
    g_autofree char *v = g_strdup_printf ("value %u", i);
    cpm_builder_add_header (b, name, v);
  }
  set_text (b, "text");
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) object = cpm_builder_build (b, &error);
  g_assert_no_error (error);
  static const char *const want[][2] = {
    { "X-Extra", "three" }, { "From", "Bob <sip:bob@example.com>" },
    { "Date", "Tue, 29 Apr 2014 09:48:23 -0800" },
    { "Conversation-ID", "f81d4fae-7dec-11d0-a765-00a0c91e6bf6" },
    { "Contribution-ID", "abcdef-1234-5678-90ab-cdef01234567" },
    { "Accept-Contact", "*;+g.oma.sip-im" }, { "IMDN-Message-ID", IMDN_ID },
    { "P-Asserted-Service", "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.msg" },
    { "Subject", "third" }, { "to", "Carol <sip:carol@example.com>" },
  };
  guint n = G_N_ELEMENTS (want);
  g_assert_cmpuint (cpm_object_get_n_headers (object), >=, n + 31);
  for (guint i = 0; i < n; i++) {
    g_assert_cmpstr (cpm_object_get_header_name (object, i), ==, want[i][0]);
    g_assert_cmpstr (cpm_object_get_header_value (object, i), ==, want[i][1]);
  }
  g_autofree char *often = g_strdup_printf ("%03u%097u", 199, 0);
  g_assert_cmpstr (cpm_object_get_header_name (object, n), ==, "X-Often");
  g_assert_cmpstr (cpm_object_get_header_value (object, n), ==, often);
  for (guint i = 0; i < 30; i++) {
    g_autofree char *name = g_strdup_printf ("X-Many-%02u", i);
    g_autofree char *v = g_strdup_printf ("value %u", i);
    g_assert_cmpstr (cpm_object_get_header_name (object, n + 1 + i), ==, name);
    g_assert_cmpstr (cpm_object_get_header_value (object, n + 1 + i), ==, v);
  }
  g_assert_cmpuint (cpm_object_count_header (object, "X-Gone"), ==, 0);
}

static void
test_non_ascii_subject (void)
{
  const char *subject = "Grüße aus Köln ✓ — 日本語";
  g_autoptr(CpmBuilder) b = builder_for (CPM_KIND_MESSAGE);
  cpm_builder_set_header (b, "Subject", subject);
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) built = cpm_builder_build (b, &error);
  g_assert_no_error (error);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(CpmObject) object = reparse (built, &bytes);
  const char *raw = cpm_object_get_header (object, "Subject");
  g_assert_true (is_ascii (raw));
  g_autofree char *decoded = cpm_object_dup_header_decoded (object, "Subject");
  g_assert_cmpstr (decoded, ==, subject);
  g_autoptr(CpmReport) report = cpm_validate (object, CPM_PROFILE_2_2);
  cpm_test_assert_rules (report, NULL, NULL);
}

/* A non-ASCII display name is RFC 2047-encoded in the object header and
 * written as UTF-8 in the CPIM header (RFC 3862 3.2), declared 8bit. */
static void
test_non_ascii_display_name (void)
{
  g_autoptr(CpmBuilder) b = builder_for (CPM_KIND_CHAT);
  cpm_builder_set_header (b, "From", "Jörg Müller <sip:joerg@example.com>");
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) built = cpm_builder_build (b, &error);
  g_assert_no_error (error);
  g_autoptr(CpmObject) object = reparse (built, NULL);
  g_assert_true (is_ascii (cpm_object_get_header (object, "From")));
  g_autofree char *from = cpm_object_dup_header_decoded (object, "From");
  g_assert_cmpstr (from, ==, "Jörg Müller <sip:joerg@example.com>");
  g_assert_cmpstr (cpm_object_get_header (object, "Content-Transfer-Encoding"), ==, "8bit");
  g_autoptr(CpmCpim) cpim = cpm_cpim_parse (cpm_object_get_body (object), NULL, 1, NULL);
  g_assert_cmpstr (cpm_cpim_get_header (cpim, "From"), ==, "Jörg Müller <sip:joerg@example.com>");
  cpm_object_set_kind (object, CPM_KIND_CHAT);
  g_autoptr(CpmReport) report = cpm_validate (object, CPM_PROFILE_2_2);
  cpm_test_assert_rules (report, NULL, NULL);
}

static void
test_long_header_folded (void)
{
  g_autoptr(GString) subject = g_string_new (NULL);
  while (subject->len < 2000)
    g_string_append (subject, subject->len ? " word" : "word");
  g_autoptr(CpmBuilder) b = builder_for (CPM_KIND_MESSAGE);
  cpm_builder_set_header (b, "Subject", subject->str);
  g_autoptr(CpmObject) built = cpm_builder_build (b, NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(CpmObject) object = reparse (built, &bytes);
  gsize len = 0, line = 0;
  const char *d = g_bytes_get_data (bytes, &len);
  for (gsize i = 0; i < len; i++) {
    line = d[i] == '\n' ? 0 : line + 1;
    g_assert_cmpuint (line, <, 998);
  }
  g_assert_cmpstr (cpm_object_get_header (object, "Subject"), ==, subject->str);
  g_autoptr(CpmReport) report = cpm_validate (object, CPM_PROFILE_2_2);
  cpm_test_assert_rules (report, NULL, NULL);
}

static void
test_invalid_values (void)
{
  struct { CpmKind kind; const char *name, *value, *needle; } cases[] = {
    { CPM_KIND_MESSAGE, "Conversation-ID", "has space", "Conversation-ID" },
    { CPM_KIND_MESSAGE, "Date", "yesterday", "Date" },
    { CPM_KIND_MESSAGE, "Accept-Contact", "not-a-contact", "Accept-Contact" },
    { CPM_KIND_CHAT, "Subject", "no subject in chat", "not applicable" },
    { CPM_KIND_MESSAGE, "Subject", "line\r\nInjected: yes", "control character" },
    { CPM_KIND_MESSAGE, "IMDN-Message-ID", "Grüße", "IMDN-Message-ID" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(CpmBuilder) b = builder_for (cases[i].kind);
    cpm_builder_set_header (b, cases[i].name, cases[i].value);
    g_autoptr(GError) error = NULL;
    g_autoptr(CpmObject) object = cpm_builder_build (b, &error);
    g_assert_null (object);
    g_assert_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE);
    g_assert_nonnull (strstr (error->message, cases[i].needle));
  }
  g_autoptr(CpmBuilder) b = builder_for (CPM_KIND_MESSAGE);
  cpm_builder_add_header (b, "Date", "Tue, 29 Apr 2014 09:48:24 -0800");
  g_autoptr(GError) error = NULL;
  g_assert_null (cpm_builder_build (b, &error));
  g_assert_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE);
}

/* Every ASCII byte at every place of a Subject of 18 bytes (the value
 * check reads eight bytes at a time, then the rest one by one): refused
 * are the controls but tab, and DEL. The built object, serialized and
 * read again, validates. */
static void
test_value_bytes (void)
{
  for (guint c = 1; c < 0x80; c++) {
    for (guint at = 0; at < 18; at++) {
      char value[19];
      memset (value, 'a', 18);
      value[18] = '\0';
      value[at] = (char) c;
      if (at == 0 || at == 17)
        continue; /* a blank at either end is trimmed or folded: elsewhere */
      gboolean refused = (c < 0x20 && c != '\t') || c == 0x7f;
      g_autoptr(CpmBuilder) b = builder_for (CPM_KIND_MESSAGE);
      cpm_builder_set_header (b, "Subject", value);
      g_autoptr(GError) error = NULL;
      g_autoptr(CpmObject) built = cpm_builder_build (b, &error);
      if (refused) {
        g_assert_null (built);
        g_assert_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE);
        continue;
      }
      g_assert_no_error (error);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(CpmObject) object = reparse (built, &bytes);
      cpm_object_set_kind (object, CPM_KIND_MESSAGE);
      g_autoptr(CpmReport) report = cpm_validate (object, CPM_PROFILE_2_2);
      cpm_test_assert_rules (report, NULL, NULL);
    }
  }
}

/* Passes are remembered per thread (cpm_check_cached): a value of the
 * same length and checker as one that passed just before must still be
 * checked, and a refused value must not pass the next time. */
static void
test_checked_values_remembered (void)
{
  const char *values[] = { "abc-123", "abc 123", "abc-123", "abc 123" };
  for (guint round = 0; round < 2; round++) {
    for (guint i = 0; i < G_N_ELEMENTS (values); i++) {
      g_autoptr(CpmBuilder) b = builder_for (CPM_KIND_MESSAGE);
      cpm_builder_set_header (b, "Conversation-ID", values[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(CpmObject) object = cpm_builder_build (b, &error);
      if (i % 2 == 0) {
        g_assert_no_error (error);
        g_autoptr(CpmReport) report = cpm_validate (object, CPM_PROFILE_2_2);
        cpm_test_assert_rules (report, NULL, NULL);
      } else {
        g_assert_null (object);
        g_assert_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE);
      }
    }
  }
  /* the validator after the builder passed "abc-123": an object read with
   * "abc 123" is still reported */
  g_autoptr(CpmBuilder) b = builder_for (CPM_KIND_MESSAGE);
  cpm_builder_set_header (b, "Conversation-ID", "abc-123");
  g_autoptr(CpmObject) built = cpm_builder_build (b, NULL);
  g_assert_nonnull (built);
  cpm_object_set_header (built, "Conversation-ID", "abc 123");
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(CpmObject) object = reparse (built, &bytes);
  cpm_object_set_kind (object, CPM_KIND_MESSAGE);
  g_autoptr(CpmReport) report = cpm_validate (object, CPM_PROFILE_2_2);
  g_assert_true (cpm_report_has_rule (report, "conversation-id.syntax"));
}

/* The remembered passes are a table indexed by a hash: 2,000 values,
 * valid and refused, for far fewer slots, so slots are shared; a value
 * that differs from a remembered one in a single byte, anywhere, is
 * checked again and refused. */
static void
test_checked_values_table (void)
{
  for (guint round = 0; round < 2; round++) {
    for (guint i = 0; i < 2000; i++) {
      g_autofree char *good = g_strdup_printf ("conv-%04u-0123456789abcdef", i);
      g_autofree char *bad = g_strdup (good);
      bad[(i * 7) % strlen (bad)] = ' ';
      g_autoptr(CpmBuilder) b = builder_for (CPM_KIND_MESSAGE);
      cpm_builder_set_header (b, "Conversation-ID", good);
      g_autoptr(CpmObject) object = cpm_builder_build (b, NULL);
      g_assert_nonnull (object);
      cpm_builder_set_header (b, "Conversation-ID", bad);
      g_autoptr(GError) error = NULL;
      g_assert_null (cpm_builder_build (b, &error));
      g_assert_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE);
    }
  }
}

/* Ready-made multipart content is never transfer-encoded (RFC 2045 6.4):
 * its line ends become CRLF and 8-bit text is declared 8bit. */
static void
test_composite_content (void)
{
  const char *mp = "--b1\nContent-Type: text/plain; charset=utf-8\n\nGrüße\n"
                   "--b1\nContent-Type: text/html\n\n<p>hi</p>\n--b1--\n";
  g_autoptr(CpmBuilder) b = builder_for (CPM_KIND_MESSAGE);
  g_autoptr(GBytes) content = g_bytes_new_static (mp, strlen (mp));
  cpm_builder_set_content (b, "multipart/alternative; boundary=b1", content);
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) built = cpm_builder_build (b, &error);
  g_assert_no_error (error);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(CpmObject) object = reparse (built, &bytes);
  assert_crlf_only (bytes);
  g_autoptr(CpmCpim) cpim = cpm_cpim_parse (cpm_object_get_body (object), NULL, 1, NULL);
  g_assert_cmpstr (cpm_cpim_get_content_header (cpim, "Content-Transfer-Encoding"), ==, "8bit");
  cpm_object_set_kind (object, CPM_KIND_MESSAGE);
  g_autoptr(CpmReport) report = cpm_validate (object, CPM_PROFILE_2_2);
  cpm_test_assert_rules (report, NULL, NULL);

  static const char nul[] = "--b1\r\nContent-Type: image/png\r\n\r\n\0\r\n--b1--\r\n";
  g_autoptr(GBytes) binary = g_bytes_new_static (nul, sizeof nul - 1);
  cpm_builder_set_content (b, "multipart/mixed; boundary=b1", binary);
  g_clear_error (&error);
  g_assert_null (cpm_builder_build (b, &error));
  g_assert_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE);
}

/* Values that would break out of their header field are refused. */
static void
test_injection (void)
{
  struct { const char *type, *id, *filename; } cases[] = {
    { "image/png\r\nX-Injected: yes", NULL, NULL },
    { "image/png", "a@b>\r\nX-Injected: yes", NULL },
    { "image/png", "a b@c", NULL },
    { "image/png", NULL, "x\"\r\nX-Injected: yes" },
    { "image/png", NULL, "Grüße.png" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(CpmBuilder) b = builder_for (CPM_KIND_MESSAGE);
    g_autoptr(GBytes) data = g_bytes_new_static ("x", 1);
    cpm_builder_add_part (b, cases[i].type, cases[i].id, cases[i].filename, data);
    g_autoptr(GError) error = NULL;
    g_autoptr(CpmObject) object = cpm_builder_build (b, &error);
    g_assert_null (object);
    g_assert_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE);
  }
}

/* 8-bit text goes quoted-printable inside the CPIM wrapper and decodes back
 * to the same characters (line ends in canonical CRLF form). */
static void
test_eight_bit_content (void)
{
  const char *text = "Schöne Grüße aus Köln, wir sehen uns morgen am Bahnhof.\nBis dann!\n";
  g_autoptr(CpmBuilder) b = builder_for (CPM_KIND_CHAT);
  set_text (b, text);
  g_autoptr(CpmObject) built = cpm_builder_build (b, NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(CpmObject) object = reparse (built, &bytes);
  gsize len = 0;
  const guint8 *d = g_bytes_get_data (bytes, &len);
  for (gsize i = 0; i < len; i++)
    g_assert_cmpuint (d[i], <, 0x80);
  g_autoptr(CpmCpim) cpim = cpm_cpim_parse (cpm_object_get_body (object), NULL, 1, NULL);
  g_assert_cmpstr (cpm_cpim_get_content_header (cpim, "Content-Transfer-Encoding"), ==,
                   "quoted-printable");
  g_autoptr(GBytes) decoded = cpm_cpim_dup_content_decoded (cpim, NULL);
  const char *want = "Schöne Grüße aus Köln, wir sehen uns morgen am Bahnhof.\r\nBis dann!\r\n";
  g_assert_cmpmem (g_bytes_get_data (decoded, NULL), g_bytes_get_size (decoded), want,
                   strlen (want));
}

static const char ft_xml[] =
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
  "<file-transfer>\n"
  "<file-transfer-type>1-1</file-transfer-type>\n"
  "<sdp>\n"
  "    a=file-selector:name:\"My picture.jpg\" type:image/jpeg size:4\n"
  "</sdp>\n"
  "<file-object>\n"
  "    <cid>cid:1234@example.com</cid>\n"
  "</file-object>\n"
  "</file-transfer>\n";

static CpmObject *
build_ft (const char *xml)
{
  g_autoptr(CpmBuilder) b = cpm_builder_new (CPM_KIND_FILE_TRANSFER);
  add_common (b);
  cpm_builder_set_header (b, "P-Asserted-Service",
                          "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.filetransfer");
  g_autoptr(GBytes) root = g_bytes_new (xml, strlen (xml));
  cpm_builder_set_content (b, "Application/X-CPM-File-Transfer", root);
  static const guint8 jpeg[] = { 0xff, 0xd8, 0xff, 0xd9 };
  g_autoptr(GBytes) file = g_bytes_new_static (jpeg, sizeof jpeg);
  cpm_builder_add_part (b, "image/jpeg", "1234@example.com", NULL, file);
  g_autoptr(GError) error = NULL;
  CpmObject *object = cpm_builder_build (b, &error);
  g_assert_no_error (error);
  return object;
}

static void
test_file_transfer (void)
{
  g_autoptr(CpmObject) built = build_ft (ft_xml);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(CpmObject) object = reparse (built, &bytes);
  g_assert_cmpstr (cpm_object_get_header (object, "Content-Type"), ==,
                   "multipart/related;boundary=cpm;type=\"Application/X-CPM-File-Transfer\"");
  g_assert_cmpint (cpm_object_detect_kind (object), ==, CPM_KIND_FILE_TRANSFER);
  GBytes *body = cpm_object_get_body (object);
  g_autofree char *text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_true (g_str_has_prefix (text, "--cpm\r\nContent-Type: Application/X-CPM-File-Transfer\r\n\r\n"
                                         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"));
  g_assert_nonnull (strstr (text, "\r\n--cpm\r\nContent-Type: image/jpeg\r\n"
                                  "Content-Transfer-Encoding: base64\r\n"
                                  "Content-ID: <1234@example.com>\r\n\r\n/9j/2Q==\r\n--cpm--\r\n"));
}

/* "--cpm" inside the data forces another boundary that is nowhere in it. */
static void
test_file_transfer_boundary_clash (void)
{
  g_autofree char *xml = g_strconcat (ft_xml, "<!-- --cpm is a delimiter -->\n", NULL);
  g_autoptr(CpmObject) object = build_ft (xml);
  const char *ct = cpm_object_get_header (object, "Content-Type");
  g_assert_false (g_str_has_prefix (ct, "multipart/related;boundary=cpm;"));
  g_assert_true (g_str_has_prefix (ct, "multipart/related;boundary=cpm-"));
  g_assert_true (g_str_has_suffix (ct, ";type=\"Application/X-CPM-File-Transfer\""));
  const char *b = ct + strlen ("multipart/related;boundary=");
  g_autofree char *boundary = g_strndup (b, strcspn (b, ";"));
  g_autofree char *delim = g_strconcat ("--", boundary, NULL);
  GBytes *body = cpm_object_get_body (object);
  g_autofree char *text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_nonnull (strstr (text, "<!-- --cpm is a delimiter -->"));
  /* the delimiter occurs exactly at the three part starts and the end */
  guint n = 0;
  for (const char *p = text; (p = strstr (p, delim)); p += strlen (delim))
    n++;
  g_assert_cmpuint (n, ==, 3);
}

/* An explicit CPIM wrapper is used as is; its imdn.Message-ID fills in
 * IMDN-Message-ID (Table 1). */
static void
test_explicit_cpim (void)
{
  g_autoptr(GBytes) body = cpm_test_load ("cpim/valid-text-plain.cpim");
  g_autoptr(CpmCpim) cpim = cpm_cpim_parse (body, NULL, 1, NULL);
  g_autoptr(CpmBuilder) b = builder_for (CPM_KIND_MESSAGE);
  cpm_builder_set_header (b, "IMDN-Message-ID", NULL);
  cpm_builder_set_cpim (b, cpim);
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) built = cpm_builder_build (b, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cpm_object_get_header (built, "IMDN-Message-ID"), ==, IMDN_ID);
  cpm_test_assert_bytes_equal (cpm_object_get_body (built), body);

  cpm_builder_set_header (b, "IMDN-Message-ID", "other-id");
  g_clear_pointer (&built, cpm_object_unref);
  built = cpm_builder_build (b, &error);
  g_assert_null (built);
  g_assert_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE);
}

/* Generating IMDN-Message-ID must not touch a stand-alone media object
 * (5.2.5: the CPM fields are not applicable; the field would also turn it
 * into a message object on re-parse). */
static void
test_media_no_imdn_id (void)
{
  g_autoptr(CpmBuilder) b = cpm_builder_new (CPM_KIND_MEDIA);
  cpm_builder_set_header (b, "From", "<sip:alice@example.com>");
  cpm_builder_set_generate (b, CPM_GENERATE_IMDN_MESSAGE_ID | CPM_GENERATE_DATE);
  g_autoptr(GBytes) png = cpm_test_load ("build/photo.png");
  cpm_builder_set_content (b, "image/png", png);
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) o = cpm_builder_build (b, &error);
  g_assert_no_error (error);
  g_assert_null (cpm_object_get_header (o, "IMDN-Message-ID"));
  g_autoptr(GBytes) bytes = cpm_object_serialize (o);
  g_autoptr(CpmObject) back = cpm_object_parse (bytes, NULL, &error);
  g_assert_cmpint (cpm_object_get_kind (back), ==, CPM_KIND_MEDIA);
  g_autoptr(CpmReport) r = cpm_validate (back, CPM_PROFILE_2_2);
  cpm_test_assert_clean (r);
}

int
main (int argc, char **argv)
{
  cpm_test_init (&argc, &argv);
  g_test_add_data_func ("/builder/validates/message", GINT_TO_POINTER (CPM_KIND_MESSAGE),
                        test_kind_validates);
  g_test_add_data_func ("/builder/validates/chat", GINT_TO_POINTER (CPM_KIND_CHAT),
                        test_kind_validates);
  g_test_add_data_func ("/builder/validates/imdn", GINT_TO_POINTER (CPM_KIND_IMDN),
                        test_kind_validates);
  g_test_add_data_func ("/builder/validates/sms", GINT_TO_POINTER (CPM_KIND_SMS),
                        test_kind_validates);
  g_test_add_data_func ("/builder/validates/mms", GINT_TO_POINTER (CPM_KIND_MMS),
                        test_kind_validates);
  g_test_add_func ("/builder/cpim-address-fields", test_cpim_address_fields);
  g_test_add_func ("/builder/sms-address", test_sms_address);
  g_test_add_func ("/builder/mms-parts", test_mms_parts);
  g_test_add_func ("/builder/missing-mandatory", test_missing_mandatory);
  g_test_add_func ("/builder/generated", test_generated);
  g_test_add_func ("/builder/checked-values-remembered", test_checked_values_remembered);
  g_test_add_func ("/builder/checked-values-table", test_checked_values_table);
  g_test_add_func ("/builder/set-date", test_set_date);
  g_test_add_func ("/builder/datetime-forms", test_datetime_forms);
  g_test_add_func ("/builder/non-ascii-subject", test_non_ascii_subject);
  g_test_add_func ("/builder/ascii-values-marked", test_ascii_values_marked);
  g_test_add_func ("/builder/ascii-mark-replaced", test_ascii_mark_replaced);
  g_test_add_func ("/builder/set-header-order", test_set_header_order);
  g_test_add_func ("/builder/non-ascii-display-name", test_non_ascii_display_name);
  g_test_add_func ("/builder/long-header-folded", test_long_header_folded);
  g_test_add_func ("/builder/invalid-values", test_invalid_values);
  g_test_add_func ("/builder/value-bytes", test_value_bytes);
  g_test_add_func ("/builder/eight-bit-content", test_eight_bit_content);
  g_test_add_func ("/builder/injection", test_injection);
  g_test_add_func ("/builder/composite-content", test_composite_content);
  g_test_add_func ("/builder/file-transfer", test_file_transfer);
  g_test_add_func ("/builder/file-transfer-boundary-clash", test_file_transfer_boundary_clash);
  g_test_add_func ("/builder/explicit-cpim", test_explicit_cpim);
  g_test_add_func ("/builder/media-generates-no-imdn-id", test_media_no_imdn_id);
  g_test_add_func ("/builder/status-by-profile", test_status_by_profile);
  g_test_add_func ("/builder/date-from-cpim", test_date_from_cpim);
  g_test_add_func ("/builder/reuse", test_reuse);
  g_test_add_func ("/builder/set-known", test_set_known);
  return g_test_run ();
}
