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
  char *encoding;      /* the declared encoding, or NULL */
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
  /* an empty export has no bytes at all (fuzz-smsxml) */
  const char *enc = head ? strstr (head, "encoding=") : NULL;

  f->sniffed = TRUE;
  if (!enc || !strstr (head, "<?xml"))
    return;
  enc += 10;
  f->write_refs = g_ascii_strncasecmp (enc, "utf-8", 5) != 0 &&
                  g_ascii_strncasecmp (enc, "utf8", 4) != 0;
  if (f->write_refs)
    f->encoding = g_strndup (enc, strcspn (enc, "'\" ?"));
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
  used = f->carry->len ? repair_chunk (f, f->carry->data, f->carry->len, f->eof) : 0;
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

/* ------------------------------------------------------------------------
 * Records.
 *
 * The filtered bytes are cut into records (<sms .../> and <mms>...</mms>)
 * by a small quote-aware scanner, and each record is parsed on its own by
 * libxml2's streaming reader. A damaged record (not well-formed, cut short,
 * too large) is then one skipped record named by its line and every other
 * record still converts: parsing the document as one would stop at the
 * first damage, losing also the records of the parse chunk before it.
 * A '<' can never appear inside a tag of well-formed XML, so the scanner
 * resynchronises at the next '<' after any damage. The document level
 * (<smses>, comments, the XML declaration) carries no message and is
 * skipped, not checked.
 * ------------------------------------------------------------------------ */

typedef enum {
  MODE_SEEK,    /* looking for the next '<' */
  MODE_SKIP_TO, /* inside a comment, PI or declaration, up to s->needle */
  MODE_TAG,     /* inside a start tag (quote-aware) */
  MODE_CONTENT, /* inside <mms>...</mms> (or a non-empty <sms>) */
} ScanMode;

typedef struct {
  SurrogateFilter filter;
  GByteArray *buf;     /* filtered bytes not consumed yet */
  guint64 line;        /* line of buf->data[0] */
  gboolean eof;
  ScanMode mode;
  const char *needle;
  char kind;           /* 's', 'm', or 0 for a tag that is no record */
  char quote;
  gsize pos;           /* where the scan resumes */
  guint64 record_line;
  xmlTextReaderPtr xml; /* the current record's reader */
  char *xml_error;
  int xml_error_line;
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

  /* The app writes epoch milliseconds for both <sms> and <mms>; other
   * exporters write MMS dates in seconds, as Android's database keeps them.
   * The two ranges (1980 to 9999) do not overlap, so both are read; a
   * value outside them is a broken record, not a date. */
  if (!parse_int64 (value, &t))
    t = 0;
  else if (t >= 315532800 && t <= G_GINT64_CONSTANT (253402300799))
    t *= 1000;
  if (t < 315532800000 || t > G_GINT64_CONSTANT (253402300799000))
    cpm_legacy_message_set_skip (m, "unreadable date '%s'", value ? value : "(absent)");
  else
    m->date_ms = t;
}

static char *
source_at (CpmLegacyReader *reader, SmsXml *s)
{
  long in_record = xmlGetLineNo (xmlTextReaderCurrentNode (s->xml));

  return g_strdup_printf ("%s:%" G_GUINT64_FORMAT, reader->name ? reader->name : "-",
                          s->record_line + (guint64) MAX (in_record, 1) - 1);
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

/* ---- the scanner ---- */

static void
consume (SmsXml *s, gsize n)
{
  if (n == 0)
    return;
  for (const guint8 *p = s->buf->data, *end = p + n; (p = memchr (p, '\n', (gsize) (end - p)));
       p++)
    s->line++;
  g_byte_array_remove_range (s->buf, 0, (guint) n);
  s->pos = s->pos > n ? s->pos - n : 0;
}

static gboolean
fill (SmsXml *s, GError **error)
{
  char chunk[CHUNK];
  int n = filter_read (&s->filter, chunk, sizeof chunk);

  if (n < 0) {
    g_propagate_error (error, g_steal_pointer (&s->filter.error));
    return FALSE;
  }
  if (n == 0)
    s->eof = TRUE;
  g_byte_array_append (s->buf, (const guint8 *) chunk, (guint) n);
  return TRUE;
}

static gboolean
has_prefix_at (const SmsXml *s, gsize at, const char *prefix)
{
  gsize n = strlen (prefix);

  return s->buf->len - at >= n && memcmp (s->buf->data + at, prefix, n) == 0;
}

/* "<sms" or "<mms" followed by white space, "/" or ">". */
static char
record_tag_at (const SmsXml *s, gsize at)
{
  const guint8 *p = s->buf->data + at;

  if (s->buf->len - at < 5 || (p[4] != '/' && p[4] != '>' && !g_ascii_isspace (p[4])))
    return 0;
  if (memcmp (p, "<sms", 4) == 0)
    return 's';
  if (memcmp (p, "<mms", 4) == 0)
    return 'm';
  return 0;
}

typedef enum { STEP_MORE, STEP_AGAIN, STEP_RECORD } Step;

static Step
seek (SmsXml *s)
{
  const guint8 *lt = s->buf->len ? memchr (s->buf->data, '<', s->buf->len) : NULL;

  if (!lt) {
    consume (s, s->buf->len);
    return STEP_MORE;
  }
  consume (s, (gsize) (lt - s->buf->data));
  if (s->buf->len < 6 && !s->eof)
    return STEP_MORE;
  s->pos = 1;
  s->needle = has_prefix_at (s, 0, "<!--") ? "-->" : has_prefix_at (s, 0, "<?") ? "?>"
            : has_prefix_at (s, 0, "<!") ? ">" : NULL;
  if (s->needle) {
    s->mode = MODE_SKIP_TO;
    return STEP_AGAIN;
  }
  s->kind = record_tag_at (s, 0);
  s->quote = 0;
  s->record_line = s->line;
  s->mode = MODE_TAG;
  return STEP_AGAIN;
}

static Step
skip_to (SmsXml *s)
{
  gsize n = strlen (s->needle);
  const guint8 *hit = s->pos < s->buf->len
                        ? memmem (s->buf->data + s->pos, s->buf->len - s->pos, s->needle, n) : NULL;

  if (!hit) {
    s->pos = s->buf->len >= n ? s->buf->len - n + 1 : 0;
    return STEP_MORE;
  }
  consume (s, (gsize) (hit - s->buf->data) + n);
  s->mode = MODE_SEEK;
  return STEP_AGAIN;
}

/* Ends a tag that is no record: the scan goes on after it (or at the '<'
 * that broke it). */
static Step
end_other_tag (SmsXml *s, gsize next)
{
  consume (s, next);
  s->mode = MODE_SEEK;
  return STEP_AGAIN;
}

static Step
start_tag (SmsXml *s)
{
  const guint8 *d = s->buf->data;

  for (gsize i = s->pos; i < s->buf->len; i++) {
    guint8 c = d[i];
    if (c == '<') { /* damage: no tag holds a '<' */
      if (!s->kind)
        return end_other_tag (s, i);
      s->pos = i;
      return STEP_RECORD;
    }
    if (s->quote) {
      if (c == (guint8) s->quote)
        s->quote = 0;
    } else if (c == '"' || c == '\'') {
      s->quote = (char) c;
    } else if (c == '>') {
      if (!s->kind)
        return end_other_tag (s, i + 1);
      s->pos = i + 1;
      if (d[i - 1] == '/')
        return STEP_RECORD;
      s->mode = MODE_CONTENT;
      return STEP_AGAIN;
    }
  }
  s->pos = s->buf->len;
  return STEP_MORE;
}

/* Inside <mms>: the record ends after its end tag, or before the start of
 * the next record (then it is cut, and libxml2 says so). */
static Step
content (SmsXml *s)
{
  const char *end_tag = s->kind == 'm' ? "</mms>" : "</sms>";

  for (;;) {
    const guint8 *lt = s->pos < s->buf->len
                         ? memchr (s->buf->data + s->pos, '<', s->buf->len - s->pos) : NULL;
    gsize i;

    if (!lt) {
      s->pos = s->buf->len;
      return STEP_MORE;
    }
    i = (gsize) (lt - s->buf->data);
    if (s->buf->len - i < 7 && !s->eof) {
      s->pos = i;
      return STEP_MORE;
    }
    if (has_prefix_at (s, i, end_tag)) {
      s->pos = i + 6;
      return STEP_RECORD;
    }
    if (record_tag_at (s, i) || has_prefix_at (s, i, "</smses")) {
      s->pos = i;
      return STEP_RECORD;
    }
    s->pos = i + 1;
  }
}

static Step
step (SmsXml *s)
{
  switch (s->mode) {
  case MODE_SEEK: return seek (s);
  case MODE_SKIP_TO: return skip_to (s);
  case MODE_TAG: return start_tag (s);
  case MODE_CONTENT: default: return content (s);
  }
}

/* ---- one record ---- */

static CpmLegacyMessage *
skipped_record (CpmLegacyReader *reader, SmsXml *s, const char *reason)
{
  CpmLegacyMessage *m = cpm_legacy_message_new (s->kind == 'm' ? CPM_KIND_MMS : CPM_KIND_SMS);

  m->source = g_strdup_printf ("%s:%" G_GUINT64_FORMAT, reader->name ? reader->name : "-",
                               s->record_line);
  cpm_legacy_message_set_skip (m, "%s", reason);
  return m;
}

static CpmLegacyMessage *
parse_record (CpmLegacyReader *reader, SmsXml *s, gsize len)
{
  /* No network, no DTD, no entity substitution: the export is data from
   * an unknown device. XML_PARSE_HUGE because MMS parts arrive as base64
   * attributes that pass libxml2's 10 MB default; the record size is
   * bounded by the scanner instead. */
  int options = XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_HUGE | XML_PARSE_BIG_LINES |
                XML_PARSE_COMPACT;
  CpmLegacyMessage *m = NULL;

  g_clear_pointer (&s->xml_error, g_free);
  s->xml = xmlReaderForMemory ((const char *) s->buf->data, (int) len, reader->name,
                               s->filter.encoding ? s->filter.encoding : "UTF-8", options);
  if (!s->xml)
    return skipped_record (reader, s, "record cannot be parsed");
  xmlTextReaderSetStructuredErrorHandler (s->xml, on_xml_error, s);
  while (!m && xmlTextReaderRead (s->xml) == 1) {
    const char *name = (const char *) xmlTextReaderConstLocalName (s->xml);
    if (xmlTextReaderNodeType (s->xml) != XML_READER_TYPE_ELEMENT)
      continue;
    m = strcmp (name, "sms") == 0 ? read_sms (reader, s) : read_mms (reader, s);
  }
  while (xmlTextReaderRead (s->xml) == 1)
    ;
  if (s->xml_error) {
    g_autofree char *reason = g_strdup_printf ("not well-formed XML at line %" G_GUINT64_FORMAT
                                               ": %s", s->record_line + (guint64) MAX (s->xml_error_line, 1) - 1,
                                               s->xml_error);
    g_clear_pointer (&m, cpm_legacy_message_unref);
    m = skipped_record (reader, s, reason);
  }
  g_clear_pointer (&s->xml, xmlFreeTextReader);
  return m ? m : skipped_record (reader, s, "record cannot be parsed");
}

static CpmLegacyMessage *
smsxml_next (CpmLegacyReader *reader, gpointer impl, GError **error)
{
  SmsXml *s = impl;
  gsize max = cpm_limits_default ()->max_object_size * 2;

  for (;;) {
    Step r = step (s);
    CpmLegacyMessage *m;

    if (r == STEP_RECORD) {
      gsize len = s->pos;
      m = parse_record (reader, s, len);
      consume (s, len);
      s->mode = MODE_SEEK;
      return m;
    }
    if (r == STEP_AGAIN)
      continue;
    if (s->kind && (s->mode == MODE_TAG || s->mode == MODE_CONTENT) && s->buf->len > max) {
      /* Drop what there is; the rest of the record is skipped by the
       * scanner as tags that are no record. */
      m = skipped_record (reader, s, "record larger than the object size limit");
      consume (s, s->buf->len);
      s->mode = MODE_SEEK;
      return m;
    }
    if (s->eof) {
      gboolean cut = s->kind && (s->mode == MODE_TAG || s->mode == MODE_CONTENT);
      consume (s, s->buf->len);
      s->mode = MODE_SEEK;
      s->kind = 0;
      return cut ? skipped_record (reader, s, "record cut by the end of the input") : NULL;
    }
    if (!fill (s, error))
      return NULL;
  }
}

static void
smsxml_free (gpointer impl)
{
  SmsXml *s = impl;

  if (s->xml)
    xmlFreeTextReader (s->xml);
  g_byte_array_unref (s->buf);
  g_byte_array_unref (s->filter.carry);
  g_byte_array_unref (s->filter.out);
  g_clear_error (&s->filter.error);
  g_free (s->filter.encoding);
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
  s->buf = g_byte_array_new ();
  s->line = 1;
  reader->klass = &smsxml_class;
  reader->impl = s;
}
