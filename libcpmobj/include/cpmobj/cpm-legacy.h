/* libcpmobj — legacy SMS and MMS messages: the intermediate record, the
 * export readers (Android "SMS Backup & Restore" XML, JSON lines, binary MMS
 * PDUs) and the mapping into legacy message objects (Table 1).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_LEGACY_H
#define CPM_LEGACY_H

#include <cpmobj/cpm-object.h>
#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * CpmLegacyBox:
 * @CPM_LEGACY_BOX_RECEIVED: received (inbox)
 * @CPM_LEGACY_BOX_SENT: sent
 * @CPM_LEGACY_BOX_DRAFT: a draft, never sent
 * @CPM_LEGACY_BOX_OUTBOX: waiting to be sent
 * @CPM_LEGACY_BOX_FAILED: sending failed
 * @CPM_LEGACY_BOX_QUEUED: queued, not sent yet
 *
 * Where the message sat on the phone. Only received and sent messages were
 * ever exchanged, so only those become store objects; the others are
 * skipped with their box as the reason.
 */
typedef enum {
  CPM_LEGACY_BOX_RECEIVED,
  CPM_LEGACY_BOX_SENT,
  CPM_LEGACY_BOX_DRAFT,
  CPM_LEGACY_BOX_OUTBOX,
  CPM_LEGACY_BOX_FAILED,
  CPM_LEGACY_BOX_QUEUED,
} CpmLegacyBox;

/**
 * CpmLegacyPart:
 * @content_type: (nullable): MIME type of the part, with parameters
 * @name: (nullable): file name
 * @content_id: (nullable): Content-ID without angle brackets
 * @content_location: (nullable): Content-Location
 * @data: (nullable): the bytes
 * @path: (nullable): a file holding the bytes (JSON lines input); read
 *   when the object is made
 *
 * One MMS part (SMIL, text, image, audio, vCard...). Owned by its message.
 */
typedef struct {
  char *content_type;
  char *name;
  char *content_id;
  char *content_location;
  GBytes *data;
  char *path;
} CpmLegacyPart;

/**
 * CpmLegacyMessage:
 * @kind: %CPM_KIND_SMS or %CPM_KIND_MMS
 * @box: received, sent, draft...
 * @from: (nullable): the originator's address as exported (a telephone
 *   number, an e-mail address or a URI); %NULL when absent or withheld
 * @to: (element-type utf8): recipients; may be empty when the export does
 *   not name the device owner (see #CpmLegacyOptions.self_address)
 * @cc: (element-type utf8): MMS Cc
 * @bcc: (element-type utf8): MMS Bcc
 * @peers: (element-type utf8): the thread's participants other than the
 *   device owner, when the export says (Android's address attribute);
 *   empty otherwise, and then derived from @from, @to and @cc
 * @date_ms: milliseconds since the epoch, or -1 when unknown
 * @subject: (nullable): MMS subject
 * @text: (nullable): SMS user data text (UTF-8)
 * @parts: (element-type CpmLegacyPart): MMS parts
 * @message_id: (nullable): the MMS Message-ID (OMA-MMS-ENC)
 * @read: the export says the message was read
 * @source: (nullable): where the record came from, for diagnostics
 *   ("export.xml:120", "messages.jsonl:7")
 * @skip_reason: (nullable): set by a reader when the record cannot become
 *   an object (draft, unreadable date, undecodable part); the record is
 *   then only good for accounting
 *
 * The intermediate record every reader produces. A plain record, reference
 * counted through g_rc_box (cpm_legacy_message_ref()/_unref()); readers fill
 * it, cpm_legacy_to_object() reads it. Strings are UTF-8 and owned.
 */
typedef struct {
  CpmKind kind;
  CpmLegacyBox box;
  char *from;
  GPtrArray *to;
  GPtrArray *cc;
  GPtrArray *bcc;
  GPtrArray *peers;
  gint64 date_ms;
  char *subject;
  char *text;
  GPtrArray *parts;
  char *message_id;
  gboolean read;
  char *source;
  char *skip_reason;
} CpmLegacyMessage;

/**
 * cpm_legacy_message_new:
 * @kind: %CPM_KIND_SMS or %CPM_KIND_MMS
 * Returns: (transfer full): an empty record (date_ms -1, empty arrays)
 */
CPM_EXPORT CpmLegacyMessage *cpm_legacy_message_new (CpmKind kind);
/** cpm_legacy_message_ref: Returns: (transfer full): @message, one more reference */
CPM_EXPORT CpmLegacyMessage *cpm_legacy_message_ref (CpmLegacyMessage *message);
/** cpm_legacy_message_unref: drops a reference; the last frees every field (%NULL is fine). */
CPM_EXPORT void cpm_legacy_message_unref (CpmLegacyMessage *message);

/**
 * cpm_legacy_message_add_part:
 * @content_type: (nullable): MIME type
 * @name: (nullable): file name
 * @content_id: (nullable): Content-ID, angle brackets are removed
 * @data: (transfer none) (nullable): the bytes
 * Returns: (transfer none): the new part, owned by @message
 */
CPM_EXPORT CpmLegacyPart *cpm_legacy_message_add_part (CpmLegacyMessage *message,
                                                       const char *content_type,
                                                       const char *name,
                                                       const char *content_id,
                                                       GBytes *data);

/**
 * cpm_legacy_message_set_skip:
 * Marks the record as skipped with a printf-style reason (replacing any).
 */
CPM_EXPORT void cpm_legacy_message_set_skip (CpmLegacyMessage *message, const char *format,
                                             ...) G_GNUC_PRINTF (2, 3);

/** cpm_legacy_box_to_string: Returns: (transfer none): "received", "sent", "draft"... */
CPM_EXPORT const char *cpm_legacy_box_to_string (CpmLegacyBox box);

/* ---- readers ---- */

/**
 * CpmLegacyFormat:
 * @CPM_LEGACY_FORMAT_UNKNOWN: not recognised
 * @CPM_LEGACY_FORMAT_SMS_XML: Android "SMS Backup & Restore" XML
 * @CPM_LEGACY_FORMAT_JSONL: the JSON lines format of cpmobj-convert(1)
 * @CPM_LEGACY_FORMAT_MMS_PDU: one binary MMS PDU (application/vnd.wap.mms-message)
 */
typedef enum {
  CPM_LEGACY_FORMAT_UNKNOWN,
  CPM_LEGACY_FORMAT_SMS_XML,
  CPM_LEGACY_FORMAT_JSONL,
  CPM_LEGACY_FORMAT_MMS_PDU,
} CpmLegacyFormat;

/**
 * cpm_legacy_detect_format:
 * @head: the first bytes of the input (a few hundred are enough)
 * @len: their number
 * Returns: the format the bytes look like
 */
CPM_EXPORT CpmLegacyFormat cpm_legacy_detect_format (const guint8 *head, gsize len);

/**
 * CpmLegacyReader:
 *
 * Reads one export record by record, in constant memory. Opaque, reference
 * counted.
 */
typedef struct _CpmLegacyReader CpmLegacyReader;

/**
 * cpm_legacy_reader_new:
 * @format: the input format (not %CPM_LEGACY_FORMAT_UNKNOWN)
 * @input: (transfer none): the stream to read; the reader keeps a reference
 * @name: (nullable): input name used in #CpmLegacyMessage.source
 * Returns: (transfer full): a reader
 */
CPM_EXPORT CpmLegacyReader *cpm_legacy_reader_new (CpmLegacyFormat format, GInputStream *input,
                                                   const char *name);
/** cpm_legacy_reader_ref: Returns: (transfer full): @reader, one more reference */
CPM_EXPORT CpmLegacyReader *cpm_legacy_reader_ref (CpmLegacyReader *reader);
/** cpm_legacy_reader_unref: drops a reference; the last closes nothing but
 * releases the reader's reference to its stream (%NULL is fine). */
CPM_EXPORT void cpm_legacy_reader_unref (CpmLegacyReader *reader);

/**
 * cpm_legacy_reader_next:
 * @error: set when the input cannot be read on (an I/O error); records
 *   before it were returned. Damaged records are not errors: they come
 *   back with a skip reason.
 *
 * Every record of the export comes back once: convertible, or with
 * #CpmLegacyMessage.skip_reason set (so nothing disappears silently).
 *
 * Returns: (transfer full) (nullable): the next record, or %NULL at the end
 * or on error
 */
CPM_EXPORT CpmLegacyMessage *cpm_legacy_reader_next (CpmLegacyReader *reader, GError **error);

/**
 * cpm_legacy_reader_get_repaired:
 * Returns: how many UTF-16 surrogate pairs written as two character
 * references were repaired into UTF-8 so far (SMS XML), plus lone
 * surrogates replaced by U+FFFD
 */
CPM_EXPORT guint64 cpm_legacy_reader_get_repaired (const CpmLegacyReader *reader);

/**
 * cpm_mms_pdu_decode:
 * @data: a binary MMS PDU (m-send-req or m-retrieve-conf)
 * @len: its length
 * @error: a #CPM_ERROR_PARSE error saying what is wrong at which offset
 *
 * Decodes the headers (From, To, Cc, Bcc, Date, Subject, Message-ID,
 * message type) and the WSP multipart body. Bounds-checked: any input gives
 * a record or an error.
 *
 * Returns: (transfer full) (nullable): the record (box sent for m-send-req,
 * received for m-retrieve-conf)
 */
CPM_EXPORT CpmLegacyMessage *cpm_mms_pdu_decode (const guint8 *data, gsize len, GError **error);

/* ---- mapping into objects ---- */

/**
 * CpmLegacyFolderBy:
 * @CPM_LEGACY_FOLDER_BY_CONVERSATION: folder named by the Conversation-ID (5.2.7)
 * @CPM_LEGACY_FOLDER_BY_PEER: folder named by the peer's tel URI (group
 *   threads: the peers joined by ",")
 */
typedef enum {
  CPM_LEGACY_FOLDER_BY_CONVERSATION,
  CPM_LEGACY_FOLDER_BY_PEER,
} CpmLegacyFolderBy;

/**
 * CpmLegacyOptions:
 * @phony_domain: domain appended to telephone numbers (Table 1 From/To),
 *   default "phony.com"
 * @self_address: (nullable): the device owner's number, used for the
 *   sender of sent and the recipient of received messages when the export
 *   does not name it; when %NULL those are "anonymous"
 * @accept_contact: (nullable): Accept-Contact value to use instead of the
 *   default (see cpmobj-convert(1))
 * @profile: profile the objects are built for
 * @folder_by: how cpm_legacy_folder_name() names folders
 *
 * Settings of the mapping. Initialise with cpm_legacy_options_init().
 */
typedef struct {
  const char *phony_domain;
  const char *self_address;
  const char *accept_contact;
  CpmProfile profile;
  CpmLegacyFolderBy folder_by;
} CpmLegacyOptions;

/** cpm_legacy_options_init: fills @options with the defaults. */
CPM_EXPORT void cpm_legacy_options_init (CpmLegacyOptions *options);

/**
 * cpm_legacy_to_object:
 * @message: a record without skip reason
 * @options: (nullable): settings, %NULL for the defaults
 * @error: #CPM_ERROR_INVALID_VALUE when the record cannot be mapped (no
 *   date, a part file that cannot be read...)
 *
 * Builds the legacy message object of Table 1 through #CpmBuilder. The
 * result depends only on @message and @options, so converting the same
 * record twice gives the same bytes.
 *
 * Returns: (transfer full) (nullable): the object
 */
CPM_EXPORT CpmObject *cpm_legacy_to_object (const CpmLegacyMessage *message,
                                            const CpmLegacyOptions *options, GError **error);

/**
 * cpm_legacy_conversation_id:
 * Returns: (transfer full): the name-based UUID (RFC 4122 version 5) of the
 * thread: the sorted, normalised peers (cpmobj-convert(1) documents it)
 */
CPM_EXPORT char *cpm_legacy_conversation_id (const CpmLegacyMessage *message,
                                             const CpmLegacyOptions *options);

/**
 * cpm_legacy_message_key:
 * Returns: (transfer full): the canonical string naming the message itself
 * (kind, box, date, originator, recipients, Message-ID, SHA-1 of the text
 * and parts), from which Contribution-ID and IMDN-Message-ID are derived
 */
CPM_EXPORT char *cpm_legacy_message_key (const CpmLegacyMessage *message,
                                         const CpmLegacyOptions *options);

/**
 * cpm_legacy_folder_name:
 * Returns: (transfer full): the conversation folder for @message under
 * @options->folder_by
 */
CPM_EXPORT char *cpm_legacy_folder_name (const CpmLegacyMessage *message,
                                         const CpmLegacyOptions *options);

/**
 * cpm_legacy_flags:
 * Returns: (transfer none): "\\Seen" for sent and for read received
 * messages, "" otherwise (5.5)
 */
CPM_EXPORT const char *cpm_legacy_flags (const CpmLegacyMessage *message);

/**
 * cpm_uuid_v5:
 * @namespace_uuid: the namespace as a UUID string
 * @name: the name bytes
 * @len: their length, or -1 when @name is NUL-terminated
 * Returns: (transfer full) (nullable): the RFC 4122 version 5 (SHA-1)
 * UUID in lower case, or %NULL if @namespace_uuid is not a UUID
 */
CPM_EXPORT char *cpm_uuid_v5 (const char *namespace_uuid, const char *name, gssize len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CpmLegacyMessage, cpm_legacy_message_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CpmLegacyReader, cpm_legacy_reader_unref)

G_END_DECLS

#endif
