/* libcpmobj — common definitions: export macro, error domain, profiles, kinds.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_COMMON_H
#define CPM_COMMON_H

#include <glib.h>

G_BEGIN_DECLS

/* The one export macro: everything public carries it, nothing else is visible
 * (the library is built with -fvisibility=hidden). */
#if defined(CPM_COMPILATION) && defined(__GNUC__)
#define CPM_EXPORT __attribute__((visibility("default"))) extern
#else
#define CPM_EXPORT extern
#endif

/**
 * CPM_ERROR:
 *
 * Error domain of libcpmobj. Codes are #CpmError.
 */
#define CPM_ERROR (cpm_error_quark ())
CPM_EXPORT GQuark cpm_error_quark (void);

/**
 * CpmError:
 * @CPM_ERROR_PARSE: the input is not an object at all (no header block)
 * @CPM_ERROR_LIMIT: a configured limit (size, header count...) was hit
 * @CPM_ERROR_MISSING_HEADER: a mandatory header is missing (builder)
 * @CPM_ERROR_INVALID_VALUE: a value does not follow its grammar
 * @CPM_ERROR_XML: an XML body is not well-formed or not valid
 * @CPM_ERROR_IO: reading or writing failed
 * @CPM_ERROR_UNSUPPORTED: the request names something libcpmobj does not do
 * @CPM_ERROR_PROTOCOL: a network peer broke its protocol
 */
typedef enum {
  CPM_ERROR_PARSE,
  CPM_ERROR_LIMIT,
  CPM_ERROR_MISSING_HEADER,
  CPM_ERROR_INVALID_VALUE,
  CPM_ERROR_XML,
  CPM_ERROR_IO,
  CPM_ERROR_UNSUPPORTED,
  CPM_ERROR_PROTOCOL,
} CpmError;

/**
 * CpmProfile:
 *
 * The CPM Message Store version whose rules apply (shared spec README,
 * "Version profiles"). Ordered: a later profile compares greater.
 */
typedef enum {
  CPM_PROFILE_1_0,
  CPM_PROFILE_2_0,
  CPM_PROFILE_2_1,
  CPM_PROFILE_2_2,
} CpmProfile;

#define CPM_PROFILE_DEFAULT CPM_PROFILE_2_2
#define CPM_PROFILE_COUNT 4

/**
 * cpm_profile_to_string:
 * Returns: (transfer none): "1.0", "2.0", "2.1" or "2.2".
 */
CPM_EXPORT const char *cpm_profile_to_string (CpmProfile profile);

/**
 * cpm_profile_from_string:
 * @text: "1.0", "2.0", "2.1" or "2.2"
 * @profile: (out): where to store the profile
 *
 * Returns: %TRUE when @text names a profile.
 */
CPM_EXPORT gboolean cpm_profile_from_string (const char *text, CpmProfile *profile);

/**
 * CpmKind:
 * @CPM_KIND_UNKNOWN: not recognised
 * @CPM_KIND_MESSAGE: CPM Standalone Message (pager or large message mode), 5.2.1
 * @CPM_KIND_CHAT: CPM Chat Message exchanged in a session, 5.2.1
 * @CPM_KIND_IMDN: disposition notification (message/imdn+xml in CPIM), 5.2.1
 * @CPM_KIND_SMS: legacy SMS message object (Message-Context pager-message)
 * @CPM_KIND_MMS: legacy MMS message object (Message-Context multimedia-message)
 * @CPM_KIND_FILE_TRANSFER: File Transfer History object, 5.2.2
 * @CPM_KIND_SESSION_INFO: session info object, 5.2.3
 * @CPM_KIND_GROUP_STATE: Group State Object, 5.2.4
 * @CPM_KIND_MEDIA: stand-alone Media Object, 5.2.5
 * @CPM_KIND_CONFERENCE_INFO: Conference Information Object, 5.2.6
 * @CPM_KIND_SESSION_HISTORY: the 1.0 profile's session history object
 *
 * Every kind of object the store holds. The header registry keys its
 * per-kind status on this.
 */
typedef enum {
  CPM_KIND_UNKNOWN,
  CPM_KIND_MESSAGE,
  CPM_KIND_CHAT,
  CPM_KIND_IMDN,
  CPM_KIND_SMS,
  CPM_KIND_MMS,
  CPM_KIND_FILE_TRANSFER,
  CPM_KIND_SESSION_INFO,
  CPM_KIND_GROUP_STATE,
  CPM_KIND_MEDIA,
  CPM_KIND_CONFERENCE_INFO,
  CPM_KIND_SESSION_HISTORY,
} CpmKind;

#define CPM_KIND_COUNT 12

/**
 * cpm_kind_to_string:
 * Returns: (transfer none): the short name used on the command line
 * ("message", "chat", "imdn", "sms", "mms", "file-transfer", "session-info",
 * "group-state", "media", "conference-info", "session-history", "unknown").
 */
CPM_EXPORT const char *cpm_kind_to_string (CpmKind kind);

/**
 * cpm_kind_from_string:
 * @text: a name as cpm_kind_to_string() returns it
 * @kind: (out): where to store the kind
 *
 * Returns: %TRUE when @text names a kind.
 */
CPM_EXPORT gboolean cpm_kind_from_string (const char *text, CpmKind *kind);

G_END_DECLS

#endif
