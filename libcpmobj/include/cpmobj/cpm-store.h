/* libcpmobj — store-level validation: the rules that span objects and folders.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_STORE_H
#define CPM_STORE_H

#include <cpmobj/cpm-object.h>
#include <cpmobj/cpm-report.h>
#include <cpmobj/cpm-source.h>
#include <cpmobj/cpm-validate.h>

G_BEGIN_DECLS

/**
 * CpmStoreCheck:
 *
 * Collects the objects of a store dump with their folders and flags, then
 * checks the rules no single object can show ("store.*", 5.2.1, 5.2.7 to
 * 5.2.10, 5.5). Opaque, reference counted.
 *
 * How a dump maps onto the store (decisions, the seed text being silent):
 * - folders are "/"-separated paths relative to the dump's top, as
 *   #CpmSource gives them (directory tree, Maildir++ ".a.b" = "a/b", or
 *   one mbox file per folder, whose trailing ".mbox" is not part of the
 *   folder name);
 * - the CPM tree is the folder "Default" when the dump has one (H.1.1
 *   DefaultFolderLocation, 5.2.10), else the dump's top itself (a dump of
 *   the Default folder's content);
 * - under it, a first-level folder is a conversation history folder
 *   (5.2.7), a second-level folder a session history folder (5.2.8);
 * - flags come from Maildir file names or from a manifest.jsonl at the
 *   dump's top (members "file" and "flags", see cpmobj-convert(1)).
 */
typedef struct _CpmStoreCheck CpmStoreCheck;

/**
 * cpm_store_check_new:
 * @profile: the profile whose flag set applies (5.5)
 * Returns: (transfer full): an empty check
 */
CPM_EXPORT CpmStoreCheck *cpm_store_check_new (CpmProfile profile);
/** cpm_store_check_ref: Returns: (transfer full): @check, one more reference */
CPM_EXPORT CpmStoreCheck *cpm_store_check_ref (CpmStoreCheck *check);
/** cpm_store_check_unref: drops one reference (NULL is allowed) */
CPM_EXPORT void cpm_store_check_unref (CpmStoreCheck *check);

/**
 * cpm_store_check_set_root:
 * @root: the path the dump was read from
 * @error: return location for a #GError
 *
 * Remembers the dump's top, so that items can be matched with the entries
 * of @root/manifest.jsonl, which is read now when it exists.
 *
 * Returns: %FALSE with @error (#CPM_ERROR_IO) when the manifest exists but
 * cannot be read; a manifest line that is not JSON is a finding instead
 */
CPM_EXPORT gboolean cpm_store_check_set_root (CpmStoreCheck *check, const char *root,
                                              GError **error);

/**
 * cpm_store_check_add_object:
 * @folder: the folder, "/"-separated, relative to the dump's top ("" top)
 * @location: where the object was found, used in findings
 * @object: (transfer none): the parsed object
 * @flags: (nullable) (array zero-terminated=1): its IMAP flags, %NULL when
 *   the dump does not record them
 *
 * Records one object. Only what the store rules need is kept.
 */
CPM_EXPORT void cpm_store_check_add_object (CpmStoreCheck *check, const char *folder,
                                            const char *location, const CpmObject *object,
                                            const char *const *flags);

/**
 * cpm_store_check_add_item:
 * @item: (transfer none): where @object was read from
 * @object: (transfer none): the parsed object
 *
 * Like cpm_store_check_add_object() with folder, location and flags taken
 * from @item (Maildir flags) or from the manifest.
 *
 * Returns: %FALSE when @item is the manifest itself (not an object)
 */
CPM_EXPORT gboolean cpm_store_check_add_item (CpmStoreCheck *check, const CpmSourceItem *item,
                                              const CpmObject *object);

/**
 * cpm_store_check_is_manifest:
 * Returns: %TRUE when @item is the dump's manifest.jsonl (not an object)
 */
CPM_EXPORT gboolean cpm_store_check_is_manifest (const CpmStoreCheck *check,
                                                 const CpmSourceItem *item);

/**
 * cpm_store_check_finish:
 *
 * Runs the store rules over everything added. Call once.
 *
 * Returns: the number of places (folders or objects) with findings
 */
CPM_EXPORT guint cpm_store_check_finish (CpmStoreCheck *check);

/**
 * cpm_store_check_get_n_places:
 * Returns: the number of places with findings (after the finish)
 */
CPM_EXPORT guint cpm_store_check_get_n_places (const CpmStoreCheck *check);

/**
 * cpm_store_check_get_location:
 * Returns: (transfer none): place @index: a folder path ("Default/abc") or
 * an object's location
 */
CPM_EXPORT const char *cpm_store_check_get_location (const CpmStoreCheck *check, guint index);

/**
 * cpm_store_check_get_report:
 * Returns: (transfer none): the store findings at place @index
 */
CPM_EXPORT const CpmReport *cpm_store_check_get_report (const CpmStoreCheck *check,
                                                        guint index);

/**
 * cpm_store_check_dup_report:
 * Returns: (transfer full): every store finding in one report, each
 * message prefixed with its place
 */
CPM_EXPORT CpmReport *cpm_store_check_dup_report (const CpmStoreCheck *check);

/**
 * cpm_store_validate:
 * @path: a store dump (directory tree, Maildir++, mbox files)
 * @profile: the profile whose rules apply
 * @error: return location for a #GError
 *
 * Reads every object at @path with #CpmSource and runs the store rules.
 * Objects that do not parse are left out (cpm_validate() reports them).
 *
 * Returns: (transfer full) (nullable): the finished check, or %NULL with
 * @error set when @path cannot be read
 */
CPM_EXPORT CpmStoreCheck *cpm_store_validate (const char *path, CpmProfile profile,
                                              GError **error);

/**
 * cpm_store_rules:
 * @n_rules: (out): number of entries
 * Returns: (transfer none): the store rules, for `cpmobj validate --list-rules`
 */
CPM_EXPORT const CpmRuleInfo *cpm_store_rules (guint *n_rules);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CpmStoreCheck, cpm_store_check_unref)

G_END_DECLS

#endif
