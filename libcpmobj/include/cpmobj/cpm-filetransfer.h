/* libcpmobj — File Transfer History objects (5.2.2) and session info
 * bodies (5.2.3): writing their XML roots from values.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_FILETRANSFER_H
#define CPM_FILETRANSFER_H

#include <cpmobj/cpm-common.h>

G_BEGIN_DECLS

/** The root part's type of a File Transfer History object (5.2.2.1). */
#define CPM_FILE_TRANSFER_TYPE "Application/X-CPM-File-Transfer"
/** The Content-Type value Table 2 gives for the whole object. */
#define CPM_FILE_TRANSFER_CONTENT_TYPE \
  "multipart/related;boundary=cpm; type=\"Application/X-CPM-File-Transfer\""

/**
 * cpm_file_transfer_xml_new:
 * @transfer_type: "1-1", "Ad-Hoc" or "Pre-Defined"
 * @invited: (nullable): the invited participants, ";"-separated (group
 *   transfers only)
 * @imdn: (nullable): the CPIM IMDN header lines for <imdn>
 * @sdp: the SDP lines for <sdp> (a=file-selector, a=file-icon...)
 * @cids: (nullable) (array zero-terminated=1): Content-IDs (without angle
 *   brackets) of the stored files, one <file-object> each
 * @error: return location for a #GError
 *
 * Writes the Application/X-CPM-File-Transfer root (5.2.2.1) with every
 * value escaped; each cid is written as a cid: URL (RFC 2392).
 *
 * Returns: (transfer full) (nullable): the UTF-8 document, or %NULL with
 * @error (#CPM_ERROR_INVALID_VALUE) when @transfer_type is none of the
 * three, or @invited is given for (or missing from) the type
 */
CPM_EXPORT GBytes *cpm_file_transfer_xml_new (const char *transfer_type, const char *invited,
                                              const char *imdn, const char *sdp,
                                              const char *const *cids, GError **error);

/**
 * cpm_cid_url_matches:
 * @reference: a cid: URL (or a bare Content-ID)
 * @content_id: a Content-ID value, with or without angle brackets
 *
 * RFC 2392 matching (spec README defect 4): strips "cid:" (any case),
 * URL-decodes the rest and compares it with the Content-ID without its
 * angle brackets.
 *
 * Returns: %TRUE when @reference names @content_id
 */
CPM_EXPORT gboolean cpm_cid_url_matches (const char *reference, const char *content_id);

G_END_DECLS

#endif
