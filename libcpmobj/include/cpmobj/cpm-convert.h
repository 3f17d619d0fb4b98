/* libcpmobj — captured SIP/MSRP/CPIM traffic into Message Store objects.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_CONVERT_H
#define CPM_CONVERT_H

#include <cpmobj/cpm-capture.h>
#include <cpmobj/cpm-object.h>

G_BEGIN_DECLS

/**
 * CPM_CONVERT_NAMESPACE:
 *
 * The RFC 4122 name space of the UUIDs the converter generates
 * (IMDN-Message-IDs of session info objects, GSOs, Conference Information
 * Objects, messages without imdn.Message-ID; Content-IDs of stored files),
 * so that the same capture always gives the same objects.
 */
#define CPM_CONVERT_NAMESPACE "3c1e6f0a-5b7d-4e2a-9c4f-8d2b6a1e0f73"

/**
 * CpmConvertItem:
 * @object: the object (validated by the receiver)
 * @folder: its IMAP folder ("CONVERSATION-ID" or "CONVERSATION-ID/CONTRIBUTION-ID")
 * @flags: space separated IMAP flags
 * @internal_date: the IMAP internal date (the object's Date)
 * @source: the capture frames or lines it was made from, with what they were
 *
 * One object produced by the converter. Valid during the callback only.
 */
typedef struct {
  CpmObject *object;
  const char *folder;
  const char *flags;
  GDateTime *internal_date;
  const char *source;
} CpmConvertItem;

/** CpmConvertObjectFunc: Returns: %FALSE with @error set to stop the conversion */
typedef gboolean (*CpmConvertObjectFunc) (const CpmConvertItem *item, gpointer user_data,
                                          GError **error);
/**
 * CpmConvertSkipFunc:
 * @source: where the record is
 * @reason: why it becomes no object ("not CPM (ACK)", "duplicate
 *   retransmission", "incomplete: ...", "decode error: ...")
 * @broken: the record is damaged (as opposed to not meant to be stored)
 */
typedef void (*CpmConvertSkipFunc) (const char *source, const char *reason, gboolean broken,
                                    gpointer user_data);

/**
 * CpmConverter:
 *
 * Follows SIP dialogs and MSRP sessions through the messages of one or
 * more captures and produces the objects a CPM Participating Function
 * stores for them (5.2, Appendix F and I). Opaque, reference counted.
 */
typedef struct _CpmConverter CpmConverter;

/**
 * cpm_converter_new:
 * @profile: the profile the objects are made for
 * @on_object: called for each object
 * @on_skip: called for each SIP request or MSRP message that becomes no object
 * @user_data: for both
 *
 * Returns: (transfer full): a converter
 */
CPM_EXPORT CpmConverter *cpm_converter_new (CpmProfile profile, CpmConvertObjectFunc on_object,
                                            CpmConvertSkipFunc on_skip, gpointer user_data);
CPM_EXPORT CpmConverter *cpm_converter_ref (CpmConverter *converter);
CPM_EXPORT void cpm_converter_unref (CpmConverter *converter);

/**
 * cpm_converter_add:
 * @message: (transfer none): one message from cpm_capture_read()
 *
 * Feeds one captured message. Objects are handed out as soon as they are
 * complete; what waits for later messages is handed out by
 * cpm_converter_finish().
 */
CPM_EXPORT void cpm_converter_add (CpmConverter *converter, const CpmCaptureMessage *message);

/**
 * cpm_converter_finish:
 * @error: return location for a #GError
 *
 * Produces what is still open (sessions never answered, messages waiting
 * for their session) and reports what never completed.
 *
 * Returns: %FALSE with @error set when @on_object failed at any point
 */
CPM_EXPORT gboolean cpm_converter_finish (CpmConverter *converter, GError **error);

/**
 * cpm_converter_get_records:
 * Returns: the SIP requests and MSRP messages (chunks of one message count
 * once) seen so far
 */
CPM_EXPORT guint64 cpm_converter_get_records (const CpmConverter *converter);

/**
 * cpm_convert_capture:
 * @converter: the converter
 * @input: (transfer none): a capture (see cpm_capture_read())
 * @name: its name
 * @format: its format
 * @report: (nullable): capture damage (capture.* rules)
 * @error: return location for a #GError
 *
 * Reads @input into @converter (without finishing it).
 *
 * Returns: %FALSE with @error set on an I/O error or when @on_object failed
 */
CPM_EXPORT gboolean cpm_convert_capture (CpmConverter *converter, GInputStream *input,
                                         const char *name, CpmCaptureFormat format,
                                         CpmReport *report, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CpmConverter, cpm_converter_unref)

G_END_DECLS

#endif
