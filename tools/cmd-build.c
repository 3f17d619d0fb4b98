/* cpmobj build: one object from options or a JSON description, over CpmBuilder.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "common.h"

#include <json-c/json.h>
#include <string.h>

#define SUB "build"

/* Every value of one object, from the JSON description first, then from
 * the command line: a scalar option replaces the JSON value, a repeatable
 * option adds to the JSON list. File names in a description are relative
 * to the directory of the description file. */
typedef struct {
  char *kind;
  char *profile;
  char *from;
  GPtrArray *to;
  char *date;
  char *subject;
  char *conversation_id;
  char *contribution_id;
  char *in_reply_to;
  char *service;
  GPtrArray *accept_contact;
  char *imdn_message_id;
  char *correlator;
  char *context;
  GPtrArray *header;  /* "Name: value" */
  char *text;
  char *content;      /* file name */
  char *content_type;
  GPtrArray *part;    /* "TYPE:FILE" or "TYPE:FILE:<CID>" */
  char *xml;          /* file name of the XML body of the XML kinds */
  gboolean xml_from_description;
  gboolean generate;
  char *base_dir;     /* for relative file names of a description */
} Spec;

static void
spec_clear (Spec *s)
{
  char **strings[] = { &s->kind, &s->profile, &s->from, &s->date, &s->subject,
                       &s->conversation_id, &s->contribution_id, &s->in_reply_to, &s->service,
                       &s->imdn_message_id, &s->correlator, &s->context, &s->text, &s->content,
                       &s->content_type, &s->base_dir, &s->xml };
  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    g_clear_pointer (strings[i], g_free);
  GPtrArray **lists[] = { &s->to, &s->accept_contact, &s->header, &s->part };
  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    g_clear_pointer (lists[i], g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Spec, spec_clear)

/* ---- the JSON description ---- */

typedef enum { KEY_STRING, KEY_LIST, KEY_BOOL } KeyType;

typedef struct {
  const char *key;
  KeyType type;
  gsize offset;
} Key;

#define STR(k, f) { k, KEY_STRING, G_STRUCT_OFFSET (Spec, f) }
#define LIST(k, f) { k, KEY_LIST, G_STRUCT_OFFSET (Spec, f) }

/* The keys are the long option names (see cpmobj-build(1)). */
static const Key keys[] = {
  STR ("kind", kind), STR ("profile", profile), STR ("from", from), LIST ("to", to),
  STR ("date", date), STR ("subject", subject), STR ("conversation-id", conversation_id),
  STR ("contribution-id", contribution_id), STR ("in-reply-to", in_reply_to),
  STR ("service", service), LIST ("accept-contact", accept_contact),
  STR ("imdn-message-id", imdn_message_id), STR ("correlator", correlator),
  STR ("context", context), LIST ("header", header), STR ("text", text),
  STR ("content", content), STR ("content-type", content_type), LIST ("part", part),
  STR ("xml", xml),
  { "generate", KEY_BOOL, G_STRUCT_OFFSET (Spec, generate) },
};

static GPtrArray *
list_new (void)
{
  return g_ptr_array_new_with_free_func (g_free);
}

/* A list key takes a string or an array of strings. */
static gboolean
json_list (json_object *value, const char *key, GPtrArray **list)
{
  if (!*list)
    *list = list_new ();
  if (json_object_is_type (value, json_type_string)) {
    g_ptr_array_add (*list, g_strdup (json_object_get_string (value)));
    return TRUE;
  }
  if (!json_object_is_type (value, json_type_array)) {
    tool_error (SUB, "description: \"%s\" must be a string or an array of strings", key);
    return FALSE;
  }
  for (size_t i = 0; i < json_object_array_length (value); i++) {
    json_object *item = json_object_array_get_idx (value, i);
    if (!json_object_is_type (item, json_type_string)) {
      tool_error (SUB, "description: \"%s\"[%zu] must be a string", key, i);
      return FALSE;
    }
    g_ptr_array_add (*list, g_strdup (json_object_get_string (item)));
  }
  return TRUE;
}

static gboolean
json_key (Spec *spec, const char *name, json_object *value)
{
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++) {
    if (strcmp (keys[i].key, name) != 0)
      continue;
    gpointer field = G_STRUCT_MEMBER_P (spec, keys[i].offset);
    switch (keys[i].type) {
    case KEY_LIST:
      return json_list (value, name, field);
    case KEY_BOOL:
      if (!json_object_is_type (value, json_type_boolean)) {
        tool_error (SUB, "description: \"%s\" must be true or false", name);
        return FALSE;
      }
      *(gboolean *) field = json_object_get_boolean (value);
      return TRUE;
    case KEY_STRING:
      if (!json_object_is_type (value, json_type_string)) {
        tool_error (SUB, "description: \"%s\" must be a string", name);
        return FALSE;
      }
      g_free (*(char **) field);
      *(char **) field = g_strdup (json_object_get_string (value));
      return TRUE;
    }
  }
  tool_error (SUB, "description: unknown key \"%s\" (see cpmobj-build(1))", name);
  return FALSE;
}

static gboolean
read_description (Spec *spec, const char *path)
{
  gboolean stdin_ = strcmp (path, "-") == 0;
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;
  if (!g_file_get_contents (stdin_ ? "/dev/stdin" : path, &text, &len, &error)) {
    tool_error (SUB, "%s", error->message);
    return FALSE;
  }
  enum json_tokener_error jerr = json_tokener_success;
  json_object *root = json_tokener_parse_verbose (text, &jerr);
  if (root == NULL || !json_object_is_type (root, json_type_object)) {
    tool_error (SUB, "%s: not a JSON object%s%s", stdin_ ? "<stdin>" : path,
                root ? "" : ": ", root ? "" : json_tokener_error_desc (jerr));
    json_object_put (root);
    return FALSE;
  }
  gboolean ok = TRUE;
  json_object_object_foreach (root, name, value)
    if (ok)
      ok = json_key (spec, name, value);
  json_object_put (root);
  spec->base_dir = stdin_ ? NULL : g_path_get_dirname (path);
  return ok;
}

/* ---- command-line options over the description ---- */

static void
override (char **field, char *option)
{
  if (option) {
    g_free (*field);
    *field = option;
  }
}

static void
extend (GPtrArray **list, GStrv option)
{
  if (!*list)
    *list = list_new ();
  for (guint i = 0; option && option[i]; i++)
    g_ptr_array_add (*list, g_strdup (option[i]));
}

/* Command-line file names are relative to the working directory. */
static char *
resolve (const Spec *spec, const char *file, gboolean from_description)
{
  if (!from_description || !spec->base_dir || g_path_is_absolute (file))
    return g_strdup (file);
  return g_build_filename (spec->base_dir, file, NULL);
}

/* ---- filling the builder ---- */

static void
set_if (CpmBuilder *b, const char *name, const char *value)
{
  if (value)
    cpm_builder_set_header (b, name, value);
}

/* An RFC 5322 date is kept as written; an ISO 8601 one is converted. Any
 * other text is handed on, for the builder to reject with its reason. */
static void
set_date (CpmBuilder *b, const char *text)
{
  g_autoptr(GDateTime) rfc = cpm_date_parse (text, strlen (text));
  if (rfc == NULL) {
    g_autoptr(GTimeZone) local = g_time_zone_new_local ();
    g_autoptr(GDateTime) iso = g_date_time_new_from_iso8601 (text, local);
    if (iso) {
      cpm_builder_set_date (b, iso);
      return;
    }
  }
  cpm_builder_set_header (b, "Date", text);
}

static gboolean
add_headers (CpmBuilder *b, GPtrArray *headers)
{
  for (guint i = 0; headers && i < headers->len; i++) {
    const char *h = headers->pdata[i];
    const char *colon = strchr (h, ':');
    if (colon == NULL || colon == h) {
      tool_error (SUB, "--header '%s': expected 'Name: value'", h);
      return FALSE;
    }
    g_autofree char *name = g_strstrip (g_strndup (h, (gsize) (colon - h)));
    g_autofree char *value = g_strstrip (g_strdup (colon + 1));
    cpm_builder_add_header (b, name, value);
  }
  return TRUE;
}

static GBytes *
load_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &data, &len, &error)) {
    tool_error (SUB, "%s", error->message);
    return NULL;
  }
  return g_bytes_new_take (data, len);
}

/* The type of the XML body (or multipart/related root) of each XML kind:
 * 5.2.2.1, 5.2.3.1, Table 4, Table 6. */
static const char *
xml_type (CpmKind kind)
{
  switch (kind) {
  case CPM_KIND_FILE_TRANSFER: return CPM_FILE_TRANSFER_TYPE;
  case CPM_KIND_SESSION_INFO: return CPM_SESSION_INFO_TYPE;
  case CPM_KIND_GROUP_STATE: return "application/group-state-object+xml";
  case CPM_KIND_CONFERENCE_INFO: return "application/conference-info+xml";
  default: return NULL;
  }
}

/* --xml FILE: the XML body, typed by the kind. */
static gboolean
set_xml (CpmBuilder *b, const Spec *spec, CpmKind kind)
{
  const char *type = xml_type (kind);
  if (!type) {
    tool_error (SUB, "--xml is for the kinds file-transfer, session-info, group-state and "
                     "conference-info, not %s", cpm_kind_to_string (kind));
    return FALSE;
  }
  g_autofree char *path = resolve (spec, spec->xml, spec->xml_from_description);
  g_autoptr(GBytes) bytes = load_file (path);
  if (!bytes)
    return FALSE;
  cpm_builder_set_content (b, type, bytes);
  return TRUE;
}

/* The object's content: --text, --content with --content-type, or --xml. */
static gboolean
set_content (CpmBuilder *b, const Spec *spec, gboolean content_from_description)
{
  if ((spec->text != NULL) + (spec->content != NULL) + (spec->xml != NULL) > 1) {
    tool_error (SUB, "--text, --content and --xml exclude each other");
    return FALSE;
  }
  if (spec->text) {
    if (!g_utf8_validate (spec->text, -1, NULL)) {
      tool_error (SUB, "--text is not valid UTF-8");
      return FALSE;
    }
    g_autoptr(GBytes) bytes = g_bytes_new (spec->text, strlen (spec->text));
    cpm_builder_set_content (b, "text/plain; charset=utf-8", bytes);
    return TRUE;
  }
  if (!spec->content)
    return TRUE;
  if (!spec->content_type) {
    tool_error (SUB, "--content needs --content-type");
    return FALSE;
  }
  g_autofree char *path = resolve (spec, spec->content, content_from_description);
  g_autoptr(GBytes) bytes = load_file (path);
  if (!bytes)
    return FALSE;
  cpm_builder_set_content (b, spec->content_type, bytes);
  return TRUE;
}

/* A trailing ":<CID>" names the part's Content-ID (file transfers, GSO
 * icons); neither a type nor a Content-ID can hold a colon. */
static char *
take_content_id (char *file)
{
  gsize n = strlen (file);
  char *sep = g_strrstr (file, ":<");
  if (!sep || n < 4 || file[n - 1] != '>' || sep == file)
    return NULL;
  char *cid = g_strndup (sep + 2, (gsize) (file + n - 1 - (sep + 2)));
  *sep = '\0';
  return cid;
}

/* --part TYPE:FILE[:<CID>], the type split at the first colon. */
static gboolean
add_parts (CpmBuilder *b, const Spec *spec, guint n_from_description)
{
  for (guint i = 0; spec->part && i < spec->part->len; i++) {
    const char *p = spec->part->pdata[i];
    const char *colon = strchr (p, ':');
    if (colon == NULL || colon == p || colon[1] == '\0') {
      tool_error (SUB, "--part '%s': expected TYPE:FILE", p);
      return FALSE;
    }
    g_autofree char *type = g_strndup (p, (gsize) (colon - p));
    g_autofree char *file = g_strdup (colon + 1);
    g_autofree char *cid = take_content_id (file);
    g_autofree char *path = resolve (spec, file, i < n_from_description);
    g_autoptr(GBytes) bytes = load_file (path);
    if (!bytes)
      return FALSE;
    g_autofree char *filename = g_path_get_basename (path);
    cpm_builder_add_part (b, type, cid, filename, bytes);
  }
  return TRUE;
}

/* Message-Context names the legacy kind (Table 1): an SMS object is
 * "pager-message", an MMS object "multimedia-message". */
static const char *
implied_context (CpmKind kind)
{
  return kind == CPM_KIND_SMS ? "pager-message"
       : kind == CPM_KIND_MMS ? "multimedia-message"
                              : NULL;
}

static void
set_headers (CpmBuilder *b, const Spec *spec, CpmKind kind)
{
  set_if (b, "From", spec->from);
  /* To is one field (at most one occurrence) holding every recipient. */
  if (spec->to && spec->to->len) {
    g_autoptr(GString) to = g_string_new (NULL);
    for (guint i = 0; i < spec->to->len; i++)
      g_string_append_printf (to, "%s%s", i ? ", " : "", (const char *) spec->to->pdata[i]);
    cpm_builder_set_header (b, "To", to->str);
  }
  if (spec->date)
    set_date (b, spec->date);
  set_if (b, "Subject", spec->subject);
  set_if (b, "Conversation-ID", spec->conversation_id);
  set_if (b, "Contribution-ID", spec->contribution_id);
  set_if (b, "InReplyTo-Contribution-ID", spec->in_reply_to);
  set_if (b, "P-Asserted-Service", spec->service);
  for (guint i = 0; spec->accept_contact && i < spec->accept_contact->len; i++)
    cpm_builder_add_header (b, "Accept-Contact", spec->accept_contact->pdata[i]);
  set_if (b, "IMDN-Message-ID", spec->imdn_message_id);
  set_if (b, "Message-Context", spec->context ? spec->context : implied_context (kind));
  set_if (b, "Message-Correlator", spec->correlator);
}

static int
build (const Spec *spec, gboolean content_from_description, guint n_parts_from_description,
       const char *output)
{
  CpmKind kind = CPM_KIND_MESSAGE;
  if (!spec->kind) {
    tool_error (SUB, "--kind is required (message, chat, imdn, sms, mms, file-transfer, "
                     "session-info, group-state, conference-info or media)");
    return CPM_EXIT_USAGE;
  }
  if (!cpm_kind_from_string (spec->kind, &kind) || kind == CPM_KIND_UNKNOWN) {
    tool_error (SUB, "unknown kind '%s' (message, chat, imdn, sms, mms, file-transfer, "
                     "session-info, group-state, conference-info or media)", spec->kind);
    return CPM_EXIT_USAGE;
  }
  CpmProfile profile;
  if (!tool_parse_profile (SUB, spec->profile, &profile))
    return CPM_EXIT_USAGE;

  g_autoptr(CpmBuilder) b = cpm_builder_new (kind);
  cpm_builder_set_profile (b, profile);
  if (spec->generate)
    cpm_builder_set_generate (b, CPM_GENERATE_IMDN_MESSAGE_ID | CPM_GENERATE_DATE);
  set_headers (b, spec, kind);
  if (!add_headers (b, spec->header) || !set_content (b, spec, content_from_description) ||
      (spec->xml && !set_xml (b, spec, kind)) || !add_parts (b, spec, n_parts_from_description))
    return CPM_EXIT_USAGE;

  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) object = cpm_builder_build (b, &error);
  if (object == NULL) {
    tool_error (SUB, "%s", error->message);
    return CPM_EXIT_INVALID;
  }
  g_autoptr(GBytes) bytes = cpm_object_serialize (object);
  gsize len = 0;
  const void *data = g_bytes_get_data (bytes, &len);
  if (!tool_write_output (output, data, len, &error)) {
    tool_error (SUB, "%s", error->message);
    return CPM_EXIT_USAGE;
  }
  return CPM_EXIT_OK;
}

int
cmd_build (int argc, char **argv)
{
  char *kind = NULL, *profile = NULL, *from = NULL, *date = NULL, *subject = NULL;
  char *conversation_id = NULL, *contribution_id = NULL, *in_reply_to = NULL;
  char *service = NULL, *imdn_message_id = NULL, *correlator = NULL, *context = NULL;
  char *text = NULL, *content = NULL, *content_type = NULL, *xml = NULL;
  g_autofree char *description = NULL, *output = NULL;
  g_auto(GStrv) to = NULL, accept_contact = NULL, header = NULL, part = NULL;
  gboolean generate = FALSE;
  GOptionEntry entries[] = {
    { "kind", 'k', 0, G_OPTION_ARG_STRING, &kind,
      "Kind: message, chat, imdn, sms, mms, file-transfer, session-info, group-state, "
      "conference-info or media", "K" },
    { "from", 0, 0, G_OPTION_ARG_STRING, &from, "From address", "A" },
    { "to", 0, 0, G_OPTION_ARG_STRING_ARRAY, &to, "To address (repeat for more)", "A" },
    { "date", 0, 0, G_OPTION_ARG_STRING, &date, "Date (RFC 5322 or ISO 8601)", "D" },
    { "subject", 0, 0, G_OPTION_ARG_STRING, &subject, "Subject", "S" },
    { "conversation-id", 0, 0, G_OPTION_ARG_STRING, &conversation_id, "Conversation-ID", "ID" },
    { "contribution-id", 0, 0, G_OPTION_ARG_STRING, &contribution_id, "Contribution-ID", "ID" },
    { "in-reply-to", 0, 0, G_OPTION_ARG_STRING, &in_reply_to, "InReplyTo-Contribution-ID",
      "ID" },
    { "service", 0, 0, G_OPTION_ARG_STRING, &service, "P-Asserted-Service feature tag", "URN" },
    { "accept-contact", 0, 0, G_OPTION_ARG_STRING_ARRAY, &accept_contact,
      "Accept-Contact value (repeat for more)", "V" },
    { "imdn-message-id", 0, 0, G_OPTION_ARG_STRING, &imdn_message_id, "IMDN-Message-ID", "ID" },
    { "correlator", 0, 0, G_OPTION_ARG_STRING, &correlator, "Message-Correlator", "V" },
    { "context", 0, 0, G_OPTION_ARG_STRING, &context,
      "Message-Context (implied by --kind sms or mms)", "V" },
    { "header", 0, 0, G_OPTION_ARG_STRING_ARRAY, &header, "Any header (repeatable)",
      "'NAME: VALUE'" },
    { "text", 0, 0, G_OPTION_ARG_STRING, &text, "Content: UTF-8 text/plain", "T" },
    { "content", 0, 0, G_OPTION_ARG_FILENAME, &content, "Content: the bytes of FILE", "FILE" },
    { "content-type", 0, 0, G_OPTION_ARG_STRING, &content_type, "Content-Type of --content",
      "TYPE" },
    { "part", 0, 0, G_OPTION_ARG_STRING_ARRAY, &part,
      "Add a body part, with Content-ID CID if given (repeatable)", "TYPE:FILE[:<CID>]" },
    { "xml", 0, 0, G_OPTION_ARG_FILENAME, &xml,
      "XML body (root part) of file-transfer, session-info, group-state, conference-info",
      "FILE" },
    { "generate", 'g', 0, G_OPTION_ARG_NONE, &generate,
      "Generate IMDN-Message-ID and Date when not given", NULL },
    { "profile", 'p', 0, G_OPTION_ARG_STRING, &profile, "Profile: 1.0, 2.0, 2.1 or 2.2", "P" },
    { "json-description", 'j', 0, G_OPTION_ARG_FILENAME, &description,
      "Take the values from a JSON description (\"-\": standard input)", "FILE" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      "Write to FILE atomically instead of standard output", "FILE" },
    { NULL },
  };
  g_auto(Spec) spec = { 0 };
  gboolean ok = tool_parse_options (SUB, "",
                                    "Builds one CPM store object and writes it as RFC 5322 "
                                    "bytes.\nSee cpmobj-build(1) for the JSON description "
                                    "format.",
                                    entries, &argc, &argv);
  /* The scalar option strings move into the spec (override takes them). */
  if (ok && argc > 1) {
    tool_error (SUB, "unexpected argument '%s' (try --help)", argv[1]);
    ok = FALSE;
  }
  if (ok && description)
    ok = read_description (&spec, description);
  guint n_parts_json = spec.part ? spec.part->len : 0;
  gboolean content_json = spec.content != NULL && content == NULL;
  spec.xml_from_description = spec.xml != NULL && xml == NULL;
  override (&spec.kind, kind);
  override (&spec.profile, profile);
  override (&spec.from, from);
  override (&spec.date, date);
  override (&spec.subject, subject);
  override (&spec.conversation_id, conversation_id);
  override (&spec.contribution_id, contribution_id);
  override (&spec.in_reply_to, in_reply_to);
  override (&spec.service, service);
  override (&spec.imdn_message_id, imdn_message_id);
  override (&spec.correlator, correlator);
  override (&spec.context, context);
  override (&spec.text, text);
  override (&spec.content, content);
  override (&spec.content_type, content_type);
  override (&spec.xml, xml);
  extend (&spec.to, to);
  extend (&spec.accept_contact, accept_contact);
  extend (&spec.header, header);
  extend (&spec.part, part);
  spec.generate = spec.generate || generate;
  if (!ok)
    return CPM_EXIT_USAGE;
  return build (&spec, content_json, n_parts_json, output);
}
