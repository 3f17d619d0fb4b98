/* Store-level validation: folder names against the ids of the objects in
 * them, what a session history folder holds, where IMDNs and GSOs sit,
 * non-CPM folders, and the flags of the profile (5.2.1, 5.2.7-5.2.10, 5.5).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"

#include <cpmobj/cpm-imdn.h>
#include <cpmobj/cpm-store.h>

#include "cpm-media-private.h"
#include "cpm-xml-private.h"

#include <json-c/json.h>
#include <string.h>

#define MANIFEST "manifest.jsonl"

static const CpmRuleInfo store_rules[] = {
  { "store.conversation-folder-name", CPM_SEVERITY_ERROR, "5.2.7",
    "a conversation history folder is not named by the Conversation-ID of its objects" },
  { "store.session-folder-name", CPM_SEVERITY_ERROR, "5.2.8",
    "a session history folder is not named by its session's Contribution-ID" },
  { "store.session-folder-parent", CPM_SEVERITY_ERROR, "5.2.7, 5.2.8",
    "a session history folder is not under the folder of its conversation" },
  { "store.session-info-count", CPM_SEVERITY_ERROR, "5.2.8",
    "a session history folder does not hold exactly one session info object" },
  { "store.gso-placement", CPM_SEVERITY_ERROR, "5.2.8, I.2",
    "a Group State Object outside the session history folder of a group session" },
  { "store.imdn-placement", CPM_SEVERITY_ERROR, "5.2.1",
    "a disposition notification not in the folder of the message it refers to" },
  { "store.non-cpm-folder", CPM_SEVERITY_ERROR, "5.2.10",
    "a folder under Default holding no CPM object" },
  { "store.flag-profile", CPM_SEVERITY_ERROR, "5.5, 4.3",
    "a flag of another profile ($MDNSent only in 1.0, Archived from 2.1 on)" },
  { "store.flag-unknown", CPM_SEVERITY_WARNING, "5.5",
    "a flag or keyword 5.5 does not list" },
  { "store.manifest", CPM_SEVERITY_WARNING, "cpmobj-convert(1)",
    "a manifest.jsonl line that cannot be read" },
};

const CpmRuleInfo *
cpm_store_rules (guint *n_rules)
{
  *n_rules = G_N_ELEMENTS (store_rules);
  return store_rules;
}

/* What the rules need of one object. */
typedef struct {
  char *folder;
  char *location;
  CpmKind kind;
  char *conversation_id;
  char *contribution_id;
  char *imdn_message_id;
  char *imdn_ref;     /* IMDN: the original's message-id */
  char *session_type; /* session info: the <session-type> */
  GStrv flags;        /* NULL: not recorded */
} Entry;

typedef struct {
  char *location;
  CpmReport *report;
} Place;

struct _CpmStoreCheck {
  gint ref_count;
  CpmProfile profile;
  char *root;
  GHashTable *manifest_flags; /* relative file -> GStrv */
  GPtrArray *entries;         /* Entry */
  GPtrArray *places;          /* Place, in order of first finding */
  GHashTable *place_index;    /* location -> index + 1 */
  gboolean finished;
};

static void
entry_free (gpointer p)
{
  Entry *e = p;
  g_free (e->folder);
  g_free (e->location);
  g_free (e->conversation_id);
  g_free (e->contribution_id);
  g_free (e->imdn_message_id);
  g_free (e->imdn_ref);
  g_free (e->session_type);
  g_strfreev (e->flags);
  g_free (e);
}

static void
place_free (gpointer p)
{
  Place *pl = p;
  g_free (pl->location);
  cpm_report_unref (pl->report);
  g_free (pl);
}

CpmStoreCheck *
cpm_store_check_new (CpmProfile profile)
{
  CpmStoreCheck *c = g_new0 (CpmStoreCheck, 1);
  c->ref_count = 1;
  c->profile = profile;
  c->manifest_flags = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) g_strfreev);
  c->entries = g_ptr_array_new_with_free_func (entry_free);
  c->places = g_ptr_array_new_with_free_func (place_free);
  c->place_index = g_hash_table_new (g_str_hash, g_str_equal);
  return c;
}

CpmStoreCheck *
cpm_store_check_ref (CpmStoreCheck *check)
{
  g_atomic_int_inc (&check->ref_count);
  return check;
}

void
cpm_store_check_unref (CpmStoreCheck *check)
{
  if (!check || !g_atomic_int_dec_and_test (&check->ref_count))
    return;
  g_free (check->root);
  g_hash_table_unref (check->manifest_flags);
  g_ptr_array_unref (check->entries);
  g_hash_table_unref (check->place_index);
  g_ptr_array_unref (check->places);
  g_free (check);
}

static CpmReport *
place_report (CpmStoreCheck *c, const char *location)
{
  gpointer idx = g_hash_table_lookup (c->place_index, location);
  if (idx)
    return ((Place *) c->places->pdata[GPOINTER_TO_UINT (idx) - 1])->report;
  Place *pl = g_new0 (Place, 1);
  pl->location = g_strdup (location);
  pl->report = cpm_report_new ();
  g_ptr_array_add (c->places, pl);
  g_hash_table_insert (c->place_index, pl->location, GUINT_TO_POINTER (c->places->len));
  return pl->report;
}

static const CpmRuleInfo *
rule_info (const char *rule)
{
  for (guint i = 0; i < G_N_ELEMENTS (store_rules); i++)
    if (strcmp (store_rules[i].rule, rule) == 0)
      return &store_rules[i];
  g_assert_not_reached ();
}

/* Folder places read like object locations: under the dump's path. */
static char *
folder_location (const CpmStoreCheck *c, const char *folder)
{
  return c->root ? g_build_filename (c->root, folder, NULL) : g_strdup (folder);
}

static void G_GNUC_PRINTF (5, 6)
finding (CpmStoreCheck *c, const char *location, const char *rule, guint line,
         const char *format, ...)
{
  const CpmRuleInfo *info = rule_info (rule);
  va_list ap;
  va_start (ap, format);
  g_autofree char *msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  cpm_report_add (place_report (c, location), rule, info->severity, info->section, NULL, line,
                  "%s", msg);
}

/* ---- the manifest ---- */

static GStrv
json_flags (json_object *arr)
{
  GPtrArray *out = g_ptr_array_new ();
  for (size_t i = 0; i < json_object_array_length (arr); i++) {
    json_object *f = json_object_array_get_idx (arr, i);
    if (json_object_is_type (f, json_type_string))
      g_ptr_array_add (out, g_strdup (json_object_get_string (f)));
  }
  g_ptr_array_add (out, NULL);
  return (GStrv) g_ptr_array_free (out, FALSE);
}

static void
manifest_line (CpmStoreCheck *c, const char *text, guint lineno)
{
  json_object *o = json_tokener_parse (text);
  json_object *file = NULL, *flags = NULL;
  if (!o || !json_object_object_get_ex (o, "file", &file) ||
      !json_object_is_type (file, json_type_string) ||
      !json_object_object_get_ex (o, "flags", &flags) ||
      !json_object_is_type (flags, json_type_array)) {
    g_autofree char *manifest = folder_location (c, MANIFEST);
    g_autofree char *where = g_strdup_printf ("%s:%u", manifest, lineno);
    finding (c, where, "store.manifest", lineno,
             "not a JSON object with a \"file\" string and a \"flags\" array");
  } else {
    g_hash_table_replace (c->manifest_flags, g_strdup (json_object_get_string (file)),
                          json_flags (flags));
  }
  json_object_put (o);
}

gboolean
cpm_store_check_set_root (CpmStoreCheck *check, const char *root, GError **error)
{
  g_free (check->root);
  check->root = g_strdup (root);
  g_autofree char *path = g_build_filename (root, MANIFEST, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return TRUE;
  g_autofree char *data = NULL;
  g_autoptr(GError) local = NULL;
  if (!g_file_get_contents (path, &data, NULL, &local)) {
    g_set_error (error, CPM_ERROR, CPM_ERROR_IO, "%s", local->message);
    return FALSE;
  }
  g_auto(GStrv) lines = cpm_text_split (data, '\n');
  for (guint i = 0; lines[i]; i++)
    if (*g_strstrip (lines[i]))
      manifest_line (check, lines[i], i + 1);
  return TRUE;
}

/* ---- collecting ---- */

/* The <session-type> of a session info object, NULL if it has none. */
static char *
session_type_of (const CpmObject *object)
{
  GBytes *body = cpm_object_get_body (object);
  if (!body)
    return NULL;
  gsize len = 0;
  const char *data = g_bytes_get_data (body, &len);
  xmlDocPtr doc = cpm_xml_parse (data, len, NULL, NULL, NULL);
  if (!doc)
    return NULL;
  xmlNodePtr type = cpm_xml_child (xmlDocGetRootElement (doc), "session-type");
  char *text = type ? g_strstrip (cpm_xml_get_text (type)) : NULL;
  xmlFreeDoc (doc);
  return text;
}

static char *
dup_header (const CpmObject *object, const char *name)
{
  const char *v = cpm_object_get_header (object, name);
  return v ? g_strdup (v) : NULL;
}

/* One mbox per folder: "conv.mbox" holds folder "conv". */
static char *
folder_name (const char *folder)
{
  if (g_str_has_suffix (folder, ".mbox"))
    return g_strndup (folder, strlen (folder) - 5);
  return g_strdup (folder);
}

void
cpm_store_check_add_object (CpmStoreCheck *check, const char *folder, const char *location,
                            const CpmObject *object, const char *const *flags)
{
  g_return_if_fail (!check->finished);
  Entry *e = g_new0 (Entry, 1);
  e->folder = folder_name (folder ? folder : "");
  e->location = g_strdup (location);
  e->kind = cpm_object_get_kind (object);
  e->conversation_id = dup_header (object, "Conversation-ID");
  e->contribution_id = dup_header (object, "Contribution-ID");
  e->imdn_message_id = dup_header (object, "IMDN-Message-ID");
  if (e->kind == CPM_KIND_IMDN)
    e->imdn_ref = cpm_imdn_dup_original_message_id (object, NULL);
  if (e->kind == CPM_KIND_SESSION_INFO)
    e->session_type = session_type_of (object);
  e->flags = flags ? g_strdupv ((GStrv) flags) : NULL;
  g_ptr_array_add (check->entries, e);
}

/* The item's path relative to the root, or NULL when it is not under it. */
static const char *
relative_path (const CpmStoreCheck *check, const char *path)
{
  if (!check->root)
    return NULL;
  gsize n = strlen (check->root);
  while (n > 1 && check->root[n - 1] == '/')
    n--;
  if (strncmp (path, check->root, n) != 0 || path[n] != '/')
    return NULL;
  return path + n + 1;
}

gboolean
cpm_store_check_is_manifest (const CpmStoreCheck *check, const CpmSourceItem *item)
{
  const char *rel = relative_path (check, cpm_source_item_get_path (item));
  return rel && strcmp (rel, MANIFEST) == 0;
}

gboolean
cpm_store_check_add_item (CpmStoreCheck *check, const CpmSourceItem *item,
                          const CpmObject *object)
{
  if (cpm_store_check_is_manifest (check, item))
    return FALSE;
  g_auto(GStrv) maildir = NULL;
  const char *const *flags = NULL;
  if (cpm_source_item_get_flags (item)) {
    maildir = cpm_source_item_dup_imap_flags (item);
    flags = (const char *const *) maildir;
  } else {
    const char *rel = relative_path (check, cpm_source_item_get_path (item));
    if (rel)
      flags = g_hash_table_lookup (check->manifest_flags, rel);
  }
  cpm_store_check_add_object (check, cpm_source_item_get_folder (item),
                              cpm_source_item_get_location (item), object, flags);
  return TRUE;
}

/* ---- the folder tree ---- */

typedef struct {
  char *path;          /* folder path in the dump */
  GPtrArray *direct;   /* Entry, objects directly in it */
  GPtrArray *subtree;  /* Entry, objects in it and below */
  GPtrArray *children; /* Folder, the session folders of a conversation */
} Folder;

static void
folder_free (gpointer p)
{
  Folder *f = p;
  g_free (f->path);
  g_ptr_array_unref (f->direct);
  g_ptr_array_unref (f->subtree);
  g_ptr_array_unref (f->children);
  g_free (f);
}

static Folder *
folder_get (GHashTable *table, GPtrArray *order, const char *path)
{
  Folder *f = g_hash_table_lookup (table, path);
  if (!f) {
    f = g_new0 (Folder, 1);
    f->path = g_strdup (path);
    f->direct = g_ptr_array_new ();
    f->subtree = g_ptr_array_new ();
    f->children = g_ptr_array_new ();
    g_hash_table_insert (table, f->path, f);
    g_ptr_array_add (order, f);
  }
  return f;
}

/* The CPM tree: "Default" when the dump has it, else the top. */
static const char *
default_root (const CpmStoreCheck *c)
{
  for (guint i = 0; i < c->entries->len; i++) {
    const Entry *e = c->entries->pdata[i];
    if (strcmp (e->folder, "Default") == 0 || g_str_has_prefix (e->folder, "Default/"))
      return "Default";
  }
  return "";
}

/* Levels below the CPM root: conversation folders (level 1) and session
 * history folders (level 2), keyed by their dump path. */
typedef struct {
  GHashTable *table;   /* path -> Folder (owned) */
  GPtrArray *convs;    /* Folder, level 1, in order */
  GPtrArray *sessions; /* Folder, level 2, in order */
} Tree;

static void
tree_build (const CpmStoreCheck *c, Tree *t)
{
  const char *root = default_root (c);
  gsize rn = strlen (root);
  t->table = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, folder_free);
  t->convs = g_ptr_array_new ();
  t->sessions = g_ptr_array_new ();
  for (guint i = 0; i < c->entries->len; i++) {
    Entry *e = c->entries->pdata[i];
    const char *rel = e->folder;
    if (rn) {
      if (strncmp (rel, root, rn) != 0 || rel[rn] != '/')
        continue; /* outside Default, or directly in it */
      rel += rn + 1;
    }
    if (!*rel)
      continue;
    g_auto(GStrv) parts = g_strsplit (rel, "/", 3);
    g_autofree char *conv_path = rn ? g_strconcat (root, "/", parts[0], NULL) : g_strdup (parts[0]);
    Folder *conv = folder_get (t->table, t->convs, conv_path);
    g_ptr_array_add (conv->subtree, e);
    if (!parts[1]) {
      g_ptr_array_add (conv->direct, e);
      continue;
    }
    g_autofree char *sess_path = g_strconcat (conv_path, "/", parts[1], NULL);
    guint n_sessions = t->sessions->len;
    Folder *sess = folder_get (t->table, t->sessions, sess_path);
    if (t->sessions->len > n_sessions)
      g_ptr_array_add (conv->children, sess);
    g_ptr_array_add (sess->subtree, e);
    if (!parts[2])
      g_ptr_array_add (sess->direct, e);
  }
}

static void
tree_clear (Tree *t)
{
  g_ptr_array_unref (t->convs);
  g_ptr_array_unref (t->sessions);
  g_hash_table_unref (t->table);
}

static const char *
last_component (const char *path)
{
  const char *slash = strrchr (path, '/');
  return slash ? slash + 1 : path;
}

/* The Conversation-IDs in @entries that differ from @name, ", "-joined,
 * or NULL when all match (objects without one, e.g. media, do not count). */
static char *
foreign_ids (GPtrArray *entries, const char *name, const char *(*id_of) (const Entry *))
{
  g_autoptr(GPtrArray) seen = g_ptr_array_new ();
  g_autoptr(GHashTable) set = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < entries->len; i++) {
    const char *id = id_of (entries->pdata[i]);
    if (id && strcmp (id, name) != 0 && g_hash_table_add (set, (gpointer) id))
      g_ptr_array_add (seen, (gpointer) id);
  }
  if (!seen->len)
    return NULL;
  g_ptr_array_add (seen, NULL);
  return g_strjoinv (", ", (char **) seen->pdata);
}

static const char *
conversation_of (const Entry *e)
{
  return e->conversation_id;
}

static gboolean
has_cpm_object (GPtrArray *entries)
{
  for (guint i = 0; i < entries->len; i++)
    if (((const Entry *) entries->pdata[i])->conversation_id)
      return TRUE;
  return FALSE;
}

/* 5.2.7: "The name of the conversation history folder is set to the CPM
 * Conversation Identity". With no object directly in it, the ids of its
 * session folders speak for it when they all agree. Returns TRUE when the
 * folder was found misnamed (its session folders are then not blamed). */
static gboolean
check_conversation (CpmStoreCheck *c, Folder *conv)
{
  const char *name = last_component (conv->path);
  GPtrArray *witnesses = has_cpm_object (conv->direct) ? conv->direct : conv->subtree;
  g_autofree char *other = foreign_ids (witnesses, name, conversation_of);
  if (!other)
    return FALSE;
  if (witnesses == conv->subtree && strchr (other, ','))
    return FALSE; /* session folders disagree: each is blamed on its own */
  g_autofree char *where = folder_location (c, conv->path);
  finding (c, where, "store.conversation-folder-name", 0,
           "conversation history folder \"%s\" holds objects of Conversation-ID %s", name, other);
  return TRUE;
}

/* 5.2.8: one session info object, the folder named by its Contribution-ID,
 * and the folder under its conversation's folder. */
static void
check_session (CpmStoreCheck *c, Folder *sess, gboolean parent_misnamed)
{
  const char *name = last_component (sess->path);
  g_autoptr(GPtrArray) infos = g_ptr_array_new ();
  for (guint i = 0; i < sess->direct->len; i++)
    if (((Entry *) sess->direct->pdata[i])->kind == CPM_KIND_SESSION_INFO)
      g_ptr_array_add (infos, sess->direct->pdata[i]);
  g_autofree char *where = folder_location (c, sess->path);
  if (infos->len != 1)
    finding (c, where, "store.session-info-count", 0,
             "session history folder \"%s\" holds %u session info objects; it SHALL hold one",
             name, infos->len);
  if (infos->len == 1) {
    const Entry *info = infos->pdata[0];
    if (info->contribution_id && strcmp (info->contribution_id, name) != 0)
      finding (c, where, "store.session-folder-name", 0,
               "session history folder \"%s\" holds the session of Contribution-ID %s (%s)",
               name, info->contribution_id, info->location);
  }
  if (parent_misnamed)
    return;
  g_autofree char *dir = g_path_get_dirname (sess->path);
  const char *conv_name = last_component (dir);
  g_autofree char *other = foreign_ids (sess->subtree, conv_name, conversation_of);
  if (other)
    finding (c, where, "store.session-folder-parent", 0,
             "session history folder \"%s\" belongs to Conversation-ID %s, not to \"%s\"",
             name, other, conv_name);
}

/* 5.2.10: "Such specific non-CPM folders SHALL NOT be allowed under the
 * /Default folder". A folder whose objects (its subtree included) carry
 * no Conversation-ID holds no CPM conversation. */
static gboolean
check_non_cpm (CpmStoreCheck *c, Folder *conv)
{
  if (has_cpm_object (conv->subtree))
    return FALSE;
  g_autofree char *where = folder_location (c, conv->path);
  finding (c, where, "store.non-cpm-folder", 0,
           "folder \"%s\" under Default holds no CPM object (no Conversation-ID): non-CPM "
           "folders belong outside Default", conv->path);
  return TRUE;
}

/* Group State Objects "correspond to the CPM Session" (I.2, I.3): they sit
 * in the session history folder of a Group session. */
static void
check_gso (CpmStoreCheck *c, const Entry *e, GHashTable *table)
{
  Folder *f = g_hash_table_lookup (table, e->folder);
  gboolean group = FALSE;
  for (guint i = 0; f && i < f->direct->len; i++) {
    const Entry *o = f->direct->pdata[i];
    if (o->kind == CPM_KIND_SESSION_INFO && o->session_type && strcmp (o->session_type, "Group") == 0)
      group = TRUE;
  }
  if (!group)
    finding (c, e->location, "store.gso-placement", 0,
             "Group State Object in folder \"%s\", which holds no Group session", e->folder);
}

/* 5.2.1: notifications "are stored ... in the same Message Store folder as
 * the original message they are associated with". An original that is not
 * in the dump at all cannot be judged. */
static void
check_imdns (CpmStoreCheck *c)
{
  g_autoptr(GHashTable) by_id = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                       (GDestroyNotify) g_ptr_array_unref);
  for (guint i = 0; i < c->entries->len; i++) {
    Entry *e = c->entries->pdata[i];
    if (e->kind == CPM_KIND_IMDN || !e->imdn_message_id)
      continue;
    GPtrArray *list = g_hash_table_lookup (by_id, e->imdn_message_id);
    if (!list)
      g_hash_table_insert (by_id, e->imdn_message_id, list = g_ptr_array_new ());
    g_ptr_array_add (list, e);
  }
  for (guint i = 0; i < c->entries->len; i++) {
    Entry *e = c->entries->pdata[i];
    GPtrArray *originals = e->imdn_ref ? g_hash_table_lookup (by_id, e->imdn_ref) : NULL;
    if (!originals)
      continue;
    gboolean together = FALSE;
    for (guint j = 0; j < originals->len; j++)
      together |= strcmp (((Entry *) originals->pdata[j])->folder, e->folder) == 0;
    if (!together)
      finding (c, e->location, "store.imdn-placement", 0,
               "notification about message %s is in folder \"%s\", the message in \"%s\" (%s)",
               e->imdn_ref, e->folder, ((Entry *) originals->pdata[0])->folder,
               ((Entry *) originals->pdata[0])->location);
  }
}

/* 5.5 (and 000 5.5 for 1.0): the flags of the profile. 5.5 lists what a
 * store SHALL "at least" support, so another keyword is a warning; a flag
 * of another profile is an error: $MDNSent is listed by 1.0 only, Archived
 * exists from 2.1 on (4.3, Appendix K). Flags compare case-insensitively
 * (RFC 3501 2.3.2). */
static void
check_flags (CpmStoreCheck *c, const Entry *e)
{
  static const char *const system_flags[] = { "\\Seen", "\\Answered", "\\Flagged", "\\Deleted",
                                               "\\Draft", "\\Recent", "$Forwarded", NULL };
  for (guint i = 0; e->flags && e->flags[i]; i++) {
    const char *f = e->flags[i];
    gboolean known = FALSE;
    for (guint k = 0; system_flags[k]; k++)
      known |= g_ascii_strcasecmp (f, system_flags[k]) == 0;
    if (known)
      continue;
    if (g_ascii_strcasecmp (f, "$MDNSent") == 0) {
      if (c->profile != CPM_PROFILE_1_0)
        finding (c, e->location, "store.flag-profile", 0,
                 "$MDNSent is a flag of profile 1.0, not of %s", cpm_profile_to_string (c->profile));
    } else if (g_ascii_strcasecmp (f, "Archived") == 0) {
      if (c->profile < CPM_PROFILE_2_1)
        finding (c, e->location, "store.flag-profile", 0,
                 "Archived exists from profile 2.1 on, not in %s", cpm_profile_to_string (c->profile));
    } else {
      finding (c, e->location, "store.flag-unknown", 0, "flag %s is not one of 5.5 (profile %s)",
               f, cpm_profile_to_string (c->profile));
    }
  }
}

guint
cpm_store_check_finish (CpmStoreCheck *check)
{
  g_return_val_if_fail (!check->finished, check->places->len);
  check->finished = TRUE;
  Tree t;
  tree_build (check, &t);
  for (guint i = 0; i < t.convs->len; i++) {
    Folder *conv = t.convs->pdata[i];
    if (check_non_cpm (check, conv))
      continue;
    gboolean misnamed = check_conversation (check, conv);
    for (guint j = 0; j < conv->children->len; j++)
      check_session (check, conv->children->pdata[j], misnamed);
  }
  for (guint i = 0; i < check->entries->len; i++) {
    const Entry *e = check->entries->pdata[i];
    if (e->kind == CPM_KIND_GROUP_STATE)
      check_gso (check, e, t.table);
  }
  check_imdns (check);
  for (guint i = 0; i < check->entries->len; i++)
    check_flags (check, check->entries->pdata[i]);
  tree_clear (&t);
  return check->places->len;
}

guint
cpm_store_check_get_n_places (const CpmStoreCheck *check)
{
  return check->places->len;
}

const char *
cpm_store_check_get_location (const CpmStoreCheck *check, guint index)
{
  g_return_val_if_fail (index < check->places->len, NULL);
  return ((Place *) check->places->pdata[index])->location;
}

const CpmReport *
cpm_store_check_get_report (const CpmStoreCheck *check, guint index)
{
  g_return_val_if_fail (index < check->places->len, NULL);
  return ((Place *) check->places->pdata[index])->report;
}

CpmReport *
cpm_store_check_dup_report (const CpmStoreCheck *check)
{
  CpmReport *all = cpm_report_new ();
  for (guint i = 0; i < check->places->len; i++) {
    const Place *pl = check->places->pdata[i];
    for (guint j = 0; j < cpm_report_get_count (pl->report); j++) {
      const CpmDiagnostic *d = cpm_report_get (pl->report, j);
      cpm_report_add (all, d->rule, d->severity, d->section, d->header, d->line, "%s: %s",
                      pl->location, d->message);
    }
  }
  return all;
}

CpmStoreCheck *
cpm_store_validate (const char *path, CpmProfile profile, GError **error)
{
  g_autoptr(CpmSource) src = cpm_source_new (path, error);
  if (!src)
    return NULL;
  g_autoptr(CpmStoreCheck) check = cpm_store_check_new (profile);
  if (!cpm_store_check_set_root (check, path, error))
    return NULL;
  CpmSourceItem *item = NULL;
  g_autoptr(GError) local = NULL;
  while (cpm_source_next (src, &item, &local)) {
    GBytes *bytes = cpm_source_item_get_bytes (item);
    g_autoptr(CpmObject) object = bytes && !cpm_store_check_is_manifest (check, item)
                                    ? cpm_object_parse (bytes, NULL, NULL) : NULL;
    if (object)
      cpm_store_check_add_item (check, item, object);
    cpm_source_item_unref (item);
  }
  if (local) {
    g_propagate_error (error, g_steal_pointer (&local));
    return NULL;
  }
  cpm_store_check_finish (check);
  return g_steal_pointer (&check);
}
