/* The floor of `cpmobj convert -o DIR`: writes as many files of the same
 * sizes into the same folders as a conversion wrote, the way the
 * converter writes each object (open a temporary name, write, close,
 * rename; a mkdir per new folder), and nothing else. Its CPU time is what
 * any converter that stores one file per object pays before doing any
 * work of its own (issue 9; bench/README.md, convert).
 *   bench-files LIST OUTDIR
 * LIST: one "FOLDER SIZE" line per file (`find DIR -type f -printf '%h %s\n'`
 * of a converted tree). Prints "files bytes cpu_seconds" (user + system
 * time of this process).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  char *folder;
  size_t size;
} Entry;

static double
cpu_seconds (void)
{
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  return (double) ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double) ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

static Entry *
read_list (const char *path, size_t *count, size_t *largest)
{
  FILE *f = fopen (path, "r");
  char folder[4096];
  size_t size, n = 0, cap = 1024;
  Entry *e = malloc (cap * sizeof *e);

  if (!f || !e) {
    perror (path);
    exit (2);
  }
  *largest = 1;
  while (fscanf (f, "%4095s %zu", folder, &size) == 2) {
    if (n == cap && !(e = realloc (e, (cap *= 2) * sizeof *e))) {
      perror ("realloc");
      exit (2);
    }
    e[n].folder = strdup (folder);
    e[n++].size = size;
    if (size > *largest)
      *largest = size;
  }
  fclose (f);
  *count = n;
  return e;
}

/* mkdir -p: folders may nest (IMAP "/" hierarchy). */
static void
make_dirs (char *dir)
{
  for (char *p = dir + 1;; p++) {
    if (*p != '/' && *p)
      continue;
    char c = *p;
    *p = '\0';
    if (mkdir (dir, 0755) != 0 && errno != EEXIST) {
      perror (dir);
      exit (2);
    }
    if (!(*p = c))
      return;
  }
}

static void
write_one (const char *dir, unsigned i, const char *data, size_t size)
{
  char tmp[8400], path[8400];
  snprintf (tmp, sizeof tmp, "%s/.f%u.eml.%d.tmp", dir, i, (int) getpid ());
  snprintf (path, sizeof path, "%s/f%u.eml", dir, i);
  int fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  size_t done = 0;
  if (fd < 0) {
    perror (tmp);
    exit (2);
  }
  while (done < size) {
    ssize_t w = write (fd, data + done, size - done);
    if (w <= 0) {
      perror (tmp);
      exit (2);
    }
    done += (size_t) w;
  }
  if (close (fd) != 0 || rename (tmp, path) != 0) {
    perror (path);
    exit (2);
  }
}

int
main (int argc, char **argv)
{
  size_t count, largest, bytes = 0;
  char dir[8192], last[4096] = "";

  if (argc != 3) {
    fprintf (stderr, "usage: bench-files LIST OUTDIR\n");
    return 2;
  }
  Entry *e = read_list (argv[1], &count, &largest);
  char *data = malloc (largest);
  if (!data)
    return 2;
  memset (data, 'x', largest);
  for (size_t i = 0; i < count; i++) {
    snprintf (dir, sizeof dir, "%s/%s", argv[2], e[i].folder);
    if (strcmp (last, e[i].folder) != 0) {
      make_dirs (dir);
      snprintf (last, sizeof last, "%s", e[i].folder);
    }
    write_one (dir, (unsigned) i, data, e[i].size);
    bytes += e[i].size;
  }
  printf ("%zu %zu %.4f\n", count, bytes, cpu_seconds ());
  for (size_t i = 0; i < count; i++)
    free (e[i].folder);
  free (e);
  free (data);
  return 0;
}
