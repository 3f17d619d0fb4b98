/* libcpmobj — reading stored objects from files, directories, Maildirs and mboxes.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_SOURCE_H
#define CPM_SOURCE_H

#include <cpmobj/cpm-common.h>
#include <cpmobj/cpm-limits.h>
#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * CpmSourceFormat:
 * @CPM_SOURCE_FORMAT_FILE: one object per file (a single file or a file in a directory)
 * @CPM_SOURCE_FORMAT_MAILDIR: a message file in a Maildir (cur/ or new/)
 * @CPM_SOURCE_FORMAT_MBOX: an entry of an mbox file (mboxrd quoting undone)
 *
 * Where an item came from.
 */
typedef enum {
  CPM_SOURCE_FORMAT_FILE,
  CPM_SOURCE_FORMAT_MAILDIR,
  CPM_SOURCE_FORMAT_MBOX,
} CpmSourceFormat;

/**
 * CpmSource:
 *
 * An iterator over the stored objects found at a path. What the path holds
 * is recognised by content and layout, never by file name extension:
 *
 * - a regular file that starts with an mbox "From " line is an mbox, any
 *   other file is one object;
 * - a directory with cur/ and new/ is a Maildir: the files of new/ then
 *   cur/, then each Maildir++ subfolder (".a.b" is folder "a/b"); tmp/ is
 *   skipped because files there are still being delivered;
 * - any other directory is walked recursively in byte order of the names,
 *   so output is stable; names starting with "." are skipped and
 *   symbolic links to directories are not followed (no loops);
 * - "-" is standard input: an mbox when it starts with "From ", else one object.
 *
 * An mbox is streamed through a fixed buffer: memory stays bounded by the
 * largest single object (itself bounded by #CpmLimits.max_object_size),
 * whatever the size of the mbox. Opaque and reference counted.
 */
typedef struct _CpmSource CpmSource;

/**
 * CpmSourceItem:
 *
 * One object found by a #CpmSource: its bytes and where it was found.
 * Opaque, reference counted, immutable.
 */
typedef struct _CpmSourceItem CpmSourceItem;

/**
 * cpm_source_new:
 * @path: a file, a directory, a Maildir, an mbox, or "-" for standard input
 * @error: return location for a #GError
 *
 * Opens @path. Only what is needed to recognise it is read now.
 *
 * Returns: (transfer full) (nullable): the source, or %NULL with @error set
 * (#CPM_ERROR_IO, naming @path) when @path cannot be opened
 */
CPM_EXPORT CpmSource *cpm_source_new (const char *path, GError **error);

/**
 * cpm_source_new_for_stream:
 * @stream: (transfer none): the input, read sequentially
 * @name: the name to use in locations (e.g. "<stdin>")
 *
 * Like cpm_source_new() for "-", over any stream: an mbox when it starts
 * with "From ", else one object.
 *
 * Returns: (transfer full): the source
 */
CPM_EXPORT CpmSource *cpm_source_new_for_stream (GInputStream *stream, const char *name);

/** cpm_source_ref: Returns: (transfer full): @source, one more reference */
CPM_EXPORT CpmSource *cpm_source_ref (CpmSource *source);
/** cpm_source_unref: drops a reference; the last one closes the input. */
CPM_EXPORT void cpm_source_unref (CpmSource *source);

/**
 * cpm_source_set_limits:
 * @limits: (nullable): limits to apply (copied), %NULL for cpm_limits_default()
 *
 * An object larger than @limits->max_object_size is not read into memory:
 * its item carries a #CPM_ERROR_LIMIT error instead of bytes.
 */
CPM_EXPORT void cpm_source_set_limits (CpmSource *source, const CpmLimits *limits);

/**
 * cpm_source_next:
 * @source: a source
 * @item: (out) (transfer full): the next item, set only when %TRUE is returned
 * @error: return location for a #GError
 *
 * Reads the next object. A problem with one object or one container (a file
 * or directory that cannot be read, a read error inside an mbox, an object
 * over the size limit) does not stop the iteration: it comes as an item
 * with cpm_source_item_get_error() set and no bytes, and the next call goes
 * on with what follows. @error is reserved for failures that end the whole
 * iteration: a directory's names that could not be kept whole (too many to
 * sort in memory, and the temporary file they are sorted in could not be
 * made, written or read back); %FALSE is returned then and on every later
 * call.
 *
 * Returns: %TRUE when @item was set, %FALSE at the end
 */
CPM_EXPORT gboolean cpm_source_next (CpmSource *source, CpmSourceItem **item, GError **error);

/** cpm_source_item_ref: Returns: (transfer full): @item, one more reference */
CPM_EXPORT CpmSourceItem *cpm_source_item_ref (CpmSourceItem *item);
/** cpm_source_item_unref: drops a reference (items outlive their source). */
CPM_EXPORT void cpm_source_item_unref (CpmSourceItem *item);

/**
 * cpm_source_item_get_bytes:
 * Returns: (transfer none) (nullable): the object bytes as stored (mboxrd
 * ">From " quoting undone), %NULL when cpm_source_item_get_error() is set
 */
CPM_EXPORT GBytes *cpm_source_item_get_bytes (const CpmSourceItem *item);

/**
 * cpm_source_item_get_error:
 * Returns: (transfer none) (nullable): why the object could not be read
 * (#CPM_ERROR_IO or #CPM_ERROR_LIMIT, the message names the path), or %NULL
 */
CPM_EXPORT const GError *cpm_source_item_get_error (const CpmSourceItem *item);

/**
 * cpm_source_item_get_location:
 * Returns: (transfer none): "PATH" for a file, "PATH:LINE" for an mbox entry
 * (LINE is the 1-based line of its "From " line)
 */
CPM_EXPORT const char *cpm_source_item_get_location (const CpmSourceItem *item);

/**
 * cpm_source_item_get_path:
 * Returns: (transfer none): the file the object was read from ("<stdin>"
 * for standard input)
 */
CPM_EXPORT const char *cpm_source_item_get_path (const CpmSourceItem *item);

/**
 * cpm_source_item_get_line:
 * Returns: the line of the mbox "From " line, 0 for other formats
 */
CPM_EXPORT guint cpm_source_item_get_line (const CpmSourceItem *item);

/**
 * cpm_source_item_get_format:
 * Returns: the kind of container the object came from
 */
CPM_EXPORT CpmSourceFormat cpm_source_item_get_format (const CpmSourceItem *item);

/**
 * cpm_source_item_get_folder:
 * Returns: (transfer none): the folder inside the dump, relative to the
 * path given to cpm_source_new(), "/" separated: the sub-directory of a
 * file, the Maildir++ folder ("a/b" for ".a.b"), or the relative path of
 * an mbox file found in a directory; "" for the top level
 */
CPM_EXPORT const char *cpm_source_item_get_folder (const CpmSourceItem *item);

/**
 * cpm_source_item_get_flags:
 * Returns: (transfer none) (nullable): the Maildir flag letters after
 * ":2," in the file name (e.g. "FS"), "" when the info is present but
 * empty, %NULL when not known (new/, not a Maildir)
 */
CPM_EXPORT const char *cpm_source_item_get_flags (const CpmSourceItem *item);

/**
 * cpm_source_item_dup_imap_flags:
 *
 * Maps the Maildir flags to IMAP flags: D \Draft, F \Flagged, P $Forwarded,
 * R \Answered, S \Seen, T \Deleted; lower-case letters are keywords, named
 * by the Maildir's dovecot-keywords file when there is one.
 *
 * Returns: (transfer full): a %NULL-terminated array, empty when no flag is
 * known; free with g_strfreev()
 */
CPM_EXPORT GStrv cpm_source_item_dup_imap_flags (const CpmSourceItem *item);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CpmSource, cpm_source_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CpmSourceItem, cpm_source_item_unref)

G_END_DECLS

#endif
