/* libcpmobj — the builder's helpers for the bulk path (the converter).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_BUILDER_PRIVATE_H
#define CPM_BUILDER_PRIVATE_H

#include <cpmobj/cpm-builder.h>
#include <cpmobj/cpm-header.h>

#include "cpm-check-private.h"

/* A CPIM DateTime (RFC 3339, RFC 3862 4.4) read as
 * g_date_time_new_from_iso8601() reads it, and in @text the Date
 * cpm_date_format() writes for it, so that cpm_builder_set_header (b,
 * "Date", text) gives the object cpm_builder_set_date() gives. The common
 * form ("2024-05-01T12:00:07Z") is read and written from its fields, not
 * through GDateTime's parser and getters (every converted chat message
 * has one). Returns: (transfer full) (nullable): the date, NULL (and
 * @text untouched) when GLib reads none. */
GDateTime *cpm_date_from_cpim (const char *datetime, char text[CPM_DATE_FORMAT_SIZE]);

/* cpm_builder_set_header (@builder, @def->name, @value) for the registry
 * row @def its caller looked up once (the converter sets From, To, Date
 * and IMDN-Message-ID for every chat message). */
void cpm_builder_set_known (CpmBuilder *builder, const CpmHeaderDef *def, const char *value);

/* Drops the content cpm_builder_set_content() set (a builder kept for the
 * next object does not hold on to this one's bytes). */
void cpm_builder_clear_content (CpmBuilder *builder);

#endif
