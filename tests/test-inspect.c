/* cpm_inspect_to_json(): what `cpmobj inspect` prints.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"

#include <string.h>

static json_object *
inspect (const char *path)
{
  g_autoptr(CpmObject) obj = cpm_test_load_object (path);
  json_object *o = cpm_inspect_to_json (obj);
  g_assert_nonnull (o);
  return o;
}

static json_object *
member (json_object *o, const char *name)
{
  json_object *v = NULL;
  if (!json_object_object_get_ex (o, name, &v))
    g_error ("no member \"%s\" in %s", name, json_object_to_json_string (o));
  return v;
}

static const char *
str (json_object *o, const char *name)
{
  return json_object_get_string (member (o, name));
}

/* Appendix E: kind, the one profile it fits (Accept-Contact is missing,
 * so only 1.0), its headers with lines, the root XML, and three parts. */
static void
test_appendix_e (void)
{
  json_object *o = inspect ("ft/appendix-e.eml");
  g_assert_cmpstr (str (o, "kind"), ==, "file-transfer");
  g_assert_cmpstr (str (o, "profile"), ==, "1.0");
  g_assert_cmpuint (json_object_array_length (member (o, "profiles")), ==, 1);

  json_object *headers = member (o, "headers");
  g_assert_cmpuint (json_object_array_length (headers), ==, 9);
  json_object *ct = json_object_array_get_idx (headers, 8);
  g_assert_cmpstr (str (ct, "name"), ==, "Content-type");
  g_assert_cmpint (json_object_get_int (member (ct, "line")), ==, 9);

  json_object *xml = member (o, "xml");
  g_assert_cmpstr (str (xml, "element"), ==, "file-transfer");
  json_object *type = json_object_array_get_idx (member (xml, "children"), 0);
  g_assert_cmpstr (str (type, "text"), ==, "1-1");

  json_object *parts = member (o, "parts");
  g_assert_cmpuint (json_object_array_length (parts), ==, 3);
  json_object *root = json_object_array_get_idx (parts, 0);
  g_assert_true (json_object_get_boolean (member (root, "root")));
  g_assert_cmpstr (str (root, "content_type"), ==, "application/x-cpm-file-transfer");
  json_object *thumb = json_object_array_get_idx (parts, 1);
  g_assert_cmpstr (str (thumb, "content_id"), ==, "mythumbnail@example.com");
  json_object *file = json_object_array_get_idx (parts, 2);
  g_assert_cmpstr (str (file, "content_id"), ==, "1234@example.com");
  g_assert_cmpint (json_object_get_int (member (file, "size")), ==, 4092);
  g_assert_cmpint (json_object_get_int (member (file, "line")), ==, 39);
  json_object_put (o);
}

/* A valid 2.2 object fits 2.0, 2.1 and 2.2 (1.0 too: its table is
 * looser); the newest is the profile. */
static void
test_profiles (void)
{
  json_object *o = inspect ("session/valid-group.eml");
  g_assert_cmpstr (str (o, "kind"), ==, "session-info");
  g_assert_cmpstr (str (o, "profile"), ==, "2.2");
  json_object *p = member (o, "profiles");
  g_assert_cmpuint (json_object_array_length (p), ==, 4);
  g_assert_cmpstr (json_object_get_string (json_object_array_get_idx (p, 0)), ==, "1.0");
  json_object *xml = member (o, "xml");
  g_assert_cmpstr (str (xml, "element"), ==, "session");
  json_object_put (o);

  /* The 1.0 session history object fits 1.0 only. */
  json_object *h = inspect ("session/session-history-1.0.eml");
  g_assert_cmpstr (str (h, "profile"), ==, "1.0");
  g_assert_cmpuint (json_object_array_length (member (h, "profiles")), ==, 1);
  json_object_put (h);
}

/* An object that fits no profile says so with a null profile. */
static void
test_no_profile (void)
{
  json_object *o = inspect ("session/invalid-session-type-value.eml");
  g_assert_null (member (o, "profile"));
  g_assert_cmpuint (json_object_array_length (member (o, "profiles")), ==, 0);
  json_object_put (o);
}

/* Message/CPIM: the CPIM block and the encapsulated IMDN XML. */
static void
test_cpim_imdn (void)
{
  json_object *o = inspect ("store/good/Default/conv-a1b2/imdn-1.eml");
  g_assert_cmpstr (str (o, "kind"), ==, "imdn");
  json_object *cpim = member (o, "cpim");
  g_assert_cmpstr (str (cpim, "content_type"), ==, "message/imdn+xml");
  json_object *h = json_object_array_get_idx (member (cpim, "headers"), 3);
  g_assert_cmpstr (str (h, "name"), ==, "imdn.Message-ID");
  g_assert_cmpstr (str (h, "value"), ==, "imdn-0001");
  json_object *xml = member (o, "xml");
  g_assert_cmpstr (str (xml, "namespace"), ==, "urn:ietf:params:xml:ns:imdn");
  json_object *id = json_object_array_get_idx (member (xml, "children"), 0);
  g_assert_cmpstr (str (id, "text"), ==, "msg-0001");
  json_object_put (o);
}

/* RFC 2387 start: the root is the part it names, not the first. */
static void
test_start_parameter (void)
{
  json_object *o = inspect ("ft/valid-start-parameter.eml");
  json_object *parts = member (o, "parts");
  json_object *second = json_object_array_get_idx (parts, 1);
  g_assert_cmpstr (str (second, "content_id"), ==, "root@example.com");
  g_assert_true (json_object_get_boolean (member (second, "root")));
  g_assert_false (json_object_object_get_ex (json_object_array_get_idx (parts, 0), "root", NULL));
  g_assert_cmpstr (str (member (o, "xml"), "element"), ==, "file-transfer");
  json_object_put (o);
}

/* A body that is not well-formed XML gives "xml_error", not a crash. */
static void
test_xml_error (void)
{
  json_object *o = inspect ("session/invalid-xml-doctype.eml");
  g_assert_nonnull (strstr (str (o, "xml_error"), "DOCTYPE"));
  json_object_put (o);
}

/* Media multipart: leaf parts with decoded sizes. */
static void
test_media_parts (void)
{
  json_object *o = inspect ("media/valid-multipart.eml");
  g_assert_cmpstr (str (o, "kind"), ==, "media");
  json_object *parts = member (o, "parts");
  g_assert_cmpuint (json_object_array_length (parts), ==, 3);
  json_object *qp = json_object_array_get_idx (parts, 2);
  g_assert_cmpint (json_object_get_int (member (qp, "size")), ==,
                   (int) strlen ("Caf\xc3\xa9 au lait"));
  json_object *img = json_object_array_get_idx (parts, 1);
  g_assert_cmpstr (str (img, "content_type"), ==, "image/png");
  json_object_put (o);
}

/* Hostile bytes in a header stay valid UTF-8 in the JSON. */
static void
test_utf8 (void)
{
  static const char data[] = "From: \xff\xfe <sip:a@example.com>\r\nContent-Type: text/plain\r\n\r\nx\r\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) obj = cpm_object_parse_data (data, sizeof data - 1, NULL, &error);
  g_assert_no_error (error);
  json_object *o = cpm_inspect_to_json (obj);
  const char *text = json_object_to_json_string (o);
  g_assert_true (g_utf8_validate (text, -1, NULL));
  json_object_put (o);
}

int
main (int argc, char **argv)
{
  cpm_test_init (&argc, &argv);
  g_test_add_func ("/inspect/appendix-e", test_appendix_e);
  g_test_add_func ("/inspect/profiles", test_profiles);
  g_test_add_func ("/inspect/no-profile", test_no_profile);
  g_test_add_func ("/inspect/cpim-imdn", test_cpim_imdn);
  g_test_add_func ("/inspect/start-parameter", test_start_parameter);
  g_test_add_func ("/inspect/xml-error", test_xml_error);
  g_test_add_func ("/inspect/media-parts", test_media_parts);
  g_test_add_func ("/inspect/utf8", test_utf8);
  return g_test_run ();
}
