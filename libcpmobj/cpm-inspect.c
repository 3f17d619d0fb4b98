/* One object as JSON: kind, fitting profiles, headers, XML bodies, parts.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"

#include <cpmobj/cpm-cpim.h>
#include <cpmobj/cpm-filetransfer.h>
#include <cpmobj/cpm-inspect.h>
#include <cpmobj/cpm-validate.h>
#include <cpmobj/cpm-xml.h>

#include "cpm-media-private.h"
#include "cpm-object-private.h"

#include <string.h>

/* json-c writes strings byte for byte: hostile input must not make the
 * output invalid UTF-8. */
static json_object *
jstr (const char *text)
{
  if (!text)
    return NULL;
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  return json_object_new_string (valid);
}

static json_object *
jstr_len (const char *text, gsize len)
{
  g_autofree char *copy = g_strndup (text, len);
  return jstr (copy);
}

/* The XML types of the store: +xml and /xml (RFC 7303) and the two CPM
 * types of 5.2.2.1 and 5.2.3.1, whose bodies are XML. */
static gboolean
is_xml_type (const char *mime)
{
  return mime && (g_str_has_suffix (mime, "+xml") || g_str_has_suffix (mime, "/xml") ||
                  strcmp (mime, "application/x-cpm-file-transfer") == 0 ||
                  strcmp (mime, "application/x-cpm-session") == 0);
}

/* Adds "xml" (or "xml_error") to @into for @data. */
static void
add_xml (json_object *into, GBytes *data)
{
  gsize len = 0;
  const char *p = data ? g_bytes_get_data (data, &len) : NULL;
  g_autoptr(GError) error = NULL;
  json_object *xml = cpm_xml_to_json (p ? p : "", len, &error);
  if (xml)
    json_object_object_add (into, "xml", xml);
  else
    json_object_object_add (into, "xml_error", jstr (error->message));
}

static json_object *
profiles_json (const CpmObject *object, const char **newest)
{
  json_object *arr = json_object_new_array ();
  *newest = NULL;
  for (int p = CPM_PROFILE_1_0; p <= CPM_PROFILE_2_2; p++) {
    g_autoptr(CpmReport) r = cpm_validate (object, (CpmProfile) p);
    if (cpm_report_is_valid (r)) {
      *newest = cpm_profile_to_string ((CpmProfile) p);
      json_object_array_add (arr, json_object_new_string (*newest));
    }
  }
  return arr;
}

static json_object *
headers_json (const CpmObject *object)
{
  json_object *arr = json_object_new_array ();
  for (guint i = 0; i < cpm_object_get_n_headers (object); i++) {
    const char *name, *value;
    gsize name_len, value_len;
    if (!cpm_object_peek_header (object, i, &name, &name_len, &value, &value_len))
      continue; /* a malformed line, not a field */
    json_object *h = json_object_new_object ();
    json_object_object_add (h, "name", jstr_len (name, name_len));
    json_object_object_add (h, "value", jstr_len (value, value_len));
    json_object_object_add (h, "line", json_object_new_int64 (cpm_object_get_header_line (object, i)));
    json_object_array_add (arr, h);
  }
  return arr;
}

static json_object *
pairs_json (guint n, const char *(*name) (const CpmCpim *, guint),
            const char *(*value) (const CpmCpim *, guint), const CpmCpim *cpim)
{
  json_object *arr = json_object_new_array ();
  for (guint i = 0; i < n; i++) {
    json_object *h = json_object_new_object ();
    json_object_object_add (h, "name", jstr (name (cpim, i)));
    json_object_object_add (h, "value", jstr (value (cpim, i)));
    json_object_array_add (arr, h);
  }
  return arr;
}

static void
add_cpim (json_object *o, const CpmObject *object)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmCpim) cpim = cpm_cpim_parse (cpm_object_get_body (object), NULL,
                                            cpm_object_get_body_line (object), &error);
  if (!cpim) {
    json_object_object_add (o, "cpim_error", jstr (error->message));
    return;
  }
  json_object *c = json_object_new_object ();
  json_object_object_add (c, "headers", pairs_json (cpm_cpim_get_n_headers (cpim),
                                                    cpm_cpim_get_header_name,
                                                    cpm_cpim_get_header_value, cpim));
  json_object_object_add (c, "content_headers",
                          pairs_json (cpm_cpim_get_n_content_headers (cpim),
                                      cpm_cpim_get_content_header_name,
                                      cpm_cpim_get_content_header_value, cpim));
  const char *ct = cpm_cpim_get_content_type (cpim);
  g_autofree char *mime = ct ? cpm_content_type_mime (ct) : NULL;
  json_object_object_add (c, "content_type", jstr (mime));
  g_autoptr(GBytes) content = cpm_cpim_dup_content_decoded (cpim, NULL);
  json_object_object_add (c, "size", json_object_new_int64 (content ? (gint64) g_bytes_get_size (content) : 0));
  json_object_object_add (o, "cpim", c);
  if (content && is_xml_type (mime))
    add_xml (o, content);
}

typedef struct {
  const CpmMimeBody *mb;
  json_object *parts;
  json_object *top;      /* where the root's "xml" goes */
  gboolean related;
  const char *start;     /* RFC 2387 "start": the root's Content-ID */
  gboolean root_done;
} PartsCtx;

static void
add_part (GMimeObject *parent, GMimeObject *obj, gpointer data)
{
  PartsCtx *ctx = data;
  if (!GMIME_IS_PART (obj))
    return;
  GMimePart *part = GMIME_PART (obj);
  GMimeContentType *ct = g_mime_object_get_content_type (obj);
  g_autofree char *mime = ct ? g_mime_content_type_get_mime_type (ct) : NULL;
  g_autofree char *lower = mime ? g_ascii_strdown (mime, -1) : NULL;
  g_autoptr(GBytes) content = cpm_mime_part_decode (part);
  json_object *p = json_object_new_object ();
  json_object_object_add (p, "content_type", jstr (lower));
  json_object_object_add (p, "content_id", jstr (g_mime_object_get_content_id (obj)));
  json_object_object_add (p, "filename", jstr (g_mime_part_get_filename (part)));
  json_object_object_add (p, "size", json_object_new_int64 ((gint64) g_bytes_get_size (content)));
  json_object_object_add (p, "line", json_object_new_int64 (cpm_mime_body_part_line (ctx->mb, obj)));
  /* RFC 2387 3.2: the root of a multipart/related is the part "start"
   * names, else the first; its XML is the object's "xml", not repeated. */
  const char *cid = g_mime_object_get_content_id (obj);
  gboolean root = ctx->related && !ctx->root_done &&
                  (!ctx->start || (cid && cpm_cid_url_matches (ctx->start, cid)));
  ctx->root_done |= root || !ctx->start;
  if (root)
    json_object_object_add (p, "root", json_object_new_boolean (TRUE));
  if (is_xml_type (lower))
    add_xml (root ? ctx->top : p, content);
  json_object_array_add (ctx->parts, p);
}

static void
add_parts (json_object *o, const CpmObject *object, const char *mime)
{
  CpmMimeBody mb;
  if (!cpm_mime_body_parse (&mb, object, NULL, NULL, NULL))
    return;
  if (mb.entity && GMIME_IS_MULTIPART (mb.entity)) {
    const char *ct = cpm_object_get_header (object, "Content-Type");
    g_autofree char *start = cpm_content_type_param (ct, "start");
    PartsCtx ctx = { &mb, json_object_new_array (), o, strcmp (mime, "multipart/related") == 0,
                     start, FALSE };
    g_mime_multipart_foreach (GMIME_MULTIPART (mb.entity), add_part, &ctx);
    json_object_object_add (o, "parts", ctx.parts);
  }
  cpm_mime_body_clear (&mb);
}

static json_object *
body_json (const CpmObject *object, const char *mime)
{
  GBytes *body = cpm_object_get_body (object);
  if (!body)
    return NULL;
  json_object *b = json_object_new_object ();
  json_object_object_add (b, "size", json_object_new_int64 ((gint64) g_bytes_get_size (body)));
  json_object_object_add (b, "line", json_object_new_int64 (cpm_object_get_body_line (object)));
  json_object_object_add (b, "content_type", jstr (mime));
  return b;
}

json_object *
cpm_inspect_to_json (const CpmObject *object)
{
  g_return_val_if_fail (object != NULL, NULL);
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "kind", json_object_new_string (cpm_kind_to_string (cpm_object_get_kind (object))));
  const char *newest = NULL;
  json_object *profiles = profiles_json (object, &newest);
  json_object_object_add (o, "profile", newest ? json_object_new_string (newest) : NULL);
  json_object_object_add (o, "profiles", profiles);
  json_object_object_add (o, "headers", headers_json (object));

  const char *ct = cpm_object_get_header (object, "Content-Type");
  g_autofree char *mime = ct ? cpm_content_type_mime (ct) : NULL;
  json_object_object_add (o, "body", body_json (object, mime));
  if (!cpm_object_get_body (object) || !mime)
    return o;
  if (strcmp (mime, "message/cpim") == 0)
    add_cpim (o, object);
  else if (g_str_has_prefix (mime, "multipart/"))
    add_parts (o, object, mime);
  else if (is_xml_type (mime))
    add_xml (o, cpm_object_get_body (object));
  return o;
}
