/* File Transfer History objects (5.2.2, Table 2, 5.2.2.1).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"

#include <cpmobj/cpm-filetransfer.h>

#include "cpm-media-private.h"
#include "cpm-object-private.h"
#include "cpm-validate-private.h"
#include "cpm-xml-private.h"

#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#define SEC_TABLE2 "5.2.2 Table 2"
#define SEC_FT_XML "5.2.2.1"
#define SEC_CID "5.2.2.1, RFC 2392"
#define SEC_SDP "5.2.2.1, RFC 5547"

/* ---- cid: URLs (RFC 2392; spec README defect 4) ---- */

static char *
strip_angles (const char *id)
{
  g_autofree char *copy = g_strstrip (g_strdup (id));
  gsize n = strlen (copy);
  if (n >= 2 && copy[0] == '<' && copy[n - 1] == '>')
    return g_strndup (copy + 1, n - 2);
  return g_steal_pointer (&copy);
}

/* The Content-ID a cid: URL names, or NULL when @reference is not one. */
static char *
cid_url_target (const char *reference)
{
  g_autofree char *ref = g_strstrip (g_strdup (reference));
  if (g_ascii_strncasecmp (ref, "cid:", 4) != 0 || ref[4] == '\0')
    return NULL;
  return g_uri_unescape_string (ref + 4, NULL);
}

gboolean
cpm_cid_url_matches (const char *reference, const char *content_id)
{
  g_return_val_if_fail (reference && content_id, FALSE);
  g_autofree char *target = cid_url_target (reference);
  g_autofree char *id = strip_angles (content_id);
  if (!target) /* a bare id, as the builder's callers may pass */
    target = strip_angles (reference);
  return strcmp (target, id) == 0;
}

/* ---- writing the root from values ---- */

static gboolean
is_group_type (const char *type)
{
  return strcmp (type, "Ad-Hoc") == 0 || strcmp (type, "Pre-Defined") == 0;
}

static char *
cid_url_for (const char *content_id)
{
  g_autofree char *id = strip_angles (content_id);
  /* RFC 2392: the addr-spec, %-escaping what a URL cannot carry. */
  g_autofree char *escaped = g_uri_escape_string (id, "!$&'()*+,;=:@", FALSE);
  return g_strconcat ("cid:", escaped, NULL);
}

static GBytes *
doc_to_bytes (xmlDocPtr doc)
{
  xmlChar *mem = NULL;
  int len = 0;
  xmlDocDumpFormatMemoryEnc (doc, &mem, &len, "UTF-8", 1);
  GBytes *bytes = g_bytes_new (mem, len > 0 ? (gsize) len : 0);
  xmlFree (mem);
  return bytes;
}

GBytes *
cpm_file_transfer_xml_new (const char *transfer_type, const char *invited, const char *imdn,
                           const char *sdp, const char *const *cids, GError **error)
{
  g_return_val_if_fail (transfer_type && sdp, NULL);
  gboolean group = is_group_type (transfer_type);
  if (!group && strcmp (transfer_type, "1-1") != 0) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE,
                 "file-transfer-type \"%s\" is none of Ad-Hoc, Pre-Defined, 1-1 (5.2.2.1)",
                 transfer_type);
    return NULL;
  }
  if (group != (invited != NULL)) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE,
                 group ? "a group file transfer needs invited-participants (5.2.2.1)"
                       : "a 1-1 file transfer SHALL NOT carry invited-participants (5.2.2.1)");
    return NULL;
  }
  xmlDocPtr doc = xmlNewDoc (BAD_CAST "1.0");
  xmlNodePtr root = xmlNewNode (NULL, BAD_CAST "file-transfer");
  xmlDocSetRootElement (doc, root);
  xmlNewTextChild (root, NULL, BAD_CAST "file-transfer-type", BAD_CAST transfer_type);
  if (invited)
    xmlNewTextChild (root, NULL, BAD_CAST "invited-participants", BAD_CAST invited);
  if (imdn)
    xmlNewTextChild (root, NULL, BAD_CAST "imdn", BAD_CAST imdn);
  xmlNewTextChild (root, NULL, BAD_CAST "sdp", BAD_CAST sdp);
  for (guint i = 0; cids && cids[i]; i++) {
    xmlNodePtr fo = xmlNewChild (root, NULL, BAD_CAST "file-object", NULL);
    g_autofree char *url = cid_url_for (cids[i]);
    xmlNewTextChild (fo, NULL, BAD_CAST "cid", BAD_CAST url);
  }
  GBytes *bytes = doc_to_bytes (doc);
  xmlFreeDoc (doc);
  return bytes;
}

/* ---- validation: the parts ---- */

typedef struct {
  GMimeObject *part;
  char *content_id; /* without angle brackets, or NULL */
  guint line;
  gboolean is_root;
  gboolean is_icon;
} FtPart;

typedef struct {
  const CpmObject *object;
  CpmReport *report;
  CpmMimeBody mb;
  GPtrArray *parts; /* FtPart, in body order */
  GHashTable *by_id; /* Content-ID -> first FtPart carrying it */
  FtPart *root;
  CpmXmlPlace place;
} FtCheck;

static void
ft_part_free (gpointer p)
{
  FtPart *part = p;
  g_free (part->content_id);
  g_free (part);
}

static guint
header_line (const CpmObject *object, const char *name)
{
  int i = cpm_object_find_header (object, name, 0);
  return i < 0 ? 0 : cpm_object_get_header_line (object, (guint) i);
}

/* Table 2 Content-Type. The value's grammar is the registry's. Returns
 * FALSE when the body cannot be a multipart/related at all. */
static gboolean
check_content_type (FtCheck *c)
{
  const char *ct = cpm_object_get_header (c->object, "Content-Type");
  guint line = header_line (c->object, "Content-Type");
  if (!ct)
    return FALSE;
  g_autofree char *mime = cpm_content_type_mime (ct);
  if (!mime || strcmp (mime, "multipart/related") != 0) {
    cpm_report_add (c->report, "ft.content-type", CPM_SEVERITY_ERROR, SEC_TABLE2, "Content-Type",
                    line, "a File Transfer History object SHALL be multipart/related, not \"%s\"", ct);
    return FALSE;
  }
  g_autofree char *type = cpm_content_type_param (ct, "type");
  if (!type || g_ascii_strcasecmp (type, CPM_FILE_TRANSFER_TYPE) != 0)
    cpm_report_add (c->report, "ft.content-type", CPM_SEVERITY_ERROR, SEC_TABLE2, "Content-Type",
                    line, "the type parameter SHALL be \"%s\" (RFC 2387 3.1), not \"%s\"",
                    CPM_FILE_TRANSFER_TYPE, type ? type : "(absent)");
  /* Table 2 writes boundary=cpm, but the boundary is MIME framing that no
   * reader depends on: a different one is a warning, not an error. */
  g_autofree char *boundary = cpm_content_type_param (ct, "boundary");
  if (boundary && strcmp (boundary, "cpm") != 0)
    cpm_report_add (c->report, "ft.boundary", CPM_SEVERITY_WARNING, SEC_TABLE2, "Content-Type",
                    line, "Table 2 gives boundary=cpm; this object uses \"%s\"", boundary);
  return TRUE;
}

static void
collect_parts (FtCheck *c)
{
  GMimeMultipart *mp = GMIME_MULTIPART (c->mb.entity);
  int n = g_mime_multipart_get_count (mp);
  for (int i = 0; i < n; i++) {
    GMimeObject *obj = g_mime_multipart_get_part (mp, i);
    FtPart *part = g_new0 (FtPart, 1);
    part->part = obj;
    const char *cid = g_mime_object_get_content_id (obj);
    part->content_id = cid ? g_strdup (cid) : NULL;
    part->line = cpm_mime_body_part_line (&c->mb, obj);
    g_ptr_array_add (c->parts, part);
  }
  /* RFC 2387 3.2: the root is the part named by "start", else the first. */
  const char *ct = cpm_object_get_header (c->object, "Content-Type");
  g_autofree char *start = ct ? cpm_content_type_param (ct, "start") : NULL;
  for (guint i = 0; start && i < c->parts->len; i++) {
    FtPart *p = c->parts->pdata[i];
    if (p->content_id && cpm_cid_url_matches (start, p->content_id))
      c->root = p;
  }
  if (!c->root && c->parts->len)
    c->root = c->parts->pdata[0];
  if (c->root)
    c->root->is_root = TRUE;
}

/* RFC 2392: a Content-ID names one body part. Indexes the parts by id
 * (hostile input may hold many parts: no pairwise comparison). */
static void
index_ids (FtCheck *c)
{
  for (guint i = 0; i < c->parts->len; i++) {
    FtPart *b = c->parts->pdata[i];
    if (!b->content_id)
      continue;
    FtPart *a = g_hash_table_lookup (c->by_id, b->content_id);
    if (a)
      cpm_report_add (c->report, "ft.cid-duplicate", CPM_SEVERITY_ERROR, "RFC 2392 2",
                      "Content-ID", b->line, "Content-ID <%s> names two body parts (also line %u)",
                      b->content_id, a->line);
    else
      g_hash_table_insert (c->by_id, b->content_id, b);
  }
}

/* The part a cid: URL names (see cpm_cid_url_matches()). */
static FtPart *
find_part (FtCheck *c, const char *reference)
{
  g_autofree char *target = cid_url_target (reference);
  return target ? g_hash_table_lookup (c->by_id, target) : NULL;
}

/* Line of the first content byte of a part, when its content is stored
 * as written (an identity encoding), else 0: then XML lines are unknown. */
static guint
content_line (FtCheck *c, GMimePart *part)
{
  GMimeContentEncoding enc = g_mime_part_get_content_encoding (part);
  if (enc == GMIME_CONTENT_ENCODING_BASE64 || enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
      enc == GMIME_CONTENT_ENCODING_UUENCODE)
    return 0;
  GMimeDataWrapper *content = g_mime_part_get_content (part);
  GMimeStream *stream = content ? g_mime_data_wrapper_get_stream (content) : NULL;
  return stream ? cpm_mime_body_offset_line (&c->mb, stream->bound_start) : 0;
}

/* ---- validation: the XML root ---- */

typedef struct {
  char *name;      /* file name, or NULL */
  char *type;      /* type/subtype, or NULL */
  gint64 size;     /* -1 when absent */
  guint line;
} Selector;

static void
selector_free (gpointer p)
{
  Selector *s = p;
  g_free (s->name);
  g_free (s->type);
  g_free (s);
}

static gboolean
local_name_is (xmlNodePtr node, const char *name)
{
  return node->type == XML_ELEMENT_NODE && strcmp ((const char *) node->name, name) == 0;
}

static guint
node_line (FtCheck *c, xmlNodePtr node)
{
  return cpm_xml_place_line (&c->place, (int) xmlGetLineNo (node));
}

/* RFC 5547 8: file-selector = selector *(SP selector), with name:"..."
 * size:N type:t/s hash:alg:value in any order. */
static Selector *
parse_file_selector (const char *value, guint line)
{
  Selector *s = g_new0 (Selector, 1);
  s->size = -1;
  s->line = line;
  const char *p = value;
  while (*p) {
    while (*p == ' ' || *p == '\t')
      p++;
    if (g_str_has_prefix (p, "name:\"")) {
      const char *q = strchr (p + 6, '"');
      g_free (s->name); /* named twice: the last counts (fuzz-xml-filetransfer) */
      s->name = g_strndup (p + 6, q ? (gsize) (q - p - 6) : strlen (p + 6));
      p = q ? q + 1 : p + strlen (p);
      continue;
    }
    const char *end = p + strcspn (p, " \t");
    if (g_str_has_prefix (p, "size:")) {
      g_autofree char *digits = g_strndup (p + 5, end - p - 5);
      char *rest = NULL;
      gint64 v = g_ascii_strtoll (digits, &rest, 10);
      s->size = (*digits && rest && *rest == '\0' && v >= 0) ? v : -2;
    } else if (g_str_has_prefix (p, "type:")) {
      g_autofree char *t = g_strndup (p + 5, end - p - 5);
      char *semi = strchr (t, ';');
      if (semi)
        *semi = '\0';
      g_free (s->type);
      s->type = g_ascii_strdown (t, -1);
    }
    p = end;
  }
  return s;
}

typedef struct {
  GPtrArray *selectors; /* Selector */
  GPtrArray *icons;     /* char *, the a=file-icon values */
  GArray *icon_lines;   /* guint */
} Sdp;

static void
scan_sdp (FtCheck *c, xmlNodePtr sdp, Sdp *out)
{
  g_autofree char *text = cpm_xml_get_text (sdp);
  g_auto(GStrv) lines = cpm_text_split (text ? text : "", '\n');
  guint first = node_line (c, sdp);
  for (guint i = 0; lines[i]; i++) {
    char *l = g_strstrip (lines[i]);
    guint line = first ? first + i : 0;
    if (g_str_has_prefix (l, "a=file-selector:"))
      g_ptr_array_add (out->selectors, parse_file_selector (l + 16, line));
    else if (g_str_has_prefix (l, "a=file-icon:")) {
      g_ptr_array_add (out->icons, g_strstrip (g_strdup (l + 12)));
      g_array_append_val (out->icon_lines, line);
    }
  }
}

/* 5.2.2.1: the thumbnail is "MIME wrapped with the Content-ID MIME header
 * field set to the value of the cid found in the a=file-icon attribute". */
static void
check_icons (FtCheck *c, Sdp *sdp)
{
  for (guint i = 0; i < sdp->icons->len; i++) {
    const char *ref = sdp->icons->pdata[i];
    guint line = g_array_index (sdp->icon_lines, guint, i);
    g_autofree char *target = cid_url_target (ref);
    FtPart *part = target ? find_part (c, ref) : NULL;
    if (!target)
      cpm_report_add (c->report, "ft.cid-syntax", CPM_SEVERITY_ERROR, SEC_SDP, NULL, line,
                      "a=file-icon \"%s\" is not a cid: URL", ref);
    else if (!part || part->is_root)
      cpm_report_add (c->report, "ft.icon-unresolved", CPM_SEVERITY_ERROR, SEC_CID, NULL, line,
                      "a=file-icon names <%s>, but no thumbnail part carries that Content-ID",
                      target);
    else
      part->is_icon = TRUE;
  }
}

static void
check_file_object (FtCheck *c, xmlNodePtr fo)
{
  xmlNodePtr cid = cpm_xml_child (fo, "cid");
  if (!cid) {
    cpm_report_add (c->report, "ft.cid-missing", CPM_SEVERITY_ERROR, SEC_FT_XML, NULL,
                    node_line (c, fo), "<file-object> without <cid>");
    return;
  }
  g_autofree char *text = cpm_xml_get_text (cid);
  g_strstrip (text);
  g_autofree char *target = cid_url_target (text);
  if (!target) {
    cpm_report_add (c->report, "ft.cid-syntax", CPM_SEVERITY_ERROR, SEC_CID, NULL,
                    node_line (c, cid), "<cid>%s</cid> is not a cid: URL (RFC 2392)", text);
    return;
  }
  FtPart *part = find_part (c, text);
  if (!part || part->is_root)
    cpm_report_add (c->report, "ft.cid-unresolved", CPM_SEVERITY_ERROR, SEC_CID, NULL,
                    node_line (c, cid), "<cid>%s</cid> names <%s>, but no file part carries that "
                    "Content-ID", text, target);
}

/* A file part a selector describes: the one its file name names, else the
 * one at the same position when selectors and files pair up one to one. */
static FtPart *
selector_part (GPtrArray *files, GHashTable *by_name, GPtrArray *selectors, guint index)
{
  Selector *s = selectors->pdata[index];
  FtPart *named = s->name ? g_hash_table_lookup (by_name, s->name) : NULL;
  if (named)
    return named;
  return files->len == selectors->len ? files->pdata[index] : NULL;
}

static void
check_selector (FtCheck *c, Selector *s, FtPart *f)
{
  if (s->size == -2)
    cpm_report_add (c->report, "ft.sdp-value", CPM_SEVERITY_ERROR, SEC_SDP, NULL, s->line,
                    "a=file-selector size: is not a decimal number of octets");
  if (!f || !GMIME_IS_PART (f->part))
    return;
  /* After a structural MIME error the part's extent is a guess. */
  if (s->size >= 0 && !c->mb.damaged) {
    gsize got = cpm_mime_part_decoded_size (GMIME_PART (f->part));
    if ((guint64) s->size != got)
      cpm_report_add (c->report, "ft.size-mismatch", CPM_SEVERITY_ERROR, SEC_SDP, NULL, s->line,
                      "a=file-selector says size:%" G_GINT64_FORMAT ", the stored file "
                      "(part at line %u) holds %" G_GSIZE_FORMAT " octets", s->size, f->line, got);
  }
  GMimeContentType *ct = g_mime_object_get_content_type (f->part);
  g_autofree char *mime = ct ? g_mime_content_type_get_mime_type (ct) : NULL;
  if (s->type && mime && g_ascii_strcasecmp (s->type, mime) != 0)
    cpm_report_add (c->report, "ft.type-mismatch", CPM_SEVERITY_WARNING, SEC_SDP, NULL, s->line,
                    "a=file-selector says type:%s, the stored file (line %u) is %s", s->type,
                    f->line, mime);
}

static void
check_files (FtCheck *c, Sdp *sdp)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new ();
  g_autoptr(GHashTable) by_name = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < c->parts->len; i++) {
    FtPart *p = c->parts->pdata[i];
    if (p->is_root || p->is_icon)
      continue;
    g_ptr_array_add (files, p);
    const char *fn = GMIME_IS_PART (p->part) ? g_mime_part_get_filename (GMIME_PART (p->part)) : NULL;
    if (fn && !g_hash_table_contains (by_name, fn))
      g_hash_table_insert (by_name, (gpointer) fn, p);
  }
  /* Table 2: "The other MIME entities are the file/s that were exchanged".
   * A history object of a transfer whose file was not kept is conceivable,
   * hence a warning. */
  if (files->len == 0)
    cpm_report_add (c->report, "ft.file-missing", CPM_SEVERITY_WARNING, SEC_TABLE2, NULL,
                    c->mb.body_line, "the object stores no file part after the root");
  if (sdp->selectors->len == 0)
    cpm_report_add (c->report, "ft.sdp-file-selector", CPM_SEVERITY_WARNING, SEC_SDP, NULL,
                    c->root ? c->root->line : 0,
                    "<sdp> has no a=file-selector: the stored files cannot be checked");
  for (guint i = 0; i < sdp->selectors->len; i++)
    check_selector (c, sdp->selectors->pdata[i], selector_part (files, by_name, sdp->selectors, i));
}

/* 5.2.2.1 <imdn>: "the CPIM headers" requesting IMDNs, one per line. */
static void
check_imdn (FtCheck *c, xmlNodePtr imdn)
{
  g_autofree char *text = cpm_xml_get_text (imdn);
  g_auto(GStrv) lines = cpm_text_split (text ? text : "", '\n');
  for (guint i = 0; lines[i]; i++) {
    char *l = g_strstrip (lines[i]);
    const char *colon = strchr (l, ':');
    if (*l && (!colon || colon == l || strcspn (l, " \t") < (gsize) (colon - l)))
      cpm_report_add (c->report, "ft.imdn-value", CPM_SEVERITY_ERROR, SEC_FT_XML, NULL,
                      node_line (c, imdn) ? node_line (c, imdn) + i : 0,
                      "<imdn> line \"%s\" is not a CPIM header (Name: value)", l);
  }
}

/* 5.2.2.1 <invited-participants>: addresses separated by ";". */
static void
check_participants (FtCheck *c, xmlNodePtr node, const char *rule, const char *section)
{
  g_autofree char *text = cpm_xml_get_text (node);
  const char *problem = cpm_participants_problem (text);
  if (problem)
    cpm_report_add (c->report, rule, CPM_SEVERITY_ERROR, section, NULL, node_line (c, node),
                    "%s", problem);
}

static const char *const ft_children[] = { "file-transfer-type", "invited-participants", "imdn",
                                           "sdp", "file-object", NULL };

static void
check_children (FtCheck *c, xmlNodePtr root)
{
  for (xmlNodePtr n = root->children; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE)
      continue;
    if (!g_strv_contains (ft_children, (const char *) n->name))
      cpm_report_add (c->report, "ft.element-unknown", CPM_SEVERITY_WARNING, SEC_FT_XML, NULL,
                      node_line (c, n), "<%s> is not an element of <file-transfer>", n->name);
  }
  for (guint i = 0; ft_children[i]; i++) {
    if (strcmp (ft_children[i], "file-object") == 0 || cpm_xml_count_children (root, ft_children[i]) < 2)
      continue;
    xmlNodePtr second = NULL;
    guint seen = 0;
    for (xmlNodePtr n = root->children; n && !second; n = n->next)
      if (local_name_is (n, ft_children[i]) && ++seen == 2)
        second = n;
    cpm_report_add (c->report, "ft.element-repeated", CPM_SEVERITY_ERROR, SEC_FT_XML, NULL,
                    node_line (c, second), "<%s> occurs more than once", ft_children[i]);
  }
}

/* 5.2.2.1 <file-transfer-type> and <invited-participants>. */
static void
check_type (FtCheck *c, xmlNodePtr root)
{
  xmlNodePtr type = cpm_xml_child (root, "file-transfer-type");
  xmlNodePtr invited = cpm_xml_child (root, "invited-participants");
  if (!type) {
    cpm_report_add (c->report, "ft.type-missing", CPM_SEVERITY_ERROR, SEC_FT_XML, NULL,
                    node_line (c, root), "<file-transfer> has no <file-transfer-type>");
  } else {
    g_autofree char *v = cpm_xml_get_text (type);
    g_strstrip (v);
    gboolean group = is_group_type (v);
    if (!group && strcmp (v, "1-1") != 0) {
      cpm_report_add (c->report, "ft.type-value", CPM_SEVERITY_ERROR, SEC_FT_XML, NULL,
                      node_line (c, type),
                      "<file-transfer-type> \"%s\" SHALL be Ad-Hoc, Pre-Defined or 1-1", v);
    } else if (group && !invited) {
      cpm_report_add (c->report, "ft.participants-missing", CPM_SEVERITY_ERROR, SEC_FT_XML, NULL,
                      node_line (c, type),
                      "a group (%s) file transfer SHALL list <invited-participants>", v);
    } else if (!group && invited) {
      cpm_report_add (c->report, "ft.participants-not-allowed", CPM_SEVERITY_ERROR, SEC_FT_XML,
                      NULL, node_line (c, invited),
                      "a 1-1 file transfer SHALL NOT carry <invited-participants>");
    }
  }
  if (invited)
    check_participants (c, invited, "ft.participants-value", SEC_FT_XML);
}

static void
check_root_xml (FtCheck *c, xmlNodePtr root)
{
  if (!local_name_is (root, "file-transfer")) {
    cpm_report_add (c->report, "ft.root-element", CPM_SEVERITY_ERROR, SEC_FT_XML, NULL,
                    node_line (c, root), "the root element is <%s>, not <file-transfer>",
                    root->name);
    return;
  }
  check_children (c, root);
  check_type (c, root);
  xmlNodePtr imdn = cpm_xml_child (root, "imdn");
  if (imdn)
    check_imdn (c, imdn);

  Sdp sdp = { g_ptr_array_new_with_free_func (selector_free), g_ptr_array_new_with_free_func (g_free),
              g_array_new (FALSE, FALSE, sizeof (guint)) };
  xmlNodePtr sdp_node = cpm_xml_child (root, "sdp");
  if (sdp_node)
    scan_sdp (c, sdp_node, &sdp);
  else
    cpm_report_add (c->report, "ft.sdp-missing", CPM_SEVERITY_ERROR, SEC_FT_XML, NULL,
                    node_line (c, root), "<file-transfer> has no <sdp>");
  check_icons (c, &sdp);
  for (xmlNodePtr n = root->children; n; n = n->next)
    if (local_name_is (n, "file-object"))
      check_file_object (c, n);
  if (sdp_node)
    check_files (c, &sdp);
  g_ptr_array_unref (sdp.selectors);
  g_ptr_array_unref (sdp.icons);
  g_array_unref (sdp.icon_lines);
}

static void
check_root_part (FtCheck *c)
{
  GMimeContentType *ct = g_mime_object_get_content_type (c->root->part);
  g_autofree char *mime = ct ? g_mime_content_type_get_mime_type (ct) : NULL;
  if (!mime || g_ascii_strcasecmp (mime, CPM_FILE_TRANSFER_TYPE) != 0 || !GMIME_IS_PART (c->root->part)) {
    cpm_report_add (c->report, "ft.root-type", CPM_SEVERITY_ERROR, SEC_TABLE2, "Content-Type",
                    c->root->line, "the root part SHALL be %s, not %s", CPM_FILE_TRANSFER_TYPE,
                    mime ? mime : "(none)");
    return;
  }
  GMimePart *part = GMIME_PART (c->root->part);
  g_autoptr(GBytes) xml = cpm_mime_part_decode (part);
  c->place.first_line = content_line (c, part);
  gsize len = 0;
  const char *data = g_bytes_get_data (xml, &len);
  xmlDocPtr doc = cpm_xml_parse (data ? data : "", len, NULL, &c->place, NULL);
  if (!doc)
    return;
  check_root_xml (c, xmlDocGetRootElement (doc));
  xmlFreeDoc (doc);
}

void
cpm_validate_body_file_transfer (const CpmObject *object, CpmProfile profile, CpmReport *report)
{
  FtCheck c = { .object = object, .report = report };
  c.place.report = report;
  c.place.section = SEC_FT_XML;
  c.place.rule_prefix = "ft";
  if (!check_content_type (&c))
    return;
  if (!cpm_mime_body_parse (&c.mb, object, report, "ft.mime", SEC_TABLE2))
    return;
  if (c.mb.entity && GMIME_IS_MULTIPART (c.mb.entity)) {
    cpm_mime_body_check_encodings (&c.mb, report, "ft.encoding", SEC_TABLE2);
    c.parts = g_ptr_array_new_with_free_func (ft_part_free);
    c.by_id = g_hash_table_new (g_str_hash, g_str_equal);
    collect_parts (&c);
    index_ids (&c);
    if (c.root)
      check_root_part (&c);
    g_hash_table_unref (c.by_id);
    g_ptr_array_unref (c.parts);
  }
  cpm_mime_body_clear (&c.mb);
}
