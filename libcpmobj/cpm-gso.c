/* Group State Object bodies (5.2.4): application/group-state-object+xml,
 * or multipart/related with the XML root and an icon part.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"
#include "cpm-validate-private.h"
#include "cpm-xml-private.h"
#include <string.h>

#define SECTION_GSO "5.2.4"
#define GSO_TYPE "application/group-state-object+xml"

static gboolean
is_param_char (char c)
{
  /* RFC 3966 paramchar: param-unreserved / unreserved / pct-encoded */
  return g_ascii_isalnum (c) || strchr ("[]/:&+$-_.!~*'()%", c) != NULL;
}

/* RFC 3966 telephone-uri: a global number ("+" then digits and visual
 * separators) or a local number that then needs a phone-context
 * parameter; parameters as ;name[=value]. */
static gboolean
is_tel_uri (const char *v)
{
  if (!v || g_ascii_strncasecmp (v, "tel:", 4) != 0)
    return FALSE;
  const char *p = v + 4;
  gboolean global = *p == '+';
  gboolean context = FALSE;
  guint digits = 0;
  if (global)
    p++;
  for (; *p && *p != ';'; p++) {
    if (g_ascii_isdigit (*p) || (!global && (g_ascii_isxdigit (*p) || *p == '*' || *p == '#')))
      digits++;
    else if (!strchr ("-.()", *p))
      return FALSE;
  }
  if (digits == 0)
    return FALSE;
  while (*p == ';') {
    const char *name = ++p;
    while (g_ascii_isalnum (*p) || *p == '-')
      p++;
    if (p == name)
      return FALSE;
    if (p - name == 13 && g_ascii_strncasecmp (name, "phone-context", 13) == 0)
      context = TRUE;
    if (*p == '=') {
      const char *value = ++p;
      while (*p && is_param_char (*p))
        p++;
      if (p == value)
        return FALSE;
    }
    if (*p && *p != ';')
      return FALSE;
  }
  return global || context;
}

static gboolean
attr_is_true (xmlNodePtr node, const char *name)
{
  g_autofree char *v = cpm_xml_get_attr (node, name);
  if (!v)
    return FALSE;
  g_strstrip (v);
  return strcmp (v, "true") == 0 || strcmp (v, "1") == 0;
}

static guint
node_line (const CpmXmlPlace *place, xmlNodePtr node)
{
  return cpm_xml_place_line (place, (int) xmlGetLineNo (node));
}

/* 5.2.4 f) iii): yourown marks THE participant the object is sent to. */
static void
check_yourown (xmlNodePtr root, const CpmXmlPlace *place)
{
  guint count = 0;
  for (xmlNodePtr c = root->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE || strcmp ((const char *) c->name, "participant") != 0)
      continue;
    if (attr_is_true (c, "yourown") && ++count == 2)
      cpm_report_add (place->report, "gso.yourown-multiple", CPM_SEVERITY_ERROR,
                      SECTION_GSO " f) iii)", NULL, node_line (place, c),
                      "more than one participant has yourown=\"true\"; it marks the one "
                      "participant the Group State Object is sent to");
  }
}

/* 4.4: yourown and role (and max-user-count, policy) are new in 2.2. */
static void
check_attribute_profile (xmlNodePtr node, const CpmXmlPlace *place)
{
  static const char *const attrs[] = { "yourown", "role", NULL };
  for (; node; node = node->next) {
    if (node->type != XML_ELEMENT_NODE)
      continue;
    if (strcmp ((const char *) node->name, "participant") == 0)
      for (guint i = 0; attrs[i]; i++)
        if (xmlHasProp (node, (const xmlChar *) attrs[i]))
          cpm_report_add (place->report, "gso.attribute-profile", CPM_SEVERITY_ERROR,
                          "4.4, " SECTION_GSO, NULL, node_line (place, node),
                          "participant attribute \"%s\" is defined only from profile 2.2 on",
                          attrs[i]);
    check_attribute_profile (node->children, place);
  }
}

static void
check_element_profile (xmlNodePtr root, const CpmXmlPlace *place)
{
  for (xmlNodePtr c = root->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE && (strcmp ((const char *) c->name, "max-user-count") == 0 ||
                                        strcmp ((const char *) c->name, "policy") == 0))
      cpm_report_add (place->report, "gso.element-profile", CPM_SEVERITY_ERROR,
                      "4.4, " SECTION_GSO " i) j)", NULL, node_line (place, c),
                      "<%s> is defined only from profile 2.2 on", c->name);
}

/* The schema accepts max-user-count and policy before <status> (Appendix G)
 * or after <icon> (prose order); "MAY include one" forbids both. */
static void
check_duplicates (xmlNodePtr root, const CpmXmlPlace *place)
{
  static const char *const names[] = { "max-user-count", "policy", NULL };
  for (guint i = 0; names[i]; i++)
    if (cpm_xml_count_children (root, names[i]) > 1)
      cpm_report_add (place->report, "gso.duplicate-element", CPM_SEVERITY_ERROR,
                      SECTION_GSO " i) j)", NULL, node_line (place, root),
                      "<%s> is given more than once", names[i]);
}

static void
check_iw_number (xmlNodePtr root, const CpmXmlPlace *place)
{
  g_autofree char *iw = cpm_xml_get_attr (root, "iw-number");
  if (iw && !is_tel_uri (iw))
    cpm_report_add (place->report, "gso.iw-number", CPM_SEVERITY_ERROR, SECTION_GSO " d)", NULL,
                    node_line (place, root),
                    "iw-number \"%s\" SHALL contain the number as a TEL URI (RFC 3966)", iw);
}

/* h) (2): <file-info> holds the Content-ID of the part with the image;
 * matched as cid: URLs are (spec README defect 4). */
static void
check_icon_part (xmlNodePtr root, GPtrArray *parts, const CpmXmlPlace *place)
{
  xmlNodePtr info = cpm_xml_child (cpm_xml_child (cpm_xml_child (root, "icon"), "source"),
                                   "file-info");
  if (!info)
    return;
  g_autofree char *ref = g_strstrip (cpm_xml_get_text (info));
  const CpmXmlPart *part = cpm_xml_find_part (parts, ref);
  if (!part || part == g_ptr_array_index (parts, 0))
    cpm_report_add (place->report, "gso.icon-part-missing", CPM_SEVERITY_ERROR,
                    SECTION_GSO " h)", NULL, node_line (place, info),
                    parts ? "<file-info> \"%s\" names no icon part of the multipart/related body"
                          : "<file-info> \"%s\" names a body part, but the object is not "
                            "multipart/related (Table 4)",
                    ref);
}

static void
check_gso (xmlDocPtr doc, GPtrArray *parts, const CpmXmlPlace *place, gpointer data)
{
  CpmProfile profile = GPOINTER_TO_INT (data);
  xmlNodePtr root = xmlDocGetRootElement (doc);
  if (!root || root->ns || strcmp ((const char *) root->name, "groupstate") != 0)
    return; /* the schema finding says it */
  check_yourown (root, place);
  check_duplicates (root, place);
  check_iw_number (root, place);
  check_icon_part (root, parts, place);
  if (profile < CPM_PROFILE_2_2) {
    check_attribute_profile (root->children, place);
    check_element_profile (root, place);
  }
}

void
cpm_validate_body_group_state (const CpmObject *object, CpmProfile profile, CpmReport *report)
{
  /* The 1.0 drafts (000, 003) know no Group State Object; 2.0 brings it
   * with the session history folder. */
  if (profile < CPM_PROFILE_2_0)
    cpm_report_add (report, "gso.profile", CPM_SEVERITY_ERROR, "4.1, 5.2.4", NULL, 0,
                    "the Group State Object exists only from profile 2.0 on (validating "
                    "under %s)", cpm_profile_to_string (profile));
  cpm_xml_validate_body (object, GSO_TYPE, "group-state-object.xsd", "gso", SECTION_GSO, report,
                         check_gso, GINT_TO_POINTER (profile));
}
