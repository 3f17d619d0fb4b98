/* Iterating over the stored objects of a file, directory, Maildir or mbox.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"
#include <cpmobj/cpm-source.h>
#include "cpm-source-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The mbox reader's buffer. Memory for one mbox is this plus the object
 * being collected, whatever the mbox size. An object that fits (all but
 * the largest file transfers) is copied out in one piece. */
#define READ_BUFFER_SIZE (256 * 1024)
/* Bytes of a line start kept together so "From " and ">From " are
 * recognised across read boundaries. A line of more '>' than this followed
 * by "From " is left quoted: no writer produces one. */
#define LINE_PREFIX 1024

struct _CpmSourceItem {
  gatomicrefcount ref;
  GBytes *bytes;
  GError *error;
  char *path;
  char *location;
  char *folder;
  char *flags;
  GPtrArray *keywords; /* Maildir keyword names by letter index, or NULL */
  guint line;
  CpmSourceFormat format;
};

typedef struct {
  GInputStream *in;
  guint8 *buf;
  gsize pos, end;
  gboolean eof;
  gboolean at_line_start;
  guint lines;          /* line ends consumed so far */
} Reader;

typedef enum {
  FRAME_DIR,     /* plain directory: sorted names */
  FRAME_MAILDIR, /* Maildir: message files, then Maildir++ subfolders */
  FRAME_MBOX,    /* an mbox stream */
  FRAME_FILE,    /* a top-level regular file, not yet sniffed */
  FRAME_STREAM,  /* a stream holding one object (stdin, a pipe) */
} FrameType;

/* A directory's sorted names (see "sorted directory listings" below). */
typedef struct _Listing Listing;
static void listing_free (Listing *l);

typedef struct {
  FrameType type;
  char *path;            /* directory, Maildir, or file path */
  char *name;            /* path used in locations */
  char *folder;          /* folder of the items this frame yields */
  Listing *names;        /* DIR: entry names; MAILDIR: new/ (group 0) then
                          * cur/ (group 1), NULL once read */
  GPtrArray *subfolders; /* MAILDIR root: Maildir++ directory names */
  guint sub_index;
  GPtrArray *keywords;   /* MAILDIR */
  int dirfd;             /* MAILDIR: the directory, opened on first use, or -1:
                          * files opened relative to it skip the walk of the
                          * whole path for each message */
  Reader *reader;        /* MBOX, STREAM */
} Frame;

struct _CpmSource {
  gatomicrefcount ref;
  GPtrArray *stack; /* of Frame*, the last one is read from */
  GError *fatal;    /* a directory's names could not be kept whole: the
                     * iteration ends (a listing cut short must not pass
                     * for the whole store) */
  CpmLimits limits;
};

/* ---- items ---- */

/* "PATH:LINE", made for every mbox entry: without printf's machinery. */
static char *
location_at_line (const char *path, guint line)
{
  char digits[16];
  gsize n = 0;
  do
    digits[n++] = (char) ('0' + line % 10);
  while ((line /= 10) > 0);
  gsize len = strlen (path);
  char *out = g_malloc (len + 1 + n + 1);
  memcpy (out, path, len);
  char *q = out + len;
  *q++ = ':';
  while (n > 0)
    *q++ = digits[--n];
  *q = '\0';
  return out;
}

static CpmSourceItem *
item_new (const char *path, const char *folder, CpmSourceFormat format, guint line)
{
  CpmSourceItem *item = g_new0 (CpmSourceItem, 1);
  g_atomic_ref_count_init (&item->ref);
  item->path = g_strdup (path);
  item->folder = g_strdup (folder);
  item->format = format;
  item->line = line;
  item->location = line ? location_at_line (path, line) : g_strdup (path);
  return item;
}

static CpmSourceItem *
item_new_error (const char *path, const char *folder, CpmSourceFormat format, guint line,
                GError *error)
{
  CpmSourceItem *item = item_new (path, folder, format, line);
  item->error = error;
  return item;
}

CpmSourceItem *
cpm_source_item_ref (CpmSourceItem *item)
{
  g_atomic_ref_count_inc (&item->ref);
  return item;
}

void
cpm_source_item_unref (CpmSourceItem *item)
{
  if (item == NULL || !g_atomic_ref_count_dec (&item->ref))
    return;
  g_clear_pointer (&item->bytes, g_bytes_unref);
  g_clear_error (&item->error);
  g_free (item->path);
  g_free (item->location);
  g_free (item->folder);
  g_free (item->flags);
  g_clear_pointer (&item->keywords, g_ptr_array_unref);
  g_free (item);
}

GBytes *
cpm_source_item_get_bytes (const CpmSourceItem *item)
{
  return item->bytes;
}

const GError *
cpm_source_item_get_error (const CpmSourceItem *item)
{
  return item->error;
}

const char *
cpm_source_item_get_location (const CpmSourceItem *item)
{
  return item->location;
}

const char *
cpm_source_item_get_path (const CpmSourceItem *item)
{
  return item->path;
}

guint
cpm_source_item_get_line (const CpmSourceItem *item)
{
  return item->line;
}

CpmSourceFormat
cpm_source_item_get_format (const CpmSourceItem *item)
{
  return item->format;
}

const char *
cpm_source_item_get_folder (const CpmSourceItem *item)
{
  return item->folder;
}

const char *
cpm_source_item_get_flags (const CpmSourceItem *item)
{
  return item->flags;
}

static const char *
imap_flag_for_letter (char c)
{
  /* Maildir's letters (cr.yp.to/proto/maildir.html). "P" (passed: resent,
   * forwarded or bounced) is the nearest to RFC 5788's $Forwarded that 5.5
   * requires, so libcpmobj maps it there. */
  switch (c) {
  case 'D': return "\\Draft";
  case 'F': return "\\Flagged";
  case 'P': return "$Forwarded";
  case 'R': return "\\Answered";
  case 'S': return "\\Seen";
  case 'T': return "\\Deleted";
  default: return NULL;
  }
}

GStrv
cpm_source_item_dup_imap_flags (const CpmSourceItem *item)
{
  GPtrArray *out = g_ptr_array_new ();
  for (const char *p = item->flags; p && *p; p++) {
    const char *flag = imap_flag_for_letter (*p);
    if (flag == NULL && *p >= 'a' && *p <= 'z' && item->keywords &&
        (guint) (*p - 'a') < item->keywords->len)
      flag = g_ptr_array_index (item->keywords, *p - 'a');
    if (flag)
      g_ptr_array_add (out, g_strdup (flag));
  }
  g_ptr_array_add (out, NULL);
  return (GStrv) g_ptr_array_free (out, FALSE);
}

/* ---- the buffered reader shared by mbox and stream input ---- */

static Reader *
reader_new (GInputStream *in)
{
  Reader *r = g_new0 (Reader, 1);
  r->in = g_object_ref (in);
  r->buf = g_malloc (READ_BUFFER_SIZE);
  r->at_line_start = TRUE;
  return r;
}

static void
reader_free (Reader *r)
{
  if (r == NULL)
    return;
  g_object_unref (r->in);
  g_free (r->buf);
  g_free (r);
}

/* Moves unread bytes to the front and reads once more. */
static gboolean
reader_fill (Reader *r, GError **error)
{
  if (r->pos > 0) {
    memmove (r->buf, r->buf + r->pos, r->end - r->pos);
    r->end -= r->pos;
    r->pos = 0;
  }
  while (!r->eof && r->end < READ_BUFFER_SIZE) {
    gssize n = g_input_stream_read (r->in, r->buf + r->end, READ_BUFFER_SIZE - r->end,
                                    NULL, error);
    if (n < 0)
      return FALSE;
    if (n == 0)
      r->eof = TRUE;
    r->end += (gsize) n;
    if (n > 0)
      break;
  }
  return TRUE;
}

/* Makes at least @want bytes available unless the input ends first. */
static gboolean
reader_peek (Reader *r, gsize want, GError **error)
{
  while (r->end - r->pos < want && !r->eof)
    if (!reader_fill (r, error))
      return FALSE;
  return TRUE;
}

/* The next piece of input: a whole line (with its line end) or, for long
 * lines, a part of one. A piece that starts a line holds at least
 * LINE_PREFIX bytes or the whole line. Returns FALSE at the end (@error
 * unset) or on a read error. */
static gboolean
reader_next_piece (Reader *r, const guint8 **piece, gsize *len, gboolean *starts_line,
                   GError **error)
{
  if (r->pos == r->end || (r->at_line_start && r->end - r->pos < LINE_PREFIX &&
                           !memchr (r->buf + r->pos, '\n', r->end - r->pos))) {
    if (!reader_peek (r, LINE_PREFIX, error))
      return FALSE;
    if (r->pos == r->end)
      return FALSE;
  }
  const guint8 *start = r->buf + r->pos;
  const guint8 *nl = memchr (start, '\n', r->end - r->pos);
  *len = nl ? (gsize) (nl - start) + 1 : r->end - r->pos;
  *piece = start;
  *starts_line = r->at_line_start;
  r->at_line_start = nl != NULL;
  r->lines += nl != NULL;
  r->pos += *len;
  return TRUE;
}

/* An mbox From_ line. "From :" is an obsolete-syntax From header field
 * (RFC 5322 4.5.1 allows white space before the colon), not a separator. */
static gboolean
is_from_line (const guint8 *p, gsize len)
{
  if (len < 5 || memcmp (p, "From ", 5) != 0)
    return FALSE;
  gsize i = 5;
  while (i < len && (p[i] == ' ' || p[i] == '\t'))
    i++;
  return i == len || p[i] != ':';
}

/* mboxrd: a line ">From ", ">>From "... had one '>' added when written. */
static gboolean
is_quoted_from_line (const guint8 *p, gsize len)
{
  gsize i = 0;
  while (i < len && p[i] == '>')
    i++;
  return i > 0 && len - i >= 5 && memcmp (p + i, "From ", 5) == 0;
}

/* ---- frames ---- */

static void
frame_free (gpointer data)
{
  Frame *f = data;
  g_free (f->path);
  g_free (f->name);
  g_free (f->folder);
  g_clear_pointer (&f->names, listing_free);
  g_clear_pointer (&f->subfolders, g_ptr_array_unref);
  g_clear_pointer (&f->keywords, g_ptr_array_unref);
  if (f->dirfd >= 0)
    close (f->dirfd);
  reader_free (f->reader);
  g_free (f);
}

static Frame *
frame_new (FrameType type, const char *path, const char *folder)
{
  Frame *f = g_new0 (Frame, 1);
  f->type = type;
  f->dirfd = -1;
  f->path = g_strdup (path);
  f->name = g_strdup (path);
  f->folder = g_strdup (folder);
  return f;
}

static char *
join_folder (const char *parent, const char *name)
{
  return *parent ? g_strconcat (parent, "/", name, NULL) : g_strdup (name);
}

static GError *
io_error (const char *path, int errsv)
{
  return g_error_new (CPM_ERROR, CPM_ERROR_IO, "%s: %s", path, g_strerror (errsv));
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* ---- sorted directory listings ---- */

/* A directory's names come out in strcmp order (a store's order is its
 * names' order: reports and manifests of the same tree compare line by
 * line), yet must not cost memory per name: a Maildir of a million
 * messages would otherwise hold a million names. A Listing packs the names
 * into one arena and sorts them there, up to LISTING_MEMORY bytes of names
 * and index together; a directory with more writes each full arena as a
 * sorted run to one unlinked temporary file and at the end merges the runs,
 * MERGE_WAYS at a time through RUN_BUFFER bytes each (more runs than that
 * are first merged into longer runs appended to the same file). So memory
 * stays bounded whatever the number of files, the order is exactly that of
 * one sort of all names (a merge of sorted runs is one), and the common
 * small directory never touches the disk (the file is in g_get_tmp_dir (),
 * $TMPDIR; merge passes leave their inputs' space in it, so it holds a few
 * times the names' bytes at most). Reading the directory lazily would not
 * do: readdir's order is the file system's, not the names'; and a folder is
 * still listed whole before its first file is read, so one that vanishes
 * midway gives the errors it always gave. A listing that cannot be kept
 * whole (the file cannot be made, written or read back) ends the iteration
 * with an error: a shorter listing would pass for a smaller store.
 * A name is stored after a group byte (1 + group): a Maildir lists new/
 * (group 0) then cur/ (group 1) in one listing, and strcmp on the stored
 * entry orders by group, then name. */
#define LISTING_MEMORY (512 * 1024)
#define MERGE_WAYS 16
#define RUN_BUFFER 4096
#define SPILL_BUFFER (64 * 1024)

static gsize listing_memory = LISTING_MEMORY;

void
cpm_source_set_sort_memory (gsize bytes)
{
  listing_memory = bytes ? bytes : LISTING_MEMORY;
}

typedef struct {
  guint64 offset, len;
} Run;

/* A run being merged: its unread bytes [pos, end) of the file, and the
 * bytes [start, fill) of buf read but not yet handed out. */
typedef struct {
  guint64 pos, end;
  char *buf;
  gsize cap, start, fill;
} RunReader;

typedef struct {
  RunReader *in;
  guint n;
  int last; /* the reader whose entry was handed out: advanced on the next call */
} Merge;

struct _Listing {
  char *dir;          /* for messages */
  GByteArray *arena;  /* entries: group byte, name, NUL */
  GPtrArray *index;   /* entries' offsets in arena; pointers once sorted */
  guint next;
  int fd;             /* the temporary file of sorted runs, or -1 */
  guint64 file_len;
  GArray *runs;       /* of Run */
  GByteArray *out;    /* bytes on their way to the file */
  Merge *merge;       /* the final merge once the listing spilled */
  GError *error;      /* the first failure to spill: the listing is incomplete */
};

static Listing *
listing_new (const char *dir)
{
  Listing *l = g_new0 (Listing, 1);
  l->dir = g_strdup (dir);
  l->arena = g_byte_array_new ();
  l->index = g_ptr_array_new ();
  l->fd = -1;
  return l;
}

static void
merge_free (Merge *m)
{
  if (m == NULL)
    return;
  for (guint i = 0; i < m->n; i++)
    g_free (m->in[i].buf);
  g_free (m->in);
  g_free (m);
}

static void
listing_free (Listing *l)
{
  if (l == NULL)
    return;
  g_free (l->dir);
  g_clear_pointer (&l->arena, g_byte_array_unref);
  g_clear_pointer (&l->index, g_ptr_array_unref);
  if (l->fd >= 0)
    close (l->fd);
  g_clear_pointer (&l->runs, g_array_unref);
  g_clear_pointer (&l->out, g_byte_array_unref);
  merge_free (l->merge);
  g_clear_error (&l->error);
  g_free (l);
}

static void
spill_failed (Listing *l, const char *why)
{
  if (l->error == NULL)
    l->error = g_error_new (CPM_ERROR, CPM_ERROR_IO,
                            "%s: cannot sort its names in a temporary file in %s: %s", l->dir,
                            g_get_tmp_dir (), why);
}

/* An unlinked file in the temporary directory: nothing is left behind. */
static gboolean
spill_open (Listing *l)
{
#ifdef O_TMPFILE
  l->fd = open (g_get_tmp_dir (), O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
  if (l->fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)) {
    if (l->fd < 0)
      spill_failed (l, g_strerror (errno));
    return l->fd >= 0;
  }
#endif
  /* a file system without O_TMPFILE: a named file, unlinked at once */
  g_autofree char *name = NULL;
  g_autoptr(GError) local = NULL;
  l->fd = g_file_open_tmp ("cpmobj-names-XXXXXX", &name, &local);
  if (l->fd < 0) {
    spill_failed (l, local->message);
    return FALSE;
  }
  g_unlink (name);
  return TRUE;
}

static gboolean
spill_flush (Listing *l)
{
  gsize done = 0;
  while (done < l->out->len) {
    gssize n = pwrite (l->fd, l->out->data + done, l->out->len - done,
                       (off_t) (l->file_len + done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      spill_failed (l, g_strerror (n < 0 ? errno : EIO));
      return FALSE;
    }
    done += (gsize) n;
  }
  l->file_len += done;
  g_byte_array_set_size (l->out, 0);
  return TRUE;
}

static gboolean
spill_entry (Listing *l, const char *entry)
{
  g_byte_array_append (l->out, (const guint8 *) entry, (guint) strlen (entry) + 1);
  return l->out->len < SPILL_BUFFER || spill_flush (l);
}

/* The entries still held are sorted in place: offsets become pointers. */
static void
listing_sort (Listing *l)
{
  for (guint i = 0; i < l->index->len; i++)
    l->index->pdata[i] = l->arena->data + GPOINTER_TO_SIZE (l->index->pdata[i]);
  g_ptr_array_sort (l->index, compare_names);
}

/* Writes the arena's entries as one sorted run and empties the arena. */
static gboolean
listing_spill (Listing *l)
{
  if (l->fd < 0) {
    if (!spill_open (l))
      return FALSE;
    l->runs = g_array_new (FALSE, FALSE, sizeof (Run));
    l->out = g_byte_array_sized_new (SPILL_BUFFER);
  }
  listing_sort (l);
  Run run = { l->file_len, 0 };
  for (guint i = 0; i < l->index->len; i++)
    if (!spill_entry (l, l->index->pdata[i]))
      return FALSE;
  if (!spill_flush (l))
    return FALSE;
  run.len = l->file_len - run.offset;
  g_array_append_val (l->runs, run);
  g_byte_array_set_size (l->arena, 0);
  g_ptr_array_set_size (l->index, 0);
  return TRUE;
}

static void
listing_add (Listing *l, guint group, const char *name)
{
  if (l->error)
    return;
  gsize len = strlen (name);
  gsize need = 1 + len + 1 + sizeof (gpointer);
  if (l->index->len > 0 &&
      l->arena->len + l->index->len * sizeof (gpointer) + need > listing_memory &&
      !listing_spill (l))
    return;
  guint8 g = (guint8) (1 + group);
  g_ptr_array_add (l->index, GSIZE_TO_POINTER ((gsize) l->arena->len));
  g_byte_array_append (l->arena, &g, 1);
  g_byte_array_append (l->arena, (const guint8 *) name, (guint) len + 1);
}

static GError *
read_back_error (Listing *l, int errsv)
{
  return g_error_new (CPM_ERROR, CPM_ERROR_IO,
                      "%s: cannot read its sorted names back from a temporary file: %s",
                      l->dir, g_strerror (errsv));
}

/* Makes the reader's next entry whole in its buffer: TRUE with *@entry set,
 * FALSE at the run's end or with @error set. */
static gboolean
run_reader_entry (Listing *l, RunReader *r, const char **entry, GError **error)
{
  for (;;) {
    if (memchr (r->buf + r->start, '\0', r->fill - r->start)) {
      *entry = r->buf + r->start;
      return TRUE;
    }
    if (r->pos == r->end) {
      if (r->fill > r->start) { /* a run that ends inside a name */
        g_propagate_error (error, read_back_error (l, EIO));
        r->start = r->fill;
      }
      return FALSE;
    }
    memmove (r->buf, r->buf + r->start, r->fill - r->start);
    r->fill -= r->start;
    r->start = 0;
    if (r->fill == r->cap) { /* a name longer than the buffer */
      r->cap *= 2;
      r->buf = g_realloc (r->buf, r->cap);
    }
    gsize want = (gsize) MIN ((guint64) (r->cap - r->fill), r->end - r->pos);
    gssize n = pread (l->fd, r->buf + r->fill, want, (off_t) r->pos);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      g_propagate_error (error, read_back_error (l, n < 0 ? errno : EIO));
      r->pos = r->end;
      r->start = r->fill;
      return FALSE;
    }
    r->fill += (gsize) n;
    r->pos += (guint64) n;
  }
}

static Merge *
merge_new (const Run *runs, guint n)
{
  Merge *m = g_new0 (Merge, 1);
  m->in = g_new0 (RunReader, n);
  m->n = n;
  m->last = -1;
  for (guint i = 0; i < n; i++) {
    m->in[i].pos = runs[i].offset;
    m->in[i].end = runs[i].offset + runs[i].len;
    m->in[i].cap = RUN_BUFFER;
    m->in[i].buf = g_malloc (RUN_BUFFER);
  }
  return m;
}

/* The least entry among the runs' next ones (valid until the next call):
 * with at most MERGE_WAYS runs a scan is as quick as a heap. */
static gboolean
merge_next (Listing *l, Merge *m, const char **entry, GError **error)
{
  if (m->last >= 0) {
    RunReader *r = &m->in[m->last];
    r->start += strlen (r->buf + r->start) + 1;
    m->last = -1;
  }
  const char *best = NULL;
  for (guint i = 0; i < m->n; i++) {
    const char *e;
    g_autoptr(GError) local = NULL;
    if (!run_reader_entry (l, &m->in[i], &e, &local)) {
      if (local) {
        g_propagate_error (error, g_steal_pointer (&local));
        return FALSE;
      }
      continue;
    }
    if (best == NULL || strcmp (e, best) < 0) {
      best = e;
      m->last = (int) i;
    }
  }
  *entry = best;
  return best != NULL;
}

/* Merges the first MERGE_WAYS runs into one appended to the file. */
static gboolean
listing_merge_pass (Listing *l)
{
  Merge *m = merge_new ((const Run *) l->runs->data, MERGE_WAYS);
  Run run = { l->file_len, 0 };
  g_autoptr(GError) local = NULL;
  const char *entry;
  gboolean ok = TRUE;
  while (ok && merge_next (l, m, &entry, &local))
    ok = spill_entry (l, entry);
  merge_free (m);
  if (local) {
    l->error = g_steal_pointer (&local);
    return FALSE;
  }
  if (!ok || !spill_flush (l))
    return FALSE;
  run.len = l->file_len - run.offset;
  g_array_remove_range (l->runs, 0, MERGE_WAYS);
  g_array_append_val (l->runs, run);
  return TRUE;
}

/* Ends the adding: the listing is ready to be read, or FALSE with @error
 * set when it could not be kept whole. */
static gboolean
listing_finish (Listing *l, GError **error)
{
  if (l->error == NULL && l->fd >= 0 && listing_spill (l)) {
    g_clear_pointer (&l->arena, g_byte_array_unref);
    g_clear_pointer (&l->index, g_ptr_array_unref);
    while (l->runs->len > MERGE_WAYS)
      if (!listing_merge_pass (l))
        break;
    g_clear_pointer (&l->out, g_byte_array_unref);
    if (l->error == NULL)
      l->merge = merge_new ((const Run *) l->runs->data, l->runs->len);
  } else if (l->error == NULL) {
    listing_sort (l);
  }
  if (l->error) {
    g_propagate_error (error, g_steal_pointer (&l->error));
    return FALSE;
  }
  return TRUE;
}

/* The next name and its group: FALSE at the end, or with @error set. */
static gboolean
listing_next (Listing *l, guint *group, const char **name, GError **error)
{
  const char *entry;
  if (l->merge == NULL) {
    if (l->next >= l->index->len)
      return FALSE;
    entry = l->index->pdata[l->next++];
  } else if (!merge_next (l, l->merge, &entry, error)) {
    return FALSE;
  }
  *group = (guint8) entry[0] - 1u;
  *name = entry + 1;
  return TRUE;
}

/* Adds the names in @dir to @l, hidden ones (".x") left out unless
 * @hidden. FALSE with @error set when @dir cannot be opened. */
static gboolean
listing_add_dir (Listing *l, guint group, const char *dir, gboolean hidden, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GDir) d = g_dir_open (dir, 0, &local);
  if (d == NULL) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_IO, "%s: %s", dir, local->message);
    return FALSE;
  }
  for (const char *n; (n = g_dir_read_name (d)) != NULL;)
    /* manifest.jsonl is the index `cpmobj convert` writes beside the
     * objects (cpmobj-convert(1)), not an object */
    if (hidden == (n[0] == '.') && strcmp (n, "manifest.jsonl") != 0)
      listing_add (l, group, n);
  return TRUE;
}

/* The sorted names in @dir: NULL with @error set when it cannot be opened,
 * or with @fatal set when its names could not be kept whole. */
static Listing *
list_dir (const char *dir, gboolean hidden, GError **error, GError **fatal)
{
  Listing *l = listing_new (dir);
  if (!listing_add_dir (l, 0, dir, hidden, error) || !listing_finish (l, fatal)) {
    listing_free (l);
    return NULL;
  }
  return l;
}

static gboolean
is_dir (const char *path)
{
  GStatBuf st;
  return g_stat (path, &st) == 0 && S_ISDIR (st.st_mode);
}

static gboolean
is_maildir (const char *path)
{
  g_autofree char *cur = g_build_filename (path, "cur", NULL);
  g_autofree char *new_ = g_build_filename (path, "new", NULL);
  return is_dir (cur) && is_dir (new_);
}

/* Dovecot's per-folder "dovecot-keywords": lines "INDEX NAME"; letter 'a'
 * is index 0. Missing or unreadable means no keyword names. */
static GPtrArray *
load_keywords (const char *maildir)
{
  g_autofree char *file = g_build_filename (maildir, "dovecot-keywords", NULL);
  g_autofree char *text = NULL;
  if (!g_file_get_contents (file, &text, NULL, NULL))
    return NULL;
  GPtrArray *kw = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    char *end = NULL;
    guint64 index = g_ascii_strtoull (lines[i], &end, 10);
    if (end == lines[i] || *end != ' ' || index >= 26)
      continue;
    while (kw->len <= index)
      g_ptr_array_add (kw, NULL);
    g_free (kw->pdata[index]);
    kw->pdata[index] = g_strdup (g_strstrip (end + 1));
  }
  return kw;
}

/* A Maildir's message folders in the order they are read: new/ first,
 * those arrived after everything in cur/ was seen. tmp/ is skipped: files
 * there are still being written (Maildir delivery). */
static const char *const maildir_subdirs[] = { "new", "cur" };

/* The Maildir++ subfolders of a root Maildir: ".a.b" (Maildir++) in name
 * order, then plain sub-directories that are Maildirs themselves (Dovecot's
 * LAYOUT=fs). FALSE with @fatal set when a listing could not be kept. */
static gboolean
add_subfolders (GPtrArray *out, const char *path, GError **fatal)
{
  for (int hidden = 1; hidden >= 0; hidden--) {
    g_autoptr(GError) unreadable = NULL; /* none then, as before */
    g_autoptr(GError) local = NULL;      /* @fatal may be NULL */
    Listing *l = list_dir (path, hidden, &unreadable, &local);
    guint group;
    const char *n;
    while (l && listing_next (l, &group, &n, &local)) {
      g_autofree char *sub = g_build_filename (path, n, NULL);
      if (strcmp (n, ".") != 0 && strcmp (n, "cur") != 0 && strcmp (n, "new") != 0 &&
          strcmp (n, "tmp") != 0 && is_maildir (sub))
        g_ptr_array_add (out, g_strdup (n));
    }
    listing_free (l);
    if (local) {
      g_propagate_error (fatal, g_steal_pointer (&local));
      return FALSE;
    }
  }
  return TRUE;
}

/* A Maildir frame; Maildir++ subfolders are looked for only at the root,
 * since Maildir++ keeps its hierarchy flat (".a.b" under the root). NULL
 * with @fatal set when its names could not be kept whole. A message folder
 * that cannot be opened gives no names (as it always has). */
static Frame *
maildir_frame_new (const char *path, const char *folder, gboolean root, GError **fatal)
{
  Frame *f = frame_new (FRAME_MAILDIR, path, folder);
  f->names = listing_new (path);
  for (guint g = 0; g < G_N_ELEMENTS (maildir_subdirs); g++) {
    g_autofree char *dir = g_build_filename (path, maildir_subdirs[g], NULL);
    listing_add_dir (f->names, g, dir, FALSE, NULL);
  }
  if (!listing_finish (f->names, fatal)) {
    frame_free (f);
    return NULL;
  }
  f->keywords = load_keywords (path);
  if (root) {
    f->subfolders = g_ptr_array_new_with_free_func (g_free);
    if (!add_subfolders (f->subfolders, path, fatal)) {
      frame_free (f);
      return NULL;
    }
  }
  return f;
}

static CpmSource *
source_new (void)
{
  CpmSource *src = g_new0 (CpmSource, 1);
  g_atomic_ref_count_init (&src->ref);
  src->stack = g_ptr_array_new_with_free_func (frame_free);
  src->limits = *cpm_limits_default ();
  return src;
}

static void
push (CpmSource *src, Frame *f)
{
  g_ptr_array_add (src->stack, f);
}

static void
pop (CpmSource *src)
{
  g_ptr_array_remove_index (src->stack, src->stack->len - 1);
}

/* Reads the first bytes of a regular file to tell an mbox from an object. */
static gboolean
sniff_file (const char *path, gboolean *mbox, GError **error)
{
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) {
    g_propagate_error (error, io_error (path, errno));
    return FALSE;
  }
  guint8 head[LINE_PREFIX];
  gssize n;
  do
    n = read (fd, head, sizeof head);
  while (n < 0 && errno == EINTR);
  int errsv = errno;
  close (fd);
  if (n < 0) {
    g_propagate_error (error, io_error (path, errsv));
    return FALSE;
  }
  const guint8 *nl = memchr (head, '\n', (gsize) n);
  *mbox = is_from_line (head, nl ? (gsize) (nl - head) : (gsize) n);
  return TRUE;
}

static GError *
limit_error (const char *where, gsize size, gboolean at_least, gsize limit)
{
  return g_error_new (CPM_ERROR, CPM_ERROR_LIMIT,
                      "%s: object of %s%" G_GSIZE_FORMAT " bytes is over the limit of %"
                      G_GSIZE_FORMAT " bytes (max_object_size)",
                      where, at_least ? "at least " : "", size, limit);
}

/* The whole of a regular file in one buffer of its size: one open, one
 * fstat, one read. FALSE (nothing set) when anything is unusual (an
 * error, a file that is not regular, changes size while read, or is over
 * @limit): the caller then takes the general path, which names the
 * problem. */
static gboolean
read_whole_file (int dirfd, const char *name, gsize limit, char **data, gsize *len)
{
  /* O_NONBLOCK: opening a FIFO would wait for a writer (fstat refuses it
   * below); reads of a regular file do not heed it. */
  int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK;
#ifdef O_NOATIME
  /* Validating a store is not reading its mail: leave access times alone
   * (allowed only to the files' owner; others get a plain open). */
  int fd = openat (dirfd, name, flags | O_NOATIME);
  if (fd < 0 && errno == EPERM)
    fd = openat (dirfd, name, flags);
#else
  int fd = openat (dirfd, name, flags);
#endif
  if (fd < 0)
    return FALSE;
  struct stat st;
  gboolean ok = FALSE;
  if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode) && (guint64) st.st_size <= limit) {
    gsize size = (gsize) st.st_size, got = 0;
    char *buf = g_malloc (size + 1);
    gssize n = 1;
    gboolean at_end = FALSE;
    /* One byte more than expected is asked for, so a file that grew is
     * seen as such; a read of a regular file that returns less than asked
     * has met its end, and no second read is needed to see it. */
    while (got <= size && !at_end) {
      gsize want = size + 1 - got;
      n = read (fd, buf + got, want);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;
      got += (gsize) n;
      at_end = (gsize) n < want;
    }
    if (at_end && got == size) {
      buf[size] = '\0';
      *data = buf;
      *len = size;
      ok = TRUE;
    } else {
      g_free (buf);
    }
  }
  close (fd);
  return ok;
}

/* One object per file: checks the size before reading anything. */
static CpmSourceItem *
read_file_item_at (CpmSource *src, int dirfd, const char *name, const char *path,
                   const char *folder, CpmSourceFormat format)
{
  char *whole = NULL;
  gsize whole_len = 0;
  if (read_whole_file (dirfd, name, src->limits.max_object_size, &whole, &whole_len)) {
    CpmSourceItem *item = item_new (path, folder, format, 0);
    item->bytes = g_bytes_new_take (whole, whole_len);
    return item;
  }
  GStatBuf st;
  if (g_stat (path, &st) != 0)
    return item_new_error (path, folder, format, 0, io_error (path, errno));
  if (!S_ISREG (st.st_mode)) /* a FIFO in a Maildir: reading would block */
    return item_new_error (path, folder, format, 0,
                           g_error_new (CPM_ERROR, CPM_ERROR_IO, "%s: not a regular file", path));
  if ((gsize) st.st_size > src->limits.max_object_size)
    return item_new_error (path, folder, format, 0,
                           limit_error (path, (gsize) st.st_size, FALSE,
                                        src->limits.max_object_size));
  char *data = NULL;
  gsize len = 0;
  GError *error = NULL;
  if (!g_file_get_contents (path, &data, &len, &error)) {
    GError *e = g_error_new (CPM_ERROR, CPM_ERROR_IO, "%s", error->message);
    g_error_free (error);
    return item_new_error (path, folder, format, 0, e);
  }
  if (len > src->limits.max_object_size) { /* grew while we looked */
    g_free (data);
    return item_new_error (path, folder, format, 0,
                           limit_error (path, len, FALSE, src->limits.max_object_size));
  }
  CpmSourceItem *item = item_new (path, folder, format, 0);
  item->bytes = g_bytes_new_take (data, len);
  return item;
}

static CpmSourceItem *
read_file_item (CpmSource *src, const char *path, const char *folder, CpmSourceFormat format)
{
  return read_file_item_at (src, AT_FDCWD, path, path, folder, format);
}

static Frame *
mbox_frame_new (const char *path, const char *name, const char *folder, GInputStream *in)
{
  Frame *f = frame_new (FRAME_MBOX, path, folder);
  g_free (f->name);
  f->name = g_strdup (name);
  f->reader = reader_new (in);
  return f;
}

/* Opens @path as an mbox frame, or returns an error item. */
static CpmSourceItem *
open_mbox (CpmSource *src, const char *path, const char *folder)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInputStream) in = g_file_read (file, NULL, &error);
  if (in == NULL)
    return item_new_error (path, folder, CPM_SOURCE_FORMAT_MBOX, 0,
                           g_error_new (CPM_ERROR, CPM_ERROR_IO, "%s: %s", path,
                                        error->message));
  push (src, mbox_frame_new (path, path, folder, G_INPUT_STREAM (in)));
  return NULL;
}

/* ---- mbox entries ---- */

/* An mbox entry being collected: one allocation of its exact size when
 * it comes in one piece (GByteArray rounds every allocation up to a power
 * of two, and regrows by copying). */
typedef struct {
  guint8 *data;
  gsize len, cap;
} Entry;

static void
entry_append (Entry *e, const guint8 *p, gsize n)
{
  if (e->len + n > e->cap) {
    e->cap = e->cap ? MAX (e->len + n, e->cap * 2) : n;
    e->data = g_realloc (e->data, e->cap);
  }
  memcpy (e->data + e->len, p, n);
  e->len += n;
}

/* Drops the empty line an mbox writer puts before the next From_ line. */
static void
drop_separator_line (Entry *buf)
{
  gsize n = buf->len;
  if (n >= 2 && buf->data[n - 1] == '\n' && buf->data[n - 2] == '\n')
    buf->len = n - 1;
  else if (n >= 3 && buf->data[n - 1] == '\n' && buf->data[n - 2] == '\r' &&
           buf->data[n - 3] == '\n')
    buf->len = n - 2;
}

/* Skips the rest of the current line. */
static gboolean
skip_line (Reader *r, GError **error)
{
  const guint8 *p;
  gsize len;
  gboolean starts;
  while (!r->at_line_start)
    if (!reader_next_piece (r, &p, &len, &starts, error))
      return FALSE;
  return TRUE;
}

/* The whole lines at @p that can be copied in one go: up to a line that
 * starts with 'F' or '>' (a From_ line or a quoted one), which the caller
 * looks at by itself. One append per run instead of one per line is most of
 * the mbox reader's speed. Returns 0 when no line ends within @avail. */
static gsize
plain_run (const guint8 *p, gsize avail, guint *lines)
{
  gsize off = 0;
  const guint8 *nl;
  while (off < avail && (nl = memchr (p + off, '\n', avail - off)) != NULL) {
    off = (gsize) (nl - p) + 1;
    (*lines)++;
    if (off < avail && (p[off] == 'F' || p[off] == '>'))
      break;
  }
  return off;
}

/* Bytes of the entry that lie in the reader's buffer, not yet copied out.
 * Consecutive runs and lines are copied in one append when the buffer is
 * about to move (or the entry ends): for most objects that is one copy
 * into one allocation instead of an append, and a regrowth, per run. */
typedef struct {
  const guint8 *start;
  gsize len;
} Pending;

static void
pending_flush (Pending *pend, Entry *out)
{
  if (pend->len > 0)
    entry_append (out, pend->start, pend->len);
  pend->len = 0;
}

static void
pending_add (Pending *pend, Entry *out, const guint8 *p, gsize len)
{
  if (pend->len > 0 && pend->start + pend->len == p) {
    pend->len += len;
    return;
  }
  pending_flush (pend, out);
  pend->start = p;
  pend->len = len;
}

/* Before a read that would move the buffer's contents. */
static void
pending_before_read (Pending *pend, Entry *out, const Reader *r)
{
  if (!r->eof && r->end - r->pos < LINE_PREFIX)
    pending_flush (pend, out);
}

/* Reads one entry, the reader standing at its From_ line. Collects at
 * most @limit bytes; *@size counts them all. Returns FALSE at the end. */
static gboolean
mbox_read_entry (Reader *r, gsize limit, Entry *out, gsize *size, guint *from_line,
                 GError **error)
{
  const guint8 *p;
  gsize len;
  gboolean starts;
  g_autoptr(GError) local = NULL;
  Pending pend = { NULL, 0 };
  *size = 0;
  if (!reader_next_piece (r, &p, &len, &starts, &local))
    goto out;
  *from_line = r->lines + (r->at_line_start ? 0 : 1);
  if (!skip_line (r, &local))
    return local == NULL; /* a From_ line at the very end: an empty entry */
  for (;;) {
    pending_before_read (&pend, out, r);
    if (r->at_line_start) {
      if (!reader_peek (r, LINE_PREFIX, &local))
        goto out;
      gsize avail = r->end - r->pos;
      const guint8 *nl = memchr (r->buf + r->pos, '\n', avail);
      if (avail > 0 && is_from_line (r->buf + r->pos, nl ? (gsize) (nl - (r->buf + r->pos)) : avail))
        break; /* the next entry starts; leave its From_ line unread */
      guint lines = 0;
      gsize run = avail > 0 && r->buf[r->pos] != '>' ? plain_run (r->buf + r->pos, avail, &lines) : 0;
      if (run > 0) {
        *size += run;
        if (*size <= limit)
          pending_add (&pend, out, r->buf + r->pos, run);
        r->pos += run;
        r->lines += lines;
        continue;
      }
    }
    if (!reader_next_piece (r, &p, &len, &starts, &local)) {
      if (local)
        goto out;
      break;
    }
    if (starts && is_quoted_from_line (p, len)) {
      p++;
      len--;
    }
    *size += len;
    if (*size <= limit)
      pending_add (&pend, out, p, len);
  }
  pending_flush (&pend, out);
  drop_separator_line (out);
  return TRUE;
out:
  if (local)
    g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

static CpmSourceItem *
mbox_next (CpmSource *src, Frame *f)
{
  Entry buf = { NULL, 0, 0 };
  g_autoptr(GError) local = NULL;
  gsize size = 0;
  guint line = 0;
  gboolean ok = mbox_read_entry (f->reader, src->limits.max_object_size, &buf, &size, &line,
                                 &local);
  if (!ok || size > src->limits.max_object_size)
    g_free (buf.data);
  if (!ok) {
    if (local == NULL)
      return NULL;
    return item_new_error (f->name, f->folder, CPM_SOURCE_FORMAT_MBOX, f->reader->lines + 1,
                           g_error_new (CPM_ERROR, CPM_ERROR_IO, "%s: %s", f->name,
                                        local->message));
  }
  if (size > src->limits.max_object_size) {
    g_autofree char *where = g_strdup_printf ("%s:%u", f->name, line);
    return item_new_error (f->name, f->folder, CPM_SOURCE_FORMAT_MBOX, line,
                           limit_error (where, size, FALSE, src->limits.max_object_size));
  }
  CpmSourceItem *item = item_new (f->name, f->folder, CPM_SOURCE_FORMAT_MBOX, line);
  item->bytes = g_bytes_new_take (buf.data, buf.len);
  return item;
}

/* ---- stream frames: one object, or an mbox ---- */

static CpmSourceItem *
stream_next (CpmSource *src, Frame *f, gboolean *became_mbox)
{
  Reader *r = f->reader;
  g_autoptr(GError) local = NULL;
  if (!reader_peek (r, LINE_PREFIX, &local))
    return item_new_error (f->name, f->folder, CPM_SOURCE_FORMAT_FILE, 0,
                           g_error_new (CPM_ERROR, CPM_ERROR_IO, "%s: %s", f->name,
                                        local->message));
  const guint8 *nl = memchr (r->buf, '\n', r->end);
  if (is_from_line (r->buf, nl ? (gsize) (nl - r->buf) : r->end)) {
    f->type = FRAME_MBOX;
    *became_mbox = TRUE;
    return NULL;
  }
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  gsize limit = src->limits.max_object_size;
  gsize size = 0;
  do {
    size += r->end - r->pos;
    if (size <= limit)
      g_byte_array_append (buf, r->buf + r->pos, (guint) (r->end - r->pos));
    r->pos = r->end;
    if (!reader_fill (r, &local))
      return item_new_error (f->name, f->folder, CPM_SOURCE_FORMAT_FILE, 0,
                             g_error_new (CPM_ERROR, CPM_ERROR_IO, "%s: %s", f->name,
                                          local->message));
  } while (r->end > 0 && size <= limit);
  if (size > limit)
    return item_new_error (f->name, f->folder, CPM_SOURCE_FORMAT_FILE, 0,
                           limit_error (f->name, size, TRUE, limit));
  CpmSourceItem *item = item_new (f->name, f->folder, CPM_SOURCE_FORMAT_FILE, 0);
  item->bytes = g_byte_array_free_to_bytes (g_steal_pointer (&buf));
  return item;
}

/* ---- directories and Maildirs ---- */

/* Handles one directory entry: pushes a frame for a sub-directory, Maildir
 * or mbox, or returns the item of a file. */
static CpmSourceItem *
dir_entry (CpmSource *src, Frame *f, const char *name)
{
  g_autofree char *path = g_build_filename (f->path, name, NULL);
  GStatBuf st;
  if (g_lstat (path, &st) != 0)
    return item_new_error (path, f->folder, CPM_SOURCE_FORMAT_FILE, 0, io_error (path, errno));
  /* Links to directories are not followed: a link back up would loop. */
  if (S_ISLNK (st.st_mode) && (g_stat (path, &st) != 0 || S_ISDIR (st.st_mode)))
    return NULL;
  if (S_ISDIR (st.st_mode)) {
    g_autofree char *folder = join_folder (f->folder, name);
    if (is_maildir (path)) {
      Frame *md = maildir_frame_new (path, folder, TRUE, &src->fatal);
      if (md)
        push (src, md);
      return NULL;
    }
    g_autoptr(GError) error = NULL;
    Listing *names = list_dir (path, FALSE, &error, &src->fatal);
    if (names == NULL && error == NULL)
      return NULL; /* src->fatal ends the iteration */
    if (names == NULL)
      return item_new_error (path, folder, CPM_SOURCE_FORMAT_FILE, 0,
                             g_steal_pointer (&error));
    Frame *sub = frame_new (FRAME_DIR, path, folder);
    sub->names = names;
    push (src, sub);
    return NULL;
  }
  if (!S_ISREG (st.st_mode)) /* FIFOs, sockets, devices: reading could block */
    return NULL;
  gboolean mbox = FALSE;
  GError *error = NULL;
  if (!sniff_file (path, &mbox, &error))
    return item_new_error (path, f->folder, CPM_SOURCE_FORMAT_FILE, 0, error);
  if (mbox) {
    g_autofree char *folder = join_folder (f->folder, name);
    return open_mbox (src, path, folder);
  }
  return read_file_item (src, path, f->folder, CPM_SOURCE_FORMAT_FILE);
}

/* Maildir info: "unique:2,FLAGS" (";" is used where ":" is not allowed). */
static char *
maildir_flags (const char *file_name)
{
  const char *info = strrchr (file_name, ':');
  if (info == NULL)
    info = strrchr (file_name, ';');
  if (info == NULL || strncmp (info + 1, "2,", 2) != 0)
    return NULL;
  return g_strdup (info + 3);
}

static CpmSourceItem *
maildir_next (CpmSource *src, Frame *f)
{
  guint group;
  const char *file;
  if (f->names && listing_next (f->names, &group, &file, &src->fatal)) {
    g_autofree char *rel = g_strconcat (maildir_subdirs[group], "/", file, NULL);
    g_autofree char *path = g_build_filename (f->path, rel, NULL);
    if (f->dirfd == -1) { /* -2: it could not be opened; not tried again */
      int fd = g_open (f->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
      f->dirfd = fd >= 0 ? fd : -2;
    }
    /* without the directory's descriptor, the whole path (same result) */
    CpmSourceItem *item = read_file_item_at (src, f->dirfd >= 0 ? f->dirfd : AT_FDCWD,
                                             f->dirfd >= 0 ? rel : path, path, f->folder,
                                             CPM_SOURCE_FORMAT_MAILDIR);
    item->flags = maildir_flags (rel);
    item->keywords = f->keywords ? g_ptr_array_ref (f->keywords) : NULL;
    return item;
  }
  if (src->fatal)
    return NULL;
  /* read: its memory (and temporary file) is not kept while the
   * subfolders are read */
  g_clear_pointer (&f->names, listing_free);
  if (f->subfolders && f->sub_index < f->subfolders->len) {
    const char *name = f->subfolders->pdata[f->sub_index++];
    g_autofree char *path = g_build_filename (f->path, name, NULL);
    gboolean plusplus = name[0] == '.';
    /* Maildir++ ".a.b" is folder "b" inside "a". */
    g_autofree char *sub = g_strdup (plusplus ? name + 1 : name);
    if (plusplus)
      g_strdelimit (sub, ".", '/');
    g_autofree char *folder = join_folder (f->folder, sub);
    Frame *md = maildir_frame_new (path, folder, !plusplus, &src->fatal);
    if (md)
      push (src, md);
    return NULL;
  }
  pop (src);
  return NULL;
}

/* ---- the iterator ---- */

/* Advances the top frame: returns an item, or NULL after changing the
 * stack or setting src->fatal. */
static CpmSourceItem *
step (CpmSource *src)
{
  Frame *f = g_ptr_array_index (src->stack, src->stack->len - 1);
  switch (f->type) {
  case FRAME_DIR: {
    guint group;
    const char *name;
    if (listing_next (f->names, &group, &name, &src->fatal))
      return dir_entry (src, f, name);
    if (src->fatal == NULL)
      pop (src);
    return NULL;
  }
  case FRAME_MAILDIR:
    return maildir_next (src, f);
  case FRAME_FILE: {
    g_autofree char *path = g_strdup (f->path);
    g_autofree char *folder = g_strdup (f->folder);
    pop (src);
    gboolean mbox = FALSE;
    GError *e = NULL;
    if (!sniff_file (path, &mbox, &e))
      return item_new_error (path, folder, CPM_SOURCE_FORMAT_FILE, 0, e);
    if (mbox)
      return open_mbox (src, path, folder);
    return read_file_item (src, path, folder, CPM_SOURCE_FORMAT_FILE);
  }
  case FRAME_STREAM: {
    gboolean became_mbox = FALSE;
    CpmSourceItem *item = stream_next (src, f, &became_mbox);
    if (!became_mbox)
      pop (src);
    return item;
  }
  case FRAME_MBOX: {
    CpmSourceItem *item = mbox_next (src, f);
    /* At the end or after a read error this mbox cannot go on; an entry
     * over the size limit was skipped and the next one can be read. */
    if (item == NULL || g_error_matches (item->error, CPM_ERROR, CPM_ERROR_IO))
      pop (src);
    return item;
  }
  }
  g_assert_not_reached ();
}

gboolean
cpm_source_next (CpmSource *source, CpmSourceItem **item, GError **error)
{
  g_return_val_if_fail (source != NULL && item != NULL, FALSE);
  *item = NULL;
  while (source->stack->len > 0) {
    CpmSourceItem *it = step (source);
    if (source->fatal) {
      g_clear_pointer (&it, cpm_source_item_unref);
      g_ptr_array_set_size (source->stack, 0);
      g_propagate_error (error, g_steal_pointer (&source->fatal));
      return FALSE;
    }
    if (it) {
      *item = it;
      return TRUE;
    }
  }
  return FALSE;
}

static CpmSource *
source_for_stream_path (const char *path, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) local = NULL;
  g_autoptr(GFileInputStream) in = g_file_read (file, NULL, &local);
  if (in == NULL) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_IO, "%s: %s", path, local->message);
    return NULL;
  }
  return cpm_source_new_for_stream (G_INPUT_STREAM (in), path);
}

CpmSource *
cpm_source_new (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  if (strcmp (path, "-") == 0) {
    CpmSource *src = source_for_stream_path ("/dev/stdin", error);
    if (src) {
      Frame *f = g_ptr_array_index (src->stack, 0);
      g_free (f->name);
      f->name = g_strdup ("<stdin>");
    }
    return src;
  }
  GStatBuf st;
  if (g_stat (path, &st) != 0) {
    g_propagate_error (error, io_error (path, errno));
    return NULL;
  }
  if (S_ISDIR (st.st_mode)) {
    if (is_maildir (path)) {
      Frame *md = maildir_frame_new (path, "", TRUE, error);
      if (md == NULL)
        return NULL;
      CpmSource *src = source_new ();
      push (src, md);
      return src;
    }
    Listing *names = list_dir (path, FALSE, error, error);
    if (names == NULL)
      return NULL;
    CpmSource *src = source_new ();
    Frame *f = frame_new (FRAME_DIR, path, "");
    f->names = names;
    push (src, f);
    return src;
  }
  if (!S_ISREG (st.st_mode)) /* a pipe such as <(command): read it as a stream */
    return source_for_stream_path (path, error);
  /* Open it now so a file that cannot be read is reported here. */
  gboolean mbox;
  if (!sniff_file (path, &mbox, error))
    return NULL;
  CpmSource *src = source_new ();
  push (src, frame_new (FRAME_FILE, path, ""));
  return src;
}

CpmSource *
cpm_source_new_for_stream (GInputStream *stream, const char *name)
{
  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);
  CpmSource *src = source_new ();
  Frame *f = frame_new (FRAME_STREAM, name, "");
  f->reader = reader_new (stream);
  push (src, f);
  return src;
}

void
cpm_source_set_limits (CpmSource *source, const CpmLimits *limits)
{
  source->limits = limits ? *limits : *cpm_limits_default ();
}

CpmSource *
cpm_source_ref (CpmSource *source)
{
  g_atomic_ref_count_inc (&source->ref);
  return source;
}

void
cpm_source_unref (CpmSource *source)
{
  if (source == NULL || !g_atomic_ref_count_dec (&source->ref))
    return;
  g_ptr_array_unref (source->stack);
  g_clear_error (&source->fatal);
  g_free (source);
}
