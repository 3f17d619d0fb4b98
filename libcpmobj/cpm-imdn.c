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

typedef struct {
  GBytes *body;     /* the object body it was read from */
  CpmCpim *cpim;
  GBytes *xml;      /* decoded notification document */
  xmlDocPtr doc;    /* @xml parsed, or NULL: not parsed (yet) */
  guint xml_line;   /* its first line in the object (0: unknown) */
  guint body_line;  /* the CPIM wrapper's first line */
} Notification;

static void
notification_clear (Notification *n)
{
  g_clear_pointer (&n->body, g_bytes_unref);
  g_clear_pointer (&n->cpim, cpm_cpim_unref);
  g_clear_pointer (&n->xml, g_bytes_unref);
  g_clear_pointer (&n->doc, xmlFreeDoc);
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
check_ids (const Notification *n, xmlDocPtr doc, const CpmXmlPlace *place)
{
  xmlNodePtr node = NULL;
  g_autofree char *original = message_id_of (doc, &node);
  if (!node)
    return; /* the schema finding says it */
  guint line = cpm_xml_place_line (place, (int) xmlGetLineNo (node));
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
check_datetime (xmlDocPtr doc, const CpmXmlPlace *place)
{
  xmlNodePtr root = xmlDocGetRootElement (doc);
  xmlNodePtr node = root ? cpm_xml_child (root, "datetime") : NULL;
  if (!node)
    return;
  g_autofree char *value = g_strstrip (cpm_xml_get_text (node));
  g_autoptr (GError) error = NULL;
  if (!cpm_check_cpim_datetime (value, strlen (value), &error))
    cpm_report_add (place->report, "imdn.datetime", CPM_SEVERITY_ERROR, "RFC 5438, RFC 3339",
                    NULL, cpm_xml_place_line (place, (int) xmlGetLineNo (node)),
                    "<datetime> \"%s\" is not an RFC 3339 date-time: %s", value,
                    error->message);
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
  if (!n.doc) {
    gsize len = 0;
    const char *data = g_bytes_get_data (n.xml, &len);
    n.doc = cpm_xml_parse (data, len, NULL, &place, NULL);
  }
  if (n.doc) {
    cpm_xml_validate (n.doc, "imdn.xsd", &place, NULL);
    check_ids (&n, n.doc, &place);
    check_datetime (n.doc, &place);
  }
  notification_clear (&n);
}

char *
cpm_imdn_dup_original_message_id (const CpmObject *object, GError **error)
{
  g_return_val_if_fail (object, NULL);
  Notification n = { 0 };
  char *id = NULL;
  if (notification_load (&n, object, error)) {
    if (!n.doc) {
      gsize len = 0;
      const char *data = g_bytes_get_data (n.xml, &len);
      n.doc = cpm_xml_parse (data, len, NULL, NULL, error);
    }
    if (n.doc) {
      id = message_id_of (n.doc, NULL);
      if (id && !*id)
        g_clear_pointer (&id, g_free);
      if (!id)
        g_set_error (error, CPM_ERROR, CPM_ERROR_XML, "the notification has no <message-id>");
      notification_keep (&n);
    }
  }
  notification_clear (&n);
  return id;
}
