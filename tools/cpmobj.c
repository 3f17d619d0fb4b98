/* cpmobj: one binary, subcommands like git.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "common.h"

#include <gmime/gmime.h>
#include <locale.h>
#include <string.h>

typedef struct {
  const char *name;
  CpmToolCommand run;
  const char *summary;
} Subcommand;

static const Subcommand subcommands[] = {
#ifdef CPM_HAVE_CMD_BUILD
  { "build", cmd_build, "build an object from values or a JSON description" },
#endif
#ifdef CPM_HAVE_CMD_VALIDATE
  { "validate", cmd_validate, "validate objects, dumps, Maildirs, mboxes and stores" },
#endif
#ifdef CPM_HAVE_CMD_INSPECT
  { "inspect", cmd_inspect, "print one object as JSON" },
#endif
#ifdef CPM_HAVE_CMD_CONVERT
  { "convert", cmd_convert, "convert captures and SMS/MMS exports into store objects" },
#endif
#ifdef CPM_HAVE_CMD_APPEND
  { "append", cmd_append, "store objects in an IMAP message store" },
#endif
#ifdef CPM_HAVE_CMD_NMS
  { "nms", cmd_nms, "map objects to and from OMA NMS JSON" },
#endif
  { NULL, NULL, NULL },
};

static void
usage (FILE *out)
{
  fprintf (out, "usage: cpmobj COMMAND [OPTIONS] [ARGS]\n\n"
                "Build, parse and validate OMA CPM Message Store objects.\n\n"
                "Commands:\n");
  for (const Subcommand *s = subcommands; s->name; s++)
    fprintf (out, "  %-10s %s\n", s->name, s->summary);
  fprintf (out, "\nRun 'cpmobj COMMAND --help' for a command's options; "
                "see cpmobj(1).\n");
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  g_mime_init ();

  if (argc < 2) {
    usage (stderr);
    return CPM_EXIT_USAGE;
  }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 ||
      strcmp (argv[1], "help") == 0) {
    usage (stdout);
    return CPM_EXIT_OK;
  }
  if (strcmp (argv[1], "--version") == 0) {
    printf ("cpmobj 0.1.0\n");
    return CPM_EXIT_OK;
  }
  for (const Subcommand *s = subcommands; s->name; s++)
    if (strcmp (argv[1], s->name) == 0) {
      int rc = s->run (argc - 1, argv + 1);
      g_mime_shutdown ();
      return rc;
    }
  fprintf (stderr, "cpmobj: '%s' is not a command (see 'cpmobj --help')\n", argv[1]);
  return CPM_EXIT_USAGE;
}
