/* libcpmobj — disposition notifications (RFC 5438) stored as objects.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_IMDN_H
#define CPM_IMDN_H

#include <cpmobj/cpm-object.h>

G_BEGIN_DECLS

/** The IMDN XML namespace (RFC 5438). */
#define CPM_IMDN_XML_NS "urn:ietf:params:xml:ns:imdn"

/**
 * cpm_imdn_dup_original_message_id:
 * @object: an IMDN object (Message/CPIM wrapping message/imdn+xml)
 * @error: return location for a #GError
 *
 * Reads the notification's <message-id>: the imdn.Message-ID of the
 * message the notification is about (5.2.1: an IMDN is stored in the same
 * folder as that message). The XML is parsed safely (see cpm_xml_to_json()).
 *
 * Returns: (transfer full) (nullable): the trimmed id, or %NULL with @error
 * set when the body is not a CPIM-wrapped IMDN document with a message-id
 */
CPM_EXPORT char *cpm_imdn_dup_original_message_id (const CpmObject *object, GError **error);

G_END_DECLS

#endif
