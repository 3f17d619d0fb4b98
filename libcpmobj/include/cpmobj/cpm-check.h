/* libcpmobj — value checkers for header fields (Appendix C and the RFCs it cites).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_CHECK_H
#define CPM_CHECK_H

#include <cpmobj/cpm-common.h>

G_BEGIN_DECLS

/**
 * CpmValueCheck:
 * @value: the unfolded field value (not NUL-terminated necessarily)
 * @len: its length in bytes
 * @error: set to a #CPM_ERROR_INVALID_VALUE error whose message says what
 *   is wrong and where in the value
 *
 * The signature of every checker below.
 *
 * Returns: %TRUE when @value follows the grammar
 */
typedef gboolean (*CpmValueCheck) (const char *value, gsize len, GError **error);

/** cpm_check_token: one SIP token (RFC 3261 25.1; spec README defect 7). Used
 * for Conversation-ID, Contribution-ID, InReplyTo-Contribution-ID and
 * IMDN-Message-ID (Appendix C.1-C.4). */
CPM_EXPORT gboolean cpm_check_token (const char *value, gsize len, GError **error);

/** cpm_check_service: P-Asserted-Service (Appendix C.5): a token; the
 * URN form urn:urn-7:3gpp-service... is a token too. */
CPM_EXPORT gboolean cpm_check_service (const char *value, gsize len, GError **error);

/** cpm_check_message_correlator: Appendix C.6: printable ASCII (%x20-7E)*,
 * or exactly one RFC 2047 encoded-word with charset utf-8 and B encoding,
 * whose decoded text is valid UTF-8. */
CPM_EXPORT gboolean cpm_check_message_correlator (const char *value, gsize len, GError **error);

/** cpm_check_message_context: RFC 3458 message-context-class; libcpmobj
 * accepts the classes of RFC 3458 and RFC 3938 ("pager-message",
 * "multimedia-message", "voice-message", "fax-message", "text-message",
 * "none", and x- extensions), case-insensitive. */
CPM_EXPORT gboolean cpm_check_message_context (const char *value, gsize len, GError **error);

/** cpm_check_accept_contact: RFC 3841 Accept-Contact: one or more
 * ac-value = "*" *(SEMI ac-params), comma-separated; ac-params are
 * feature-param (+tag or known base tags, with optional quoted value),
 * req-param ("require"), explicit-param ("explicit") or generic-param. */
CPM_EXPORT gboolean cpm_check_accept_contact (const char *value, gsize len, GError **error);

/** cpm_check_address: From and To (Table 1): an RFC 5322 mailbox or list,
 * where the angle-addr may hold a sip:, sips:, tel: or im: URI; the legacy
 * telephone-number@phony-domain form; or the literal "anonymous". */
CPM_EXPORT gboolean cpm_check_address (const char *value, gsize len, GError **error);

/** cpm_check_address_list: Cc and Bcc: a comma-separated list of what
 * cpm_check_address() accepts. */
CPM_EXPORT gboolean cpm_check_address_list (const char *value, gsize len, GError **error);

/** cpm_check_date: RFC 5322 3.3 date-time, incl. the obsolete zones of 4.3;
 * a day-of-week that does not match the date is an error. */
CPM_EXPORT gboolean cpm_check_date (const char *value, gsize len, GError **error);

/** cpm_check_cpim_datetime: CPIM DateTime (RFC 3862 4.7, RFC 3339 date-time). */
CPM_EXPORT gboolean cpm_check_cpim_datetime (const char *value, gsize len, GError **error);

/** cpm_check_content_type: RFC 2045 type "/" subtype *(";" parameter). */
CPM_EXPORT gboolean cpm_check_content_type (const char *value, gsize len, GError **error);

/** cpm_check_unstructured: RFC 5322 unstructured: printable ASCII and WSP,
 * RFC 2047 encoded-words allowed; no control characters. Used for Subject
 * and Accept-Content. */
CPM_EXPORT gboolean cpm_check_unstructured (const char *value, gsize len, GError **error);

/**
 * cpm_date_parse:
 * @value: an RFC 5322 date-time
 * Returns: (transfer full) (nullable): the instant, or %NULL if @value is not one
 */
CPM_EXPORT GDateTime *cpm_date_parse (const char *value, gsize len);

/**
 * cpm_date_format:
 * Returns: (transfer full): @dt as an RFC 5322 date-time ("Tue, 29 Apr 2014 09:46:50 -0800")
 */
CPM_EXPORT char *cpm_date_format (GDateTime *dt);

G_END_DECLS

#endif
