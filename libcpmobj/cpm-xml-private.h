/* Safe XML loading and XSD validation shared by the XML body modules.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_XML_PRIVATE_H
#define CPM_XML_PRIVATE_H

#include "config-private.h"
#include <cpmobj/cpm-limits.h>
#include <cpmobj/cpm-object.h>
#include <cpmobj/cpm-report.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* The functions below carry CPM_EXPORT so that the unit tests can reach
 * them; they are not part of the installed API. */

/**
 * CpmXmlPlace:
 * @report: (nullable): where findings go
 * @first_line: line of the XML's first byte in the whole object (1 when
 *   the XML is the whole input, 0 when unknown: XML lines are then kept)
 * @section: spec section cited by schema findings ("5.2.4", "RFC 4575")
 * @rule_prefix: area of schema findings: "<prefix>.schema"
 *
 * Where a body sits, so that findings carry object lines.
 */
typedef struct {
  CpmReport *report;
  guint first_line;
  const char *section;
  const char *rule_prefix;
} CpmXmlPlace;

/* Line in the object of XML line @xml_line. */
CPM_EXPORT guint cpm_xml_place_line (const CpmXmlPlace *place, int xml_line);

/*
 * Parses @data safely: no network, no DTD loading, no entity substitution,
 * and any DOCTYPE (hence any entity declaration) rejected before its
 * internal subset is read. @limits (NULL: defaults) bounds size and depth.
 * On failure adds one diagnostic to @place->report ("xml.doctype",
 * "xml.not-well-formed", "limit.xml-size", "limit.xml-depth") and sets
 * @error (CPM_ERROR_XML or CPM_ERROR_LIMIT). Nothing is printed.
 * Returns: (transfer full) (nullable): the document
 */
CPM_EXPORT xmlDocPtr cpm_xml_parse (const char *data, gsize len, const CpmLimits *limits,
                         const CpmXmlPlace *place, GError **error);

/* TRUE when libxml2 reads @data as UTF-8 without a converter: no byte
 * order mark but UTF-8's, not UTF-16/UCS-4, and an XML declaration that
 * names no encoding or UTF-8. */
CPM_EXPORT gboolean cpm_xml_plain_utf8 (const char *data, gsize len);

/*
 * Validates @doc against schemas/@schema_name (compiled once per process).
 * Each validity error becomes an error "<rule_prefix>.schema" with line and
 * column. Returns TRUE when valid; FALSE with @error set only when the
 * schema itself cannot be loaded (then "xml.schema-unavailable" is added).
 */
CPM_EXPORT gboolean cpm_xml_validate (xmlDocPtr doc, const char *schema_name,
                           const CpmXmlPlace *place, GError **error);

/* Path of schemas/@name: $CPM_SCHEMAS, the installed dir, or the source
 * tree. Returns: (transfer full) */
CPM_EXPORT char *cpm_xml_schema_path (const char *name);

/* Attribute @name (no namespace) of @node, or NULL. Returns: (transfer full),
 * free with g_free */
CPM_EXPORT char *cpm_xml_get_attr (xmlNodePtr node, const char *name);

/* Text content of @node. Returns: (transfer full), g_free */
CPM_EXPORT char *cpm_xml_get_text (xmlNodePtr node);

/* First child element of @node named @name (any namespace), or NULL. */
CPM_EXPORT xmlNodePtr cpm_xml_child (xmlNodePtr node, const char *name);

/* Number of child elements of @node named @name (any namespace). */
CPM_EXPORT guint cpm_xml_count_children (xmlNodePtr node, const char *name);

/*
 * One MIME part of a multipart body, for the bodies that may carry an icon.
 */
typedef struct {
  char *content_type;  /* lower-case type/subtype */
  char *content_id;    /* without angle brackets, or NULL */
  GBytes *content;     /* decoded content */
  guint first_line;    /* line of the content's first byte in the object */
} CpmXmlPart;

/*
 * Splits a multipart/related @body (Content-Type value @content_type) with
 * GMime. The root (RFC 2387 "start" parameter, else the first part) comes
 * first. @body_line is the body's first line in the object.
 * Returns: (transfer full) (element-type CpmXmlPart) (nullable): the parts,
 * or NULL with @error set when the body is not a multipart
 */
CPM_EXPORT GPtrArray *cpm_xml_split_related (GBytes *body, const char *content_type,
                                  guint body_line, GError **error);

/*
 * Matches a reference to a part (a cid: URL or a bare id, RFC 2392: strip
 * "cid:", URL-decode, compare with the Content-ID without angle brackets;
 * spec README defect 4). Returns: (transfer none) (nullable): the part
 */
CPM_EXPORT const CpmXmlPart *cpm_xml_find_part (GPtrArray *parts, const char *reference);

/*
 * Checks run on a parsed, schema-checked body: @parts is the
 * multipart/related body split (root first) or NULL for a plain XML body.
 */
typedef void (*CpmXmlBodyCheck) (xmlDocPtr doc, GPtrArray *parts, const CpmXmlPlace *place,
                                 gpointer data);

/*
 * The common path of the XML body kinds that may carry an icon (GSO,
 * Conference Information): the body is @xml_type, or multipart/related
 * whose root part is @xml_type. Decodes a Content-Transfer-Encoding,
 * parses safely, validates against schemas/@schema, then runs @check.
 * Rules: "<prefix>.content-type", "<prefix>.multipart", "<prefix>.root-type",
 * "<prefix>.schema" and the xml.* / limit.xml-* rules of cpm_xml_parse().
 */
CPM_EXPORT void cpm_xml_validate_body (const CpmObject *object, const char *xml_type, const char *schema,
                            const char *rule_prefix, const char *section, CpmReport *report,
                            CpmXmlBodyCheck check, gpointer data);

/* Decodes @data per the Content-Transfer-Encoding value @cte (NULL: none).
 * Returns: (transfer full) */
CPM_EXPORT GBytes *cpm_xml_decode_transfer (GBytes *data, const char *cte);

/*
 * cpm-imdn.c's per-thread memo of schema-valid notification shapes (see
 * there), for the tests and the fuzzer, which compare it with the full
 * path: with @full TRUE this thread neither recalls nor remembers shapes
 * (every notification is parsed and schema-checked); forgetting clears
 * what it remembered; hits counts the notifications it answered.
 */
CPM_EXPORT void cpm_imdn_shape_memo_force_full (gboolean full);
CPM_EXPORT void cpm_imdn_shape_memo_forget (void);
CPM_EXPORT guint cpm_imdn_shape_memo_hits (void);

G_END_DECLS

#endif
