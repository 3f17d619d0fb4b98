/* cpmobj nms: objects to OMA NMS JSON and back (seed 004).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "common.h"

#include <string.h>

#define SUB "nms"

typedef struct {
  gboolean to_json;
  gboolean to_mime;
  char *folder;
  char *flags;
  char *correlation_id;
  char *correlation_tag;
  char *direction;
  char *href;
  char *output;
  char *outdir;
  char *profile_name;
  CpmProfile profile;
  char **flag_list;
  GString *json_out; /* --to-json lines, written once at the end */
  guint n_written;
} Options;

static void
options_clear (Options *o)
{
  g_free (o->folder);
  g_free (o->flags);
  g_free (o->correlation_id);
  g_free (o->correlation_tag);
  g_free (o->direction);
  g_free (o->href);
  g_free (o->output);
  g_free (o->outdir);
  g_free (o->profile_name);
  g_strfreev (o->flag_list);
  if (o->json_out)
    g_string_free (o->json_out, TRUE);
}

static void
print_report (const char *file, guint line, const CpmReport *report)
{
  for (guint i = 0; i < cpm_report_get_count (report); i++) {
    const CpmDiagnostic *d = cpm_report_get (report, i);
    /* For JSON input @line is where the document starts; a line of the
     * object mapped back is named as such. */
    guint at = line ? line : d->line;
    g_autofree char *where = at ? g_strdup_printf ("%s:%u", file, at) : g_strdup (file);
    g_autofree char *inner = line && d->line ? g_strdup_printf (" (object line %u)", d->line)
                                             : g_strdup ("");
    fprintf (stderr, "%s: %s %s [%s] %s%s%s%s\n", where, cpm_severity_to_string (d->severity),
             d->rule, d->section, d->header ? d->header : "", d->header ? ": " : "", d->message,
             inner);
  }
}

static gboolean
read_input (const char *path, char **data, gsize *len)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;
  if (strcmp (path, "-") == 0) {
    g_autoptr(GIOChannel) ch = g_io_channel_unix_new (0);
    g_io_channel_set_encoding (ch, NULL, NULL);
    ok = g_io_channel_read_to_end (ch, data, len, &error) == G_IO_STATUS_NORMAL;
  } else {
    ok = g_file_get_contents (path, data, len, &error);
  }
  if (!ok)
    tool_error (SUB, "%s: %s", path, error->message);
  return ok;
}

static gboolean
looks_like_json (const char *data, gsize len)
{
  gsize i = 0;
  while (i < len && g_ascii_isspace (data[i]))
    i++;
  return i < len && data[i] == '{';
}

/* Where one converted object goes: DIR/<base><suffix>, or NULL for -o/stdout. */
static char *
outdir_path (const Options *o, const char *input, guint index, guint count, const char *ext)
{
  if (o->outdir == NULL)
    return NULL;
  g_autofree char *base = strcmp (input, "-") == 0 ? g_strdup ("stdin") : g_path_get_basename (input);
  char *dot = strrchr (base, '.');
  if (dot && dot != base)
    *dot = '\0';
  g_autofree char *name = count > 1 ? g_strdup_printf ("%s-%u%s", base, index + 1, ext)
                                    : g_strdup_printf ("%s%s", base, ext);
  return g_build_filename (o->outdir, name, NULL);
}

static gboolean
write_one (Options *o, const char *path, const void *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  const char *target = path ? path : o->output;
  if (!tool_write_output (target, data, len, &error)) {
    tool_error (SUB, "%s: %s", target ? target : "stdout", error->message);
    return FALSE;
  }
  o->n_written++;
  return TRUE;
}

/* ---- MIME -> JSON ---- */

static int
object_to_json (Options *o, const char *file, const char *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) obj = cpm_object_parse_data (data, len, NULL, &error);
  if (obj == NULL) {
    tool_error (SUB, "%s: %s", file, error->message);
    return CPM_EXIT_INVALID;
  }
  g_autoptr(CpmReport) report = cpm_validate (obj, o->profile);
  print_report (file, 0, report);
  CpmNmsOptions nms = { o->folder, (const char *const *) o->flag_list, o->correlation_id,
                        o->correlation_tag, o->direction, o->href };
  g_autofree char *json = cpm_nms_to_string (obj, &nms, &error);
  if (json == NULL) {
    tool_error (SUB, "%s", error->message);
    return CPM_EXIT_USAGE;
  }
  g_autofree char *path = outdir_path (o, file, 0, 1, ".json");
  if (path) {
    g_autofree char *line = g_strconcat (json, "\n", NULL);
    if (!write_one (o, path, line, strlen (line)))
      return CPM_EXIT_USAGE;
  } else {
    g_string_append_printf (o->json_out, "%s\n", json);
  }
  return cpm_report_is_valid (report) ? CPM_EXIT_OK : CPM_EXIT_INVALID;
}

/* ---- JSON -> MIME ---- */

static int
json_to_object (Options *o, const char *file, guint index, guint count, json_object *json,
                guint line)
{
  g_autoptr(CpmReport) report = cpm_nms_validate (json, o->profile);
  print_report (file, line, report);
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) obj = cpm_nms_to_object (json, NULL, &error);
  if (obj == NULL)
    return CPM_EXIT_INVALID;
  g_autoptr(GBytes) bytes = cpm_object_serialize (obj);
  g_autofree char *path = outdir_path (o, file, index, count, ".eml");
  if (!write_one (o, path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes)))
    return CPM_EXIT_USAGE;
  return cpm_report_is_valid (report) ? CPM_EXIT_OK : CPM_EXIT_INVALID;
}

static guint
line_of (const char *data, gsize offset)
{
  guint line = 1;
  for (gsize i = 0; i < offset; i++)
    line += data[i] == '\n';
  return line;
}

static void
json_put (gpointer json)
{
  json_object_put (json);
}

/* Parses one JSON value at @off; NULL at a syntax error. */
static json_object *
next_document (const char *data, gsize len, gsize *off, GError **error)
{
  json_tokener *tok = json_tokener_new ();
  gsize n = MIN (len - *off, (gsize) G_MAXINT);
  json_object *doc = json_tokener_parse_ex (tok, data + *off, (int) n);
  enum json_tokener_error jerr = json_tokener_get_error (tok);
  if (doc == NULL || jerr != json_tokener_success) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_PARSE, "not JSON at byte %zu: %s",
                 *off + json_tokener_get_parse_end (tok),
                 jerr == json_tokener_continue ? "unexpected end" : json_tokener_error_desc (jerr));
    json_object_put (doc);
    doc = NULL;
  }
  *off += json_tokener_get_parse_end (tok);
  json_tokener_free (tok);
  return doc;
}

/* An input holds one JSON document or several in a row (one per line, as
 * --to-json writes them, or pretty-printed ones one after the other). */
static GPtrArray *
read_documents (const char *file, const char *data, gsize len, GArray *lines)
{
  GPtrArray *docs = g_ptr_array_new_with_free_func (json_put);
  gsize off = 0;
  for (;;) {
    off += strspn (data + off, " \t\r\n");
    if (off >= len)
      return docs;
    guint line = line_of (data, off);
    g_autoptr(GError) error = NULL;
    json_object *doc = next_document (data, len, &off, &error);
    if (doc == NULL) {
      fprintf (stderr, "%s:%u: error nms.json %s\n", file, line, error->message);
      g_ptr_array_unref (docs);
      return NULL;
    }
    g_array_append_val (lines, line);
    g_ptr_array_add (docs, doc);
  }
}

static int
json_to_mime (Options *o, const char *file, const char *data, gsize len)
{
  g_autoptr(GArray) lines = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GPtrArray) docs = read_documents (file, data, len, lines);
  if (docs == NULL)
    return CPM_EXIT_INVALID;
  if (docs->len == 0) {
    fprintf (stderr, "%s: error nms.json no JSON object\n", file);
    return CPM_EXIT_INVALID;
  }
  if (docs->len > 1 && o->outdir == NULL) {
    tool_error (SUB, "%s holds %u objects: use -d DIR", file, docs->len);
    return CPM_EXIT_USAGE;
  }
  int rc = CPM_EXIT_OK;
  for (guint i = 0; i < docs->len; i++) {
    int r = json_to_object (o, file, i, docs->len, docs->pdata[i], g_array_index (lines, guint, i));
    rc = MAX (rc, r);
  }
  return rc;
}

/* ---- driver ---- */

static gboolean
check_usage (Options *o, int argc)
{
  if (o->to_json && o->to_mime) {
    tool_error (SUB, "--to-json and --to-mime exclude each other");
    return FALSE;
  }
  if (argc < 2) {
    tool_error (SUB, "no input (try --help)");
    return FALSE;
  }
  if (o->output && o->outdir) {
    tool_error (SUB, "-o and -d exclude each other");
    return FALSE;
  }
  if (o->to_mime && argc > 2 && o->outdir == NULL) {
    tool_error (SUB, "several inputs to MIME: use -d DIR");
    return FALSE;
  }
  if (o->outdir && !g_file_test (o->outdir, G_FILE_TEST_IS_DIR)) {
    tool_error (SUB, "%s is not a directory", o->outdir);
    return FALSE;
  }
  if (o->flags)
    o->flag_list = g_strsplit (o->flags, ",", -1);
  return tool_parse_profile (SUB, o->profile_name, &o->profile);
}

static int
convert_file (Options *o, const char *file)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  if (!read_input (file, &data, &len))
    return CPM_EXIT_USAGE;
  gboolean json = o->to_mime || (!o->to_json && looks_like_json (data, len));
  return json ? json_to_mime (o, file, data, len) : object_to_json (o, file, data, len);
}

static int
run (Options *o, int argc, char **argv)
{
  int rc = CPM_EXIT_OK;
  o->json_out = g_string_new (NULL);
  for (int i = 1; i < argc; i++) {
    int r = convert_file (o, argv[i]);
    rc = MAX (rc, r);
    if (rc == CPM_EXIT_USAGE)
      return rc;
  }
  if (o->json_out->len && !write_one (o, NULL, o->json_out->str, o->json_out->len))
    return CPM_EXIT_USAGE;
  return rc;
}

int
cmd_nms (int argc, char **argv)
{
  Options o = { 0 };
  GOptionEntry entries[] = {
    { "to-json", 'j', 0, G_OPTION_ARG_NONE, &o.to_json, "Convert objects to NMS JSON", NULL },
    { "to-mime", 'm', 0, G_OPTION_ARG_NONE, &o.to_mime, "Convert NMS JSON to objects", NULL },
    { "folder", 0, 0, G_OPTION_ARG_STRING, &o.folder, "parentFolderPath of the objects", "PATH" },
    { "flags", 0, 0, G_OPTION_ARG_STRING, &o.flags, "Flags, comma-separated", "F,..." },
    { "correlation-id", 0, 0, G_OPTION_ARG_STRING, &o.correlation_id,
      "correlationId (default: derived from the object)", "ID" },
    { "correlation-tag", 0, 0, G_OPTION_ARG_STRING, &o.correlation_tag,
      "correlationTag, passed through as given", "TAG" },
    { "direction", 0, 0, G_OPTION_ARG_STRING, &o.direction, "Direction attribute", "In|Out" },
    { "href", 0, 0, G_OPTION_ARG_STRING, &o.href, "Reference the payload by URL", "URL" },
    { "profile", 'p', 0, G_OPTION_ARG_STRING, &o.profile_name, "Profile (default 2.2)", "P" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &o.output, "Write to FILE (atomically)", "FILE" },
    { "directory", 'd', 0, G_OPTION_ARG_FILENAME, &o.outdir, "Write one file per object", "DIR" },
    { NULL },
  };
  int rc = CPM_EXIT_USAGE;
  if (tool_parse_options (SUB, "FILE...", "Map objects to OMA NMS JSON objects and back "
                          "(see cpmobj-nms(1)).", entries, &argc, &argv) &&
      check_usage (&o, argc))
    rc = run (&o, argc, argv);
  options_clear (&o);
  return rc;
}
