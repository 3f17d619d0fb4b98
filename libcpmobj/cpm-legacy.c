/* Legacy SMS and MMS messages: the record, the readers' common part, the
 * JSON lines reader, and the mapping into legacy message objects (5.2.1
 * Table 1 of 001_c1e4a602c0e0a013.txt).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"

#include "cpm-legacy-private.h"
#include "cpm-object-private.h"
#include <cpmobj/cpm-builder.h>
#include <cpmobj/cpm-check.h>

#include <gmime/gmime.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * The record
 * ------------------------------------------------------------------------ */

static void
part_free (gpointer data)
{
  CpmLegacyPart *p = data;

  g_free (p->content_type);
  g_free (p->name);
  g_free (p->content_id);
  g_free (p->content_location);
  g_clear_pointer (&p->data, g_bytes_unref);
  g_free (p->path);
  g_free (p);
}

CpmLegacyMessage *
cpm_legacy_message_new (CpmKind kind)
{
  CpmLegacyMessage *m = g_rc_box_new0 (CpmLegacyMessage);

  m->kind = kind == CPM_KIND_MMS ? CPM_KIND_MMS : CPM_KIND_SMS;
  m->to = g_ptr_array_new_with_free_func (g_free);
  m->cc = g_ptr_array_new_with_free_func (g_free);
  m->bcc = g_ptr_array_new_with_free_func (g_free);
  m->peers = g_ptr_array_new_with_free_func (g_free);
  m->parts = g_ptr_array_new_with_free_func (part_free);
  m->date_ms = -1;
  return m;
}

CpmLegacyMessage *
cpm_legacy_message_ref (CpmLegacyMessage *message)
{
  return g_rc_box_acquire (message);
}

static void
message_clear (gpointer data)
{
  CpmLegacyMessage *m = data;

  g_free (m->from);
  g_ptr_array_unref (m->to);
  g_ptr_array_unref (m->cc);
  g_ptr_array_unref (m->bcc);
  g_ptr_array_unref (m->peers);
  g_free (m->subject);
  g_free (m->text);
  g_ptr_array_unref (m->parts);
  g_free (m->message_id);
  g_free (m->source);
  g_free (m->skip_reason);
}

void
cpm_legacy_message_unref (CpmLegacyMessage *message)
{
  if (message)
    g_rc_box_release_full (message, message_clear);
}

static char *
strip_angles (const char *s)
{
  gsize len;

  if (!s)
    return NULL;
  len = strlen (s);
  if (len >= 2 && s[0] == '<' && s[len - 1] == '>')
    return g_strndup (s + 1, len - 2);
  return g_strdup (s);
}

CpmLegacyPart *
cpm_legacy_message_add_part (CpmLegacyMessage *message, const char *content_type,
                             const char *name, const char *content_id, GBytes *data)
{
  CpmLegacyPart *p = g_new0 (CpmLegacyPart, 1);

  p->content_type = g_strdup (content_type);
  p->name = g_strdup (name);
  p->content_id = strip_angles (content_id);
  p->data = data ? g_bytes_ref (data) : NULL;
  g_ptr_array_add (message->parts, p);
  return p;
}

void
cpm_legacy_message_set_skip (CpmLegacyMessage *message, const char *format, ...)
{
  va_list ap;

  g_free (message->skip_reason);
  va_start (ap, format);
  message->skip_reason = g_strdup_vprintf (format, ap);
  va_end (ap);
}

const char *
cpm_legacy_box_to_string (CpmLegacyBox box)
{
  static const char *const names[] = { "received", "sent", "draft", "outbox", "failed",
                                       "queued" };
  return (guint) box < G_N_ELEMENTS (names) ? names[box] : "unknown";
}

gboolean
cpm_legacy_is_absent (const char *s)
{
  return !s || !*s || strcmp (s, "null") == 0 || strcmp (s, "(null)") == 0;
}

void
cpm_legacy_add_address (GPtrArray *array, const char *addr)
{
  if (!cpm_legacy_is_absent (addr))
    g_ptr_array_add (array, g_strstrip (g_strdup (addr)));
}

void
cpm_legacy_add_address_list (GPtrArray *array, const char *list)
{
  g_auto (GStrv) v = NULL;

  if (cpm_legacy_is_absent (list))
    return;
  v = g_strsplit (list, "~", -1);
  for (guint i = 0; v[i]; i++)
    if (!cpm_legacy_is_absent (g_strstrip (v[i])) && strcmp (v[i], "insert-address-token") != 0)
      cpm_legacy_add_address (array, v[i]);
}

/* ------------------------------------------------------------------------
 * Readers
 * ------------------------------------------------------------------------ */

CpmLegacyFormat
cpm_legacy_detect_format (const guint8 *head, gsize len)
{
  gsize i = 0;

  /* X-Mms-Message-Type is the first header of every MMS PDU (OMA-MMS-ENC
   * 7.1): 0x8C then m-send-req (0x80) or m-retrieve-conf (0x84). */
  if (len >= 2 && head[0] == 0x8C && (head[1] == 0x80 || head[1] == 0x84))
    return CPM_LEGACY_FORMAT_MMS_PDU;
  if (len >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF)
    i = 3;
  while (i < len && g_ascii_isspace (head[i]))
    i++;
  if (i < len && head[i] == '{')
    return CPM_LEGACY_FORMAT_JSONL;
  if (i < len && head[i] == '<') {
    g_autofree char *text = g_strndup ((const char *) head + i, len - i);
    if (strstr (text, "<smses") || strstr (text, "<sms ") || strstr (text, "<mms "))
      return CPM_LEGACY_FORMAT_SMS_XML;
  }
  return CPM_LEGACY_FORMAT_UNKNOWN;
}

/* --- one MMS PDU per input --- */

typedef struct {
  gboolean done;
} MmsPduReader;

static CpmLegacyMessage *
mmspdu_next (CpmLegacyReader *reader, gpointer impl, GError **error)
{
  MmsPduReader *r = impl;
  g_autoptr (GByteArray) all = g_byte_array_new ();
  gsize max = cpm_limits_default ()->max_object_size;
  guint8 buf[65536];
  g_autoptr (GError) local = NULL;
  CpmLegacyMessage *m;
  gssize n;

  if (r->done)
    return NULL;
  r->done = TRUE;
  while ((n = g_input_stream_read (reader->input, buf, sizeof buf, NULL, error)) > 0) {
    if (all->len + (gsize) n > max) {
      g_set_error (error, CPM_ERROR, CPM_ERROR_LIMIT, "%s: MMS PDU larger than %" G_GSIZE_FORMAT
                   " bytes", reader->name ? reader->name : "-", max);
      return NULL;
    }
    g_byte_array_append (all, buf, (guint) n);
  }
  if (n < 0)
    return NULL;
  m = cpm_mms_pdu_decode (all->data, all->len, &local);
  if (!m) {
    /* An undecodable PDU is one skipped record, not a failed run. */
    m = cpm_legacy_message_new (CPM_KIND_MMS);
    cpm_legacy_message_set_skip (m, "undecodable MMS PDU: %s", local->message);
  } else if (m->date_ms < 0) {
    cpm_legacy_message_set_skip (m, "no Date header");
  }
  m->source = g_strdup (reader->name ? reader->name : "-");
  return m;
}

static const CpmLegacyReaderClass mmspdu_class = { mmspdu_next, g_free };

void
cpm_mmspdu_reader_init (CpmLegacyReader *reader)
{
  reader->klass = &mmspdu_class;
  reader->impl = g_new0 (MmsPduReader, 1);
}

/* --- JSON lines --- */

typedef struct {
  GByteArray *buf;
  gsize pos;
  gboolean eof;
  guint64 line;
} JsonLines;

/* Returns the next line (without its LF) in @line/@len, pointing into the
 * reader's buffer, FALSE at the end. A line over the object size limit is
 * returned cut, with *@too_long set; the rest of it is dropped. */
static gboolean
jsonl_read_line (CpmLegacyReader *reader, JsonLines *j, const char **line, gsize *len,
                 gboolean *too_long, GError **error)
{
  gsize max = cpm_limits_default ()->max_object_size * 2;
  guint8 chunk[65536];

  *too_long = FALSE;
  for (;;) {
    /* an empty GByteArray has NULL data: no arithmetic on it (fuzz-jsonl) */
    guint8 *start = j->buf->data ? j->buf->data + j->pos : NULL;
    gsize avail = j->buf->len - j->pos;
    guint8 *nl = avail ? memchr (start, '\n', avail) : NULL;
    gssize n;

    if (nl || (j->eof && avail > 0) || avail > max) {
      gsize l = nl ? (gsize) (nl - start) : avail;
      *line = (const char *) start;
      *len = l;
      j->pos += nl ? l + 1 : l;
      j->line++;
      if (!nl && avail > max) {
        /* Drop the rest of this line. */
        *too_long = TRUE;
        j->buf->len = 0;
        j->pos = 0;
        while (!j->eof) {
          n = g_input_stream_read (reader->input, chunk, sizeof chunk, NULL, error);
          if (n < 0)
            return FALSE;
          if (n == 0)
            j->eof = TRUE;
          nl = memchr (chunk, '\n', (gsize) n);
          if (nl) {
            g_byte_array_append (j->buf, nl + 1, (guint) (chunk + n - nl - 1));
            break;
          }
        }
        *line = "";
        *len = 0;
      }
      return TRUE;
    }
    if (j->eof)
      return FALSE;
    if (j->pos > 0) {
      g_byte_array_remove_range (j->buf, 0, (guint) j->pos);
      j->pos = 0;
    }
    n = g_input_stream_read (reader->input, chunk, sizeof chunk, NULL, error);
    if (n < 0)
      return FALSE;
    if (n == 0)
      j->eof = TRUE;
    g_byte_array_append (j->buf, chunk, (guint) n);
  }
}

static const char *
json_str (json_object *o, const char *key)
{
  json_object *v;

  if (!json_object_object_get_ex (o, key, &v) || !json_object_is_type (v, json_type_string))
    return NULL;
  return cpm_legacy_is_absent (json_object_get_string (v)) ? NULL : json_object_get_string (v);
}

static void
json_addresses (CpmLegacyMessage *m, json_object *o, const char *key, GPtrArray *into)
{
  json_object *v;

  if (!json_object_object_get_ex (o, key, &v) || json_object_is_type (v, json_type_null))
    return;
  if (json_object_is_type (v, json_type_string)) {
    cpm_legacy_add_address (into, json_object_get_string (v));
    return;
  }
  if (!json_object_is_type (v, json_type_array)) {
    cpm_legacy_message_set_skip (m, "\"%s\" is not an array of addresses", key);
    return;
  }
  for (size_t i = 0; i < json_object_array_length (v); i++) {
    json_object *e = json_object_array_get_idx (v, i);
    if (json_object_is_type (e, json_type_string))
      cpm_legacy_add_address (into, json_object_get_string (e));
  }
}

/* "date": epoch milliseconds (number) or an RFC 3339 / ISO 8601 string. */
static void
json_date (CpmLegacyMessage *m, json_object *o)
{
  json_object *v;
  const char *s;

  if (!json_object_object_get_ex (o, "date", &v) || json_object_is_type (v, json_type_null)) {
    cpm_legacy_message_set_skip (m, "no date");
    return;
  }
  if (json_object_is_type (v, json_type_int)) {
    m->date_ms = json_object_get_int64 (v);
  } else if (json_object_is_type (v, json_type_double)) {
    /* jq turns large integers into doubles: 1.7145648e+12 */
    double d = json_object_get_double (v);
    if (d > 0 && d < 1e15)
      m->date_ms = (gint64) d;
  } else if ((s = json_object_get_string (v)) && json_object_is_type (v, json_type_string)) {
    g_autoptr (GDateTime) dt = g_date_time_new_from_iso8601 (s, NULL);
    gint64 ms = 0;
    if (dt)
      m->date_ms = g_date_time_to_unix (dt) * 1000 + g_date_time_get_microsecond (dt) / 1000;
    else if (g_ascii_string_to_signed (s, 10, 0, G_MAXINT64, &ms, NULL))
      m->date_ms = ms;
  }
  if (m->date_ms < 315532800000 || m->date_ms > G_GINT64_CONSTANT (253402300799000)) {
    m->date_ms = -1;
    cpm_legacy_message_set_skip (m, "unreadable date '%s'", json_object_get_string (v));
  }
}

static void
json_box (CpmLegacyMessage *m, json_object *o)
{
  const char *d = json_str (o, "direction");

  for (int b = CPM_LEGACY_BOX_RECEIVED; b <= CPM_LEGACY_BOX_QUEUED; b++)
    if (d && strcmp (d, cpm_legacy_box_to_string ((CpmLegacyBox) b)) == 0) {
      m->box = (CpmLegacyBox) b;
      return;
    }
  if (d && strcmp (d, "in") == 0)
    m->box = CPM_LEGACY_BOX_RECEIVED;
  else if (d && strcmp (d, "out") == 0)
    m->box = CPM_LEGACY_BOX_SENT;
  else
    cpm_legacy_message_set_skip (m, "unknown direction '%s'", d ? d : "(absent)");
}

static void
json_part (CpmLegacyMessage *m, json_object *p, size_t index)
{
  const char *data = json_str (p, "data");
  const char *path = json_str (p, "path");
  const char *text = json_str (p, "text");
  g_autoptr (GBytes) bytes = NULL;
  CpmLegacyPart *part;

  if (!json_object_is_type (p, json_type_object)) {
    cpm_legacy_message_set_skip (m, "part %zu is not an object", index);
    return;
  }
  if (data) {
    gsize n = 0;
    guchar *raw;
    gboolean ok = TRUE;
    for (const char *c = data; *c; c++)
      if (!g_ascii_isalnum (*c) && !strchr ("+/= \r\n", *c))
        ok = FALSE;
    if (!ok) {
      const char *name = json_str (p, "name");
      if (name)
        cpm_legacy_message_set_skip (m, "undecodable part '%s': data is not base64", name);
      else
        cpm_legacy_message_set_skip (m, "undecodable part (part %zu): data is not base64",
                                     index + 1);
      return;
    }
    raw = g_base64_decode (data, &n);
    bytes = g_bytes_new_take (raw, n);
  } else if (text) {
    bytes = g_bytes_new (text, strlen (text));
  } else if (!path) {
    cpm_legacy_message_set_skip (m, "part %zu has neither data, text nor path", index);
    return;
  }
  part = cpm_legacy_message_add_part (m, json_str (p, "content_type"), json_str (p, "name"),
                                      json_str (p, "content_id"), bytes);
  part->path = g_strdup (path);
  part->content_location = g_strdup (json_str (p, "content_location"));
}

static void
json_fill (CpmLegacyMessage *m, json_object *o)
{
  json_object *v;

  json_box (m, o);
  json_date (m, o);
  m->from = g_strdup (json_str (o, "from"));
  json_addresses (m, o, "to", m->to);
  json_addresses (m, o, "cc", m->cc);
  json_addresses (m, o, "bcc", m->bcc);
  json_addresses (m, o, "thread", m->peers);
  m->text = g_strdup (json_str (o, "text"));
  m->subject = g_strdup (json_str (o, "subject"));
  m->message_id = g_strdup (json_str (o, "message_id"));
  if (json_object_object_get_ex (o, "read", &v))
    m->read = json_object_get_boolean (v);
  if (json_object_object_get_ex (o, "parts", &v) && json_object_is_type (v, json_type_array))
    for (size_t i = 0; i < json_object_array_length (v); i++)
      json_part (m, json_object_array_get_idx (v, i), i);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (json_tokener, json_tokener_free)

static CpmLegacyMessage *
jsonl_record (const char *line, gsize len, const char *source)
{
  g_autoptr (json_tokener) tok = json_tokener_new ();
  json_object *o;
  const char *kind;
  CpmLegacyMessage *m = NULL;

  if (len > G_MAXINT) {
    m = cpm_legacy_message_new (CPM_KIND_SMS);
    cpm_legacy_message_set_skip (m, "line too long");
    return m;
  }
  o = json_tokener_parse_ex (tok, line, (int) len);
  if (!o || !json_object_is_type (o, json_type_object)) {
    enum json_tokener_error e = json_tokener_get_error (tok);
    m = cpm_legacy_message_new (CPM_KIND_SMS);
    cpm_legacy_message_set_skip (m, "not a JSON object: %s",
                                 o ? "another JSON value" : json_tokener_error_desc (e));
    json_object_put (o);
    return m;
  }
  kind = json_str (o, "kind");
  m = cpm_legacy_message_new (kind && strcmp (kind, "mms") == 0 ? CPM_KIND_MMS : CPM_KIND_SMS);
  m->source = g_strdup (source);
  if (!kind || (strcmp (kind, "sms") != 0 && strcmp (kind, "mms") != 0))
    cpm_legacy_message_set_skip (m, "unknown kind '%s'", kind ? kind : "(absent)");
  else
    json_fill (m, o);
  json_object_put (o);
  return m;
}


static CpmLegacyMessage *
jsonl_next (CpmLegacyReader *reader, gpointer impl, GError **error)
{
  JsonLines *j = impl;
  const char *line;
  gsize len;
  gboolean too_long;

  while (jsonl_read_line (reader, j, &line, &len, &too_long, error)) {
    g_autofree char *source = g_strdup_printf ("%s:%" G_GUINT64_FORMAT,
                                               reader->name ? reader->name : "-", j->line);
    CpmLegacyMessage *m;
    gsize i = 0;

    while (i < len && g_ascii_isspace (line[i]))
      i++;
    if (i == len && !too_long)
      continue; /* blank lines separate nothing */
    if (too_long) {
      m = cpm_legacy_message_new (CPM_KIND_SMS);
      cpm_legacy_message_set_skip (m, "line over the object size limit");
    } else {
      m = jsonl_record (line + i, len - i, source);
    }
    if (!m->source)
      m->source = g_steal_pointer (&source);
    return m;
  }
  return NULL;
}

static void
jsonl_free (gpointer impl)
{
  JsonLines *j = impl;

  g_byte_array_unref (j->buf);
  g_free (j);
}

static const CpmLegacyReaderClass jsonl_class = { jsonl_next, jsonl_free };

CpmLegacyReader *
cpm_legacy_reader_new (CpmLegacyFormat format, GInputStream *input, const char *name)
{
  CpmLegacyReader *r = g_new0 (CpmLegacyReader, 1);

  r->ref_count = 1;
  r->input = g_object_ref (input);
  r->name = g_strdup (name);
  switch (format) {
  case CPM_LEGACY_FORMAT_SMS_XML:
    cpm_smsxml_reader_init (r);
    break;
  case CPM_LEGACY_FORMAT_MMS_PDU:
    cpm_mmspdu_reader_init (r);
    break;
  case CPM_LEGACY_FORMAT_JSONL:
  default: {
    JsonLines *j = g_new0 (JsonLines, 1);
    j->buf = g_byte_array_new ();
    r->klass = &jsonl_class;
    r->impl = j;
    break;
  }
  }
  return r;
}

CpmLegacyReader *
cpm_legacy_reader_ref (CpmLegacyReader *reader)
{
  g_atomic_int_inc (&reader->ref_count);
  return reader;
}

void
cpm_legacy_reader_unref (CpmLegacyReader *reader)
{
  if (!reader || !g_atomic_int_dec_and_test (&reader->ref_count))
    return;
  reader->klass->free (reader->impl);
  g_object_unref (reader->input);
  g_free (reader->name);
  g_free (reader);
}

CpmLegacyMessage *
cpm_legacy_reader_next (CpmLegacyReader *reader, GError **error)
{
  return reader->klass->next (reader, reader->impl, error);
}

guint64
cpm_legacy_reader_get_repaired (const CpmLegacyReader *reader)
{
  return reader->repaired;
}

/* ------------------------------------------------------------------------
 * Name-based UUIDs (RFC 4122 4.3, version 5: SHA-1). GLib's g_uuid_*
 * only makes random (version 4) UUIDs.
 * ------------------------------------------------------------------------ */

static gboolean
uuid_parse (const char *s, guint8 out[16])
{
  guint n = 0;

  for (; *s && n < 32; s++) {
    int d;
    if (*s == '-')
      continue;
    d = g_ascii_xdigit_value (*s);
    if (d < 0)
      return FALSE;
    if (n % 2 == 0)
      out[n / 2] = (guint8) (d << 4);
    else
      out[n / 2] |= (guint8) d;
    n++;
  }
  return n == 32 && *s == '\0';
}

char *
cpm_uuid_v5 (const char *namespace_uuid, const char *name, gssize len)
{
  g_autoptr (GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  guint8 ns[16], digest[20];
  gsize dlen = sizeof digest;

  if (!uuid_parse (namespace_uuid, ns))
    return NULL;
  g_checksum_update (sha1, ns, sizeof ns);
  g_checksum_update (sha1, (const guchar *) name, len);
  g_checksum_get_digest (sha1, digest, &dlen);
  digest[6] = (guint8) ((digest[6] & 0x0F) | 0x50); /* version 5 */
  digest[8] = (guint8) ((digest[8] & 0x3F) | 0x80); /* RFC 4122 variant */
  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                          "%02x%02x%02x%02x%02x%02x",
                          digest[0], digest[1], digest[2], digest[3], digest[4], digest[5],
                          digest[6], digest[7], digest[8], digest[9], digest[10], digest[11],
                          digest[12], digest[13], digest[14], digest[15]);
}

/* The namespace of every id libcpmobj derives for legacy messages (a random
 * UUID picked once; changing it changes every derived id). */
#define LEGACY_NS "79b35d45-45bf-420e-aa02-5452a66b8b8d"

/* ------------------------------------------------------------------------
 * Mapping into objects
 * ------------------------------------------------------------------------ */

void
cpm_legacy_options_init (CpmLegacyOptions *options)
{
  memset (options, 0, sizeof *options);
  options->phony_domain = "phony.com";
  options->profile = CPM_PROFILE_DEFAULT;
  options->folder_by = CPM_LEGACY_FOLDER_BY_CONVERSATION;
}

static const CpmLegacyOptions *
options_or_default (const CpmLegacyOptions *options, CpmLegacyOptions *storage)
{
  if (options)
    return options;
  cpm_legacy_options_init (storage);
  return storage;
}

/* A telephone number without its visual separators ("+1 (514) 555-1234"
 * becomes "+15145551234"); NULL when @addr is not a telephone number. No
 * national-to-international rewriting: the export's form is kept. */
static char *
normalise_number (const char *addr)
{
  GString *s = g_string_new (NULL);

  for (const char *p = addr; *p; p++) {
    if (*p == '+' && s->len == 0)
      g_string_append_c (s, '+');
    else if (g_ascii_isdigit (*p))
      g_string_append_c (s, *p);
    else if (!strchr (" -().\t/", *p))
      return (g_string_free (s, TRUE), NULL);
  }
  if (s->len == 0 || (s->len == 1 && s->str[0] == '+'))
    return (g_string_free (s, TRUE), NULL);
  return g_string_free (s, FALSE);
}

/* The canonical form of an address for ids and comparisons: a normalised
 * number, else the address lower-cased (e-mail addresses, sender names). */
static char *
canonical_address (const char *addr)
{
  char *n = normalise_number (addr);

  return n ? n : g_ascii_strdown (addr, -1);
}

static gboolean
is_atext (char c)
{
  return g_ascii_isalnum (c) || strchr ("!#$%&'*+-/=?^_`{|}~", c);
}

/* Table 1 From/To for legacy messages: telephone numbers get the phony
 * domain; e-mail addresses (MMS to e-mail) stay; an alphanumeric sender id
 * ("AMAZON") becomes a local part with the phony domain, characters outside
 * RFC 5322 atext replaced by "_". */
static char *
header_address (const char *addr, const CpmLegacyOptions *o)
{
  g_autofree char *number = NULL;
  GString *s;

  if (cpm_legacy_is_absent (addr) || g_ascii_strcasecmp (addr, "anonymous") == 0)
    return g_strdup ("anonymous");
  if (strchr (addr, '@') && cpm_check_address (addr, strlen (addr), NULL))
    return g_strdup (addr);
  number = normalise_number (addr);
  if (number)
    return g_strdup_printf ("%s@%s", number, o->phony_domain);
  s = g_string_new (NULL);
  for (const char *p = addr; *p; p++)
    g_string_append_c (s, is_atext (*p) ? *p : '_');
  g_string_append_printf (s, "@%s", o->phony_domain);
  return g_string_free (s, FALSE);
}

static gboolean
is_self (const char *addr, const CpmLegacyOptions *o)
{
  g_autofree char *a = NULL, *b = NULL;

  if (!o->self_address)
    return FALSE;
  a = canonical_address (addr);
  b = canonical_address (o->self_address);
  return strcmp (a, b) == 0;
}

static void
add_peer (GPtrArray *peers, const char *addr, const CpmLegacyOptions *o)
{
  char *c;

  if (cpm_legacy_is_absent (addr) || is_self (addr, o))
    return;
  c = canonical_address (addr);
  for (guint i = 0; i < peers->len; i++)
    if (strcmp (peers->pdata[i], c) == 0)
      return g_free (c);
  g_ptr_array_add (peers, c);
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The thread participants other than the owner: the export's own list
 * when it has one, else everyone on the message but the owner (for SMS:
 * the one other party). Sorted, so every message of a thread agrees. */
static GPtrArray *
thread_peers (const CpmLegacyMessage *m, const CpmLegacyOptions *o)
{
  GPtrArray *peers = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < m->peers->len; i++)
    add_peer (peers, m->peers->pdata[i], o);
  if (peers->len == 0) {
    gboolean sent = m->box != CPM_LEGACY_BOX_RECEIVED;
    if (!sent)
      add_peer (peers, m->from, o);
    if (sent || m->kind == CPM_KIND_MMS) {
      for (guint i = 0; i < m->to->len; i++)
        add_peer (peers, m->to->pdata[i], o);
      for (guint i = 0; i < m->cc->len; i++)
        add_peer (peers, m->cc->pdata[i], o);
    }
  }
  g_ptr_array_sort (peers, compare_strings);
  return peers;
}

static char *
join_peers (GPtrArray *peers, const char *sep)
{
  g_ptr_array_add (peers, NULL);
  char *s = g_strjoinv (sep, (char **) peers->pdata);
  g_ptr_array_remove_index (peers, peers->len - 1);
  return s;
}

char *
cpm_legacy_conversation_id (const CpmLegacyMessage *message, const CpmLegacyOptions *options)
{
  CpmLegacyOptions storage;
  const CpmLegacyOptions *o = options_or_default (options, &storage);
  g_autoptr (GPtrArray) peers = thread_peers (message, o);
  g_autofree char *list = join_peers (peers, "\n");
  g_autofree char *name = g_strconcat ("conversation\n", list, NULL);

  return cpm_uuid_v5 (LEGACY_NS, name, -1);
}

static void
checksum_bytes (GChecksum *sum, GBytes *b)
{
  gsize n = 0;
  const guchar *d = b ? g_bytes_get_data (b, &n) : NULL;

  if (n)
    g_checksum_update (sum, d, n);
}

static void
append_list (GString *key, GPtrArray *list)
{
  g_autoptr (GPtrArray) sorted = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < list->len; i++)
    g_ptr_array_add (sorted, canonical_address (list->pdata[i]));
  g_ptr_array_sort (sorted, compare_strings);
  for (guint i = 0; i < sorted->len; i++)
    g_string_append_printf (key, "%s%s", i ? "," : "", (char *) sorted->pdata[i]);
  g_string_append_c (key, '\n');
}

char *
cpm_legacy_message_key (const CpmLegacyMessage *m, const CpmLegacyOptions *options)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA1);
  g_autofree char *from = m->from ? canonical_address (m->from) : g_strdup ("");
  GString *key = g_string_new (NULL);

  (void) options;
  g_string_append_printf (key, "%s\n%s\n%" G_GINT64_FORMAT "\n%s\n",
                          cpm_kind_to_string (m->kind), cpm_legacy_box_to_string (m->box),
                          m->date_ms, from);
  append_list (key, m->to);
  append_list (key, m->cc);
  append_list (key, m->bcc);
  g_string_append_printf (key, "%s\n", m->message_id ? m->message_id : "");
  if (m->text)
    g_checksum_update (sum, (const guchar *) m->text, -1);
  for (guint i = 0; i < m->parts->len; i++) {
    const CpmLegacyPart *p = m->parts->pdata[i];
    g_checksum_update (sum, (const guchar *) "\n", 1);
    checksum_bytes (sum, p->data);
    if (p->path)
      g_checksum_update (sum, (const guchar *) p->path, -1);
  }
  g_string_append (key, g_checksum_get_string (sum));
  return g_string_free (key, FALSE);
}

char *
cpm_legacy_folder_name (const CpmLegacyMessage *message, const CpmLegacyOptions *options)
{
  CpmLegacyOptions storage;
  const CpmLegacyOptions *o = options_or_default (options, &storage);
  g_autoptr (GPtrArray) peers = NULL;
  GString *s;

  if (o->folder_by == CPM_LEGACY_FOLDER_BY_CONVERSATION)
    return cpm_legacy_conversation_id (message, o);
  /* By peer: tel URIs as the stores that file threads by contact use; the
   * separator "," cannot appear in a normalised number. IMAP hierarchy
   * separators ("/", ".") in other addresses are replaced. */
  peers = thread_peers (message, o);
  s = g_string_new (NULL);
  for (guint i = 0; i < peers->len; i++) {
    const char *p = peers->pdata[i];
    g_autofree char *number = normalise_number (p);
    if (i)
      g_string_append_c (s, ',');
    if (number)
      g_string_append (s, "tel:");
    for (; *p; p++)
      g_string_append_c (s, (*p == '/' || *p == '.') ? '_' : *p);
  }
  if (s->len == 0)
    g_string_append (s, "anonymous");
  return g_string_free (s, FALSE);
}

const char *
cpm_legacy_flags (const CpmLegacyMessage *message)
{
  if (message->box == CPM_LEGACY_BOX_SENT || message->read)
    return "\\Seen";
  return "";
}

/* Message-Correlator (Table 1, C.6) for SMS: "a fragment or the full text
 * contained in the user data". The fragment is at most one short message's
 * user data (160 characters); printable ASCII is written as is (trimmed,
 * since header values are read back trimmed), anything else becomes one
 * RFC 2047 encoded-word, utf-8 and B, of at most 75 characters (RFC 2047
 * 2), i.e. at most 45 bytes of text cut at a UTF-8 character boundary. */
#define CORRELATOR_ASCII_MAX 160
#define CORRELATOR_WORD_BYTES 45

static char *
sms_correlator (const char *text)
{
  g_autofree char *valid = NULL;
  g_autofree char *b64 = NULL;
  gsize len, n = 0;
  gboolean ascii = TRUE;

  if (cpm_legacy_is_absent (text))
    return NULL;
  valid = g_utf8_make_valid (text, -1);
  len = strlen (valid);
  for (gsize i = 0; i < len && i < CORRELATOR_ASCII_MAX; i++)
    if ((guchar) valid[i] < 0x20 || (guchar) valid[i] > 0x7E)
      ascii = FALSE;
  if (ascii) {
    char *s = g_strndup (valid, MIN (len, CORRELATOR_ASCII_MAX));
    g_strstrip (s);
    if (*s)
      return s;
    g_free (s);
    return NULL;
  }
  for (const char *p = valid; *p;) {
    const char *next = g_utf8_next_char (p);
    if ((gsize) (next - valid) > CORRELATOR_WORD_BYTES)
      break;
    n = (gsize) (next - valid);
    p = next;
  }
  b64 = g_base64_encode ((const guchar *) valid, n);
  return g_strdup_printf ("=?utf-8?b?%s?=", b64);
}

/* Accept-Contact is Mandatory 1..* (Table 1, C.7) and "set to the value of
 * an Accept-Contact header field that was present in the SIP request"; a
 * legacy message had no SIP request. Decision: carry the feature tag the
 * SIP request would have had if the message had come over IMS:
 * - SMS: +g.3gpp.smsip (3GPP TS 24.341 A.2, SMS over IP).
 * - MMS: MMS has no SIP feature tag; a CPM Interworking Function delivers
 *   an MMS as a CPM Standalone Message, so the CPM standalone message ICSI.
 * --accept-contact (CpmLegacyOptions.accept_contact) overrides both. */
#define ACCEPT_CONTACT_SMS "*;+g.3gpp.smsip"
#define ACCEPT_CONTACT_MMS \
  "*;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.msg\""

static GBytes *
part_bytes (const CpmLegacyPart *p, GError **error)
{
  char *data = NULL;
  gsize len = 0;

  if (p->data)
    return g_bytes_ref (p->data);
  if (!p->path)
    return g_bytes_new (NULL, 0);
  if (!g_file_get_contents (p->path, &data, &len, error))
    return NULL;
  return g_bytes_new_take (data, len);
}

static GMimeObject *
mime_part (const CpmLegacyPart *p, GError **error)
{
  g_autoptr (GBytes) bytes = part_bytes (p, error);
  GMimeContentType *ct;
  GMimeStream *mem;
  GMimeDataWrapper *wrapper;
  GMimePart *part;
  gsize n = 0;
  gconstpointer d;

  if (!bytes)
    return NULL;
  ct = g_mime_content_type_parse (NULL, p->content_type ? p->content_type
                                                         : "application/octet-stream");
  part = g_mime_part_new ();
  g_mime_object_set_content_type (GMIME_OBJECT (part), ct);
  g_object_unref (ct);
  d = g_bytes_get_data (bytes, &n);
  mem = g_mime_stream_mem_new_with_buffer (d ? d : "", n);
  wrapper = g_mime_data_wrapper_new_with_stream (mem, GMIME_CONTENT_ENCODING_DEFAULT);
  g_mime_part_set_content (part, wrapper);
  g_object_unref (wrapper);
  g_object_unref (mem);
  if (p->content_id)
    g_mime_object_set_content_id (GMIME_OBJECT (part), p->content_id);
  if (p->content_location)
    g_mime_part_set_content_location (part, p->content_location);
  if (p->name)
    g_mime_part_set_filename (part, p->name);
  g_mime_part_set_content_encoding (
    part, g_mime_part_get_best_content_encoding (part, GMIME_ENCODING_CONSTRAINT_7BIT));
  return GMIME_OBJECT (part);
}

static gboolean
is_smil (const CpmLegacyPart *p)
{
  return p->content_type && g_str_has_prefix (p->content_type, "application/smil");
}

/* The root of the multipart/related: the SMIL presentation when there is
 * one (as MMS has), else the first part. */
static const CpmLegacyPart *
related_root (const CpmLegacyMessage *m)
{
  for (guint i = 0; i < m->parts->len; i++)
    if (is_smil (m->parts->pdata[i]))
      return m->parts->pdata[i];
  return m->parts->pdata[0];
}

static char *
related_type (const CpmLegacyPart *root, const char *boundary)
{
  g_autofree char *root_type = g_strdup (root->content_type ? root->content_type
                                                            : "application/octet-stream");
  GString *ct = g_string_new (NULL);

  if (strchr (root_type, ';'))
    *strchr (root_type, ';') = '\0';
  g_string_append_printf (ct, "multipart/related; boundary=\"%s\"; type=\"%s\"", boundary,
                          g_strstrip (root_type));
  if (root->content_id)
    g_string_append_printf (ct, "; start=\"<%s>\"", root->content_id);
  return g_string_free (ct, FALSE);
}

/* The MMS parts as one multipart/related (RFC 2387) entity: its
 * Content-Type in @type, its body as the result. The boundary comes from
 * the IMDN-Message-ID so the bytes are the same on every run. The root is
 * put first, as RFC 2387 expects when "start" is absent. */
static GBytes *
mms_related (const CpmLegacyMessage *m, const char *imdn_id, char **type, GError **error)
{
  GMimeMultipart *mp = g_mime_multipart_new_with_subtype ("related");
  GMimeFormatOptions *fmt = g_mime_format_options_new ();
  GMimeStream *out = g_mime_stream_mem_new ();
  g_autofree char *boundary = g_strdup_printf ("=_cpmobj_%s", imdn_id);
  const CpmLegacyPart *root = related_root (m);
  GBytes *result = NULL;
  GByteArray *array;

  for (guint i = 0; i <= m->parts->len; i++) {
    const CpmLegacyPart *p = i == 0 ? root : m->parts->pdata[i - 1];
    GMimeObject *part;
    if (i > 0 && p == root)
      continue;
    part = mime_part (p, error);
    if (!part)
      goto out;
    g_mime_multipart_add (mp, part);
    g_object_unref (part);
  }
  g_mime_multipart_set_boundary (mp, boundary);
  g_mime_format_options_set_newline_format (fmt, GMIME_NEWLINE_FORMAT_DOS);
  g_mime_object_write_content_to_stream (GMIME_OBJECT (mp), fmt, out);
  *type = related_type (root, boundary);
  array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (out));
  result = g_bytes_new (array->data, array->len);
out:
  g_object_unref (out);
  g_mime_format_options_free (fmt);
  g_object_unref (mp);
  return result;
}

static char *
address_list (GPtrArray *list, const CpmLegacyOptions *o)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < list->len; i++) {
    g_autofree char *a = header_address (list->pdata[i], o);
    g_string_append_printf (s, "%s%s", i ? ", " : "", a);
  }
  return g_string_free (s, FALSE);
}

/* From and To: the export names the peer; the owner's side comes from the
 * options, "anonymous" when unknown (Table 1 allows it for a withheld
 * originator; for the owner as recipient it is the only valid stand-in). */
static void
set_addresses (CpmBuilder *b, const CpmLegacyMessage *m, const CpmLegacyOptions *o)
{
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;

  if (m->from)
    from = header_address (m->from, o);
  else if (m->box != CPM_LEGACY_BOX_RECEIVED && o->self_address)
    from = header_address (o->self_address, o);
  else
    from = g_strdup ("anonymous");
  cpm_builder_set_header (b, "From", from);
  if (m->to->len > 0)
    to = address_list (m->to, o);
  else
    to = header_address (m->box == CPM_LEGACY_BOX_RECEIVED ? o->self_address : NULL, o);
  cpm_builder_set_header (b, "To", to);
  /* Cc and Bcc: "used only in MMS objects" (Table 1), from profile 2.2. */
  if (m->kind == CPM_KIND_MMS && o->profile >= CPM_PROFILE_2_2) {
    if (m->cc->len > 0) {
      g_autofree char *cc = address_list (m->cc, o);
      cpm_builder_set_header (b, "Cc", cc);
    }
    if (m->bcc->len > 0) {
      g_autofree char *bcc = address_list (m->bcc, o);
      cpm_builder_set_header (b, "Bcc", bcc);
    }
  }
}

static gboolean
set_ids (CpmBuilder *b, const CpmLegacyMessage *m, const CpmLegacyOptions *o, char **imdn_out)
{
  g_autofree char *key = cpm_legacy_message_key (m, o);
  g_autofree char *conv = cpm_legacy_conversation_id (m, o);
  g_autofree char *contrib_name = g_strconcat ("contribution\n", key, NULL);
  g_autofree char *imdn_name = g_strconcat ("imdn\n", key, NULL);
  g_autofree char *contrib = cpm_uuid_v5 (LEGACY_NS, contrib_name, -1);
  char *imdn = cpm_uuid_v5 (LEGACY_NS, imdn_name, -1);

  cpm_builder_set_header (b, "Conversation-ID", conv);
  cpm_builder_set_header (b, "Contribution-ID", contrib);
  cpm_builder_set_header (b, "IMDN-Message-ID", imdn);
  *imdn_out = imdn;
  return TRUE;
}

static void
set_legacy_fields (CpmBuilder *b, const CpmLegacyMessage *m, const CpmLegacyOptions *o)
{
  g_autofree char *correlator = NULL;
  gboolean sms = m->kind == CPM_KIND_SMS;

  cpm_builder_add_header (b, "Accept-Contact",
                          o->accept_contact ? o->accept_contact
                                            : sms ? ACCEPT_CONTACT_SMS : ACCEPT_CONTACT_MMS);
  cpm_builder_set_header (b, "Message-Context", sms ? "pager-message" : "multimedia-message");
  /* For MMS the MMS Message-ID (OMA-MMS-ENC), which is printable ASCII
   * by its grammar; one that is not cannot be a correlator and is left out. */
  if (sms)
    correlator = sms_correlator (m->text);
  else if (m->message_id && cpm_check_message_correlator (m->message_id,
                                                          strlen (m->message_id), NULL))
    correlator = g_strdup (m->message_id);
  if (correlator && o->profile >= CPM_PROFILE_2_1)
    cpm_builder_set_header (b, "Message-Correlator", correlator);
  if (m->subject && !sms)
    cpm_builder_set_header (b, "Subject", m->subject);
}

static gboolean
set_content (CpmBuilder *b, const CpmLegacyMessage *m, const char *imdn, GError **error)
{
  g_autoptr (GBytes) content = NULL;
  g_autofree char *type = NULL;

  if (m->kind == CPM_KIND_MMS && m->parts->len > 0) {
    content = mms_related (m, imdn, &type, error);
    if (!content)
      return FALSE;
    cpm_builder_set_content (b, type, content);
    return TRUE;
  }
  content = g_bytes_new (m->text ? m->text : "", m->text ? strlen (m->text) : 0);
  cpm_builder_set_content (b, "text/plain; charset=utf-8", content);
  return TRUE;
}

CpmObject *
cpm_legacy_to_object (const CpmLegacyMessage *message, const CpmLegacyOptions *options,
                      GError **error)
{
  CpmLegacyOptions storage;
  const CpmLegacyOptions *o = options_or_default (options, &storage);
  g_autoptr (CpmBuilder) b = NULL;
  g_autoptr (GDateTime) date = NULL;
  g_autofree char *imdn = NULL;

  if (message->skip_reason) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE, "%s", message->skip_reason);
    return NULL;
  }
  if (message->box != CPM_LEGACY_BOX_RECEIVED && message->box != CPM_LEGACY_BOX_SENT) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_UNSUPPORTED, "%s, never exchanged",
                 cpm_legacy_box_to_string (message->box));
    return NULL;
  }
  date = message->date_ms >= 0 ? g_date_time_new_from_unix_utc (message->date_ms / 1000) : NULL;
  if (!date) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE, "no usable date");
    return NULL;
  }
  cpm_gmime_ensure ();
  b = cpm_builder_new (message->kind);
  cpm_builder_set_profile (b, o->profile);
  set_addresses (b, message, o);
  cpm_builder_set_date (b, date);
  set_ids (b, message, o, &imdn);
  set_legacy_fields (b, message, o);
  if (!set_content (b, message, imdn, error))
    return NULL;
  return cpm_builder_build (b, error);
}
