/* The header registry: Table 1 (message object) with the differences of
 * Tables 2, 3, 4 and 6, and the occurrence limits and grammars of Appendix C,
 * in one table. Spec references are to 001_c1e4a602c0e0a013.txt.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"
#include "cpm-word-private.h"
#include "cpm-object-private.h"
#include <cpmobj/cpm-header.h>
#include <string.h>

#define N CPM_STATUS_NOT_APPLICABLE
#define O CPM_STATUS_OPTIONAL
#define M CPM_STATUS_MANDATORY
#define C CPM_STATUS_CONDITIONAL

/* Column order is CpmKind's:
 *        unkn msg chat imdn sms mms  ft   si  gso media conf hist(1.0) */

/* Decisions where the seed text is silent or contradicts itself:
 * - Stand-alone media (5.2.5): "the CPM MIME headers defined for the message
 *   object are not applicable"; the RFC 5322/MIME fields (From, To, Date,
 *   Subject, Content-Type) stay optional, the CPM fields are not applicable.
 * - P-Asserted-Service in chat messages: Table 1 notes it "is not present",
 *   yet Appendix D stores a chat message with the session feature tag and the
 *   field's status is Optional; libcpmobj accepts it (and uses it to tell a
 *   chat message from a standalone one). Subject and InReplyTo-Contribution-ID
 *   carry the same note and no contrary example: not applicable in chat.
 * - P-Asserted-Service in IMDN objects: SHALL only for IMDNs received via SIP
 *   MESSAGE, which the object does not record; optional.
 * - Accept-Contact: mandatory 1..* (Table 1, C.7), not applicable to GSO and
 *   Conference Information objects (Tables 4 and 6; spec README defect 5).
 * - Cc/Bcc: "used only in MMS objects" and defined from 2.2 on (4.4).
 * - Accept-Content: announced in 4.4 for 2.2, absent from Table 1 (defect 6):
 *   optional from 2.2 on, unstructured.
 * - The 1.0 session history object predates Table 1: every field optional. */
static const CpmHeaderDef registry[] = {
  { "From", "from", "5.2.1 Table 1", CPM_PROFILE_1_0, 1, 1,
    { O, M, M, M, M, M, M, M, M, O, M, O }, cpm_check_address },
  { "To", "to", "5.2.1 Table 1", CPM_PROFILE_1_0, 1, 1,
    { O, M, M, M, M, M, M, M, M, O, M, O }, cpm_check_address_list },
  { "Cc", "cc", "5.2.1 Table 1, 4.4", CPM_PROFILE_2_2, 0, 1,
    { O, N, N, N, N, O, N, N, N, O, N, O }, cpm_check_address_list },
  { "Bcc", "bcc", "5.2.1 Table 1, 4.4", CPM_PROFILE_2_2, 0, 1,
    { O, N, N, N, N, O, N, N, N, O, N, O }, cpm_check_address_list },
  { "Date", "date", "5.2.1 Table 1", CPM_PROFILE_1_0, 1, 1,
    { O, M, M, M, M, M, M, M, M, O, M, O }, cpm_check_date },
  { "Subject", "subject", "5.2.1 Table 1", CPM_PROFILE_1_0, 0, 1,
    { O, O, N, O, O, O, O, O, O, O, O, O }, cpm_check_unstructured },
  { "P-Asserted-Service", "p-asserted-service", "5.2.1 Table 1, C.5", CPM_PROFILE_1_0, 1, 1,
    { O, M, O, O, N, N, M, M, N, N, N, O }, cpm_check_service },
  { "Conversation-ID", "conversation-id", "5.2.1 Table 1, C.1", CPM_PROFILE_1_0, 1, 1,
    { O, M, M, M, M, M, M, M, M, N, M, O }, cpm_check_token },
  { "Contribution-ID", "contribution-id", "5.2.1 Table 1, C.2", CPM_PROFILE_1_0, 1, 1,
    { O, M, M, M, M, M, M, M, M, N, M, O }, cpm_check_token },
  { "InReplyTo-Contribution-ID", "inreplyto-contribution-id", "5.2.1 Table 1, C.3",
    CPM_PROFILE_1_0, 0, 1,
    { O, O, N, O, O, O, O, O, O, N, O, O }, cpm_check_token },
  { "Accept-Contact", "accept-contact", "5.2.1 Table 1, C.7", CPM_PROFILE_1_0, 1, 0,
    { O, M, M, M, M, M, M, M, N, N, N, O }, cpm_check_accept_contact },
  { "IMDN-Message-ID", "imdn-message-id", "5.2.1 Table 1, C.4", CPM_PROFILE_1_0, 1, 1,
    { O, M, M, M, M, M, M, M, M, N, M, O }, cpm_check_token },
  { "Message-Correlator", "message-correlator", "5.2.1 Table 1, C.6", CPM_PROFILE_2_0, 0, 1,
    { O, O, O, O, O, O, N, N, N, N, N, O }, cpm_check_message_correlator },
  { "Message-Context", "message-context", "5.2.1 Table 1", CPM_PROFILE_1_0, 0, 1,
    { O, C, C, C, M, M, N, N, N, N, N, O }, cpm_check_message_context },
  { "Accept-Content", "accept-content", "4.4", CPM_PROFILE_2_2, 0, 1,
    { O, O, O, O, O, O, O, O, O, N, O, O }, cpm_check_unstructured },
  { "Content-Type", "content-type", "5.2.1 Table 1", CPM_PROFILE_1_0, 1, 1,
    { O, M, M, M, M, M, M, M, M, M, M, M }, cpm_check_content_type },
  { "MIME-Version", "mime-version", "RFC 2045 4", CPM_PROFILE_1_0, 0, 1,
    { O, O, O, O, O, O, O, O, O, O, O, O }, NULL },
};

#undef N
#undef O
#undef M
#undef C

G_STATIC_ASSERT (G_N_ELEMENTS (registry[0].status) == CPM_KIND_COUNT);

const CpmHeaderDef *
cpm_header_registry (guint *n_defs)
{
  *n_defs = G_N_ELEMENTS (registry);
  return registry;
}

/* Runs for every field of every object: only the names of the field's
 * length are compared, each a word at a time. A name byte ORed with its
 * mask byte (0x20 where the key has a letter, else 0) equals the key byte
 * exactly when the two are the same letter in any case, or the same other
 * byte: the registry's case-insensitive match (RFC 5322; spec README
 * defect 7), eight bytes a step. */
#define MAX_NAME_LEN 64
#define KEY_WORDS 4
static guint8 first_of_len[MAX_NAME_LEN]; /* 1 + index of the first name of a length, 0: none */
static guint8 next_of_len[G_N_ELEMENTS (registry)]; /* 1 + index of the next one, 0: none */

typedef struct {
  guint64 word[KEY_WORDS]; /* the key's bytes 0-7, 8-15, ... (whole words only) */
  guint64 mask[KEY_WORDS];
  guint64 tail;            /* tail_of () of the key and of its mask */
  guint64 tail_mask;
} KeyWords;

static KeyWords key_words[G_N_ELEMENTS (registry)];

G_STATIC_ASSERT (G_N_ELEMENTS (registry) < 255);

/* The last eight bytes of @p (@n >= 1 bytes), or for a shorter @p bytes
 * that cover all of it: the same picks from a name and from a key line up
 * byte for byte. */
static inline guint64
tail_of (const char *p, gsize n)
{
  if (n >= 8)
    return cpm_load64 (p + n - 8);
  if (n >= 4)
    return cpm_load32 (p) | cpm_load32 (p + n - 4) << 32;
  return (guint64) (guchar) p[0] | (guint64) (guchar) p[n / 2] << 8 |
         (guint64) (guchar) p[n - 1] << 16;
}

static void
init_key_words (guint i, gsize len)
{
  char key[KEY_WORDS * 8] = { 0 }, mask[KEY_WORDS * 8] = { 0 };
  KeyWords *k = &key_words[i];
  g_assert (len <= sizeof key);
  memcpy (key, registry[i].key, len);
  for (gsize b = 0; b < len; b++)
    mask[b] = g_ascii_islower (key[b]) ? 0x20 : 0;
  for (guint w = 0; w < KEY_WORDS; w++) {
    k->word[w] = cpm_load64 (key + 8 * w);
    k->mask[w] = cpm_load64 (mask + 8 * w);
  }
  k->tail = tail_of (key, len);
  k->tail_mask = tail_of (mask, len);
}

static void
init_name_lengths (void)
{
  static gsize done = 0;
  if (g_once_init_enter (&done)) {
    for (guint i = G_N_ELEMENTS (registry); i-- > 0;) {
      gsize len = strlen (registry[i].name);
      g_assert (len < MAX_NAME_LEN);
      next_of_len[i] = first_of_len[len];
      first_of_len[len] = (guint8) (i + 1);
      init_key_words (i, len);
    }
    g_once_init_leave (&done, 1);
  }
}

/* @name (@n bytes, the key's length) equals key @i in any case. */
static inline gboolean
same_key (guint i, const char *name, gsize n)
{
  const KeyWords *k = &key_words[i];
  if ((tail_of (name, n) | k->tail_mask) != k->tail)
    return FALSE;
  for (gsize w = 0; 8 * w + 8 <= n; w++)
    if ((cpm_load64 (name + 8 * w) | k->mask[w]) != k->word[w])
      return FALSE;
  return TRUE;
}

const CpmHeaderDef *
cpm_header_lookup (const char *name, gssize len)
{
  gsize n = len < 0 ? strlen (name) : (gsize) len;
  if (n == 0)
    return NULL;
  init_name_lengths ();
  if (n >= MAX_NAME_LEN)
    return NULL;
  for (guint i = first_of_len[n]; i > 0; i = next_of_len[i - 1])
    if (same_key (i - 1, name, n))
      return &registry[i - 1];
  return NULL;
}

CpmHeaderStatus
cpm_header_status (const CpmHeaderDef *def, CpmKind kind, CpmProfile profile)
{
  if ((guint) kind >= CPM_KIND_COUNT)
    return CPM_STATUS_OPTIONAL;
  CpmHeaderStatus s = def->status[kind];
  if (profile < def->since && s != CPM_STATUS_NOT_APPLICABLE)
    return CPM_STATUS_OPTIONAL;
  /* 1.0 had no header table (000_12dc9c69392a8d7f.txt 5.2.2): only what
   * RFC 5322 and MIME require stays mandatory. */
  if (profile == CPM_PROFILE_1_0 && s == CPM_STATUS_MANDATORY &&
      strcmp (def->name, "From") != 0 && strcmp (def->name, "Date") != 0 &&
      strcmp (def->name, "Content-Type") != 0)
    return CPM_STATUS_OPTIONAL;
  return s;
}

const char *
cpm_header_status_to_string (CpmHeaderStatus status)
{
  switch (status) {
  case CPM_STATUS_NOT_APPLICABLE: return "not-applicable";
  case CPM_STATUS_OPTIONAL: return "optional";
  case CPM_STATUS_MANDATORY: return "mandatory";
  case CPM_STATUS_CONDITIONAL: return "conditional";
  }
  return "?";
}
