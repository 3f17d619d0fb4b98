/* cpmobj convert: exports and captures into store objects.
 *
 * Structure: options -> for each input, detect_input() names its family ->
 * the family's convert function reads it record by record and hands every
 * produced object to the sink (sink_object) and every record it does not
 * convert to the accounting (sink_skip). The sink writes the store tree,
 * manifest.jsonl, the mbox or object stream, the --append-script and the
 * --json lines; it knows nothing about input formats.
 *
 * Adding an input family (captures): add a value to InputFamily, a name in
 * families[], a test in detect_input(), and a convert_<family>() function
 * with the signature of ConvertFunc. Nothing else changes.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SUB "convert"
#define DETECT_BYTES 4096

/* ------------------------------------------------------------------------
 * Options
 * ------------------------------------------------------------------------ */

typedef struct {
  char *from;
  char *phony_domain;
  char *self;
  char *folder_by;
  char *accept_contact;
  char *profile_name;
  char *output;
  char *mbox;
  char *append_script;
  gboolean json;
  gboolean nms;
  char **inputs;
  CpmProfile profile;
  CpmLegacyOptions legacy;
} Options;

static void
options_clear (Options *o)
{
  g_free (o->from);
  g_free (o->phony_domain);
  g_free (o->self);
  g_free (o->folder_by);
  g_free (o->accept_contact);
  g_free (o->profile_name);
  g_free (o->output);
  g_free (o->mbox);
  g_free (o->append_script);
  g_strfreev (o->inputs);
}

/* ------------------------------------------------------------------------
 * Output files written atomically: a temporary file next to the target,
 * renamed over it when the run ends, removed when it fails.
 * ------------------------------------------------------------------------ */

typedef struct {
  char *path;
  char *tmp;
  FILE *fp;
} AtomicFile;

static mode_t
process_umask (void)
{
  static mode_t mask = (mode_t) -1;

  if (mask == (mode_t) -1) {
    mask = umask (022);
    umask (mask);
  }
  return mask;
}

static gboolean
atomic_open (AtomicFile *f, const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmpl = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  int fd;

  /* A pipe or a device (/dev/null, >(imap ...)) cannot be replaced by
   * rename: it is written directly. */
  if (g_file_test (path, G_FILE_TEST_EXISTS) && !g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
    f->fp = fopen (path, "wb");
    if (!f->fp) {
      g_set_error (error, CPM_ERROR, CPM_ERROR_IO, "%s: %s", path, g_strerror (errno));
      return FALSE;
    }
    f->path = g_strdup (path);
    return TRUE;
  }
  fd = g_mkstemp (tmpl);
  if (fd < 0) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_IO, "%s: %s", path, g_strerror (errno));
    return FALSE;
  }
  /* mkstemp makes 0600 files; outputs get the usual mode */
  fchmod (fd, 0666 & ~process_umask ());
  f->fp = fdopen (fd, "wb");
  f->path = g_strdup (path);
  f->tmp = g_steal_pointer (&tmpl);
  return TRUE;
}

static gboolean
atomic_commit (AtomicFile *f, gboolean keep, GError **error)
{
  gboolean ok = TRUE;

  if (!f->fp)
    return TRUE;
  if (fclose (f->fp) != 0)
    keep = ok = FALSE;
  f->fp = NULL;
  if (keep && f->tmp && g_rename (f->tmp, f->path) != 0)
    ok = FALSE;
  if (!ok)
    g_set_error (error, CPM_ERROR, CPM_ERROR_IO, "%s: %s", f->path, g_strerror (errno));
  if ((!keep || !ok) && f->tmp)
    g_unlink (f->tmp);
  g_clear_pointer (&f->path, g_free);
  g_clear_pointer (&f->tmp, g_free);
  return ok;
}

/* One object file: temporary name, then rename, so a reader of DIR never
 * sees half an object. No fsync: consistency for readers, not durability
 * against power loss, keeps 20k objects fast. The object files are ours
 * (never a pipe or device the user named): four system calls each (open,
 * write, close, rename), the mode from open() and the umask, a temporary
 * name of our own process; mkstemp only if that name is taken. */
static gboolean
write_file_atomic (const char *dir, const char *base, GBytes *bytes, GError **error)
{
  /* getpid() is a system call per object in glibc; the process does not
   * fork. Names by concatenation: printf per object was ~1.5k instructions. */
  static char pid[24];
  if (!*pid)
    g_snprintf (pid, sizeof pid, "%d", (int) getpid ());
  g_autofree char *path = g_strconcat (dir, "/", base, NULL);
  g_autofree char *tmp = g_strconcat (dir, "/.", base, ".", pid, ".tmp", NULL);
  gsize n = 0, done = 0;
  const guint8 *d = g_bytes_get_data (bytes, &n);
  int fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);

  if (fd < 0 && errno == EEXIST) {
    g_free (tmp);
    tmp = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
    if ((fd = g_mkstemp (tmp)) >= 0)
      fchmod (fd, 0666 & ~process_umask ());
  }
  if (fd < 0) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_IO, "%s: %s", path, g_strerror (errno));
    return FALSE;
  }
  while (done < n) {
    ssize_t w = write (fd, d + done, n - done);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      break;
    done += (gsize) w;
  }
  if (close (fd) != 0 || done < n || g_rename (tmp, path) != 0) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_IO, "%s: %s", path,
                 done < n ? "write failed" : g_strerror (errno));
    g_unlink (tmp);
    return FALSE;
  }
  return TRUE;
}

/* ------------------------------------------------------------------------
 * The sink: every produced object and every skipped record
 * ------------------------------------------------------------------------ */

/* One produced object, as a family hands it to the sink. */
typedef struct {
  CpmObject *object;
  const char *folder;         /* IMAP folder, "/" separated */
  const char *flags;          /* space separated IMAP flags, may be "" */
  GDateTime *internal_date;
  const char *source;         /* where it came from, for people */
} ConvertItem;

typedef struct {
  const Options *options;
  /* outputs */
  AtomicFile manifest;
  AtomicFile mbox;
  AtomicFile script;
  FILE *mbox_fp;   /* mbox.fp, or stdout for "-o -" */
  gboolean stream_json; /* "-o - --json": object lines on stdout */
  GHashTable *folders; /* folders made (directory, CREATE) */
  /* folders asked for recently, by a hash of their first bytes: key and
   * value in folders (never replaced). Sessions interleave in a capture
   * (only a third of objects follow one of their folder); a slot and a
   * strcmp are ~10 times cheaper than the table's hash of the whole name
   * and its lookup. */
  struct {
    const char *folder;
    const char *dir;
  } recent[64];
  guint tag;
  /* accounting */
  guint64 records;
  guint64 written;
  guint64 invalid;
  guint64 skipped;
  guint64 broken;
  guint64 repaired;
  GHashTable *reasons; /* reason class -> count (guint64 in a pointer) */
} Sink;

static void
json_print_line (FILE *out, json_object *o)
{
  fputs (json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN |
                                               JSON_C_TO_STRING_NOSLASHESCAPE), out);
  fputc ('\n', out);
}

/* @v in two digits, the first @pad when @v < 10. */
static char *
put2 (char *w, int v, char pad)
{
  w[0] = v >= 10 ? (char) ('0' + v / 10) : pad;
  w[1] = (char) ('0' + v % 10);
  return w + 2;
}

/* "12:00:00" */
static char *
put_hms (char *w, GDateTime *dt)
{
  w = put2 (w, g_date_time_get_hour (dt), '0');
  *w++ = ':';
  w = put2 (w, g_date_time_get_minute (dt), '0');
  *w++ = ':';
  return put2 (w, g_date_time_get_second (dt), '0');
}

static char *
rfc3339 (GDateTime *dt)
{
  int y, mo, d;

  /* by hand: g_date_time_format() was 3% of a capture conversion, and
   * g_strdup_printf() still 1.4% */
  g_date_time_get_ymd (dt, &y, &mo, &d);
  if (y < 1000 || y > 9999)
    return g_strdup_printf ("%d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, g_date_time_get_hour (dt),
                            g_date_time_get_minute (dt), g_date_time_get_second (dt));
  char *out = g_malloc (21), *w = out;
  w = put2 (put2 (w, y / 100, '0'), y % 100, '0');
  *w++ = '-';
  w = put2 (w, mo, '0');
  *w++ = '-';
  w = put2 (w, d, '0');
  *w++ = 'T';
  w = put_hms (w, dt);
  *w++ = 'Z';
  *w = '\0';
  return out;
}

static json_object *
flags_array (const char *flags)
{
  json_object *a = json_object_new_array ();
  g_auto (GStrv) v = g_strsplit (flags, " ", -1);

  for (guint i = 0; v[i]; i++)
    if (*v[i])
      json_object_array_add (a, json_object_new_string (v[i]));
  return a;
}

/* A member that is not there yet, named by a string literal: json-c then
 * neither copies the name nor looks for it first (a manifest line per
 * object; the lookups and copies were ~15% of its cost). */
static void
member_new (json_object *o, const char *key, json_object *value)
{
  json_object_object_add_ex (o, key, value,
                             JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_KEY_IS_CONSTANT);
}

/* The manifest members of one object (cpmobj-convert(1), OUTPUT). */
static json_object *
manifest_entry (const ConvertItem *item, const char *file, const CpmReport *report)
{
  json_object *o = json_object_new_object ();
  g_autofree char *date = rfc3339 (item->internal_date);
  const char *imdn = cpm_object_get_header (item->object, "IMDN-Message-ID");
  const char *conv = cpm_object_get_header (item->object, "Conversation-ID");

  if (file)
    member_new (o, "file", json_object_new_string (file));
  member_new (o, "folder", json_object_new_string (item->folder));
  member_new (o, "kind",
              json_object_new_string (cpm_kind_to_string (cpm_object_get_kind (item->object))));
  member_new (o, "flags", flags_array (item->flags));
  member_new (o, "internal_date", json_object_new_string (date));
  member_new (o, "imdn_message_id", imdn ? json_object_new_string (imdn) : NULL);
  member_new (o, "conversation_id", conv ? json_object_new_string (conv) : NULL);
  member_new (o, "source", json_object_new_string (item->source));
  member_new (o, "valid", json_object_new_boolean (cpm_report_is_valid (report)));
  if (!cpm_report_is_valid (report)) {
    json_object *rules = json_object_new_array ();
    for (guint i = 0; i < cpm_report_get_count (report); i++)
      if (cpm_report_get (report, i)->severity == CPM_SEVERITY_ERROR)
        json_object_array_add (rules, json_object_new_string (cpm_report_get (report, i)->rule));
    member_new (o, "rules", rules);
  }
  return o;
}

static char *
put3 (char *w, const char *name)
{
  memcpy (w, name, 3);
  return w + 3;
}

/* The English names of the mbox "From " line (ctime's form) and of an
 * IMAP date-time (RFC 3501 date-month), whatever the user's locale:
 * g_date_time_format() translates %a and %b, and in a UTF-8 locale pads
 * %e with U+2007. @date is UTC. Digits by hand, not printf: the mbox of
 * `convert -o -` writes one such line per object (g_snprintf was ~2% of
 * the conversion). */
static void
c_date (char buf[40], GDateTime *date, gboolean mbox)
{
  static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  static const char days[7][4] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  int y, mo, d;
  char *w = buf;

  g_date_time_get_ymd (date, &y, &mo, &d);
  y = CLAMP (y, 0, 9999);
  if (mbox) { /* "Wed May  1 12:00:00 2024" */
    w = put3 (w, days[g_date_time_get_day_of_week (date) - 1]);
    *w++ = ' ';
    w = put3 (w, months[mo - 1]);
    *w++ = ' ';
    w = put2 (w, d, ' ');
  } else { /* "01-May-2024 12:00:00 +0000" */
    w = put2 (w, d, '0');
    *w++ = '-';
    w = put3 (w, months[mo - 1]);
    *w++ = '-';
    w = put2 (put2 (w, y / 100, '0'), y % 100, '0');
  }
  *w++ = ' ';
  w = put_hms (w, date);
  if (mbox) { /* ctime's year: no leading zeros */
    char t[4];
    int n = 0;
    *w++ = ' ';
    do
      t[n++] = (char) ('0' + y % 10);
    while ((y /= 10) > 0);
    while (n > 0)
      *w++ = t[--n];
  } else {
    memcpy (w, " +0000", 6);
    w += 6;
  }
  *w = '\0';
}

/* mboxrd: "From " lines, and lines that already are ">From ", get one
 * more ">"; the separator line carries the internal date. */
static void
mbox_write (FILE *out, GBytes *bytes, GDateTime *date)
{
  /* the separator line assembled here and written at once (fprintf's
   * format parse cost more than the rest of the line) */
  static const char from[] = "From cpmobj@localhost ";
  char sep[sizeof from - 1 + 40 + 1];
  gsize n = 0, sep_len;
  const char *p = g_bytes_get_data (bytes, &n), *end = p + n;

  const char *run = p; /* bytes not yet written: one fwrite per run of plain lines */

  memcpy (sep, from, sizeof from - 1);
  c_date (sep + sizeof from - 1, date, TRUE);
  sep_len = strlen (sep);
  sep[sep_len++] = '\n';
  fwrite (sep, 1, sep_len, out);
  while (p < end) {
    const char *nl = memchr (p, '\n', (gsize) (end - p));
    const char *q = p;
    gsize len = nl ? (gsize) (nl - p) + 1 : (gsize) (end - p);
    while (q < p + len && *q == '>')
      q++;
    if ((gsize) (p + len - q) >= 5 && memcmp (q, "From ", 5) == 0) {
      fwrite (run, 1, (gsize) (p - run), out);
      fputc ('>', out);
      run = p;
    }
    p += len;
  }
  fwrite (run, 1, (gsize) (end - run), out);
  if (n == 0 || ((const char *) g_bytes_get_data (bytes, NULL))[n - 1] != '\n')
    fputc ('\n', out);
  fputc ('\n', out);
}

static char *
imap_quote (const char *s)
{
  GString *q = g_string_new ("\"");

  for (; *s; s++) {
    if (*s == '"' || *s == '\\')
      g_string_append_c (q, '\\');
    g_string_append_c (q, *s);
  }
  g_string_append_c (q, '"');
  return g_string_free (q, FALSE);
}

/* RFC 3501 6.3.11 APPEND with an RFC 7888 LITERAL+ literal, after a CREATE
 * the first time a folder is met (a CREATE of an existing folder fails
 * harmlessly). */
static void
script_write (Sink *s, const ConvertItem *item, GBytes *bytes, gboolean new_folder)
{
  g_autofree char *folder = imap_quote (item->folder);
  char date[40];
  FILE *out = s->script.fp;

  c_date (date, item->internal_date, FALSE);

  if (new_folder)
    fprintf (out, "C%u CREATE %s\r\n", ++s->tag, folder);
  fprintf (out, "A%u APPEND %s (%s) \"%s\" {%" G_GSIZE_FORMAT "+}\r\n", ++s->tag, folder,
           item->flags, date, g_bytes_get_size (bytes));
  fwrite (g_bytes_get_data (bytes, NULL), 1, g_bytes_get_size (bytes), out);
  fputs ("\r\n", out);
}

/* The folder's directory under -o DIR: IMAP "/" hierarchy becomes
 * subdirectories; names are used as they are otherwise. */
static gboolean
ensure_folder_dir (const char *dir, GError **error)
{
  if (g_mkdir_with_parents (dir, 0755) != 0) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_IO, "%s: %s", dir, g_strerror (errno));
    return FALSE;
  }
  return TRUE;
}

static gboolean
output_is_dir (const Options *o)
{
  return o->output && strcmp (o->output, "-") != 0;
}

/* The verdict on what is written: the validator on @bytes parsed again, as
 * `cpmobj validate` reads the file. Parsing is not needed for a valid object
 * whose re-parse is known to be itself (cpm_object_round_trips, whose
 * comment in cpm-object.c says what only the bytes can show and why each is
 * ruled out): its report then has the re-parse's rules, lines aside, and of
 * a valid object only that bit is used (manifest_entry, report_invalid).
 * Anything else, every invalid object included, is parsed, so diagnostics,
 * their lines and the --json "rules" are the written bytes' own.
 * fuzz/fuzz-built-valid.c checks the built verdict against the re-parse. */
static CpmReport *
validate_bytes (const CpmObject *object, GBytes *bytes, CpmProfile profile)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CpmObject) parsed = NULL;
  CpmReport *report;

  if (cpm_object_round_trips (object, NULL)) {
    report = cpm_validate (object, profile);
    if (cpm_report_is_valid (report))
      return report;
    cpm_report_unref (report);
  }
  parsed = cpm_object_parse (bytes, NULL, &error);
  if (parsed)
    return cpm_validate (parsed, profile);
  report = cpm_report_new ();
  cpm_report_add (report, "object.unparsable", CPM_SEVERITY_ERROR, "5.2.1", NULL, 0, "%s",
                  error->message);
  return report;
}

static void
report_invalid (const ConvertItem *item, const CpmReport *report)
{
  for (guint i = 0; i < cpm_report_get_count (report); i++) {
    const CpmDiagnostic *d = cpm_report_get (report, i);
    if (d->severity == CPM_SEVERITY_ERROR)
      tool_error (SUB, "%s: object invalid: line %u: %s [%s] %s", item->source, d->line,
                  d->rule, d->section, d->message);
  }
}

/* --nms: the object as the REST binding's NMS JSON (seed 004), one line,
 * with the folder and flags the store layout gives it. */
static gboolean
print_nms (const ConvertItem *item, GError **error)
{
  g_auto (GStrv) flags = g_strsplit (item->flags ? item->flags : "", " ", -1);
  g_autoptr (GPtrArray) list = g_ptr_array_new ();
  for (guint i = 0; flags[i]; i++)
    if (*flags[i])
      g_ptr_array_add (list, flags[i]);
  g_ptr_array_add (list, NULL);
  CpmNmsOptions opts = { .folder_path = item->folder,
                         .flags = (const char *const *) list->pdata };
  g_autofree char *line = cpm_nms_to_string (item->object, &opts, error);
  if (!line)
    return FALSE;
  puts (line);
  return TRUE;
}

static guint
folder_slot (const char *folder)
{
  guint h = 0;

  for (guint i = 0; i < 8 && folder[i]; i++)
    h = h * 31 + (guchar) folder[i];
  return h % 64;
}

/* The folder's directory (NULL: not made yet); remembered in its slot. */
static const char *
folder_dir (Sink *s, const char *folder)
{
  guint slot = folder_slot (folder);
  char *key;
  char *dir;

  if (s->recent[slot].folder && strcmp (s->recent[slot].folder, folder) == 0)
    return s->recent[slot].dir;
  if (!g_hash_table_lookup_extended (s->folders, folder, (gpointer *) &key, (gpointer *) &dir))
    return NULL;
  s->recent[slot].folder = key;
  s->recent[slot].dir = dir;
  return dir;
}

/* Writes one object to every output asked for. */
static gboolean
sink_object (Sink *s, const ConvertItem *item, GError **error)
{
  const Options *o = s->options;
  /* the library's buffer, lent: every use of the bytes ends in here */
  g_autoptr (GBytes) bytes = cpm_object_serialize (item->object);
  g_autoptr (CpmReport) report = validate_bytes (item->object, bytes, o->profile);
  g_autofree char *file = NULL;
  /* folder -> its directory under -o DIR (or "" without one) */
  const char *dir = folder_dir (s, item->folder);
  gboolean new_folder = dir == NULL;
  json_object *entry;

  if (!cpm_report_is_valid (report)) {
    s->invalid++;
    report_invalid (item, report);
  }
  if (new_folder) {
    char *d = output_is_dir (o) ? g_build_filename (o->output, item->folder, NULL) : g_strdup ("");
    g_hash_table_insert (s->folders, g_strdup (item->folder), d);
    dir = d;
  }
  if (output_is_dir (o)) {
    /* named by its IMDN-Message-ID: looked up only for a file */
    const char *imdn = cpm_object_get_header (item->object, "IMDN-Message-ID");
    g_autofree char *base = g_strconcat (imdn ? imdn : "object", ".eml", NULL);
    file = g_strconcat (item->folder, "/", base, NULL);
    if ((new_folder && !ensure_folder_dir (dir, error)) ||
        !write_file_atomic (dir, base, bytes, error))
      return FALSE;
  }
  /* Built only for a manifest line or --json output (-o - alone needs
   * neither). */
  entry = s->manifest.fp || o->json ? manifest_entry (item, file, report) : NULL;
  if (s->manifest.fp)
    json_print_line (s->manifest.fp, entry);
  if (s->mbox_fp)
    mbox_write (s->mbox_fp, bytes, item->internal_date);
  if (s->script.fp)
    script_write (s, item, bytes, new_folder);
  if (o->nms && !print_nms (item, error)) {
    json_object_put (entry);
    return FALSE;
  }
  if (o->json) {
    member_new (entry, "status", json_object_new_string ("converted"));
    if (s->stream_json) {
      g_autofree char *b64 = g_base64_encode (g_bytes_get_data (bytes, NULL),
                                              g_bytes_get_size (bytes));
      member_new (entry, "object", json_object_new_string (b64));
    }
    json_print_line (stdout, entry);
  }
  json_object_put (entry);
  s->written++;
  return TRUE;
}

/* "unreadable date 'hier'" -> "unreadable date": the class counted in the
 * summary. */
static char *
reason_class (const char *reason)
{
  gsize n = strcspn (reason, "':(");

  while (n > 0 && reason[n - 1] == ' ')
    n--;
  return g_strndup (reason, n);
}

/* A record that becomes no object. @broken: the record is damaged (exit
 * status 1), as opposed to one that is not meant to be stored (a draft). */
static void
sink_skip (Sink *s, const char *source, const char *reason, gboolean broken)
{
  g_autofree char *cls = reason_class (reason);
  guint64 n = GPOINTER_TO_SIZE (g_hash_table_lookup (s->reasons, cls));

  s->skipped++;
  if (broken)
    s->broken++;
  g_hash_table_insert (s->reasons, g_steal_pointer (&cls), GSIZE_TO_POINTER (n + 1));
  tool_error (SUB, "%s: skipped: %s", source ? source : "-", reason);
  if (s->options->json) {
    json_object *o = json_object_new_object ();
    json_object_object_add (o, "status", json_object_new_string ("skipped"));
    json_object_object_add (o, "source", json_object_new_string (source ? source : "-"));
    json_object_object_add (o, "reason", json_object_new_string (reason));
    json_object_object_add (o, "broken", json_object_new_boolean (broken));
    json_print_line (stdout, o);
    json_object_put (o);
  }
}

static void
sink_progress (const Sink *s)
{
  if (s->records % 1000 == 0 && tool_progress_enabled ())
    fprintf (stderr, "\rcpmobj convert: %" G_GUINT64_FORMAT " records", s->records);
}

static gboolean
sink_open (Sink *s, const Options *o, GError **error)
{
  s->options = o;
  s->folders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  s->reasons = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (output_is_dir (o)) {
    g_autofree char *manifest = g_build_filename (o->output, "manifest.jsonl", NULL);
    if (g_mkdir_with_parents (o->output, 0755) != 0) {
      g_set_error (error, CPM_ERROR, CPM_ERROR_IO, "%s: %s", o->output, g_strerror (errno));
      return FALSE;
    }
    if (!atomic_open (&s->manifest, manifest, error))
      return FALSE;
  }
  if (o->output && strcmp (o->output, "-") == 0) {
    if (o->json)
      s->stream_json = TRUE;
    else
      s->mbox_fp = stdout;
  }
  if (o->mbox && strcmp (o->mbox, "-") == 0)
    s->mbox_fp = stdout;
  else if (o->mbox) {
    if (!atomic_open (&s->mbox, o->mbox, error))
      return FALSE;
    s->mbox_fp = s->mbox.fp;
  }
  if (o->append_script && !atomic_open (&s->script, o->append_script, error))
    return FALSE;
  return TRUE;
}

/* Ends the outputs: renamed into place when @ok, removed otherwise. */
static gboolean
sink_close (Sink *s, gboolean ok, GError **error)
{
  gboolean done = TRUE;

  if (s->script.fp && ok)
    fprintf (s->script.fp, "Z%u LOGOUT\r\n", ++s->tag);
  done &= atomic_commit (&s->manifest, ok, done ? error : NULL);
  done &= atomic_commit (&s->mbox, ok, done ? error : NULL);
  done &= atomic_commit (&s->script, ok, done ? error : NULL);
  if (fflush (stdout) != 0 && done) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_IO, "cannot write to standard output");
    done = FALSE;
  }
  g_hash_table_unref (s->folders);
  g_hash_table_unref (s->reasons);
  return done;
}

static int
compare_keys (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static void
sink_summary (const Sink *s)
{
  g_autofree gpointer *keys = NULL;
  guint n = 0;

  if (tool_progress_enabled () && s->records >= 1000)
    fputc ('\n', stderr);
  fprintf (stderr,
           "cpmobj convert: %" G_GUINT64_FORMAT " records read, %" G_GUINT64_FORMAT
           " objects written (%" G_GUINT64_FORMAT " invalid), %" G_GUINT64_FORMAT
           " skipped, %" G_GUINT64_FORMAT " surrogate pairs repaired\n",
           s->records, s->written, s->invalid, s->skipped, s->repaired);
  keys = g_hash_table_get_keys_as_array (s->reasons, &n);
  qsort (keys, n, sizeof *keys, compare_keys);
  for (guint i = 0; i < n; i++)
    fprintf (stderr, "cpmobj convert:   skipped %" G_GSIZE_FORMAT ": %s\n",
             GPOINTER_TO_SIZE (g_hash_table_lookup (s->reasons, keys[i])), (char *) keys[i]);
}

/* ------------------------------------------------------------------------
 * Input families
 * ------------------------------------------------------------------------ */

typedef enum {
  INPUT_UNKNOWN,
  INPUT_SMS_XML,
  INPUT_JSONL,
  INPUT_MMS_PDU,
  INPUT_PCAP,
  INPUT_SIP_TEXT,
  INPUT_CPIM,
} InputFamily;

/* Converts one input. Returns FALSE with @error set when the input cannot
 * be read on (records met before were converted). */
typedef gboolean (*ConvertFunc) (Sink *sink, GInputStream *input, const char *name,
                                 InputFamily family, GError **error);

static gboolean convert_legacy (Sink *sink, GInputStream *input, const char *name,
                                InputFamily family, GError **error);
static gboolean convert_capture (Sink *sink, GInputStream *input, const char *name,
                                 InputFamily family, GError **error);

static const struct {
  const char *name;
  InputFamily family;
  ConvertFunc convert;
} families[] = {
  { "sms-xml", INPUT_SMS_XML, convert_legacy },
  { "jsonl", INPUT_JSONL, convert_legacy },
  { "mms-pdu", INPUT_MMS_PDU, convert_legacy },
  { "pcap", INPUT_PCAP, convert_capture },
  { "sip-text", INPUT_SIP_TEXT, convert_capture },
  { "cpim", INPUT_CPIM, convert_capture },
};

/* The family of an input from its first bytes. */
static InputFamily
detect_input (const guint8 *head, gsize len)
{
  switch (cpm_legacy_detect_format (head, len)) {
  case CPM_LEGACY_FORMAT_SMS_XML: return INPUT_SMS_XML;
  case CPM_LEGACY_FORMAT_JSONL: return INPUT_JSONL;
  case CPM_LEGACY_FORMAT_MMS_PDU: return INPUT_MMS_PDU;
  default: break;
  }
  switch (cpm_capture_detect_format (head, len)) {
  case CPM_CAPTURE_FORMAT_PCAP:
  case CPM_CAPTURE_FORMAT_PCAPNG: return INPUT_PCAP;
  case CPM_CAPTURE_FORMAT_TEXT: return INPUT_SIP_TEXT;
  case CPM_CAPTURE_FORMAT_CPIM: return INPUT_CPIM;
  default: return INPUT_UNKNOWN;
  }
}

/* --- legacy SMS/MMS exports --- */

static CpmLegacyFormat
legacy_format (InputFamily family)
{
  switch (family) {
  case INPUT_SMS_XML: return CPM_LEGACY_FORMAT_SMS_XML;
  case INPUT_MMS_PDU: return CPM_LEGACY_FORMAT_MMS_PDU;
  default: return CPM_LEGACY_FORMAT_JSONL;
  }
}

static gboolean
convert_legacy_record (Sink *s, CpmLegacyMessage *m, GError **error)
{
  const CpmLegacyOptions *lo = &s->options->legacy;
  g_autoptr (GError) local = NULL;
  g_autoptr (CpmObject) object = NULL;
  g_autoptr (GDateTime) date = NULL;
  g_autofree char *folder = NULL;
  ConvertItem item;

  if (m->skip_reason) {
    sink_skip (s, m->source, m->skip_reason, TRUE);
    return TRUE;
  }
  if (m->box != CPM_LEGACY_BOX_RECEIVED && m->box != CPM_LEGACY_BOX_SENT) {
    sink_skip (s, m->source, cpm_legacy_box_to_string (m->box), FALSE);
    return TRUE;
  }
  object = cpm_legacy_to_object (m, lo, &local);
  if (!object) {
    sink_skip (s, m->source, local->message, TRUE);
    return TRUE;
  }
  /* The object already carries its Conversation-ID: no second derivation. */
  folder = lo->folder_by == CPM_LEGACY_FOLDER_BY_CONVERSATION
             ? g_strdup (cpm_object_get_header (object, "Conversation-ID"))
             : cpm_legacy_folder_name (m, lo);
  date = g_date_time_new_from_unix_utc (m->date_ms / 1000);
  item = (ConvertItem) { object, folder, cpm_legacy_flags (m), date,
                         m->source ? m->source : "-" };
  return sink_object (s, &item, error);
}

static gboolean
convert_legacy (Sink *s, GInputStream *input, const char *name, InputFamily family,
                GError **error)
{
  g_autoptr (CpmLegacyReader) reader = cpm_legacy_reader_new (legacy_format (family), input, name);
  gboolean ok = TRUE;
  CpmLegacyMessage *m;

  while (ok && (m = cpm_legacy_reader_next (reader, error))) {
    s->records++;
    ok = convert_legacy_record (s, m, error);
    cpm_legacy_message_unref (m);
    sink_progress (s);
  }
  s->repaired += cpm_legacy_reader_get_repaired (reader);
  return ok && (!error || !*error);
}

/* --- captures: SIP, MSRP and CPIM (cpm-capture, cpm-convert) --- */

typedef struct {
  Sink *sink;
  CpmConverter *converter;
  guint64 base; /* records of the inputs before this one */
} CaptureRun;

static void
capture_progress (CaptureRun *run)
{
  guint64 before = run->sink->records;

  run->sink->records = run->base + cpm_converter_get_records (run->converter);
  /* the line sink_progress() writes, each time a thousand more are read */
  if (run->sink->records / 1000 != before / 1000 && tool_progress_enabled ())
    fprintf (stderr, "\rcpmobj convert: %" G_GUINT64_FORMAT " records", run->sink->records);
}

static gboolean
capture_object (const CpmConvertItem *item, gpointer data, GError **error)
{
  CaptureRun *run = data;
  ConvertItem ci = { item->object, item->folder, item->flags, item->internal_date, item->source };

  capture_progress (run);
  return sink_object (run->sink, &ci, error);
}

static void
capture_skip (const char *source, const char *reason, gboolean broken, gpointer data)
{
  CaptureRun *run = data;

  capture_progress (run);
  sink_skip (run->sink, source, reason, broken);
}

/* Damage of the capture itself (TCP gaps, fragments, cut files): named
 * as met; an error makes the exit status 1 as a broken record does. */
static void
capture_report (Sink *s, const char *name, const CpmReport *report)
{
  for (guint i = 0; i < cpm_report_get_count (report); i++) {
    const CpmDiagnostic *d = cpm_report_get (report, i);
    tool_error (SUB, "%s: %s: %s [%s]", name, cpm_severity_to_string (d->severity), d->message,
                d->rule);
    if (d->severity == CPM_SEVERITY_ERROR)
      s->broken++;
    if (s->options->json) {
      json_object *o = json_object_new_object ();
      json_object_object_add (o, "status", json_object_new_string ("damaged"));
      json_object_object_add (o, "source", json_object_new_string (name));
      json_object_object_add (o, "rule", json_object_new_string (d->rule));
      json_object_object_add (o, "severity",
                              json_object_new_string (cpm_severity_to_string (d->severity)));
      json_object_object_add (o, "message", json_object_new_string (d->message));
      json_print_line (stdout, o);
      json_object_put (o);
    }
  }
}

static gboolean
convert_capture (Sink *s, GInputStream *input, const char *name, InputFamily family,
                 GError **error)
{
  CaptureRun run = { s, NULL, s->records };
  g_autoptr (CpmConverter) conv = cpm_converter_new (s->options->profile, capture_object,
                                                     capture_skip, &run);
  g_autoptr (CpmReport) report = cpm_report_new ();
  CpmCaptureFormat format = family == INPUT_PCAP ? CPM_CAPTURE_FORMAT_PCAP
                            : family == INPUT_CPIM ? CPM_CAPTURE_FORMAT_CPIM
                                                   : CPM_CAPTURE_FORMAT_TEXT;
  gboolean ok;

  run.converter = conv;
  ok = cpm_convert_capture (conv, input, name, format, report, error);
  ok = cpm_converter_finish (conv, ok ? error : NULL) && ok;
  s->records = run.base + cpm_converter_get_records (conv);
  capture_report (s, name, report);
  return ok;
}

/* ------------------------------------------------------------------------
 * Driver
 * ------------------------------------------------------------------------ */

static GInputStream *
open_input (const char *path, GError **error)
{
  /* Standard input through /dev/stdin, as cpm-source does (gio-unix is
   * not a dependency). */
  g_autoptr (GFile) file = g_file_new_for_path (strcmp (path, "-") == 0 ? "/dev/stdin" : path);
  GInputStream *raw = G_INPUT_STREAM (g_file_read (file, NULL, error));
  GInputStream *buffered;

  if (!raw)
    return NULL;
  buffered = g_buffered_input_stream_new_sized (raw, 65536);
  g_object_unref (raw);
  return buffered;
}

static InputFamily
family_of (const Options *o, GInputStream *in, GError **error)
{
  gsize n = 0;
  const guint8 *head;

  if (o->from) {
    for (guint i = 0; i < G_N_ELEMENTS (families); i++)
      if (strcmp (families[i].name, o->from) == 0)
        return families[i].family;
    return INPUT_UNKNOWN;
  }
  if (g_buffered_input_stream_fill (G_BUFFERED_INPUT_STREAM (in), DETECT_BYTES, NULL, error) < 0)
    return INPUT_UNKNOWN;
  head = g_buffered_input_stream_peek_buffer (G_BUFFERED_INPUT_STREAM (in), &n);
  return detect_input (head, n);
}

static ConvertFunc
convert_func (InputFamily family)
{
  for (guint i = 0; i < G_N_ELEMENTS (families); i++)
    if (families[i].family == family)
      return families[i].convert;
  return NULL;
}

/* Returns FALSE on an I/O or fatal input error (reported). */
static gboolean
convert_input (Sink *s, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInputStream) in = open_input (path, &error);
  const char *name = strcmp (path, "-") == 0 ? "<stdin>" : path;
  InputFamily family;

  if (!in) {
    tool_error (SUB, "%s", error->message);
    return FALSE;
  }
  family = family_of (s->options, G_INPUT_STREAM (in), &error);
  if (family == INPUT_UNKNOWN) {
    tool_error (SUB, "%s: %s", name,
                error ? error->message : "input format not recognised (use --from)");
    return FALSE;
  }
  if (!convert_func (family) (s, G_INPUT_STREAM (in), name, family, &error)) {
    tool_error (SUB, "%s", error ? error->message : "conversion failed");
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_options (Options *o)
{
  if (!o->inputs || !o->inputs[0]) {
    tool_error (SUB, "no input given (a file, or - for standard input; try --help)");
    return FALSE;
  }
  if (!tool_parse_profile (SUB, o->profile_name, &o->profile))
    return FALSE;
  if (o->from && !convert_func (family_of (o, NULL, NULL))) {
    tool_error (SUB, "unknown --from '%s' (one of sms-xml, jsonl, mms-pdu, pcap, sip-text, cpim)",
                o->from);
    return FALSE;
  }
  if (o->folder_by && strcmp (o->folder_by, "conversation") != 0 &&
      strcmp (o->folder_by, "peer") != 0) {
    tool_error (SUB, "unknown --folder-by '%s' (conversation or peer)", o->folder_by);
    return FALSE;
  }
  if (o->mbox && strcmp (o->mbox, "-") == 0 && o->output && strcmp (o->output, "-") == 0) {
    tool_error (SUB, "-o - and --mbox - both write to standard output");
    return FALSE;
  }
  if (o->nms && (o->json || (o->output && strcmp (o->output, "-") == 0) ||
                 (o->mbox && strcmp (o->mbox, "-") == 0))) {
    tool_error (SUB, "--nms writes to standard output: not with --json, -o - or --mbox -");
    return FALSE;
  }
  if (o->accept_contact &&
      !cpm_check_accept_contact (o->accept_contact, strlen (o->accept_contact), NULL)) {
    tool_error (SUB, "--accept-contact '%s' is not an RFC 3841 Accept-Contact value",
                o->accept_contact);
    return FALSE;
  }
  cpm_legacy_options_init (&o->legacy);
  if (o->phony_domain)
    o->legacy.phony_domain = o->phony_domain;
  o->legacy.self_address = o->self;
  o->legacy.accept_contact = o->accept_contact;
  o->legacy.profile = o->profile;
  if (o->folder_by && strcmp (o->folder_by, "peer") == 0)
    o->legacy.folder_by = CPM_LEGACY_FOLDER_BY_PEER;
  return TRUE;
}

int
cmd_convert (int argc, char **argv)
{
  Options o = { 0 };
  GOptionEntry entries[] = {
    { "from", 0, 0, G_OPTION_ARG_STRING, &o.from, "Input format (sms-xml, jsonl, mms-pdu, pcap, sip-text, cpim)", "FORMAT" },
    { "phony-domain", 0, 0, G_OPTION_ARG_STRING, &o.phony_domain,
      "Domain appended to telephone numbers (default phony.com)", "DOMAIN" },
    { "self", 0, 0, G_OPTION_ARG_STRING, &o.self, "The device owner's number", "NUMBER" },
    { "folder-by", 0, 0, G_OPTION_ARG_STRING, &o.folder_by,
      "Name folders by conversation (default) or peer", "HOW" },
    { "accept-contact", 0, 0, G_OPTION_ARG_STRING, &o.accept_contact,
      "Accept-Contact value for every object", "VALUE" },
    { "profile", 0, 0, G_OPTION_ARG_STRING, &o.profile_name, "Profile 1.0, 2.0, 2.1, 2.2", "P" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &o.output,
      "Store tree and manifest.jsonl in DIR; - for a stream on stdout", "DIR" },
    { "mbox", 0, 0, G_OPTION_ARG_FILENAME, &o.mbox, "Write the objects to an mbox", "FILE" },
    { "append-script", 0, 0, G_OPTION_ARG_FILENAME, &o.append_script,
      "Write an IMAP APPEND command stream", "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &o.json, "One JSON line per record on stdout", NULL },
    { "nms", 0, 0, G_OPTION_ARG_NONE, &o.nms,
      "One OMA NMS JSON object per produced object on stdout (REST binding)", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o.inputs, NULL, "INPUT..." },
    { NULL },
  };
  g_autoptr (GError) error = NULL;
  Sink sink = { 0 };
  gboolean io_ok = TRUE;
  int rc;

  if (!tool_parse_options (SUB, "INPUT...|-",
                           "Convert SMS/MMS exports (Android SMS Backup & Restore XML, JSON "
                           "lines, MMS PDUs)\nand SIP/MSRP/CPIM captures (pcap, pcapng, text) "
                           "into CPM Message Store objects. See "
                           "cpmobj-convert(1).",
                           entries, &argc, &argv) ||
      !check_options (&o)) {
    options_clear (&o);
    return CPM_EXIT_USAGE;
  }
  if (!sink_open (&sink, &o, &error)) {
    tool_error (SUB, "%s", error->message);
    sink_close (&sink, FALSE, NULL);
    options_clear (&o);
    return CPM_EXIT_USAGE;
  }
  for (guint i = 0; o.inputs[i]; i++)
    io_ok &= convert_input (&sink, o.inputs[i]);
  sink_summary (&sink);
  rc = !io_ok ? CPM_EXIT_USAGE : (sink.broken || sink.invalid) ? CPM_EXIT_INVALID : CPM_EXIT_OK;
  /* Outputs stay when an input failed part way: what was converted is
   * valid and complete, and the error says where the input broke. */
  if (!sink_close (&sink, TRUE, &error)) {
    tool_error (SUB, "%s", error->message);
    rc = CPM_EXIT_USAGE;
  }
  options_clear (&o);
  return rc;
}
