/* libcpmobj — the REST binding: objects as OMA NMS JSON objects and back.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_NMS_H
#define CPM_NMS_H

#include <cpmobj/cpm-object.h>
#include <cpmobj/cpm-report.h>
#include <cpmobj/cpm-validate.h>
#include <json-c/json.h>

G_BEGIN_DECLS

/**
 * CPM_NMS_HEADER_BLOCK_ATTRIBUTE:
 *
 * Name of the libcpmobj extension attribute that carries the object's raw
 * header block (base64), so CPM -> NMS -> CPM is byte-exact. The named
 * attributes stay authoritative: a block that disagrees with them is ignored.
 */
#define CPM_NMS_HEADER_BLOCK_ATTRIBUTE "X-CPM-Header-Block"

/**
 * CpmNmsOptions:
 * @folder_path: (nullable): parentFolderPath of the object
 * @flags: (nullable) (array zero-terminated=1): flag names, e.g. "\\Seen",
 *   "Archived" (seed 004 5.6)
 * @correlation_id: (nullable): correlationId; %NULL derives it from the
 *   object (cpm_correlation_id_for_object())
 * @correlation_tag: (nullable): correlationTag, passed through as given:
 *   libcpmobj does not compute it (see cpmobj-nms(1), CORRELATION)
 * @direction: (nullable): the NMS "Direction" attribute, "In" or "Out"
 * @payload_href: (nullable): when set, the payload part names this URL
 *   instead of carrying the body inline
 *
 * What the NMS form holds that the IMAP form keeps outside the object
 * (folder, flags) or does not have (correlation fields, direction).
 * Zero-initialise and set what is known.
 */
typedef struct {
  const char *folder_path;
  const char *const *flags;
  const char *correlation_id;
  const char *correlation_tag;
  const char *direction;
  const char *payload_href;
} CpmNmsOptions;

/**
 * cpm_nms_from_object:
 * @object: the object
 * @options: (nullable): folder, flags and correlation values
 * @error: return location for a #GError
 *
 * Maps @object to {"object": {...}} as OMA-TS-REST_NetAPI_NMS names it:
 * one attribute per header field name (first-appearance order, values in
 * order), Message-Context "file-message" for File Transfer History objects
 * (seed 004 5.3.2), flags, parentFolderPath, correlationId/correlationTag,
 * and the body as one payloadPart (inline base64 "content", or "href").
 *
 * Returns: (transfer full): the JSON object (json_object_put() it), or
 * %NULL with @error set when an option value is not acceptable
 */
CPM_EXPORT json_object *cpm_nms_from_object (const CpmObject *object,
                                             const CpmNmsOptions *options,
                                             GError **error);

/**
 * cpm_nms_to_string:
 * @object: the object
 * @options: (nullable): as for cpm_nms_from_object()
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the NMS JSON on one line, without a newline
 */
CPM_EXPORT char *cpm_nms_to_string (const CpmObject *object, const CpmNmsOptions *options,
                                    GError **error);

/**
 * cpm_nms_parse:
 * @data: JSON text
 * @len: length of @data
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the parsed JSON, or %NULL with @error set
 * (%CPM_ERROR_PARSE, with the json-c reason and byte offset)
 */
CPM_EXPORT json_object *cpm_nms_parse (const char *data, gsize len, GError **error);

/**
 * cpm_nms_to_object:
 * @json: an NMS document ({"object": {...}}, or the inner object)
 * @report: (nullable): receives NMS-level findings ("nms.*" rules)
 * @error: return location for a #GError
 *
 * Maps back. When the header-block extension attribute agrees with the
 * named attributes the object is the original bytes; otherwise the header
 * block is generated from the attributes. NMS-only attributes (Direction,
 * Message-Context "file-message" where the IMAP form has none) are not
 * made header fields.
 *
 * Returns: (transfer full): the object, or %NULL with @error set when
 * @json is not an NMS object at all
 */
CPM_EXPORT CpmObject *cpm_nms_to_object (json_object *json, CpmReport *report, GError **error);

/**
 * cpm_nms_validate:
 * @json: an NMS document
 * @profile: the profile whose rules apply
 *
 * One rule set, two bindings: the NMS-level findings ("nms.*") followed by
 * cpm_validate() of the object mapped back, so a missing mandatory header
 * has the same rule id as in the IMAP form.
 *
 * Returns: (transfer full): the report
 */
CPM_EXPORT CpmReport *cpm_nms_validate (json_object *json, CpmProfile profile);

/**
 * cpm_nms_rules:
 * @n_rules: (out): number of entries
 *
 * The "nms.*" rules cpm_nms_validate() adds to the object rules of
 * cpm_validate_rules(), for documentation and rule listings.
 *
 * Returns: (transfer none): the catalogue, static
 */
CPM_EXPORT const CpmRuleInfo *cpm_nms_rules (guint *n_rules);

/**
 * cpm_nms_dup_flags:
 * @json: an NMS document
 * Returns: (transfer full) (nullable): the flags.flag[] strings
 */
CPM_EXPORT GStrv cpm_nms_dup_flags (json_object *json);

/**
 * cpm_nms_get_folder_path:
 * @json: an NMS document
 * Returns: (transfer none) (nullable): parentFolderPath, owned by @json
 */
CPM_EXPORT const char *cpm_nms_get_folder_path (json_object *json);

/**
 * cpm_nms_flag_is_known:
 * @flag: a flag name
 * Returns: %TRUE for the flags of seed 004 5.6 (\Seen \Answered \Flagged
 * \Deleted \Draft \Recent $Forwarded \read-report-sent Archived)
 */
CPM_EXPORT gboolean cpm_nms_flag_is_known (const char *flag);

/* ---- correlation (seed 004 6.5.1, 6.5.1.1), cpm-correlation.c ---- */

/**
 * cpm_correlation_id_for_object:
 * @object: the object
 *
 * The unique reference of seed 004 6.5.1: the MMS Message-ID (carried in
 * Message-Correlator) for MMS objects, the IMDN-Message-ID for CPM objects.
 * SMS objects have no unique reference (their Message-Correlator is a text
 * fragment), so they correlate by correlationTag instead.
 *
 * Returns: (transfer full) (nullable): the correlationId, or %NULL
 */
CPM_EXPORT char *cpm_correlation_id_for_object (const CpmObject *object);

/**
 * cpm_correlation_tag_is_acceptable:
 * @tag: a correlationTag given as input
 *
 * libcpmobj does not compute correlationTag: seed 004 6.5.1.1 requires the
 * algorithm of GSMA RCC.07 section 3.2.4.7.3, and no public statement of it
 * could be found. A given tag is passed through when it is non-empty
 * printable ASCII.
 *
 * Returns: %TRUE when @tag can be passed through
 */
CPM_EXPORT gboolean cpm_correlation_tag_is_acceptable (const char *tag);

G_END_DECLS

#endif
