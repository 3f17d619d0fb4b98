/* Binary MMS PDUs (OMA-MMS-ENC 7, WAP-230-WSP 8.4): m-send-req and
 * m-retrieve-conf decoded into a legacy record. Hand-written because no
 * library at hand decodes WSP; every read is bounds-checked against the
 * end of the enclosing value, so any input gives a record or an error.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"

#include "cpm-legacy-private.h"

#include <string.h>

/* Limits for hostile input: more entries than this is not an MMS. */
#define MAX_PARTS 1000
#define MAX_ADDRESSES 1000

/* A cursor over [start, end) of the PDU; reads never pass @end. */
typedef struct {
  const guint8 *data;
  gsize pos;
  gsize end;
  GError **error;
} Cur;

static gboolean G_GNUC_PRINTF (2, 3)
fail (Cur *c, const char *format, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start (ap, format);
  msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  if (c->error && !*c->error)
    g_set_error (c->error, CPM_ERROR, CPM_ERROR_PARSE, "offset %" G_GSIZE_FORMAT ": %s",
                 c->pos, msg);
  return FALSE;
}

/* A cursor over the next @len bytes of @c, which it then skips. */
static gboolean
sub (Cur *c, gsize len, Cur *out)
{
  if (len > c->end - c->pos)
    return fail (c, "value of %" G_GSIZE_FORMAT " bytes runs past its end", len);
  *out = (Cur) { c->data, c->pos, c->pos + len, c->error };
  c->pos += len;
  return TRUE;
}

static gboolean
peek (Cur *c, guint8 *b)
{
  if (c->pos >= c->end)
    return fail (c, "truncated");
  *b = c->data[c->pos];
  return TRUE;
}

static gboolean
get_byte (Cur *c, guint8 *b)
{
  if (!peek (c, b))
    return FALSE;
  c->pos++;
  return TRUE;
}

/* WSP 8.1.2: 7 bits per octet, high bit = more; at most 5 octets (32 bits). */
static gboolean
get_uintvar (Cur *c, guint32 *out)
{
  guint64 v = 0;

  for (int i = 0; i < 5; i++) {
    guint8 b;
    if (!get_byte (c, &b))
      return FALSE;
    v = (v << 7) | (b & 0x7F);
    if (!(b & 0x80)) {
      if (v > G_MAXUINT32)
        return fail (c, "uintvar over 32 bits");
      *out = (guint32) v;
      return TRUE;
    }
  }
  return fail (c, "uintvar longer than 5 octets");
}

/* Value-length = Short-length (0-30) | Length-quote (31) Length (uintvar). */
static gboolean
get_value_length (Cur *c, guint32 *out)
{
  guint8 b;

  if (!get_byte (c, &b))
    return FALSE;
  if (b <= 30) {
    *out = b;
    return TRUE;
  }
  if (b == 31)
    return get_uintvar (c, out);
  c->pos--;
  return fail (c, "expected a value length, got 0x%02x", b);
}

/* Text-string = [Quote (127)] *TEXT End-of-string (0); Quoted-string and
 * Token-text too (a leading '"' is dropped). Returns raw bytes. */
static gboolean
get_text (Cur *c, char **out)
{
  const guint8 *start, *nul;
  guint8 b;

  if (!peek (c, &b))
    return FALSE;
  if (b == 127 || b == '"')
    c->pos++;
  start = c->data + c->pos;
  nul = memchr (start, 0, c->end - c->pos);
  if (!nul)
    return fail (c, "text string without its terminating NUL");
  *out = g_strndup ((const char *) start, (gsize) (nul - start));
  c->pos += (gsize) (nul - start) + 1;
  return TRUE;
}

/* Long-integer = Short-length Multi-octet-integer (1-30 octets); values over
 * 64 bits are refused. */
static gboolean
get_long (Cur *c, guint64 *out)
{
  guint8 n, b;

  if (!get_byte (c, &n))
    return FALSE;
  if (n == 0 || n > 8)
    return fail (c, "long integer of %u octets", n);
  *out = 0;
  for (guint i = 0; i < n; i++) {
    if (!get_byte (c, &b))
      return FALSE;
    *out = (*out << 8) | b;
  }
  return TRUE;
}

/* Integer-value = Short-integer | Long-integer. */
static gboolean
get_integer (Cur *c, guint64 *out)
{
  guint8 b;

  if (!peek (c, &b))
    return FALSE;
  if (b & 0x80) {
    c->pos++;
    *out = b & 0x7F;
    return TRUE;
  }
  if (b > 30)
    return fail (c, "expected an integer, got 0x%02x", b);
  return get_long (c, out);
}

/* Skips one header or parameter value of any form (WSP 8.4.1.2: the first
 * octet says which). */
static gboolean
skip_value (Cur *c)
{
  g_autofree char *text = NULL;
  guint32 len;
  guint8 b;
  Cur v;

  if (!peek (c, &b))
    return FALSE;
  if (b >= 128) {
    c->pos++;
    return TRUE;
  }
  if (b >= 32 || b == 0)
    return b == 0 ? (c->pos++, TRUE) : get_text (c, &text);
  return get_value_length (c, &len) && sub (c, len, &v);
}

static const char *
charset_name (guint64 mib)
{
  switch (mib) {
  case 3: return "us-ascii";
  case 4: return "iso-8859-1";
  case 5: return "iso-8859-2";
  case 6: return "iso-8859-3";
  case 7: return "iso-8859-4";
  case 8: return "iso-8859-5";
  case 9: return "iso-8859-6";
  case 10: return "iso-8859-7";
  case 11: return "iso-8859-8";
  case 12: return "iso-8859-9";
  case 17: return "shift_jis";
  case 18: return "euc-jp";
  case 36: return "ks_c_5601-1987";
  case 38: return "euc-kr";
  case 39: return "iso-2022-jp";
  case 106: return "utf-8";
  case 113: return "gbk";
  case 1000: return "iso-10646-ucs-2";
  case 1013: return "utf-16be";
  case 1014: return "utf-16le";
  case 1015: return "utf-16";
  case 2025: return "gb2312";
  case 2026: return "big5";
  default: return NULL;
  }
}

/* Bytes in @charset to UTF-8; undecodable bytes become U+FFFD. */
static char *
to_utf8 (const char *bytes, gsize len, const char *charset)
{
  char *out = NULL;

  if (charset && g_ascii_strcasecmp (charset, "utf-8") != 0 &&
      g_ascii_strcasecmp (charset, "us-ascii") != 0)
    out = g_convert (bytes, (gssize) len, "UTF-8",
                     g_ascii_strcasecmp (charset, "iso-10646-ucs-2") == 0 ? "UCS-2BE" : charset,
                     NULL, NULL, NULL);
  if (!out)
    out = g_utf8_make_valid (bytes, (gssize) len);
  return out;
}

/* Encoded-string-value = Text-string | Value-length Char-set Text-string
 * (OMA-MMS-ENC 7.2.9), decoded to UTF-8. */
static gboolean
get_encoded_string (Cur *c, char **out)
{
  guint32 len;
  guint64 mib = 0;
  guint8 b;
  Cur v;
  gsize n;

  if (!peek (c, &b))
    return FALSE;
  if (b > 31) {
    g_autofree char *raw = NULL;
    if (!get_text (c, &raw))
      return FALSE;
    *out = to_utf8 (raw, strlen (raw), NULL);
    return TRUE;
  }
  if (!get_value_length (c, &len) || !sub (c, len, &v) || !get_integer (&v, &mib))
    return FALSE;
  /* The text runs to the end of the value: UTF-16 text holds NUL octets,
   * so the terminator cannot be searched for. */
  if (v.pos < v.end && v.data[v.pos] == 127)
    v.pos++;
  n = v.end - v.pos;
  while (n > 0 && v.data[v.pos + n - 1] == 0 && (mib < 1000 || mib > 1015 || n % 2 == 1 ||
                                                 (n >= 2 && v.data[v.pos + n - 2] == 0)))
    n--;
  *out = to_utf8 ((const char *) v.data + v.pos, n, charset_name (mib));
  return TRUE;
}

/* "+15145551234/TYPE=PLMN" -> "+15145551234" (OMA-MMS-ENC 8). */
static char *
address_value (char *raw)
{
  char *slash = strstr (raw, "/TYPE=");

  if (!slash)
    slash = strstr (raw, "/type=");
  if (slash)
    *slash = '\0';
  return g_strstrip (raw);
}

static gboolean
get_address (Cur *c, GPtrArray *into)
{
  char *raw = NULL;

  if (!get_encoded_string (c, &raw))
    return FALSE;
  if (into->len >= MAX_ADDRESSES) {
    g_free (raw);
    return fail (c, "more than %d addresses", MAX_ADDRESSES);
  }
  cpm_legacy_add_address (into, address_value (raw));
  g_free (raw);
  return TRUE;
}

/* From-value = Value-length (Address-present-token Encoded-string-value |
 * Insert-address-token) (OMA-MMS-ENC 7.3.21). */
static gboolean
get_from (Cur *c, CpmLegacyMessage *m)
{
  g_autoptr (GPtrArray) one = g_ptr_array_new_with_free_func (g_free);
  guint32 len;
  guint8 token;
  Cur v;

  if (!get_value_length (c, &len) || !sub (c, len, &v) || !get_byte (&v, &token))
    return FALSE;
  if (token == 0x81)
    return TRUE; /* insert-address-token: the relay fills in the sender */
  if (token != 0x80)
    return fail (&v, "From token 0x%02x is neither address-present nor insert-address", token);
  if (!get_address (&v, one))
    return FALSE;
  if (one->len > 0) {
    g_free (m->from);
    m->from = g_strdup (one->pdata[0]);
  }
  return TRUE;
}

/* ---- Content-Type (WSP 8.4.2.24) ---- */

typedef struct {
  char *type;    /* "image/jpeg", lower case */
  char *charset; /* (nullable) */
  char *name;    /* (nullable) */
  char *start;   /* (nullable): multipart/related root */
  char *related; /* (nullable): multipart/related type */
} ContentType;

static void
content_type_clear (ContentType *ct)
{
  g_free (ct->type);
  g_free (ct->charset);
  g_free (ct->name);
  g_free (ct->start);
  g_free (ct->related);
}

/* WSP Appendix A Table 40, the well-known media types. */
static const char *const wellknown_media[] = {
  "*/*", "text/*", "text/html", "text/plain", "text/x-hdml", "text/x-ttml",
  "text/x-vcalendar", "text/x-vcard", "text/vnd.wap.wml", "text/vnd.wap.wmlscript",
  "text/vnd.wap.wta-event", "multipart/*", "multipart/mixed", "multipart/form-data",
  "multipart/byteranges", "multipart/alternative", "application/*", "application/java-vm",
  "application/x-www-form-urlencoded", "application/x-hdmlc", "application/vnd.wap.wmlc",
  "application/vnd.wap.wmlscriptc", "application/vnd.wap.wta-eventc",
  "application/vnd.wap.uaprof", "application/vnd.wap.wtls-ca-certificate",
  "application/vnd.wap.wtls-user-certificate", "application/x-x509-ca-cert",
  "application/x-x509-user-cert", "image/*", "image/gif", "image/jpeg", "image/tiff",
  "image/png", "image/vnd.wap.wbmp", "application/vnd.wap.multipart.*",
  "application/vnd.wap.multipart.mixed", "application/vnd.wap.multipart.form-data",
  "application/vnd.wap.multipart.byteranges", "application/vnd.wap.multipart.alternative",
  "application/xml", "text/xml", "application/vnd.wap.wbxml",
  "application/x-x968-cross-cert", "application/x-x968-ca-cert",
  "application/x-x968-user-cert", "text/vnd.wap.si", "application/vnd.wap.sic",
  "text/vnd.wap.sl", "application/vnd.wap.slc", "text/vnd.wap.co", "application/vnd.wap.coc",
  "application/vnd.wap.multipart.related", "application/vnd.wap.sia",
  "text/vnd.wap.connectivity-xml", "application/vnd.wap.connectivity-wbxml",
  "application/pkcs7-mime", "application/vnd.wap.hashed-certificate",
  "application/vnd.wap.signed-certificate", "application/vnd.wap.cert-response",
  "application/xhtml+xml", "application/wml+xml", "text/css",
  "application/vnd.wap.mms-message",
};

/* Sets *@out (freeing a value a repeated parameter left there). */
static gboolean
get_media (Cur *c, char **out)
{
  guint8 b;
  guint64 code;

  if (!peek (c, &b))
    return FALSE;
  g_clear_pointer (out, g_free);
  if (b >= 32 && b < 128) {
    char *raw = NULL;
    if (!get_text (c, &raw))
      return FALSE;
    *out = g_ascii_strdown (raw, -1);
    g_free (raw);
    return TRUE;
  }
  if (!get_integer (c, &code))
    return FALSE;
  *out = g_strdup (code < G_N_ELEMENTS (wellknown_media) ? wellknown_media[code]
                                                          : "application/octet-stream");
  return TRUE;
}

/* Text-value of a parameter: No-value (0) | Token-text | Quoted-string. */
static gboolean
get_param_text (Cur *c, char **out)
{
  g_autofree char *raw = NULL;

  if (!get_text (c, &raw))
    return FALSE;
  g_free (*out);
  *out = to_utf8 (raw, strlen (raw), NULL);
  return TRUE;
}

static gboolean
get_charset_param (Cur *c, ContentType *ct)
{
  guint64 mib;
  guint8 b;

  if (!peek (c, &b))
    return FALSE;
  if (b >= 32 && b < 128)
    return get_param_text (c, &ct->charset);
  if (!get_integer (c, &mib))
    return FALSE;
  g_free (ct->charset);
  ct->charset = g_strdup (charset_name (mib));
  return TRUE;
}

/* Well-known parameters (WSP Table 38, encoding versions 1.1-1.4). */
static gboolean
get_wellknown_param (Cur *c, guint code, ContentType *ct)
{
  switch (code) {
  case 0x01:
    return get_charset_param (c, ct);
  case 0x05: case 0x17: case 0x06: case 0x18:
    return get_param_text (c, &ct->name);
  case 0x0A: case 0x19:
    return get_param_text (c, &ct->start);
  case 0x09:
    return get_media (c, &ct->related);
  default:
    return skip_value (c);
  }
}

static gboolean
get_params (Cur *c, ContentType *ct)
{
  while (c->pos < c->end) {
    guint8 b = c->data[c->pos];
    if (b & 0x80) {
      c->pos++;
      if (!get_wellknown_param (c, b & 0x7F, ct))
        return FALSE;
    } else {
      g_autofree char *name = NULL;
      if (!get_text (c, &name))
        return FALSE;
      if (g_ascii_strcasecmp (name, "name") == 0 || g_ascii_strcasecmp (name, "filename") == 0) {
        if (!get_param_text (c, &ct->name))
          return FALSE;
      } else if (g_ascii_strcasecmp (name, "start") == 0) {
        if (!get_param_text (c, &ct->start))
          return FALSE;
      } else if (!skip_value (c)) {
        return FALSE;
      }
    }
  }
  return TRUE;
}

static gboolean
get_content_type (Cur *c, ContentType *ct)
{
  guint32 len;
  guint8 b;
  Cur v;

  if (!peek (c, &b))
    return FALSE;
  if (b > 31)
    return get_media (c, &ct->type); /* Constrained-media: no parameters */
  if (!get_value_length (c, &len) || !sub (c, len, &v) || !get_media (&v, &ct->type))
    return FALSE;
  return get_params (&v, ct);
}

static char *
content_type_string (const ContentType *ct)
{
  GString *s = g_string_new (ct->type);

  if (ct->charset)
    g_string_append_printf (s, "; charset=%s", ct->charset);
  return g_string_free (s, FALSE);
}

static gboolean
is_multipart (const char *type)
{
  return g_str_has_prefix (type, "application/vnd.wap.multipart.") ||
         g_str_has_prefix (type, "multipart/");
}

/* ---- the multipart body (WSP 8.5) ---- */

static gboolean
get_part_header (Cur *c, CpmLegacyPart *part)
{
  guint8 b;

  if (!get_byte (c, &b))
    return FALSE;
  if (b & 0x80) {
    switch (b & 0x7F) {
    case 0x0E: /* Content-Location */
      return get_param_text (c, &part->content_location);
    case 0x40: { /* Content-ID: Quoted-string */
      g_autofree char *id = NULL;
      if (!get_param_text (c, &id))
        return FALSE;
      g_free (part->content_id);
      part->content_id = g_strdup (id);
      return TRUE;
    }
    default:
      return skip_value (c);
    }
  } else {
    g_autofree char *name = NULL, *value = NULL;
    c->pos--;
    if (!get_text (c, &name) || !get_text (c, &value))
      return FALSE;
    if (g_ascii_strcasecmp (name, "Content-ID") == 0) {
      g_free (part->content_id);
      part->content_id = to_utf8 (value, strlen (value), NULL);
    } else if (g_ascii_strcasecmp (name, "Content-Location") == 0) {
      g_free (part->content_location);
      part->content_location = to_utf8 (value, strlen (value), NULL);
    }
    return TRUE;
  }
}

static char *
unbracket (char *id)
{
  gsize n;

  if (!id)
    return NULL;
  n = strlen (id);
  if (n >= 2 && id[0] == '<' && id[n - 1] == '>') {
    memmove (id, id + 1, n - 2);
    id[n - 2] = '\0';
  }
  return id;
}

static gboolean
get_entry (Cur *c, CpmLegacyMessage *m)
{
  guint32 headers_len, data_len;
  ContentType ct = { 0 };
  g_autofree char *type = NULL;
  g_autoptr (GBytes) data = NULL;
  CpmLegacyPart *part;
  Cur h, d;
  gboolean ok;

  if (!get_uintvar (c, &headers_len) || !get_uintvar (c, &data_len) ||
      !sub (c, headers_len, &h) || !sub (c, data_len, &d))
    return FALSE;
  if (!get_content_type (&h, &ct))
    return (content_type_clear (&ct), FALSE);
  type = content_type_string (&ct);
  data = g_bytes_new (d.data + d.pos, d.end - d.pos);
  part = cpm_legacy_message_add_part (m, type, ct.name, NULL, data);
  ok = TRUE;
  while (ok && h.pos < h.end)
    ok = get_part_header (&h, part);
  part->content_id = unbracket (part->content_id);
  if (!part->name && part->content_location)
    part->name = g_strdup (part->content_location);
  content_type_clear (&ct);
  return ok;
}

static gboolean
get_multipart (Cur *c, CpmLegacyMessage *m)
{
  guint32 n;

  if (!get_uintvar (c, &n))
    return FALSE;
  if (n > MAX_PARTS)
    return fail (c, "%u parts (at most %d)", n, MAX_PARTS);
  for (guint32 i = 0; i < n; i++)
    if (!get_entry (c, m))
      return FALSE;
  return TRUE;
}

/* ---- the headers (OMA-MMS-ENC 7.3) ---- */

static gboolean
get_header (Cur *c, CpmLegacyMessage *m, guint8 field, gboolean *body_follows,
            ContentType *ct)
{
  guint64 n;
  guint8 b;

  switch (field) {
  case 0x01: return get_address (c, m->bcc);
  case 0x02: return get_address (c, m->cc);
  case 0x17: return get_address (c, m->to);
  case 0x09: return get_from (c, m);
  case 0x05:
    if (!get_long (c, &n))
      return FALSE;
    if (n > G_GINT64_CONSTANT (253402300799))
      return fail (c, "Date out of range");
    m->date_ms = (gint64) n * 1000;
    return TRUE;
  case 0x0B:
    return get_param_text (c, &m->message_id);
  case 0x16:
    g_free (m->subject);
    m->subject = NULL;
    return get_encoded_string (c, &m->subject);
  case 0x0C:
    if (!get_byte (c, &b))
      return FALSE;
    if (b != 0x80 && b != 0x84)
      return fail (c, "message type 0x%02x is neither m-send-req nor m-retrieve-conf", b);
    m->box = b == 0x80 ? CPM_LEGACY_BOX_SENT : CPM_LEGACY_BOX_RECEIVED;
    return TRUE;
  case 0x04:
    *body_follows = TRUE; /* Content-Type is the last header (7.1) */
    return get_content_type (c, ct);
  default:
    return skip_value (c);
  }
}

static gboolean
decode (Cur *c, CpmLegacyMessage *m)
{
  ContentType ct = { 0 };
  gboolean body_follows = FALSE, ok = TRUE;
  guint8 b;

  if (c->end < 2 || c->data[0] != 0x8C)
    return fail (c, "not an MMS PDU (X-Mms-Message-Type is not the first header)");
  while (ok && !body_follows && c->pos < c->end) {
    if (!get_byte (c, &b))
      return FALSE;
    if (b & 0x80) {
      ok = get_header (c, m, b & 0x7F, &body_follows, &ct);
    } else {
      /* Application-header: Token-text Application-specific-value */
      g_autofree char *name = NULL, *value = NULL;
      c->pos--;
      ok = get_text (c, &name) && get_text (c, &value);
    }
  }
  if (ok && !body_follows)
    ok = fail (c, "no Content-Type header, so no body");
  if (ok && is_multipart (ct.type)) {
    ok = get_multipart (c, m);
  } else if (ok) {
    g_autofree char *type = content_type_string (&ct);
    g_autoptr (GBytes) data = g_bytes_new (c->data + c->pos, c->end - c->pos);
    cpm_legacy_message_add_part (m, type, ct.name, NULL, data);
  }
  content_type_clear (&ct);
  return ok;
}

CpmLegacyMessage *
cpm_mms_pdu_decode (const guint8 *data, gsize len, GError **error)
{
  g_autoptr (GError) local = NULL;
  Cur c = { data, 0, len, &local };
  CpmLegacyMessage *m = cpm_legacy_message_new (CPM_KIND_MMS);

  m->box = CPM_LEGACY_BOX_SENT;
  if (!decode (&c, m)) {
    if (!local)
      g_set_error (&local, CPM_ERROR, CPM_ERROR_PARSE, "offset %" G_GSIZE_FORMAT ": invalid",
                   c.pos);
    g_propagate_error (error, g_steal_pointer (&local));
    cpm_legacy_message_unref (m);
    return NULL;
  }
  /* m-retrieve-conf is read when it is fetched; the PDU has no read flag. */
  return m;
}
