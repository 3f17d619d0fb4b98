/* Parse + validate throughput, and the GMime floor it is compared with.
 *
 * usage: bench-parse MODE PATH
 *   MODE cpm     libcpmobj: CpmSource -> cpm_object_parse -> cpm_validate
 *   MODE gmime   GMime's parser alone (mbox: MBOX format; Maildir: one
 *                stream per file), building each message, no validation
 * Prints one line: "MODE objects bytes cpu_seconds peak_rss_kb invalid".
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <cpmobj/cpmobj.h>
#include <cpmobj/cpm-source.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* CPU time, not wall time: the figures must hold on a loaded machine. */
static gint64
cpu_usec (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

typedef struct {
  guint64 objects;
  guint64 bytes;
  guint64 invalid;
} Count;

static long
peak_rss_kb (void)
{
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

static gboolean
run_cpm (const char *path, Count *c)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmSource) src = cpm_source_new (path, &error);
  if (!src) {
    g_printerr ("bench-parse: %s\n", error->message);
    return FALSE;
  }
  CpmSourceItem *item = NULL;
  while (cpm_source_next (src, &item, &error)) {
    GBytes *bytes = cpm_source_item_get_bytes (item);
    if (bytes) {
      g_autoptr(CpmObject) o = cpm_object_parse (bytes, NULL, NULL);
      if (o) {
        g_autoptr(CpmReport) r = cpm_validate (o, CPM_PROFILE_2_2);
        c->invalid += !cpm_report_is_valid (r);
      } else {
        c->invalid++;
      }
      c->bytes += g_bytes_get_size (bytes);
      c->objects++;
    }
    cpm_source_item_unref (item);
  }
  return error == NULL;
}

static void
gmime_parse_stream (GMimeStream *stream, GMimeFormat format, Count *c)
{
  GMimeParser *parser = g_mime_parser_new_with_stream (stream);
  g_mime_parser_set_format (parser, format);
  while (!g_mime_parser_eos (parser)) {
    GMimeMessage *m = g_mime_parser_construct_message (parser, NULL);
    if (!m)
      break;
    c->objects++;
    g_object_unref (m);
    if (format == GMIME_FORMAT_MESSAGE)
      break;
  }
  g_object_unref (parser);
}

static gboolean
run_gmime (const char *path, Count *c)
{
  if (g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
    GMimeStream *s = g_mime_stream_file_open (path, "r", NULL);
    if (!s)
      return FALSE;
    c->bytes = (guint64) g_mime_stream_length (s);
    gmime_parse_stream (s, GMIME_FORMAT_MBOX, c);
    g_object_unref (s);
    return TRUE;
  }
  g_autofree char *cur = g_build_filename (path, "cur", NULL);
  g_autoptr(GDir) dir = g_dir_open (cur, 0, NULL);
  const char *name;
  while (dir && (name = g_dir_read_name (dir))) {
    g_autofree char *file = g_build_filename (cur, name, NULL);
    GMimeStream *s = g_mime_stream_file_open (file, "r", NULL);
    if (!s)
      continue;
    c->bytes += (guint64) g_mime_stream_length (s);
    gmime_parse_stream (s, GMIME_FORMAT_MESSAGE, c);
    g_object_unref (s);
  }
  return TRUE;
}

int
main (int argc, char **argv)
{
  if (argc != 3) {
    g_printerr ("usage: bench-parse cpm|gmime PATH\n");
    return 2;
  }
  g_mime_init ();
  Count c = { 0 };
  gint64 t0 = cpu_usec ();
  gboolean ok = strcmp (argv[1], "cpm") == 0 ? run_cpm (argv[2], &c) : run_gmime (argv[2], &c);
  double secs = (double) (cpu_usec () - t0) / 1e6;
  if (!ok)
    return 2;
  printf ("%s %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %.3f %ld %" G_GUINT64_FORMAT "\n",
          argv[1], c.objects, c.bytes, secs, peak_rss_kb (), c.invalid);
  return 0;
}
