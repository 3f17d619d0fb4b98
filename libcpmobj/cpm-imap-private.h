/* The IMAP response parser behind CpmImapClient. Private: the unit tests and
 * the fuzzer drive it with raw bytes.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_IMAP_PRIVATE_H
#define CPM_IMAP_PRIVATE_H

#include <cpmobj/cpm-common.h>
#include <glib.h>

G_BEGIN_DECLS

/* The functions below carry CPM_EXPORT so that the unit tests and the fuzzer,
 * which link the shared library, reach them; they are still no public API
 * (no installed header declares them). */

/* Bounds: a response line (without its literals) may be this long, a literal
 * this large, lists nested this deep. Beyond them the response is refused
 * rather than buffered without end. */
#define CPM_IMAP_MAX_LINE (256 * 1024)
#define CPM_IMAP_MAX_LITERAL ((gsize) 256 * 1024 * 1024)
#define CPM_IMAP_MAX_DEPTH 32

typedef enum {
  CPM_IMAP_VALUE_ATOM,   /* also flags (\Seen) and fetch items (BODY[]) */
  CPM_IMAP_VALUE_NUMBER,
  CPM_IMAP_VALUE_STRING, /* quoted or literal; may hold any byte */
  CPM_IMAP_VALUE_NIL,
  CPM_IMAP_VALUE_LIST,
} CpmImapValueType;

typedef struct _CpmImapValue CpmImapValue;
struct _CpmImapValue {
  CpmImapValueType type;
  char *atom;       /* ATOM: NUL-terminated, as received */
  guint64 number;   /* NUMBER */
  GBytes *string;   /* STRING */
  GPtrArray *items; /* LIST: CpmImapValue* (owned) */
};

typedef enum {
  CPM_IMAP_RESPONSE_UNTAGGED, /* "* ..." */
  CPM_IMAP_RESPONSE_TAGGED,   /* "tag OK|NO|BAD ..." */
  CPM_IMAP_RESPONSE_CONTINUE, /* "+ ..." */
} CpmImapResponseKind;

typedef enum {
  CPM_IMAP_STATUS_NONE, /* a data response (CAPABILITY, LIST, FETCH...) */
  CPM_IMAP_STATUS_OK,
  CPM_IMAP_STATUS_NO,
  CPM_IMAP_STATUS_BAD,
  CPM_IMAP_STATUS_PREAUTH,
  CPM_IMAP_STATUS_BYE,
} CpmImapStatus;

typedef struct {
  CpmImapResponseKind kind;
  char *tag;              /* TAGGED only */
  CpmImapStatus status;
  /* Status responses: the response code, upper-cased ("APPENDUID"), its raw
   * arguments ("38505 3955") and the human-readable text (made valid UTF-8). */
  char *code;
  char *code_args;
  char *text;
  /* Data responses: "* 23 EXISTS" has number 23 and keyword "EXISTS";
   * "* LIST (\Noselect) "/" a" has keyword "LIST" and the values after it. */
  gboolean has_number;
  guint64 number;
  char *keyword;          /* upper-cased */
  GPtrArray *values;      /* CpmImapValue* (owned), never NULL for data */
} CpmImapResponse;

typedef enum {
  CPM_IMAP_PARSE_OK,
  CPM_IMAP_PARSE_INCOMPLETE, /* more bytes needed; *needed says how many at least */
  CPM_IMAP_PARSE_ERROR,
} CpmImapParseResult;

/* Parses one response from the start of @data. On OK, *consumed is the length
 * of the response (CRLF and literals included) and *response is set. On
 * INCOMPLETE, *needed is the smallest total length that could complete it.
 * Never reads past @len; any bytes are accepted without crashing. */
CPM_EXPORT CpmImapParseResult cpm_imap_parse_response (const guint8 *data, gsize len,
                                            gsize *consumed, gsize *needed,
                                            CpmImapResponse **response,
                                            GError **error);

CPM_EXPORT void cpm_imap_response_free (CpmImapResponse *response);
CPM_EXPORT void cpm_imap_value_free (CpmImapValue *value);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CpmImapResponse, cpm_imap_response_free)

/* Parses "UIDVALIDITY UID" or "UIDVALIDITY uid-set" (APPENDUID arguments,
 * RFC 4315 section 3) into @uidvalidity and the UIDs in order. */
CPM_EXPORT gboolean cpm_imap_parse_appenduid (const char *args, guint32 *uidvalidity,
                                   GArray *uids, GError **error);

/* Quotes @s for a command as an IMAP quoted string, or returns NULL when it
 * needs a literal (CR, LF, NUL or 8-bit). */
CPM_EXPORT char *cpm_imap_quote (const char *s);

/* Formats an internal date as RFC 3501 date-time ("17-Jul-1996 02:44:25 -0700"). */
CPM_EXPORT char *cpm_imap_format_date (GDateTime *date);

G_END_DECLS

#endif
