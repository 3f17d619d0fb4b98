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

G_END_DECLS

#endif
