/* Tests of the REST binding: objects as OMA NMS JSON objects and back.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"

#include <string.h>

static const char *const kinds[] = {
  "message", "chat", "imdn", "sms", "mms", "file-transfer", "session-info",
  "group-state", "conference-info", "media", NULL,
};

static json_object *
load_json (const char *relative)
{
  g_autoptr(GBytes) bytes = cpm_test_load (relative);
  g_autoptr(GError) error = NULL;
  json_object *json = cpm_nms_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  return json;
}

static json_object *
inner (json_object *json)
{
  return json_object_object_get (json, "object");
}

static json_object *
attribute (json_object *json, const char *name)
{
  json_object *list = json_object_object_get (json_object_object_get (inner (json), "attributes"),
                                              "attribute");
  for (size_t i = 0; i < json_object_array_length (list); i++) {
    json_object *a = json_object_array_get_idx (list, i);
    if (g_str_equal (json_object_get_string (json_object_object_get (a, "name")), name))
      return json_object_object_get (a, "value");
  }
  return NULL;
}

static void
remove_attribute (json_object *json, const char *name)
{
  json_object *list = json_object_object_get (json_object_object_get (inner (json), "attributes"),
                                              "attribute");
  for (size_t i = 0; i < json_object_array_length (list); i++) {
    json_object *a = json_object_array_get_idx (list, i);
    if (g_str_equal (json_object_get_string (json_object_object_get (a, "name")), name)) {
      json_object_array_del_idx (list, i, 1);
      return;
    }
  }
  g_assert_not_reached ();
}

/* Through a JSON string, as a peer would see it. */
static CpmObject *
round_trip (const CpmObject *obj, const CpmNmsOptions *opt, CpmReport *report)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = cpm_nms_to_string (obj, opt, &error);
  g_assert_no_error (error);
  json_object *json = cpm_nms_parse (text, strlen (text), &error);
  g_assert_no_error (error);
  CpmObject *back = cpm_nms_to_object (json, report, &error);
  g_assert_no_error (error);
  json_object_put (json);
  return back;
}

/* CPM -> NMS -> CPM keeps every byte of every fixture, and the committed
 * NMS JSON maps to the matching MIME object. */
static void
test_round_trip_every_kind (void)
{
  for (guint i = 0; kinds[i]; i++) {
    g_autofree char *eml = g_strdup_printf ("nms/%s.eml", kinds[i]);
    g_autofree char *js = g_strdup_printf ("nms/%s.json", kinds[i]);
    g_autoptr(GBytes) want = cpm_test_load (eml);
    g_autoptr(CpmObject) obj = cpm_test_load_object (eml);
    g_autoptr(CpmReport) report = cpm_report_new ();
    g_autoptr(CpmObject) back = round_trip (obj, NULL, report);
    g_autoptr(GBytes) got = cpm_object_serialize (back);
    cpm_test_assert_bytes_equal (got, want);
    cpm_test_assert_rules (report, NULL, NULL);
    g_assert_cmpint (cpm_object_get_kind (back), ==, cpm_object_get_kind (obj));

    json_object *json = load_json (js);
    g_autoptr(CpmReport) nms_report = cpm_nms_validate (json, CPM_PROFILE_2_2);
    cpm_test_assert_rules (nms_report, NULL, NULL);
    g_autoptr(CpmObject) from_json = cpm_nms_to_object (json, NULL, NULL);
    g_autoptr(GBytes) got2 = cpm_object_serialize (from_json);
    cpm_test_assert_bytes_equal (got2, want);
    json_object_put (json);
  }
}

static void
assert_same_headers (const CpmObject *a, const CpmObject *b)
{
  g_assert_cmpuint (cpm_object_get_n_headers (a), ==, cpm_object_get_n_headers (b));
  for (guint i = 0; i < cpm_object_get_n_headers (a); i++) {
    g_assert_cmpstr (cpm_object_get_header_name (a, i), ==, cpm_object_get_header_name (b, i));
    g_assert_cmpstr (cpm_object_get_header_value (a, i), ==, cpm_object_get_header_value (b, i));
  }
  g_assert_true (g_bytes_equal (cpm_object_get_body (a), cpm_object_get_body (b)));
}

/* Without the header-block extension (what a plain NMS server returns) the
 * attributes alone give back every header (name, order, value) and every
 * payload byte, and the object still validates. */
static void
test_attributes_alone (void)
{
  for (guint i = 0; kinds[i]; i++) {
    g_autofree char *eml = g_strdup_printf ("nms/%s.eml", kinds[i]);
    g_autoptr(CpmObject) obj = cpm_test_load_object (eml);
    json_object *json = cpm_nms_from_object (obj, NULL, NULL);
    remove_attribute (json, CPM_NMS_HEADER_BLOCK_ATTRIBUTE);
    g_autoptr(CpmReport) report = cpm_report_new ();
    g_autoptr(CpmObject) back = cpm_nms_to_object (json, report, NULL);
    cpm_test_assert_rules (report, NULL, NULL);
    assert_same_headers (obj, back);
    g_autoptr(CpmReport) v = cpm_validate (back, CPM_PROFILE_2_2);
    cpm_test_assert_rules (v, NULL, NULL);
    json_object_put (json);
  }
}

/* seed 004 5.3.2: the NMS form of a File Transfer History object says
 * Message-Context "file-message"; the IMAP form has none (Table 2). */
static void
test_file_message_context (void)
{
  g_autoptr(CpmObject) ft = cpm_test_load_object ("nms/file-transfer.eml");
  g_assert_null (cpm_object_get_header (ft, "Message-Context"));
  json_object *json = cpm_nms_from_object (ft, NULL, NULL);
  json_object *mc = attribute (json, "Message-Context");
  g_assert_nonnull (mc);
  g_assert_cmpuint (json_object_array_length (mc), ==, 1);
  g_assert_cmpstr (json_object_get_string (json_object_array_get_idx (mc, 0)), ==, "file-message");
  json_object_put (json);

  json_object *server = load_json ("nms/server-file-transfer.json");
  g_autoptr(CpmObject) back = cpm_nms_to_object (server, NULL, NULL);
  g_assert_cmpint (cpm_object_get_kind (back), ==, CPM_KIND_FILE_TRANSFER);
  g_assert_null (cpm_object_get_header (back, "Message-Context"));
  json_object_put (server);

  /* Other kinds get no Message-Context they do not have. */
  g_autoptr(CpmObject) chat = cpm_test_load_object ("nms/chat.eml");
  json_object *cj = cpm_nms_from_object (chat, NULL, NULL);
  g_assert_null (attribute (cj, "Message-Context"));
  json_object_put (cj);
}

static void
test_flags_and_folder (void)
{
  g_autoptr(CpmObject) obj = cpm_test_load_object ("nms/chat.eml");
  const char *flags[] = { "\\Seen", "$Forwarded", "\\read-report-sent", "Archived", NULL };
  CpmNmsOptions opt = { .folder_path = "/Default/conv", .flags = flags };
  json_object *json = cpm_nms_from_object (obj, &opt, NULL);
  g_auto(GStrv) got = cpm_nms_dup_flags (json);
  g_assert_true (g_strv_equal ((const char *const *) got, flags));
  g_assert_cmpstr (cpm_nms_get_folder_path (json), ==, "/Default/conv");
  for (guint i = 0; flags[i]; i++)
    g_assert_true (cpm_nms_flag_is_known (flags[i]));
  g_assert_false (cpm_nms_flag_is_known ("\\Important"));
  g_autoptr(CpmReport) r = cpm_nms_validate (json, CPM_PROFILE_2_2);
  cpm_test_assert_rules (r, NULL, NULL);
  json_object_put (json);

  const char *bad[] = { "has space", NULL };
  CpmNmsOptions bad_opt = { .flags = bad };
  g_autoptr(GError) error = NULL;
  g_assert_null (cpm_nms_from_object (obj, &bad_opt, &error));
  g_assert_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE);
}

/* The committed fixture has Archived in its flag list. */
static void
test_archived_fixture (void)
{
  json_object *json = load_json ("nms/chat.json");
  g_auto(GStrv) flags = cpm_nms_dup_flags (json);
  g_assert_true (g_strv_contains ((const char *const *) flags, "Archived"));
  json_object_put (json);
}

static void
test_date_attribute (void)
{
  json_object *json = load_json ("nms/message.json");
  json_object *date = attribute (json, "Date");
  g_assert_cmpstr (json_object_get_string (json_object_array_get_idx (date, 0)), ==,
                   "2014-04-29T09:46:50-08:00");
  json_object_put (json);
}

/* Missing mandatory headers: the NMS form is reported with exactly the rule
 * ids of the IMAP form (one rule set, two bindings). */
static const struct {
  const char *json;
  const char *eml;
  const char *header;
  const char *rule;
} missing[] = {
  { "nms/invalid-from-missing.json", "nms/message.eml", "From", "from.missing" },
  { "nms/invalid-conversation-id-missing.json", "nms/chat.eml", "Conversation-ID",
    "conversation-id.missing" },
  { "nms/invalid-imdn-message-id-missing.json", "nms/session-info.eml", "IMDN-Message-ID",
    "imdn-message-id.missing" },
};

static void
test_missing_same_rule_as_imap (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (missing); i++) {
    g_autoptr(CpmObject) imap = cpm_test_load_object (missing[i].eml);
    g_assert_cmpuint (cpm_object_remove_header (imap, missing[i].header), ==, 1);
    g_autoptr(CpmReport) imap_report = cpm_validate (imap, CPM_PROFILE_2_2);
    json_object *json = load_json (missing[i].json);
    g_autoptr(CpmReport) nms_report = cpm_nms_validate (json, CPM_PROFILE_2_2);
    json_object_put (json);
    cpm_test_assert_rules (imap_report, missing[i].rule, NULL);
    cpm_test_assert_rules (nms_report, missing[i].rule, NULL);
  }
}

static const struct {
  const char *file;
  const char *rules[3];
} invalid[] = {
  { "nms/invalid-nms-unknown-attribute.json", { "nms.unknown-attribute" } },
  { "nms/invalid-nms-unknown-flag.json", { "nms.unknown-flag" } },
  { "nms/invalid-nms-message-context.json", { "nms.message-context" } },
  { "nms/invalid-nms-payload-size.json", { "nms.payload-size" } },
  { "nms/invalid-nms-payload-content.json", { "nms.payload-content", "body.missing" } },
  { "nms/invalid-nms-payload-parts.json", { "nms.payload-parts" } },
  { "nms/invalid-nms-payload-reference.json", { "nms.payload-reference", "body.missing" } },
  { "nms/invalid-nms-header-block.json", { "nms.header-block" } },
  { "nms/invalid-nms-correlation-id.json", { "nms.correlation-id" } },
  { "nms/invalid-nms-not-an-object.json", { "nms.json" } },
};

/* Every rule a fixture breaks is in the catalogue, and every nms.* rule
 * of the catalogue has a fixture. */
static void
test_rule_catalogue (void)
{
  guint n = 0;
  const CpmRuleInfo *rules = cpm_nms_rules (&n);
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (invalid) + 1);
  for (guint i = 0; i < n; i++) {
    gboolean found = g_str_equal (rules[i].rule, "limit.nms"); /* test_limits */
    for (guint j = 0; j < G_N_ELEMENTS (invalid); j++)
      found = found || g_str_equal (invalid[j].rules[0], rules[i].rule);
    g_assert_true (found);
    g_assert_cmpstr (rules[i].section, !=, "");
  }
}

static void
test_invalid_fixtures (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++) {
    json_object *json = load_json (invalid[i].file);
    g_autoptr(CpmReport) r = cpm_nms_validate (json, CPM_PROFILE_2_2);
    g_test_message ("%s", invalid[i].file);
    cpm_test_assert_rules (r, invalid[i].rules[0], invalid[i].rules[1], invalid[i].rules[2], NULL);
    json_object_put (json);
  }
}

/* Attributes win over a header block that disagrees with them. */
static void
test_header_block_loses (void)
{
  json_object *json = load_json ("nms/invalid-nms-header-block.json");
  g_autoptr(CpmObject) obj = cpm_nms_to_object (json, NULL, NULL);
  g_assert_cmpstr (cpm_object_get_header (obj, "Subject"), ==, "Dinner instead?");
  json_object_put (json);
}

static void
test_not_json (void)
{
  g_autoptr(GBytes) bytes = cpm_test_load ("nms/invalid-nms-json.json");
  g_autoptr(GError) error = NULL;
  g_assert_null (cpm_nms_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error));
  g_assert_error (error, CPM_ERROR, CPM_ERROR_PARSE);
}

/* Shapes that are JSON but not NMS: an error, never a crash. */
static void
test_wrong_shapes (void)
{
  static const char *const docs[] = {
    "[]", "{\"object\": 5}", "{\"object\": {\"attributes\": []}}",
    "{\"object\": {\"attributes\": {\"attribute\": {}}}}",
    "{\"object\": {\"attributes\": {\"attribute\": [5]}}}",
    "{\"object\": {\"attributes\": {\"attribute\": [{\"name\": \"From\"}]}}}",
    "{\"object\": {\"attributes\": {\"attribute\": [{\"name\": \"From\", \"value\": [1]}]}}}",
    "{\"object\": {\"attributes\": {\"attribute\": [{\"name\": 7, \"value\": []}]}}}",
  };
  for (guint i = 0; i < G_N_ELEMENTS (docs); i++) {
    g_autoptr(GError) error = NULL;
    json_object *json = cpm_nms_parse (docs[i], strlen (docs[i]), &error);
    g_assert_no_error (error);
    g_autoptr(CpmObject) obj = cpm_nms_to_object (json, NULL, &error);
    g_assert_null (obj);
    g_assert_error (error, CPM_ERROR, CPM_ERROR_PARSE);
    g_autoptr(CpmReport) r = cpm_nms_validate (json, CPM_PROFILE_2_2);
    cpm_test_assert_rules (r, "nms.json", NULL);
    json_object_put (json);
  }
  /* A payload that is not an array, a size that is not a number: tolerated. */
  const char *odd = "{\"object\": {\"payloadPart\": {\"content\": 3}}}";
  json_object *json = cpm_nms_parse (odd, strlen (odd), NULL);
  g_autoptr(CpmObject) obj = cpm_nms_to_object (json, NULL, NULL);
  g_assert_nonnull (obj);
  g_assert_null (cpm_object_get_body (obj));
  json_object_put (json);
}

/* The object limits hold for the NMS form: too many fields, too big a body. */
static void
test_limits (void)
{
  CpmLimits *limits = cpm_limits_default ();
  CpmLimits saved = *limits;
  limits->max_headers = 3;
  limits->max_object_size = 30;
  json_object *json = load_json ("nms/media.json");
  g_autoptr(GError) error = NULL;
  g_assert_null (cpm_nms_to_object (json, NULL, &error));
  g_assert_error (error, CPM_ERROR, CPM_ERROR_LIMIT);
  g_autoptr(CpmReport) r = cpm_nms_validate (json, CPM_PROFILE_2_2);
  cpm_test_assert_rules (r, "limit.nms", NULL);
  limits->max_headers = saved.max_headers;
  g_clear_error (&error);
  g_assert_null (cpm_nms_to_object (json, NULL, &error));
  g_assert_error (error, CPM_ERROR, CPM_ERROR_LIMIT);
  *limits = saved;
  json_object_put (json);
}

/* seed 004 6.5.1: the unique reference is the correlationId. */
static void
test_correlation_id (void)
{
  static const struct {
    const char *file;
    const char *id;
  } cases[] = {
    { "nms/chat.eml", "654131a654131a654131a654131a8994656" },
    { "nms/message.eml", "34jk324j-msg-0001" },
    { "nms/file-transfer.eml", "654131a654131a131bfrufh37846r44tcbrfb94656" },
    { "nms/mms.eml", "MMS-20140429-100500-0001@mmsc.example.com" },
    { "nms/sms.eml", NULL },
    { "nms/media.eml", NULL },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(CpmObject) obj = cpm_test_load_object (cases[i].file);
    g_autofree char *id = cpm_correlation_id_for_object (obj);
    g_assert_cmpstr (id, ==, cases[i].id);
    json_object *json = cpm_nms_from_object (obj, NULL, NULL);
    json_object *cid = json_object_object_get (inner (json), "correlationId");
    g_assert_cmpstr (cid ? json_object_get_string (cid) : NULL, ==, cases[i].id);
    json_object_put (json);
  }
}

/* correlationTag: the RCC.07 3.2.4.7.3 algorithm is not publicly stated,
 * so there are no worked values to test; a tag is only passed through. */
static void
test_correlation_tag_pass_through (void)
{
  g_autoptr(CpmObject) sms = cpm_test_load_object ("nms/sms.eml");
  json_object *plain = cpm_nms_from_object (sms, NULL, NULL);
  g_assert_null (json_object_object_get (inner (plain), "correlationTag"));
  json_object_put (plain);

  CpmNmsOptions opt = { .correlation_tag = "abc+/=123" };
  json_object *json = cpm_nms_from_object (sms, &opt, NULL);
  g_assert_cmpstr (json_object_get_string (json_object_object_get (inner (json), "correlationTag")),
                   ==, "abc+/=123");
  json_object_put (json);

  json_object *fixture = load_json ("nms/sms.json");
  g_assert_cmpstr (json_object_get_string (json_object_object_get (inner (fixture), "correlationTag")),
                   ==, "given-by-caller-00000001");
  json_object_put (fixture);

  g_assert_false (cpm_correlation_tag_is_acceptable (""));
  g_assert_false (cpm_correlation_tag_is_acceptable ("two words"));
  g_assert_false (cpm_correlation_tag_is_acceptable ("caf\xc3\xa9"));
  CpmNmsOptions bad = { .correlation_tag = "two words" };
  g_autoptr(GError) error = NULL;
  g_assert_null (cpm_nms_from_object (sms, &bad, &error));
  g_assert_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE);
}

static void
test_direction_and_href (void)
{
  g_autoptr(CpmObject) obj = cpm_test_load_object ("nms/media.eml");
  CpmNmsOptions opt = { .direction = "In", .payload_href = "https://nms.example.com/p/1" };
  json_object *json = cpm_nms_from_object (obj, &opt, NULL);
  json_object *dir = attribute (json, "Direction");
  g_assert_cmpstr (json_object_get_string (json_object_array_get_idx (dir, 0)), ==, "In");
  json_object *part = json_object_array_get_idx (json_object_object_get (inner (json), "payloadPart"), 0);
  g_assert_cmpstr (json_object_get_string (json_object_object_get (part, "href")), ==,
                   "https://nms.example.com/p/1");
  g_assert_cmpint (json_object_get_int (json_object_object_get (part, "size")), ==, 42);
  g_assert_null (json_object_object_get (part, "content"));
  g_assert_cmpstr (json_object_get_string (json_object_object_get (part, "contentType")), ==,
                   "image/gif");
  json_object_put (json);

  CpmNmsOptions bad = { .direction = "Sideways" };
  g_autoptr(GError) error = NULL;
  g_assert_null (cpm_nms_from_object (obj, &bad, &error));
  g_assert_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE);
}

/* A folded, LF-only object with repeated fields keeps its bytes too. */
static void
test_odd_formatting (void)
{
  const char *text = "From: <sip:a@example.com>\nTo: <sip:b@example.com>\n"
                     "Accept-Contact: *;+one\nDate: Tue, 29 Apr 2014 09:46:50 -0800\n"
                     "Subject: a long\n  folded   subject\nAccept-Contact: *;+two\n"
                     "Content-Type: text/plain\n\nbody\n";
  g_autoptr(CpmObject) obj = cpm_object_parse_data (text, strlen (text), NULL, NULL);
  g_autoptr(CpmObject) back = round_trip (obj, NULL, NULL);
  g_autoptr(GBytes) got = cpm_object_serialize (back);
  g_autoptr(GBytes) want = g_bytes_new_static (text, strlen (text));
  cpm_test_assert_bytes_equal (got, want);

  json_object *json = cpm_nms_from_object (obj, NULL, NULL);
  json_object *ac = attribute (json, "Accept-Contact");
  g_assert_cmpuint (json_object_array_length (ac), ==, 2);
  g_assert_cmpstr (json_object_get_string (json_object_array_get_idx (ac, 1)), ==, "*;+two");
  json_object_put (json);
}

/* Raw 8-bit header bytes (a defect) still give UTF-8 JSON, and the bytes
 * come back exactly through the header block. */
static void
test_eight_bit_header (void)
{
  const char *text = "From: <sip:a@example.com>\r\nSubject: caf\xe9 \xff\r\n"
                     "Content-Type: text/plain\r\n\r\nbody \xff\r\n";
  g_autoptr(CpmObject) obj = cpm_object_parse_data (text, strlen (text), NULL, NULL);
  g_autofree char *json = cpm_nms_to_string (obj, NULL, NULL);
  g_assert_true (g_utf8_validate (json, -1, NULL));
  g_autoptr(CpmObject) back = round_trip (obj, NULL, NULL);
  g_autoptr(GBytes) got = cpm_object_serialize (back);
  g_autoptr(GBytes) want = g_bytes_new_static (text, strlen (text));
  cpm_test_assert_bytes_equal (got, want);
}

int
main (int argc, char **argv)
{
  cpm_test_init (&argc, &argv);
  g_test_add_func ("/nms/round-trip-every-kind", test_round_trip_every_kind);
  g_test_add_func ("/nms/attributes-alone", test_attributes_alone);
  g_test_add_func ("/nms/file-message-context", test_file_message_context);
  g_test_add_func ("/nms/flags-and-folder", test_flags_and_folder);
  g_test_add_func ("/nms/archived-fixture", test_archived_fixture);
  g_test_add_func ("/nms/date-attribute", test_date_attribute);
  g_test_add_func ("/nms/missing-same-rule-as-imap", test_missing_same_rule_as_imap);
  g_test_add_func ("/nms/invalid-fixtures", test_invalid_fixtures);
  g_test_add_func ("/nms/rule-catalogue", test_rule_catalogue);
  g_test_add_func ("/nms/header-block-loses", test_header_block_loses);
  g_test_add_func ("/nms/not-json", test_not_json);
  g_test_add_func ("/nms/wrong-shapes", test_wrong_shapes);
  g_test_add_func ("/nms/limits", test_limits);
  g_test_add_func ("/nms/correlation-id", test_correlation_id);
  g_test_add_func ("/nms/correlation-tag-pass-through", test_correlation_tag_pass_through);
  g_test_add_func ("/nms/direction-and-href", test_direction_and_href);
  g_test_add_func ("/nms/odd-formatting", test_odd_formatting);
  g_test_add_func ("/nms/eight-bit-header", test_eight_bit_header);
  return g_test_run ();
}
