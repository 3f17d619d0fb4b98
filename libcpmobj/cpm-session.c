/* Session info objects (5.2.3, Table 3, 5.2.3.1) and the 1.0 profile's
 * session history object.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"

#include <cpmobj/cpm-check.h>
#include <cpmobj/cpm-session.h>

#include "cpm-object-private.h"
#include "cpm-validate-private.h"
#include "cpm-media-private.h"
#include "cpm-xml-private.h"

#include <string.h>

#define SEC_SESSION_XML "5.2.3.1"
#define SEC_TABLE3 "5.2.3 Table 3"

/* ---- writing the body from values ---- */

GBytes *
cpm_session_info_xml_new (const char *session_type, const char *replaces, const char *invited,
                          GError **error)
{
  g_return_val_if_fail (session_type, NULL);
  gboolean group = strcmp (session_type, "Group") == 0;
  if (!group && strcmp (session_type, "1-1") != 0) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE,
                 "session-type \"%s\" is neither Group nor 1-1 (5.2.3.1)", session_type);
    return NULL;
  }
  if (group != (invited != NULL)) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE,
                 group ? "a Group session needs invited-participants (5.2.3.1)"
                       : "a 1-1 session SHALL NOT carry invited-participants (5.2.3.1)");
    return NULL;
  }
  if (replaces && !cpm_check_token (replaces, strlen (replaces), error))
    return NULL;
  xmlDocPtr doc = xmlNewDoc (BAD_CAST "1.0");
  xmlNodePtr root = xmlNewNode (NULL, BAD_CAST "session");
  xmlDocSetRootElement (doc, root);
  xmlNewTextChild (root, NULL, BAD_CAST "session-type", BAD_CAST session_type);
  if (replaces)
    xmlNewTextChild (root, NULL, BAD_CAST "session-replaces", BAD_CAST replaces);
  if (invited)
    xmlNewTextChild (root, NULL, BAD_CAST "invited-participants", BAD_CAST invited);
  xmlChar *mem = NULL;
  int len = 0;
  xmlDocDumpFormatMemoryEnc (doc, &mem, &len, "UTF-8", 1);
  GBytes *bytes = g_bytes_new (mem, len > 0 ? (gsize) len : 0);
  xmlFree (mem);
  xmlFreeDoc (doc);
  return bytes;
}

/* ---- validation ---- */

typedef struct {
  CpmReport *report;
  CpmXmlPlace place;
} SessionCheck;

static guint
node_line (SessionCheck *c, xmlNodePtr node)
{
  return cpm_xml_place_line (&c->place, (int) xmlGetLineNo (node));
}

static const char *const session_children[] = { "session-type", "session-replaces",
                                                "invited-participants", NULL };

static void
check_children (SessionCheck *c, xmlNodePtr root)
{
  for (xmlNodePtr n = root->children; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE)
      continue;
    if (!g_strv_contains (session_children, (const char *) n->name)) {
      cpm_report_add (c->report, "session.element-unknown", CPM_SEVERITY_WARNING,
                      SEC_SESSION_XML, NULL, node_line (c, n),
                      "<%s> is not an element of <session>", n->name);
      continue;
    }
    xmlNodePtr first = cpm_xml_child (root, (const char *) n->name);
    if (first != n)
      cpm_report_add (c->report, "session.element-repeated", CPM_SEVERITY_ERROR,
                      SEC_SESSION_XML, NULL, node_line (c, n), "<%s> occurs more than once",
                      n->name);
  }
}

/* 5.2.3.1 <session-replaces>: "the Contribution-ID of the CPM Session being
 * replaced", so the Contribution-ID grammar (Appendix C.2). */
static void
check_replaces (SessionCheck *c, xmlNodePtr node)
{
  g_autofree char *v = cpm_xml_get_text (node);
  g_strstrip (v);
  g_autoptr(GError) error = NULL;
  if (!cpm_check_token (v, strlen (v), &error))
    cpm_report_add (c->report, "session.replaces-value", CPM_SEVERITY_ERROR,
                    SEC_SESSION_XML ", C.2", NULL, node_line (c, node),
                    "<session-replaces> is not a Contribution-ID: %s", error->message);
}

static void
check_participants (SessionCheck *c, xmlNodePtr node)
{
  g_autofree char *text = cpm_xml_get_text (node);
  const char *problem = cpm_participants_problem (text);
  if (problem)
    cpm_report_add (c->report, "session.participants-value", CPM_SEVERITY_ERROR,
                    SEC_SESSION_XML, NULL, node_line (c, node), "%s", problem);
}

static void
check_type (SessionCheck *c, xmlNodePtr root)
{
  xmlNodePtr type = cpm_xml_child (root, "session-type");
  xmlNodePtr invited = cpm_xml_child (root, "invited-participants");
  if (invited)
    check_participants (c, invited);
  if (!type) {
    cpm_report_add (c->report, "session.type-missing", CPM_SEVERITY_ERROR, SEC_SESSION_XML,
                    NULL, node_line (c, root), "<session> has no <session-type>");
    return;
  }
  g_autofree char *v = cpm_xml_get_text (type);
  g_strstrip (v);
  /* "It may be set to Group or 1-1": the only two types 5.2.3.1 knows. */
  gboolean group = strcmp (v, "Group") == 0;
  if (!group && strcmp (v, "1-1") != 0)
    cpm_report_add (c->report, "session.type-value", CPM_SEVERITY_ERROR, SEC_SESSION_XML, NULL,
                    node_line (c, type), "<session-type> \"%s\" SHALL be Group or 1-1", v);
  else if (group && !invited)
    cpm_report_add (c->report, "session.participants-missing", CPM_SEVERITY_ERROR,
                    SEC_SESSION_XML, NULL, node_line (c, type),
                    "a Group session SHALL list <invited-participants>");
  else if (!group && invited)
    cpm_report_add (c->report, "session.participants-not-allowed", CPM_SEVERITY_ERROR,
                    SEC_SESSION_XML, NULL, node_line (c, invited),
                    "a 1-1 session SHALL NOT carry <invited-participants>");
}

static guint
header_line (const CpmObject *object, const char *name)
{
  int i = cpm_object_find_header (object, name, 0);
  return i < 0 ? 0 : cpm_object_get_header_line (object, (guint) i);
}

void
cpm_validate_body_session_info (const CpmObject *object, CpmProfile profile, CpmReport *report)
{
  const char *ct = cpm_object_get_header (object, "Content-Type");
  g_autofree char *mime = ct ? cpm_content_type_mime (ct) : NULL;
  if (!mime || strcmp (mime, "application/x-cpm-session") != 0) {
    cpm_report_add (report, "session.content-type", CPM_SEVERITY_ERROR, SEC_TABLE3,
                    "Content-Type", header_line (object, "Content-Type"),
                    "a session info object SHALL be %s, not \"%s\"", CPM_SESSION_INFO_TYPE,
                    ct ? ct : "(absent)");
    return;
  }
  GBytes *body = cpm_object_get_body (object);
  if (!body)
    return;
  /* The body is stored as written (Appendix D); a transfer-encoded body
   * would need decoding first, which Table 3 gives no reason for. */
  SessionCheck c = { report, { report, cpm_object_get_body_line (object), SEC_SESSION_XML, "session" } };
  gsize len = 0;
  const char *data = g_bytes_get_data (body, &len);
  xmlDocPtr doc = cpm_xml_parse (data ? data : "", len, NULL, &c.place, NULL);
  if (!doc)
    return;
  xmlNodePtr root = xmlDocGetRootElement (doc);
  if (strcmp ((const char *) root->name, "session") != 0) {
    cpm_report_add (report, "session.root-element", CPM_SEVERITY_ERROR, SEC_SESSION_XML, NULL,
                    node_line (&c, root), "the root element is <%s>, not <session>", root->name);
  } else {
    check_children (&c, root);
    check_type (&c, root);
    xmlNodePtr replaces = cpm_xml_child (root, "session-replaces");
    if (replaces)
      check_replaces (&c, replaces);
  }
  xmlFreeDoc (doc);
}

/* The 1.0 session history object (000_12dc9c69392a8d7f.txt 5.2.3) has no
 * defined format ("FFS"), so under 1.0 there is nothing to check in its
 * body. 2.0 dropped it (001 4.2): "replaced ... by the session history
 * folder and session info object". */
void
cpm_validate_body_session_history (const CpmObject *object, CpmProfile profile,
                                   CpmReport *report)
{
  if (profile == CPM_PROFILE_1_0)
    return;
  cpm_report_add (report, "session-history.profile", CPM_SEVERITY_ERROR, "4.2", "Content-Type",
                  header_line (object, "Content-Type"),
                  "the 1.0 session history object does not exist in profile %s: store a "
                  "session history folder with a session info object instead",
                  cpm_profile_to_string (profile));
}
