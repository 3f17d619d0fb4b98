/* TCP reassembly: each flow's bytes in sequence order, once each.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"

#include "cpm-capture-private.h"
#include <cpmobj/cpm-limits.h>

#include <string.h>

typedef struct {
  guint32 seq;
  GBytes *data;
  guint frame;
  gint64 time_us;
} Segment;

typedef struct {
  char *name;
  gboolean started;   /* next is known */
  gboolean saw_syn;
  guint32 isn;        /* first stream byte's sequence number */
  guint32 next;       /* next expected sequence number */
  GList *pending;     /* Segment*, sorted by seq (relative to next) */
  gsize pending_bytes;
  gboolean fin_seen;
  guint32 fin_seq;    /* sequence number just after the last byte */
} Flow;

#define FLOW_RECENT 64 /* 2^6: the top 6 bits of a hash of the name's address */

struct _CpmTcpFlows {
  guint max_flows;
  gsize max_bytes;
  gsize held;
  CpmTcpDataFunc func;
  gpointer user_data;
  CpmReport *report;
  GHashTable *flows;  /* name -> Flow* */
  GPtrArray *order;   /* Flow*, first seen first: deterministic flushing */
  gboolean limit_reported;
  guint retransmissions;
  /* The flows last looked up, by the address of the name asked with: the
   * reader asks with the name kept for its packet's flow, the same text at
   * the same place packet after packet (g_str_hash of a ~40-byte name and
   * the lookup were ~400 instructions a segment). A hit is checked with
   * strcmp: another name at the same place is a miss, never a wrong flow. */
  Flow *recent[FLOW_RECENT];
};

/* Serial number arithmetic (RFC 1982): a before b. */
static inline gint32
seq_diff (guint32 a, guint32 b)
{
  return (gint32) (a - b);
}

static void
segment_free (Segment *s)
{
  g_bytes_unref (s->data);
  g_free (s);
}

static void
flow_free (Flow *f)
{
  g_list_free_full (f->pending, (GDestroyNotify) segment_free);
  g_free (f->name);
  g_free (f);
}

CpmTcpFlows *
cpm_tcp_flows_new (guint max_flows, gsize max_bytes, CpmTcpDataFunc func, gpointer user_data,
                   CpmReport *report)
{
  CpmTcpFlows *t = g_new0 (CpmTcpFlows, 1);

  t->max_flows = max_flows ? max_flows : cpm_limits_default ()->max_tcp_flows;
  t->max_bytes = max_bytes ? max_bytes : cpm_limits_default ()->max_reassembly;
  t->func = func;
  t->user_data = user_data;
  t->report = report ? cpm_report_ref (report) : cpm_report_new ();
  t->flows = g_hash_table_new (g_str_hash, g_str_equal);
  t->order = g_ptr_array_new_with_free_func ((GDestroyNotify) flow_free);
  return t;
}

void
cpm_tcp_flows_free (CpmTcpFlows *t)
{
  if (!t)
    return;
  g_hash_table_unref (t->flows);
  g_ptr_array_unref (t->order);
  cpm_report_unref (t->report);
  g_free (t);
}

guint
cpm_tcp_flows_get_retransmissions (const CpmTcpFlows *t)
{
  return t->retransmissions;
}

static gint
segment_cmp (gconstpointer a, gconstpointer b)
{
  const Segment *x = a, *y = b;
  gint32 d = seq_diff (x->seq, y->seq);

  return d < 0 ? -1 : d > 0 ? 1 : 0;
}

/* The bytes of a segment that starts at or before `next`: those after
 * `next` go to the consumer. */
static void
hand_over (CpmTcpFlows *t, Flow *f, guint32 seq, const guint8 *d, gsize n, guint frame,
           gint64 time_us)
{
  gint32 ahead = seq_diff (seq, f->next);

  if ((gsize) -ahead >= n) {
    t->retransmissions++;
    return;
  }
  if (ahead < 0)
    t->retransmissions++;
  t->func (f->name, d + (-ahead), n - (gsize) (-ahead), frame, time_us, t->user_data);
  f->next = seq + (guint32) n;
}

/* Hands over every pending segment that now continues the stream; the
 * bytes before `next` of an overlapping segment were delivered already
 * (first copy wins, as a receiving stack keeps it). */
static void
flow_deliver (CpmTcpFlows *t, Flow *f)
{
  while (f->pending) {
    Segment *s = f->pending->data;
    gsize n = g_bytes_get_size (s->data);
    gint32 ahead = seq_diff (s->seq, f->next);

    if (ahead > 0)
      return;
    f->pending = g_list_delete_link (f->pending, f->pending);
    f->pending_bytes -= n;
    t->held -= n;
    hand_over (t, f, s->seq, g_bytes_get_data (s->data, NULL), n, s->frame, s->time_us);
    segment_free (s);
  }
}

/* The bytes between `next` and the first pending segment are lost: say
 * where, and go on after them. */
static void
flow_skip_gap (CpmTcpFlows *t, Flow *f)
{
  Segment *s;
  guint32 gap;

  if (!f->pending)
    return;
  s = f->pending->data;
  if (!f->started) {
    /* no SYN seen: the stream starts at the lowest sequence number held */
    f->started = TRUE;
    f->isn = f->next = s->seq;
    return;
  }
  gap = s->seq - f->next;
  cpm_report_add (t->report, "capture.tcp-gap", CPM_SEVERITY_ERROR, "RFC 9293 3.10.7.4", NULL,
                  s->frame, "flow %s: %u bytes missing at stream offset %u (before frame %u)",
                  f->name, gap, f->next - f->isn, s->frame);
  t->func (f->name, NULL, gap, s->frame, s->time_us, t->user_data);
  f->next = s->seq;
}

/* Every byte up to the FIN has been handed over: the flow ends, and its
 * place counts no more against the flow limit (a long capture opens and
 * closes many connections). A later segment of the same flow (a
 * retransmitted FIN, data resent late) starts a new flow without SYN. */
static void
flow_close (CpmTcpFlows *t, Flow *f, guint frame, gint64 time_us)
{
  for (guint i = 0; i < FLOW_RECENT; i++)
    if (t->recent[i] == f)
      t->recent[i] = NULL;
  t->func (f->name, NULL, 0, frame, time_us, t->user_data);
  g_hash_table_remove (t->flows, f->name);
  g_ptr_array_remove (t->order, f);
}

static Flow **
recent_slot (CpmTcpFlows *t, const char *name)
{
  return &t->recent[(guint64) (guintptr) name * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15) >> 58];
}

static Flow *
flow_get (CpmTcpFlows *t, const char *name)
{
  Flow **recent = recent_slot (t, name);
  Flow *f = *recent;

  if (f && strcmp (f->name, name) == 0)
    return f;
  f = g_hash_table_lookup (t->flows, name);
  if (f) {
    *recent = f;
    return f;
  }
  if (t->order->len >= t->max_flows) {
    if (!t->limit_reported)
      cpm_report_add (t->report, "capture.limit-flows", CPM_SEVERITY_ERROR, NULL, NULL, 0,
                      "more than %u TCP flows at once (limit max_tcp_flows): "
                      "flow %s and later new flows ignored",
                      t->max_flows, name);
    t->limit_reported = TRUE;
    return NULL;
  }
  f = g_new0 (Flow, 1);
  f->name = g_strdup (name);
  g_hash_table_insert (t->flows, f->name, f);
  g_ptr_array_add (t->order, f);
  *recent = f;
  return f;
}

/* Over the byte limit: the flow holding the most gives up waiting for its
 * missing bytes. */
static void
enforce_limit (CpmTcpFlows *t)
{
  while (t->held > t->max_bytes) {
    Flow *big = NULL;
    for (guint i = 0; i < t->order->len; i++) {
      Flow *f = t->order->pdata[i];
      if (f->pending && (!big || f->pending_bytes > big->pending_bytes))
        big = f;
    }
    if (!big)
      return;
    cpm_report_add (t->report, "capture.limit-bytes", CPM_SEVERITY_WARNING, NULL, NULL, 0,
                    "flow %s: more than %" G_GSIZE_FORMAT " bytes held for reassembly "
                    "(limit max_reassembly); not waiting for missing bytes any longer",
                    big->name, t->max_bytes);
    flow_skip_gap (t, big);
    flow_deliver (t, big);
  }
}

void
cpm_tcp_flows_segment (CpmTcpFlows *t, const char *name, guint32 seq, gboolean syn,
                       gboolean fin, const guint8 *data, gsize len, guint frame, gint64 time_us)
{
  Flow *f = flow_get (t, name);
  Segment *s;

  if (!f)
    return;
  if (syn && !f->saw_syn) {
    f->saw_syn = f->started = TRUE;
    f->isn = f->next = seq + 1;
    seq++;
  } else if (syn) {
    seq++; /* a retransmitted SYN carries no stream bytes */
  }
  if (fin) {
    f->fin_seen = TRUE;
    f->fin_seq = seq + (guint32) len;
  }
  if (len == 0)
    goto deliver;
  if (f->started && seq_diff (seq + (guint32) len, f->next) <= 0) {
    t->retransmissions++;
    return;
  }
  if (f->started && !f->pending && seq_diff (seq, f->next) <= 0) {
    /* in order with nothing held: handed over from the packet, without
     * a copy into a held segment (three allocations a segment) */
    hand_over (t, f, seq, data, len, frame, time_us);
    goto deliver;
  }
  s = g_new0 (Segment, 1);
  s->seq = seq;
  s->data = g_bytes_new (data, len);
  s->frame = frame;
  s->time_us = time_us;
  f->pending = g_list_insert_sorted (f->pending, s, segment_cmp);
  f->pending_bytes += len;
  t->held += len;
deliver:
  if (f->started)
    flow_deliver (t, f);
  if (f->started && f->fin_seen && !f->pending && f->next == f->fin_seq)
    flow_close (t, f, frame, time_us);
  enforce_limit (t);
}

/* RFC 9293 3.10.7.x: a reset ends both directions of the connection;
 * each ends where the RST says the stream stopped, so bytes still missing
 * before that are waited for (and reported at the end) as at a FIN. A RST
 * of a flow not followed (a port scan) creates none. */
void
cpm_tcp_flows_reset (CpmTcpFlows *t, const char *name, guint32 seq, guint frame, gint64 time_us)
{
  Flow *f = g_hash_table_lookup (t->flows, name);

  if (!f)
    return;
  f->fin_seen = TRUE;
  f->fin_seq = seq;
  if (f->started && !f->pending && f->next == f->fin_seq)
    flow_close (t, f, frame, time_us);
}

void
cpm_tcp_flows_finish (CpmTcpFlows *t)
{
  for (guint i = 0; i < t->order->len; i++) {
    Flow *f = t->order->pdata[i];
    if (!f->started)
      flow_skip_gap (t, f);
    flow_deliver (t, f);
    while (f->pending) {
      flow_skip_gap (t, f);
      flow_deliver (t, f);
    }
  }
}
