/* libcpmobj — session info objects (5.2.3) and the 1.0 session history object.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_SESSION_H
#define CPM_SESSION_H

#include <cpmobj/cpm-common.h>

G_BEGIN_DECLS

/** The body type of a session info object (5.2.3.1). */
#define CPM_SESSION_INFO_TYPE "Application/X-CPM-Session"

/**
 * CPM_SESSION_HISTORY_TYPE:
 *
 * The Content-Type by which libcpmobj recognises the 1.0 profile's session
 * history object. 000_12dc9c69392a8d7f.txt 5.2.3 leaves its format open
 * ("Editor's Note: ... FFS") and only says a content header field tells it
 * apart; libcpmobj takes the value in the style of 5.2.3.1's
 * Application/X-CPM-Session.
 */
#define CPM_SESSION_HISTORY_TYPE "Application/X-CPM-Session-History"

/**
 * cpm_session_info_xml_new:
 * @session_type: "Group" or "1-1"
 * @replaces: (nullable): Contribution-ID of the session replaced
 * @invited: (nullable): invited participants, ";"-separated (Group only)
 * @error: return location for a #GError
 *
 * Writes the Application/X-CPM-Session body (5.2.3.1), values escaped.
 *
 * Returns: (transfer full) (nullable): the UTF-8 document, or %NULL with
 * @error (#CPM_ERROR_INVALID_VALUE) when the values break 5.2.3.1
 */
CPM_EXPORT GBytes *cpm_session_info_xml_new (const char *session_type, const char *replaces,
                                             const char *invited, GError **error);

G_END_DECLS

#endif
