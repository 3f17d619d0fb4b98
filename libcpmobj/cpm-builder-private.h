/* libcpmobj — the builder's helpers for the bulk path (the converter).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_BUILDER_PRIVATE_H
#define CPM_BUILDER_PRIVATE_H

#include <cpmobj/cpm-builder.h>
#include <cpmobj/cpm-header.h>

#include "cpm-check-private.h"

/* cpm_builder_set_header (@builder, @def->name, @value) for the registry
 * row @def its caller looked up once (the converter sets From, To, Date
 * and IMDN-Message-ID for every chat message). */
void cpm_builder_set_known (CpmBuilder *builder, const CpmHeaderDef *def, const char *value);

/* Drops the content cpm_builder_set_content() set (a builder kept for the
 * next object does not hold on to this one's bytes). */
void cpm_builder_clear_content (CpmBuilder *builder);

#endif
