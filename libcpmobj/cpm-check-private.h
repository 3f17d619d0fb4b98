/* libcpmobj — value checks shared by the builder and the validator.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_CHECK_PRIVATE_H
#define CPM_CHECK_PRIVATE_H

#include "config-private.h"
#include <cpmobj/cpm-check.h>

G_BEGIN_DECLS

/* @check (@value, @len, @error), except that a value this thread saw pass
 * the same checker lately passes again without a second scan. Only passes
 * are remembered (the checkers are pure functions of the bytes), so every
 * failure is found, and reported, by a real check. */
gboolean cpm_check_cached (CpmValueCheck check, const char *value, gsize len, GError **error);

/* The same, but a pass is not remembered. The validator remembers its
 * passes (cpm_check_cached): an mbox of a conversion repeats each session's
 * addresses, service and Content-Type in every object, and the converter's
 * validator finds what the builder checked. */
gboolean cpm_check_seen (CpmValueCheck check, const char *value, gsize len, GError **error);

/* "Jan" .. "Dec": RFC 5322 and RFC 3501 month names, in English always. */
extern const char *const cpm_month_names[12];

/* cpm_date_format() into @out, no allocation. */
#define CPM_DATE_FORMAT_SIZE 40
void cpm_date_format_to (GDateTime *dt, char out[CPM_DATE_FORMAT_SIZE]);

/* A CPIM DateTime (RFC 3339, RFC 3862 4.4) read as
 * g_date_time_new_from_iso8601() reads it, and in @text the Date
 * cpm_date_format() writes for it, so that cpm_builder_set_header (b,
 * "Date", text) gives the object cpm_builder_set_date() gives. The common
 * form ("2024-05-01T12:00:07Z") is read and written from its fields, not
 * through GDateTime's parser and getters (every converted chat message
 * has one). Returns: (transfer full) (nullable): the date, NULL (and
 * @text untouched) when GLib reads none. */
GDateTime *cpm_date_from_cpim (const char *datetime, char text[CPM_DATE_FORMAT_SIZE]);

G_END_DECLS

#endif
