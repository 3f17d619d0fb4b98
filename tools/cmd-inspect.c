/* cpmobj inspect: one object (or each object of an mbox/Maildir/directory)
 * as JSON: kind, the profiles it fits, headers, XML bodies, parts.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "common.h"

#include <string.h>

#define SUB "inspect"

typedef struct {
  gboolean pretty;
  gboolean nms;
  CpmKind kind;
  guint n_unreadable;
  gboolean io_failed;
} Inspect;

static void
print_json (const Inspect *in, json_object *o)
{
  int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
              (in->pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
                          : JSON_C_TO_STRING_PLAIN);
  puts (json_object_to_json_string_ext (o, flags));
}

static json_object *
location_json (const char *location)
{
  g_autofree char *valid = g_utf8_make_valid (location, -1);
  return json_object_new_string (valid);
}

/* The REST binding's form (seed 004): the folder and the flags a Maildir
 * or store dump carries travel with the object. */
static json_object *
nms_json (const CpmSourceItem *item, const CpmObject *object, GError **error)
{
  g_auto(GStrv) flags = cpm_source_item_dup_imap_flags (item);
  const char *folder = cpm_source_item_get_folder (item);
  CpmNmsOptions opts = {
    .folder_path = folder && *folder ? folder : NULL,
    .flags = (const char *const *) flags,
  };
  return cpm_nms_from_object (object, &opts, error);
}

static void
inspect_item (Inspect *in, const CpmSourceItem *item)
{
  const char *location = cpm_source_item_get_location (item);
  const GError *item_error = cpm_source_item_get_error (item);
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) object = NULL;
  if (!item_error)
    object = cpm_object_parse (cpm_source_item_get_bytes (item), NULL, &error);
  if (!object) {
    /* Not an object, or over a limit: say so where the JSON would be. */
    gboolean io = item_error && !g_error_matches (item_error, CPM_ERROR, CPM_ERROR_LIMIT);
    tool_error (SUB, "%s: %s", location, item_error ? item_error->message : error->message);
    if (io)
      in->io_failed = TRUE;
    else
      in->n_unreadable++;
    return;
  }
  if (in->kind != CPM_KIND_UNKNOWN)
    cpm_object_set_kind (object, in->kind);
  json_object *o = in->nms ? nms_json (item, object, &error) : cpm_inspect_to_json (object);
  if (!o) {
    tool_error (SUB, "%s: %s", location, error->message);
    in->n_unreadable++;
    return;
  }
  if (!in->nms)
    json_object_object_add (o, "location", location_json (location));
  print_json (in, o);
  json_object_put (o);
}

static void
inspect_path (Inspect *in, const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmSource) src = cpm_source_new (path, &error);
  if (!src) {
    tool_error (SUB, "%s", error->message);
    in->io_failed = TRUE;
    return;
  }
  CpmSourceItem *item = NULL;
  while (cpm_source_next (src, &item, &error)) {
    inspect_item (in, item);
    cpm_source_item_unref (item);
  }
  if (error) {
    tool_error (SUB, "%s", error->message);
    in->io_failed = TRUE;
  }
}

int
cmd_inspect (int argc, char **argv)
{
  g_autofree char *kind = NULL;
  gboolean pretty = FALSE, nms = FALSE;
  GOptionEntry entries[] = {
    { "nms", 0, 0, G_OPTION_ARG_NONE, &nms,
      "Print the OMA NMS JSON object instead (as `cpmobj nms --to-json`)", NULL },
    { "pretty", 0, 0, G_OPTION_ARG_NONE, &pretty, "Indent the JSON (default: one line per object)",
      NULL },
    { "kind", 'k', 0, G_OPTION_ARG_STRING, &kind,
      "Take every object as kind K (file-transfer, session-info, media, ...)", "K" },
    { NULL },
  };
  if (!tool_parse_options (SUB, "FILE...",
                           "Prints each object found in FILE (a file, mbox, Maildir, directory\n"
                           "or \"-\") as one JSON object: kind, the profiles it validates clean\n"
                           "under, headers, XML bodies as JSON, parts. Exit status: 0 done,\n"
                           "1 an input is not an object, 2 usage or I/O error. See cpmobj-inspect(1).",
                           entries, &argc, &argv))
    return CPM_EXIT_USAGE;
  Inspect in = { .pretty = pretty, .nms = nms };
  if (kind && (!cpm_kind_from_string (kind, &in.kind) || in.kind == CPM_KIND_UNKNOWN)) {
    tool_error (SUB, "unknown kind '%s' (see --help)", kind);
    return CPM_EXIT_USAGE;
  }
  if (argc < 2) {
    tool_error (SUB, "no FILE given (use \"-\" for standard input; try --help)");
    return CPM_EXIT_USAGE;
  }
  for (int i = 1; i < argc; i++)
    inspect_path (&in, argv[i]);
  if (fflush (stdout) != 0) {
    tool_error (SUB, "cannot write to standard output");
    return CPM_EXIT_USAGE;
  }
  if (in.io_failed)
    return CPM_EXIT_USAGE;
  return in.n_unreadable ? CPM_EXIT_INVALID : CPM_EXIT_OK;
}
