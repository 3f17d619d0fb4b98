/* IMDN objects (5.2.1): message/imdn+xml (RFC 5438) inside the CPIM
 * wrapper. The wrapper itself (addresses, DateTime, IMDN-Message-ID against
 * imdn.Message-ID, the inner Content-Type) is cpm-cpim.c's; this module
 * checks the notification document.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"
#include "cpm-validate-private.h"
#include "cpm-xml-private.h"
#include "cpm-cpim-private.h"
#include "cpm-object-private.h"
#include <cpmobj/cpm-check.h>
#include <cpmobj/cpm-cpim.h>
#include <cpmobj/cpm-imdn.h>
#include <string.h>

#define SECTION_IMDN "5.2.1, RFC 5438"
#define IMDN_TYPE "message/imdn+xml"

/* What a remembered shape tells of a document. */
typedef struct {
  char *id;         /* the holes' texts, g_free */
  char *datetime;
  int id_line;
  int dt_line;
} Recall;

static void
recall_clear (Recall *r)
{
  g_clear_pointer (&r->id, g_free);
  g_clear_pointer (&r->datetime, g_free);
}

typedef struct {
  GBytes *body;     /* the object body it was read from */
  CpmCpim *cpim;
  GBytes *xml;      /* decoded notification document */
  xmlDocPtr doc;    /* @xml parsed, or NULL: not parsed (yet) */
  guint xml_line;   /* its first line in the object (0: unknown) */
  guint body_line;  /* the CPIM wrapper's first line */
  Recall recall;    /* what the memo of shapes told (id NULL: nothing) */
} Notification;

static void
notification_clear (Notification *n)
{
  g_clear_pointer (&n->body, g_bytes_unref);
  g_clear_pointer (&n->cpim, cpm_cpim_unref);
  g_clear_pointer (&n->xml, g_bytes_unref);
  g_clear_pointer (&n->doc, xmlFreeDoc);
  recall_clear (&n->recall);
}

static void
notification_free (gpointer p)
{
  notification_clear (p);
  g_free (p);
}

/* The converter reads each IMDN's <message-id> to choose its folder, then
 * validates the same notification re-parsed from its serialized bytes:
 * one body, read (CPIM and XML) twice. The last notification whose
 * <message-id> was read is kept per thread, and the next reader of an
 * equal body takes it instead of parsing again. A body that did not parse
 * is never kept, so its findings are always made by the reader that
 * reports them. */
static GPrivate kept_key = G_PRIVATE_INIT (notification_free);

static void
notification_keep (Notification *n)
{
  Notification *kept = g_new (Notification, 1);
  *kept = *n;
  *n = (Notification) { 0 };
  g_private_replace (&kept_key, kept);
}

static gboolean
notification_take_kept (Notification *n, GBytes *body)
{
  Notification *kept = g_private_get (&kept_key);
  if (!kept || !g_bytes_equal (kept->body, body))
    return FALSE;
  *n = *kept;
  *kept = (Notification) { 0 };
  g_private_replace (&kept_key, NULL);
  return TRUE;
}

/* The CPIM content is a window onto the bytes parsed, so its line in the
 * object follows from its offset (only when not transfer-encoded). */
static guint
content_line (GBytes *body, guint body_line, GBytes *content)
{
  gsize blen = 0, clen = 0;
  const char *b = g_bytes_get_data (body, &blen);
  const char *c = content ? g_bytes_get_data (content, &clen) : NULL;
  if (!b || !c || body_line == 0 || c < b || c > b + blen)
    return body_line;
  guint line = body_line;
  for (const char *p = b; p < c; p++)
    line += *p == '\n';
  return line;
}

/* The XML's first line in the object. The CPIM content is a window onto
 * the parse's own input, which for a kept parse (cpm_cpim_parse_kept) is
 * equal bytes elsewhere, not n->body. */
static guint
xml_line_of (const Notification *n)
{
  GBytes *raw = cpm_cpim_get_content (n->cpim);
  return raw == n->xml || (raw && g_bytes_equal (raw, n->xml))
           ? content_line (cpm_cpim_peek_input (n->cpim), n->body_line, raw) : n->body_line;
}

/* FALSE (nothing reported: cpm-cpim.c names wrapper problems) when the body
 * holds no message/imdn+xml document. */
static gboolean
notification_load (Notification *n, const CpmObject *object, GError **error)
{
  GBytes *body = cpm_object_get_body (object);
  if (!body) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_PARSE, "the object has no body");
    return FALSE;
  }
  guint body_line = cpm_object_get_body_line (object);
  if (notification_take_kept (n, body)) {
    /* Equal bytes: the lines follow from this object's body line. */
    n->body_line = body_line;
    n->xml_line = xml_line_of (n);
    return TRUE;
  }
  n->body = g_bytes_ref (body);
  n->body_line = body_line;
  n->cpim = cpm_cpim_parse_kept (body, NULL, body_line, error);
  if (!n->cpim)
    return FALSE;
  const char *type = cpm_cpim_get_content_type (n->cpim);
  g_autofree char *mime = type ? cpm_content_type_mime (type) : NULL;
  if (g_strcmp0 (mime, IMDN_TYPE) != 0) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_PARSE, "the CPIM body carries %s, not %s",
                 mime ? mime : "no Content-Type", IMDN_TYPE);
    return FALSE;
  }
  n->xml = cpm_cpim_dup_content_decoded (n->cpim, error);
  if (!n->xml)
    return FALSE;
  n->xml_line = xml_line_of (n);
  return TRUE;
}

/* ---- the memo of notification shapes ----
 *
 * A client's notifications differ from one another only in the text of
 * <message-id> (xs:token) and <datetime> (xs:string); parsing and
 * schema-checking each (~40,000 instructions) gives the same verdict
 * every time. So each thread remembers a few SHAPES of notifications that
 * went the full way without any finding: the document with the text of
 * its first "<message-id>" ... "</message-id>" and of the first
 * "<datetime>" ... "</datetime>" after it (exact literals, unprefixed, no
 * attributes) cut out. A later document of a remembered shape skips
 * libxml2: its <message-id> is the first hole, and the checks below run
 * on the two holes.
 *
 * Why that is sound. A document QUALIFIES when it is plain UTF-8 (so a
 * byte below 0x80 is that ASCII character), starts with '<', holds no
 * "<!" (comment, CDATA, DOCTYPE) and no "<?" but an XML declaration at its
 * start (which cannot hold '<' when well-formed), its two holes are not
 * empty and only printable ASCII (0x21-0x7E) without '<', '>' or '&', and
 * it is at most SHAPE_MAX_SIZE bytes (well within max_xml_size). In a
 * well-formed qualifying document every '<' after the declaration starts
 * a start or end tag ('<' is not allowed in character data or attribute
 * values), so the first "<message-id>" is the start tag of an element
 * named message-id whose whole content is the first hole, a single text
 * node (no '<' before "</message-id>", no '&': no reference), and the
 * same for <datetime>. A second document of the same shape is the same
 * bytes with other hole texts; these are character data that need no
 * escaping (no '<', '&', and no "]]>" without '>'), hold no white space
 * (nothing for xs:token to collapse, no line break: every element's line
 * stays) and are valid characters. So it parses, with no error, into the
 * same tree (same depth, size under the limit) but for those two texts.
 * Remembering asks that the document's only elements named message-id
 * and datetime be the root's children that the readers take (then the
 * holes are their texts, whatever extension elements hold: a second
 * <message-id> elsewhere could otherwise be the hole) and that their
 * texts equal the holes. The schema gives any element named message-id in
 * its namespace the type xs:token, any datetime xs:string, and assesses no
 * element of another namespace: each accepts any hole text. So the
 * second document has the first one's verdict, no finding; only the
 * checks of the two values (check_original, check_datetime_value) differ,
 * and they run on the holes, at the lines the first document's elements
 * had. A document that does not qualify, or whose shape is not
 * remembered, goes the full way. */
#define SHAPE_MAX_SIZE (16 * 1024)
#define SHAPE_ENTRIES 4
#define ID_OPEN "<message-id>"
#define ID_CLOSE "</message-id>"
#define DT_OPEN "<datetime>"
#define DT_CLOSE "</datetime>"

typedef struct {
  gsize at, len;    /* the hole's text: data[at, at + len) */
} Hole;

typedef struct {
  Hole id, dt;
} Holes;

typedef struct {
  char *bytes;      /* the shape: the document without its holes (NULL: free) */
  gsize size;
  gsize id_at;      /* where in the shape the holes were cut */
  gsize dt_at;
  int id_line;      /* xmlGetLineNo of <message-id> and <datetime> */
  int dt_line;
} Shape;

typedef struct {
  Shape shapes[SHAPE_ENTRIES];
  guint next;       /* the slot replaced next */
  gboolean full;    /* forced full path (tests, fuzzer) */
  guint hits;
} ShapeMemo;

static void
shape_memo_free (gpointer p)
{
  ShapeMemo *memo = p;
  for (guint i = 0; i < SHAPE_ENTRIES; i++)
    g_free (memo->shapes[i].bytes);
  g_free (memo);
}

static GPrivate shape_memo_key = G_PRIVATE_INIT (shape_memo_free);

static ShapeMemo *
shape_memo (void)
{
  ShapeMemo *memo = g_private_get (&shape_memo_key);
  if (!memo) {
    memo = g_new0 (ShapeMemo, 1);
    g_private_set (&shape_memo_key, memo);
  }
  return memo;
}

static const char *
find_literal (const char *p, const char *end, const char *lit, gsize n)
{
  return memmem (p, (gsize) (end - p), lit, n);
}

static gboolean
hole_text_ok (const char *p, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (p[i] < 0x21 || p[i] > 0x7E || p[i] == '<' || p[i] == '>' || p[i] == '&')
      return FALSE;
  return n > 0;
}

/* The text of the first @open at or after @from, up to the next '<',
 * which must start @close. */
static gboolean
cut_hole (const char *data, gsize len, gsize from, const char *open, const char *close,
          Hole *hole)
{
  const char *end = data + len;
  const char *tag = find_literal (data + from, end, open, strlen (open));
  if (!tag)
    return FALSE;
  const char *text = tag + strlen (open);
  const char *stop = memchr (text, '<', (gsize) (end - text));
  gsize n = strlen (close);
  if (!stop || (gsize) (end - stop) < n || memcmp (stop, close, n) != 0)
    return FALSE;
  *hole = (Hole) { (gsize) (text - data), (gsize) (stop - text) };
  return hole_text_ok (text, hole->len);
}

/* The holes of a qualifying document (see above); FALSE when it does not
 * qualify. */
static gboolean
shape_holes (const char *data, gsize len, Holes *h)
{
  if (len < 2 || len > SHAPE_MAX_SIZE || data[0] != '<' || !cpm_xml_plain_utf8 (data, len))
    return FALSE;
  const char *end = data + len, *p = data;
  if (len > 6 && memcmp (data, "<?xml", 5) == 0 && g_ascii_isspace (data[5])) {
    p = find_literal (data, end, "?>", 2);
    if (!p)
      return FALSE;
    p += 2;
  }
  gsize body = (gsize) (p - data);
  while ((p = memchr (p, '<', (gsize) (end - p))) && ++p < end)
    if (*p == '!' || *p == '?')
      return FALSE;
  return cut_hole (data, len, body, ID_OPEN, ID_CLOSE, &h->id) &&
         cut_hole (data, len, h->id.at + h->id.len + strlen (ID_CLOSE), DT_OPEN, DT_CLOSE,
                   &h->dt);
}

/* The holes of @data when it is @s with other hole texts. Cut the way
 * shape_holes() cuts, with no scan of the whole: the bytes before the
 * first hole are the shape's (so are the declaration, the start of the
 * document and its first "<message-id>"), a hole ends at its first '<',
 * where the shape goes on ("</message-id>" ... the first "<datetime>"
 * after it; the rest). Such a document qualifies: its '<' are the
 * shape's, each followed by what followed it there (no segment of the
 * shape ends in '<' but the last). */
static gboolean
shape_match (const Shape *s, const char *data, gsize len, Holes *h)
{
  if (!s->bytes || len < s->size || len > SHAPE_MAX_SIZE ||
      memcmp (data, s->bytes, s->id_at) != 0)
    return FALSE;
  gsize mid = s->dt_at - s->id_at, tail = s->size - s->dt_at;
  const char *end = data + len, *p = data + s->id_at;
  const char *stop = memchr (p, '<', (gsize) (end - p));
  if (!stop || (gsize) (end - stop) < mid || memcmp (stop, s->bytes + s->id_at, mid) != 0)
    return FALSE;
  h->id = (Hole) { s->id_at, (gsize) (stop - p) };
  p = stop + mid;
  stop = memchr (p, '<', (gsize) (end - p));
  if (!stop || (gsize) (end - stop) != tail || memcmp (stop, s->bytes + s->dt_at, tail) != 0)
    return FALSE;
  h->dt = (Hole) { (gsize) (p - data), (gsize) (stop - p) };
  return hole_text_ok (data + h->id.at, h->id.len) && hole_text_ok (data + h->dt.at, h->dt.len);
}

static const Shape *
shape_find (ShapeMemo *memo, const char *data, gsize len, Holes *h)
{
  for (guint i = 0; i < SHAPE_ENTRIES; i++)
    if (shape_match (&memo->shapes[i], data, len, h))
      return &memo->shapes[i];
  return NULL;
}

static gboolean
shape_recall (GBytes *xml, Recall *r)
{
  ShapeMemo *memo = shape_memo ();
  gsize len = 0;
  const char *data = g_bytes_get_data (xml, &len);
  Holes h;
  const Shape *s = memo->full || !data ? NULL : shape_find (memo, data, len, &h);
  if (!s)
    return FALSE;
  memo->hits++;
  *r = (Recall) { g_strndup (data + h.id.at, h.id.len), g_strndup (data + h.dt.at, h.dt.len),
                  s->id_line, s->dt_line };
  return TRUE;
}

/* TRUE when the memo answers for @n (unparsed): what it told the
 * converter, kept with the notification, or told now. */
static gboolean
notification_recall (Notification *n)
{
  if (n->doc)
    return FALSE;
  if (n->recall.id) {
    ShapeMemo *memo = shape_memo ();
    memo->hits += !memo->full;
    return !memo->full;
  }
  return shape_recall (n->xml, &n->recall);
}

static guint
count_named (xmlNodePtr node, const char *name)
{
  guint n = 0;
  for (xmlNodePtr c = node; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE)
      n += (strcmp ((const char *) c->name, name) == 0) + count_named (c->children, name);
  return n;
}

/* The root's <@name> when it is the document's only element so named and
 * its text is @hole. */
static xmlNodePtr
hole_element (xmlNodePtr root, const char *name, const char *data, const Hole *hole)
{
  xmlNodePtr node = cpm_xml_child (root, name);
  if (!node || count_named (root, name) != 1)
    return NULL;
  g_autofree char *text = cpm_xml_get_text (node);
  return strlen (text) == hole->len && memcmp (text, data + hole->at, hole->len) == 0 ? node
                                                                                      : NULL;
}

/* Called for a document that went the full way without any finding. */
static void
shape_remember (GBytes *xml, xmlDocPtr doc)
{
  ShapeMemo *memo = shape_memo ();
  gsize len = 0;
  const char *data = g_bytes_get_data (xml, &len);
  Holes h, known;
  if (memo->full || !data || !shape_holes (data, len, &h) || shape_find (memo, data, len, &known))
    return;
  xmlNodePtr root = xmlDocGetRootElement (doc);
  xmlNodePtr id = hole_element (root, "message-id", data, &h.id);
  xmlNodePtr dt = id ? hole_element (root, "datetime", data, &h.dt) : NULL;
  if (!dt)
    return;
  Shape *s = &memo->shapes[memo->next];
  memo->next = (memo->next + 1) % SHAPE_ENTRIES;
  g_free (s->bytes);
  gsize mid = h.dt.at - (h.id.at + h.id.len), tail = len - (h.dt.at + h.dt.len);
  *s = (Shape) { g_malloc (len - h.id.len - h.dt.len), len - h.id.len - h.dt.len, h.id.at,
                 h.id.at + mid, (int) xmlGetLineNo (id), (int) xmlGetLineNo (dt) };
  memcpy (s->bytes, data, h.id.at);
  memcpy (s->bytes + s->id_at, data + h.id.at + h.id.len, mid);
  memcpy (s->bytes + s->dt_at, data + h.dt.at + h.dt.len, tail);
}

void
cpm_imdn_shape_memo_force_full (gboolean full)
{
  shape_memo ()->full = full;
}

void
cpm_imdn_shape_memo_forget (void)
{
  ShapeMemo *memo = shape_memo ();
  for (guint i = 0; i < SHAPE_ENTRIES; i++)
    g_clear_pointer (&memo->shapes[i].bytes, g_free);
  memo->next = 0;
}

guint
cpm_imdn_shape_memo_hits (void)
{
  return shape_memo ()->hits;
}

/* ---- the checks ---- */

static char *
message_id_of (xmlDocPtr doc, xmlNodePtr *node)
{
  xmlNodePtr root = xmlDocGetRootElement (doc);
  xmlNodePtr id = root ? cpm_xml_child (root, "message-id") : NULL;
  if (node)
    *node = id;
  return id ? g_strstrip (cpm_xml_get_text (id)) : NULL;
}

/* The notification names the original by <message-id>; the wrapper's own
 * imdn.Message-ID identifies the notification itself (RFC 5438 6.3), so
 * the two are never the same message. */
static void
check_original (const Notification *n, const char *original, guint line,
                const CpmXmlPlace *place)
{
  if (!*original) {
    cpm_report_add (place->report, "imdn.message-id-empty", CPM_SEVERITY_ERROR, SECTION_IMDN,
                    NULL, line, "<message-id> is empty; it names the message notified about");
    return;
  }
  const char *own = cpm_cpim_get_ns_header (n->cpim, CPM_CPIM_NS_IMDN, "Message-ID");
  if (!own)
    own = cpm_cpim_get_header (n->cpim, "imdn.Message-ID");
  if (!own)
    cpm_report_add (place->report, "imdn.cpim-message-id-missing", CPM_SEVERITY_ERROR,
                    "5.2.1 Table 1, RFC 5438 6.3", NULL, n->body_line,
                    "the CPIM wrapper carries no imdn.Message-ID of its own");
  else if (strcmp (own, original) == 0)
    cpm_report_add (place->report, "imdn.message-id-same", CPM_SEVERITY_ERROR,
                    "RFC 5438 6.3", NULL, line,
                    "<message-id> \"%s\" equals the notification's own imdn.Message-ID; it "
                    "SHALL name the original message", original);
}

static void
check_ids (const Notification *n, xmlDocPtr doc, const CpmXmlPlace *place)
{
  xmlNodePtr node = NULL;
  g_autofree char *original = message_id_of (doc, &node);
  if (node) /* else the schema finding says it */
    check_original (n, original, cpm_xml_place_line (place, (int) xmlGetLineNo (node)), place);
}

static void
check_datetime_value (const char *value, guint line, const CpmXmlPlace *place)
{
  g_autoptr (GError) error = NULL;
  if (!cpm_check_cpim_datetime (value, strlen (value), &error))
    cpm_report_add (place->report, "imdn.datetime", CPM_SEVERITY_ERROR, "RFC 5438, RFC 3339",
                    NULL, line, "<datetime> \"%s\" is not an RFC 3339 date-time: %s", value,
                    error->message);
}

static void
check_datetime (xmlDocPtr doc, const CpmXmlPlace *place)
{
  xmlNodePtr root = xmlDocGetRootElement (doc);
  xmlNodePtr node = root ? cpm_xml_child (root, "datetime") : NULL;
  if (!node)
    return;
  g_autofree char *value = g_strstrip (cpm_xml_get_text (node));
  check_datetime_value (value, cpm_xml_place_line (place, (int) xmlGetLineNo (node)), place);
}

/* The full way: parse (unless the converter's parse was kept), schema,
 * checks; a document without any finding of parse or schema is
 * remembered by its shape. */
static void
validate_document (Notification *n, const CpmXmlPlace *place)
{
  if (!n->doc) {
    gsize len = 0;
    const char *data = g_bytes_get_data (n->xml, &len);
    n->doc = cpm_xml_parse (data, len, NULL, place, NULL);
  }
  if (!n->doc)
    return;
  guint before = place->report ? cpm_report_get_count (place->report) : 0;
  cpm_xml_validate (n->doc, "imdn.xsd", place, NULL);
  if (place->report && cpm_report_get_count (place->report) == before)
    shape_remember (n->xml, n->doc);
  check_ids (n, n->doc, place);
  check_datetime (n->doc, place);
}

void
cpm_validate_body_imdn (const CpmObject *object, CpmProfile profile, CpmReport *report)
{
  Notification n = { 0 };
  if (!notification_load (&n, object, NULL)) {
    notification_clear (&n);
    return;
  }
  CpmXmlPlace place = { report, n.xml_line, SECTION_IMDN, "imdn" };
  if (notification_recall (&n)) {
    const Recall *r = &n.recall;
    check_original (&n, r->id, cpm_xml_place_line (&place, r->id_line), &place);
    check_datetime_value (r->datetime, cpm_xml_place_line (&place, r->dt_line), &place);
  } else {
    validate_document (&n, &place);
  }
  notification_clear (&n);
}

/* The full way, keeping a parse for the validator. */
static char *
read_message_id (Notification *n, GError **error)
{
  if (!n->doc) {
    gsize len = 0;
    const char *data = g_bytes_get_data (n->xml, &len);
    n->doc = cpm_xml_parse (data, len, NULL, NULL, error);
  }
  if (!n->doc)
    return NULL;
  char *id = message_id_of (n->doc, NULL);
  if (id && !*id)
    g_clear_pointer (&id, g_free);
  if (!id)
    g_set_error (error, CPM_ERROR, CPM_ERROR_XML, "the notification has no <message-id>");
  notification_keep (n);
  return id;
}

char *
cpm_imdn_dup_original_message_id (const CpmObject *object, GError **error)
{
  g_return_val_if_fail (object, NULL);
  Notification n = { 0 };
  char *id = NULL;
  if (notification_load (&n, object, error)) {
    if (notification_recall (&n)) {
      id = g_strdup (n.recall.id);
      notification_keep (&n);
    } else {
      id = read_message_id (&n, error);
    }
  }
  notification_clear (&n);
  return id;
}
