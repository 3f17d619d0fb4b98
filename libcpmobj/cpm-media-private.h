/* MIME bodies of stored objects, split by GMime: shared by the modules that
 * look inside multipart bodies (media, file transfer, inspect, store).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_MEDIA_PRIVATE_H
#define CPM_MEDIA_PRIVATE_H

#include "config-private.h"
#include <cpmobj/cpm-object.h>
#include <cpmobj/cpm-report.h>
#include <gmime/gmime.h>

G_BEGIN_DECLS

/* An object's body parsed as the MIME entity its own Content-Type and
 * Content-Transfer-Encoding describe. GMime sees "prefix + body"; offsets it
 * reports are mapped back to lines of the object. */
typedef struct {
  GMimeObject *entity;   /* (owned) (nullable) the parsed entity */
  GBytes *body;          /* (owned) (nullable) the object's body */
  gsize prefix_len;      /* bytes of the synthesized header block */
  GByteArray *scratch;   /* (owned) (nullable) what GMime parsed: prefix + body */
  guint body_line;       /* line of the body's first byte, 0 when built */
  gboolean damaged;      /* GMime reported a structural error: part
                          * boundaries (hence contents) are unreliable */
  gsize lf_at;           /* a cursor for offset -> line: the body's first */
  guint lf_count;        /* lf_at bytes hold lf_count LFs. Lookups come in
                          * document order, so many parts do not rescan
                          * the body, and nothing is built for an object
                          * whose lines are never asked for */
} CpmMimeBody;

/* Parses @object's body. GMime parser findings inside the body are added
 * to @report (when non-NULL) under @rule with @section. Returns FALSE, with
 * nothing reported, when the object has no body. */
gboolean cpm_mime_body_parse (CpmMimeBody *mb, const CpmObject *object, CpmReport *report,
                              const char *rule, const char *section);
void cpm_mime_body_clear (CpmMimeBody *mb);

/* 1-based object line of the first header of @part (0 if unknown). */
guint cpm_mime_body_part_line (const CpmMimeBody *mb, GMimeObject *part);

/* Object line of a byte offset in GMime's stream (0 if unknown). */
guint cpm_mime_body_offset_line (const CpmMimeBody *mb, gint64 offset);

/* Decoded content of a leaf part. Returns: (transfer full) */
GBytes *cpm_mime_part_decode (GMimePart *part);

/* The size cpm_mime_part_decode() would return, computed from the encoded
 * text where it can be (identity encodings, valid base64) without decoding. */
gsize cpm_mime_part_decoded_size (GMimePart *part);

/* Checks a leaf part's Content-Transfer-Encoding: a known mechanism, and
 * encoded content that decodes strictly (GMime's decoders skip what they
 * do not understand). Returns: (transfer full) (nullable): why not, or NULL */
char *cpm_mime_part_encoding_problem (GMimePart *part);

/* Adds "@rule" findings for every leaf under @entity whose encoding fails
 * cpm_mime_part_encoding_problem(), and for composite entities carrying an
 * encoding other than 7bit, 8bit or binary (RFC 2045 6.4). */
void cpm_mime_body_check_encodings (const CpmMimeBody *mb, CpmReport *report,
                                    const char *rule, const char *section);

/* The rules of the file transfer, session info, session history and media
 * bodies (ft.*, session.*, session-history.*, media.*, limit.mime-depth),
 * for the engine's catalogue (cpm_validate_rules()). */
#include <cpmobj/cpm-validate.h>
const CpmRuleInfo *cpm_body_rules (guint *n_rules);

/* Splits @text at each @sep in one pass (g_strsplit() rescans the rest of
 * the string per piece under the sanitizers' strstr: quadratic on hostile
 * XML text). Returns: (transfer full): free with g_strfreev() */
GStrv cpm_text_split (const char *text, char sep);

/* <invited-participants> of 5.2.2.1 and 5.2.3.1: addresses separated by
 * ";" (a trailing ";" tolerated). Returns: (transfer none) (nullable): what
 * is wrong with @text, or NULL */
const char *cpm_participants_problem (const char *text);

G_END_DECLS

#endif
