/* Tests of the CPIM layer (RFC 3862) and of the "cpim.*" body rules.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"
#include "cpm-cpim-private.h"

#include <gmime/gmime.h>
#include <string.h>

static CpmCpim *
load_cpim (const char *name, CpmReport *report)
{
  g_autofree char *rel = g_strconcat ("cpim/", name, NULL);
  g_autoptr(GBytes) bytes = cpm_test_load (rel);
  g_autoptr(GError) error = NULL;
  CpmCpim *cpim = cpm_cpim_parse (bytes, report, 1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (cpim);
  return cpim;
}

static void
assert_round_trip (const char *name)
{
  g_autofree char *rel = g_strconcat ("cpim/", name, NULL);
  g_autoptr(GBytes) bytes = cpm_test_load (rel);
  g_autoptr(CpmCpim) cpim = cpm_cpim_parse (bytes, NULL, 1, NULL);
  g_assert_nonnull (cpim);
  g_autoptr(GBytes) out = cpm_cpim_to_bytes (cpim);
  cpm_test_assert_bytes_equal (out, bytes);
  g_autoptr(GString) pieces = g_string_new (NULL);
  cpm_cpim_write_fields_to (cpim, pieces);
  g_autoptr(GBytes) joined = g_bytes_new (pieces->str, pieces->len);
  cpm_test_assert_bytes_equal (joined, bytes);
}

static void
test_round_trip (void)
{
  static const char *const files[] = {
    "valid-text-plain.cpim", "valid-text-plain-lf.cpim", "valid-imdn-notification.cpim",
    "valid-multipart.cpim", "valid-base64.cpim", "appendix-d.cpim",
    "invalid-malformed-line.cpim", "invalid-missing-content-separator.cpim",
    "invalid-no-content.cpim", "invalid-content-type-missing.cpim", NULL,
  };
  for (guint i = 0; files[i]; i++)
    assert_round_trip (files[i]);
}

static void
test_text_plain (gconstpointer data)
{
  g_autoptr(CpmReport) report = cpm_report_new ();
  g_autoptr(CpmCpim) cpim = load_cpim (data, report);
  cpm_test_assert_rules (report, NULL, NULL);
  g_assert_cmpuint (cpm_cpim_get_n_headers (cpim), ==, 8);
  g_assert_cmpstr (cpm_cpim_get_header_name (cpim, 0), ==, "From");
  g_assert_cmpstr (cpm_cpim_get_header (cpim, "From"), ==, "Alice <sip:alice@example.com>");
  g_assert_cmpstr (cpm_cpim_get_header (cpim, "To"), ==, "Bob <sip:bob@example.com>");
  g_assert_cmpstr (cpm_cpim_get_header (cpim, "DateTime"), ==, "2014-04-29T09:48:23.24-08:00");
  /* names are case-sensitive (RFC 3862 3.1) */
  g_assert_null (cpm_cpim_get_header (cpim, "from"));
  g_assert_cmpstr (cpm_cpim_get_ns_header (cpim, CPM_CPIM_NS_IMDN, "Message-ID"), ==,
                   "654131a654131a654131a654131a8994656");
  g_assert_cmpstr (cpm_cpim_get_ns_header (cpim, CPM_CPIM_NS_IMDN, "Disposition-Notification"),
                   ==, "positive-delivery, display");
  g_assert_null (cpm_cpim_get_ns_header (cpim, "urn:example:other", "Message-ID"));
  /* Subject repeats, the second one language-tagged (RFC 3862 3.3) */
  g_assert_cmpstr (cpm_cpim_get_header_value (cpim, 7), ==,
                   ";lang=fr beau temps prevu pour aujourd'hui");
  g_assert_cmpuint (cpm_cpim_get_n_content_headers (cpim), ==, 2);
  g_assert_cmpstr (cpm_cpim_get_content_type (cpim), ==, "text/plain; charset=utf-8");
  g_assert_cmpstr (cpm_cpim_get_content_header (cpim, "content-id"), ==, "<1234@example.com>");
  g_autoptr(GBytes) content = cpm_cpim_dup_content_decoded (cpim, NULL);
  g_assert_nonnull (content);
  gsize len = 0;
  const char *text = g_bytes_get_data (content, &len);
  g_assert_true (len >= 31 && memcmp (text, "Here is the text of my message.", 31) == 0);
}

static void
test_appendix_d (void)
{
  g_autoptr(CpmReport) report = cpm_report_new ();
  g_autoptr(CpmCpim) cpim = load_cpim ("appendix-d.cpim", report);
  /* missing separator and the undeclared imdn prefix are warnings only */
  cpm_test_assert_rules (report, "cpim.missing-separator", "cpim.ns-undeclared",
                         "cpim.ns-undeclared", NULL);
  g_assert_true (cpm_report_is_valid (report));
  for (guint i = 0; i < cpm_report_get_count (report); i++) {
    const CpmDiagnostic *d = cpm_report_get (report, i);
    if (strcmp (d->rule, "cpim.missing-separator") == 0)
      g_assert_cmpuint (d->line, ==, 6);
  }
  g_assert_cmpuint (cpm_cpim_get_n_headers (cpim), ==, 5);
  g_assert_cmpstr (cpm_cpim_get_content_type (cpim), ==, "text/plain; charset=utf-8");
  g_assert_cmpstr (cpm_cpim_get_header (cpim, "imdn.Message-ID"), ==,
                   "654131a654131a654131a654131a8994656");
  GBytes *content = cpm_cpim_get_content (cpim);
  g_assert_cmpmem (g_bytes_get_data (content, NULL), g_bytes_get_size (content),
                   "Here is the text of my message.\n", 32);
}

static void
test_base64 (void)
{
  g_autoptr(CpmCpim) cpim = load_cpim ("valid-base64.cpim", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) decoded = cpm_cpim_dup_content_decoded (cpim, &error);
  g_assert_no_error (error);
  const char *want = "Grüße aus Köln ✓\r\nZweite Zeile.\r\n";
  g_assert_cmpmem (g_bytes_get_data (decoded, NULL), g_bytes_get_size (decoded), want,
                   strlen (want));
}

static void
test_multipart (void)
{
  g_autoptr(CpmReport) report = cpm_report_new ();
  g_autoptr(CpmCpim) cpim = load_cpim ("valid-multipart.cpim", report);
  cpm_test_assert_rules (report, NULL, NULL);
  g_assert_true (g_str_has_prefix (cpm_cpim_get_content_type (cpim), "multipart/mixed"));
}

static void
test_not_cpim (void)
{
  g_autoptr(GBytes) bytes = cpm_test_load ("cpim/invalid-not-cpim.cpim");
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmCpim) cpim = cpm_cpim_parse (bytes, NULL, 1, &error);
  g_assert_null (cpim);
  g_assert_error (error, CPM_ERROR, CPM_ERROR_PARSE);
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_clear_error (&error);
  g_autoptr(CpmCpim) none = cpm_cpim_parse (empty, NULL, 1, &error);
  g_assert_null (none);
  g_assert_error (error, CPM_ERROR, CPM_ERROR_PARSE);
}

/* A generated body: CRLF everywhere, values kept, parses back clean. */
static void
test_build_round_trip (void)
{
  g_autoptr(CpmCpim) cpim = cpm_cpim_new ();
  cpm_cpim_add_header (cpim, "From", "Jörg <sip:joerg@example.com>");
  cpm_cpim_add_header (cpim, "To", "<sip:bob@example.com>");
  cpm_cpim_add_header (cpim, "DateTime", "2020-01-02T03:04:05Z");
  cpm_cpim_add_header (cpim, "NS", "imdn <urn:ietf:params:imdn>");
  cpm_cpim_add_header (cpim, "imdn.Message-ID", "abc\r\nInjected: yes");
  g_autoptr(GBytes) text = g_bytes_new_static ("line one\nline two\n", 18);
  cpm_cpim_set_content (cpim, "text/plain; charset=utf-8", text);
  g_autoptr(GBytes) out = cpm_cpim_to_bytes (cpim);
  gsize len = 0;
  const char *s = g_bytes_get_data (out, &len);
  g_autofree char *str = g_strndup (s, len);
  g_assert_nonnull (strstr (str, "From: Jörg <sip:joerg@example.com>\r\n"));
  g_assert_nonnull (strstr (str, "\r\n\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                                 "line one\r\nline two\r\n"));
  g_assert_null (strstr (str, "Content-Transfer-Encoding"));
  g_assert_null (strstr (str, "\r\nInjected:"));

  g_autoptr(CpmReport) report = cpm_report_new ();
  g_autoptr(CpmCpim) back = cpm_cpim_parse (out, report, 1, NULL);
  g_assert_nonnull (back);
  cpm_test_assert_rules (report, NULL, NULL);
  g_assert_cmpstr (cpm_cpim_get_ns_header (back, CPM_CPIM_NS_IMDN, "Message-ID"), ==,
                   "abc  Injected: yes");
  g_assert_cmpstr (cpm_cpim_get_header (back, "From"), ==, "Jörg <sip:joerg@example.com>");
}

/* Adding a field to a parsed body keeps every parsed byte. */
static void
test_modify_parsed (void)
{
  g_autoptr(GBytes) bytes = cpm_test_load ("cpim/valid-text-plain-lf.cpim");
  g_autoptr(CpmCpim) cpim = cpm_cpim_parse (bytes, NULL, 1, NULL);
  cpm_cpim_add_header (cpim, "cc", "<sip:carol@example.com>");
  g_autoptr(GBytes) out = cpm_cpim_to_bytes (cpim);
  g_autofree char *str = g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out));
  g_assert_nonnull (strstr (str, "aujourd'hui\ncc: <sip:carol@example.com>\r\n\nContent-Type"));
  g_assert_true (g_str_has_suffix (str, "Here is the text of my message.\n"));
}

/* New content in a parsed body: the CPIM header block stays byte for
 * byte, the entity is regenerated. */
static void
test_replace_content (void)
{
  g_autoptr(GBytes) bytes = cpm_test_load ("cpim/invalid-missing-content-separator.cpim");
  g_autoptr(CpmCpim) cpim = cpm_cpim_parse (bytes, NULL, 1, NULL);
  g_autoptr(GBytes) text = g_bytes_new_static ("new text", 8);
  cpm_cpim_set_content (cpim, "text/plain; charset=utf-8", text);
  g_autoptr(GBytes) out = cpm_cpim_to_bytes (cpim);
  g_autofree char *str = g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out));
  g_assert_cmpstr (str, ==, "From: Alice <sip:alice@example.com>\r\nTo: Bob <sip:bob@example.com>\r\n"
                            "DateTime: 2014-04-29T09:48:23Z\r\n\r\n"
                            "Content-Type: text/plain; charset=utf-8\r\n\r\nnew text");
  g_autoptr(CpmReport) report = cpm_report_new ();
  g_autoptr(CpmCpim) back = cpm_cpim_parse (out, report, 1, NULL);
  cpm_test_assert_rules (report, NULL, NULL);
}

typedef struct {
  const char *content_type;
  const char *data;
  gssize len;
  const char *cte; /* NULL: 7bit, no header */
} CteCase;

static void
test_transfer_encoding (void)
{
  static const char binary[] = { (char) 0x89, 'P', 'N', 'G', 0, 1, 2, (char) 0xff };
  g_autofree char *long_line = g_strnfill (2000, 'a');
  const CteCase cases[] = {
    { "text/plain; charset=utf-8", "plain ASCII\n", -1, NULL },
    { "text/plain; charset=utf-8", "Schöne Grüße aus Köln, wir sehen uns morgen um acht Uhr am Bahnhof.\n", -1, "quoted-printable" },
    { "text/plain; charset=utf-8", "日本語のテキストです。\n", -1, "base64" },
    { "text/plain; charset=utf-8", "nul\0byte", 8, "base64" },
    { "text/plain; charset=utf-8", long_line, -1, "quoted-printable" },
    { "image/png", binary, sizeof binary, "base64" },
    { "application/octet-stream", "ascii\nbare lf", -1, "base64" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    const CteCase *c = &cases[i];
    gsize len = c->len < 0 ? strlen (c->data) : (gsize) c->len;
    g_autoptr(GBytes) content = g_bytes_new (c->data, len);
    g_autoptr(CpmCpim) cpim = cpm_cpim_new ();
    cpm_cpim_add_header (cpim, "From", "<sip:a@example.com>");
    cpm_cpim_set_content (cpim, c->content_type, content);
    g_assert_cmpstr (cpm_cpim_get_content_header (cpim, "Content-Transfer-Encoding"), ==, c->cte);
    GBytes *stored = cpm_cpim_get_content (cpim);
    gsize slen = 0;
    const guint8 *s = g_bytes_get_data (stored, &slen);
    gsize line = 0;
    for (gsize k = 0; k < slen; k++) {
      if (c->cte)
        g_assert_cmpuint (s[k], <, 0x80);
      if (c->cte)
        g_assert_cmpuint (s[k], !=, 0);
      line = s[k] == '\n' ? 0 : line + 1;
      g_assert_cmpuint (line, <=, 998);
    }
    /* decoding gives the content back (text in canonical CRLF form) */
    g_autoptr(GBytes) back = cpm_cpim_dup_content_decoded (cpim, NULL);
    g_assert_nonnull (back);
    gboolean textual = g_str_has_prefix (c->content_type, "text/");
    if (!textual || !memchr (c->data, '\n', len))
      g_assert_cmpmem (g_bytes_get_data (back, NULL), g_bytes_get_size (back), c->data, len);
  }
}

/* ---- body rules through the validator ---- */

static const char object_head[] =
  "From: Alice <sip:alice@example.com>\r\n"
  "To: Bob <sip:bob@example.com>\r\n"
  "Date: Tue, 29 Apr 2014 09:48:23 -0800\r\n"
  "Conversation-ID: f81d4fae-7dec-11d0-a765-00a0c91e6bf6\r\n"
  "Contribution-ID: abcdef-1234-5678-90ab-cdef01234567\r\n"
  "P-Asserted-Service: urn:urn-7:3gpp-service.ims.icsi.oma.cpm.msg\r\n"
  "Accept-Contact: *;+g.oma.sip-im\r\n"
  "IMDN-Message-ID: 654131a654131a654131a654131a8994656\r\n"
  "Content-Type: Message/CPIM\r\n"
  "\r\n";
#define BODY_LINE 11

static const char object_head_short[] =
  "From: <sip:a@example.com>\r\nTo: <sip:b@example.com>\r\n"
  "IMDN-Message-ID: abc\r\nContent-Type: Message/CPIM\r\n\r\n";

static CpmReport *
validate_cpim_file (const char *name, CpmKind kind)
{
  g_autofree char *rel = g_strconcat ("cpim/", name, NULL);
  g_autoptr(GBytes) body = cpm_test_load (rel);
  g_autoptr(GString) obj = g_string_new (object_head);
  g_string_append_len (obj, g_bytes_get_data (body, NULL), (gssize) g_bytes_get_size (body));
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) object = cpm_object_parse_data (obj->str, obj->len, NULL, &error);
  g_assert_no_error (error);
  cpm_object_set_kind (object, kind);
  g_autoptr(CpmReport) all = cpm_validate (object, CPM_PROFILE_2_2);
  CpmReport *cpim_only = cpm_report_new ();
  for (guint i = 0; i < cpm_report_get_count (all); i++) {
    const CpmDiagnostic *d = cpm_report_get (all, i);
    if (g_str_has_prefix (d->rule, "cpim."))
      cpm_report_add_at (cpim_only, d->rule, d->severity, d->section, d->header, d->line,
                         d->column, "%s", d->message);
  }
  return cpim_only;
}

typedef struct {
  const char *file;
  CpmKind kind;
  const char *rules[4];
  guint line; /* line of the first diagnostic in the object, 0: not checked */
} RuleCase;

static const RuleCase rule_cases[] = {
  { "valid-text-plain.cpim", CPM_KIND_MESSAGE, { NULL }, 0 },
  { "valid-text-plain-lf.cpim", CPM_KIND_MESSAGE, { NULL }, 0 },
  { "valid-multipart.cpim", CPM_KIND_MESSAGE, { NULL }, 0 },
  { "valid-base64.cpim", CPM_KIND_CHAT, { NULL }, 0 },
  { "valid-imdn-notification.cpim", CPM_KIND_IMDN, { NULL }, 0 },
  { "appendix-d.cpim", CPM_KIND_CHAT,
    { "cpim.missing-separator", "cpim.ns-undeclared", "cpim.ns-undeclared", NULL }, 0 },
  { "invalid-not-cpim.cpim", CPM_KIND_MESSAGE, { "cpim.not-cpim", NULL }, BODY_LINE },
  { "invalid-from-missing.cpim", CPM_KIND_MESSAGE, { "cpim.from-missing", NULL }, BODY_LINE },
  { "invalid-to-missing.cpim", CPM_KIND_MESSAGE, { "cpim.to-missing", NULL }, BODY_LINE + 1 },
  { "invalid-datetime-invalid.cpim", CPM_KIND_MESSAGE, { "cpim.datetime-invalid", NULL },
    BODY_LINE + 2 },
  { "invalid-ns-undeclared.cpim", CPM_KIND_MESSAGE, { "cpim.ns-undeclared", NULL },
    BODY_LINE + 3 },
  { "invalid-ns-invalid.cpim", CPM_KIND_MESSAGE, { "cpim.ns-invalid", NULL }, BODY_LINE + 3 },
  { "invalid-malformed-line.cpim", CPM_KIND_MESSAGE, { "cpim.malformed-line", NULL },
    BODY_LINE + 3 },
  { "invalid-multipart-empty.cpim", CPM_KIND_MESSAGE, { "cpim.multipart-empty", NULL },
    BODY_LINE + 4 },
  { "invalid-multipart-boundary-missing.cpim", CPM_KIND_MESSAGE,
    { "cpim.multipart-boundary-missing", NULL }, BODY_LINE + 4 },
  { "invalid-content-type-missing.cpim", CPM_KIND_MESSAGE, { "cpim.content-type-missing", NULL },
    BODY_LINE + 6 },
  { "invalid-transfer-encoding-unknown.cpim", CPM_KIND_MESSAGE,
    { "cpim.transfer-encoding-unknown", NULL }, BODY_LINE + 5 },
  { "invalid-missing-content-separator.cpim", CPM_KIND_MESSAGE,
    { "cpim.missing-content-separator", NULL }, BODY_LINE + 5 },
  { "invalid-no-content.cpim", CPM_KIND_MESSAGE, { "cpim.no-content", NULL }, 0 },
  { "invalid-imdn-message-id-mismatch.cpim", CPM_KIND_MESSAGE,
    { "cpim.imdn-message-id-mismatch", NULL }, 8 },
  { "invalid-imdn-content-type.cpim", CPM_KIND_IMDN, { "cpim.imdn-content-type", NULL },
    BODY_LINE + 4 },
};

static void
test_body_rules (gconstpointer data)
{
  const RuleCase *c = data;
  g_autoptr(CpmReport) report = validate_cpim_file (c->file, c->kind);
  cpm_test_assert_rules (report, c->rules[0], c->rules[1], c->rules[2], c->rules[3], NULL);
  if (c->line && cpm_report_get_count (report) > 0)
    g_assert_cmpuint (cpm_report_get (report, 0)->line, ==, c->line);
  for (guint i = 0; i < cpm_report_get_count (report); i++)
    g_assert_nonnull (cpm_report_get (report, i)->section);
}

/* The same cases after a kept parse of the same bytes from line 1, as the
 * converter parses each message before it validates the object it wrote:
 * the validator may take that parse (cpm_cpim_parse_kept) and must report
 * the same rules at the same lines of the object. A parse with findings
 * (appendix-d, the NS cases) is not taken, or they would go unreported. */
static void
test_body_rules_after_parse (gconstpointer data)
{
  const RuleCase *c = data;
  g_autofree char *rel = g_strconcat ("cpim/", c->file, NULL);
  g_autoptr(GBytes) body = cpm_test_load (rel);
  g_autoptr(CpmCpim) first = cpm_cpim_parse_kept (body, NULL, 1, NULL);
  test_body_rules (data);
}

/* A kept parse changed after it was made is never taken for the bytes it
 * came from: the DateTime added here is not in the object's body. */
static void
test_kept_parse_changed (void)
{
  g_autoptr(GBytes) body = cpm_test_load ("cpim/valid-text-plain.cpim");
  g_autoptr(CpmCpim) first = cpm_cpim_parse_kept (body, NULL, 1, NULL);
  g_assert_nonnull (first);
  cpm_cpim_add_header (first, "DateTime", "not a date");
  g_autoptr(CpmReport) report = validate_cpim_file ("valid-text-plain.cpim", CPM_KIND_MESSAGE);
  cpm_test_assert_rules (report, NULL, NULL);
}

/* What the API's parse returns is the caller's alone (to change, or to
 * hand to another thread): never the one kept for the validator. */
static void
test_public_parse_not_kept (void)
{
  g_autoptr(GBytes) body = cpm_test_load ("cpim/valid-text-plain.cpim");
  g_autoptr(CpmCpim) kept = cpm_cpim_parse_kept (body, NULL, 1, NULL);
  g_autoptr(CpmCpim) again = cpm_cpim_parse_kept (body, NULL, 1, NULL);
  g_assert_true (again == kept);
  g_autoptr(CpmCpim) own = cpm_cpim_parse (body, NULL, 1, NULL);
  g_assert_true (own != kept);
  g_autoptr(CpmCpim) still = cpm_cpim_parse_kept (body, NULL, 1, NULL);
  g_assert_true (still == kept);
}

/* The same body in an object whose Content-Type is not Message/CPIM. */
static void
test_outer_type (void)
{
  const char *text = "From: <sip:a@example.com>\r\nTo: <sip:b@example.com>\r\n"
                     "Content-Type: text/plain\r\n\r\nhello\r\n";
  g_autoptr(CpmObject) object = cpm_object_parse_data (text, strlen (text), NULL, NULL);
  cpm_object_set_kind (object, CPM_KIND_MESSAGE);
  g_autoptr(CpmReport) report = cpm_validate (object, CPM_PROFILE_2_2);
  g_assert_true (cpm_report_has_rule (report, "cpim.content-type"));
  g_assert_false (cpm_report_has_rule (report, "cpim.not-cpim"));
}

/* A folded field (RFC 5322 2.2.3) unfolds to one value, output unchanged. */
/* The imdn Message-ID a parse answers is the first one its namespaces
 * bind (a later binding and a field under an undeclared prefix are not
 * it), also after fields are added: a Message-ID under a prefix declared
 * only then is found, the parse's answer does not stand. */
static void
test_ns_header_after_change (void)
{
  const char *text = "From: <sip:a@example.com>\r\nTo: <sip:b@example.com>\r\n"
                     "x.Message-ID: undeclared\r\nNS: i <urn:ietf:params:imdn>\r\n"
                     "i.Message-ID: first\r\nNS: j <urn:ietf:params:imdn>\r\n"
                     "j.Message-ID: second\r\n\r\nContent-Type: text/plain\r\n\r\nhi\r\n";
  g_autoptr(GBytes) bytes = g_bytes_new_static (text, strlen (text));
  g_autoptr(CpmCpim) cpim = cpm_cpim_parse (bytes, NULL, 1, NULL);
  g_assert_nonnull (cpim);
  g_assert_cmpstr (cpm_cpim_get_ns_header (cpim, CPM_CPIM_NS_IMDN, "Message-ID"), ==, "first");
  g_assert_null (cpm_cpim_get_ns_header (cpim, "urn:example:other", "Message-ID"));
  g_assert_null (cpm_cpim_get_ns_header (cpim, CPM_CPIM_NS_IMDN, "Message-Id"));

  const char *plain = "From: <sip:a@example.com>\r\nTo: <sip:b@example.com>\r\n"
                      "x.Message-ID: early\r\n\r\nContent-Type: text/plain\r\n\r\nhi\r\n";
  g_autoptr(GBytes) plain_bytes = g_bytes_new_static (plain, strlen (plain));
  g_autoptr(CpmCpim) changed = cpm_cpim_parse (plain_bytes, NULL, 1, NULL);
  g_assert_null (cpm_cpim_get_ns_header (changed, CPM_CPIM_NS_IMDN, "Message-ID"));
  cpm_cpim_add_header (changed, "NS", "x <urn:ietf:params:imdn>");
  cpm_cpim_add_header (changed, "x.Message-ID", "added");
  g_assert_cmpstr (cpm_cpim_get_ns_header (changed, CPM_CPIM_NS_IMDN, "Message-ID"), ==, "added");
}

/* A prefix bound again applies its last binding to the fields after it
 * (RFC 3862 3.4): "i" rebound to another namespace no longer names the
 * imdn Message-ID, and one first bound elsewhere does once rebound to imdn.
 * The parse's answer and the walk after a change agree; past the eight
 * bindings kept on the stack as well. */
static void
test_ns_header_rebound (void)
{
  const char *away = "From: <sip:a@example.com>\r\nNS: i <urn:ietf:params:imdn>\r\n"
                     "NS: i <urn:example:other>\r\ni.Message-ID: other\r\n"
                     "\r\nContent-Type: text/plain\r\n\r\nhi\r\n";
  const char *back = "From: <sip:a@example.com>\r\nNS: i <urn:example:other>\r\n"
                     "i.Message-ID: other\r\nNS: i <urn:ietf:params:imdn>\r\n"
                     "i.Message-ID: imdn\r\n\r\nContent-Type: text/plain\r\n\r\nhi\r\n";
  g_autoptr(GString) many = g_string_new ("From: <sip:a@example.com>\r\n");
  for (guint i = 0; i < 10; i++)
    g_string_append_printf (many, "NS: p%u <urn:ietf:params:imdn>\r\n", i);
  g_string_append (many, "NS: p9 <urn:example:other>\r\np9.Message-ID: other\r\n"
                         "\r\nContent-Type: text/plain\r\n\r\nhi\r\n");
  const char *texts[] = { away, back, many->str };
  const char *want[] = { NULL, "imdn", NULL };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++) {
    g_autoptr(GBytes) bytes = g_bytes_new_static (texts[i], strlen (texts[i]));
    g_autoptr(CpmCpim) cpim = cpm_cpim_parse (bytes, NULL, 1, NULL);
    g_assert_nonnull (cpim);
    g_assert_cmpstr (cpm_cpim_get_ns_header (cpim, CPM_CPIM_NS_IMDN, "Message-ID"), ==, want[i]);
    cpm_cpim_add_header (cpim, "X-Changed", "1");
    g_assert_cmpstr (cpm_cpim_get_ns_header (cpim, CPM_CPIM_NS_IMDN, "Message-ID"), ==, want[i]);
  }
}

/* More fields than a parse keeps in its own storage (20 CPIM, 9 MIME):
 * all in order, written back byte for byte; replacing the content drops
 * the MIME header's Content-Type and Content-Transfer-Encoding from among
 * the others and appends the new ones. */
static void
test_many_fields (void)
{
  g_autoptr(GString) text = g_string_new (NULL);
  for (guint i = 0; i < 20; i++)
    g_string_append_printf (text, "X-Cpim-%02u: value %u\r\n", i, i);
  g_string_append (text, "\r\nContent-Type: text/plain\r\n");
  for (guint i = 0; i < 7; i++)
    g_string_append_printf (text, "Content-X%u: %u\r\n", i, i);
  g_string_append (text, "Content-Transfer-Encoding: 8bit\r\n\r\nhi\r\n");
  g_autoptr(GBytes) bytes = g_bytes_new (text->str, text->len);
  g_autoptr(CpmCpim) cpim = cpm_cpim_parse (bytes, NULL, 1, NULL);
  g_assert_nonnull (cpim);
  g_assert_cmpuint (cpm_cpim_get_n_headers (cpim), ==, 20);
  g_assert_cmpuint (cpm_cpim_get_n_content_headers (cpim), ==, 9);
  for (guint i = 0; i < 20; i++) {
    g_autofree char *name = g_strdup_printf ("X-Cpim-%02u", i);
    g_autofree char *value = g_strdup_printf ("value %u", i);
    g_assert_cmpstr (cpm_cpim_get_header_name (cpim, i), ==, name);
    g_assert_cmpstr (cpm_cpim_get_header_value (cpim, i), ==, value);
  }
  g_autoptr(GBytes) out = cpm_cpim_to_bytes (cpim);
  cpm_test_assert_bytes_equal (out, bytes);
  g_autoptr(GBytes) content = g_bytes_new_static ("bye", 3);
  cpm_cpim_set_content (cpim, "text/html", content);
  g_assert_cmpuint (cpm_cpim_get_n_content_headers (cpim), ==, 8);
  for (guint i = 0; i < 7; i++) {
    g_autofree char *name = g_strdup_printf ("Content-X%u", i);
    g_assert_cmpstr (cpm_cpim_get_content_header_name (cpim, i), ==, name);
  }
  g_assert_cmpstr (cpm_cpim_get_content_header_name (cpim, 7), ==, "Content-Type");
  g_assert_cmpstr (cpm_cpim_get_content_type (cpim), ==, "text/html");
  cpm_cpim_add_header (cpim, "X-Added", "yes");
  g_assert_cmpstr (cpm_cpim_get_header_value (cpim, 20), ==, "yes");
}

/* cpm_cte_choose as it read every byte (before its eight-byte steps over
 * printable ASCII), the reference for the test below. */
static CpmCte
cte_choose_bytewise (CpmContentClass cls, const guint8 *data, gsize len)
{
  gsize high = 0, line = 0, max_line = 0;
  gboolean nul = FALSE, bare_cr = FALSE, bare_lf = FALSE;
  for (gsize i = 0; i < len; i++) {
    guint8 c = data[i];
    if (c == '\n') {
      if (i == 0 || data[i - 1] != '\r')
        bare_lf = TRUE;
      max_line = MAX (max_line, line);
      line = 0;
      continue;
    }
    if (c == '\r') {
      if (i + 1 >= len || data[i + 1] != '\n')
        bare_cr = TRUE;
      continue;
    }
    line++;
    if (c == 0)
      nul = TRUE;
    else if (c >= 0x80)
      high++;
  }
  max_line = MAX (max_line, line);
  if (cls == CPM_CONTENT_COMPOSITE)
    return (nul || bare_cr || max_line > 998) ? CPM_CTE_BINARY
           : high ? CPM_CTE_8BIT : CPM_CTE_7BIT;
  if (cls == CPM_CONTENT_BINARY)
    return (high || nul || bare_cr || bare_lf || max_line > 998) ? CPM_CTE_BASE64 : CPM_CTE_7BIT;
  if (nul || bare_cr || (high && !g_utf8_validate ((const char *) data, (gssize) len, NULL)))
    return CPM_CTE_BASE64;
  if (!high && max_line <= 998)
    return CPM_CTE_7BIT;
  return high * 6 <= len ? CPM_CTE_QUOTED_PRINTABLE : CPM_CTE_BASE64;
}

/* The transfer encoding chosen for 3,000 random contents of every class
 * (printable runs around the 998-octet line limit, CR, LF, NUL, 0x1f,
 * 0x7f, UTF-8 and stray 8-bit bytes at every offset) is the byte-wise
 * one. */
static void
test_cte_choose_reference (void)
{
  static const guint8 odd[] = { '\r', '\n', 0, 0x1f, 0x7f, 0xc3, 0xa9, 0xff, ' ', '~' };
  GRand *rand = g_rand_new_with_seed (2045);
  for (guint k = 0; k < 3000; k++) {
    gsize len = (gsize) g_rand_int_range (rand, 0, k % 10 == 0 ? 3000 : 120);
    guint8 *data = g_malloc (len + 1);
    gint32 rare = g_rand_int_range (rand, 1, 400);
    for (gsize i = 0; i < len; i++)
      data[i] = g_rand_int_range (rand, 0, rare) == 0 ? odd[g_rand_int_range (rand, 0, sizeof odd)]
                                                      : (guint8) g_rand_int_range (rand, 0x20, 0x7f);
    for (int cls = CPM_CONTENT_BINARY; cls <= CPM_CONTENT_COMPOSITE; cls++)
      g_assert_cmpint (cpm_cte_choose ((CpmContentClass) cls, data, len), ==,
                       cte_choose_bytewise ((CpmContentClass) cls, data, len));
    g_free (data);
  }
  g_rand_free (rand);
}

static void
test_folded (void)
{
  const char *text = "From: Alice\r\n <sip:alice@example.com>\r\nTo: <sip:b@example.com>\r\n"
                     "\r\nContent-Type: text/plain;\r\n\tcharset=utf-8\r\n\r\nhi\r\n";
  g_autoptr(GBytes) bytes = g_bytes_new_static (text, strlen (text));
  g_autoptr(CpmCpim) cpim = cpm_cpim_parse (bytes, NULL, 1, NULL);
  g_assert_cmpstr (cpm_cpim_get_header (cpim, "From"), ==, "Alice <sip:alice@example.com>");
  g_assert_cmpstr (cpm_cpim_get_content_type (cpim), ==, "text/plain;\tcharset=utf-8");
  g_autoptr(GBytes) out = cpm_cpim_to_bytes (cpim);
  cpm_test_assert_bytes_equal (out, bytes);
}

/* Broken and hostile bodies: never a crash, byte-exact output whenever a
 * body parses, diagnostics quoting at most a short valid UTF-8 excerpt. */
static void
test_hostile (void)
{
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  static const char nul[] = "From: a\0b\r\nTo: <sip:x@y>\r\n\r\nContent-Type: text/plain\r\n\r\n\0\0";
  g_ptr_array_add (inputs, g_bytes_new (nul, sizeof nul - 1));
  static const char *const small[] = {
    "\r\r\r\r", "From:", ":\n:\n\n:", "From: <sip:a@b>\n\n\n\n",
    "From: \xff\xfe\xc3\n\xff.x: y\nDateTime: \xc3\x28\n"
    "\nContent-Type: multipart/x; boundary=\xff\n\n",
    "From: <sip:a@b>\nNS: <urn:x>\nNS: p <>\np.q: r\n.x: y\nx.: z\n\nContent-Type:\n\n",
  };
  for (guint i = 0; i < G_N_ELEMENTS (small); i++)
    g_ptr_array_add (inputs, g_bytes_new_static (small[i], strlen (small[i])));
  GString *big = g_string_new ("From: <sip:a@b>\nTo: <sip:c@d>\nDateTime: ");
  for (guint i = 0; i < 1024 * 1024; i++)
    g_string_append_c (big, (char) ('0' + i % 10));
  g_string_append (big, "\n\nx\n");
  g_ptr_array_add (inputs, g_string_free_to_bytes (big));
  GString *folds = g_string_new ("Subject: start\n");
  for (guint i = 0; i < 100000; i++)
    g_string_append (folds, " more\n");
  g_string_append (folds, "\nContent-Type: text/plain\n\nbody");
  g_ptr_array_add (inputs, g_string_free_to_bytes (folds));
  GRand *rand = g_rand_new_with_seed (3862);
  for (guint k = 0; k < 200; k++) {
    gsize len = g_rand_int_range (rand, 0, 400);
    guint8 *junk = g_malloc (len + 1);
    static const char alphabet[] = "From: <>\r\n:.NS Content-Type\xff\x00 ";
    for (gsize i = 0; i < len; i++)
      junk[i] = (guint8) alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
    g_ptr_array_add (inputs, g_bytes_new_take (junk, len));
  }
  g_rand_free (rand);
  GString *garbage = g_string_new ("From: <sip:a@b>\n");
  for (guint i = 0; i < 50000; i++)
    g_string_append (garbage, "no header here\n");
  g_ptr_array_add (inputs, g_string_free_to_bytes (garbage));

  for (guint i = 0; i < inputs->len; i++) {
    GBytes *in = inputs->pdata[i];
    g_autoptr(CpmReport) report = cpm_report_new ();
    g_autoptr(CpmCpim) cpim = cpm_cpim_parse (in, report, 1, NULL);
    if (cpim) {
      g_autoptr(GBytes) out = cpm_cpim_to_bytes (cpim);
      cpm_test_assert_bytes_equal (out, in);
      /* what the unchanged parse's one-append shortcut stands for */
      g_autoptr(GString) pieces = g_string_new (NULL);
      cpm_cpim_write_fields_to (cpim, pieces);
      g_autoptr(GBytes) joined = g_bytes_new (pieces->str, pieces->len);
      cpm_test_assert_bytes_equal (joined, in);
      g_autoptr(GBytes) decoded = cpm_cpim_dup_content_decoded (cpim, NULL);
    }
    g_autoptr(GString) obj = g_string_new (object_head_short);
    g_string_append_len (obj, g_bytes_get_data (in, NULL), (gssize) g_bytes_get_size (in));
    g_autoptr(CpmObject) object = cpm_object_parse_data (obj->str, obj->len, NULL, NULL);
    if (!object)
      continue;
    cpm_object_set_kind (object, CPM_KIND_IMDN);
    g_autoptr(CpmReport) all = cpm_validate (object, CPM_PROFILE_2_2);
    for (guint k = 0; k < cpm_report_get_count (all); k++) {
      const CpmDiagnostic *d = cpm_report_get (all, k);
      if (!g_str_has_prefix (d->rule, "cpim."))
        continue;
      g_assert_true (g_utf8_validate (d->message, -1, NULL));
      g_assert_cmpuint (cpm_report_get_count (all), <, 50);
      g_assert_cmpuint (strlen (d->message), <, 1024);
    }
  }
}

/* GMime's own answer, over the whole entity: does it find a body part? */
static gboolean
gmime_finds_part (const char *entity)
{
  GMimeStream *stream = g_mime_stream_mem_new_with_buffer (entity, strlen (entity));
  GMimeParser *parser = g_mime_parser_new_with_stream (stream);
  GMimeObject *part = g_mime_parser_construct_part (parser, NULL);
  gboolean found = part && GMIME_IS_MULTIPART (part) &&
                   g_mime_multipart_get_count (GMIME_MULTIPART (part)) > 0;
  g_clear_object (&part);
  g_object_unref (parser);
  g_object_unref (stream);
  return found;
}

/* cpim.multipart-empty looks at the lines up to the first part's header
 * block when they settle the answer; it must be GMime's answer over the
 * whole entity whatever follows, boundary look-alikes included. */
static void
test_multipart_early_answer (void)
{
  static const char *const types[] = {
    "multipart/related; boundary=b1",
    "multipart/related; boundary=\"b1\"",
    "multipart/related; boundary*=''b1",
    "multipart/related; boundary=b1; boundary=b2",
    "multipart/related; boundary=\"b1 \"",
    "text/plain; boundary=b1",
  };
  static const char *const contents[] = {
    "--b1\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b1--\r\n",
    "--b1\r\n\r\nno part headers\r\n--b1--\r\n",
    "--b1 \t\r\nContent-Type: text/plain\r\n\r\nblanks after the boundary\r\n",
    "--b1\nContent-Type: text/plain\n\nLF only\n--b1--\n",
    "preamble\r\n--b1\r\nContent-Type: text/plain\r\n\r\nx\r\n",
    "--b1--\r\n--b1\r\nContent-Type: text/plain\r\n\r\nafter the end\r\n",
    "--b1x\r\n--b1\r\nContent-Type: text/plain\r\n\r\nlook-alike first\r\n",
    "--B1\r\nContent-Type: text/plain\r\n\r\nother case\r\n",
    " --b1\r\nContent-Type: text/plain\r\n\r\nnot at a line start\r\n",
    "x--b1\r\n--b1\r\nContent-Type: text/plain\r\n\r\nmid-line first\r\n",
    "--b1\r\nContent-Type: text/plain\r\nno blank line, then the end",
    "--b1\r\nContent-Type: text/plain\r\n",
    "--b1\r\n",
    "--b1",
    "--b1\r\r\nContent-Type: text/plain\r\n\r\ntwo CRs\r\n",
    "--b1\r\n\r\n",
    "--b2\r\nContent-Type: text/plain\r\n\r\nthe other boundary\r\n--b2--\r\n",
    "--b1\r\nContent-Type: multipart/mixed; boundary=in\r\n\r\n--in\r\n\r\nx\r\n--in--\r\n--b1--\r\n",
    "no delimiter anywhere\r\n",
  };
  for (guint t = 0; t < G_N_ELEMENTS (types); t++)
    for (guint k = 0; k < G_N_ELEMENTS (contents); k++) {
      g_autofree char *entity = g_strdup_printf ("Content-Type: %s\r\n\r\n%s", types[t], contents[k]);
      g_autofree char *text = g_strdup_printf ("%sFrom: <sip:a@example.com>\r\n"
                                               "To: <sip:b@example.com>\r\n"
                                               "DateTime: 2014-04-29T09:48:23Z\r\n\r\n%s",
                                               object_head, entity);
      g_autoptr(CpmObject) object = cpm_object_parse_data (text, strlen (text), NULL, NULL);
      g_assert_nonnull (object);
      cpm_object_set_kind (object, CPM_KIND_MESSAGE);
      g_autoptr(CpmReport) report = cpm_validate (object, CPM_PROFILE_2_2);
      gboolean empty = FALSE, no_boundary = FALSE;
      for (guint i = 0; i < cpm_report_get_count (report); i++) {
        const CpmDiagnostic *d = cpm_report_get (report, i);
        const char *rule = d->rule;
        /* the message names the delimiter line as it is written */
        if (strcmp (rule, "cpim.multipart-empty") == 0)
          g_assert_nonnull (strstr (d->message, "delimited by \"--b"));
        empty |= strcmp (rule, "cpim.multipart-empty") == 0;
        no_boundary |= strcmp (rule, "cpim.multipart-boundary-missing") == 0;
      }
      /* no boundary parameter (as libcpmobj reads it) is a rule of its own */
      if (!g_str_has_prefix (types[t], "multipart/") || no_boundary)
        continue;
      if (empty == gmime_finds_part (entity))
        g_error ("type %u content %u: multipart-empty is %d, GMime finds a part: %d", t, k,
                 empty, gmime_finds_part (entity));
    }
}

int
main (int argc, char **argv)
{
  cpm_test_init (&argc, &argv);
  g_test_add_func ("/cpim/round-trip", test_round_trip);
  g_test_add_data_func ("/cpim/text-plain/crlf", "valid-text-plain.cpim", test_text_plain);
  g_test_add_data_func ("/cpim/text-plain/lf", "valid-text-plain-lf.cpim", test_text_plain);
  g_test_add_func ("/cpim/appendix-d", test_appendix_d);
  g_test_add_func ("/cpim/base64", test_base64);
  g_test_add_func ("/cpim/multipart", test_multipart);
  g_test_add_func ("/cpim/not-cpim", test_not_cpim);
  g_test_add_func ("/cpim/build-round-trip", test_build_round_trip);
  g_test_add_func ("/cpim/modify-parsed", test_modify_parsed);
  g_test_add_func ("/cpim/transfer-encoding", test_transfer_encoding);
  g_test_add_func ("/cpim/outer-type", test_outer_type);
  g_test_add_func ("/cpim/ns-header-after-change", test_ns_header_after_change);
  g_test_add_func ("/cpim/many-fields", test_many_fields);
  g_test_add_func ("/cpim/cte-choose-reference", test_cte_choose_reference);
  g_test_add_func ("/cpim/folded", test_folded);
  g_test_add_func ("/cpim/replace-content", test_replace_content);
  g_test_add_func ("/cpim/hostile", test_hostile);
  g_test_add_func ("/cpim/multipart-early-answer", test_multipart_early_answer);
  for (guint i = 0; i < G_N_ELEMENTS (rule_cases); i++) {
    g_autofree char *path = g_strdup_printf ("/cpim/rules/%s", rule_cases[i].file);
    g_test_add_data_func (path, &rule_cases[i], test_body_rules);
    g_autofree char *kept = g_strdup_printf ("/cpim/rules-after-parse/%s", rule_cases[i].file);
    g_test_add_data_func (kept, &rule_cases[i], test_body_rules_after_parse);
  }
  g_test_add_func ("/cpim/kept-parse-changed", test_kept_parse_changed);
  g_test_add_func ("/cpim/public-parse-not-kept", test_public_parse_not_kept);
  g_test_add_func ("/cpim/ns-header-rebound", test_ns_header_rebound);
  return g_test_run ();
}
