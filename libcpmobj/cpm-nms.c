/* The REST binding (seed 004): a stored object as an OMA NMS "object" and
 * back.
 *
 * Shape (OMA-TS-REST_NetAPI_NMS, Object / AttributeList / FlagList /
 * PayloadPartInfo):
 *   {"object": {"parentFolderPath", "attributes": {"attribute": [{"name",
 *    "value": [...]}]}, "flags": {"flag": [...]}, "correlationId",
 *    "correlationTag", "payloadPart": [{"contentType", "size",
 *    "href" | "content"}]}}
 *
 * Decisions, each because the seed leaves it open:
 * - One attribute per header field name, in order of first appearance, its
 *   values in order of appearance (NMS attributes are multi-valued; this is
 *   how Accept-Contact's 1..* occurrences travel). Values are the unfolded
 *   header values with RFC 2047 words left encoded, except Date, which NMS
 *   types as a date-time: it is written as ISO 8601 when it parses.
 * - The exact header block (order across names, folding, line ends) cannot
 *   be expressed by NMS attributes, so it also travels base64 in the
 *   extension attribute X-CPM-Header-Block. It is used on the way back only
 *   while it agrees with the named attributes, which stay authoritative.
 * - The body is one payload part: its bytes base64 in "content" (a
 *   libcpmobj extension for inline transfer; NMS itself names "href"), or
 *   by "href" when the caller gives one.
 * - Message-Context "file-message" (seed 004 5.3.2) is an NMS-only
 *   attribute: Table 2 says the IMAP form of a File Transfer History object
 *   has no Message-Context, so it is not turned into a header field.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"
#include "cpm-object-private.h"

#include <cpmobj/cpm-header.h>
#include <cpmobj/cpm-nms.h>
#include <cpmobj/cpm-validate.h>
#include <gmime/gmime.h>
#include <string.h>

#define FILE_MESSAGE "file-message"
#define SECTION_FT "seed 004 5.3.2"
#define SECTION_FLAGS "seed 004 5.6"
#define SECTION_NMS "OMA-TS-REST_NetAPI_NMS Object"

/* seed 004 5.6: SHALL (RFC 3501 system flags, $Forwarded,
 * \read-report-sent) and SHOULD (Archived, 001 Appendix K). */
static const char *const known_flags[] = {
  "\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft", "\\Recent",
  "$Forwarded", "\\read-report-sent", "Archived", NULL,
};

/* Attributes NMS carries that the CPM header registry does not define. */
static const char *const nms_only_attributes[] = {
  "Direction", CPM_NMS_HEADER_BLOCK_ATTRIBUTE, NULL,
};

/* Ordinary RFC 5322 / MIME fields an object may carry besides Table 1. */
static const char *const mail_fields[] = {
  "Message-ID", "Reply-To", "Sender", "In-Reply-To", "References",
  "Content-Transfer-Encoding", "Content-ID", "Content-Disposition",
  "Content-Description", "Content-Length", NULL,
};

static gboolean
name_in (const char *name, const char *const *list)
{
  for (guint i = 0; list[i]; i++)
    if (g_ascii_strcasecmp (name, list[i]) == 0)
      return TRUE;
  return FALSE;
}

gboolean
cpm_nms_flag_is_known (const char *flag)
{
  for (guint i = 0; flag && known_flags[i]; i++)
    if (g_ascii_strcasecmp (flag, known_flags[i]) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
attribute_is_known (const char *name)
{
  return cpm_header_lookup (name, -1) != NULL || name_in (name, nms_only_attributes) ||
         name_in (name, mail_fields);
}

/* ---- values: Date is ISO 8601 in NMS, RFC 5322 in the object ---- */

static char *
date_to_iso (const char *rfc5322)
{
  GDateTime *dt = g_mime_utils_header_decode_date (rfc5322);
  if (dt == NULL)
    return g_strdup (rfc5322);
  /* %:z keeps the offset as "-08:00", which xsd:dateTime requires. */
  char *iso = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S%:z");
  g_date_time_unref (dt);
  return iso;
}

static char *
date_from_iso (const char *iso)
{
  GDateTime *dt = g_date_time_new_from_iso8601 (iso, NULL);
  if (dt == NULL)
    return g_strdup (iso);
  char *text = g_mime_utils_header_format_date (dt);
  g_date_time_unref (dt);
  return text;
}

/* JSON text is UTF-8: raw 8-bit header bytes (a defect the validator
 * reports) become U+FFFD here; the exact bytes travel in the header block. */
static char *
attribute_value (const char *name, const char *header_value)
{
  if (g_ascii_strcasecmp (name, "Date") == 0)
    return date_to_iso (header_value);
  return g_utf8_make_valid (header_value, -1);
}

static char *
header_value (const char *name, const char *attribute_value)
{
  if (g_ascii_strcasecmp (name, "Date") == 0)
    return date_from_iso (attribute_value);
  return g_strdup (attribute_value);
}

/* ---- CPM -> NMS ---- */

static json_object *
find_attribute (json_object *list, const char *name)
{
  for (size_t i = 0; i < json_object_array_length (list); i++) {
    json_object *a = json_object_array_get_idx (list, i);
    json_object *n = NULL;
    if (json_object_object_get_ex (a, "name", &n) &&
        g_ascii_strcasecmp (json_object_get_string (n), name) == 0)
      return a;
  }
  return NULL;
}

/* @index (nullable) maps lower-case names to attributes of @list, so a
 * header block of many fields is grouped in linear time. */
static void
add_attribute_value (json_object *list, GHashTable *index, const char *name, const char *value)
{
  g_autofree char *key = g_ascii_strdown (name, -1);
  json_object *a = index ? g_hash_table_lookup (index, key) : find_attribute (list, name);
  if (a == NULL) {
    a = json_object_new_object ();
    json_object_object_add (a, "name", json_object_new_string (name));
    json_object_object_add (a, "value", json_object_new_array ());
    json_object_array_add (list, a);
    if (index)
      g_hash_table_insert (index, g_steal_pointer (&key), a);
  }
  json_object *values = json_object_object_get (a, "value");
  json_object_array_add (values, json_object_new_string (value));
}

/* The header fields grouped by name; malformed lines are not fields. */
static json_object *
header_attributes (const CpmObject *object)
{
  json_object *list = json_object_new_array ();
  g_autoptr(GHashTable) index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < cpm_object_get_n_headers (object); i++) {
    if (cpm_object_header_is_malformed (object, i))
      continue;
    g_autofree char *name = g_utf8_make_valid (cpm_object_get_header_name (object, i), -1);
    g_autofree char *v = attribute_value (name, cpm_object_get_header_value (object, i));
    add_attribute_value (list, index, name, v);
  }
  return list;
}

/* Everything before the body: the serialization ends with the body bytes. */
static GBytes *
header_block (const CpmObject *object)
{
  g_autoptr(GBytes) all = cpm_object_serialize (object);
  GBytes *body = cpm_object_get_body (object);
  gsize body_len = body ? g_bytes_get_size (body) : 0;
  return g_bytes_new_from_bytes (all, 0, g_bytes_get_size (all) - body_len);
}

static void
add_header_block (json_object *list, const CpmObject *object)
{
  g_autoptr(GBytes) block = header_block (object);
  gsize len = 0;
  const guchar *data = g_bytes_get_data (block, &len);
  g_autofree char *b64 = g_base64_encode (data, len);
  add_attribute_value (list, NULL, CPM_NMS_HEADER_BLOCK_ATTRIBUTE, b64);
}

static json_object *
attributes_member (const CpmObject *object, const CpmNmsOptions *opt)
{
  json_object *list = header_attributes (object);
  if (cpm_object_get_kind (object) == CPM_KIND_FILE_TRANSFER &&
      cpm_object_get_header (object, "Message-Context") == NULL)
    add_attribute_value (list, NULL, "Message-Context", FILE_MESSAGE);
  if (opt && opt->direction)
    add_attribute_value (list, NULL, "Direction", opt->direction);
  add_header_block (list, object);
  json_object *attrs = json_object_new_object ();
  json_object_object_add (attrs, "attribute", list);
  return attrs;
}

static json_object *
flags_member (const char *const *flags)
{
  json_object *list = json_object_new_array ();
  for (guint i = 0; flags[i]; i++)
    json_object_array_add (list, json_object_new_string (flags[i]));
  json_object *f = json_object_new_object ();
  json_object_object_add (f, "flag", list);
  return f;
}

static json_object *
payload_member (const CpmObject *object, const CpmNmsOptions *opt)
{
  GBytes *body = cpm_object_get_body (object);
  gsize len = 0;
  const guchar *data = g_bytes_get_data (body, &len);
  const char *ct = cpm_object_get_header (object, "Content-Type");
  json_object *part = json_object_new_object ();
  /* RFC 2045 5.2: a body without Content-Type is text/plain. */
  json_object_object_add (part, "contentType",
                          json_object_new_string (ct ? ct : "text/plain; charset=us-ascii"));
  json_object_object_add (part, "size", json_object_new_int64 ((int64_t) len));
  if (opt && opt->payload_href) {
    json_object_object_add (part, "href", json_object_new_string (opt->payload_href));
  } else {
    g_autofree char *b64 = g_base64_encode (data, len);
    json_object_object_add (part, "content", json_object_new_string (b64));
  }
  json_object *parts = json_object_new_array ();
  json_object_array_add (parts, part);
  return parts;
}

static gboolean
check_options (const CpmNmsOptions *opt, GError **error)
{
  if (opt == NULL)
    return TRUE;
  if (opt->direction && strcmp (opt->direction, "In") != 0 && strcmp (opt->direction, "Out") != 0) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE,
                 "Direction must be \"In\" or \"Out\", not \"%s\"", opt->direction);
    return FALSE;
  }
  if (opt->correlation_tag && !cpm_correlation_tag_is_acceptable (opt->correlation_tag)) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE,
                 "correlationTag must be non-empty printable ASCII without spaces");
    return FALSE;
  }
  for (guint i = 0; opt->flags && opt->flags[i]; i++)
    if (*opt->flags[i] == '\0' || strpbrk (opt->flags[i], " \t\r\n()") != NULL) {
      g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE,
                   "\"%s\" is not a flag name", opt->flags[i]);
      return FALSE;
    }
  return TRUE;
}

static void
add_string (json_object *obj, const char *key, const char *value)
{
  if (value && *value)
    json_object_object_add (obj, key, json_object_new_string (value));
}

json_object *
cpm_nms_from_object (const CpmObject *object, const CpmNmsOptions *options, GError **error)
{
  g_return_val_if_fail (object != NULL, NULL);
  if (!check_options (options, error))
    return NULL;
  json_object *inner = json_object_new_object ();
  add_string (inner, "parentFolderPath", options ? options->folder_path : NULL);
  json_object_object_add (inner, "attributes", attributes_member (object, options));
  if (options && options->flags && options->flags[0])
    json_object_object_add (inner, "flags", flags_member (options->flags));
  g_autofree char *cid = options && options->correlation_id
                           ? g_strdup (options->correlation_id)
                           : cpm_correlation_id_for_object (object);
  add_string (inner, "correlationId", cid);
  add_string (inner, "correlationTag", options ? options->correlation_tag : NULL);
  if (cpm_object_get_body (object))
    json_object_object_add (inner, "payloadPart", payload_member (object, options));
  json_object *root = json_object_new_object ();
  json_object_object_add (root, "object", inner);
  return root;
}

char *
cpm_nms_to_string (const CpmObject *object, const CpmNmsOptions *options, GError **error)
{
  json_object *root = cpm_nms_from_object (object, options, error);
  if (root == NULL)
    return NULL;
  char *text = g_strdup (json_object_to_json_string_ext (
    root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (root);
  return text;
}

/* ---- JSON input ---- */

json_object *
cpm_nms_parse (const char *data, gsize len, GError **error)
{
  if (len > G_MAXINT) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_LIMIT, "JSON document over %d bytes", G_MAXINT);
    return NULL;
  }
  json_tokener *tok = json_tokener_new ();
  json_object *obj = json_tokener_parse_ex (tok, data, (int) len);
  enum json_tokener_error jerr = json_tokener_get_error (tok);
  size_t offset = json_tokener_get_parse_end (tok);
  json_tokener_free (tok);
  if (obj == NULL || jerr != json_tokener_success) {
    json_object_put (obj);
    g_set_error (error, CPM_ERROR, CPM_ERROR_PARSE, "not JSON at byte %zu: %s", offset,
                 jerr == json_tokener_continue ? "unexpected end"
                                               : json_tokener_error_desc (jerr));
    return NULL;
  }
  if (offset < len && strspn (data + offset, " \t\r\n") < len - offset) {
    json_object_put (obj);
    g_set_error (error, CPM_ERROR, CPM_ERROR_PARSE, "trailing data after the JSON value at byte %zu",
                 offset);
    return NULL;
  }
  return obj;
}

static json_object *
inner_object (json_object *json)
{
  json_object *inner = NULL;
  if (!json_object_is_type (json, json_type_object))
    return NULL;
  if (json_object_object_get_ex (json, "object", &inner))
    return json_object_is_type (inner, json_type_object) ? inner : NULL;
  /* A bare inner object is accepted when it looks like one. */
  if (json_object_object_get_ex (json, "attributes", NULL) ||
      json_object_object_get_ex (json, "payloadPart", NULL))
    return json;
  return NULL;
}

/* Typed member lookup: NULL when absent or of another type. */
static json_object *
member (json_object *obj, const char *key, json_type type)
{
  json_object *m = NULL;
  if (!json_object_object_get_ex (obj, key, &m) || !json_object_is_type (m, type))
    return NULL;
  return m;
}

static gboolean
member_has_wrong_type (json_object *obj, const char *key, json_type type)
{
  json_object *m = NULL;
  return json_object_object_get_ex (obj, key, &m) && !json_object_is_type (m, type);
}

const char *
cpm_nms_get_folder_path (json_object *json)
{
  json_object *inner = inner_object (json);
  json_object *p = inner ? member (inner, "parentFolderPath", json_type_string) : NULL;
  return p ? json_object_get_string (p) : NULL;
}

static json_object *
flag_list (json_object *inner)
{
  json_object *flags = member (inner, "flags", json_type_object);
  return flags ? member (flags, "flag", json_type_array) : NULL;
}

GStrv
cpm_nms_dup_flags (json_object *json)
{
  json_object *inner = inner_object (json);
  json_object *list = inner ? flag_list (inner) : NULL;
  if (list == NULL)
    return NULL;
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  for (size_t i = 0; i < json_object_array_length (list); i++) {
    json_object *f = json_object_array_get_idx (list, i);
    if (json_object_is_type (f, json_type_string))
      g_strv_builder_add (b, json_object_get_string (f));
  }
  return g_strv_builder_end (b);
}

/* ---- NMS -> CPM ---- */

/* One attribute as read: name and string values. */
typedef struct {
  const char *name;
  GPtrArray *values; /* const char *, owned by the JSON */
} Attr;

static void
attr_clear (gpointer p)
{
  Attr *a = p;
  g_clear_pointer (&a->values, g_ptr_array_unref);
}

static gboolean
read_attribute (json_object *a, GArray *out, GError **error)
{
  json_object *name = json_object_is_type (a, json_type_object)
                        ? member (a, "name", json_type_string) : NULL;
  json_object *values = name ? member (a, "value", json_type_array) : NULL;
  if (values == NULL) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_PARSE,
                 "attribute %u is not {\"name\": string, \"value\": [strings]}", out->len);
    return FALSE;
  }
  Attr attr = { json_object_get_string (name), g_ptr_array_new () };
  for (size_t i = 0; i < json_object_array_length (values); i++) {
    json_object *v = json_object_array_get_idx (values, i);
    if (!json_object_is_type (v, json_type_string)) {
      g_set_error (error, CPM_ERROR, CPM_ERROR_PARSE, "attribute %s: value %zu is not a string",
                   attr.name, i);
      g_ptr_array_unref (attr.values);
      return FALSE;
    }
    g_ptr_array_add (attr.values, (gpointer) json_object_get_string (v));
  }
  g_array_append_val (out, attr);
  return TRUE;
}

static GArray *
read_attributes (json_object *inner, GError **error)
{
  GArray *out = g_array_new (FALSE, TRUE, sizeof (Attr));
  g_array_set_clear_func (out, attr_clear);
  if (member_has_wrong_type (inner, "attributes", json_type_object)) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_PARSE, "\"attributes\" is not an object");
    g_array_unref (out);
    return NULL;
  }
  json_object *attrs = member (inner, "attributes", json_type_object);
  json_object *list = attrs ? member (attrs, "attribute", json_type_array) : NULL;
  if (attrs && list == NULL) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_PARSE, "\"attributes.attribute\" is not an array");
    g_array_unref (out);
    return NULL;
  }
  for (size_t i = 0; list && i < json_object_array_length (list); i++)
    if (!read_attribute (json_object_array_get_idx (list, i), out, error)) {
      g_array_unref (out);
      return NULL;
    }
  return out;
}

static const Attr *
attr_find (GArray *attrs, const char *name)
{
  for (guint i = 0; i < attrs->len; i++) {
    const Attr *a = &g_array_index (attrs, Attr, i);
    if (g_ascii_strcasecmp (a->name, name) == 0)
      return a;
  }
  return NULL;
}

static const char *
attr_single (GArray *attrs, const char *name)
{
  const Attr *a = attr_find (attrs, name);
  return a && a->values->len == 1 ? a->values->pdata[0] : NULL;
}

/* Message-Context "file-message" only exists in the NMS form (see top). */
static gboolean
is_nms_only (const Attr *a)
{
  if (name_in (a->name, nms_only_attributes))
    return TRUE;
  return g_ascii_strcasecmp (a->name, "Message-Context") == 0 && a->values->len == 1 &&
         g_ascii_strcasecmp (a->values->pdata[0], FILE_MESSAGE) == 0;
}

static gboolean
is_base64 (const char *s)
{
  gsize n = 0, pad = 0;
  for (const char *p = s; *p; p++) {
    if (g_ascii_isspace (*p))
      continue;
    if (*p == '=') {
      pad++;
    } else if (pad || !(g_ascii_isalnum (*p) || *p == '+' || *p == '/')) {
      return FALSE;
    }
    n++;
  }
  return n % 4 == 0 && pad <= 2;
}

static GBytes *
decode_base64 (const char *s)
{
  gsize len = 0;
  guchar *data = g_base64_decode (s, &len);
  return g_bytes_new_take (data, len);
}

/* The body from payloadPart[]; NULL when there is none or it is only by
 * reference. Problems go to @report. */
static GBytes *
read_payload (json_object *inner, CpmReport *report)
{
  json_object *parts = member (inner, "payloadPart", json_type_array);
  if (parts == NULL || json_object_array_length (parts) == 0)
    return NULL;
  if (json_object_array_length (parts) > 1)
    cpm_report_add (report, "nms.payload-parts", CPM_SEVERITY_ERROR, SECTION_NMS, NULL, 0,
                    "%zu payload parts; the object's body is one part (the first is used)",
                    json_object_array_length (parts));
  json_object *part = json_object_array_get_idx (parts, 0);
  json_object *content = member (part, "content", json_type_string);
  if (content == NULL) {
    cpm_report_add (report, "nms.payload-reference", CPM_SEVERITY_WARNING, SECTION_NMS, NULL, 0,
                    "the payload is only referenced (href), not carried: the body is left out");
    return NULL;
  }
  const char *text = json_object_get_string (content);
  if (!is_base64 (text)) {
    cpm_report_add (report, "nms.payload-content", CPM_SEVERITY_ERROR, SECTION_NMS, NULL, 0,
                    "payloadPart content is not base64");
    return NULL;
  }
  GBytes *body = decode_base64 (text);
  json_object *size = member (part, "size", json_type_int);
  if (size && json_object_get_int64 (size) != (int64_t) g_bytes_get_size (body))
    cpm_report_add (report, "nms.payload-size", CPM_SEVERITY_ERROR, SECTION_NMS, NULL, 0,
                    "payloadPart size is %" G_GINT64_FORMAT " but the content has %zu bytes",
                    (gint64) json_object_get_int64 (size), g_bytes_get_size (body));
  return body;
}

/* TRUE when the header fields of @block_obj are exactly what the named
 * attributes say (names any case, values in order, Date compared as NMS
 * writes it). */
static gboolean
block_agrees (const CpmObject *block_obj, GArray *attrs)
{
  json_object *expect = header_attributes (block_obj);
  gboolean ok = TRUE;
  guint j = 0;
  for (guint i = 0; ok && i < attrs->len; i++) {
    const Attr *a = &g_array_index (attrs, Attr, i);
    if (is_nms_only (a) && cpm_object_get_header (block_obj, a->name) == NULL)
      continue;
    json_object *e = j < json_object_array_length (expect)
                       ? json_object_array_get_idx (expect, j++) : NULL;
    json_object *values = e ? json_object_object_get (e, "value") : NULL;
    ok = e && g_ascii_strcasecmp (json_object_get_string (json_object_object_get (e, "name")),
                                  a->name) == 0 &&
         json_object_array_length (values) == a->values->len;
    for (guint k = 0; ok && k < a->values->len; k++)
      ok = strcmp (json_object_get_string (json_object_array_get_idx (values, k)),
                   a->values->pdata[k]) == 0;
  }
  ok = ok && j == json_object_array_length (expect);
  json_object_put (expect);
  return ok;
}

/* The original bytes, when the extension block is there and agrees. */
static CpmObject *
object_from_block (GArray *attrs, GBytes *body, CpmReport *report)
{
  const char *b64 = attr_single (attrs, CPM_NMS_HEADER_BLOCK_ATTRIBUTE);
  if (b64 == NULL)
    return NULL;
  g_autoptr(GBytes) block = is_base64 (b64) ? decode_base64 (b64) : NULL;
  g_autoptr(CpmObject) block_obj =
    block && g_bytes_get_size (block) ? cpm_object_parse (block, NULL, NULL) : NULL;
  if (block_obj == NULL || !block_agrees (block_obj, attrs)) {
    cpm_report_add (report, "nms.header-block", CPM_SEVERITY_WARNING, SECTION_NMS,
                    CPM_NMS_HEADER_BLOCK_ATTRIBUTE, 0,
                    "the header block does not match the attributes; the attributes are used");
    return NULL;
  }
  GByteArray *all = g_byte_array_new ();
  g_byte_array_append (all, g_bytes_get_data (block, NULL), (guint) g_bytes_get_size (block));
  if (body)
    g_byte_array_append (all, g_bytes_get_data (body, NULL), (guint) g_bytes_get_size (body));
  g_autoptr(GBytes) bytes = g_byte_array_free_to_bytes (all);
  return cpm_object_parse (bytes, NULL, NULL);
}

static CpmObject *
object_from_attributes (GArray *attrs, GBytes *body)
{
  CpmObject *obj = cpm_object_new (CPM_KIND_UNKNOWN);
  for (guint i = 0; i < attrs->len; i++) {
    const Attr *a = &g_array_index (attrs, Attr, i);
    if (is_nms_only (a))
      continue;
    for (guint k = 0; k < a->values->len; k++) {
      g_autofree char *v = header_value (a->name, a->values->pdata[k]);
      cpm_object_append_header (obj, a->name, v);
    }
  }
  cpm_object_set_body (obj, body);
  cpm_object_set_kind (obj, cpm_object_detect_kind (obj));
  return obj;
}

static void
check_attribute_names (GArray *attrs, CpmReport *report)
{
  for (guint i = 0; i < attrs->len; i++) {
    const Attr *a = &g_array_index (attrs, Attr, i);
    if (!attribute_is_known (a->name))
      cpm_report_add (report, "nms.unknown-attribute", CPM_SEVERITY_WARNING, SECTION_NMS,
                      a->name, 0, "attribute \"%s\" is neither a CPM header nor an NMS attribute",
                      a->name);
  }
}

static void
check_flags (json_object *inner, CpmReport *report)
{
  json_object *list = flag_list (inner);
  for (size_t i = 0; list && i < json_object_array_length (list); i++) {
    const char *f = json_object_get_string (json_object_array_get_idx (list, i));
    if (!cpm_nms_flag_is_known (f))
      cpm_report_add (report, "nms.unknown-flag", CPM_SEVERITY_WARNING, SECTION_FLAGS, NULL, 0,
                      "flag \"%s\" is not one of the flags of seed 004 5.6", f ? f : "");
  }
}

/* seed 004 5.3.2: the NMS form of a File Transfer History object MUST say
 * Message-Context "file-message". */
static void
check_file_message (const CpmObject *obj, GArray *attrs, CpmReport *report)
{
  if (cpm_object_get_kind (obj) != CPM_KIND_FILE_TRANSFER)
    return;
  const char *mc = attr_single (attrs, "Message-Context");
  if (mc == NULL || g_ascii_strcasecmp (mc, FILE_MESSAGE) != 0)
    cpm_report_add (report, "nms.message-context", CPM_SEVERITY_ERROR, SECTION_FT,
                    "Message-Context", 0,
                    "a File Transfer History object MUST have Message-Context \"file-message\"%s%s",
                    mc ? ", not " : "", mc ? mc : "");
}

static void
check_correlation (const CpmObject *obj, json_object *inner, CpmReport *report)
{
  json_object *cid = member (inner, "correlationId", json_type_string);
  g_autofree char *want = cpm_correlation_id_for_object (obj);
  if (cid && want && strcmp (json_object_get_string (cid), want) != 0)
    cpm_report_add (report, "nms.correlation-id", CPM_SEVERITY_WARNING, "seed 004 6.5.1", NULL, 0,
                    "correlationId \"%s\" is not the object's unique reference \"%s\"",
                    json_object_get_string (cid), want);
}

/* The object limits apply to the NMS form too (cpm-limits.h): header
 * fields counted as attribute values, the body by its decoded size. */
static gboolean
check_limits (json_object *inner, GArray *attrs, GError **error)
{
  const CpmLimits *limits = cpm_limits_default ();
  guint fields = 0;
  for (guint i = 0; i < attrs->len; i++)
    fields += g_array_index (attrs, Attr, i).values->len;
  if (fields > limits->max_headers) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_LIMIT, "%u attribute values, over max_headers %u",
                 fields, limits->max_headers);
    return FALSE;
  }
  json_object *parts = member (inner, "payloadPart", json_type_array);
  json_object *part = parts ? json_object_array_get_idx (parts, 0) : NULL;
  json_object *content = part ? member (part, "content", json_type_string) : NULL;
  gsize decoded = content ? (gsize) json_object_get_string_len (content) / 4 * 3 : 0;
  if (decoded > limits->max_object_size) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_LIMIT, "payload of about %zu bytes, over max_object_size %zu",
                 decoded, limits->max_object_size);
    return FALSE;
  }
  return TRUE;
}

static CpmObject *
map_back (json_object *inner, GArray *attrs, CpmReport *report)
{
  g_autoptr(GBytes) body = read_payload (inner, report);
  CpmObject *obj = object_from_block (attrs, body, report);
  if (obj == NULL)
    obj = object_from_attributes (attrs, body);
  check_attribute_names (attrs, report);
  check_flags (inner, report);
  check_file_message (obj, attrs, report);
  check_correlation (obj, inner, report);
  return obj;
}

CpmObject *
cpm_nms_to_object (json_object *json, CpmReport *report, GError **error)
{
  json_object *inner = json ? inner_object (json) : NULL;
  if (inner == NULL) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_PARSE, "not an NMS object: no {\"object\": {...}}");
    return NULL;
  }
  GArray *attrs = read_attributes (inner, error);
  if (attrs == NULL)
    return NULL;
  if (!check_limits (inner, attrs, error)) {
    g_array_unref (attrs);
    return NULL;
  }
  g_autoptr(CpmReport) scratch = report ? cpm_report_ref (report) : cpm_report_new ();
  CpmObject *obj = map_back (inner, attrs, scratch);
  g_array_unref (attrs);
  return obj;
}

static const CpmRuleInfo nms_rules[] = {
  { "nms.json", CPM_SEVERITY_ERROR, SECTION_NMS, "not JSON, or not an NMS object" },
  { "nms.unknown-attribute", CPM_SEVERITY_WARNING, SECTION_NMS,
    "an attribute that is neither a known header field nor an NMS attribute" },
  { "nms.unknown-flag", CPM_SEVERITY_WARNING, SECTION_FLAGS, "a flag outside seed 004 5.6" },
  { "nms.message-context", CPM_SEVERITY_ERROR, SECTION_FT,
    "a File Transfer History object without Message-Context \"file-message\"" },
  { "nms.payload-size", CPM_SEVERITY_ERROR, SECTION_NMS,
    "payloadPart size differs from the bytes it carries" },
  { "nms.payload-content", CPM_SEVERITY_ERROR, SECTION_NMS, "payloadPart content is not base64" },
  { "nms.payload-parts", CPM_SEVERITY_ERROR, SECTION_NMS,
    "more than one payload part; the body is one part" },
  { "nms.payload-reference", CPM_SEVERITY_WARNING, SECTION_NMS,
    "the payload is only referenced by href, so the object has no body" },
  { "nms.header-block", CPM_SEVERITY_WARNING, SECTION_NMS,
    "X-CPM-Header-Block disagrees with the attributes; the attributes are used" },
  { "nms.correlation-id", CPM_SEVERITY_WARNING, "seed 004 6.5.1",
    "correlationId is not the object's unique reference" },
  { "limit.nms", CPM_SEVERITY_ERROR, "CpmLimits",
    "more attribute values than max_headers, or a payload over max_object_size" },
};

const CpmRuleInfo *
cpm_nms_rules (guint *n_rules)
{
  if (n_rules)
    *n_rules = G_N_ELEMENTS (nms_rules);
  return nms_rules;
}

CpmReport *
cpm_nms_validate (json_object *json, CpmProfile profile)
{
  CpmReport *report = cpm_report_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) obj = cpm_nms_to_object (json, report, &error);
  if (obj == NULL) {
    gboolean limit = g_error_matches (error, CPM_ERROR, CPM_ERROR_LIMIT);
    cpm_report_add (report, limit ? "limit.nms" : "nms.json", CPM_SEVERITY_ERROR,
                    limit ? "CpmLimits" : SECTION_NMS, NULL, 0, "%s", error->message);
    return report;
  }
  g_autoptr(CpmReport) imap_form = cpm_validate (obj, profile);
  cpm_report_merge (report, imap_form, 0);
  return report;
}
