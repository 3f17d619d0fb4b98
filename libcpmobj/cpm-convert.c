/* Captured CPM traffic into store objects: the mapping of 5.2 Table 1-6,
 * Appendix F and I. SIP dialogs are followed by Call-ID, MSRP sessions
 * by the session-ids of their MSRP URIs (a=path in the SDP of the INVITE
 * and of its 200 OK).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"

#include <cpmobj/cpmobj.h>
#include <cpmobj/cpm-convert.h>

#include "cpm-builder-private.h"
#include "cpm-capture-private.h"
#include "cpm-cpim-private.h"
#include "cpm-word-private.h"

#include <gmime/gmime.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#define FLAGS "\\Seen"
#define SERVICE_PREFIX "urn:urn-7:3gpp-service.ims.icsi.oma.cpm."

typedef enum { SESSION_CHAT, SESSION_FT, SESSION_LARGE } SessionType;

typedef struct {
  char *call_id;
  SessionType type;
  gboolean group;
  gboolean stored;     /* the session info / FT object was handed out */
  gboolean closed;     /* declined, or stored as FT: no more objects */
  CpmSipMessage *invite;
  CpmSipMessage *answer;
  char *invite_source;
  gint64 invite_time;
  GPtrArray *invite_paths; /* MSRP session-ids of the INVITE's SDP */
  char *folder;
  char *focus;         /* group: the conference URI */
  char *invited;       /* group: ";"-separated */
  char *listed;        /* the INVITE's URI list, ";"-separated (nullable):
                        * read once at the INVITE (an XML parse) */
  GTree *members;      /* group: entity -> display name (GSO) */
  GPtrArray *msrp_ids; /* the by_msrp keys this session owns */
  gint64 last_us;      /* capture time of its last SIP or MSRP message */
  char *caller, *callee;     /* 1-1 chat messages' From and To */
  gboolean parties_answered; /* caller/callee worked out with the answer */
  char *chat_service;        /* chat messages' P-Asserted-Service */
  /* the INVITE's fields every chat message copies, looked up once (values
   * in the INVITE) */
  const char *chat_conversation, *chat_contribution;
  GPtrArray *chat_accepts;   /* Accept-Contact values, or the one of the service */
  CpmBuilder *chat_builders[2][2]; /* [IMDN][outgoing] (see chat_builder) */
  gboolean ended;      /* its BYE was seen */
  gint64 bye_us;       /* capture time of its BYE */
} Session;

/* ------------------------------------------------------------------------
 * Bounded state (issue 4: a 1 GB capture converts in bounded memory)
 *
 * What the converter remembers across messages is dropped on a horizon in
 * capture time, and in any case beyond a count (text logs may carry no
 * time at all), so memory does not grow with the number of sessions:
 * - a session (its INVITE, answer, MSRP session-ids, group members) is
 *   flushed SESSION_LINGER_US after its BYE (MSRP chunks still in flight
 *   after the BYE are still placed), or after IDLE_HORIZON_US without a
 *   SIP or MSRP message of its own (a session whose end the capture
 *   missed), or, oldest first, when more than MAX_SESSIONS are open.
 *   Flushing does what the end of the input does for it: the session
 *   info of a chat nobody wrote in is stored, an unfinished file
 *   transfer is reported incomplete.
 * - SIP transaction keys for retransmission detection are kept
 *   SIP_WINDOW_US = 64*T1 = 32 s (RFC 3261 17.1.1.2, 17.1.2.2: a client
 *   transaction retransmits for at most Timer B/F); MSRP Message-IDs
 *   MSRP_WINDOW_US. A retransmission later than its window is not
 *   silently dropped: it is converted again (the same object, the same
 *   file name: it is counted twice in the accounting and the manifest).
 * - an IMDN waits for its message at most IMDN_WINDOW_US, and the folder
 *   of a stored message is remembered as long: an IMDN whose message
 *   never appears is stored at that point, exactly as it would have been
 *   at the end of the input; one that comes later than that after its
 *   message goes to the folder its own request names.
 * - an MSRP message whose session is not known yet waits SIP_WINDOW_US;
 *   a chunked one whose chunks stop coming is reported incomplete after
 *   MSRP_WINDOW_US without a chunk.
 * Every window also holds at most MAX_REMEMBERED entries (oldest out). */
#define SIP_WINDOW_US (G_GINT64_CONSTANT (32) * G_USEC_PER_SEC)
#define MSRP_WINDOW_US (G_GINT64_CONSTANT (600) * G_USEC_PER_SEC)
#define IMDN_WINDOW_US (G_GINT64_CONSTANT (600) * G_USEC_PER_SEC)
#define SESSION_LINGER_US (G_GINT64_CONSTANT (32) * G_USEC_PER_SEC)
#define IDLE_HORIZON_US (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)
#define MAX_SESSIONS 4096
#define MAX_REMEMBERED 16384

/* A window entry: its value and how many stamps of the key are queued,
 * so a key put again leaves at its last stamp, not its first; the key
 * in the same allocation. */
typedef struct {
  gpointer value;
  guint stamps;
  guint hash;      /* key_hash (key) */
  char key[];
} Entry;

typedef struct {
  Entry *entry;
  gint64 time_us;
} Stamp;

/* A set (or map) whose entries leave in insertion order once older than
 * span_us or beyond max entries. The stamps are a ring of structs (a
 * Stamp, a copy of the key and a list link per put before).
 * The entries are found in an open-addressed table of their own (linear
 * probing, at most 3/4 full, a removal shifting the entries after it
 * back): every MSRP message looks up, puts and later removes a key, and a
 * GHashTable hashed each key twice a put and cost ~400 instructions a
 * removal. */
typedef struct {
  Entry **slots;     /* NULL or an entry (owned), slot_mask + 1 of them */
  guint slot_mask, n_entries;
  Stamp *ring;       /* oldest first from head */
  guint head, count, size;
  gint64 span_us;
  guint max;
} Window;

struct _CpmConverter {
  gint ref_count;
  CpmProfile profile;
  CpmConvertObjectFunc on_object;
  CpmConvertSkipFunc on_skip;
  gpointer user_data;
  GError *error;
  guint64 records;
  GHashTable *by_call_id;  /* Call-ID -> Session* (owned) */
  GHashTable *by_msrp;     /* MSRP session-id -> Session* */
  GPtrArray *sessions;     /* Session*, in INVITE order */
  Window seen_sip;         /* SIP transaction keys */
  Window seen_msrp;        /* MSRP Message-IDs done */
  CpmMsrpAssembler *msrp;
  GQueue waiting;          /* Waiting*: MSRP messages without a session yet */
  char *input;             /* the input's name, from the messages' sources */
  Window folder_of;        /* IMDN-Message-ID of a stored message -> its folder */
  GQueue deferred;         /* Deferred*: IMDNs waiting for their message */
  gint64 now_us;           /* the latest capture time seen */
  gint64 swept_us;         /* when the sessions were last looked over */
  guint groups_flushed;    /* group sessions flushed before the end */
  /* the last CPIM DateTime read, its date and Date text (a message and
   * the IMDNs about it often carry the same) */
  char *last_datetime;
  GDateTime *last_date;
  char last_date_text[CPM_DATE_FORMAT_SIZE];
  /* registry rows chat_message sets for every message */
  const CpmHeaderDef *def_from, *def_to, *def_date, *def_imdn_id;
};

/* ------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------ */

static void
session_free (Session *s)
{
  g_free (s->call_id);
  cpm_sip_message_free (s->invite);
  cpm_sip_message_free (s->answer);
  g_free (s->invite_source);
  g_ptr_array_unref (s->invite_paths);
  g_ptr_array_unref (s->msrp_ids);
  g_free (s->caller);
  g_free (s->callee);
  g_free (s->chat_service);
  if (s->chat_accepts)
    g_ptr_array_unref (s->chat_accepts);
  for (guint i = 0; i < 4; i++)
    g_clear_pointer (&s->chat_builders[i / 2][i % 2], cpm_builder_unref);
  g_free (s->folder);
  g_free (s->focus);
  g_free (s->invited);
  g_free (s->listed);
  if (s->members)
    g_tree_unref (s->members);
  g_free (s);
}

static char *
make_id (const char *what, const char *key)
{
  g_autofree char *name = g_strdup_printf ("capture\n%s\n%s", what, key);

  return cpm_uuid_v5 (CPM_CONVERT_NAMESPACE, name, -1);
}

static void
entry_free (Entry *e)
{
  g_free (e->value);
  g_free (e);
}

/* The tables' keys are long (Message-IDs, UUIDs, SIP transaction keys of
 * ~100 bytes) and every MSRP message hashes several: g_str_hash takes
 * them a byte at a time, this eight. */
static guint
key_hash (gconstpointer key)
{
  const char *s = key;
  gsize len = strlen (s);
  guint64 h = cpm_hash_words (len * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15), s, len);

  /* a product's low bits see only the low bits of the last word (keys
   * that differ in their last byte would share them): mixed down */
  h ^= h >> 33;
  h *= G_GUINT64_CONSTANT (0xff51afd7ed558ccd);
  h ^= h >> 33;
  return (guint) h;
}

static void
window_init (Window *w, gint64 span_us)
{
  w->slot_mask = 63;
  w->slots = g_new0 (Entry *, w->slot_mask + 1);
  w->n_entries = 0;
  w->ring = NULL;
  w->head = w->count = w->size = 0;
  w->span_us = span_us;
  w->max = MAX_REMEMBERED;
}

static void
window_clear (Window *w)
{
  for (guint i = 0; i <= w->slot_mask; i++)
    if (w->slots[i])
      entry_free (w->slots[i]);
  g_free (w->slots);
  g_free (w->ring);
}

/* The slot of @key, or the empty slot where it would go. */
static guint
window_slot (const Window *w, const char *key, guint hash)
{
  guint i = hash & w->slot_mask;
  const Entry *e;

  while ((e = w->slots[i]) && (e->hash != hash || strcmp (e->key, key) != 0))
    i = (i + 1) & w->slot_mask;
  return i;
}

static Entry *
window_find (const Window *w, const char *key)
{
  return w->slots[window_slot (w, key, key_hash (key))];
}

static void
window_grow (Window *w)
{
  Entry **old = w->slots;
  guint old_mask = w->slot_mask;

  w->slot_mask = old_mask * 2 + 1;
  w->slots = g_new0 (Entry *, w->slot_mask + 1);
  for (guint i = 0; i <= old_mask; i++) {
    if (!old[i])
      continue;
    guint j = old[i]->hash & w->slot_mask;
    while (w->slots[j])
      j = (j + 1) & w->slot_mask;
    w->slots[j] = old[i];
  }
  g_free (old);
}

/* Frees @e and closes its gap: each entry after it up to the next empty
 * slot moves back into the gap unless its home slot lies (cyclically)
 * after the gap and not after the entry itself. */
static void
window_remove (Window *w, Entry *e)
{
  guint gap = window_slot (w, e->key, e->hash);

  entry_free (e);
  w->slots[gap] = NULL;
  w->n_entries--;
  for (guint j = (gap + 1) & w->slot_mask; w->slots[j]; j = (j + 1) & w->slot_mask) {
    guint home = w->slots[j]->hash & w->slot_mask;
    /* distances from the home slot: the entry may fill the gap when the
     * gap is no further from home than the entry is */
    if (((gap - home) & w->slot_mask) <= ((j - home) & w->slot_mask)) {
      w->slots[gap] = w->slots[j];
      w->slots[j] = NULL;
      gap = j;
    }
  }
}

static gboolean
window_contains (const Window *w, const char *key)
{
  return window_find (w, key) != NULL;
}

static const char *
window_lookup (const Window *w, const char *key)
{
  const Entry *e = window_find (w, key);

  return e ? e->value : NULL;
}

/* Adds @key, or gives it a new @value (a g_malloc'd string or NULL, owned
 * by the window) and a new stamp. */
static void
window_put (Window *w, const char *key, char *value, gint64 now_us)
{
  guint hash = key_hash (key), i = window_slot (w, key, hash);
  Entry *e = w->slots[i];

  if (!e) {
    gsize n = strlen (key);
    if ((w->n_entries + 1) * 4 > (w->slot_mask + 1) * 3) {
      window_grow (w);
      i = window_slot (w, key, hash);
    }
    e = g_malloc (sizeof *e + n + 1);
    e->value = NULL;
    e->stamps = 0;
    e->hash = hash;
    memcpy (e->key, key, n + 1);
    w->slots[i] = e;
    w->n_entries++;
  }
  g_free (e->value);
  e->value = value;
  e->stamps++;
  if (w->count == w->size) {
    /* grow the ring, its stamps unwrapped to the front */
    guint size = w->size ? w->size * 2 : 64;
    Stamp *ring = g_new (Stamp, size);
    for (guint r = 0; r < w->count; r++)
      ring[r] = w->ring[(w->head + r) % w->size];
    g_free (w->ring);
    w->ring = ring;
    w->head = 0;
    w->size = size;
  }
  w->ring[(w->head + w->count++) % w->size] = (Stamp) { e, now_us };
}

static void
window_expire (Window *w, gint64 now_us)
{
  while (w->count) {
    Stamp *st = &w->ring[w->head];
    if (w->count <= w->max && now_us - st->time_us <= w->span_us)
      return;
    w->head = (w->head + 1) % w->size;
    w->count--;
    if (--st->entry->stamps == 0)
      window_remove (w, st->entry);
  }
}

static void
skip (CpmConverter *c, const char *source, gboolean broken, const char *fmt, ...)
  G_GNUC_PRINTF (4, 5);

static void
skip (CpmConverter *c, const char *source, gboolean broken, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *reason = NULL;

  va_start (ap, fmt);
  reason = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (c->on_skip)
    c->on_skip (source, reason, broken, c->user_data);
}

/* An address header value without its SIP parameters (";tag=..."), as
 * an RFC 5322 From/To can hold it. */
static char *
address_of (const char *value)
{
  const char *gt;

  if (!value)
    return NULL;
  gt = strchr (value, '>');
  if (gt)
    return g_strndup (value, (gsize) (gt - value) + 1);
  g_autofree char *bare = g_strndup (value, strcspn (value, ";"));
  return g_strdup_printf ("<%s>", g_strstrip (bare));
}

/* The first of possibly several comma-separated name-addrs (P-Asserted-
 * Identity may carry a SIP and a tel URI). */
static char *
first_address (const char *value)
{
  const char *gt;

  if (!value)
    return NULL;
  gt = strchr (value, '>');
  return gt ? g_strndup (value, (gsize) (gt - value) + 1) : address_of (value);
}

/* Table 1 From: Referred-By, else P-Asserted-Identity. A capture taken
 * outside the trust domain may have neither: then the SIP From, the only
 * originator address there is. */
static char *
originator (const CpmSipMessage *m)
{
  const char *v = cpm_sip_message_get_header (m, "Referred-By");

  if (!v)
    v = cpm_sip_message_get_header (m, "P-Asserted-Identity");
  if (!v)
    v = cpm_sip_message_get_header (m, "From");
  return first_address (v);
}

static GDateTime *
time_of (const CpmSipMessage *m, gint64 capture_us)
{
  const char *date = m ? cpm_sip_message_get_header (m, "Date") : NULL;

  if (date) {
    GDateTime *dt = g_mime_utils_header_decode_date (date);
    if (dt)
      return dt;
  }
  if (capture_us > 0)
    return g_date_time_new_from_unix_utc (capture_us / G_USEC_PER_SEC);
  return NULL;
}

/* The CPM feature tag ("+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.
 * icsi.oma.cpm.msg\"") of the request as a P-Asserted-Service URN; a
 * request without one gets the service its method implies. */
static char *
service_of (const CpmSipMessage *m, const char *implied)
{
  const char *pas = cpm_sip_message_get_header (m, "P-Asserted-Service");
  static const char *const where[] = { "Accept-Contact", "Contact" };

  if (pas)
    return g_strdup (pas);
  for (guint w = 0; w < G_N_ELEMENTS (where); w++)
    for (guint i = 0; cpm_sip_message_get_header_nth (m, where[w], i); i++) {
      const char *v = cpm_sip_message_get_header_nth (m, where[w], i);
      const char *p = strstr (v, "3gpp-service.ims.icsi.oma.cpm.");
      if (p) {
        gsize n = strcspn (p, "\";, ");
        g_autofree char *tail = g_strndup (p + strlen ("3gpp-service.ims.icsi.oma.cpm."),
                                           n - strlen ("3gpp-service.ims.icsi.oma.cpm."));
        return g_strconcat (SERVICE_PREFIX, tail, NULL);
      }
    }
  return g_strconcat (SERVICE_PREFIX, implied, NULL);
}

/* Table 1: each Accept-Contact of the request copied. Table 1 makes the
 * field mandatory; a request without one (a capture from outside IMS)
 * gets the CPM feature tag of its service, as the legacy conversion does. */
static char *
service_accept_contact (const char *service)
{
  const char *tail = service + strlen (SERVICE_PREFIX) - strlen ("oma.cpm.");

  return g_strdup_printf ("*;+g.3gpp.icsi-ref=\"urn%%3Aurn-7%%3A3gpp-service.ims.icsi.%s\"", tail);
}

static void
add_accept_contacts (CpmBuilder *b, const CpmSipMessage *m, const char *service)
{
  guint i;

  for (i = 0; cpm_sip_message_get_header_nth (m, "Accept-Contact", i); i++)
    cpm_builder_add_header (b, "Accept-Contact", cpm_sip_message_get_header_nth (m, "Accept-Contact", i));
  if (i == 0) {
    g_autofree char *v = service_accept_contact (service);
    cpm_builder_add_header (b, "Accept-Contact", v);
  }
}

/* Conversation-ID, Contribution-ID, InReplyTo-Contribution-ID, Subject of
 * the request. */
static void
add_cpm_ids (CpmBuilder *b, const CpmSipMessage *m, gboolean with_reply_to)
{
  const char *v;

  cpm_builder_set_header (b, "Conversation-ID", cpm_sip_message_get_header (m, "Conversation-ID"));
  cpm_builder_set_header (b, "Contribution-ID", cpm_sip_message_get_header (m, "Contribution-ID"));
  if (with_reply_to && (v = cpm_sip_message_get_header (m, "InReplyTo-Contribution-ID")))
    cpm_builder_set_header (b, "InReplyTo-Contribution-ID", v);
}

/* The Table 1 fields of an object stored for one SIP request (a pager
 * MESSAGE, the session's INVITE, a file transfer INVITE): the addresses,
 * the date, Subject, the CPM ids, the service and its Accept-Contacts. */
static CpmBuilder *
request_builder (CpmKind kind, const CpmSipMessage *m, const char *from, const char *to,
                 GDateTime *date, const char *service)
{
  CpmBuilder *b = cpm_builder_new (kind);
  const char *subject = cpm_sip_message_get_header (m, "Subject");
  cpm_builder_set_header (b, "From", from);
  cpm_builder_set_header (b, "To", to);
  cpm_builder_set_date (b, date);
  if (subject)
    cpm_builder_set_header (b, "Subject", subject);
  add_cpm_ids (b, m, TRUE);
  cpm_builder_set_header (b, "P-Asserted-Service", service);
  add_accept_contacts (b, m, service);
  return b;
}

/* An IMDN whose message has not been stored (yet). */
typedef struct {
  CpmObject *object;
  char *folder;
  GDateTime *date;
  char *source;
  gint64 time_us;  /* when it began to wait */
} Deferred;

static void
deferred_free (Deferred *d)
{
  cpm_object_unref (d->object);
  g_free (d->folder);
  g_date_time_unref (d->date);
  g_free (d->source);
  g_free (d);
}

static gboolean
hand_out (CpmConverter *c, CpmObject *object, const char *folder, GDateTime *date,
          const char *source)
{
  CpmConvertItem item = { object, folder, FLAGS, date, source };
  CpmKind kind = cpm_object_get_kind (object);
  /* a message's folder, for the IMDNs about it */
  const char *id = kind != CPM_KIND_IMDN && kind != CPM_KIND_SESSION_INFO
                     ? cpm_object_get_header (object, "IMDN-Message-ID") : NULL;

  if (id)
    window_put (&c->folder_of, id, g_strdup (folder), c->now_us);
  return c->on_object (&item, c->user_data, &c->error);
}

/* 5.2.1: an IMDN is stored in the folder of the message it is about, when
 * that message is stored from the same input (a delivery notification
 * sent by SIP MESSAGE for a group chat message goes to the session
 * history folder). The message may complete later than its IMDN (TCP
 * segments captured out of order, chunks still open): an IMDN whose
 * message is not known yet waits for the end of the input, so the result
 * does not depend on the order of delivery. */
static gboolean
place (CpmConverter *c, CpmObject *object, const char *folder, GDateTime *date,
       const char *source, gboolean at_end)
{
  g_autofree char *original = NULL;
  const char *there;
  Deferred *d;

  if (cpm_object_get_kind (object) != CPM_KIND_IMDN)
    return hand_out (c, object, folder, date, source);
  original = cpm_imdn_dup_original_message_id (object, NULL);
  there = original ? window_lookup (&c->folder_of, original) : NULL;
  if (there || at_end || !original)
    return hand_out (c, object, there ? there : folder, date, source);
  d = g_new0 (Deferred, 1);
  d->object = cpm_object_ref (object);
  d->folder = g_strdup (folder);
  d->date = g_date_time_ref (date);
  d->source = g_strdup (source);
  d->time_us = c->now_us;
  g_queue_push_tail (&c->deferred, d);
  return TRUE;
}

static gboolean
emit (CpmConverter *c, CpmBuilder *b, const char *folder, GDateTime *date, const char *source)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (CpmObject) object = NULL;

  if (c->error)
    return FALSE;
  cpm_builder_set_profile (b, c->profile);
  object = cpm_builder_build (b, &local);
  if (!object) {
    skip (c, source, TRUE, "cannot be stored: %s", local->message);
    return FALSE;
  }
  return place (c, object, folder, date, source, FALSE);
}

/* Kept for the validator of the object built from it (same thread, read
 * only: the builder writes it back as it is). */
static CpmCpim *
parse_cpim (GBytes *bytes)
{
  return cpm_cpim_parse_kept (bytes, NULL, 1, NULL);
}

/* @type's media type is @want (any case), parameters or not. */
static gboolean
type_is (const char *type, const char *want)
{
  gsize i;

  if (!type)
    return FALSE;
  /* the usual spelling, @want's own (lower case), compared at once */
  i = strlen (want);
  if (strncmp (type, want, i) != 0)
    for (gsize j = 0; j < i; j++)
      if (cpm_ascii_lower ((guchar) type[j]) != cpm_ascii_lower ((guchar) want[j]))
        return FALSE;
  return type[i] == '\0' || type[i] == ';' || type[i] == ' ' || type[i] == '\t';
}

/* ------------------------------------------------------------------------
 * Pager mode (SIP MESSAGE)
 * ------------------------------------------------------------------------ */

/* A standalone message (5.2.1): pager mode from the SIP MESSAGE @m and its
 * body, large message mode from the INVITE @m and the MSRP content. */
static void
standalone_message (CpmConverter *c, const CpmSipMessage *m, const char *body_type,
                    GBytes *content, gint64 time_us, const char *source, const char *id_key)
{
  g_autoptr (CpmCpim) cpim = NULL;
  g_autoptr (CpmBuilder) b = NULL;
  g_autoptr (GDateTime) date = time_of (m, time_us);
  g_autofree char *from = originator (m);
  g_autofree char *to = address_of (cpm_sip_message_get_header (m, "To"));
  g_autofree char *service = service_of (m, "msg");
  g_autofree char *generated = NULL;
  const char *conv = cpm_sip_message_get_header (m, "Conversation-ID");
  const char *imdn_id = NULL, *ctype;
  CpmKind kind = CPM_KIND_MESSAGE;

  if (type_is (body_type, "message/cpim") && !(cpim = parse_cpim (content))) {
    skip (c, source, TRUE, "decode error: the message/cpim body has no CPIM headers");
    return;
  }
  if (cpim) {
    imdn_id = cpm_cpim_get_ns_header (cpim, CPM_CPIM_NS_IMDN, "Message-ID");
    ctype = cpm_cpim_get_content_type (cpim);
    if (type_is (ctype, "message/imdn+xml"))
      kind = CPM_KIND_IMDN;
    else if (type_is (ctype, "application/im-iscomposing+xml")) {
      skip (c, source, FALSE, "not CPM (isComposing indication)");
      return;
    }
    if (!date) {
      const char *dt = cpm_cpim_get_header (cpim, "DateTime");
      date = dt ? g_date_time_new_from_iso8601 (dt, NULL) : NULL;
    }
  }
  if (!date) {
    skip (c, source, TRUE, "no date: neither a SIP Date nor a capture time");
    return;
  }
  b = request_builder (kind, m, from, to, date, service);
  if (!imdn_id)
    imdn_id = generated = make_id ("pager", id_key);
  cpm_builder_set_header (b, "IMDN-Message-ID", imdn_id);
  if (cpim)
    cpm_builder_set_cpim (b, cpim);
  else
    cpm_builder_set_content (b, body_type ? body_type : "text/plain", content);
  emit (c, b, conv, date, source);
}

static void
pager_message (CpmConverter *c, const CpmSipMessage *m, const CpmCaptureMessage *cm)
{
  g_autoptr (GPtrArray) parts = cpm_sip_message_body_parts (m);
  const CpmSipPart *body = parts->len ? parts->pdata[0] : NULL;
  g_autofree char *key = cpm_sip_transaction_key (m);
  g_autofree char *source = g_strdup_printf ("%s (MESSAGE)", cm->source);
  const char *conv = cpm_sip_message_get_header (m, "Conversation-ID");

  if (!conv || !cpm_sip_message_get_header (m, "Contribution-ID")) {
    skip (c, cm->source, FALSE, "not CPM (MESSAGE without %s)",
          conv ? "Contribution-ID" : "Conversation-ID");
    return;
  }
  if (!body) {
    skip (c, cm->source, TRUE, "incomplete: MESSAGE without a body");
    return;
  }
  standalone_message (c, m, cpm_sip_message_get_header (m, "Content-Type") ?: body->content_type,
                      body->content, cm->time_us, source, key);
}

/* ------------------------------------------------------------------------
 * Sessions (INVITE): chat 1-1 and group, file transfer
 * ------------------------------------------------------------------------ */

/* The MSRP session-ids of every a=path URI in an SDP body. */
static void
sdp_paths (const CpmSipMessage *m, GPtrArray *out)
{
  g_autoptr (GPtrArray) parts = m ? cpm_sip_message_body_parts (m) : NULL;
  const CpmSipPart *sdp = cpm_sip_parts_find (parts, "application/sdp");
  g_auto (GStrv) lines = NULL;

  if (!sdp)
    return;
  {
    g_autofree char *text = g_strndup (g_bytes_get_data (sdp->content, NULL),
                                       g_bytes_get_size (sdp->content));
    lines = g_strsplit (text, "\n", -1);
  }
  for (guint i = 0; lines[i]; i++) {
    g_strchomp (lines[i]);
    if (g_str_has_prefix (lines[i], "a=path:")) {
      g_auto (GStrv) uris = g_strsplit (lines[i] + 7, " ", -1);
      for (guint u = 0; uris[u]; u++) {
        char *id = cpm_msrp_uri_session (uris[u]);
        if (id)
          g_ptr_array_add (out, id);
      }
    }
  }
}

/* The SDP lines 5.2.2.1 <sdp> keeps: the media title and the RFC 5547
 * file attributes with the direction. */
static char *
sdp_file_lines (const CpmSipMessage *m, char **icon_cid, char **selector)
{
  g_autoptr (GPtrArray) parts = cpm_sip_message_body_parts (m);
  const CpmSipPart *sdp = cpm_sip_parts_find (parts, "application/sdp");
  GString *out = g_string_new (NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;

  *icon_cid = *selector = NULL;
  if (!sdp)
    return g_string_free (out, FALSE);
  text = g_strndup (g_bytes_get_data (sdp->content, NULL), g_bytes_get_size (sdp->content));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    char *l = g_strstrip (lines[i]);
    if (g_str_has_prefix (l, "a=file-icon:"))
      *icon_cid = g_strdup (l + 12);
    if (g_str_has_prefix (l, "a=file-selector:"))
      *selector = g_strdup (l + 16);
    if (g_str_has_prefix (l, "i=") || g_str_has_prefix (l, "a=file-") ||
        strcmp (l, "a=sendonly") == 0 || strcmp (l, "a=recvonly") == 0)
      g_string_append_printf (out, "%s\n", l);
  }
  return g_string_free (out, FALSE);
}

static gboolean
is_file_transfer (const CpmSipMessage *m)
{
  g_autoptr (GPtrArray) parts = cpm_sip_message_body_parts (m);
  const CpmSipPart *sdp = cpm_sip_parts_find (parts, "application/sdp");

  return sdp && g_strstr_len (g_bytes_get_data (sdp->content, NULL),
                              (gssize) g_bytes_get_size (sdp->content), "a=file-selector:");
}

/* The invited participants of a group INVITE: the RFC 5366 URI list
 * (application/resource-lists+xml), ";"-separated as 5.2.3.1 asks. */
static char *
invited_of (const CpmSipMessage *m)
{
  g_autoptr (GPtrArray) parts = cpm_sip_message_body_parts (m);
  const CpmSipPart *list = cpm_sip_parts_find (parts, "application/resource-lists+xml");
  GString *out;
  xmlDocPtr doc;

  if (!list)
    return NULL;
  doc = xmlReadMemory (g_bytes_get_data (list->content, NULL), (int) g_bytes_get_size (list->content),
                       NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (!doc)
    return NULL;
  out = g_string_new (NULL);
  for (xmlNodePtr n = xmlDocGetRootElement (doc); n;) {
    if (n->type == XML_ELEMENT_NODE && xmlStrcmp (n->name, BAD_CAST "entry") == 0) {
      xmlChar *uri = xmlGetProp (n, BAD_CAST "uri");
      if (uri)
        g_string_append_printf (out, "%s%s", out->len ? ";" : "", (const char *) uri);
      xmlFree (uri);
    }
    if (n->children && n->type == XML_ELEMENT_NODE)
      n = n->children;
    else {
      while (n && !n->next)
        n = n->parent && n->parent->type == XML_ELEMENT_NODE ? n->parent : NULL;
      if (n)
        n = n->next;
    }
  }
  xmlFreeDoc (doc);
  if (!out->len) {
    g_string_free (out, TRUE);
    return NULL;
  }
  return g_string_free (out, FALSE);
}

/* A group session: the INVITE carries the URI list to a conference
 * factory, or the answer comes from a focus (RFC 4579 ";isfocus"). */
static void
session_decide_group (Session *s)
{
  const char *contact = s->answer ? cpm_sip_message_get_header (s->answer, "Contact") : NULL;
  g_autofree char *isfocus = contact ? cpm_sip_param (contact, "isfocus") : NULL;
  const char *conv = cpm_sip_message_get_header (s->invite, "Conversation-ID");

  g_free (s->invited);
  s->invited = g_strdup (s->listed);
  s->group = s->invited != NULL || isfocus != NULL;
  g_free (s->focus);
  s->focus = s->group && contact ? cpm_sip_addr_uri (contact) : NULL;
  if (s->group && !s->focus)
    s->focus = g_strdup (s->invite->uri);
  if (s->group && !s->invited)
    s->invited = g_strdup (s->invite->uri); /* rejoin: the group's address */
  g_free (s->folder);
  /* 5.2.8: a group session's history folder is named by its
   * Contribution-ID, under the conversation folder; 5.2.7: a 1-1
   * session is stored in the conversation folder itself */
  s->folder = s->group ? g_strdup_printf ("%s/%s", conv,
                                          cpm_sip_message_get_header (s->invite, "Contribution-ID"))
                       : g_strdup (conv);
}

static void
store_session_info (CpmConverter *c, Session *s)
{
  const CpmSipMessage *m = s->invite;
  g_autoptr (GDateTime) date = time_of (m, s->invite_time);
  g_autofree char *from = originator (m);
  g_autofree char *to = address_of (cpm_sip_message_get_header (m, "To"));
  g_autofree char *service = service_of (m, "session");
  g_autofree char *id = make_id ("session-info", s->call_id);
  g_autofree char *source = g_strdup_printf ("%s (INVITE)", s->invite_source);
  g_autoptr (GError) local = NULL;
  g_autoptr (GBytes) xml = NULL;
  g_autoptr (CpmBuilder) b = NULL;

  s->stored = TRUE;
  session_decide_group (s);
  xml = cpm_session_info_xml_new (s->group ? "Group" : "1-1",
                                  cpm_sip_message_get_header (m, "Session-Replaces"),
                                  s->group ? s->invited : NULL, &local);
  if (!xml) {
    skip (c, source, TRUE, "cannot be stored: %s", local->message);
    return;
  }
  if (!date) {
    skip (c, source, TRUE, "no date: neither a SIP Date nor a capture time");
    return;
  }
  b = request_builder (CPM_KIND_SESSION_INFO, m, from, to, date, service);
  cpm_builder_set_header (b, "IMDN-Message-ID", id);
  cpm_builder_set_content (b, CPM_SESSION_INFO_TYPE, xml);
  emit (c, b, s->folder, date, source);
}

static void
register_paths (CpmConverter *c, Session *s, const CpmSipMessage *m)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  sdp_paths (m, ids);
  for (guint i = 0; i < ids->len; i++) {
    if (m == s->invite)
      g_ptr_array_add (s->invite_paths, g_strdup (ids->pdata[i]));
    if (!g_hash_table_contains (c->by_msrp, ids->pdata[i])) {
      g_hash_table_insert (c->by_msrp, g_strdup (ids->pdata[i]), s);
      g_ptr_array_add (s->msrp_ids, g_strdup (ids->pdata[i]));
    }
  }
}

static void
invite (CpmConverter *c, CpmSipMessage *m, const CpmCaptureMessage *cm)
{
  const char *call_id = cpm_sip_message_get_header (m, "Call-ID");
  Session *s;

  if (!call_id || !cpm_sip_message_get_header (m, "Conversation-ID") ||
      !cpm_sip_message_get_header (m, "Contribution-ID")) {
    skip (c, cm->source, FALSE, "not CPM (INVITE without %s)",
          !call_id ? "Call-ID" : !cpm_sip_message_get_header (m, "Conversation-ID")
                                   ? "Conversation-ID" : "Contribution-ID");
    cpm_sip_message_free (m);
    return;
  }
  if (g_hash_table_contains (c->by_call_id, call_id)) {
    skip (c, cm->source, FALSE, "not CPM (re-INVITE of a session already followed)");
    cpm_sip_message_free (m);
    return;
  }
  s = g_new0 (Session, 1);
  s->call_id = g_strdup (call_id);
  s->invite = m;
  s->invite_source = g_strdup (cm->source);
  s->invite_time = cm->time_us;
  s->invite_paths = g_ptr_array_new_with_free_func (g_free);
  s->msrp_ids = g_ptr_array_new_with_free_func (g_free);
  s->last_us = cm->time_us;
  s->type = is_file_transfer (m) ? SESSION_FT : SESSION_CHAT;
  if (s->type == SESSION_CHAT) {
    /* large message mode: an MSRP session for one standalone message */
    g_autofree char *service = service_of (m, "session");
    if (g_str_has_suffix (service, ".largemsg"))
      s->type = SESSION_LARGE;
  }
  g_hash_table_insert (c->by_call_id, s->call_id, s);
  g_ptr_array_add (c->sessions, s);
  register_paths (c, s, m);
  s->listed = invited_of (m);
  session_decide_group (s);
}

static void
invite_response (CpmConverter *c, CpmSipMessage *m)
{
  Session *s = g_hash_table_lookup (c->by_call_id, cpm_sip_message_get_header (m, "Call-ID") ?: "");

  if (s)
    s->last_us = MAX (s->last_us, c->now_us);
  if (!s || s->answer || s->closed || m->status < 200) {
    cpm_sip_message_free (m);
    return;
  }
  if (m->status >= 300) {
    g_autofree char *source = g_strdup_printf ("%s (INVITE)", s->invite_source);
    skip (c, source, FALSE, "not CPM (session not established: SIP %u)", m->status);
    s->closed = TRUE;
    cpm_sip_message_free (m);
    return;
  }
  s->answer = m;
  register_paths (c, s, m);
  if (s->type == SESSION_CHAT && !s->stored)
    store_session_info (c, s);
}

/* ------------------------------------------------------------------------
 * Conference NOTIFY: Conference Information Object and GSO (5.2.4, 5.2.6)
 * ------------------------------------------------------------------------ */

static Session *
group_for_notify (CpmConverter *c, const CpmSipMessage *m, const char *entity)
{
  g_autofree char *from = cpm_sip_addr_uri (cpm_sip_message_get_header (m, "From"));
  Session *only = NULL;
  guint groups = 0;

  for (guint i = 0; i < c->sessions->len; i++) {
    Session *s = c->sessions->pdata[i];
    if (!s->group || s->type != SESSION_CHAT)
      continue;
    groups++;
    only = s;
    if (s->focus && ((entity && strcmp (entity, s->focus) == 0) ||
                     (from && strcmp (from, s->focus) == 0)))
      return s;
  }
  /* one group session in the input: the NOTIFY is about it; once a group
   * session has been flushed (see "Bounded state") the input held more
   * than one and the fallback would guess */
  return groups == 1 && c->groups_flushed == 0 ? only : NULL;
}

static gint
compare_str (gconstpointer a, gconstpointer b, gpointer unused)
{
  (void) unused;
  return strcmp (a, b);
}

/* Applies one conference-info document (full or partial, RFC 4575 4.6)
 * to the members the GSO lists. */
static void
apply_conference (Session *s, xmlNodePtr root)
{
  xmlChar *state = xmlGetProp (root, BAD_CAST "state");

  if (!s->members || (state && xmlStrcmp (state, BAD_CAST "full") == 0)) {
    if (s->members)
      g_tree_unref (s->members);
    s->members = g_tree_new_full (compare_str, NULL, g_free, g_free);
  }
  xmlFree (state);
  for (xmlNodePtr users = root->children; users; users = users->next) {
    if (users->type != XML_ELEMENT_NODE || xmlStrcmp (users->name, BAD_CAST "users") != 0)
      continue;
    for (xmlNodePtr u = users->children; u; u = u->next) {
      if (u->type != XML_ELEMENT_NODE || xmlStrcmp (u->name, BAD_CAST "user") != 0)
        continue;
      xmlChar *entity = xmlGetProp (u, BAD_CAST "entity");
      xmlChar *ustate = xmlGetProp (u, BAD_CAST "state");
      char *name = NULL;
      for (xmlNodePtr d = u->children; d; d = d->next)
        if (d->type == XML_ELEMENT_NODE && xmlStrcmp (d->name, BAD_CAST "display-text") == 0) {
          xmlChar *t = xmlNodeGetContent (d);
          name = g_strdup ((const char *) t);
          xmlFree (t);
        }
      if (entity && ustate && xmlStrcmp (ustate, BAD_CAST "deleted") == 0)
        g_tree_remove (s->members, entity);
      else if (entity) {
        const char *old = g_tree_lookup (s->members, entity);
        if (!name)
          name = g_strdup (old ? old : "");
        g_tree_replace (s->members, g_strdup ((const char *) entity), g_steal_pointer (&name));
      }
      g_free (name);
      xmlFree (entity);
      xmlFree (ustate);
    }
  }
}

static gboolean
append_participant (gpointer key, gpointer value, gpointer data)
{
  GString *out = data;
  g_autofree char *n = g_markup_escape_text (value, -1);
  g_autofree char *a = g_markup_escape_text (key, -1);

  g_string_append_printf (out, "  <participant name=\"%s\" comm-addr=\"%s\"/>\n", n, a);
  return FALSE;
}

/* The GSO body (5.2.4) for the members known after a NOTIFY. group-type:
 * conference-info does not say whether the group is open or closed; a PF
 * knows it from its own group data. The converter writes "Closed" for a
 * group whose INVITE listed its participants (an Ad-hoc group of fixed
 * invitees) and "Open" otherwise. */
static GBytes *
gso_xml (Session *s, GDateTime *date)
{
  GString *out = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  g_autofree char *ts = g_date_time_format (date, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *focus = g_markup_escape_text (s->focus ? s->focus : "", -1);

  g_string_append_printf (out, "<groupstate timestamp=\"%s\" lastfocussessionid=\"%s\" "
                          "group-type=\"%s\">\n", ts, focus,
                          s->invited && strchr (s->invited, ';') ? "Closed" : "Open");
  g_tree_foreach (s->members, append_participant, out);
  g_string_append (out, "</groupstate>\n");
  return g_string_free_to_bytes (out);
}

static void
conference_object (CpmConverter *c, Session *s, const CpmSipMessage *m, CpmKind kind,
                   GBytes *content, const char *content_type, GDateTime *date,
                   const char *source)
{
  g_autoptr (CpmBuilder) b = cpm_builder_new (kind);
  g_autofree char *from = address_of (cpm_sip_message_get_header (m, "From"));
  g_autofree char *to = address_of (cpm_sip_message_get_header (m, "To"));
  g_autofree char *key = cpm_sip_transaction_key (m);
  g_autofree char *id = make_id (cpm_kind_to_string (kind), key);

  cpm_builder_set_header (b, "From", from);
  cpm_builder_set_header (b, "To", to);
  cpm_builder_set_date (b, date);
  add_cpm_ids (b, s->invite, FALSE);
  cpm_builder_set_header (b, "IMDN-Message-ID", id);
  cpm_builder_set_content (b, content_type, content);
  emit (c, b, s->folder, date, source);
}

static void
notify (CpmConverter *c, const CpmSipMessage *m, const CpmCaptureMessage *cm)
{
  g_autoptr (GPtrArray) parts = cpm_sip_message_body_parts (m);
  const CpmSipPart *info = cpm_sip_parts_find (parts, "application/conference-info+xml");
  g_autofree char *source = g_strdup_printf ("%s (NOTIFY)", cm->source);
  g_autoptr (GDateTime) date = time_of (m, cm->time_us);
  xmlChar *entity = NULL;
  xmlDocPtr doc;
  Session *s;

  if (!info) {
    skip (c, source, FALSE, "not CPM (NOTIFY without a conference-info body)");
    return;
  }
  doc = xmlReadMemory (g_bytes_get_data (info->content, NULL), (int) g_bytes_get_size (info->content),
                       NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (!doc || !xmlDocGetRootElement (doc)) {
    skip (c, source, TRUE, "decode error: the conference-info body is not well-formed XML");
    xmlFreeDoc (doc);
    return;
  }
  entity = xmlGetProp (xmlDocGetRootElement (doc), BAD_CAST "entity");
  s = group_for_notify (c, m, (const char *) entity);
  xmlFree (entity);
  if (!s || !date) {
    skip (c, source, FALSE, !s ? "not CPM (conference NOTIFY of no group session in the input)"
                               : "no date: neither a SIP Date nor a capture time");
    xmlFreeDoc (doc);
    return;
  }
  s->last_us = MAX (s->last_us, cm->time_us);
  if (!s->stored)
    store_session_info (c, s);
  apply_conference (s, xmlDocGetRootElement (doc));
  xmlFreeDoc (doc);
  /* 5.2.6: the Conference Information Object exists from profile 2.2 on */
  if (c->profile >= CPM_PROFILE_2_2)
    conference_object (c, s, m, CPM_KIND_CONFERENCE_INFO, info->content,
                       "application/conference-info+xml", date, source);
  /* 2.0 replaced the 1.0 session history object by folder + GSOs */
  if (c->profile >= CPM_PROFILE_2_0 && g_tree_nnodes (s->members) > 0) {
    g_autoptr (GBytes) gso = gso_xml (s, date);
    conference_object (c, s, m, CPM_KIND_GROUP_STATE, gso, "application/group-state-object+xml",
                       date, source);
  }
}

/* ------------------------------------------------------------------------
 * MSRP: chat messages, IMDNs, files
 * ------------------------------------------------------------------------ */

/* The session-id of the MSRP URI [uri, uri + len) as cpm_msrp_uri_session()
 * reads it, in place: NULL when there is none. */
static const char *
uri_session (const char *uri, gsize len, gsize *id_len)
{
  const char *end = uri + len, *p;

  if (len < 4 || g_ascii_strncasecmp (uri, "msrp", 4) != 0)
    return NULL;
  for (p = uri; p + 3 <= end && memcmp (p, "://", 3) != 0; p++)
    ;
  if (p + 3 > end || !(p = memchr (p + 3, '/', (gsize) (end - p - 3))))
    return NULL;
  p++;
  *id_len = 0;
  while (p + *id_len < end && p[*id_len] != ';')
    (*id_len)++;
  return p;
}

static gboolean
is_invite_path (const Session *s, const char *id)
{
  for (guint k = 0; k < s->invite_paths->len; k++)
    if (strcmp (s->invite_paths->pdata[k], id) == 0)
      return TRUE;
  return FALSE;
}

/* The session of an MSRP message: the first URI of its From-Path, then
 * To-Path, whose session-id a session registered. The paths are read in
 * place (a g_strsplit and a copy per URI before). */
static Session *
session_for_msrp (CpmConverter *c, const CpmMsrpAssembled *a, gboolean *outgoing)
{
  const char *paths[2] = { a->from_path, a->to_path };

  for (guint p = 0; p < 2; p++) {
    for (const char *u = paths[p] ? paths[p] : ""; *u;) {
      gsize n = strcspn (u, " "), idn = 0;
      const char *idp = uri_session (u, n, &idn);
      char small[128];
      g_autofree char *big = NULL;
      char *id = idn < sizeof small ? small : (big = g_malloc (idn + 1));
      Session *s = NULL;
      if (idp) {
        memcpy (id, idp, idn);
        id[idn] = '\0';
        s = g_hash_table_lookup (c->by_msrp, id);
      }
      if (s) {
        /* sent by the INVITE's originator when its From-Path is the
         * INVITE's own a=path */
        *outgoing = p == 0 ? is_invite_path (s, id) : !is_invite_path (s, id);
        return s;
      }
      u += n;
      if (*u)
        u++;
    }
  }
  return NULL;
}

/* Appends @n bytes of @s at @w. */
static char *
put_bytes (char *w, const char *s, gsize n)
{
  memcpy (w, s, n);
  return w + n;
}

/* Built for every message: the pieces measured once and copied into one
 * allocation (g_strconcat walks its nine arguments twice). */
static char *
msrp_source (const CpmConverter *c, const CpmMsrpAssembled *a)
{
  gboolean frames = g_ascii_isdigit (a->frames[0]);
  const char *input = c->input ? c->input : "(null)";
  const char *label = frames ? (strchr (a->frames, ',') ? "frames " : "frame ") : "";
  const char *id = a->message_id ? a->message_id : "(null)";
  const char *tail = a->chunks == 1 ? " chunk)" : " chunks)";
  static const char open[] = " (MSRP SEND Message-ID ";
  char count[12];
  gsize n_count = (gsize) (cpm_put_uint (count, a->chunks) - count);
  gsize n_input = strlen (input), n_label = strlen (label), n_frames = strlen (a->frames);
  gsize n_id = strlen (id), n_tail = strlen (tail);
  char *out = g_malloc (n_input + 1 + n_label + n_frames + sizeof open - 1 + n_id + 2 + n_count
                        + n_tail + 1);
  char *w = put_bytes (out, input, n_input);

  *w++ = ':';
  w = put_bytes (w, label, n_label);
  w = put_bytes (w, a->frames, n_frames);
  w = put_bytes (w, open, sizeof open - 1);
  w = put_bytes (w, id, n_id);
  w = put_bytes (w, ", ", 2);
  w = put_bytes (w, count, n_count);
  w = put_bytes (w, tail, n_tail);
  *w = '\0';
  return out;
}

/* The two parties of a 1-1 chat, worked out once per session (again when
 * the answer, whose P-Asserted-Identity names the callee, arrives late). */
static void
session_parties (Session *s)
{
  const char *pai = s->answer ? cpm_sip_message_get_header (s->answer, "P-Asserted-Identity") : NULL;

  if (s->caller && s->parties_answered == (s->answer != NULL))
    return;
  g_free (s->caller);
  g_free (s->callee);
  s->caller = originator (s->invite);
  s->callee = pai ? first_address (pai) : address_of (cpm_sip_message_get_header (s->invite, "To"));
  s->parties_answered = s->answer != NULL;
}

/* What every chat message of the session takes from its INVITE. Table 1
 * notes P-Asserted-Service is "not present in CPM Chat Messages", yet
 * Appendix D stores chat messages with the session's service, and that is
 * how a store (and cpm_object_detect_kind) tells a chat message from a
 * standalone one. The example wins here: without it the object would read
 * back as a standalone message missing its mandatory P-Asserted-Service.
 * The Accept-Contacts are those add_accept_contacts() gives. */
static void
session_chat_fields (Session *s)
{
  const char *v;

  if (s->chat_accepts)
    return;
  if (!s->chat_service)
    s->chat_service = service_of (s->invite, "session");
  s->chat_conversation = cpm_sip_message_get_header (s->invite, "Conversation-ID");
  s->chat_contribution = cpm_sip_message_get_header (s->invite, "Contribution-ID");
  s->chat_accepts = g_ptr_array_new ();
  for (guint i = 0; (v = cpm_sip_message_get_header_nth (s->invite, "Accept-Contact", i)); i++)
    g_ptr_array_add (s->chat_accepts, (gpointer) v);
  if (s->chat_accepts->len == 0) {
    g_ptr_array_set_free_func (s->chat_accepts, g_free);
    g_ptr_array_add (s->chat_accepts, service_accept_contact (s->chat_service));
  }
}

/* A chat message's builder. The session keeps one for its chat messages
 * and one for its IMDNs, each way: they differ from one another in Date
 * and IMDN-Message-ID only (and From and To in a group), which are set
 * again in place, so the fields the session gives every message are set
 * and checked once. Kept only when From and To are known (a NULL value
 * would remove the field, and setting it again would put it last).
 * *@fresh: the builder is new. */
static CpmBuilder *
chat_builder (Session *s, CpmKind kind, gboolean outgoing, gboolean keep, gboolean *fresh)
{
  CpmBuilder **kept = &s->chat_builders[kind == CPM_KIND_IMDN][outgoing != FALSE];
  CpmBuilder *b;

  *fresh = !keep || !*kept;
  if (!*fresh)
    return cpm_builder_ref (*kept);
  b = cpm_builder_new (kind);
  if (keep)
    *kept = cpm_builder_ref (b);
  return b;
}

/* cpm_date_from_cpim (@datetime, @text), the last answer again for the
 * same text. */
static GDateTime *
cpim_date (CpmConverter *c, const char *datetime, char text[CPM_DATE_FORMAT_SIZE])
{
  GDateTime *date;

  if (c->last_datetime && strcmp (c->last_datetime, datetime) == 0) {
    memcpy (text, c->last_date_text, CPM_DATE_FORMAT_SIZE);
    return g_date_time_ref (c->last_date);
  }
  date = cpm_date_from_cpim (datetime, text);
  if (date) {
    g_free (c->last_datetime);
    c->last_datetime = g_strdup (datetime);
    g_clear_pointer (&c->last_date, g_date_time_unref);
    c->last_date = g_date_time_ref (date);
    memcpy (c->last_date_text, text, CPM_DATE_FORMAT_SIZE);
  }
  return date;
}

static void
chat_message (CpmConverter *c, Session *s, const CpmMsrpAssembled *a, gboolean outgoing,
              const char *source)
{
  gboolean fresh;
  g_autoptr (CpmCpim) cpim = NULL;
  g_autoptr (CpmBuilder) b = NULL;
  g_autoptr (GDateTime) date = NULL;
  g_autofree char *generated = NULL;
  const char *imdn_id = NULL, *ctype = a->content_type, *from = NULL, *to = NULL;
  char date_text[CPM_DATE_FORMAT_SIZE]; /* the Date set_date would set */
  CpmKind kind = CPM_KIND_CHAT;

  if (type_is (a->content_type, "message/cpim")) {
    cpim = parse_cpim (a->content);
    if (!cpim) {
      skip (c, source, TRUE, "decode error: the message/cpim content has no CPIM headers");
      return;
    }
    ctype = cpm_cpim_get_content_type (cpim);
    imdn_id = cpm_cpim_get_ns_header (cpim, CPM_CPIM_NS_IMDN, "Message-ID");
    const char *dt = cpm_cpim_get_header (cpim, "DateTime");
    date = dt ? cpim_date (c, dt, date_text) : NULL;
  }
  if (type_is (ctype, "application/im-iscomposing+xml")) {
    skip (c, source, FALSE, "not CPM (isComposing indication)");
    return;
  }
  if (type_is (ctype, "message/imdn+xml"))
    kind = CPM_KIND_IMDN;
  if (!date && a->time_us > 0) {
    date = g_date_time_new_from_unix_utc (a->time_us / G_USEC_PER_SEC);
    cpm_date_format_to (date, date_text);
  }
  if (!date) {
    skip (c, source, TRUE, "no date: neither a CPIM DateTime nor a capture time");
    return;
  }
  if (!s->stored)
    store_session_info (c, s);
  if (s->group && cpim) {
    /* Table 1: in a group session From and To come from the CPIM */
    from = cpm_cpim_get_header (cpim, "From");
    to = cpm_cpim_get_header (cpim, "To");
  }
  if (!from || !to) {
    /* the session's, which lives on while the message is emitted */
    session_parties (s);
    from = outgoing ? s->caller : s->callee;
    to = outgoing ? s->callee : s->caller;
  }
  b = chat_builder (s, kind, outgoing, from && to, &fresh);
  cpm_builder_set_known (b, c->def_from, from);
  cpm_builder_set_known (b, c->def_to, to);
  /* as cpm_builder_set_date (b, date) sets it, the text made already */
  cpm_builder_set_known (b, c->def_date, date_text);
  if (fresh) {
    session_chat_fields (s);
    /* add_cpm_ids (without InReplyTo) and add_accept_contacts, from the
     * session's copy of what they look up */
    cpm_builder_set_header (b, "Conversation-ID", s->chat_conversation);
    cpm_builder_set_header (b, "Contribution-ID", s->chat_contribution);
    cpm_builder_set_header (b, "P-Asserted-Service", s->chat_service);
    for (guint i = 0; i < s->chat_accepts->len; i++)
      cpm_builder_add_header (b, "Accept-Contact", s->chat_accepts->pdata[i]);
  }
  if (!imdn_id)
    imdn_id = generated = make_id ("chat", a->message_id);
  cpm_builder_set_known (b, c->def_imdn_id, imdn_id);
  if (cpim)
    cpm_builder_set_cpim (b, cpim);
  else
    cpm_builder_set_content (b, a->content_type ? a->content_type : "text/plain", a->content);
  emit (c, b, s->folder, date, source);
  /* a kept builder does not keep the message's bytes */
  cpm_builder_set_cpim (b, NULL);
  cpm_builder_clear_content (b);
}

/* The group session a file transfer belongs to: the one with its
 * Contribution-ID (Appendix I.2). */
static Session *
ft_group (CpmConverter *c, Session *ft)
{
  const char *contrib = cpm_sip_message_get_header (ft->invite, "Contribution-ID");

  for (guint i = 0; i < c->sessions->len; i++) {
    Session *s = c->sessions->pdata[i];
    if (s != ft && s->type == SESSION_CHAT && s->group &&
        g_strcmp0 (cpm_sip_message_get_header (s->invite, "Contribution-ID"), contrib) == 0)
      return s;
  }
  return NULL;
}

/* "name:\"My picture.jpg\" type:image/jpeg size:4092" -> name, type */
static char *
selector_value (const char *sel, const char *key)
{
  g_autofree char *k = g_strconcat (key, ":", NULL);
  const char *p = sel ? strstr (sel, k) : NULL;

  if (!p)
    return NULL;
  p += strlen (k);
  if (*p == '"') {
    const char *e = strchr (p + 1, '"');
    return e ? g_strndup (p + 1, (gsize) (e - p - 1)) : NULL;
  }
  return g_strndup (p, strcspn (p, " "));
}

/* The CPIM headers of an RFC 5547 INVITE's message/cpim part: the IMDN
 * request of the transfer (5.2.2.1 <imdn>). */
static CpmCpim *
ft_cpim (GPtrArray *parts)
{
  const CpmSipPart *p = cpm_sip_parts_find (parts, "message/cpim");

  return p ? parse_cpim (p->content) : NULL;
}

static char *
cpim_header_lines (CpmCpim *cpim)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; cpim && i < cpm_cpim_get_n_headers (cpim); i++)
    g_string_append_printf (out, "%s: %s\n", cpm_cpim_get_header_name (cpim, i),
                            cpm_cpim_get_header_value (cpim, i));
  return g_string_free (out, out->len == 0);
}

static void
file_transfer (CpmConverter *c, Session *s, const CpmMsrpAssembled *a, const char *chunks)
{
  g_autofree char *source = g_strdup_printf ("%s (INVITE), %s", s->invite_source, chunks);
  g_autoptr (GPtrArray) parts = cpm_sip_message_body_parts (s->invite);
  g_autofree char *icon = NULL, *selector = NULL;
  g_autofree char *sdp = sdp_file_lines (s->invite, &icon, &selector);
  g_autofree char *file_uuid = make_id ("file", s->call_id);
  g_autofree char *file_cid = g_strdup_printf ("%s@cpmobj.invalid", file_uuid);
  g_autofree char *name = selector_value (selector, "name");
  g_autofree char *type = selector_value (selector, "type");
  g_autoptr (CpmCpim) cpim = ft_cpim (parts);
  g_autofree char *imdn = cpim_header_lines (cpim);
  g_autofree char *id = make_id ("file-transfer", s->call_id);
  g_autoptr (GDateTime) date = time_of (s->invite, s->invite_time);
  g_autofree char *from = originator (s->invite);
  g_autofree char *to = address_of (cpm_sip_message_get_header (s->invite, "To"));
  g_autofree char *service = service_of (s->invite, "filetransfer");
  Session *group = ft_group (c, s);
  const char *cids[] = { file_cid, NULL };
  const char *imdn_id = cpim ? cpm_cpim_get_ns_header (cpim, CPM_CPIM_NS_IMDN, "Message-ID") : NULL;
  const char *ft_type = group || s->group ? "Ad-Hoc" : "1-1";
  const char *invited = group ? group->invited : s->group ? s->invited : NULL;
  g_autoptr (GError) local = NULL;
  g_autoptr (GBytes) xml = NULL;
  g_autoptr (CpmBuilder) b = NULL;
  GBytes *content = a->content;
  g_autoptr (CpmCpim) wrapped = NULL;

  s->stored = s->closed = TRUE;
  if (type_is (a->content_type, "message/cpim") && (wrapped = parse_cpim (a->content)))
    content = cpm_cpim_get_content (wrapped);
  xml = cpm_file_transfer_xml_new (ft_type, invited, imdn, sdp, cids, &local);
  if (!xml || !date) {
    skip (c, source, TRUE, "cannot be stored: %s",
          local ? local->message : "no date: neither a SIP Date nor a capture time");
    return;
  }
  b = request_builder (CPM_KIND_FILE_TRANSFER, s->invite, from, to, date, service);
  cpm_builder_set_header (b, "IMDN-Message-ID", imdn_id ? imdn_id : id);
  cpm_builder_set_content (b, CPM_FILE_TRANSFER_TYPE, xml);
  /* the thumbnail: the INVITE's body part a=file-icon names (RFC 5547 8) */
  for (guint i = 0; icon && i < parts->len; i++) {
    const CpmSipPart *p = parts->pdata[i];
    if (p->content_id && cpm_cid_url_matches (icon, p->content_id))
      cpm_builder_add_part (b, p->content_type, p->content_id, NULL, p->content);
  }
  cpm_builder_add_part (b, type ? type : (a->content_type ? a->content_type : "application/octet-stream"),
                        file_cid, name, content);
  emit (c, b, group ? group->folder : s->folder, date, source);
}

/* An MSRP message whose session is not known yet. */
typedef struct {
  CpmMsrpAssembled *a;
  gint64 time_us;  /* when it began to wait */
} Waiting;

static Waiting *
waiting_new (CpmMsrpAssembled *a, gint64 now_us)
{
  Waiting *w = g_new (Waiting, 1);

  w->a = a;
  w->time_us = now_us;
  return w;
}

static CpmMsrpAssembled *
waiting_steal (Waiting *w)
{
  CpmMsrpAssembled *a = w->a;

  g_free (w);
  return a;
}

static void
waiting_free (Waiting *w)
{
  cpm_msrp_assembled_free (waiting_steal (w));
}

static void
msrp_message (CpmConverter *c, CpmMsrpAssembled *a, gboolean at_end)
{
  g_autofree char *source = msrp_source (c, a);
  gboolean outgoing = FALSE;
  Session *s;

  if (a->problem || g_bytes_get_size (a->content) == 0) {
    /* an empty SEND opens an MSRP session (RFC 4975 5.4): no message */
    if (a->problem)
      skip (c, source, !g_str_has_prefix (a->problem, "aborted"), "%s", a->problem);
    else
      skip (c, source, FALSE, "not CPM (an empty MSRP SEND)");
    cpm_msrp_assembled_free (a);
    return;
  }
  s = session_for_msrp (c, a, &outgoing);
  if (!s && !at_end) {
    g_queue_push_tail (&c->waiting, waiting_new (a, c->now_us));
    return;
  }
  if (s)
    s->last_us = MAX (s->last_us, a->time_us);
  if (!s)
    skip (c, source, FALSE, "not CPM (no SIP session in the input for its MSRP session)");
  else if (s->type != SESSION_CHAT && s->closed)
    skip (c, source, FALSE, "not CPM (a second message in a %s session)",
          s->type == SESSION_FT ? "file transfer" : "large message mode");
  else if (s->type == SESSION_FT)
    file_transfer (c, s, a, source);
  else if (s->type == SESSION_LARGE) {
    g_autofree char *both = g_strdup_printf ("%s (INVITE), %s", s->invite_source, source);
    s->stored = s->closed = TRUE;
    standalone_message (c, s->invite, a->content_type, a->content, s->invite_time, both,
                        a->message_id);
  }
  else
    chat_message (c, s, a, outgoing, source);
  cpm_msrp_assembled_free (a);
}

/* The Message-ID of a chunk the capture cut off, read from its headers. */
static char *
cut_message_id (const CpmCaptureMessage *cm)
{
  g_autofree char *text = g_strndup ((const char *) cm->data, cm->len);
  const char *p = strstr (text, "\r\nMessage-ID:");

  if (!p)
    return g_strdup ("?");
  p += strlen ("\r\nMessage-ID:");
  while (*p == ' ')
    p++;
  return g_strndup (p, strcspn (p, "\r\n"));
}

static void
msrp_chunk (CpmConverter *c, const CpmCaptureMessage *cm)
{
  g_autoptr (GError) local = NULL;
  CpmMsrpMessage *m;
  CpmMsrpAssembled *a;
  const char *id;

  if (cm->truncated) {
    g_autofree char *cut = cut_message_id (cm);
    if (g_strstr_len ((const char *) cm->data, (gssize) MIN (cm->len, 80), " SEND")) {
      c->records++;
      skip (c, cm->source, TRUE, "incomplete: the input ends inside an MSRP SEND chunk "
            "(Message-ID %s)", cut);
    }
    return;
  }
  m = cpm_msrp_message_parse_send (cm->data, cm->len, &local);
  if (!m) {
    skip (c, cm->source, TRUE, "decode error: %s", local->message);
    return;
  }
  if (!m->is_request || strcmp (m->method, "SEND") != 0) {
    cpm_msrp_message_free (m); /* responses and REPORTs: no objects */
    return;
  }
  id = m->message_id;
  if (id && window_contains (&c->seen_msrp, id)) {
    c->records++;
    skip (c, cm->source, FALSE, "duplicate retransmission (MSRP Message-ID %s)", id);
    cpm_msrp_message_free (m);
    return;
  }
  {
    guint64 start = 1, end, total;
    if (!cpm_msrp_parse_byte_range (m->byte_range, &start, &end,
                                    &total) || start == 1)
      c->records++;
  }
  {
    /* "chat.pcap:frames 4,6" -> input "chat.pcap", frames "4,6" */
    const char *colon = strrchr (cm->source, ':');
    const char *part = colon ? colon + 1 : cm->source;
    gsize n = colon ? (gsize) (colon - cm->source) : 1;
    const char *input = colon ? cm->source : "-";
    if (!c->input || strncmp (c->input, input, n) != 0 || c->input[n]) {
      /* the same input for every chunk: copied once */
      g_free (c->input);
      c->input = g_strndup (input, n);
    }
    if (g_str_has_prefix (part, "frames "))
      part += 7;
    else if (g_str_has_prefix (part, "frame "))
      part += 6;
    a = cpm_msrp_assembler_add (c->msrp, m, part, cm->time_us);
  }
  cpm_msrp_message_free (m);
  if (a) {
    if (!a->problem && a->message_id)
      window_put (&c->seen_msrp, a->message_id, NULL, c->now_us);
    msrp_message (c, a, FALSE);
  }
}

/* ------------------------------------------------------------------------
 * Dispatch
 * ------------------------------------------------------------------------ */

/* What the end of the input does for a session that did not complete. */
static void
session_end (CpmConverter *c, Session *s)
{
  if (s->type == SESSION_CHAT && !s->stored && !s->closed)
    store_session_info (c, s);
  else if (s->type != SESSION_CHAT && !s->stored && !s->closed) {
    g_autofree char *source = g_strdup_printf ("%s (INVITE)", s->invite_source);
    s->closed = TRUE;
    skip (c, source, TRUE, "incomplete: the %s never arrived whole",
          s->type == SESSION_FT ? "file of this transfer" : "large mode message");
  }
}

static void
place_deferred (CpmConverter *c, Deferred *d)
{
  if (!c->error)
    place (c, d->object, d->folder, d->date, d->source, TRUE);
  deferred_free (d);
}

/* The session's end: flushed SESSION_LINGER_US later (see "Bounded
 * state"). */
static void
session_bye (CpmConverter *c, const CpmSipMessage *m)
{
  Session *s = g_hash_table_lookup (c->by_call_id, cpm_sip_message_get_header (m, "Call-ID") ?: "");

  if (s && !s->ended) {
    s->ended = TRUE;
    s->bye_us = c->now_us;
  }
}

/* Stores what the end of the input would store for @s, then forgets it. */
static void
session_flush (CpmConverter *c, guint index)
{
  Session *s = c->sessions->pdata[index];

  session_end (c, s);
  for (guint i = 0; i < s->msrp_ids->len; i++)
    g_hash_table_remove (c->by_msrp, s->msrp_ids->pdata[i]);
  g_hash_table_remove (c->by_call_id, s->call_id);
  if (s->group)
    c->groups_flushed++;
  g_ptr_array_remove_index (c->sessions, index); /* INVITE order kept */
}

static gboolean
session_done (const CpmConverter *c, const Session *s)
{
  return (s->ended && c->now_us - s->bye_us > SESSION_LINGER_US) ||
         c->now_us - s->last_us > IDLE_HORIZON_US;
}

/* Drops what the input can no longer need (see "Bounded state"); called
 * before each message, once the capture time has moved on. */
static void
sweep (CpmConverter *c)
{
  Waiting *w;
  Deferred *d;

  window_expire (&c->seen_sip, c->now_us);
  window_expire (&c->seen_msrp, c->now_us);
  window_expire (&c->folder_of, c->now_us);
  while ((w = g_queue_peek_head (&c->waiting)) &&
         (c->waiting.length > MAX_REMEMBERED || c->now_us - w->time_us > SIP_WINDOW_US))
    msrp_message (c, waiting_steal (g_queue_pop_head (&c->waiting)), TRUE);
  while ((d = g_queue_peek_head (&c->deferred)) &&
         (c->deferred.length > MAX_REMEMBERED || c->now_us - d->time_us > IMDN_WINDOW_US))
    place_deferred (c, g_queue_pop_head (&c->deferred));
  while (c->sessions->len > MAX_SESSIONS)
    session_flush (c, 0);
  /* sessions are looked over once per second of capture time */
  if (c->now_us - c->swept_us < G_USEC_PER_SEC)
    return;
  c->swept_us = c->now_us;
  {
    /* a chunked message whose chunks stopped coming (its sender gone) */
    g_autoptr (GPtrArray) idle = cpm_msrp_assembler_expire (c->msrp, c->now_us, MSRP_WINDOW_US);
    for (guint i = 0; idle && i < idle->len; i++)
      msrp_message (c, g_steal_pointer (&idle->pdata[i]), TRUE);
  }
  for (guint i = 0; i < c->sessions->len;) {
    if (session_done (c, c->sessions->pdata[i]))
      session_flush (c, i);
    else
      i++;
  }
}

static void
sip_request (CpmConverter *c, CpmSipMessage *m, const CpmCaptureMessage *cm)
{
  g_autofree char *transaction = cpm_sip_transaction_key (m);
  g_autofree char *key = g_strdup_printf ("sip\n%s\n%s", m->method, transaction);

  c->records++;
  if (window_contains (&c->seen_sip, key)) {
    skip (c, cm->source, FALSE, "duplicate retransmission (%s)", m->method);
    cpm_sip_message_free (m);
    return;
  }
  window_put (&c->seen_sip, key, NULL, c->now_us);
  if (strcmp (m->method, "BYE") == 0)
    session_bye (c, m);
  if (strcmp (m->method, "MESSAGE") == 0)
    pager_message (c, m, cm);
  else if (strcmp (m->method, "INVITE") == 0) {
    invite (c, m, cm);
    return;
  } else if (strcmp (m->method, "NOTIFY") == 0)
    notify (c, m, cm);
  else
    skip (c, cm->source, FALSE, "not CPM (%s)", m->method);
  cpm_sip_message_free (m);
}

static void
sip_message (CpmConverter *c, const CpmCaptureMessage *cm)
{
  g_autoptr (GError) local = NULL;
  CpmSipMessage *m;

  if (cm->truncated) {
    gboolean request = !g_str_has_prefix ((const char *) cm->data, "SIP/2.0");
    if (request) {
      c->records++;
      skip (c, cm->source, TRUE, "incomplete: the input ends inside the SIP request");
    }
    return;
  }
  m = cpm_sip_message_parse (cm->data, cm->len, &local);
  if (!m) {
    c->records++;
    skip (c, cm->source, TRUE, "decode error: %s", local->message);
    return;
  }
  if (m->is_request) {
    sip_request (c, m, cm);
    return;
  }
  if (g_str_has_suffix (cpm_sip_message_get_header (m, "CSeq") ?: "", "INVITE"))
    invite_response (c, m);
  else
    cpm_sip_message_free (m);
}

/* A CPIM file on its own: a standalone message with nothing but the CPIM
 * headers to go by. The identities a SIP request would have carried are
 * derived from the CPIM (name-based UUIDs, CPM_CONVERT_NAMESPACE):
 * Conversation-ID from the two addresses (sorted), Contribution-ID from
 * imdn.Message-ID (else the bytes), so the same body always gives the
 * same object; P-Asserted-Service and Accept-Contact are those of a
 * standalone message. */
static void
cpim_file (CpmConverter *c, const CpmCaptureMessage *cm)
{
  g_autoptr (GBytes) bytes = g_bytes_new (cm->data, cm->len);
  g_autoptr (CpmCpim) cpim = parse_cpim (bytes);
  g_autoptr (CpmBuilder) b = NULL;
  g_autoptr (GDateTime) date = NULL;
  g_autofree char *key = NULL, *conv = NULL, *contrib = NULL, *generated = NULL;
  g_autofree char *service = g_strconcat (SERVICE_PREFIX, "msg", NULL);
  g_autofree char *from = NULL, *to = NULL, *source = NULL;
  const char *imdn_id, *dt;
  CpmKind kind = CPM_KIND_MESSAGE;

  c->records++;
  if (!cpim || !cpm_cpim_get_header (cpim, "From") || !cpm_cpim_get_header (cpim, "To")) {
    skip (c, cm->source, TRUE, "decode error: %s", cpim ? "a CPIM body without From and To"
                                                        : "no CPIM headers");
    return;
  }
  from = g_strdup (cpm_cpim_get_header (cpim, "From"));
  to = g_strdup (cpm_cpim_get_header (cpim, "To"));
  dt = cpm_cpim_get_header (cpim, "DateTime");
  date = dt ? g_date_time_new_from_iso8601 (dt, NULL) : NULL;
  if (!date) {
    skip (c, cm->source, TRUE, "no date: a CPIM body without a readable DateTime");
    return;
  }
  imdn_id = cpm_cpim_get_ns_header (cpim, CPM_CPIM_NS_IMDN, "Message-ID");
  if (type_is (cpm_cpim_get_content_type (cpim), "message/imdn+xml"))
    kind = CPM_KIND_IMDN;
  {
    g_autofree char *a = cpm_sip_addr_uri (from), *z = cpm_sip_addr_uri (to);
    g_autofree char *pair = strcmp (a, z) < 0 ? g_strdup_printf ("%s\n%s", a, z)
                                              : g_strdup_printf ("%s\n%s", z, a);
    conv = make_id ("conversation", pair);
  }
  if (imdn_id)
    key = g_strdup (imdn_id);
  else
    key = g_compute_checksum_for_bytes (G_CHECKSUM_SHA1, bytes);
  contrib = make_id ("contribution", key);
  generated = make_id ("cpim", key);
  b = cpm_builder_new (kind);
  cpm_builder_set_header (b, "From", from);
  cpm_builder_set_header (b, "To", to);
  cpm_builder_set_date (b, date);
  cpm_builder_set_header (b, "Conversation-ID", conv);
  cpm_builder_set_header (b, "Contribution-ID", contrib);
  cpm_builder_set_header (b, "P-Asserted-Service", service);
  cpm_builder_add_header (b, "Accept-Contact",
                          "*;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.msg\"");
  cpm_builder_set_header (b, "IMDN-Message-ID", imdn_id ? imdn_id : generated);
  cpm_builder_set_cpim (b, cpim);
  source = g_strdup_printf ("%s (CPIM)", cm->source);
  emit (c, b, conv, date, source);
}

void
cpm_converter_add (CpmConverter *c, const CpmCaptureMessage *cm)
{
  if (c->error)
    return;
  if (cm->time_us > c->now_us)
    c->now_us = cm->time_us;
  sweep (c);
  switch (cm->protocol) {
  case CPM_CAPTURE_SIP:
    sip_message (c, cm);
    break;
  case CPM_CAPTURE_MSRP:
    msrp_chunk (c, cm);
    break;
  case CPM_CAPTURE_CPIM:
    cpim_file (c, cm);
    break;
  }
}

gboolean
cpm_converter_finish (CpmConverter *c, GError **error)
{
  g_autoptr (GPtrArray) open = cpm_msrp_assembler_drain (c->msrp);
  Waiting *w;
  Deferred *d;

  while ((w = g_queue_pop_head (&c->waiting)))
    msrp_message (c, waiting_steal (w), TRUE);
  for (guint i = 0; i < open->len; i++)
    msrp_message (c, g_steal_pointer (&open->pdata[i]), TRUE);
  for (guint i = 0; i < c->sessions->len; i++)
    session_end (c, c->sessions->pdata[i]);
  while ((d = g_queue_pop_head (&c->deferred)))
    place_deferred (c, d);
  if (c->error) {
    g_propagate_error (error, g_steal_pointer (&c->error));
    return FALSE;
  }
  return TRUE;
}

guint64
cpm_converter_get_records (const CpmConverter *c)
{
  return c->records;
}

CpmConverter *
cpm_converter_new (CpmProfile profile, CpmConvertObjectFunc on_object, CpmConvertSkipFunc on_skip,
                   gpointer user_data)
{
  CpmConverter *c = g_new0 (CpmConverter, 1);

  c->ref_count = 1;
  c->profile = profile;
  c->on_object = on_object;
  c->on_skip = on_skip;
  c->user_data = user_data;
  c->def_from = cpm_header_lookup ("From", -1);
  c->def_to = cpm_header_lookup ("To", -1);
  c->def_date = cpm_header_lookup ("Date", -1);
  c->def_imdn_id = cpm_header_lookup ("IMDN-Message-ID", -1);
  c->by_call_id = g_hash_table_new (key_hash, g_str_equal);
  c->by_msrp = g_hash_table_new_full (key_hash, g_str_equal, g_free, NULL);
  c->sessions = g_ptr_array_new_with_free_func ((GDestroyNotify) session_free);
  window_init (&c->seen_sip, SIP_WINDOW_US);
  window_init (&c->seen_msrp, MSRP_WINDOW_US);
  c->msrp = cpm_msrp_assembler_new (0);
  g_queue_init (&c->waiting);
  window_init (&c->folder_of, IMDN_WINDOW_US);
  g_queue_init (&c->deferred);
  return c;
}

CpmConverter *
cpm_converter_ref (CpmConverter *c)
{
  g_atomic_int_inc (&c->ref_count);
  return c;
}

void
cpm_converter_unref (CpmConverter *c)
{
  if (!c || !g_atomic_int_dec_and_test (&c->ref_count))
    return;
  g_hash_table_unref (c->by_call_id);
  g_hash_table_unref (c->by_msrp);
  g_ptr_array_unref (c->sessions);
  window_clear (&c->seen_sip);
  window_clear (&c->seen_msrp);
  cpm_msrp_assembler_free (c->msrp);
  g_queue_clear_full (&c->waiting, (GDestroyNotify) waiting_free);
  g_free (c->input);
  g_free (c->last_datetime);
  g_clear_pointer (&c->last_date, g_date_time_unref);
  window_clear (&c->folder_of);
  g_queue_clear_full (&c->deferred, (GDestroyNotify) deferred_free);
  g_clear_error (&c->error);
  g_free (c);
}

static void
on_capture_message (const CpmCaptureMessage *m, gpointer user_data)
{
  cpm_converter_add (user_data, m);
}

gboolean
cpm_convert_capture (CpmConverter *c, GInputStream *input, const char *name,
                     CpmCaptureFormat format, CpmReport *report, GError **error)
{
  if (!cpm_capture_read (input, name, format, NULL, on_capture_message, c, report, error))
    return FALSE;
  if (c->error) {
    g_propagate_error (error, g_steal_pointer (&c->error));
    return FALSE;
  }
  return TRUE;
}
