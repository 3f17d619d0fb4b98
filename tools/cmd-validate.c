/* cpmobj validate: verdicts and diagnostics for every object found at the
 * paths given (files, directories, Maildirs, mboxes, stdin).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "common.h"

#include <json-c/json.h>
#include <string.h>

#define SUB "validate"

typedef struct {
  CpmProfile profile;
  CpmKind kind;          /* CPM_KIND_UNKNOWN: recognise each object's kind */
  gboolean json;
  gboolean quiet;
  /* progress on a terminal */
  gboolean progress;
  gboolean progress_shown;
  gint64 progress_at;
  /* totals */
  guint n_objects;
  guint n_invalid;
  gboolean io_failed;
  CpmStoreCheck *store;  /* --store: the store rules, NULL otherwise */
} Validation;

/* Rules this command reports itself, for objects the library could not
 * parse (cpm_object_parse() failed) or the source could not hold. */
static const CpmRuleInfo tool_rules[] = {
  { "object.unreadable", CPM_SEVERITY_ERROR, "RFC 5322 2.1",
    "the input is not an object at all (e.g. empty: no header block)" },
  { "limit.object-size", CPM_SEVERITY_ERROR, "libcpmobj limits",
    "the object is larger than max_object_size (64 MiB)" },
  { "limit.header-line", CPM_SEVERITY_ERROR, "libcpmobj limits",
    "one header field is longer than max_header_line (1 MiB)" },
  { "limit.headers", CPM_SEVERITY_ERROR, "libcpmobj limits",
    "more header fields than max_headers (10000)" },
  { "limit.exceeded", CPM_SEVERITY_ERROR, "libcpmobj limits", "another input limit was hit" },
};

/* ---- output helpers ---- */

/* Text safe for a terminal: valid UTF-8, control characters escaped, so
 * hostile input cannot move the cursor or hide a line. */
static char *
safe_text (const char *text)
{
  if (text == NULL)
    return NULL;
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  GString *out = g_string_sized_new (strlen (valid));
  for (const char *p = valid; *p; p++) {
    guchar c = (guchar) *p;
    if (c < 0x20 || c == 0x7f)
      g_string_append_printf (out, "\\x%02x", c);
    else
      g_string_append_c (out, (char) c);
  }
  return g_string_free (out, FALSE);
}

static void
progress_clear (Validation *v)
{
  if (v->progress_shown) {
    fputs ("\r\033[K", stderr);
    v->progress_shown = FALSE;
  }
}

static void
progress_update (Validation *v)
{
  if (!v->progress)
    return;
  gint64 now = g_get_monotonic_time ();
  if (now - v->progress_at < G_USEC_PER_SEC / 4)
    return;
  v->progress_at = now;
  fprintf (stderr, "\rchecked: %u, invalid: %u", v->n_objects, v->n_invalid);
  v->progress_shown = TRUE;
}

/* ---- one object's result ---- */

typedef struct {
  const char *location;
  CpmKind kind;
  const CpmReport *report;
  gboolean store_level; /* a store finding: a folder or an object's place */
} Result;

static void
print_text (Validation *v, const Result *r)
{
  gboolean valid = cpm_report_is_valid (r->report);
  g_autofree char *loc = safe_text (r->location);
  printf ("%s: %s (%s, %s)\n", loc, valid ? "valid" : "invalid",
          r->store_level ? "store" : cpm_kind_to_string (r->kind),
          cpm_profile_to_string (v->profile));
  for (guint i = 0; i < cpm_report_get_count (r->report); i++) {
    const CpmDiagnostic *d = cpm_report_get (r->report, i);
    g_autofree char *where = d->line == 0 ? g_strdup ("-")
                             : d->column ? g_strdup_printf ("%u:%u", d->line, d->column)
                                         : g_strdup_printf ("%u", d->line);
    g_autofree char *header = safe_text (d->header);
    g_autofree char *message = safe_text (d->message);
    printf ("  %s: %s %s [%s] %s%s%s\n", where, cpm_severity_to_string (d->severity), d->rule,
            d->section ? d->section : "", header ? header : "", header ? ": " : "", message);
  }
}

/* json-c writes strings byte for byte: make them valid UTF-8 first. */
static json_object *
json_string (const char *text)
{
  if (text == NULL)
    return NULL;
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  return json_object_new_string (valid);
}

static void
print_json (Validation *v, const Result *r)
{
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "location", json_string (r->location));
  json_object_object_add (o, "kind", json_string (r->store_level ? "store"
                                                  : cpm_kind_to_string (r->kind)));
  json_object_object_add (o, "profile", json_string (cpm_profile_to_string (v->profile)));
  json_object_object_add (o, "valid", json_object_new_boolean (cpm_report_is_valid (r->report)));
  json_object *diags = json_object_new_array ();
  for (guint i = 0; i < cpm_report_get_count (r->report); i++) {
    const CpmDiagnostic *d = cpm_report_get (r->report, i);
    json_object *j = json_object_new_object ();
    json_object_object_add (j, "rule", json_string (d->rule));
    json_object_object_add (j, "severity", json_string (cpm_severity_to_string (d->severity)));
    json_object_object_add (j, "section", json_string (d->section));
    json_object_object_add (j, "header", json_string (d->header));
    json_object_object_add (j, "line", json_object_new_int64 (d->line));
    json_object_object_add (j, "column", json_object_new_int64 (d->column));
    json_object_object_add (j, "message", json_string (d->message));
    json_object_array_add (diags, j);
  }
  json_object_object_add (o, "diagnostics", diags);
  puts (json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN |
                                              JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (o);
}

static void
emit (Validation *v, const Result *r)
{
  gboolean valid = cpm_report_is_valid (r->report);
  v->n_objects++;
  if (!valid)
    v->n_invalid++;
  if (!(v->quiet && valid)) {
    progress_clear (v);
    if (v->json)
      print_json (v, r);
    else
      print_text (v, r);
  }
  progress_update (v);
}

/* ---- objects that never became a CpmObject ---- */

static const char *
limit_rule (const char *message)
{
  static const struct {
    const char *limit;
    const char *rule;
  } map[] = {
    { "max_object_size", "limit.object-size" },
    { "max_header_line", "limit.header-line" },
    { "max_headers", "limit.headers" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (strstr (message, map[i].limit))
      return map[i].rule;
  return "limit.exceeded";
}

/* The library's parse errors start "line N: ..." when they have a place. */
static guint
error_line (const char *message)
{
  if (!g_str_has_prefix (message, "line "))
    return 0;
  guint64 line = g_ascii_strtoull (message + 5, NULL, 10);
  return line <= G_MAXUINT ? (guint) line : 0;
}

static void
emit_unreadable (Validation *v, const char *location, const GError *error)
{
  gboolean limit = g_error_matches (error, CPM_ERROR, CPM_ERROR_LIMIT);
  g_autoptr(CpmReport) report = cpm_report_new ();
  cpm_report_add (report, limit ? limit_rule (error->message) : "object.unreadable",
                  CPM_SEVERITY_ERROR, limit ? "libcpmobj limits" : "RFC 5322 2.1", NULL,
                  error_line (error->message), "%s", error->message);
  Result r = { location, v->kind, report, FALSE };
  emit (v, &r);
}

/* ---- store-level validation (issue 3) ----
 * `cpmobj validate --store DIR` plugs in here. Object rules stay in
 * validate_item(); store rules (what a folder must hold, folder names
 * against Conversation-ID / Contribution-ID, flags of the profile) need
 * each object together with its folder and flags, which
 * store_note_object() receives, and report their findings once every
 * object has been seen, in store_finish(). Add the option entry in
 * cmd_validate() next to --kind and keep its state in Validation. */
static void
store_note_object (Validation *v, const CpmSourceItem *item, const CpmObject *object)
{
  if (v->store)
    cpm_store_check_add_item (v->store, item, object);
}

/* Store findings print like objects, with kind "store" (cpmobj-validate(1)). */
static void
store_finish (Validation *v)
{
  if (!v->store)
    return;
  guint n = cpm_store_check_finish (v->store);
  for (guint i = 0; i < n; i++) {
    Result r = { cpm_store_check_get_location (v->store, i), CPM_KIND_UNKNOWN,
                 cpm_store_check_get_report (v->store, i), TRUE };
    gboolean valid = cpm_report_is_valid (r.report);
    if (!valid)
      v->n_invalid++;
    if (v->quiet && valid)
      continue;
    progress_clear (v);
    if (v->json)
      print_json (v, &r);
    else
      print_text (v, &r);
  }
}

/* ---- per object ---- */

static void
validate_item (Validation *v, const CpmSourceItem *item)
{
  const char *location = cpm_source_item_get_location (item);
  if (v->store && cpm_store_check_is_manifest (v->store, item))
    return; /* the dump's manifest.jsonl: flags, not an object */
  const GError *item_error = cpm_source_item_get_error (item);
  if (item_error && !g_error_matches (item_error, CPM_ERROR, CPM_ERROR_LIMIT)) {
    progress_clear (v);
    tool_error (SUB, "%s", item_error->message);
    v->io_failed = TRUE;
    return;
  }
  if (item_error) {
    emit_unreadable (v, location, item_error);
    return;
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) object = cpm_object_parse (cpm_source_item_get_bytes (item), NULL,
                                                  &error);
  if (object == NULL) {
    emit_unreadable (v, location, error);
    return;
  }
  if (v->kind != CPM_KIND_UNKNOWN)
    cpm_object_set_kind (object, v->kind);
  g_autoptr(CpmReport) report = cpm_validate (object, v->profile);
  Result r = { location, cpm_object_get_kind (object), report, FALSE };
  emit (v, &r);
  store_note_object (v, item, object);
}

static void
validate_path (Validation *v, const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmSource) src = cpm_source_new (path, &error);
  if (src == NULL) {
    progress_clear (v);
    tool_error (SUB, "%s", error->message);
    v->io_failed = TRUE;
    return;
  }
  CpmSourceItem *item = NULL;
  while (cpm_source_next (src, &item, &error)) {
    validate_item (v, item);
    cpm_source_item_unref (item);
  }
  if (error) {
    progress_clear (v);
    tool_error (SUB, "%s", error->message);
    v->io_failed = TRUE;
  }
}

/* ---- --list-rules ---- */

static void
list_rule (const CpmRuleInfo *r, gboolean json)
{
  if (json) {
    json_object *o = json_object_new_object ();
    json_object_object_add (o, "rule", json_string (r->rule));
    json_object_object_add (o, "severity", json_string (cpm_severity_to_string (r->severity)));
    json_object_object_add (o, "section", json_string (r->section));
    json_object_object_add (o, "summary", json_string (r->summary));
    puts (json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN |
                                                JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put (o);
    return;
  }
  printf ("%-36s %-7s %-28s %s\n", r->rule, cpm_severity_to_string (r->severity), r->section,
          r->summary);
}

static void
list_rules (gboolean json)
{
  guint n = 0;
  const CpmRuleInfo *rules = cpm_validate_rules (&n);
  for (guint i = 0; i < n; i++)
    list_rule (&rules[i], json);
  for (guint i = 0; i < G_N_ELEMENTS (tool_rules); i++)
    list_rule (&tool_rules[i], json);
  const CpmRuleInfo *store = cpm_store_rules (&n);
  for (guint i = 0; i < n; i++)
    list_rule (&store[i], json);
}

/* ---- entry point ---- */

int
cmd_validate (int argc, char **argv)
{
  g_autofree char *profile = NULL;
  g_autofree char *kind = NULL;
  g_autofree char *store = NULL;
  gboolean json = FALSE, quiet = FALSE, rules = FALSE;
  GOptionEntry entries[] = {
    { "profile", 'p', 0, G_OPTION_ARG_STRING, &profile,
      "Rules of profile P: 1.0, 2.0, 2.1 or 2.2 (default 2.2)", "P" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "One JSON object per line per object", NULL },
    { "kind", 'k', 0, G_OPTION_ARG_STRING, &kind,
      "Validate every object as kind K (message, chat, imdn, sms, mms, ...)", "K" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print only the objects that are invalid",
      NULL },
    { "list-rules", 0, 0, G_OPTION_ARG_NONE, &rules, "List the rule ids and exit", NULL },
    { "store", 's', 0, G_OPTION_ARG_FILENAME, &store,
      "Validate the store dump DIR: its objects, then the store rules (folder names, "
      "session folders, IMDN and GSO placement, flags)", "DIR" },
    { NULL },
  };
  if (!tool_parse_options (SUB, "PATH...",
                           "Validates CPM store objects found in files, directories, Maildirs,\n"
                           "mbox files, or standard input (\"-\"). Exit status: 0 all valid,\n"
                           "1 some invalid, 2 usage or I/O error. See cpmobj-validate(1).",
                           entries, &argc, &argv))
    return CPM_EXIT_USAGE;
  if (rules) {
    list_rules (json);
    return CPM_EXIT_OK;
  }
  Validation v = { .json = json, .quiet = quiet, .progress = tool_progress_enabled () };
  if (!tool_parse_profile (SUB, profile, &v.profile))
    return CPM_EXIT_USAGE;
  if (kind && (!cpm_kind_from_string (kind, &v.kind) || v.kind == CPM_KIND_UNKNOWN)) {
    tool_error (SUB, "unknown kind '%s' (see --help)", kind);
    return CPM_EXIT_USAGE;
  }
  if (argc < 2 && !store) {
    tool_error (SUB, "no PATH given (use \"-\" for standard input; try --help)");
    return CPM_EXIT_USAGE;
  }
  g_autoptr(CpmStoreCheck) store_check = NULL;
  if (store) {
    g_autoptr(GError) error = NULL;
    v.store = store_check = cpm_store_check_new (v.profile);
    if (!cpm_store_check_set_root (store_check, store, &error)) {
      tool_error (SUB, "%s", error->message);
      return CPM_EXIT_USAGE;
    }
    validate_path (&v, store);
  }
  v.store = NULL; /* other PATHs are not part of the dump */
  for (int i = 1; i < argc; i++)
    validate_path (&v, argv[i]);
  v.store = store_check;
  store_finish (&v);
  progress_clear (&v);
  if (fflush (stdout) != 0) {
    tool_error (SUB, "cannot write to standard output");
    return CPM_EXIT_USAGE;
  }
  if (v.io_failed)
    return CPM_EXIT_USAGE;
  return v.n_invalid ? CPM_EXIT_INVALID : CPM_EXIT_OK;
}
