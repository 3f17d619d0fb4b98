/* File Transfer History objects: Appendix E, the ft.* rules, the XML writer.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"

#include <cpmobj/cpm-filetransfer.h>
#include <string.h>

#define CPM_COMPILATION 1
#include "cpm-xml-private.h"

static CpmReport *
validate_file (const char *path, CpmProfile profile)
{
  return cpm_test_validate_file (path, CPM_KIND_FILE_TRANSFER, profile);
}

/* Appendix E normalised (testdata/ft/README): split by an independent
 * reader (the XML module's multipart/related splitter), the root is the
 * X-CPM-File-Transfer XML and both cids name their parts. */
static void
test_appendix_e_structure (void)
{
  g_autoptr(CpmObject) obj = cpm_test_load_object ("ft/appendix-e.eml");
  g_autoptr(GError) error = NULL;
  GPtrArray *parts = cpm_xml_split_related (cpm_object_get_body (obj),
                                            cpm_object_get_header (obj, "Content-Type"),
                                            cpm_object_get_body_line (obj), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (parts->len, ==, 3);
  const CpmXmlPart *root = parts->pdata[0];
  g_assert_cmpstr (root->content_type, ==, "application/x-cpm-file-transfer");
  gsize len = 0;
  const char *xml = g_bytes_get_data (root->content, &len);
  g_assert_nonnull (g_strstr_len (xml, len, "<file-transfer>"));
  g_assert_cmpuint (root->first_line, ==, 14);

  const CpmXmlPart *thumb = cpm_xml_find_part (parts, "cid:mythumbnail@example.com");
  const CpmXmlPart *file = cpm_xml_find_part (parts, "cid:1234@example.com");
  g_assert_nonnull (thumb);
  g_assert_nonnull (file);
  g_assert_cmpstr (thumb->content_type, ==, "image/jpeg");
  g_assert_cmpuint (g_bytes_get_size (file->content), ==, 4092);
  const guint8 *jpeg = g_bytes_get_data (file->content, NULL);
  g_assert_cmpuint (jpeg[0], ==, 0xff);
  g_assert_cmpuint (jpeg[1], ==, 0xd8);
  g_ptr_array_unref (parts);
}

/* Its headers lack the mandatory Accept-Contact (spec README defect 3):
 * that is the only finding under 2.2. */
static void
test_appendix_e_verdict (void)
{
  g_autoptr(CpmReport) r = validate_file ("ft/appendix-e.eml", CPM_PROFILE_2_2);
  cpm_test_assert_rules (r, "accept-contact.missing", NULL);
}

/* Kept verbatim, the text's "... My picture.jpg..." stands where the 4092
 * octets of a=file-selector should be. */
static void
test_appendix_e_placeholders (void)
{
  g_autoptr(CpmReport) r = validate_file ("ft/appendix-e-placeholders.eml", CPM_PROFILE_2_2);
  cpm_test_assert_rules (r, "accept-contact.missing", "ft.size-mismatch", NULL);
  for (guint i = 0; i < cpm_report_get_count (r); i++) {
    const CpmDiagnostic *d = cpm_report_get (r, i);
    if (strcmp (d->rule, "ft.size-mismatch") == 0) {
      g_assert_cmpuint (d->line, ==, 21); /* the a=file-selector line */
      g_assert_nonnull (strstr (d->message, "4092"));
    }
  }
}

typedef struct {
  const char *file;
  const char *rules[3];
} Case;

static const Case cases[] = {
  { "ft/valid-1-1.eml", { NULL } },
  { "ft/valid-ad-hoc.eml", { NULL } },
  { "ft/valid-pre-defined-no-icon.eml", { NULL } },
  { "ft/valid-base64-file.eml", { NULL } },
  { "ft/valid-start-parameter.eml", { NULL } }, /* root second, named by start */
  { "ft/invalid-ft-type-value.eml", { "ft.type-value" } },
  { "ft/invalid-ft-type-missing.eml", { "ft.type-missing" } },
  { "ft/invalid-ft-participants-missing.eml", { "ft.participants-missing" } },
  { "ft/invalid-ft-participants-not-allowed.eml", { "ft.participants-not-allowed" } },
  { "ft/invalid-ft-participants-value.eml", { "ft.participants-value" } },
  { "ft/invalid-ft-sdp-missing.eml", { "ft.sdp-missing" } },
  { "ft/invalid-ft-cid-unresolved.eml", { "ft.cid-unresolved" } },
  { "ft/invalid-ft-cid-syntax.eml", { "ft.cid-syntax" } },
  { "ft/invalid-ft-cid-missing.eml", { "ft.cid-missing" } },
  { "ft/invalid-ft-cid-duplicate.eml", { "ft.cid-duplicate" } },
  { "ft/invalid-ft-icon-unresolved.eml", { "ft.icon-unresolved" } },
  { "ft/invalid-ft-size-mismatch.eml", { "ft.size-mismatch" } },
  { "ft/invalid-ft-root-type.eml", { "ft.root-type" } },
  { "ft/invalid-ft-root-element.eml", { "ft.root-element" } },
  { "ft/invalid-ft-element-repeated.eml", { "ft.element-repeated" } },
  { "ft/invalid-ft-imdn-value.eml", { "ft.imdn-value" } },
  { "ft/invalid-ft-encoding.eml", { "ft.encoding" } },
  { "ft/invalid-ft-mime.eml", { "ft.mime" } },
  { "ft/invalid-xml-doctype.eml", { "xml.doctype" } },
  { "ft/invalid-xml-not-well-formed.eml", { "xml.not-well-formed" } },
  { "ft/warning-ft-boundary.eml", { "ft.boundary" } },
  { "ft/warning-ft-element-unknown.eml", { "ft.element-unknown" } },
};

static void
test_fixture (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(CpmReport) r = validate_file (c->file, CPM_PROFILE_2_2);
  cpm_test_assert_rules (r, c->rules[0], c->rules[1], c->rules[2], NULL);
  /* Every finding is placed on a line of the object. */
  for (guint i = 0; i < cpm_report_get_count (r); i++)
    g_assert_cmpuint (cpm_report_get (r, i)->line, >, 0);
}

/* The type parameter names the session type: the object is then not
 * recognised as a file transfer; forced to be one, Table 2 is broken. */
static void
test_content_type_forced (void)
{
  g_autoptr(CpmObject) obj = cpm_test_load_object ("ft/invalid-ft-content-type.eml");
  g_assert_cmpint (cpm_object_get_kind (obj), !=, CPM_KIND_FILE_TRANSFER);
  cpm_object_set_kind (obj, CPM_KIND_FILE_TRANSFER);
  g_autoptr(CpmReport) r = cpm_validate (obj, CPM_PROFILE_2_2);
  cpm_test_assert_rules (r, "ft.content-type", NULL);
}

static void
test_cid_matching (void)
{
  g_assert_true (cpm_cid_url_matches ("cid:1234@example.com", "<1234@example.com>"));
  g_assert_true (cpm_cid_url_matches ("CID:1234@example.com", "1234@example.com"));
  g_assert_true (cpm_cid_url_matches ("cid:my%20pic%40x@example.com", "<my pic@x@example.com>"));
  g_assert_true (cpm_cid_url_matches (" cid:a@b ", " <a@b> "));
  g_assert_false (cpm_cid_url_matches ("cid:1234@example.com", "<1235@example.com>"));
  g_assert_false (cpm_cid_url_matches ("cid:1234@Example.com", "<1234@example.com>"));
}

static void
test_xml_writer (void)
{
  const char *cids[] = { "pic 1@example.com", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) xml = cpm_file_transfer_xml_new ("Ad-Hoc", "sip:a@x; sip:b@x", NULL,
                                                     "a=file-selector:name:\"a&b.jpg\" size:3",
                                                     cids, &error);
  g_assert_no_error (error);
  g_autofree char *text = g_strndup (g_bytes_get_data (xml, NULL), g_bytes_get_size (xml));
  g_assert_nonnull (strstr (text, "<file-transfer-type>Ad-Hoc</file-transfer-type>"));
  g_assert_nonnull (strstr (text, "name:\"a&amp;b.jpg\""));
  g_assert_nonnull (strstr (text, "<cid>cid:pic%201@example.com</cid>"));
  g_assert_null (strstr (text, "<imdn>"));

  g_autoptr(GBytes) bad = cpm_file_transfer_xml_new ("group", NULL, NULL, "", NULL, &error);
  g_assert_null (bad);
  g_assert_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  g_autoptr(GBytes) bad2 = cpm_file_transfer_xml_new ("1-1", "sip:a@x", NULL, "", NULL, &error);
  g_assert_null (bad2);
  g_assert_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE);
}

/* A file transfer assembled with the builder from the writer's root and
 * the files validates clean. */
static void
test_builder (void)
{
  guint8 blob[3000];
  for (guint i = 0; i < sizeof blob; i++)
    blob[i] = (guint8) (i * 7 + (i >> 3)); /* binary: NULs, CRs, LFs */
  g_autoptr(GBytes) file = g_bytes_new (blob, sizeof blob);
  g_autofree char *sdp = g_strdup_printf ("a=file-selector:name:\"x.bin\" type:application/octet-stream size:%"
                                          G_GSIZE_FORMAT "\na=file-icon:cid:icon@example.com",
                                          g_bytes_get_size (file));
  const char *cids[] = { "file@example.com", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) xml = cpm_file_transfer_xml_new ("1-1", NULL, NULL, sdp, cids, &error);
  g_assert_no_error (error);
  g_autoptr(GBytes) icon = g_bytes_new_static ("\x89PNG\r\n\x1a\n", 8);

  g_autoptr(CpmBuilder) b = cpm_builder_new (CPM_KIND_FILE_TRANSFER);
  cpm_builder_set_generate (b, CPM_GENERATE_DATE | CPM_GENERATE_IMDN_MESSAGE_ID);
  cpm_builder_set_header (b, "From", "<sip:bob@example.com>");
  cpm_builder_set_header (b, "To", "<sip:alice@example.com>");
  cpm_builder_set_header (b, "Conversation-ID", "conv-1");
  cpm_builder_set_header (b, "Contribution-ID", "contrib-1");
  cpm_builder_set_header (b, "P-Asserted-Service",
                          "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.filetransfer");
  cpm_builder_add_header (b, "Accept-Contact", "*;+g.oma.sip-im");
  cpm_builder_set_content (b, CPM_FILE_TRANSFER_TYPE, xml);
  cpm_builder_add_part (b, "image/png", "icon@example.com", NULL, icon);
  cpm_builder_add_part (b, "application/octet-stream", "file@example.com", "x.bin", file);
  g_autoptr(CpmObject) obj = cpm_builder_build (b, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cpm_object_get_kind (obj), ==, CPM_KIND_FILE_TRANSFER);
  g_autoptr(CpmReport) r = cpm_validate (obj, CPM_PROFILE_2_2);
  cpm_test_assert_rules (r, NULL, NULL);

  /* ... and so does its serialization, parsed back. */
  g_autoptr(GBytes) bytes = cpm_object_serialize (obj);
  g_autoptr(CpmObject) again = cpm_object_parse (bytes, NULL, &error);
  g_assert_no_error (error);
  g_autoptr(CpmReport) r2 = cpm_validate (again, CPM_PROFILE_2_2);
  cpm_test_assert_rules (r2, NULL, NULL);
}

/* Found by fuzz-xml-filetransfer (LeakSanitizer): a file-selector naming
 * name: or type: twice leaked the first value. The last one counts. */
static void
test_selector_repeated_fields (void)
{
  g_autoptr(CpmReport) report = validate_file ("ft/valid-selector-repeated-fields.eml",
                                               CPM_PROFILE_DEFAULT);
  cpm_test_assert_clean (report);
}

int
main (int argc, char **argv)
{
  cpm_test_init (&argc, &argv);
  g_test_add_func ("/filetransfer/appendix-e/structure", test_appendix_e_structure);
  g_test_add_func ("/filetransfer/appendix-e/verdict", test_appendix_e_verdict);
  g_test_add_func ("/filetransfer/appendix-e/placeholders", test_appendix_e_placeholders);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *name = g_strdup_printf ("/filetransfer/fixture/%s", cases[i].file + 3);
    g_test_add_data_func (name, &cases[i], test_fixture);
  }
  g_test_add_func ("/filetransfer/content-type-forced", test_content_type_forced);
  g_test_add_func ("/filetransfer/cid-matching", test_cid_matching);
  g_test_add_func ("/filetransfer/xml-writer", test_xml_writer);
  g_test_add_func ("/filetransfer/builder", test_builder);
  g_test_add_func ("/filetransfer/selector-repeated-fields", test_selector_repeated_fields);
  return g_test_run ();
}
