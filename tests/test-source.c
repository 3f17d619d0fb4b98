/* CpmSource: files, directories, Maildirs and mboxes.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"
#include "cpm-source-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* Collects every item of @src. */
static GPtrArray *
drain (CpmSource *src)
{
  GPtrArray *items = g_ptr_array_new_with_free_func ((GDestroyNotify) cpm_source_item_unref);
  CpmSourceItem *item = NULL;
  g_autoptr(GError) error = NULL;
  while (cpm_source_next (src, &item, &error))
    g_ptr_array_add (items, item);
  g_assert_no_error (error);
  return items;
}

static GPtrArray *
drain_path (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmSource) src = cpm_source_new (path, &error);
  g_assert_no_error (error);
  return drain (src);
}

static GPtrArray *
drain_memory (const char *data, gsize len, const CpmLimits *limits)
{
  g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data (data, (gssize) len, NULL);
  g_autoptr(CpmSource) src = cpm_source_new_for_stream (in, "mem");
  cpm_source_set_limits (src, limits);
  return drain (src);
}

static const CpmSourceItem *
item_at (GPtrArray *items, guint i)
{
  return g_ptr_array_index (items, i);
}

static void
assert_item_text (const CpmSourceItem *item, const char *want)
{
  g_assert_null (cpm_source_item_get_error (item));
  gsize len = 0;
  const char *data = g_bytes_get_data (cpm_source_item_get_bytes (item), &len);
  g_autofree char *got = g_strndup (data ? data : "", len);
  g_assert_cmpstr (got, ==, want);
}

static void
test_mbox_quoting (void)
{
  g_autofree char *path = cpm_test_path ("source/three.mbox");
  g_autoptr(GPtrArray) items = drain_path (path);
  g_assert_cmpuint (items->len, ==, 3);

  const guint lines[] = { 1, 11, 19 };
  for (guint i = 0; i < 3; i++) {
    const CpmSourceItem *it = item_at (items, i);
    g_assert_cmpuint (cpm_source_item_get_line (it), ==, lines[i]);
    g_assert_cmpint (cpm_source_item_get_format (it), ==, CPM_SOURCE_FORMAT_MBOX);
    g_autofree char *loc = g_strdup_printf ("%s:%u", path, lines[i]);
    g_assert_cmpstr (cpm_source_item_get_location (it), ==, loc);
    g_assert_cmpstr (cpm_source_item_get_folder (it), ==, "");
    g_assert_null (cpm_source_item_get_flags (it));
  }
  /* One '>' removed from each quoted line, the separator line dropped. */
  assert_item_text (item_at (items, 0),
                    "From: <tel:+15145550001@phony.example>\n"
                    "To: <tel:+15145551234@phony.example>\n"
                    "Date: Mon, 2 Mar 2026 10:00:00 +0000\n"
                    "Message-ID: <m1@source.test>\n"
                    "\n"
                    "Line one of the first entry.\n"
                    "From here the quoted line starts.\n"
                    ">From twice quoted.\n");
  /* "From:" at the start of a body line is not a From_ separator. */
  assert_item_text (item_at (items, 1),
                    "From: <tel:+15145550002@phony.example>\n"
                    "To: <tel:+15145551234@phony.example>\n"
                    "Date: Mon, 2 Mar 2026 10:01:00 +0000\n"
                    "Message-ID: <m2@source.test>\n"
                    "\n"
                    "From: a body line that looks like a header is not a separator\n");

  g_autoptr(CpmObject) obj = cpm_object_parse (cpm_source_item_get_bytes (item_at (items, 2)),
                                               NULL, NULL);
  g_assert_nonnull (obj);
  g_assert_cmpstr (cpm_object_get_header (obj, "Message-ID"), ==, "<m3@source.test>");
}

/* Entries of many sizes put From_ lines and quoted lines at every offset
 * around the reader's 64 KiB buffer boundaries, and one line is longer
 * than the buffer: what comes out is what went in. */
static void
test_mbox_buffer_boundaries (void)
{
  g_autoptr(GString) mbox = g_string_new (NULL);
  g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < 60; i++) {
    g_autoptr(GString) obj = g_string_new (NULL);
    g_string_append_printf (obj, "Message-ID: <%u@b.test>\n\n", i);
    g_string_append_len (obj, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", (gssize) (i % 50));
    g_string_append (obj, "\n");
    for (guint k = 0; k < (i * 7919) % 3000; k++)
      g_string_append (obj, "0123456789 ");
    g_string_append (obj, "\nFrom the middle of a body\n>From already quoted\n");
    if (i == 30)
      for (guint k = 0; k < 200000; k++)
        g_string_append_c (obj, 'L');
    g_string_append (obj, "\nend\n");
    g_ptr_array_add (want, g_strdup (obj->str));

    g_string_append_printf (mbox, "From b@b.test Mon Mar  2 10:00:00 2026\n");
    g_auto(GStrv) lines = g_strsplit (obj->str, "\n", -1);
    for (guint l = 0; lines[l + 1]; l++) {
      const char *s = lines[l];
      while (*s == '>')
        s++;
      if (g_str_has_prefix (s, "From "))
        g_string_append_c (mbox, '>');
      g_string_append_printf (mbox, "%s\n", lines[l]);
    }
    g_string_append (mbox, "\n");
  }
  g_autoptr(GPtrArray) items = drain_memory (mbox->str, mbox->len, NULL);
  g_assert_cmpuint (items->len, ==, want->len);
  for (guint i = 0; i < want->len; i++) {
    assert_item_text (item_at (items, i), want->pdata[i]);
    g_assert_cmpstr (cpm_source_item_get_path (item_at (items, i)), ==, "mem");
  }
}

static void
test_mbox_limit (void)
{
  const char *mbox = "From a Mon Mar  2 10:00:00 2026\nSubject: small\n\nok\n\n"
                     "From a Mon Mar  2 10:00:00 2026\nSubject: big\n\n"
                     "0123456789012345678901234567890123456789012345678901234567890123456789\n\n"
                     "From a Mon Mar  2 10:00:00 2026\nSubject: small again\n\nok\n";
  CpmLimits limits = *cpm_limits_default ();
  limits.max_object_size = 40;
  g_autoptr(GPtrArray) items = drain_memory (mbox, strlen (mbox), &limits);
  g_assert_cmpuint (items->len, ==, 3);
  assert_item_text (item_at (items, 0), "Subject: small\n\nok\n");
  const GError *e = cpm_source_item_get_error (item_at (items, 1));
  g_assert_error (e, CPM_ERROR, CPM_ERROR_LIMIT);
  g_assert_nonnull (strstr (e->message, "mem:6"));
  g_assert_null (cpm_source_item_get_bytes (item_at (items, 1)));
  assert_item_text (item_at (items, 2), "Subject: small again\n\nok\n");
  g_assert_cmpuint (cpm_source_item_get_line (item_at (items, 2)), ==, 11);
}

/* An mbox written with CRLF line ends keeps them; the CRLF separator line
 * is dropped. */
static void
test_mbox_crlf (void)
{
  const char *mbox = "From a Mon Mar  2 10:00:00 2026\r\nSubject: one\r\n\r\n>From x\r\n\r\n"
                     "From a Mon Mar  2 10:00:01 2026\r\nSubject: two\r\n\r\ny\r\n\r\n";
  g_autoptr(GPtrArray) items = drain_memory (mbox, strlen (mbox), NULL);
  g_assert_cmpuint (items->len, ==, 2);
  assert_item_text (item_at (items, 0), "Subject: one\r\n\r\nFrom x\r\n");
  assert_item_text (item_at (items, 1), "Subject: two\r\n\r\ny\r\n");
  g_assert_cmpuint (cpm_source_item_get_line (item_at (items, 1)), ==, 6);
}

static void
test_stream_single_object (void)
{
  /* "From :" is an obsolete-syntax header field, not an mbox From_ line. */
  const char *obj = "From : <tel:+1@phony.example>\nSubject: x\n\nbody\n";
  g_autoptr(GPtrArray) items = drain_memory (obj, strlen (obj), NULL);
  g_assert_cmpuint (items->len, ==, 1);
  assert_item_text (item_at (items, 0), obj);
  g_assert_cmpstr (cpm_source_item_get_location (item_at (items, 0)), ==, "mem");
  g_assert_cmpint (cpm_source_item_get_format (item_at (items, 0)), ==, CPM_SOURCE_FORMAT_FILE);

  g_autoptr(GPtrArray) none = drain_memory ("", 0, NULL);
  g_assert_cmpuint (none->len, ==, 1);
  assert_item_text (item_at (none, 0), "");
}

static void
test_directory (void)
{
  g_autofree char *root = cpm_test_path ("source/tree");
  g_autoptr(GPtrArray) items = drain_path (root);
  /* source/tree/manifest.jsonl, the index `cpmobj convert` writes, is no object */
  g_assert_cmpuint (items->len, ==, 4);
  g_autofree char *mbox = g_build_filename (root, "a", "conv.mbox", NULL);
  g_autofree char *loc1 = g_strdup_printf ("%s:1", mbox);
  g_autofree char *loc2 = g_strdup_printf ("%s:7", mbox);
  g_autofree char *z = g_build_filename (root, "a", "z.eml", NULL);
  g_autofree char *b = g_build_filename (root, "b.eml", NULL);
  const char *locations[] = { loc1, loc2, z, b };
  const char *folders[] = { "a/conv.mbox", "a/conv.mbox", "a", "" };
  for (guint i = 0; i < 4; i++) {
    g_assert_cmpstr (cpm_source_item_get_location (item_at (items, i)), ==, locations[i]);
    g_assert_cmpstr (cpm_source_item_get_folder (item_at (items, i)), ==, folders[i]);
  }
  assert_item_text (item_at (items, 1), "From: <tel:+15145550013@phony.example>\n"
                                        "Date: Mon, 2 Mar 2026 11:03:00 +0000\n\nmbox entry 2\n");
}

static void
write_file (const char *dir, const char *rel, const char *text)
{
  g_autofree char *path = g_build_filename (dir, rel, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  g_autoptr(GError) error = NULL;
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
  for (const char *n; d && (n = g_dir_read_name (d));) {
    g_autofree char *sub = g_build_filename (path, n, NULL);
    if (!g_file_test (sub, G_FILE_TEST_IS_SYMLINK) && g_file_test (sub, G_FILE_TEST_IS_DIR))
      remove_tree (sub);
    else
      g_unlink (sub);
  }
  g_rmdir (path);
}

static void
test_maildir (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *md = g_dir_make_tmp ("cpm-maildir-XXXXXX", &error);
  g_assert_no_error (error);
  write_file (md, "new/1000.A.host", "Subject: new one\n\nx\n");
  write_file (md, "cur/1001.B.host,S=20:2,FS", "Subject: seen and flagged\n\nx\n");
  write_file (md, "cur/1002.C.host:2,Rb", "Subject: answered, keyword b\n\nx\n");
  write_file (md, "tmp/1003.D.host", "Subject: still being delivered\n\nx\n");
  write_file (md, "dovecot-uidlist", "3 V1 N5\n");
  write_file (md, "dovecot-keywords", "0 $Junk\n1 Archived\n");
  write_file (md, ".Conv1.Sess2/maildirfolder", "");
  write_file (md, ".Conv1.Sess2/new/.keep-hidden", "");
  write_file (md, ".Conv1.Sess2/cur/1004.E.host:2,", "Subject: in a subfolder\n\nx\n");

  g_autoptr(GPtrArray) items = drain_path (md);
  g_assert_cmpuint (items->len, ==, 4);
  /* a caller that does not want the error (NULL) gets the same source */
  g_autoptr(CpmSource) quiet = cpm_source_new (md, NULL);
  g_assert_nonnull (quiet);
  g_autoptr(GPtrArray) again = drain (quiet);
  g_assert_cmpuint (again->len, ==, 4);
  const char *subjects[] = { "new one", "seen and flagged", "answered, keyword b",
                             "in a subfolder" };
  const char *flags[] = { NULL, "FS", "Rb", "" };
  const char *folders[] = { "", "", "", "Conv1/Sess2" };
  for (guint i = 0; i < 4; i++) {
    const CpmSourceItem *it = item_at (items, i);
    g_assert_cmpint (cpm_source_item_get_format (it), ==, CPM_SOURCE_FORMAT_MAILDIR);
    g_assert_cmpstr (cpm_source_item_get_flags (it), ==, flags[i]);
    g_assert_cmpstr (cpm_source_item_get_folder (it), ==, folders[i]);
    g_autofree char *want = g_strdup_printf ("Subject: %s\n\nx\n", subjects[i]);
    assert_item_text (it, want);
  }
  g_auto(GStrv) imap1 = cpm_source_item_dup_imap_flags (item_at (items, 1));
  g_assert_cmpuint (g_strv_length (imap1), ==, 2);
  g_assert_cmpstr (imap1[0], ==, "\\Flagged");
  g_assert_cmpstr (imap1[1], ==, "\\Seen");
  g_auto(GStrv) imap2 = cpm_source_item_dup_imap_flags (item_at (items, 2));
  g_assert_cmpuint (g_strv_length (imap2), ==, 2);
  g_assert_cmpstr (imap2[0], ==, "\\Answered");
  g_assert_cmpstr (imap2[1], ==, "Archived");
  g_auto(GStrv) imap0 = cpm_source_item_dup_imap_flags (item_at (items, 0));
  g_assert_cmpuint (g_strv_length (imap0), ==, 0);
  remove_tree (md);
}

/* A link back up the tree is not followed, a FIFO is not opened (reading it
 * would block), a link to a file is read like the file. */
static void
test_directory_links (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cpm-links-XXXXXX", &error);
  g_assert_no_error (error);
  write_file (dir, "sub/a.eml", "Subject: a\n\nx\n");
  g_autofree char *loop = g_build_filename (dir, "sub", "loop", NULL);
  g_autofree char *link = g_build_filename (dir, "z-link.eml", NULL);
  g_autofree char *fifo = g_build_filename (dir, "fifo", NULL);
  g_assert_cmpint (symlink ("..", loop), ==, 0);
  g_assert_cmpint (symlink ("sub/a.eml", link), ==, 0);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);

  g_autoptr(GPtrArray) items = drain_path (dir);
  g_assert_cmpuint (items->len, ==, 2);
  assert_item_text (item_at (items, 0), "Subject: a\n\nx\n");
  g_assert_cmpstr (cpm_source_item_get_folder (item_at (items, 0)), ==, "sub");
  assert_item_text (item_at (items, 1), "Subject: a\n\nx\n");
  g_assert_cmpstr (cpm_source_item_get_location (item_at (items, 1)), ==, link);
  remove_tree (dir);
}

/* A FIFO in a Maildir's cur/ is an item with an error, not a read that
 * waits for a writer forever (the alarm turns a hang into a failure). */
static void
test_maildir_fifo (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *md = g_dir_make_tmp ("cpm-maildir-fifo-XXXXXX", &error);
  g_assert_no_error (error);
  write_file (md, "new/1000.A.host", "Subject: a\n\nx\n");
  write_file (md, "cur/.keep", "");
  g_autofree char *fifo = g_build_filename (md, "cur", "1001.B.host:2,S", NULL);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);

  alarm (20);
  g_autoptr(GPtrArray) items = drain_path (md);
  alarm (0);
  g_assert_cmpuint (items->len, ==, 2);
  assert_item_text (item_at (items, 0), "Subject: a\n\nx\n");
  const GError *e = cpm_source_item_get_error (item_at (items, 1));
  g_assert_error (e, CPM_ERROR, CPM_ERROR_IO);
  g_assert_nonnull (strstr (e->message, "1001.B.host"));
  remove_tree (md);
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* @n distinct file names for one folder, in no order: chains of equal
 * prefixes ("p", "pp", ... up to 200 bytes; "m", "m0", "m00", "m0a"),
 * random ones over a small alphabet (so that many share prefixes) with
 * Maildir info and a two-byte UTF-8 letter, of 1 to 120 bytes. */
static GPtrArray *
make_names (GRand *rng, guint n, const char *salt)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  static const char *const alphabet[] = { "a", "b", "0", "9", ".", ",", ":2,S", "-", "\xc3\xa9" };
  for (guint len = 1; len <= 200 && names->len < n; len += 13)
    g_ptr_array_add (names, g_strnfill (len, 'p'));
  const char *fixed[] = { "m", "m0", "m00", "m0a", "m1", "m0:2,S", "m0:2,", "z" };
  for (guint i = 0; i < G_N_ELEMENTS (fixed) && names->len < n; i++)
    g_ptr_array_add (names, g_strconcat (fixed[i], salt, NULL));
  for (guint i = 0; i < names->len; i++)
    g_hash_table_add (seen, names->pdata[i]);
  while (names->len < n) {
    g_autoptr(GString) s = g_string_new (salt);
    guint len = (guint) g_rand_int_range (rng, 1, 40);
    for (guint k = 0; k < len; k++)
      g_string_append (s, alphabet[g_rand_int_range (rng, 0, G_N_ELEMENTS (alphabet))]);
    if (s->str[0] == '.' || g_hash_table_contains (seen, s->str))
      continue;
    char *name = g_string_free (g_steal_pointer (&s), FALSE);
    g_hash_table_add (seen, name);
    g_ptr_array_add (names, name);
  }
  return names;
}

/* Writes every name of @names into @dir/@sub, each file holding its path,
 * and appends the paths to @want in the order of one sort of the names. */
static void
write_folder (GPtrArray *want, const char *dir, const char *sub, GPtrArray *names)
{
  g_ptr_array_sort (names, compare_strings);
  for (guint i = 0; i < names->len; i++) {
    g_autofree char *rel = g_build_filename (sub, names->pdata[i], NULL);
    g_autofree char *path = g_build_filename (dir, rel, NULL);
    write_file (dir, rel, path);
    g_ptr_array_add (want, g_steal_pointer (&path));
  }
}

/* The paths of @items must be @want, each item holding its own path: every
 * file once, in order. */
static void
assert_paths (GPtrArray *items, GPtrArray *want)
{
  g_assert_cmpuint (items->len, ==, want->len);
  for (guint i = 0; i < want->len; i++) {
    g_assert_cmpstr (cpm_source_item_get_path (item_at (items, i)), ==, want->pdata[i]);
    assert_item_text (item_at (items, i), want->pdata[i]);
  }
}

/* A Maildir's names come out in the order of one strcmp sort (new/, then
 * cur/, then a Maildir++ subfolder's) whether they are sorted in memory or,
 * past the bound, in runs in a temporary file merged back: a bound of a
 * single name (over a hundred runs, merged sixteen at a time in passes
 * before the last merge) and of 16 KiB (runs longer than a merge buffer,
 * names cut by its refills). A plain directory is listed the same way. */
static void
test_maildir_sorted_past_bound (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *md = g_dir_make_tmp ("cpm-maildir-sort-XXXXXX", &error);
  g_assert_no_error (error);
  g_autoptr(GRand) rng = g_rand_new_with_seed (20261123);
  g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func (g_free);
  /* the same fixed names in new/ and cur/ */
  g_autoptr(GPtrArray) new_names = make_names (rng, 60, "");
  g_autoptr(GPtrArray) cur_names = make_names (rng, 400, "");
  g_autoptr(GPtrArray) sub_names = make_names (rng, 30, "s");
  write_folder (want, md, "new", new_names);
  write_folder (want, md, "cur", cur_names);
  write_folder (want, md, ".sub/cur", sub_names);
  write_file (md, ".sub/new/.hidden", "not an object");
  write_file (md, "cur/.hidden", "not an object");
  g_autofree char *cur = g_build_filename (md, "cur", NULL);
  g_autoptr(GPtrArray) want_plain = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < want->len; i++)
    if (g_str_has_prefix (want->pdata[i], cur) && ((char *) want->pdata[i])[strlen (cur)] == '/')
      g_ptr_array_add (want_plain, g_strdup (want->pdata[i]));
  g_assert_cmpuint (want_plain->len, ==, 400);

  const gsize bounds[] = { 0, 1, 16 * 1024 };
  for (guint b = 0; b < G_N_ELEMENTS (bounds); b++) {
    cpm_source_set_sort_memory (bounds[b]);
    g_autoptr(GPtrArray) items = drain_path (md);
    assert_paths (items, want);
    g_assert_cmpstr (cpm_source_item_get_folder (item_at (items, want->len - 1)), ==, "sub");
    g_autoptr(GPtrArray) plain = drain_path (cur);
    assert_paths (plain, want_plain);
  }
  cpm_source_set_sort_memory (0);
  remove_tree (md);
}

typedef void (*SpoilFunc) (const char *md);

static char *
replace_all (const char *text, const char *from, const char *to)
{
  g_autoptr(GString) s = g_string_new (text);
  g_string_replace (s, from, to, 0);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
vanish (const char *md)
{
  g_autofree char *cur = g_build_filename (md, "cur", NULL);
  g_autofree char *sub = g_build_filename (md, ".sub", NULL);
  remove_tree (cur);
  remove_tree (sub);
}

static void
lock_out (const char *md)
{
  g_autofree char *cur = g_build_filename (md, "cur", NULL);
  g_autofree char *sub = g_build_filename (md, ".sub", NULL);
  g_assert_cmpint (g_chmod (cur, 0), ==, 0);
  g_assert_cmpint (g_chmod (sub, 0), ==, 0);
}

/* "path|error message" of each item of a Maildir (new/ 5 files, cur/ 40,
 * a Maildir++ subfolder with 3) whose cur/ and subfolder @spoil spoils
 * after the first item. */
static GPtrArray *
spoiled_run (gsize bound, SpoilFunc spoil)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *md = g_dir_make_tmp ("cpm-maildir-spoil-XXXXXX", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 45; i++) {
    g_autofree char *rel = g_strdup_printf ("%s/%u.%u.host:2,S", i < 5 ? "new" : "cur",
                                            1000 + i * 7 % 45, i);
    write_file (md, rel, "Subject: x\n\nx\n");
  }
  for (guint i = 0; i < 3; i++) {
    g_autofree char *rel = g_strdup_printf (".sub/cur/%u.host", i);
    write_file (md, rel, "Subject: x\n\nx\n");
  }
  cpm_source_set_sort_memory (bound);
  g_autoptr(CpmSource) src = cpm_source_new (md, &error);
  g_assert_no_error (error);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  CpmSourceItem *item = NULL;
  while (cpm_source_next (src, &item, &error)) {
    const GError *e = cpm_source_item_get_error (item);
    const char *path = cpm_source_item_get_path (item);
    g_assert_true (g_str_has_prefix (path, md));
    /* the temporary directory's name differs from run to run */
    g_autofree char *msg = e ? replace_all (e->message, md, "MD") : NULL;
    g_ptr_array_add (out, g_strdup_printf ("%s|%s", path + strlen (md), msg ? msg : "-"));
    cpm_source_item_unref (item);
    if (out->len == 1)
      spoil (md);
  }
  g_assert_no_error (error);
  cpm_source_set_sort_memory (0);
  g_autofree char *cur = g_build_filename (md, "cur", NULL);
  g_autofree char *sub = g_build_filename (md, ".sub", NULL);
  g_chmod (cur, 0700);
  g_chmod (sub, 0700);
  remove_tree (md);
  return out;
}

static void
assert_spoiled (SpoilFunc spoil, const char *why)
{
  g_autoptr(GPtrArray) in_memory = spoiled_run (0, spoil);
  g_autoptr(GPtrArray) spilled = spoiled_run (64, spoil);
  /* every file listed before the spoiling comes: the 40 of cur/ as errors,
   * the subfolder's none (it is listed when reached), as it always was */
  g_assert_cmpuint (in_memory->len, ==, 45);
  for (guint i = 0; i < 45; i++) {
    const char *s = in_memory->pdata[i];
    g_assert_cmpstr (s, ==, spilled->pdata[i]);
    if (i < 5) {
      g_assert_true (g_str_has_prefix (s, "/new/") && g_str_has_suffix (s, "|-"));
      continue;
    }
    g_assert_true (g_str_has_prefix (s, "/cur/"));
    g_autofree char *tail = g_strdup_printf (": %s", why);
    g_assert_true (g_str_has_suffix (s, tail));
    g_assert_nonnull (strstr (s, "|MD/cur/"));
  }
}

/* A Maildir's folders that vanish while it is read: its remaining files
 * are items with an I/O error, whether its names were spilled or not. */
static void
test_maildir_vanished (void)
{
  assert_spoiled (vanish, g_strerror (ENOENT));
}

static void
test_maildir_unreadable (void)
{
  if (geteuid () == 0) {
    g_test_skip ("root reads a directory of mode 0");
    return;
  }
  assert_spoiled (lock_out, g_strerror (EACCES));
}

/* When the names' temporary file cannot be written (a file size limit
 * makes the kernel refuse with EFBIG), the listing fails as a whole: from
 * cpm_source_new for the Maildir itself, from cpm_source_next for a Maildir
 * met inside a directory (after the items before it), never with fewer
 * items. */
static void
test_maildir_spill_error (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cpm-maildir-efbig-XXXXXX", &error);
  g_assert_no_error (error);
  write_file (dir, "a.eml", "Subject: a\n\nx\n");
  for (guint i = 0; i < 300; i++) {
    g_autofree char *rel = g_strdup_printf ("md/cur/%u.M%uP1.a-rather-long-host-name.example:2,S",
                                            1714564800 + i, i);
    write_file (dir, rel, "Subject: x\n\nx\n");
  }
  write_file (dir, "md/new/.keep", "");
  g_autofree char *md = g_build_filename (dir, "md", NULL);

  struct rlimit old, low;
  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &old), ==, 0);
  low = old;
  low.rlim_cur = 4096;
  void (*old_handler) (int) = signal (SIGXFSZ, SIG_IGN);
  cpm_source_set_sort_memory (1024);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &low), ==, 0);

  g_autoptr(CpmSource) none = cpm_source_new (md, &error);
  g_autoptr(GError) dir_error = NULL;
  g_autoptr(CpmSource) src = cpm_source_new (dir, &dir_error);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) cpm_source_item_unref);
  g_autoptr(GError) next_error = NULL;
  CpmSourceItem *item = NULL;
  while (src && cpm_source_next (src, &item, &next_error))
    g_ptr_array_add (items, item);
  gboolean again = src && cpm_source_next (src, &item, NULL);

  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &old), ==, 0);
  signal (SIGXFSZ, old_handler);
  cpm_source_set_sort_memory (0);

  g_assert_no_error (dir_error);
  g_assert_null (none);
  g_assert_error (error, CPM_ERROR, CPM_ERROR_IO);
  g_autofree char *want = g_strdup_printf ("%s: cannot sort its names in a temporary file in %s: %s",
                                           md, g_get_tmp_dir (), g_strerror (EFBIG));
  g_assert_cmpstr (error->message, ==, want);
  g_assert_nonnull (src);
  g_assert_cmpuint (items->len, ==, 1); /* a.eml, then the Maildir's failure */
  assert_item_text (item_at (items, 0), "Subject: a\n\nx\n");
  g_assert_error (next_error, CPM_ERROR, CPM_ERROR_IO);
  g_assert_cmpstr (next_error->message, ==, want);
  g_assert_false (again); /* the iteration is over */
  remove_tree (dir);
}

static void
test_missing_path (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmSource) src = cpm_source_new ("/nonexistent/cpm-source-test", &error);
  g_assert_null (src);
  g_assert_error (error, CPM_ERROR, CPM_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/cpm-source-test"));
}

int
main (int argc, char **argv)
{
  cpm_test_init (&argc, &argv);
  g_test_add_func ("/source/mbox/quoting", test_mbox_quoting);
  g_test_add_func ("/source/mbox/buffer-boundaries", test_mbox_buffer_boundaries);
  g_test_add_func ("/source/mbox/limit", test_mbox_limit);
  g_test_add_func ("/source/mbox/crlf", test_mbox_crlf);
  g_test_add_func ("/source/stream/single-object", test_stream_single_object);
  g_test_add_func ("/source/directory", test_directory);
  g_test_add_func ("/source/maildir", test_maildir);
  g_test_add_func ("/source/directory/links", test_directory_links);
  g_test_add_func ("/source/maildir/fifo", test_maildir_fifo);
  g_test_add_func ("/source/maildir/sorted-past-bound", test_maildir_sorted_past_bound);
  g_test_add_func ("/source/maildir/vanished", test_maildir_vanished);
  g_test_add_func ("/source/maildir/unreadable", test_maildir_unreadable);
  g_test_add_func ("/source/maildir/spill-error", test_maildir_spill_error);
  g_test_add_func ("/source/missing-path", test_missing_path);
  return g_test_run ();
}
