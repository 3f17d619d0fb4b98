/* libcpmobj — one object described as JSON (`cpmobj inspect`).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_INSPECT_H
#define CPM_INSPECT_H

#include <cpmobj/cpm-object.h>
#include <json-c/json.h>

G_BEGIN_DECLS

/**
 * cpm_inspect_to_json:
 * @object: the object
 *
 * Describes @object for a reader:
 * - "kind": cpm_kind_to_string() of its kind;
 * - "profiles": the profiles under which cpm_validate() finds no error,
 *   oldest first; "profile": the newest of them, or null;
 * - "headers": [{"name", "value" (unfolded), "line"}] in order;
 * - "body": {"size", "line", "content_type"} (null without a body);
 * - "xml": the XML body as cpm_xml_to_json() gives it (for a
 *   multipart/related body, its root part; for Message/CPIM, the
 *   encapsulated content), when there is one; "xml_error" when it does
 *   not parse;
 * - "cpim": {"headers": [{"name", "value"}], "content_headers": [...],
 *   "content_type", "size"} for Message/CPIM bodies;
 * - "parts": [{"content_type", "content_id" (no angle brackets),
 *   "filename", "size" (decoded octets), "line", "xml"}] for MIME
 *   multipart bodies, leaf parts in order.
 * Text is made valid UTF-8 first.
 *
 * Returns: (transfer full): the description; release with json_object_put()
 */
CPM_EXPORT json_object *cpm_inspect_to_json (const CpmObject *object);

G_END_DECLS

#endif
