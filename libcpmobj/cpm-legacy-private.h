/* Internals shared by the legacy readers (cpm-legacy.c, cpm-smsxml.c,
 * cpm-mmspdu.c).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_LEGACY_PRIVATE_H
#define CPM_LEGACY_PRIVATE_H

#include "config-private.h"
#include <cpmobj/cpm-legacy.h>

G_BEGIN_DECLS

/* One reader implementation: @next returns the next record (transfer full),
 * NULL at the end or with @error set; @free releases @impl. */
typedef struct {
  CpmLegacyMessage *(*next) (CpmLegacyReader *reader, gpointer impl, GError **error);
  void (*free) (gpointer impl);
} CpmLegacyReaderClass;

struct _CpmLegacyReader {
  gint ref_count;
  const CpmLegacyReaderClass *klass;
  gpointer impl;
  GInputStream *input;
  char *name;
  guint64 repaired;
};

/* Constructors of the implementations: fill reader->klass and reader->impl. */
void cpm_smsxml_reader_init (CpmLegacyReader *reader);
void cpm_mmspdu_reader_init (CpmLegacyReader *reader);

/* TRUE when @s is absent: NULL, empty, or one of the placeholders the
 * Android exporters write for "no value" ("null"). */
gboolean cpm_legacy_is_absent (const char *s);

/* Adds @addr to @array (owned copy) unless it is absent. */
void cpm_legacy_add_address (GPtrArray *array, const char *addr);

/* Appends the MMS address list "a~b~c" (Android's thread address attribute)
 * to @array. */
void cpm_legacy_add_address_list (GPtrArray *array, const char *list);

G_END_DECLS

#endif
