/* The Android "SMS Backup & Restore" XML export, read in streaming mode.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"

#include "cpm-legacy-private.h"

#include <libxml/xmlreader.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Surrogate repair.
 *
 * The app writes characters outside the BMP (emoji) as two numeric character
 * references, one per UTF-16 surrogate ("&#55357;&#56832;"). XML forbids
 * surrogate code points, so libxml2 rejects the whole document. This filter
 * sits between the input stream and libxml2 and rewrites each pair into the
 * UTF-8 bytes of the character it stands for; a lone surrogate becomes
 * U+FFFD. References are recognised anywhere in the byte stream (a
 * reference inside a comment or CDATA section would be rewritten too; the
 * exports contain neither). A reference cut by a chunk boundary is carried
 * over to the next chunk.
 * ------------------------------------------------------------------------ */

#define REF_MAX 16 /* "&#x" + digits + ";": longer is not a surrogate ref */
#define CHUNK 65536

typedef struct {
  GInputStream *input;
  GByteArray *carry;   /* unprocessed tail of the previous chunk */
  GByteArray *out;     /* processed bytes not yet handed to libxml2 */
  gsize out_pos;
  gboolean eof;
  gboolean write_refs; /* document not in UTF-8: write one reference instead */
  gboolean sniffed;
  guint64 *repaired;
  GError *error;
} SurrogateFilter;

/* Parses a numeric character reference at @p (@avail bytes).
 * Returns: its length, 0 if @p is not one, -1 if it may be one but is cut. */
static int
parse_char_ref (const guint8 *p, gsize avail, guint32 *value)
{
  gsize i = 2;
  gboolean hex = FALSE;
  guint64 v = 0;
  guint digits = 0;

  if (avail == 0)
    return -1;
  if (avail < 2)
    return p[0] == '&' ? -1 : 0;
  if (p[0] != '&' || p[1] != '#')
    return 0;
  if (i < avail && (p[i] == 'x' || p[i] == 'X')) {
    hex = TRUE;
    i++;
  }
  for (; i < avail && i < REF_MAX; i++) {
    int d = hex ? g_ascii_xdigit_value (p[i]) : g_ascii_digit_value (p[i]);
    if (d < 0)
      break;
    v = v * (hex ? 16 : 10) + (guint) d;
    if (v > 0x10FFFF)
      return 0;
    digits++;
  }
  if (i >= REF_MAX)
    return 0;
  if (i >= avail)
    return -1;
  if (p[i] != ';' || digits == 0)
    return 0;
  *value = (guint32) v;
  return (int) i + 1;
}

static void
emit_char (SurrogateFilter *f, gunichar c)
{
  char buf[16];
  int n;

  if (f->write_refs)
    n = g_snprintf (buf, sizeof buf, "&#%u;", (guint) c);
  else
    n = g_unichar_to_utf8 (c, buf);
  g_byte_array_append (f->out, (const guint8 *) buf, (guint) n);
}

/* Rewrites @len bytes of @p into f->out. Returns how many bytes were
 * consumed: the rest is a possibly cut reference to carry over. */
static gsize
repair_chunk (SurrogateFilter *f, const guint8 *p, gsize len, gboolean final)
{
  gsize i = 0, plain = 0;

  while (i < len) {
    const guint8 *amp = memchr (p + i, '&', len - i);
    guint32 hi, lo;
    int n1, n2;

    if (!amp)
      break;
    i = (gsize) (amp - p);
    n1 = parse_char_ref (p + i, len - i, &hi);
    if (n1 < 0 && !final)
      goto cut;
    if (n1 <= 0 || hi < 0xD800 || hi > 0xDFFF) {
      i += n1 > 0 ? (gsize) n1 : 1;
      continue;
    }
    n2 = hi <= 0xDBFF ? parse_char_ref (p + i + n1, len - i - n1, &lo) : 0;
    if (n2 < 0 && !final)
      goto cut;
    g_byte_array_append (f->out, p + plain, (guint) (i - plain));
    if (n2 > 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
      emit_char (f, 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00));
      i += (gsize) n1 + (gsize) n2;
    } else {
      emit_char (f, 0xFFFD);
      i += (gsize) n1;
    }
    (*f->repaired)++;
    plain = i;
  }
  g_byte_array_append (f->out, p + plain, (guint) (len - plain));
  return len;

cut:
  g_byte_array_append (f->out, p + plain, (guint) (i - plain));
  return i;
}

/* Looks at the XML declaration: references are rewritten to UTF-8 bytes
 * unless the document declares another encoding. */
static void
sniff_encoding (SurrogateFilter *f, const guint8 *p, gsize len)
{
  g_autofree char *head = g_strndup ((const char *) p, MIN (len, 256));
  const char *enc = strstr (head, "encoding=");

  f->sniffed = TRUE;
  if (!enc || !strstr (head, "<?xml"))
    return;
  enc += 10;
  f->write_refs = g_ascii_strncasecmp (enc, "utf-8", 5) != 0 &&
                  g_ascii_strncasecmp (enc, "utf8", 4) != 0;
}

static gboolean
filter_fill (SurrogateFilter *f)
{
  guint8 buf[CHUNK];
  gssize n;
  gsize used;

  n = g_input_stream_read (f->input, buf, sizeof buf, NULL, &f->error);
  if (n < 0)
    return FALSE;
  if (n == 0)
    f->eof = TRUE;
  g_byte_array_append (f->carry, buf, (guint) n);
  g_byte_array_set_size (f->out, 0);
  f->out_pos = 0;
  if (!f->sniffed) {
    /* Nothing goes out before the XML declaration has been seen whole. */
    if (f->carry->len < 256 && !f->eof &&
        !g_strstr_len ((const char *) f->carry->data, f->carry->len, "?>"))
      return TRUE;
    sniff_encoding (f, f->carry->data, f->carry->len);
  }
  used = repair_chunk (f, f->carry->data, f->carry->len, f->eof);
  g_byte_array_remove_range (f->carry, 0, (guint) used);
  return TRUE;
}

static int
filter_read (void *context, char *buffer, int len)
{
  SurrogateFilter *f = context;

  while (f->out_pos >= f->out->len) {
    if (f->eof)
      return 0;
    if (!filter_fill (f))
      return -1;
  }
  len = (int) MIN ((gsize) len, f->out->len - f->out_pos);
  memcpy (buffer, f->out->data + f->out_pos, (gsize) len);
  f->out_pos += (gsize) len;
  return len;
}

static int
filter_close (void *context)
{
  (void) context;
  return 0;
}

/* ------------------------------------------------------------------------
 * Records.
 * ------------------------------------------------------------------------ */

typedef struct {
  SurrogateFilter filter;
  xmlTextReaderPtr xml;
  char *xml_error;
  int xml_error_line;
  gboolean done;
} SmsXml;

static void
on_xml_error (void *arg, xmlErrorPtr error)
{
  SmsXml *s = arg;

  if (error->level < XML_ERR_ERROR || s->xml_error)
    return;
  s->xml_error = g_strchomp (g_strdup (error->message ? error->message : "parse error"));
  s->xml_error_line = error->line;
}

/* Returns: (transfer full) (nullable): attribute @name, NULL when absent or
 * a placeholder */
static char *
attr (xmlTextReaderPtr xml, const char *name)
{
  xmlChar *v = xmlTextReaderGetAttribute (xml, (const xmlChar *) name);
  char *r = NULL;

  if (v && !cpm_legacy_is_absent ((const char *) v))
    r = g_strdup ((const char *) v);
  xmlFree (v);
  return r;
}

static gboolean
parse_int64 (const char *s, gint64 *out)
{
  return s && g_ascii_string_to_signed (s, 10, G_MININT64, G_MAXINT64, out, NULL);
}

static void
set_box (CpmLegacyMessage *m, const char *value, const char *what)
{
  gint64 t = 0;

  if (!parse_int64 (value, &t) || t < 1 || t > 6) {
    cpm_legacy_message_set_skip (m, "unknown %s '%s'", what, value ? value : "(absent)");
    return;
  }
  m->box = (CpmLegacyBox) (t - 1);
}

static void
set_date (CpmLegacyMessage *m, const char *value)
{
  gint64 t = 0;

  /* The app writes epoch milliseconds for both <sms> and <mms>. A value
   * before 1980 or after 9999 is a broken record, not a date. */
  if (!parse_int64 (value, &t) || t < 315532800000 || t > G_GINT64_CONSTANT (253402300799000))
    cpm_legacy_message_set_skip (m, "unreadable date '%s'", value ? value : "(absent)");
  else
    m->date_ms = t;
}

static char *
source_at (CpmLegacyReader *reader, SmsXml *s)
{
  /* The element's own line: the parser itself has read ahead. */
  return g_strdup_printf ("%s:%ld", reader->name ? reader->name : "-",
                          xmlGetLineNo (xmlTextReaderCurrentNode (s->xml)));
}

static CpmLegacyMessage *
read_sms (CpmLegacyReader *reader, SmsXml *s)
{
  CpmLegacyMessage *m = cpm_legacy_message_new (CPM_KIND_SMS);
  g_autofree char *address = attr (s->xml, "address");
  g_autofree char *type = attr (s->xml, "type");
  g_autofree char *date = attr (s->xml, "date");
  g_autofree char *read = attr (s->xml, "read");

  m->source = source_at (reader, s);
  m->text = attr (s->xml, "body");
  m->read = read && strcmp (read, "1") == 0;
  set_box (m, type, "SMS type");
  set_date (m, date);
  /* The export names only the peer: the owner's side stays absent and is
   * filled from the options when the object is made. */
  if (m->box == CPM_LEGACY_BOX_RECEIVED)
    m->from = g_strdup (address);
  else
    cpm_legacy_add_address (m->to, address);
  cpm_legacy_add_address (m->peers, address);
  return m;
}

/* Decodes base64 strictly: a character outside the alphabet (white space
 * aside) or a bad length is an undecodable part, not garbage bytes. */
static GBytes *
decode_base64 (const char *text)
{
  gsize n = 0, len = strlen (text), out_len = 0;
  g_autofree char *clean = g_malloc (len + 1);
  gint state = 0;
  guint save = 0;
  guchar *out;

  for (gsize i = 0; i < len; i++) {
    char c = text[i];
    if (g_ascii_isspace (c))
      continue;
    if (!g_ascii_isalnum (c) && c != '+' && c != '/' && c != '=')
      return NULL;
    if (n > 0 && clean[n - 1] == '=' && c != '=')
      return NULL;
    clean[n++] = c;
  }
  if (n % 4 != 0)
    return NULL;
  out = g_malloc (n / 4 * 3 + 3);
  out_len = g_base64_decode_step (clean, n, out, &state, &save);
  return g_bytes_new_take (out, out_len);
}

static void
read_mms_part (SmsXml *s, CpmLegacyMessage *m)
{
  g_autofree char *ct = attr (s->xml, "ct");
  g_autofree char *name = attr (s->xml, "name");
  g_autofree char *fn = attr (s->xml, "fn");
  g_autofree char *cid = attr (s->xml, "cid");
  g_autofree char *cl = attr (s->xml, "cl");
  g_autofree char *chset = attr (s->xml, "chset");
  g_autofree char *text = attr (s->xml, "text");
  g_autofree char *data = attr (s->xml, "data");
  g_autoptr (GBytes) bytes = NULL;
  CpmLegacyPart *part;
  g_autofree char *type = NULL;

  if (data) {
    bytes = decode_base64 (data);
    if (!bytes) {
      cpm_legacy_message_set_skip (m, "undecodable part '%s': data is not base64",
                                   name ? name : cl ? cl : ct ? ct : "?");
      return;
    }
  } else if (text) {
    bytes = g_bytes_new (text, strlen (text));
  } else {
    bytes = g_bytes_new (NULL, 0);
  }
  /* Text attributes arrive as UTF-8 whatever chset says (the app decoded
   * them); the part is labelled so. */
  if (ct && text && !data && g_str_has_prefix (ct, "text/") && !strchr (ct, ';'))
    type = g_strdup_printf ("%s; charset=utf-8", ct);
  else
    type = g_strdup (ct ? ct : "application/octet-stream");
  (void) chset;
  part = cpm_legacy_message_add_part (m, type, name ? name : fn, cid, bytes);
  part->content_location = g_strdup (cl);
}

static void
read_mms_addr (SmsXml *s, CpmLegacyMessage *m)
{
  g_autofree char *address = attr (s->xml, "address");
  g_autofree char *type = attr (s->xml, "type");
  gint64 t = 0;

  /* "insert-address-token" is the MMS token for "the sender's own
   * address, filled in by the relay": no address in the export. */
  if (!address || strcmp (address, "insert-address-token") == 0 || !parse_int64 (type, &t))
    return;
  switch (t) {
  case 137:
    if (!m->from)
      m->from = g_strdup (address);
    break;
  case 151:
    cpm_legacy_add_address (m->to, address);
    break;
  case 130:
    cpm_legacy_add_address (m->cc, address);
    break;
  case 129:
    cpm_legacy_add_address (m->bcc, address);
    break;
  default:
    break;
  }
}

static CpmLegacyMessage *
read_mms (CpmLegacyReader *reader, SmsXml *s)
{
  CpmLegacyMessage *m = cpm_legacy_message_new (CPM_KIND_MMS);
  g_autofree char *box = attr (s->xml, "msg_box");
  g_autofree char *date = attr (s->xml, "date");
  g_autofree char *read = attr (s->xml, "read");
  g_autofree char *address = attr (s->xml, "address");
  int depth = xmlTextReaderDepth (s->xml);

  m->source = source_at (reader, s);
  m->message_id = attr (s->xml, "m_id");
  m->subject = attr (s->xml, "sub");
  m->read = read && strcmp (read, "1") == 0;
  set_box (m, box, "MMS msg_box");
  set_date (m, date);
  cpm_legacy_add_address_list (m->peers, address);
  if (xmlTextReaderIsEmptyElement (s->xml))
    return m;
  while (xmlTextReaderRead (s->xml) == 1) {
    int type = xmlTextReaderNodeType (s->xml);
    const char *name = (const char *) xmlTextReaderConstLocalName (s->xml);

    if (type == XML_READER_TYPE_END_ELEMENT && xmlTextReaderDepth (s->xml) == depth)
      return m;
    if (type != XML_READER_TYPE_ELEMENT)
      continue;
    if (strcmp (name, "part") == 0)
      read_mms_part (s, m);
    else if (strcmp (name, "addr") == 0)
      read_mms_addr (s, m);
  }
  /* Cut inside the record: the caller sees the XML error next. */
  cpm_legacy_message_set_skip (m, "record not complete");
  return m;
}

static CpmLegacyMessage *
smsxml_next (CpmLegacyReader *reader, gpointer impl, GError **error)
{
  SmsXml *s = impl;
  int ret;

  if (s->done)
    return NULL;
  while ((ret = xmlTextReaderRead (s->xml)) == 1) {
    const char *name;

    if (xmlTextReaderNodeType (s->xml) != XML_READER_TYPE_ELEMENT)
      continue;
    name = (const char *) xmlTextReaderConstLocalName (s->xml);
    if (strcmp (name, "sms") == 0)
      return read_sms (reader, s);
    if (strcmp (name, "mms") == 0)
      return read_mms (reader, s);
  }
  s->done = TRUE;
  if (s->filter.error) {
    g_propagate_error (error, g_steal_pointer (&s->filter.error));
    return NULL;
  }
  if (ret < 0 || s->xml_error)
    g_set_error (error, CPM_ERROR, CPM_ERROR_XML, "%s:%d: not well-formed XML: %s",
                 reader->name ? reader->name : "-", s->xml_error_line,
                 s->xml_error ? s->xml_error : "parse error");
  return NULL;
}

static void
smsxml_free (gpointer impl)
{
  SmsXml *s = impl;

  if (s->xml)
    xmlFreeTextReader (s->xml);
  g_byte_array_unref (s->filter.carry);
  g_byte_array_unref (s->filter.out);
  g_clear_error (&s->filter.error);
  g_free (s->xml_error);
  g_free (s);
}

static const CpmLegacyReaderClass smsxml_class = { smsxml_next, smsxml_free };

void
cpm_smsxml_reader_init (CpmLegacyReader *reader)
{
  SmsXml *s = g_new0 (SmsXml, 1);

  s->filter.input = reader->input;
  s->filter.carry = g_byte_array_new ();
  s->filter.out = g_byte_array_new ();
  s->filter.repaired = &reader->repaired;
  /* No network, no DTD, no entity substitution: the export is data from an
   * unknown device. XML_PARSE_HUGE because MMS parts arrive as base64
   * attributes that pass libxml2's 10 MB default; memory stays bounded by
   * the largest record. */
  s->xml = xmlReaderForIO (filter_read, filter_close, &s->filter, reader->name, NULL,
                           XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_HUGE | XML_PARSE_BIG_LINES |
                           XML_PARSE_COMPACT);
  if (s->xml)
    xmlTextReaderSetStructuredErrorHandler (s->xml, on_xml_error, s);
  else
    s->done = TRUE;
  reader->klass = &smsxml_class;
  reader->impl = s;
}
