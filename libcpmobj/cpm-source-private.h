/* libcpmobj — CpmSource internals the unit tests reach (CPM_EXPORT so
 * that they can; not part of the installed API).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_SOURCE_PRIVATE_H
#define CPM_SOURCE_PRIVATE_H

#include <cpmobj/cpm-source.h>

G_BEGIN_DECLS

/* Bytes of a directory's names (with their index) sorted in memory before
 * sorted runs go to a temporary file; 0 restores the default (512 KiB).
 * Process-wide, read when a directory is listed: for tests only, so that
 * a few hundred names cross the bound, the in-memory runs and the merge
 * passes. */
CPM_EXPORT void cpm_source_set_sort_memory (gsize bytes);

G_END_DECLS

#endif
