/* Shared by the cpmobj subcommands.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPMOBJ_TOOL_COMMON_H
#define CPMOBJ_TOOL_COMMON_H

#include <cpmobj/cpmobj.h>
#include <stdio.h>

/* Exit codes of every subcommand. */
enum {
  CPM_EXIT_OK = 0,      /* everything valid / done */
  CPM_EXIT_INVALID = 1, /* invalid input found */
  CPM_EXIT_USAGE = 2,   /* usage or I/O error */
};

/* Each subcommand: argv[0] is the subcommand name. Returns an exit code. */
typedef int (*CpmToolCommand) (int argc, char **argv);

int cmd_build (int argc, char **argv);
int cmd_validate (int argc, char **argv);
int cmd_inspect (int argc, char **argv);
int cmd_convert (int argc, char **argv);
int cmd_append (int argc, char **argv);
int cmd_nms (int argc, char **argv);

/* Prints "cpmobj SUB: message" to stderr. */
void tool_error (const char *sub, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* Parses options with GOptionContext; prints the error and returns FALSE on
 * bad usage. @summary is shown by --help. */
gboolean tool_parse_options (const char *sub, const char *parameter_string,
                             const char *summary, GOptionEntry *entries,
                             int *argc, char ***argv);

/* Writes @data to @path atomically (temp file in the same folder, then
 * rename), or to stdout when @path is NULL or "-". */
gboolean tool_write_output (const char *path, const void *data, gsize len, GError **error);

/* TRUE when progress may be shown (stderr is a terminal). */
gboolean tool_progress_enabled (void);

/* Parses a profile option value (NULL means the default). */
gboolean tool_parse_profile (const char *sub, const char *text, CpmProfile *profile);

#endif
