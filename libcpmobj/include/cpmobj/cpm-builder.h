/* libcpmobj — assembling objects from values.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_BUILDER_H
#define CPM_BUILDER_H

#include <cpmobj/cpm-object.h>
#include <cpmobj/cpm-cpim.h>

G_BEGIN_DECLS

/**
 * CpmGenerate:
 * @CPM_GENERATE_NONE: generate nothing: a missing mandatory field is an error
 * @CPM_GENERATE_IMDN_MESSAGE_ID: generate a unique IMDN-Message-ID when none is set
 * @CPM_GENERATE_DATE: use the current time when no Date is set
 */
typedef enum {
  CPM_GENERATE_NONE = 0,
  CPM_GENERATE_IMDN_MESSAGE_ID = 1 << 0,
  CPM_GENERATE_DATE = 1 << 1,
} CpmGenerate;

/**
 * CpmBuilder:
 *
 * Collects the values of one object and produces it. Opaque, reference
 * counted. A builder may be reused: cpm_builder_build() does not reset it.
 */
typedef struct _CpmBuilder CpmBuilder;

/** cpm_builder_new: Returns: (transfer full): a builder for @kind under profile 2.2 */
CPM_EXPORT CpmBuilder *cpm_builder_new (CpmKind kind);
CPM_EXPORT CpmBuilder *cpm_builder_ref (CpmBuilder *builder);
CPM_EXPORT void cpm_builder_unref (CpmBuilder *builder);

CPM_EXPORT void cpm_builder_set_profile (CpmBuilder *builder, CpmProfile profile);
CPM_EXPORT void cpm_builder_set_generate (CpmBuilder *builder, CpmGenerate flags);

/** cpm_builder_set_header: sets field @name to UTF-8 @value, replacing earlier values. */
CPM_EXPORT void cpm_builder_set_header (CpmBuilder *builder, const char *name, const char *value);
/** cpm_builder_add_header: adds one more occurrence (e.g. Accept-Contact, 1..*). */
CPM_EXPORT void cpm_builder_add_header (CpmBuilder *builder, const char *name, const char *value);
/** cpm_builder_set_date: sets Date (and the CPIM DateTime) from @date (transfer none). */
CPM_EXPORT void cpm_builder_set_date (CpmBuilder *builder, GDateTime *date);

/**
 * cpm_builder_set_cpim:
 * @cpim: (transfer none): an explicit CPIM wrapper to use as the body. When
 * none is set, kinds stored in Message/CPIM get one made from From, To,
 * Date and IMDN-Message-ID around the content.
 */
CPM_EXPORT void cpm_builder_set_cpim (CpmBuilder *builder, CpmCpim *cpim);

/**
 * cpm_builder_set_content:
 * @content_type: Content-Type of the content
 * @content: (transfer none): the bytes
 *
 * The content: inside the CPIM wrapper for message kinds, the body itself
 * (or the root part) for the XML kinds.
 */
CPM_EXPORT void cpm_builder_set_content (CpmBuilder *builder, const char *content_type,
                                         GBytes *content);

/**
 * cpm_builder_add_part:
 * @content_type: Content-Type of the part
 * @content_id: (nullable): Content-ID without angle brackets
 * @filename: (nullable): file name for Content-Disposition
 * @content: (transfer none): the part's bytes
 *
 * Adds a body part: message kinds get multipart/mixed inner content;
 * file transfer history, GSO and conference objects get multipart/related
 * parts after the root.
 */
CPM_EXPORT void cpm_builder_add_part (CpmBuilder *builder, const char *content_type,
                                      const char *content_id, const char *filename,
                                      GBytes *content);

/**
 * cpm_builder_build:
 * Returns: (transfer full) (nullable): the object, or %NULL with @error set
 * (#CPM_ERROR_MISSING_HEADER naming the field and the section when a
 * mandatory field is missing and not generated; #CPM_ERROR_INVALID_VALUE
 * when a value breaks its grammar)
 */
CPM_EXPORT CpmObject *cpm_builder_build (CpmBuilder *builder, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CpmBuilder, cpm_builder_unref)

G_END_DECLS

#endif
