/* libcpmobj — XML bodies as JSON.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_XML_H
#define CPM_XML_H

#include <cpmobj/cpm-common.h>
#include <json-c/json.h>

G_BEGIN_DECLS

/**
 * cpm_xml_to_json:
 * @data: an XML document (not necessarily NUL-terminated)
 * @len: its length in bytes
 * @error: return location for a #GError
 *
 * Parses @data the way every XML body is parsed (no network, no DTD, no
 * entity expansion, a DOCTYPE is refused, the default #CpmLimits apply)
 * and converts the element tree to JSON. Each element becomes an object
 * {"element": local name, "namespace": URI (only when there is one),
 * "attributes": {name: value} (only when there are some; a namespaced
 * attribute is named "prefix:local"), "text": the trimmed text content
 * (only when not blank), "children": [elements] (only when there are some)}.
 *
 * Returns: (transfer full) (nullable): the root element as JSON (release
 * with json_object_put()), or %NULL with @error set (#CPM_ERROR_XML or
 * #CPM_ERROR_LIMIT, the message giving line and column)
 */
CPM_EXPORT json_object *cpm_xml_to_json (const char *data, gsize len, GError **error);

G_END_DECLS

#endif
