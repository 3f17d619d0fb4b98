/* Safe XML loading, XSD validation, multipart/related splitting and the
 * XML-to-JSON view shared by the XML body kinds.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"
#include "cpm-xml-private.h"
#include "cpm-object-private.h"
#include <cpmobj/cpm-xml.h>
#include <gmime/gmime.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlschemas.h>
#include <string.h>

/* Validity errors listed per document; hostile input could make millions. */
#define MAX_SCHEMA_DIAGNOSTICS 100

/* ---- places and small tree helpers ---- */

guint
cpm_xml_place_line (const CpmXmlPlace *place, int xml_line)
{
  if (xml_line <= 0)
    return place && place->first_line ? place->first_line : 0;
  if (!place || place->first_line == 0)
    return (guint) xml_line;
  return place->first_line + (guint) xml_line - 1;
}

static char *
xml_take_string (xmlChar *s)
{
  char *copy = s ? g_strdup ((const char *) s) : NULL;
  xmlFree (s);
  return copy;
}

char *
cpm_xml_get_attr (xmlNodePtr node, const char *name)
{
  return xml_take_string (xmlGetNoNsProp (node, (const xmlChar *) name));
}

char *
cpm_xml_get_text (xmlNodePtr node)
{
  char *text = xml_take_string (xmlNodeGetContent (node));
  return text ? text : g_strdup ("");
}

static gboolean
is_element (xmlNodePtr n, const char *name)
{
  return n->type == XML_ELEMENT_NODE && (!name || strcmp ((const char *) n->name, name) == 0);
}

xmlNodePtr
cpm_xml_child (xmlNodePtr node, const char *name)
{
  for (xmlNodePtr c = node ? node->children : NULL; c; c = c->next)
    if (is_element (c, name))
      return c;
  return NULL;
}

guint
cpm_xml_count_children (xmlNodePtr node, const char *name)
{
  guint n = 0;
  for (xmlNodePtr c = node ? node->children : NULL; c; c = c->next)
    n += is_element (c, name);
  return n;
}

/* ---- libxml2 set-up ---- */

static void
silent_generic_error (void *ctx, const char *msg, ...)
{
}

static void
xml_ensure_init (void)
{
  static gsize done = 0;
  if (g_once_init_enter (&done)) {
    xmlInitParser ();
    g_once_init_leave (&done, 1);
  }
}

/* Errors that reach no context (there should be none) would go to
 * libxml2's generic handler, which prints to stderr. The handler is
 * per thread in libxml2, so silencing it around our calls is thread-safe
 * and leaves the embedding program's own setting alone afterwards. */
typedef struct {
  xmlGenericErrorFunc func;
  void *ctx;
} GenericGuard;

static GenericGuard
generic_silence (void)
{
  GenericGuard g = { xmlGenericError, xmlGenericErrorContext };
  xmlSetGenericErrorFunc (NULL, silent_generic_error);
  return g;
}

static void
generic_restore (GenericGuard g)
{
  xmlSetGenericErrorFunc (g.ctx, g.func);
}

/* ---- safe parsing ---- */

typedef enum {
  PROBLEM_NONE,
  PROBLEM_DOCTYPE,
  PROBLEM_DEPTH,
  PROBLEM_SYNTAX,
} Problem;

typedef struct {
  guint max_depth;
  guint depth;
  Problem problem;
  int line;
  int column;
  char *message;
} ParseState;

static void
state_set (ParseState *st, Problem problem, int line, int column, const char *message)
{
  if (st->problem != PROBLEM_NONE)
    return;
  st->problem = problem;
  st->line = line;
  st->column = column;
  st->message = g_strchomp (g_strdup (message ? message : "unknown error"));
}

static void
on_parse_error (void *data, xmlErrorPtr err)
{
  xmlParserCtxtPtr ctxt = data;
  if (err->level == XML_ERR_WARNING)
    return;
  state_set (ctxt->_private, PROBLEM_SYNTAX, err->line, err->int2, err->message);
  /* After a fatal error libxml2 stops calling back but reads on: a
   * DOCTYPE after it never reaches on_internal_subset(), and its entities
   * would be expanded (testdata/xml/billion-laughs-after-syntax-error.xml).
   * Only the first problem is reported, so nothing is lost by stopping. */
  if (err->level == XML_ERR_FATAL)
    xmlStopParser (ctxt);
}

/* Called at "<!DOCTYPE name", before the internal subset is read: no
 * entity declaration (billion laughs, external entities) is ever seen. */
static void
on_internal_subset (void *ctx, const xmlChar *name, const xmlChar *external_id,
                    const xmlChar *system_id)
{
  xmlParserCtxtPtr ctxt = ctx;
  int column = xmlSAX2GetColumnNumber (ctx);
  /* The parser stands after the external ID; point at "<!DOCTYPE" itself
   * when it is on the same line. */
  const xmlChar *cur = ctxt->input ? ctxt->input->cur : NULL;
  gsize room = cur ? (gsize) (cur - ctxt->input->base) : 0;
  for (gsize back = 0; cur && back <= room && (int) back < column; back++) {
    if (xmlStrncmp (cur - back, BAD_CAST "<!DOCTYPE", 9) == 0) {
      column -= (int) back;
      break;
    }
  }
  state_set (ctxt->_private, PROBLEM_DOCTYPE, xmlSAX2GetLineNumber (ctx), column,
             "document type declaration");
  xmlStopParser (ctxt);
}

static void
on_start_element (void *ctx, const xmlChar *localname, const xmlChar *prefix,
                  const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                  int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
  xmlParserCtxtPtr ctxt = ctx;
  ParseState *st = ctxt->_private;
  if (++st->depth > st->max_depth) {
    state_set (st, PROBLEM_DEPTH, xmlSAX2GetLineNumber (ctx), xmlSAX2GetColumnNumber (ctx),
               "element nesting too deep");
    xmlStopParser (ctxt);
    return;
  }
  xmlSAX2StartElementNs (ctx, localname, prefix, uri, nb_namespaces, namespaces,
                         nb_attributes, nb_defaulted, attributes);
}

static void
on_end_element (void *ctx, const xmlChar *localname, const xmlChar *prefix,
                const xmlChar *uri)
{
  xmlParserCtxtPtr ctxt = ctx;
  ParseState *st = ctxt->_private;
  st->depth--;
  xmlSAX2EndElementNs (ctx, localname, prefix, uri);
}

static void
report_problem (const ParseState *st, const CpmXmlPlace *place, GError **error)
{
  CpmReport *report = place ? place->report : NULL;
  guint line = cpm_xml_place_line (place, st->line);
  guint column = st->column > 0 ? (guint) st->column : 0;

  switch (st->problem) {
  case PROBLEM_DOCTYPE:
    if (report)
      cpm_report_add_at (report, "xml.doctype", CPM_SEVERITY_ERROR, "Issue 3, RFC 7303 10",
                         NULL, line, column,
                         "XML body has a DOCTYPE; DTDs and entity declarations are refused "
                         "(no entity expansion, no external loading)");
    g_set_error (error, CPM_ERROR, CPM_ERROR_XML,
                 "line %u, column %u: DOCTYPE refused (DTDs and entities are not allowed)",
                 line, column);
    break;
  case PROBLEM_DEPTH:
    if (report)
      cpm_report_add_at (report, "limit.xml-depth", CPM_SEVERITY_ERROR, "CpmLimits", NULL,
                         line, column, "XML elements nested deeper than the limit max_xml_depth (%u)",
                         st->max_depth);
    g_set_error (error, CPM_ERROR, CPM_ERROR_LIMIT,
                 "line %u, column %u: XML elements nested deeper than the limit max_xml_depth (%u)",
                 line, column,
                 st->max_depth);
    break;
  default:
    if (report)
      cpm_report_add_at (report, "xml.not-well-formed", CPM_SEVERITY_ERROR, "XML 1.0 2.1",
                         NULL, line, column, "XML body is not well-formed: %s", st->message);
    g_set_error (error, CPM_ERROR, CPM_ERROR_XML,
                 "line %u, column %u: not well-formed: %s", line, column, st->message);
    break;
  }
}

static xmlParserCtxtPtr
new_safe_context (void)
{
  xmlParserCtxtPtr ctxt = xmlNewParserCtxt ();
  if (!ctxt)
    return NULL;
  ctxt->sax->serror = on_parse_error;
  ctxt->sax->internalSubset = on_internal_subset;
  ctxt->sax->startElementNs = on_start_element;
  ctxt->sax->endElementNs = on_end_element;
  return ctxt;
}

/* One parser context per thread, kept from document to document: libxml2
 * 2.9 otherwise sets up a context (dictionary, SAX handler, stacks) for
 * each, which costs as much as parsing a notification of a few hundred
 * bytes. xmlCtxtReadMemory() resets what a document leaves behind (input,
 * node and name stacks, last error, well-formedness, a stopped parser)
 * and keeps the SAX handlers set above. The dictionary of names is kept
 * too (documents hold a reference to it); a context whose dictionary has
 * grown past KEPT_DICT_MAX names is replaced, so that input with ever new
 * names cannot grow it without bound. */
#define KEPT_DICT_MAX 4096

static GPrivate kept_parser_key = G_PRIVATE_INIT ((GDestroyNotify) xmlFreeParserCtxt);

static xmlParserCtxtPtr
kept_context (void)
{
  xmlParserCtxtPtr ctxt = g_private_get (&kept_parser_key);
  if (ctxt && ctxt->dict && xmlDictSize (ctxt->dict) <= KEPT_DICT_MAX)
    return ctxt;
  ctxt = new_safe_context ();
  g_private_replace (&kept_parser_key, ctxt);
  return ctxt;
}

/* No network, no DTD, no entity substitution (XML_PARSE_NOENT, DTDLOAD,
 * DTDATTR and DTDVALID are deliberately absent). HUGE lifts libxml2's own
 * fixed depth limit so that CpmLimits decides; the input size is already
 * bounded by max_xml_size. */
#define SAFE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_HUGE)

/* TRUE when libxml2 reads @data as UTF-8 without a converter: no byte
 * order mark but UTF-8's, first bytes that are not UTF-16/UCS-4 ("<\0"),
 * and an XML declaration that names no encoding or UTF-8. */
gboolean
cpm_xml_plain_utf8 (const char *data, gsize len)
{
  const guchar *d = (const guchar *) data;
  if (len >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF)
    d += 3, len -= 3;
  if (len < 4 || memchr (d, '\0', 4))
    return FALSE;
  if (d[0] != '<' && d[0] != ' ' && d[0] != '\t' && d[0] != '\r' && d[0] != '\n')
    return FALSE;
  if (memcmp (d, "<?xml", MIN (len, 5)) != 0)
    return TRUE;
  const guchar *close = memchr (d, '>', len);
  if (!close)
    return FALSE;
  const guchar *enc = (const guchar *) g_strstr_len ((const char *) d, close - d, "encoding");
  if (!enc)
    return TRUE;
  enc += 8;
  /* "encoding" twice (one inside another value): not worth reading */
  if (g_strstr_len ((const char *) enc, close - enc, "encoding"))
    return FALSE;
  while (enc < close && (*enc == ' ' || *enc == '=' || *enc == '\t' || *enc == '\r' ||
                         *enc == '\n'))
    enc++;
  if (enc >= close || (*enc != '"' && *enc != '\''))
    return FALSE;
  const guchar *v = enc + 1, *ve = memchr (v, *enc, (gsize) (close - v));
  if (!ve)
    return FALSE;
  return (ve - v == 5 && g_ascii_strncasecmp ((const char *) v, "UTF-8", 5) == 0) ||
         (ve - v == 4 && g_ascii_strncasecmp ((const char *) v, "UTF8", 4) == 0);
}

/* xmlCtxtReadMemory(ctxt, data, len, NULL, NULL, SAFE_OPTIONS), step by
 * step so that a plain UTF-8 document is read as the in-memory document it
 * is: libxml2 2.9 calls the input's read function for more on every
 * lookahead near the end (each time the parser is within 250 bytes of it:
 * all of a small notification), at ~170 instructions a call. With no read
 * function it does not. A document that needs a converter (another
 * encoding) keeps it, since 2.9 converts the rest of the input only from
 * there. */
static xmlDocPtr
read_memory (xmlParserCtxtPtr ctxt, const char *data, gsize len)
{
  xmlCtxtReset (ctxt);
  xmlParserInputBufferPtr buf = xmlParserInputBufferCreateMem (data, (int) len,
                                                                XML_CHAR_ENCODING_NONE);
  if (!buf)
    return NULL;
  if (cpm_xml_plain_utf8 (data, len))
    buf->readcallback = NULL;
  xmlParserInputPtr stream = xmlNewIOInputStream (ctxt, buf, XML_CHAR_ENCODING_NONE);
  if (!stream) {
    xmlFreeParserInputBuffer (buf);
    return NULL;
  }
  inputPush (ctxt, stream);
  xmlCtxtUseOptions (ctxt, SAFE_OPTIONS);
  xmlParseDocument (ctxt);
  xmlDocPtr doc = ctxt->myDoc;
  ctxt->myDoc = NULL;
  if (doc && !ctxt->wellFormed) {
    xmlFreeDoc (doc);
    doc = NULL;
  }
  return doc;
}

xmlDocPtr
cpm_xml_parse (const char *data, gsize len, const CpmLimits *limits,
               const CpmXmlPlace *place, GError **error)
{
  if (!limits)
    limits = cpm_limits_default ();
  xml_ensure_init ();

  if (len > limits->max_xml_size || len > G_MAXINT) {
    guint line = cpm_xml_place_line (place, 1);
    if (place && place->report)
      cpm_report_add (place->report, "limit.xml-size", CPM_SEVERITY_ERROR, "CpmLimits", NULL,
                      line, "XML body of %" G_GSIZE_FORMAT " bytes is over the limit max_xml_size (%"
                      G_GSIZE_FORMAT ")", len, limits->max_xml_size);
    g_set_error (error, CPM_ERROR, CPM_ERROR_LIMIT,
                 "XML body of %" G_GSIZE_FORMAT " bytes is over the limit max_xml_size (%"
                 G_GSIZE_FORMAT ")", len, limits->max_xml_size);
    return NULL;
  }

  ParseState st = { .max_depth = limits->max_xml_depth };
  xmlParserCtxtPtr ctxt = kept_context ();
  if (!ctxt) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_XML, "out of memory");
    return NULL;
  }
  ctxt->_private = &st;
  GenericGuard guard = generic_silence ();
  xmlDocPtr doc = read_memory (ctxt, data ? data : "", len);
  generic_restore (guard);

  if (doc && (st.problem != PROBLEM_NONE || !ctxt->wellFormed)) {
    xmlFreeDoc (doc);
    doc = NULL;
  }
  if (!doc) {
    if (st.problem == PROBLEM_NONE)
      state_set (&st, PROBLEM_SYNTAX, ctxt->input ? ctxt->input->line : 0, 0,
                 "document could not be read");
    report_problem (&st, place, error);
  }
  /* Nothing of this document stays reachable from the kept context. */
  xmlCtxtReset (ctxt);
  ctxt->_private = NULL;
  g_free (st.message);
  return doc;
}

/* ---- schemas ---- */

char *
cpm_xml_schema_path (const char *name)
{
  const char *env = g_getenv ("CPM_SCHEMAS");
  if (env && *env)
    return g_build_filename (env, name, NULL);
  char *installed = g_build_filename (CPM_SCHEMAS_DIR, name, NULL);
  if (g_file_test (installed, G_FILE_TEST_IS_REGULAR))
    return installed;
  g_free (installed);
  return g_build_filename (CPM_SCHEMAS_SRCDIR, name, NULL);
}

static void
on_schema_parse_error (void *data, xmlErrorPtr err)
{
  char **first = data;
  if (!*first && err->level != XML_ERR_WARNING)
    *first = g_strdup_printf ("line %d: %s", err->line, err->message ? err->message : "?");
}

static xmlSchemaPtr
schema_compile (const char *name, GError **error)
{
  g_autofree char *path = cpm_xml_schema_path (name);
  char *first = NULL;
  xmlSchemaParserCtxtPtr pctxt = xmlSchemaNewParserCtxt (path);
  if (!pctxt) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_IO, "%s: cannot create a schema parser", path);
    return NULL;
  }
  xmlSchemaSetParserStructuredErrors (pctxt, on_schema_parse_error, &first);
  GenericGuard guard = generic_silence ();
  xmlSchemaPtr schema = xmlSchemaParse (pctxt);
  generic_restore (guard);
  xmlSchemaFreeParserCtxt (pctxt);
  if (!schema)
    g_set_error (error, CPM_ERROR, CPM_ERROR_IO, "%s: schema not loaded: %s", path,
                 first ? g_strchomp (first) : "unreadable");
  g_free (first);
  return schema;
}

/* Compiled schemas live for the whole process: a schema is read-only once
 * compiled and libxml2 lets several validation contexts share it. */
static xmlSchemaPtr
schema_get (const char *name, GError **error)
{
  static GMutex lock;
  static GHashTable *cache;
  g_mutex_lock (&lock);
  if (!cache)
    cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  xmlSchemaPtr schema = g_hash_table_lookup (cache, name);
  if (!schema) {
    schema = schema_compile (name, error);
    if (schema)
      g_hash_table_insert (cache, g_strdup (name), schema);
  }
  g_mutex_unlock (&lock);
  return schema;
}

/* A validation context per schema and thread, kept: building one per
 * document cost a third of validating a notification. Each run starts
 * from a clean state (xmlSchemaValidateDoc() resets the error count and
 * depth, and clears what a run leaves when it ends); the error handler is
 * set again for every document. Schemas live for the whole process, so a
 * kept context never outlives its schema. */
static GPrivate kept_valid_key = G_PRIVATE_INIT ((GDestroyNotify) g_hash_table_unref);

static xmlSchemaValidCtxtPtr
kept_valid_context (const char *schema_name, xmlSchemaPtr schema)
{
  GHashTable *kept = g_private_get (&kept_valid_key);
  if (!kept) {
    kept = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                  (GDestroyNotify) xmlSchemaFreeValidCtxt);
    g_private_set (&kept_valid_key, kept);
  }
  xmlSchemaValidCtxtPtr vctxt = g_hash_table_lookup (kept, schema_name);
  if (!vctxt) {
    vctxt = xmlSchemaNewValidCtxt (schema);
    if (vctxt)
      g_hash_table_insert (kept, g_strdup (schema_name), vctxt);
  }
  return vctxt;
}

typedef struct {
  const CpmXmlPlace *place;
  char *rule;           /* "<prefix>.schema", made at the first diagnostic */
  guint count;
} ValidState;

/* Most documents are valid: the rule id is written only for a diagnostic
 * (a printf and a malloc per document before). */
static const char *
valid_rule (ValidState *vs)
{
  if (!vs->rule)
    vs->rule = g_strconcat (vs->place && vs->place->rule_prefix ? vs->place->rule_prefix : "xml",
                            ".schema", NULL);
  return vs->rule;
}

static void
on_valid_error (void *data, xmlErrorPtr err)
{
  ValidState *vs = data;
  if (!vs->place || !vs->place->report)
    return;
  if (++vs->count > MAX_SCHEMA_DIAGNOSTICS)
    return;
  g_autofree char *msg = g_strchomp (g_strdup (err->message ? err->message : "invalid"));
  int line = err->line;
  if (line <= 0 && err->node)
    line = xmlGetLineNo (err->node);
  /* libxml2's validity warnings (e.g. an instance's schema hint that could
   * not be used) are kept as warnings, not dropped. */
  cpm_report_add_at (vs->place->report, valid_rule (vs),
                     err->level == XML_ERR_WARNING ? CPM_SEVERITY_WARNING : CPM_SEVERITY_ERROR,
                     vs->place->section ? vs->place->section : "", NULL,
                     cpm_xml_place_line (vs->place, line), err->int2 > 0 ? (guint) err->int2 : 0,
                     "%s", msg);
}

gboolean
cpm_xml_validate (xmlDocPtr doc, const char *schema_name, const CpmXmlPlace *place,
                  GError **error)
{
  xml_ensure_init ();
  GError *local = NULL;
  xmlSchemaPtr schema = schema_get (schema_name, &local);
  if (!schema) {
    if (place && place->report)
      cpm_report_add (place->report, "xml.schema-unavailable", CPM_SEVERITY_ERROR,
                      place->section ? place->section : "", NULL, 0, "%s", local->message);
    g_propagate_error (error, local);
    return FALSE;
  }
  ValidState vs = { .place = place };
  xmlSchemaValidCtxtPtr vctxt = kept_valid_context (schema_name, schema);
  if (!vctxt) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_XML, "out of memory");
    return FALSE;
  }
  xmlSchemaSetValidStructuredErrors (vctxt, on_valid_error, &vs);
  GenericGuard guard = generic_silence ();
  int rc = xmlSchemaValidateDoc (vctxt, doc);
  generic_restore (guard);
  xmlSchemaSetValidStructuredErrors (vctxt, NULL, NULL);
  if (vs.count > MAX_SCHEMA_DIAGNOSTICS && place && place->report)
    cpm_report_add (place->report, valid_rule (&vs), CPM_SEVERITY_ERROR,
                    place->section ? place->section : "", NULL, 0,
                    "%u further schema errors not listed", vs.count - MAX_SCHEMA_DIAGNOSTICS);
  g_free (vs.rule);
  return rc == 0;
}

/* ---- multipart/related ---- */

static void
part_free (gpointer p)
{
  CpmXmlPart *part = p;
  g_free (part->content_type);
  g_free (part->content_id);
  if (part->content)
    g_bytes_unref (part->content);
  g_free (part);
}

static guint
count_lines (const char *p, gsize n)
{
  guint lines = 0;
  for (gsize i = 0; i < n; i++)
    lines += p[i] == '\n';
  return lines;
}

static char *
strip_angle (const char *id)
{
  if (!id)
    return NULL;
  gsize n = strlen (id);
  if (n >= 2 && id[0] == '<' && id[n - 1] == '>')
    return g_strndup (id + 1, n - 2);
  return g_strdup (id);
}

/* The content's place: with a seekable source GMime keeps each part's
 * content as a window onto the parsed stream, so its start offset is known. */
static CpmXmlPart *
part_new (GMimeObject *obj, const char *body, gsize header_len, guint body_line)
{
  CpmXmlPart *part = g_new0 (CpmXmlPart, 1);
  GMimeContentType *ct = g_mime_object_get_content_type (obj);
  g_autofree char *mime = ct ? g_mime_content_type_get_mime_type (ct) : NULL;
  part->content_type = g_ascii_strdown (mime ? mime : "text/plain", -1);
  part->content_id = g_strdup (g_mime_object_get_content_id (obj));
  part->first_line = body_line;
  if (!GMIME_IS_PART (obj)) {
    part->content = g_bytes_new (NULL, 0);
    return part;
  }
  GMimeDataWrapper *wrapper = g_mime_part_get_content (GMIME_PART (obj));
  GMimeStream *raw = wrapper ? g_mime_data_wrapper_get_stream (wrapper) : NULL;
  if (raw && raw->bound_start >= (gint64) header_len)
    part->first_line = body_line + count_lines (body, (gsize) raw->bound_start - header_len);
  GMimeStream *out = g_mime_stream_mem_new ();
  if (wrapper)
    g_mime_data_wrapper_write_to_stream (wrapper, out);
  GByteArray *bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (out));
  part->content = g_bytes_new (bytes->data, bytes->len);
  g_object_unref (out);
  return part;
}

static void
move_root_first (GPtrArray *parts, const char *start)
{
  g_autofree char *want = strip_angle (start);
  for (guint i = 1; want && i < parts->len; i++) {
    CpmXmlPart *p = g_ptr_array_index (parts, i);
    if (p->content_id && strcmp (p->content_id, want) == 0) {
      gpointer root = g_ptr_array_steal_index (parts, i);
      g_ptr_array_insert (parts, 0, root);
      return;
    }
  }
}

GPtrArray *
cpm_xml_split_related (GBytes *body, const char *content_type, guint body_line,
                       GError **error)
{
  cpm_gmime_ensure ();
  gsize len = 0;
  const char *data = body ? g_bytes_get_data (body, &len) : NULL;
  GString *src = g_string_new ("Content-Type: ");
  g_string_append (src, content_type);
  g_string_append (src, "\r\n\r\n");
  gsize header_len = src->len;
  if (data)
    g_string_append_len (src, data, (gssize) len);

  GMimeStream *stream = g_mime_stream_mem_new_with_buffer (src->str, src->len);
  g_string_free (src, TRUE);
  GMimeParser *parser = g_mime_parser_new_with_stream (stream);
  GMimeObject *top = g_mime_parser_construct_part (parser, NULL);
  GPtrArray *parts = NULL;
  if (!top || !GMIME_IS_MULTIPART (top)) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_PARSE, "the body is not a MIME multipart");
  } else {
    GMimeMultipart *mp = GMIME_MULTIPART (top);
    parts = g_ptr_array_new_with_free_func (part_free);
    for (int i = 0; i < g_mime_multipart_get_count (mp); i++)
      g_ptr_array_add (parts, part_new (g_mime_multipart_get_part (mp, i), data, header_len,
                                        body_line));
    move_root_first (parts, g_mime_object_get_content_type_parameter (top, "start"));
  }
  if (top)
    g_object_unref (top);
  g_object_unref (parser);
  g_object_unref (stream);
  return parts;
}

const CpmXmlPart *
cpm_xml_find_part (GPtrArray *parts, const char *reference)
{
  if (!parts || !reference)
    return NULL;
  const char *r = reference;
  while (g_ascii_isspace (*r))
    r++;
  if (g_ascii_strncasecmp (r, "cid:", 4) == 0)
    r += 4;
  g_autofree char *trimmed = g_strstrip (g_strdup (r));
  g_autofree char *decoded = g_uri_unescape_string (trimmed, NULL);
  g_autofree char *want = strip_angle (decoded ? decoded : trimmed);
  for (guint i = 0; i < parts->len; i++) {
    const CpmXmlPart *p = g_ptr_array_index (parts, i);
    if (p->content_id && strcmp (p->content_id, want) == 0)
      return p;
  }
  return NULL;
}

/* ---- JSON view ---- */

static char *
attr_name (xmlAttrPtr a)
{
  if (a->ns && a->ns->prefix)
    return g_strdup_printf ("%s:%s", a->ns->prefix, a->name);
  return g_strdup ((const char *) a->name);
}

static json_object *
element_to_json (xmlNodePtr node)
{
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "element", json_object_new_string ((const char *) node->name));
  if (node->ns && node->ns->href)
    json_object_object_add (o, "namespace",
                            json_object_new_string ((const char *) node->ns->href));
  json_object *attrs = NULL;
  for (xmlAttrPtr a = node->properties; a; a = a->next) {
    if (!attrs)
      attrs = json_object_new_object ();
    g_autofree char *name = attr_name (a);
    g_autofree char *value = xml_take_string (xmlNodeListGetString (node->doc, a->children, 1));
    json_object_object_add (attrs, name, json_object_new_string (value ? value : ""));
  }
  if (attrs)
    json_object_object_add (o, "attributes", attrs);

  GString *text = g_string_new (NULL);
  json_object *children = NULL;
  for (xmlNodePtr c = node->children; c; c = c->next) {
    if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
      g_string_append (text, (const char *) c->content);
    } else if (c->type == XML_ELEMENT_NODE) {
      if (!children)
        children = json_object_new_array ();
      json_object_array_add (children, element_to_json (c));
    }
  }
  g_strstrip (text->str);
  if (*text->str)
    json_object_object_add (o, "text", json_object_new_string (text->str));
  g_string_free (text, TRUE);
  if (children)
    json_object_object_add (o, "children", children);
  return o;
}

json_object *
cpm_xml_to_json (const char *data, gsize len, GError **error)
{
  xmlDocPtr doc = cpm_xml_parse (data, len, NULL, NULL, error);
  if (!doc)
    return NULL;
  xmlNodePtr root = xmlDocGetRootElement (doc);
  json_object *json = root ? element_to_json (root) : NULL;
  if (!json)
    g_set_error (error, CPM_ERROR, CPM_ERROR_XML, "the XML document has no root element");
  xmlFreeDoc (doc);
  return json;
}

/* ---- the common body path of GSO and Conference Information ---- */

GBytes *
cpm_xml_decode_transfer (GBytes *data, const char *cte)
{
  GMimeContentEncoding enc = cte ? g_mime_content_encoding_from_string (cte)
                                 : GMIME_CONTENT_ENCODING_DEFAULT;
  if (enc != GMIME_CONTENT_ENCODING_BASE64 && enc != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE &&
      enc != GMIME_CONTENT_ENCODING_UUENCODE)
    return g_bytes_ref (data);
  cpm_gmime_ensure ();
  gsize len = 0;
  const guint8 *p = g_bytes_get_data (data, &len);
  GMimeStream *in = g_mime_stream_mem_new_with_buffer ((const char *) p, len);
  GMimeDataWrapper *wrapper = g_mime_data_wrapper_new_with_stream (in, enc);
  GMimeStream *out = g_mime_stream_mem_new ();
  g_mime_data_wrapper_write_to_stream (wrapper, out);
  GByteArray *bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (out));
  GBytes *decoded = g_bytes_new (bytes->data, bytes->len);
  g_object_unref (out);
  g_object_unref (wrapper);
  g_object_unref (in);
  return decoded;
}

static void
validate_xml_content (GBytes *content, guint first_line, GPtrArray *parts, const char *schema,
                      const CpmXmlPlace *base, CpmXmlBodyCheck check, gpointer data)
{
  CpmXmlPlace place = *base;
  place.first_line = first_line;
  gsize len = 0;
  const char *xml = g_bytes_get_data (content, &len);
  xmlDocPtr doc = cpm_xml_parse (xml, len, NULL, &place, NULL);
  if (!doc)
    return;
  cpm_xml_validate (doc, schema, &place, NULL);
  if (check)
    check (doc, parts, &place, data);
  xmlFreeDoc (doc);
}

static void
validate_related (const CpmObject *object, const char *ct, const char *xml_type,
                  const char *schema, const CpmXmlPlace *place, CpmXmlBodyCheck check,
                  gpointer data)
{
  g_autofree char *rule_multipart = g_strdup_printf ("%s.multipart", place->rule_prefix);
  g_autofree char *rule_root = g_strdup_printf ("%s.root-type", place->rule_prefix);
  guint body_line = cpm_object_get_body_line (object);
  GError *error = NULL;
  GPtrArray *parts = cpm_xml_split_related (cpm_object_get_body (object), ct, body_line,
                                            &error);
  if (!parts || parts->len == 0) {
    cpm_report_add (place->report, rule_multipart, CPM_SEVERITY_ERROR, place->section,
                    "Content-Type", body_line, "the multipart/related body has no parts%s%s",
                    error ? ": " : "", error ? error->message : "");
    g_clear_error (&error);
    if (parts)
      g_ptr_array_unref (parts);
    return;
  }
  const CpmXmlPart *root = g_ptr_array_index (parts, 0);
  if (strcmp (root->content_type, xml_type) != 0)
    cpm_report_add (place->report, rule_root, CPM_SEVERITY_ERROR, place->section,
                    "Content-Type", root->first_line,
                    "the root part of the multipart/related body is %s, not %s",
                    root->content_type, xml_type);
  else
    validate_xml_content (root->content, root->first_line, parts, schema, place, check, data);
  g_ptr_array_unref (parts);
}

void
cpm_xml_validate_body (const CpmObject *object, const char *xml_type, const char *schema,
                       const char *rule_prefix, const char *section, CpmReport *report,
                       CpmXmlBodyCheck check, gpointer data)
{
  GBytes *body = cpm_object_get_body (object);
  if (!body || g_bytes_get_size (body) == 0)
    return; /* the engine's body.missing */
  CpmXmlPlace place = { report, cpm_object_get_body_line (object), section, rule_prefix };
  const char *ct = cpm_object_get_header (object, "Content-Type");
  g_autofree char *mime = ct ? cpm_content_type_mime (ct) : NULL;

  if (mime && strcmp (mime, "multipart/related") == 0) {
    validate_related (object, ct, xml_type, schema, &place, check, data);
  } else if (mime && strcmp (mime, xml_type) == 0) {
    const char *cte = cpm_object_get_header (object, "Content-Transfer-Encoding");
    g_autoptr (GBytes) content = cpm_xml_decode_transfer (body, cte);
    validate_xml_content (content, place.first_line, NULL, schema, &place, check, data);
  } else {
    g_autofree char *rule = g_strdup_printf ("%s.content-type", rule_prefix);
    int index = cpm_object_find_header (object, "Content-Type", 0);
    cpm_report_add (report, rule, CPM_SEVERITY_ERROR, section, "Content-Type",
                    index >= 0 ? cpm_object_get_header_line (object, (guint) index) : 0,
                    "Content-Type SHALL be %s, or multipart/related when an icon is stored; "
                    "it is \"%s\"", xml_type, ct ? ct : "");
  }
}
