/* Safe XML loading, XSD validation, multipart splitting, JSON view.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"
#define CPM_COMPILATION 1
#include "cpm-xml-private.h"
#include <cpmobj/cpm-xml.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Parses testdata/@file with the body starting on object line @first_line;
 * returns the document (or NULL) and leaves the findings in @report. */
static xmlDocPtr
parse_file (const char *file, CpmReport *report, guint first_line, const CpmLimits *limits,
            GError **error)
{
  g_autoptr (GBytes) bytes = cpm_test_load (file);
  CpmXmlPlace place = { report, first_line, "test", "test" };
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);
  return cpm_xml_parse (data, len, limits, &place, error);
}

static const CpmDiagnostic *
only_diagnostic (CpmReport *report, const char *rule)
{
  cpm_test_assert_rules (report, rule, NULL);
  g_assert_cmpuint (cpm_report_get_count (report), ==, 1);
  return cpm_report_get (report, 0);
}

static void
test_appendix_g_verbatim (void)
{
  g_autoptr (CpmReport) report = cpm_report_new ();
  g_autoptr (GError) error = NULL;
  xmlDocPtr doc = parse_file ("gso/appendix-g-verbatim.xml", report, 1, NULL, &error);
  g_assert_null (doc);
  g_assert_error (error, CPM_ERROR, CPM_ERROR_XML);
  const CpmDiagnostic *d = only_diagnostic (report, "xml.not-well-formed");
  /* The groupstate start tag is never closed: the parser trips over the
   * "<" of <max-user-count> at the start of line 8 (column 3). */
  g_assert_cmpuint (d->line, ==, 8);
  g_assert_cmpuint (d->column, ==, 3);
  g_assert_nonnull (strstr (error->message, "line 8, column 3"));
}

static void
test_appendix_g_repaired (void)
{
  g_autoptr (CpmReport) report = cpm_report_new ();
  g_autoptr (GError) error = NULL;
  xmlDocPtr doc = parse_file ("gso/appendix-g-repaired.xml", report, 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (doc);
  CpmXmlPlace place = { report, 1, "5.2.4", "gso" };
  g_assert_true (cpm_xml_validate (doc, "group-state-object.xsd", &place, &error));
  g_assert_no_error (error);
  cpm_test_assert_rules (report, NULL, NULL);
  xmlFreeDoc (doc);
}

/* An instance's xsi:noNamespaceSchemaLocation hint is never followed: the
 * body is checked against our schema only (the hint names an unreachable
 * URL; following it would add a finding). */
static void
test_xsi_hint_ignored (void)
{
  g_autoptr (CpmReport) report = cpm_report_new ();
  xmlDocPtr doc = parse_file ("xml/xsi-schema-location.xml", report, 1, NULL, NULL);
  g_assert_nonnull (doc);
  CpmXmlPlace place = { report, 1, "5.2.4", "gso" };
  g_assert_true (cpm_xml_validate (doc, "group-state-object.xsd", &place, NULL));
  cpm_test_assert_rules (report, NULL, NULL);
  xmlFreeDoc (doc);
}

static void
assert_doctype_refused (gconstpointer file)
{
  g_autoptr (CpmReport) report = cpm_report_new ();
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  xmlDocPtr doc = parse_file (file, report, 1, NULL, &error);
  g_assert_null (doc);
  g_assert_error (error, CPM_ERROR, CPM_ERROR_XML);
  g_assert_nonnull (strstr (error->message, "DOCTYPE"));
  const CpmDiagnostic *d = only_diagnostic (report, "xml.doctype");
  g_assert_cmpuint (d->line, ==, 2);
  g_assert_cmpuint (d->column, ==, 1); /* the "<" of "<!DOCTYPE" */
  /* Refused before any entity is declared, let alone expanded. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
}

static void
test_undeclared_entity (void)
{
  g_autoptr (CpmReport) report = cpm_report_new ();
  xmlDocPtr doc = parse_file ("xml/undeclared-entity.xml", report, 1, NULL, NULL);
  g_assert_null (doc);
  const CpmDiagnostic *d = only_diagnostic (report, "xml.not-well-formed");
  g_assert_cmpuint (d->line, ==, 3);
  g_assert_nonnull (strstr (d->message, "nosuch"));
}

/* Found by fuzz-xml-filetransfer: after a fatal error in the XML
 * declaration libxml2 stops calling back but reads on, so the DOCTYPE
 * callback never refused the entity bomb behind it and its expansion ran
 * for minutes into gigabytes. The first fatal error ends the parse. */
static void
test_bomb_after_syntax_error (void)
{
  g_autoptr (CpmReport) report = cpm_report_new ();
  xmlDocPtr doc = parse_file ("xml/billion-laughs-after-syntax-error.xml", report, 1, NULL, NULL);
  g_assert_null (doc);
  const CpmDiagnostic *d = only_diagnostic (report, "xml.not-well-formed");
  g_assert_cmpuint (d->line, ==, 1);
}

/* Lines are object lines: the XML's line 1 is the body's first line. */
static void
test_line_offset (void)
{
  g_autoptr (CpmReport) report = cpm_report_new ();
  xmlDocPtr doc = parse_file ("xml/mismatched-tag.xml", report, 10, NULL, NULL);
  g_assert_null (doc);
  const CpmDiagnostic *d = only_diagnostic (report, "xml.not-well-formed");
  g_assert_cmpuint (d->line, ==, 13);
  g_assert_cmpuint (d->column, >, 0);
}

static void
test_depth_limit (void)
{
  g_autoptr (CpmReport) report = cpm_report_new ();
  g_autoptr (GError) error = NULL;
  xmlDocPtr doc = parse_file ("xml/deep-300.xml", report, 1, NULL, &error);
  g_assert_null (doc);
  g_assert_error (error, CPM_ERROR, CPM_ERROR_LIMIT);
  only_diagnostic (report, "limit.xml-depth");

  g_autoptr (CpmReport) ok = cpm_report_new ();
  doc = parse_file ("xml/deep-200.xml", ok, 1, NULL, NULL);
  g_assert_nonnull (doc);
  cpm_test_assert_rules (ok, NULL, NULL);
  xmlFreeDoc (doc);

  /* The limit is CpmLimits', not libxml2's fixed 256, in both directions. */
  CpmLimits limits = *cpm_limits_default ();
  limits.max_xml_depth = 1000;
  g_autoptr (CpmReport) deep_ok = cpm_report_new ();
  doc = parse_file ("xml/deep-300.xml", deep_ok, 1, &limits, NULL);
  g_assert_nonnull (doc);
  cpm_test_assert_rules (deep_ok, NULL, NULL);
  xmlFreeDoc (doc);

  limits.max_xml_depth = 10;
  g_autoptr (CpmReport) shallow = cpm_report_new ();
  doc = parse_file ("xml/deep-200.xml", shallow, 1, &limits, NULL);
  g_assert_null (doc);
  g_assert_cmpuint (only_diagnostic (shallow, "limit.xml-depth")->line, ==, 2);
}

static void
test_size_limit (void)
{
  CpmLimits limits = *cpm_limits_default ();
  limits.max_xml_size = 64;
  g_autoptr (CpmReport) report = cpm_report_new ();
  g_autoptr (GError) error = NULL;
  xmlDocPtr doc = parse_file ("gso/appendix-g-repaired.xml", report, 5, &limits, &error);
  g_assert_null (doc);
  g_assert_error (error, CPM_ERROR, CPM_ERROR_LIMIT);
  g_assert_cmpuint (only_diagnostic (report, "limit.xml-size")->line, ==, 5);
}

/* Nothing of libxml2's reaches stderr, whatever the input. */
static void
test_silent (void)
{
  static const char *const files[] = { "gso/appendix-g-verbatim.xml", "xml/billion-laughs.xml",
                                       "xml/external-entity.xml", "xml/deep-300.xml",
                                       "xml/undeclared-entity.xml", NULL };
  fflush (stderr);
  FILE *capture = tmpfile ();
  g_assert_nonnull (capture);
  int saved = dup (STDERR_FILENO);
  dup2 (fileno (capture), STDERR_FILENO);
  for (guint i = 0; files[i]; i++) {
    g_autoptr (CpmReport) report = cpm_report_new ();
    xmlDocPtr doc = parse_file (files[i], report, 1, NULL, NULL);
    g_assert_null (doc);
  }
  g_autoptr (GBytes) bad = cpm_test_load ("xml/mismatched-tag.xml");
  json_object *j = cpm_xml_to_json (g_bytes_get_data (bad, NULL), g_bytes_get_size (bad), NULL);
  g_assert_null (j);
  fflush (stderr);
  dup2 (saved, STDERR_FILENO);
  close (saved);
  g_assert_cmpint (ftell (capture), ==, 0);
  fclose (capture);
}

static void
test_schema_errors (void)
{
  static const char xml[] =
    "<?xml version=\"1.0\"?>\n"
    "<groupstate timestamp=\"yesterday\" group-type=\"Open\"\n"
    "  lastfocussessionid=\"sip:conf@example.com\">\n"
    "  <participant comm-addr=\"tel:+1\"/>\n"
    "</groupstate>\n";
  g_autoptr (CpmReport) report = cpm_report_new ();
  CpmXmlPlace place = { report, 20, "5.2.4", "gso" };
  xmlDocPtr doc = cpm_xml_parse (xml, sizeof xml - 1, NULL, &place, NULL);
  g_assert_nonnull (doc);
  g_assert_false (cpm_xml_validate (doc, "group-state-object.xsd", &place, NULL));
  xmlFreeDoc (doc);
  /* bad timestamp on the root, participant without name (XML line 4).
   * libxml2 dates an element by the line its start tag ENDS on: the root's
   * start tag spans XML lines 2-3, so its finding is on line 3. */
  g_assert_cmpuint (cpm_report_get_count (report), ==, 2);
  g_assert_cmpstr (cpm_report_get (report, 0)->rule, ==, "gso.schema");
  g_assert_cmpuint (cpm_report_get (report, 0)->line, ==, 22);
  g_assert_nonnull (strstr (cpm_report_get (report, 0)->message, "timestamp"));
  g_assert_cmpuint (cpm_report_get (report, 1)->line, ==, 23);
  g_assert_nonnull (strstr (cpm_report_get (report, 1)->message, "name"));
}

/* The parser and validation contexts are kept per thread from document to
 * document: whatever a refused or broken document leaves must not reach
 * the next one, and a document parses the same after any other. */
static void
test_kept_contexts (void)
{
  static const char *const refused[] = { "xml/billion-laughs.xml", "xml/external-entity.xml",
                                         "xml/deep-300.xml", "xml/mismatched-tag.xml",
                                         "xml/undeclared-entity.xml", NULL };
  static const char *const rules[] = { "xml.doctype", "xml.doctype", "limit.xml-depth",
                                       "xml.not-well-formed", "xml.not-well-formed" };
  static const char good[] = "<?xml version=\"1.0\"?>\n"
                             "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">\n"
                             "<message-id>a1</message-id>\n"
                             "<datetime>2024-05-01T00:00:03Z</datetime>\n"
                             "<delivery-notification><status><delivered/></status>"
                             "</delivery-notification>\n"
                             "</imdn>\n";
  static const char invalid[] = "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"><x/></imdn>";
  for (guint i = 0; refused[i]; i++) {
    g_autoptr (CpmReport) report = cpm_report_new ();
    g_assert_null (parse_file (refused[i], report, 1, NULL, NULL));
    only_diagnostic (report, rules[i]);

    g_autoptr (CpmReport) after = cpm_report_new ();
    g_autoptr (GError) error = NULL;
    CpmXmlPlace place = { after, 1, "test", "imdn" };
    xmlDocPtr doc = cpm_xml_parse (good, sizeof good - 1, NULL, &place, &error);
    g_assert_no_error (error);
    g_assert_nonnull (doc);
    g_assert_true (cpm_xml_validate (doc, "imdn.xsd", &place, NULL));
    cpm_test_assert_rules (after, NULL, NULL);
    /* Lines are counted from this document's start. */
    g_assert_cmpint (xmlGetLineNo (cpm_xml_child (xmlDocGetRootElement (doc), "datetime")), ==, 4);
    xmlFreeDoc (doc);

    /* A schema finding, then the same valid document again: no finding
     * carried over. */
    g_autoptr (CpmReport) bad = cpm_report_new ();
    CpmXmlPlace bad_place = { bad, 1, "test", "imdn" };
    doc = cpm_xml_parse (invalid, sizeof invalid - 1, NULL, &bad_place, NULL);
    g_assert_false (cpm_xml_validate (doc, "imdn.xsd", &bad_place, NULL));
    g_assert_cmpuint (cpm_report_get_count (bad), >, 0);
    xmlFreeDoc (doc);
    g_autoptr (CpmReport) again = cpm_report_new ();
    CpmXmlPlace again_place = { again, 1, "test", "imdn" };
    doc = cpm_xml_parse (good, sizeof good - 1, NULL, &again_place, NULL);
    g_assert_true (cpm_xml_validate (doc, "imdn.xsd", &again_place, NULL));
    cpm_test_assert_rules (again, NULL, NULL);
    xmlFreeDoc (doc);
  }
}

/* Documents keep the kept context's dictionary of names alive; ever new
 * names make the context be replaced, and every document stays readable
 * after its context is gone. */
static void
test_kept_dictionary (void)
{
  GPtrArray *docs = g_ptr_array_new_with_free_func ((GDestroyNotify) xmlFreeDoc);
  for (guint i = 0; i < 3000; i++) {
    g_autofree char *xml = g_strdup_printf ("<r%u><a%u x%u=\"v\"/><b%u/></r%u>", i, i, i, i, i);
    xmlDocPtr doc = cpm_xml_parse (xml, strlen (xml), NULL, NULL, NULL);
    g_assert_nonnull (doc);
    g_ptr_array_add (docs, doc);
  }
  for (guint i = 0; i < docs->len; i++) {
    g_autofree char *name = g_strdup_printf ("r%u", i);
    g_assert_cmpstr ((const char *) xmlDocGetRootElement (docs->pdata[i])->name, ==, name);
  }
  g_ptr_array_unref (docs);
}

/* Plain UTF-8 documents are read without libxml2's read function, others
 * through their converter: each reads whole, whatever its length. */
static char *
text_of_last (const char *data, gsize len)
{
  g_autoptr (CpmReport) report = cpm_report_new ();
  CpmXmlPlace place = { report, 1, "test", "test" };
  xmlDocPtr doc = cpm_xml_parse (data, len, NULL, &place, NULL);
  cpm_test_assert_rules (report, NULL, NULL);
  g_assert_nonnull (doc);
  xmlNodePtr root = xmlDocGetRootElement (doc);
  g_assert_cmpuint (cpm_xml_count_children (root, "e"), ==, 100);
  xmlNodePtr last = xmlGetLastChild (root);
  while (last && last->type != XML_ELEMENT_NODE)
    last = last->prev;
  char *text = cpm_xml_get_text (last);
  xmlFreeDoc (doc);
  return text;
}

/* <r> and 100 <e>@word N</e> lines, in whatever bytes @word is. */
static void
append_elements (GString *xml, const char *word)
{
  g_string_append (xml, "<r>");
  for (guint n = 0; n < 100; n++)
    g_string_append_printf (xml, "<e>%s %u</e>\n", word, n);
  g_string_append (xml, "</r>");
}

static void
test_encodings (void)
{
  static const char *const heads[] = { "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
                                       "\xEF\xBB\xBF<?xml version='1.0' encoding='utf8'?>\n",
                                       "", "<?xml version=\"1.0\"?>", NULL };
  for (guint i = 0; heads[i]; i++) {
    g_autoptr (GString) xml = g_string_new (heads[i]);
    append_elements (xml, "caf\xC3\xA9");
    g_autofree char *text = text_of_last (xml->str, xml->len);
    g_assert_cmpstr (text, ==, "caf\xC3\xA9 99");
  }
  /* Latin-1, converted past its first line */
  g_autoptr (GString) latin = g_string_new ("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n");
  append_elements (latin, "caf\xE9");
  g_autofree char *text = text_of_last (latin->str, latin->len);
  g_assert_cmpstr (text, ==, "caf\xC3\xA9 99");
  /* UTF-16LE with its byte order mark */
  g_autoptr (GString) utf8 = g_string_new (NULL);
  append_elements (utf8, "caf\xC3\xA9");
  gsize n16 = 0;
  g_autofree char *utf16 = g_convert (utf8->str, (gssize) utf8->len, "UTF-16LE", "UTF-8", NULL,
                                      &n16, NULL);
  g_autoptr (GString) bom = g_string_new_len ("\xFF\xFE", 2);
  g_string_append_len (bom, utf16, (gssize) n16);
  g_autofree char *text16 = text_of_last (bom->str, bom->len);
  g_assert_cmpstr (text16, ==, "caf\xC3\xA9 99");
}

static void
test_schema_unavailable (void)
{
  static const char xml[] = "<x/>";
  g_autoptr (CpmReport) report = cpm_report_new ();
  g_autoptr (GError) error = NULL;
  CpmXmlPlace place = { report, 1, "test", "test" };
  xmlDocPtr doc = cpm_xml_parse (xml, sizeof xml - 1, NULL, &place, NULL);
  g_assert_false (cpm_xml_validate (doc, "no-such-schema.xsd", &place, &error));
  g_assert_error (error, CPM_ERROR, CPM_ERROR_IO);
  only_diagnostic (report, "xml.schema-unavailable");
  xmlFreeDoc (doc);
}

static void
test_all_schemas_compile (void)
{
  static const char *const names[] = { "group-state-object.xsd", "conference-info.xsd",
                                       "imdn.xsd", NULL };
  static const char xml[] = "<not-a-root/>";
  for (guint i = 0; names[i]; i++) {
    g_autoptr (CpmReport) report = cpm_report_new ();
    g_autoptr (GError) error = NULL;
    CpmXmlPlace place = { report, 1, "test", "test" };
    xmlDocPtr doc = cpm_xml_parse (xml, sizeof xml - 1, NULL, &place, NULL);
    g_assert_false (cpm_xml_validate (doc, names[i], &place, &error));
    g_assert_no_error (error); /* invalid document, schema fine */
    only_diagnostic (report, "test.schema");
    xmlFreeDoc (doc);
  }
}

static void
test_json (void)
{
  g_autoptr (GBytes) bytes = cpm_test_load ("xml/namespaced.xml");
  g_autoptr (GError) error = NULL;
  json_object *j = cpm_xml_to_json (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                    &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string (json_object_object_get (j, "element")), ==, "imdn");
  g_assert_cmpstr (json_object_get_string (json_object_object_get (j, "namespace")), ==,
                   "urn:ietf:params:xml:ns:imdn");
  g_assert_false (json_object_object_get_ex (j, "attributes", NULL));
  g_assert_false (json_object_object_get_ex (j, "text", NULL));
  json_object *children = json_object_object_get (j, "children");
  g_assert_cmpuint (json_object_array_length (children), ==, 4);
  json_object *id = json_object_array_get_idx (children, 0);
  g_assert_cmpstr (json_object_get_string (json_object_object_get (id, "text")), ==, "34jk324j");
  json_object *disp = json_object_array_get_idx (children, 2);
  json_object *attrs = json_object_object_get (disp, "attributes");
  g_assert_cmpstr (json_object_get_string (json_object_object_get (attrs, "x:note")), ==,
                   "seen & read");
  json_object *extra = json_object_array_get_idx (children, 3);
  g_assert_cmpstr (json_object_get_string (json_object_object_get (extra, "namespace")), ==,
                   "urn:example:ext");
  g_assert_cmpstr (json_object_get_string (json_object_object_get (extra, "text")), ==, "a < b");
  json_object_put (j);

  g_autoptr (GBytes) bomb = cpm_test_load ("xml/billion-laughs.xml");
  g_autoptr (GError) bomb_error = NULL;
  j = cpm_xml_to_json (g_bytes_get_data (bomb, NULL), g_bytes_get_size (bomb), &bomb_error);
  g_assert_null (j);
  g_assert_error (bomb_error, CPM_ERROR, CPM_ERROR_XML);
}

static const char related[] =
  "--b1\r\n"
  "Content-Type: application/group-state-object+xml\r\n"
  "Content-ID: <gso@example.com>\r\n"
  "\r\n"
  "<groupstate/>\r\n"
  "--b1\r\n"
  "Content-Type: image/png\r\n"
  "Content-ID: <icon=1@example.com>\r\n"
  "Content-Transfer-Encoding: base64\r\n"
  "\r\n"
  "iVBORw0KGgo=\r\n"
  "--b1--\r\n";

static void
test_split_related (void)
{
  g_autoptr (GBytes) body = g_bytes_new_static (related, sizeof related - 1);
  g_autoptr (GError) error = NULL;
  /* start names the icon, so the icon is the root */
  GPtrArray *parts = cpm_xml_split_related (
    body, "multipart/related; boundary=b1; start=\"<icon=1@example.com>\"", 7, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (parts->len, ==, 2);
  const CpmXmlPart *root = g_ptr_array_index (parts, 0);
  g_assert_cmpstr (root->content_type, ==, "image/png");
  g_assert_cmpuint (g_bytes_get_size (root->content), ==, 8); /* decoded PNG signature */
  g_assert_cmpuint (root->first_line, ==, 17);
  const CpmXmlPart *xml = g_ptr_array_index (parts, 1);
  g_assert_cmpuint (xml->first_line, ==, 11);
  g_assert_true (cpm_xml_find_part (parts, "cid:icon%3D1@example.com") == root);
  g_assert_true (cpm_xml_find_part (parts, "<gso@example.com>") == xml);
  g_assert_null (cpm_xml_find_part (parts, "cid:icon@example.com"));
  g_ptr_array_unref (parts);

  parts = cpm_xml_split_related (body, "text/plain", 1, &error);
  g_assert_null (parts);
  g_assert_error (error, CPM_ERROR, CPM_ERROR_PARSE);
}

/* Every prefix of a document, and a few byte flips, parse without a crash
 * and either give a document or exactly one finding (ASan watches). */
static void
test_truncations (void)
{
  static const char *const files[] = { "gso/appendix-g-repaired.xml", "xml/namespaced.xml",
                                       "xml/billion-laughs.xml", NULL };
  for (guint f = 0; files[f]; f++) {
    g_autoptr (GBytes) bytes = cpm_test_load (files[f]);
    gsize len = 0;
    const char *data = g_bytes_get_data (bytes, &len);
    for (gsize cut = 0; cut <= len; cut++) {
      for (guint flip = 0; flip < 2; flip++) {
        char *copy = g_memdup2 (data, cut ? cut : 1);
        if (flip && cut)
          copy[cut / 2] ^= 0x80;
        g_autoptr (CpmReport) report = cpm_report_new ();
        CpmXmlPlace place = { report, 1, "test", "test" };
        xmlDocPtr doc = cpm_xml_parse (copy, cut, NULL, &place, NULL);
        g_assert_cmpuint (cpm_report_get_count (report), ==, doc ? 0 : 1);
        if (doc)
          xmlFreeDoc (doc);
        json_object *j = cpm_xml_to_json (copy, cut, NULL);
        if (j)
          json_object_put (j);
        g_free (copy);
      }
    }
  }
}

/* The schema cache is shared: threads validating at once agree. */
static gpointer
validate_many (gpointer data)
{
  g_autoptr (GBytes) bytes = cpm_test_load ("gso/appendix-g-repaired.xml");
  for (guint i = 0; i < 50; i++) {
    g_autoptr (CpmReport) report = cpm_report_new ();
    CpmXmlPlace place = { report, 1, "5.2.4", "gso" };
    xmlDocPtr doc = cpm_xml_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                   NULL, &place, NULL);
    if (!doc || !cpm_xml_validate (doc, data, &place, NULL) || cpm_report_get_count (report))
      return GINT_TO_POINTER (1);
    xmlFreeDoc (doc);
  }
  return NULL;
}

static void
test_threads (void)
{
  GThread *threads[4];
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("validate", validate_many, (gpointer) "group-state-object.xsd");
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_assert_null (g_thread_join (threads[i]));
}

/* Every XML body kind refuses a billion-laughs bomb and an external
 * entity: an xml.doctype error, the object still read as its kind, and
 * nothing of the entities (no "lol" expansion, nothing of /etc/passwd)
 * in any diagnostic. */
static void
test_doctype_each_kind (void)
{
  static const struct { const char *name; CpmKind kind; } kinds[] = {
    { "filetransfer", CPM_KIND_FILE_TRANSFER }, { "session", CPM_KIND_SESSION_INFO },
    { "gso", CPM_KIND_GROUP_STATE }, { "confinfo", CPM_KIND_CONFERENCE_INFO },
    { "imdn", CPM_KIND_IMDN },
  };
  static const char *const attacks[] = { "billion-laughs", "external-entity" };

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    for (guint a = 0; a < G_N_ELEMENTS (attacks); a++) {
      g_autofree char *path = g_strdup_printf ("hostile/xml-%s-%s.eml", kinds[k].name, attacks[a]);
      g_autoptr (CpmObject) o = cpm_test_load_object (path);
      g_autoptr (CpmReport) report = NULL;

      g_assert_cmpint (cpm_object_get_kind (o), ==, kinds[k].kind);
      report = cpm_validate (o, CPM_PROFILE_DEFAULT);
      if (!cpm_report_has_rule (report, "xml.doctype"))
        g_error ("%s: no xml.doctype", path);
      for (guint i = 0; i < cpm_report_get_count (report); i++) {
        const char *m = cpm_report_get (report, i)->message;
        g_assert_null (strstr (m, "lollol"));
        g_assert_null (strstr (m, "root:"));
      }
    }
}

int
main (int argc, char **argv)
{
  cpm_test_init (&argc, &argv);
  g_test_add_func ("/xml/appendix-g-verbatim", test_appendix_g_verbatim);
  g_test_add_func ("/xml/appendix-g-repaired", test_appendix_g_repaired);
  g_test_add_data_func ("/xml/doctype/billion-laughs", "xml/billion-laughs.xml",
                        assert_doctype_refused);
  g_test_add_data_func ("/xml/doctype/external-entity", "xml/external-entity.xml",
                        assert_doctype_refused);
  g_test_add_data_func ("/xml/doctype/external-dtd", "xml/external-dtd.xml",
                        assert_doctype_refused);
  g_test_add_data_func ("/xml/doctype/parameter-entity", "xml/parameter-entity.xml",
                        assert_doctype_refused);
  g_test_add_func ("/xml/undeclared-entity", test_undeclared_entity);
  g_test_add_func ("/xml/bomb-after-syntax-error", test_bomb_after_syntax_error);
  g_test_add_func ("/xml/line-offset", test_line_offset);
  g_test_add_func ("/xml/depth-limit", test_depth_limit);
  g_test_add_func ("/xml/size-limit", test_size_limit);
  g_test_add_func ("/xml/silent", test_silent);
  g_test_add_func ("/xml/schema-errors", test_schema_errors);
  g_test_add_func ("/xml/schema-unavailable", test_schema_unavailable);
  g_test_add_func ("/xml/kept-contexts", test_kept_contexts);
  g_test_add_func ("/xml/kept-dictionary", test_kept_dictionary);
  g_test_add_func ("/xml/encodings", test_encodings);
  g_test_add_func ("/xml/schemas-compile", test_all_schemas_compile);
  g_test_add_func ("/xml/json", test_json);
  g_test_add_func ("/xml/split-related", test_split_related);
  g_test_add_func ("/xml/truncations", test_truncations);
  g_test_add_func ("/xml/xsi-hint-ignored", test_xsi_hint_ignored);
  g_test_add_func ("/xml/threads", test_threads);
  g_test_add_func ("/xml/doctype/each-kind", test_doctype_each_kind);
  return g_test_run ();
}
