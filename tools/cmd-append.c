/* cpmobj append: store objects in an IMAP message store (001 section 6.3.1)
 * and record each one's APPENDUID in the manifest.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "common.h"

#include <json-c/json.h>
#include <string.h>

#define SUB "append"
#define MANIFEST "manifest.jsonl"
/* One MULTIAPPEND command carries at most this much. */
#define BATCH_OBJECTS 32
#define BATCH_BYTES (8 * 1024 * 1024)
/* Candidates of a header search that are fetched to confirm a match. */
#define MAX_CANDIDATES 16

typedef enum {
  ENTRY_PENDING,
  ENTRY_STORED,  /* appended in this run */
  ENTRY_PRESENT, /* found on the server: not stored again */
  ENTRY_FAILED,
} EntryState;

typedef struct _Entry {
  guint line;        /* manifest line, 0 for a walked directory */
  json_object *json; /* the manifest line (owned); NULL in directory mode */
  char *raw;         /* a manifest line that is not a JSON object, kept as is */
  char *path;        /* file to read */
  char *name;        /* how messages name the object */
  char *folder;
  GStrv flags;
  GDateTime *date;
  char *imdn;
  GBytes *data;
  guint32 uidvalidity, uid;
  EntryState state;
  char *error;
  struct _Entry *same_as; /* an earlier line of the same object */
} Entry;

typedef struct {
  /* options */
  char *url, *user, *password_file, *ca_file;
  gboolean insecure, json;
  int timeout;
  /* state */
  char *password;
  char *manifest;   /* path of the manifest, NULL in directory mode */
  GPtrArray *entries;
  CpmImapClient *client;
  gboolean connection_dead;
  gboolean manifest_dirty;
  gboolean io_failed;
  guint n_not_attempted;
  gboolean progress, progress_shown;
} Run;

static void
entry_free (Entry *e)
{
  if (e->json)
    json_object_put (e->json);
  g_free (e->raw);
  g_free (e->path);
  g_free (e->name);
  g_free (e->folder);
  g_strfreev (e->flags);
  if (e->date)
    g_date_time_unref (e->date);
  g_free (e->imdn);
  if (e->data)
    g_bytes_unref (e->data);
  g_free (e->error);
  g_free (e);
}

static void
entry_fail (Entry *e, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
entry_fail (Entry *e, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_free (e->error);
  e->error = g_strdup_vprintf (format, ap);
  va_end (ap);
  e->state = ENTRY_FAILED;
}

/* ---- object bytes ---- */

/* IMAP stores RFC 5322 messages, whose lines end in CRLF; a server may
 * rewrite bare LFs (Dovecot does), so they are made CRLF before APPEND and
 * the stored object is the same bytes as the one sent. */
static GBytes *
crlf_bytes (GBytes *in)
{
  gsize len;
  const char *d = g_bytes_get_data (in, &len);
  gsize bare = 0;
  for (gsize i = 0; i < len; i++)
    if (d[i] == '\n' && (i == 0 || d[i - 1] != '\r'))
      bare++;
  if (bare == 0)
    return g_bytes_ref (in);
  GByteArray *out = g_byte_array_sized_new ((guint) (len + bare));
  for (gsize i = 0; i < len; i++) {
    if (d[i] == '\n' && (i == 0 || d[i - 1] != '\r'))
      g_byte_array_append (out, (const guint8 *) "\r", 1);
    g_byte_array_append (out, (const guint8 *) d + i, 1);
  }
  return g_byte_array_free_to_bytes (out);
}

/* The unfolded value of the first header field @name, or NULL. */
static char *
header_value (GBytes *bytes, const char *name)
{
  gsize len, nlen = strlen (name);
  const char *d = g_bytes_get_data (bytes, &len);
  const char *end = d + len, *p = d;
  while (p < end) {
    const char *eol = memchr (p, '\n', (gsize) (end - p));
    const char *le = eol ? eol : end;
    gsize llen = (gsize) (le - p);
    if (llen > 0 && p[llen - 1] == '\r')
      llen--;
    if (llen == 0)
      return NULL; /* end of the header block */
    if (llen > nlen && p[nlen] == ':' && g_ascii_strncasecmp (p, name, nlen) == 0) {
      GString *v = g_string_new_len (p + nlen + 1, (gssize) (llen - nlen - 1));
      const char *q = eol ? eol + 1 : end;
      while (q < end && (*q == ' ' || *q == '\t')) {
        const char *e2 = memchr (q, '\n', (gsize) (end - q));
        const char *l2 = e2 ? e2 : end;
        gsize n2 = (gsize) (l2 - q);
        if (n2 > 0 && q[n2 - 1] == '\r')
          n2--;
        g_string_append_len (v, q, (gssize) n2);
        q = e2 ? e2 + 1 : end;
      }
      return g_strstrip (g_string_free (v, FALSE));
    }
    p = eol ? eol + 1 : end;
  }
  return NULL;
}

/* A manifest entry can be read again; a walked directory's cannot. */
static void
entry_drop_data (Entry *e)
{
  if (e->line > 0 || e->json)
    g_clear_pointer (&e->data, g_bytes_unref);
}

static gboolean
load_entry (Entry *e)
{
  if (e->data)
    return TRUE;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMappedFile) map = g_mapped_file_new (e->path, FALSE, &error);
  if (map == NULL) {
    entry_fail (e, "cannot read: %s", error->message);
    return FALSE;
  }
  g_autoptr(GBytes) raw = g_mapped_file_get_bytes (map);
  e->data = crlf_bytes (raw);
  if (g_bytes_get_size (e->data) == 0) {
    entry_fail (e, "empty file, not an object");
    return FALSE;
  }
  if (e->imdn == NULL)
    e->imdn = header_value (e->data, "IMDN-Message-ID");
  return TRUE;
}

/* ---- the manifest ---- */

static const char *
json_string_member (json_object *o, const char *key)
{
  json_object *v = NULL;
  if (json_object_object_get_ex (o, key, &v) && json_object_is_type (v, json_type_string))
    return json_object_get_string (v);
  return NULL;
}

static guint32
json_u32_member (json_object *o, const char *key)
{
  json_object *v = NULL;
  if (!json_object_object_get_ex (o, key, &v) || !json_object_is_type (v, json_type_int))
    return 0;
  gint64 n = json_object_get_int64 (v);
  return n > 0 && n <= G_MAXUINT32 ? (guint32) n : 0;
}

/* A folder from the file's directory when the manifest names none: the
 * store layout keeps an object in its folder's directory. */
static char *
folder_of_file (const char *file)
{
  g_autofree char *dir = g_path_get_dirname (file);
  if (strcmp (dir, ".") == 0)
    return g_strdup ("INBOX");
  return g_steal_pointer (&dir);
}

static Entry *
entry_from_line (const char *base, const char *text, guint lineno)
{
  Entry *e = g_new0 (Entry, 1);
  e->line = lineno;
  json_object *o = json_tokener_parse (text);
  const char *file = o && json_object_is_type (o, json_type_object)
                         ? json_string_member (o, "file") : NULL;
  if (file == NULL) {
    if (o)
      json_object_put (o);
    e->raw = g_strdup (text);
    e->name = g_strdup_printf ("%s:%u", MANIFEST, lineno);
    entry_fail (e, "not a JSON object with a \"file\" member");
    return e;
  }
  e->json = o;
  e->path = g_path_is_absolute (file) ? g_strdup (file) : g_build_filename (base, file, NULL);
  e->name = g_strdup (file);
  const char *folder = json_string_member (o, "folder");
  e->folder = folder && *folder ? g_strdup (folder) : folder_of_file (file);
  json_object *flags = NULL;
  GPtrArray *fv = g_ptr_array_new ();
  if (json_object_object_get_ex (o, "flags", &flags) &&
      json_object_is_type (flags, json_type_array))
    for (size_t i = 0; i < json_object_array_length (flags); i++) {
      json_object *f = json_object_array_get_idx (flags, i);
      if (json_object_is_type (f, json_type_string))
        g_ptr_array_add (fv, g_strdup (json_object_get_string (f)));
    }
  g_ptr_array_add (fv, NULL);
  e->flags = (GStrv) g_ptr_array_free (fv, FALSE);
  const char *date = json_string_member (o, "internal_date");
  if (date) {
    e->date = g_date_time_new_from_iso8601 (date, NULL);
    if (e->date == NULL)
      entry_fail (e, "internal_date \"%s\" is not an RFC 3339 date-time", date);
  }
  const char *imdn = json_string_member (o, "imdn_message_id");
  e->imdn = imdn && *imdn ? g_strdup (imdn) : NULL;
  e->uidvalidity = json_u32_member (o, "uidvalidity");
  e->uid = json_u32_member (o, "uid");
  return e;
}

static gboolean
read_manifest (Run *run, const char *path)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  if (!g_file_get_contents (path, &text, NULL, &error)) {
    tool_error (SUB, "%s", error->message);
    return FALSE;
  }
  g_autofree char *base = g_path_get_dirname (path);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    g_strchomp (lines[i]);
    if (*lines[i] == '\0')
      continue;
    g_ptr_array_add (run->entries, entry_from_line (base, lines[i], i + 1));
  }
  run->manifest = g_strdup (path);
  return TRUE;
}

static gboolean
write_manifest (Run *run)
{
  if (run->manifest == NULL || !run->manifest_dirty)
    return TRUE;
  g_autoptr(GString) out = g_string_new (NULL);
  for (guint i = 0; i < run->entries->len; i++) {
    Entry *e = run->entries->pdata[i];
    if (e->json) {
      g_string_append (out, json_object_to_json_string_ext (
                                e->json, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    } else {
      g_string_append (out, e->raw);
    }
    g_string_append_c (out, '\n');
  }
  g_autoptr(GError) error = NULL;
  if (!tool_write_output (run->manifest, out->str, out->len, &error)) {
    tool_error (SUB, "cannot write %s: %s", run->manifest, error->message);
    run->io_failed = TRUE;
    return FALSE;
  }
  run->manifest_dirty = FALSE;
  return TRUE;
}

static void
record_uid (Run *run, Entry *e, guint32 uidvalidity, guint32 uid, EntryState state)
{
  e->uidvalidity = uidvalidity;
  e->uid = uid;
  e->state = state;
  if (e->json) {
    json_object_object_add (e->json, "uidvalidity", json_object_new_int64 (uidvalidity));
    json_object_object_add (e->json, "uid", json_object_new_int64 (uid));
    run->manifest_dirty = TRUE;
  }
}

/* ---- a directory without manifest ---- */

static gboolean
walk_directory (Run *run, const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmSource) src = cpm_source_new (dir, &error);
  if (src == NULL) {
    tool_error (SUB, "%s", error->message);
    return FALSE;
  }
  CpmSourceItem *item = NULL;
  while (cpm_source_next (src, &item, &error)) {
    Entry *e = g_new0 (Entry, 1);
    e->name = g_strdup (cpm_source_item_get_location (item));
    e->path = g_strdup (cpm_source_item_get_path (item));
    const char *folder = cpm_source_item_get_folder (item);
    e->folder = g_strdup (folder && *folder ? folder : "INBOX");
    e->flags = cpm_source_item_dup_imap_flags (item);
    const GError *ierr = cpm_source_item_get_error (item);
    if (ierr) {
      entry_fail (e, "%s", ierr->message);
    } else {
      e->data = crlf_bytes (cpm_source_item_get_bytes (item));
      e->imdn = header_value (e->data, "IMDN-Message-ID");
    }
    g_ptr_array_add (run->entries, e);
    cpm_source_item_unref (item);
  }
  if (error) {
    tool_error (SUB, "%s", error->message);
    return FALSE;
  }
  return TRUE;
}

/* ---- the server ---- */

static gboolean
connect_and_login (Run *run, GError **error)
{
  g_clear_pointer (&run->client, cpm_imap_client_unref);
  run->client = cpm_imap_client_new ();
  if (run->timeout > 0)
    cpm_imap_client_set_timeout (run->client, (guint) run->timeout);
  if (!cpm_imap_client_set_ca_file (run->client, run->ca_file, error))
    return FALSE;
  CpmImapConnectFlags flags = run->insecure ? CPM_IMAP_CONNECT_INSECURE : 0;
  return cpm_imap_client_connect (run->client, run->url, flags, NULL, error) &&
         cpm_imap_client_login (run->client, run->user, run->password, error);
}

static gboolean
is_closed (const GError *error)
{
  return g_error_matches (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_CLOSED);
}

/* After the connection broke: one new connection, or the run is over. */
static gboolean
recover (Run *run)
{
  if (run->connection_dead)
    return FALSE;
  g_autoptr(GError) error = NULL;
  if (connect_and_login (run, &error))
    return TRUE;
  tool_error (SUB, "reconnecting failed: %s", error->message);
  run->connection_dead = TRUE;
  return FALSE;
}

/* Objects without IMDN-Message-ID (media objects, 5.2.5) are the same
 * object when these fields agree. Bytes alone do not tell: a server stores
 * a body with NUL bytes (sent as a BINARY literal8) re-encoded in base64,
 * as Dovecot does, and FETCH BODY[] then differs from what was sent. */
static gboolean
same_identity (GBytes *a, GBytes *b)
{
  static const char *const fields[] = { "Date", "From", "To", "Message-ID", "Subject",
                                        "Conversation-ID", "Contribution-ID", "Content-Type",
                                        "Content-Disposition", "Content-ID" };
  gboolean any = FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++) {
    g_autofree char *va = header_value (a, fields[i]);
    g_autofree char *vb = header_value (b, fields[i]);
    if (g_strcmp0 (va, vb) != 0)
      return FALSE;
    any |= va != NULL;
  }
  return any;
}

/* Is the object on the server already? By the UID recorded in the manifest
 * (when the folder's UIDVALIDITY is still the same), else by a header
 * search: IMDN-Message-ID identifies a message object (5.2.1); objects
 * without one are searched by Message-ID or Date and compared byte for
 * byte. */
static gboolean
find_stored (Run *run, Entry *e, guint32 *uidvalidity, guint32 *uid, GError **error)
{
  CpmImapClient *c = run->client;
  guint32 validity = 0;
  if (!cpm_imap_client_select (c, e->folder, &validity, error))
    return FALSE;
  *uidvalidity = validity;
  *uid = 0;
  if (e->uid && e->uidvalidity == validity) {
    gboolean exists = FALSE;
    if (!cpm_imap_client_has_uid (c, e->folder, e->uid, &exists, error))
      return FALSE;
    if (exists) {
      *uid = e->uid;
      return TRUE;
    }
  }
  const char *key = "IMDN-Message-ID";
  g_autofree char *value = e->imdn ? g_strdup (e->imdn) : NULL;
  if (value == NULL && (value = header_value (e->data, "Message-ID")))
    key = "Message-ID";
  if (value == NULL && (value = header_value (e->data, "Date")))
    key = "Date";
  if (value == NULL || *value == '\0')
    return TRUE;
  g_autoptr(GArray) found = cpm_imap_client_search_header (c, e->folder, key, value, NULL, error);
  if (found == NULL)
    return FALSE;
  /* HEADER search matches substrings: confirm each candidate. */
  for (guint i = 0; i < found->len && i < MAX_CANDIDATES; i++) {
    guint32 u = g_array_index (found, guint32, i);
    g_autoptr(GBytes) body = cpm_imap_client_fetch (c, e->folder, u, error);
    if (body == NULL)
      return FALSE;
    gboolean same;
    if (e->imdn) {
      g_autofree char *v = header_value (body, "IMDN-Message-ID");
      same = g_strcmp0 (v, e->imdn) == 0;
    } else {
      same = g_bytes_equal (body, e->data) || same_identity (body, e->data);
    }
    if (same) {
      *uid = u;
      return TRUE;
    }
  }
  return TRUE;
}

static void
report_entry (Run *run, Entry *e)
{
  if (run->json) {
    json_object *o = json_object_new_object ();
    json_object_object_add (o, "file", json_object_new_string (e->name));
    json_object_object_add (o, "folder", json_object_new_string (e->folder ? e->folder : ""));
    const char *status = e->state == ENTRY_STORED    ? "stored"
                         : e->state == ENTRY_PRESENT ? "present"
                                                     : "failed";
    json_object_object_add (o, "status", json_object_new_string (status));
    if (e->imdn)
      json_object_object_add (o, "imdn_message_id", json_object_new_string (e->imdn));
    if (e->state == ENTRY_STORED || e->state == ENTRY_PRESENT) {
      json_object_object_add (o, "uidvalidity", json_object_new_int64 (e->uidvalidity));
      json_object_object_add (o, "uid", json_object_new_int64 (e->uid));
    }
    if (e->error)
      json_object_object_add (o, "error", json_object_new_string (e->error));
    printf ("%s\n", json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put (o);
  }
  if (e->state == ENTRY_FAILED) {
    /* After a lost connection, every object left says the same: name a few. */
    if (g_str_has_prefix (e->error, "not attempted") && ++run->n_not_attempted > 5)
      return;
    if (e->folder)
      tool_error (SUB, "%s: not stored in folder \"%s\": %s", e->name, e->folder, e->error);
    else
      tool_error (SUB, "%s: not stored: %s", e->name, e->error);
  }
}

/* Appends @batch (entries of one folder); on a refusal of the whole
 * MULTIAPPEND (all or nothing, RFC 3502) each one is tried alone so that
 * every object gets its own answer. */
static void
append_batch (Run *run, const char *folder, GPtrArray *batch)
{
  guint n = batch->len;
  g_autofree CpmImapAppendItem *items = g_new0 (CpmImapAppendItem, n);
  for (guint i = 0; i < n; i++) {
    Entry *e = batch->pdata[i];
    items[i].data = e->data;
    items[i].flags = (const char *const *) e->flags;
    items[i].internal_date = e->date;
  }
  g_autoptr(GError) error = NULL;
  guint32 validity = 0;
  if (cpm_imap_client_append_many (run->client, folder, items, n, &validity, &error)) {
    for (guint i = 0; i < n; i++)
      record_uid (run, batch->pdata[i], validity, items[i].uid, ENTRY_STORED);
    return;
  }
  if (n > 1 && !is_closed (error) &&
      !g_error_matches (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_UNSUPPORTED)) {
    for (guint i = 0; i < n; i++) {
      g_autoptr(GPtrArray) one = g_ptr_array_new ();
      g_ptr_array_add (one, batch->pdata[i]);
      append_batch (run, folder, one);
    }
    return;
  }
  /* Items before the failing one may be stored (one APPEND each): keep
   * their UIDs. */
  for (guint i = 0; i < n; i++) {
    Entry *e = batch->pdata[i];
    if (items[i].uid)
      record_uid (run, e, validity, items[i].uid, ENTRY_STORED);
    else
      entry_fail (e, "%s", error->message);
  }
  if (is_closed (error))
    recover (run);
}

/* On a terminal: how far the run is. */
static void
progress (Run *run)
{
  if (!run->progress)
    return;
  guint done = 0;
  for (guint i = 0; i < run->entries->len; i++)
    done += ((Entry *) run->entries->pdata[i])->state != ENTRY_PENDING;
  fprintf (stderr, "\rcpmobj append: %u/%u", done, run->entries->len);
  run->progress_shown = TRUE;
}

static gboolean
create_folder (Run *run, const char *folder, GPtrArray *entries)
{
  g_autoptr(GError) error = NULL;
  if (cpm_imap_client_create (run->client, folder, &error))
    return TRUE;
  if (is_closed (error) && recover (run)) {
    g_clear_error (&error);
    if (cpm_imap_client_create (run->client, folder, &error))
      return TRUE;
  }
  for (guint i = 0; i < entries->len; i++)
    entry_fail (entries->pdata[i], "cannot create the folder: %s", error->message);
  return FALSE;
}

/* TRUE when @e is to be stored; else it is present, failed, or the same
 * object (IMDN-Message-ID) as one before it in the folder. */
static gboolean
needs_store (Run *run, Entry *e, gboolean folder_was_empty, GHashTable *seen)
{
  if (e->imdn) {
    Entry *first = g_hash_table_lookup (seen, e->imdn);
    if (first) {
      e->same_as = first;
      return FALSE;
    }
    g_hash_table_insert (seen, e->imdn, e);
  }
  if (folder_was_empty)
    return TRUE;
  g_autoptr(GError) error = NULL;
  guint32 validity = 0, uid = 0;
  gboolean ok = find_stored (run, e, &validity, &uid, &error);
  if (!ok && is_closed (error) && recover (run)) {
    g_clear_error (&error);
    ok = find_stored (run, e, &validity, &uid, &error);
  }
  if (!ok) {
    entry_fail (e, "cannot tell whether it is stored: %s", error->message);
    return FALSE;
  }
  if (uid) {
    record_uid (run, e, validity, uid, ENTRY_PRESENT);
    return FALSE;
  }
  return TRUE;
}

static void
flush_batch (Run *run, const char *folder, GPtrArray *batch)
{
  if (batch->len == 0)
    return;
  if (run->connection_dead)
    for (guint i = 0; i < batch->len; i++)
      entry_fail (batch->pdata[i], "not attempted: the connection to the server is lost");
  else
    append_batch (run, folder, batch);
  write_manifest (run);
  for (guint i = 0; i < batch->len; i++)
    entry_drop_data (batch->pdata[i]);
  g_ptr_array_set_size (batch, 0);
  progress (run);
}

static void
store_folder (Run *run, const char *folder, GPtrArray *entries)
{
  if (!create_folder (run, folder, entries))
    return;
  /* An empty folder holds none of them: no need to look each one up. */
  gboolean empty = FALSE;
  if (cpm_imap_client_select (run->client, folder, NULL, NULL))
    empty = cpm_imap_client_get_message_count (run->client) == 0;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) batch = g_ptr_array_new ();
  gsize batch_bytes = 0;
  for (guint i = 0; i < entries->len; i++) {
    Entry *e = entries->pdata[i];
    if (run->connection_dead) {
      entry_fail (e, "not attempted: the connection to the server is lost");
      continue;
    }
    /* Objects are read when their folder's turn comes and dropped once
     * answered, so memory holds one batch, not the whole store. */
    if (!load_entry (e))
      continue;
    if (!needs_store (run, e, empty, seen)) {
      entry_drop_data (e);
      continue;
    }
    gsize size = g_bytes_get_size (e->data);
    if (batch->len >= BATCH_OBJECTS || (batch->len && batch_bytes + size > BATCH_BYTES)) {
      flush_batch (run, folder, batch);
      batch_bytes = 0;
    }
    g_ptr_array_add (batch, e);
    batch_bytes += size;
  }
  flush_batch (run, folder, batch);
  /* Two lines for one object (same IMDN-Message-ID) share its UID. */
  for (guint i = 0; i < entries->len; i++) {
    Entry *e = entries->pdata[i];
    if (e->same_as == NULL || e->state != ENTRY_PENDING)
      continue;
    if (e->same_as->state == ENTRY_STORED || e->same_as->state == ENTRY_PRESENT)
      record_uid (run, e, e->same_as->uidvalidity, e->same_as->uid, ENTRY_PRESENT);
    else
      entry_fail (e, "the same object (IMDN-Message-ID %s) as %s, which is not stored", e->imdn,
                  e->same_as->name);
  }
  write_manifest (run);
}

static void
store_all (Run *run)
{
  /* Folders in order of first appearance, objects in input order. */
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  g_autoptr(GHashTable) by_folder =
      g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_ptr_array_unref);
  for (guint i = 0; i < run->entries->len; i++) {
    Entry *e = run->entries->pdata[i];
    if (e->state != ENTRY_PENDING)
      continue;
    GPtrArray *list = g_hash_table_lookup (by_folder, e->folder);
    if (list == NULL) {
      list = g_ptr_array_new ();
      g_hash_table_insert (by_folder, e->folder, list);
      g_ptr_array_add (order, e->folder);
    }
    g_ptr_array_add (list, e);
  }
  for (guint i = 0; i < order->len; i++) {
    GPtrArray *list = g_hash_table_lookup (by_folder, order->pdata[i]);
    if (run->connection_dead) {
      for (guint j = 0; j < list->len; j++)
        entry_fail (list->pdata[j], "not attempted: the connection to the server is lost");
      continue;
    }
    store_folder (run, order->pdata[i], list);
  }
}

/* ---- options ---- */

static gboolean
read_password (Run *run)
{
  if (run->password_file) {
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    if (!g_file_get_contents (run->password_file, &text, NULL, &error)) {
      tool_error (SUB, "%s", error->message);
      return FALSE;
    }
    char *nl = strpbrk (text, "\r\n");
    if (nl)
      *nl = '\0';
    run->password = g_steal_pointer (&text);
    return TRUE;
  }
  const char *env = g_getenv ("CPMOBJ_IMAP_PASSWORD");
  if (env) {
    run->password = g_strdup (env);
    return TRUE;
  }
  tool_error (SUB, "no password: give --password-file FILE or set CPMOBJ_IMAP_PASSWORD");
  return FALSE;
}

static void
run_clear (Run *run)
{
  if (run->password) {
    memset (run->password, 0, strlen (run->password));
    g_free (run->password);
  }
  g_free (run->url);
  g_free (run->user);
  g_free (run->password_file);
  g_free (run->ca_file);
  g_free (run->manifest);
  if (run->entries)
    g_ptr_array_unref (run->entries);
  if (run->client)
    cpm_imap_client_unref (run->client);
}

static gboolean
load_input (Run *run, const char *input)
{
  if (g_file_test (input, G_FILE_TEST_IS_DIR)) {
    g_autofree char *m = g_build_filename (input, MANIFEST, NULL);
    if (g_file_test (m, G_FILE_TEST_IS_REGULAR))
      return read_manifest (run, m);
    return walk_directory (run, input);
  }
  if (!g_file_test (input, G_FILE_TEST_EXISTS)) {
    tool_error (SUB, "%s: no such file or directory", input);
    return FALSE;
  }
  return read_manifest (run, input);
}

static int
summarize (Run *run)
{
  if (run->progress_shown)
    fputc ('\n', stderr);
  guint stored = 0, present = 0, failed = 0;
  for (guint i = 0; i < run->entries->len; i++) {
    Entry *e = run->entries->pdata[i];
    report_entry (run, e);
    stored += e->state == ENTRY_STORED;
    present += e->state == ENTRY_PRESENT;
    failed += e->state == ENTRY_FAILED || e->state == ENTRY_PENDING;
  }
  if (run->n_not_attempted > 5)
    tool_error (SUB, "... and %u more objects not attempted", run->n_not_attempted - 5);
  if (failed || tool_progress_enabled ())
    fprintf (stderr, "cpmobj append: %u stored, %u already there, %u not stored\n", stored,
             present, failed);
  if (run->io_failed)
    return CPM_EXIT_USAGE;
  return failed ? CPM_EXIT_INVALID : CPM_EXIT_OK;
}

int
cmd_append (int argc, char **argv)
{
  Run run = { .timeout = 60 };
  /* before every "goto out": its cleanup runs there */
  g_autoptr(GError) error = NULL;
  int rc = CPM_EXIT_USAGE;
  GOptionEntry entries[] = {
    { "url", 0, 0, G_OPTION_ARG_STRING, &run.url,
      "server: imaps://HOST[:PORT] (default imaps://localhost) or imap://HOST[:PORT]", "URL" },
    { "user", 'u', 0, G_OPTION_ARG_STRING, &run.user, "user name (default: $USER)", "USER" },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &run.password_file,
      "read the password from the first line of FILE (else $CPMOBJ_IMAP_PASSWORD)", "FILE" },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &run.ca_file,
      "trust the certificates in this PEM file instead of the system's", "FILE" },
    { "insecure", 0, 0, G_OPTION_ARG_NONE, &run.insecure,
      "accept any server certificate (test servers only)", NULL },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &run.timeout, "seconds to wait for the server (60)",
      "S" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &run.json,
      "one JSON object per object on standard output", NULL },
    { NULL },
  };
  if (!tool_parse_options (SUB, "DIR|manifest.jsonl",
                           "Store objects in an IMAP message store (APPEND with UIDPLUS) and\n"
                           "record each object's UIDVALIDITY and UID in the manifest.\n"
                           "A re-run stores nothing twice.",
                           entries, &argc, &argv))
    goto out;
  if (argc != 2) {
    tool_error (SUB, "expected one DIR or manifest.jsonl (try --help)");
    goto out;
  }
  if (run.url == NULL)
    run.url = g_strdup ("imaps://localhost");
  if (run.user == NULL)
    run.user = g_strdup (g_get_user_name ());
  run.entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  run.progress = tool_progress_enabled ();
  if (!read_password (&run) || !load_input (&run, argv[1]))
    goto out;

  if (!connect_and_login (&run, &error)) {
    tool_error (SUB, "%s", error->message);
    for (guint i = 0; i < run.entries->len; i++) {
      Entry *e = run.entries->pdata[i];
      if (e->state == ENTRY_PENDING)
        entry_fail (e, "not attempted: %s", error->message);
    }
    /* Nothing was stored: that is a failure of the run (1), not a usage
     * error, unless the URL itself was wrong. */
    rc = g_error_matches (error, CPM_IMAP_ERROR, CPM_IMAP_ERROR_URL) ? CPM_EXIT_USAGE
                                                                      : CPM_EXIT_INVALID;
    if (run.json)
      summarize (&run);
    goto out;
  }
  store_all (&run);
  if (!run.connection_dead) {
    g_autoptr(GError) bye = NULL;
    cpm_imap_client_logout (run.client, &bye);
  }
  write_manifest (&run);
  rc = summarize (&run);
out:
  run_clear (&run);
  return rc;
}
