/* Captures: pcap/pcapng through libpcap down to UDP datagrams and TCP
 * streams, text logs, CPIM files; SIP and MSRP messages cut out of them by
 * their start lines and framing.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"

#define _GNU_SOURCE 1
#include "cpm-capture-private.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#define MAX_JUNK_LINE 65536
#define SECTION_CAPTURE "cpmobj-convert(1) CAPTURES"

/* ------------------------------------------------------------------------
 * Format detection
 * ------------------------------------------------------------------------ */

static gboolean
has_start_line (const guint8 *head, gsize len)
{
  gsize i = 0;

  while (i < len) {
    const guint8 *nl = memchr (head + i, '\n', len - i);
    gsize n = (nl ? (gsize) (nl - head) : len) - i;
    if (n && head[i + n - 1] == '\r')
      n--;
    if (cpm_sip_is_start_line ((const char *) head + i, n) ||
        cpm_msrp_is_start_line ((const char *) head + i, n))
      return TRUE;
    if (!nl)
      break;
    i = (gsize) (nl - head) + 1;
  }
  return FALSE;
}

/* A CPIM body starts with its message headers: From/To/DateTime/NS/
 * Subject/cc or a prefixed name such as imdn.Message-ID (RFC 3862 3). */
static gboolean
looks_like_cpim (const guint8 *head, gsize len)
{
  static const char *const names[] = { "From:", "To:", "DateTime:", "NS:", "Subject:", "cc:" };
  g_autofree char *text = g_strndup ((const char *) head, len);
  gboolean dated = strstr (text, "\nDateTime:") || g_str_has_prefix (text, "DateTime:") ||
                   strstr (text, "\nNS:") || g_str_has_prefix (text, "NS:");

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strncasecmp (text, names[i], strlen (names[i])) == 0)
      return dated && !strstr (text, "Conversation-ID:") && !strstr (text, "Contribution-ID:");
  return FALSE;
}

CpmCaptureFormat
cpm_capture_detect_format (const guint8 *head, gsize len)
{
  if (len >= 4) {
    guint32 m = (guint32) head[0] << 24 | (guint32) head[1] << 16 | (guint32) head[2] << 8 | head[3];
    if (m == 0xa1b2c3d4 || m == 0xd4c3b2a1 || m == 0xa1b23c4d || m == 0x4d3cb2a1)
      return CPM_CAPTURE_FORMAT_PCAP;
    if (m == 0x0a0d0d0a)
      return CPM_CAPTURE_FORMAT_PCAPNG;
  }
  if (looks_like_cpim (head, len))
    return CPM_CAPTURE_FORMAT_CPIM;
  if (has_start_line (head, len))
    return CPM_CAPTURE_FORMAT_TEXT;
  return CPM_CAPTURE_FORMAT_UNKNOWN;
}

/* ------------------------------------------------------------------------
 * Streams: bytes of one flow (or datagram, or text file) in order, cut
 * into messages.
 * ------------------------------------------------------------------------ */

typedef struct {
  gsize end;       /* offset in buf just after this frame's bytes */
  guint frame;
  gint64 time_us;
} Mark;

typedef struct _Stream {
  char *flow;
  const char *transport;
  gboolean text;   /* transport is "text" (asked per message) */
  GByteArray *buf;
  /* the bytes not cut off yet: buf's, or a TCP segment's while it is
   * read in place (stream_take) */
  const guint8 *data;
  gsize len;
  GArray *marks;
  guint64 junk;
  guint messages;
  guint64 line;    /* text: line number of buf[0] */
  gint64 log_time; /* text: the time of the last log marker line */
} Stream;

/* The names of an IPv4 flow, kept by its addresses, ports and protocol:
 * packets of a flow come again and again, and their names were written
 * anew per packet (~800 instructions). */
typedef struct {
  guint8 key[13];
  gboolean set;
  char src[16], dst[16];
  char flow[64];
  struct _Stream *stream;  /* the TCP flow's stream once looked up (nullable) */
} FlowSlot;

#define FLOW_SLOTS 64 /* 2^6: the top 6 bits of the hash pick one */

typedef struct {
  const char *name;
  CpmCaptureFunc func;
  gpointer user_data;
  CpmReport *report;
  GHashTable *streams; /* flow -> Stream* */
  GPtrArray *order;    /* Stream*, for a deterministic end */
  CpmTcpFlows *tcp;
  guint frame;
  guint fragments;
  GString *source;     /* the message being delivered's source, reused */
  FlowSlot *slots;     /* FLOW_SLOTS, by a hash of the key */
  FlowSlot *packet;    /* the slot of the packet being read (nullable) */
  gboolean bad_time;   /* capture.timestamp-range reported */
  gsize name_len;
} Reader;

static void
stream_free (Stream *s)
{
  g_free (s->flow);
  g_byte_array_unref (s->buf);
  g_array_unref (s->marks);
  g_free (s);
}

static Stream *
stream_new (const char *flow, const char *transport)
{
  Stream *s = g_new0 (Stream, 1);

  s->flow = g_strdup (flow);
  s->transport = transport;
  s->text = strcmp (transport, "text") == 0;
  s->buf = g_byte_array_new ();
  s->marks = g_array_new (FALSE, FALSE, sizeof (Mark));
  s->line = 1;
  return s;
}

static void
stream_append (Stream *s, const guint8 *data, gsize len, guint frame, gint64 time_us)
{
  Mark m;

  g_byte_array_append (s->buf, data, (guint) len);
  s->data = s->buf->data;
  s->len = s->buf->len;
  m = (Mark) { s->buf->len, frame, time_us };
  g_array_append_val (s->marks, m);
}

static guint64
count_lines (const guint8 *p, gsize n)
{
  guint64 c = 0;

  for (gsize i = 0; i < n; i++)
    c += p[i] == '\n';
  return c;
}

/* Drops @n bytes from the front; marks move along. */
static void
stream_consume (Stream *s, gsize n)
{
  guint keep = 0;

  if (s->text) /* only text sources name lines */
    s->line += count_lines (s->data, n);
  if (s->data == s->buf->data) {
    g_byte_array_remove_range (s->buf, 0, (guint) n);
    s->data = s->buf->data;
    s->len = s->buf->len;
  } else {
    s->data += n;
    s->len -= n;
  }
  for (guint i = 0; i < s->marks->len; i++) {
    Mark *m = &g_array_index (s->marks, Mark, i);
    if (m->end > n) {
      m->end -= n;
      g_array_index (s->marks, Mark, keep++) = *m;
    }
  }
  g_array_set_size (s->marks, keep);
}

/* "SRC:SPORT > DST:DPORT" (suffix " udp" for UDP) into out[160]: the
 * addresses are at most 47 bytes each ("[" IPv6 "]"). */
static void
flow_name (char *out, const char *src, guint sport, const char *dst, guint dport,
           gboolean udp)
{
  gsize ls = strlen (src), ld = strlen (dst);
  char *w = out;

  g_assert (ls < 64 && ld < 64);
  memcpy (w, src, ls);
  w += ls;
  *w++ = ':';
  w = cpm_put_uint (w, sport);
  memcpy (w, " > ", 3);
  w += 3;
  memcpy (w, dst, ld);
  w += ld;
  *w++ = ':';
  w = cpm_put_uint (w, dport);
  if (udp) {
    memcpy (w, " udp", 4);
    w += 4;
  }
  *w = '\0';
}

/* "frames 4,6" for the bytes [0, n) of the stream, or "line 12", in
 * the reader's string (valid until the next message). Written in place:
 * a GString call per piece was ~350 instructions a message. */
static const char *
stream_source (Reader *r, Stream *s, gsize n, gint64 *time_us)
{
  GString *out = r->source;
  gsize from = 0;
  gboolean first = TRUE;
  char *w;

  *time_us = 0;
  if (s->text) {
    g_string_assign (out, r->name);
    *time_us = s->log_time;
    g_string_append_printf (out, ":line %" G_GUINT64_FORMAT, s->line);
    return out->str;
  }
  /* the name, ":frames" and at most 11 bytes a mark (separator, digits) */
  g_string_set_size (out, r->name_len + 7 + 11 * (gsize) s->marks->len);
  w = out->str;
  memcpy (w, r->name, r->name_len);
  w += r->name_len;
  memcpy (w, ":frame", 6);
  w += 6;
  for (guint i = 0; i < s->marks->len && from < n; i++) {
    const Mark *m = &g_array_index (s->marks, Mark, i);
    if (first) {
      *time_us = m->time_us;
      if (m->end < n)
        *w++ = 's';
    }
    *w++ = first ? ' ' : ',';
    w = cpm_put_uint (w, m->frame);
    first = FALSE;
    from = m->end;
  }
  g_string_truncate (out, (gsize) (w - out->str));
  return out->str;
}

static void
deliver (Reader *r, Stream *s, CpmCaptureProtocol proto, gsize n, gboolean truncated)
{
  gint64 time_us;
  const char *source = stream_source (r, s, n, &time_us);
  CpmCaptureMessage m = { proto, s->data, n, time_us, source, s->transport, truncated };

  s->messages++;
  r->func (&m, r->user_data);
  stream_consume (s, n);
}

/* Text logs often omit Content-Length: the body then runs to the next
 * start line that follows an empty line. */
static gboolean
start_line_at (const guint8 *d, gsize len, gsize at)
{
  const guint8 *nl = memchr (d + at, '\n', len - at);
  gsize n = nl ? (gsize) (nl - d) - at : len - at;

  if (n && d[at + n - 1] == '\r')
    n--;
  return cpm_sip_is_start_line ((const char *) d + at, n) ||
         cpm_msrp_is_start_line ((const char *) d + at, n);
}

static gsize
text_body_end (const guint8 *d, gsize len, gsize from)
{
  if (from < len && start_line_at (d, len, from))
    return from; /* no body: the next message follows the header block */
  for (gsize i = from; i + 4 <= len; i++) {
    if (d[i] == '\r' && d[i + 1] == '\n' && i + 2 < len && d[i + 2] == '\r' && d[i + 3] == '\n') {
      gsize at = i + 4;
      while (at + 1 < len && d[at] == '\r' && d[at + 1] == '\n')
        at += 2;
      const guint8 *nl = memchr (d + at, '\n', len - at);
      gsize n = nl ? (gsize) (nl - d) - at : len - at;
      if (n && d[at + n - 1] == '\r')
        n--;
      if (cpm_sip_is_start_line ((const char *) d + at, n) ||
          cpm_msrp_is_start_line ((const char *) d + at, n))
        return i + 2;
    }
  }
  return len;
}

/* Text logs: Content-Length when the body it gives ends before the next
 * message; a log without Content-Length (or with a wrong one) ends the body
 * at the next start line after a blank line. On the text's last bytes, a
 * Content-Length running past the end is a cut message. */
static gssize
text_sip_length (const guint8 *d, gsize len, gssize n, gboolean final)
{
  gsize hend = 0, body_end, scan_to;
  g_autofree char *head = NULL;
  gboolean has_cl;

  for (gsize i = 0; i + 3 < len && !hend; i++)
    if (d[i] == '\r' && d[i + 1] == '\n' && d[i + 2] == '\r' && d[i + 3] == '\n')
      hend = i + 4;
  if (!hend)
    return n;
  head = g_strndup ((const char *) d, hend);
  has_cl = strstr (head, "\nContent-Length:") || strstr (head, "\nl:") ||
           strstr (head, "\ncontent-length:");
  /* with a complete Content-Length body only its bytes need a look */
  scan_to = has_cl && n > 0 ? MIN (len, (gsize) n + 4) : len;
  body_end = text_body_end (d, scan_to, hend);
  if (has_cl && n > 0)
    return body_end < (gsize) n ? (gssize) body_end : n;
  if (body_end < len)
    return (gssize) body_end;
  if (!final || (has_cl && n == 0))
    return 0;
  return (gssize) len;
}

static gssize
sip_length (Stream *s, gboolean final)
{
  const guint8 *d = s->data;
  gsize len = s->len;
  gssize n = cpm_sip_frame_length (d, len);

  if (s->text && n >= 0)
    return text_sip_length (d, len, n, final);
  if (n == 0 && final && strcmp (s->transport, "udp") == 0)
    return (gssize) len; /* a datagram without Content-Length: all of it */
  return n;
}

/* A log marker line ("----- 2024-05-01 12:00:05.123 ...") gives the
 * messages after it their time: "YYYY-MM-DD HH:MM:SS" (or with "T"),
 * optional fraction and zone; without a zone it is UTC. */
static void
log_marker_time (Stream *s, const guint8 *line, gsize len)
{
  static GRegex *re;
  g_autofree char *text = g_strndup ((const char *) line, MIN (len, 200));
  g_autoptr (GMatchInfo) match = NULL;

  if (g_once_init_enter (&re)) {
    /* RAW: log lines are any bytes, and PCRE2 (JIT) reads out of bounds on
     * text that is not UTF-8 when matching in UTF-8 mode (fuzz-text-capture) */
    GRegex *r = g_regex_new ("(\\d{4}-\\d{2}-\\d{2})[ T](\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?)"
                             "(Z|[+-]\\d{2}:?\\d{2})?", G_REGEX_OPTIMIZE | G_REGEX_RAW, 0, NULL);
    g_once_init_leave (&re, r);
  }
  if (g_regex_match (re, text, 0, &match)) {
    g_autofree char *date = g_match_info_fetch (match, 1);
    g_autofree char *time = g_match_info_fetch (match, 2);
    g_autofree char *zone = g_match_info_fetch (match, 3);
    g_autofree char *iso = g_strdup_printf ("%sT%s%s", date, time, zone && *zone ? zone : "Z");
    g_autoptr (GDateTime) dt = g_date_time_new_from_iso8601 (iso, NULL);
    if (dt)
      s->log_time = g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
  }
}

/* Cuts every whole message off the front of the stream. @final: no more
 * bytes will come; what is left is delivered as truncated. */
static void
stream_extract (Reader *r, Stream *s, gboolean final)
{
  while (s->len) {
    const guint8 *d = s->data;
    gsize len = s->len, ws = 0;
    while (ws < len && (d[ws] == '\r' || d[ws] == '\n' || d[ws] == ' ' || d[ws] == '\t'))
      ws++;
    if (ws) {
      stream_consume (s, ws);
      continue;
    }
    const guint8 *nl = memchr (d, '\n', len);
    if (!nl && !final && len < MAX_JUNK_LINE)
      return;
    gsize ll = nl ? (gsize) (nl - d) : len;
    gsize sl = ll && d[ll - 1] == '\r' ? ll - 1 : ll;
    gssize n = -1;
    CpmCaptureProtocol proto = CPM_CAPTURE_SIP;
    if (cpm_sip_is_start_line ((const char *) d, sl)) {
      n = sip_length (s, final);
    } else if (cpm_msrp_is_start_line ((const char *) d, sl)) {
      proto = CPM_CAPTURE_MSRP;
      n = cpm_msrp_frame_length (d, len);
    } else {
      if (s->text)
        log_marker_time (s, d, sl);
      s->junk += nl ? ll + 1 : ll;
      stream_consume (s, nl ? ll + 1 : ll);
      continue;
    }
    if (n > 0) {
      deliver (r, s, proto, (gsize) n, FALSE);
    } else if (n < 0) {
      cpm_report_add (r->report, "capture.sip-content-length", CPM_SEVERITY_ERROR,
                      "RFC 3261 20.14", "Content-Length", 0,
                      "%s: SIP message with an unreadable Content-Length: skipped", s->flow);
      s->junk += nl ? ll + 1 : ll;
      stream_consume (s, nl ? ll + 1 : ll);
    } else if (final) {
      deliver (r, s, proto, len, TRUE);
    } else {
      return;
    }
  }
}

/* A segment that comes when nothing is held: its whole messages are cut
 * out of it in place, only what is left of it copied to be held (each
 * segment was appended, and its messages then removed from the front). */
static void
stream_take (Reader *r, Stream *s, const guint8 *data, gsize len, guint frame, gint64 time_us)
{
  s->data = data;
  s->len = len;
  /* no marks are held (nothing is): the segment's own is the first */
  g_array_set_size (s->marks, 1);
  g_array_index (s->marks, Mark, 0) = (Mark) { len, frame, time_us };
  stream_extract (r, s, FALSE);
  if (s->len)
    g_byte_array_append (s->buf, s->data, (guint) s->len);
  s->data = s->buf->data;
  s->len = s->buf->len;
}

static Stream *
stream_get (Reader *r, const char *flow, const char *transport)
{
  Stream *s = g_hash_table_lookup (r->streams, flow);

  if (!s) {
    s = stream_new (flow, transport);
    g_hash_table_insert (r->streams, s->flow, s);
    g_ptr_array_add (r->order, s);
  }
  return s;
}

/* A flow that carried SIP or MSRP and other bytes too: the other bytes
 * are named (a flow of other traffic only is not). */
static void
stream_report_junk (Reader *r, Stream *s)
{
  if (s->junk && s->messages && !s->text)
    cpm_report_add (r->report, "capture.not-a-message", CPM_SEVERITY_WARNING, SECTION_CAPTURE,
                    NULL, 0, "%s: %" G_GUINT64_FORMAT " bytes between messages are no SIP or "
                    "MSRP message", s->flow, s->junk);
}

/* The stream of a TCP flow: the one the packet's slot remembers when the
 * bytes are of the packet's own flow (a second hash lookup of the flow's
 * name per segment before). */
static Stream *
tcp_stream (Reader *r, const char *flow)
{
  FlowSlot *slot = r->packet;

  if (!slot || strcmp (slot->flow, flow) != 0)
    return stream_get (r, flow, "tcp");
  if (!slot->stream)
    slot->stream = stream_get (r, flow, "tcp");
  return slot->stream;
}

/* A stream that ends: no slot may point to it any longer. */
static void
forget_stream (Reader *r, Stream *s)
{
  for (guint i = 0; i < FLOW_SLOTS; i++)
    if (r->slots[i].stream == s)
      r->slots[i].stream = NULL;
}

static void
on_tcp_data (const char *flow, const guint8 *data, gsize len, guint frame, gint64 time_us,
             gpointer user_data)
{
  Reader *r = user_data;
  Stream *s = tcp_stream (r, flow);

  if (!data) {
    /* a gap or the end: the message being assembled can never be completed */
    stream_extract (r, s, TRUE);
    if (len == 0) {
      stream_report_junk (r, s);
      forget_stream (r, s);
      g_hash_table_remove (r->streams, s->flow);
      g_ptr_array_remove (r->order, s);
    }
    return;
  }
  if (s->len == 0 && s->marks->len == 0)
    stream_take (r, s, data, len, frame, time_us);
  else {
    stream_append (s, data, len, frame, time_us);
    stream_extract (r, s, FALSE);
  }
}

static void
on_udp (Reader *r, const char *flow, const guint8 *data, gsize len, gint64 time_us)
{
  Stream *s = stream_new (flow, "udp");

  stream_append (s, data, len, r->frame, time_us);
  stream_extract (r, s, TRUE);
  stream_free (s);
}

static void
reader_finish_streams (Reader *r)
{
  for (guint i = 0; i < r->order->len; i++) {
    Stream *s = r->order->pdata[i];
    stream_extract (r, s, TRUE);
    stream_report_junk (r, s);
  }
}

/* ------------------------------------------------------------------------
 * Packets: link layer, IP, transport
 * ------------------------------------------------------------------------ */

/* @known: the flow's name when the caller has it (else NULL). */
static void
transport (Reader *r, int proto, const char *src, const char *dst, const guint8 *p, gsize len,
           gint64 time_us, const char *known)
{
  char buf[160];
  const char *flow = known ? known : buf;

  if (proto == 17 && len >= 8) {
    if (!known)
      flow_name (buf, src, p[0] << 8 | p[1], dst, p[2] << 8 | p[3], TRUE);
    on_udp (r, flow, p + 8, len - 8, time_us);
  } else if (proto == 6 && len >= 20) {
    gsize off = (gsize) (p[12] >> 4) * 4;
    guint32 seq = (guint32) p[4] << 24 | (guint32) p[5] << 16 | (guint32) p[6] << 8 | p[7];
    if (off < 20 || off > len) {
      cpm_report_add (r->report, "capture.truncated-frame", CPM_SEVERITY_WARNING, SECTION_CAPTURE,
                      NULL, r->frame, "frame %u: TCP header cut off", r->frame);
      return;
    }
    if (!known)
      flow_name (buf, src, p[0] << 8 | p[1], dst, p[2] << 8 | p[3], FALSE);
    cpm_tcp_flows_segment (r->tcp, flow, seq, (p[13] & 0x02) != 0, (p[13] & 0x01) != 0, p + off,
                           len - off, r->frame, time_us);
    if (p[13] & 0x04) {
      /* RST: the connection is over in both directions, the reverse one
       * where the RST acknowledges (issue 4: connections reset instead of
       * closed must not keep their place in max_tcp_flows) */
      char reverse[160];
      guint32 ack = (guint32) p[8] << 24 | (guint32) p[9] << 16 | (guint32) p[10] << 8 | p[11];
      flow_name (reverse, dst, p[2] << 8 | p[3], src, p[0] << 8 | p[1], FALSE);
      cpm_tcp_flows_reset (r->tcp, flow, seq + (guint32) (len - off), r->frame, time_us);
      if (p[13] & 0x10)
        cpm_tcp_flows_reset (r->tcp, reverse, ack, r->frame, time_us);
    }
  }
}

static void
ipv4_text (const guint8 *a, char out[16])
{
  char *w = out;

  for (int i = 0; i < 4; i++) {
    if (i)
      *w++ = '.';
    w = cpm_put_uint (w, a[i]);
  }
  *w = '\0';
}

/* The names of the flow of IPv4 header @ip and transport header @tp (its
 * ports read), from the slots or written into them. */
static FlowSlot *
ipv4_flow (Reader *r, const guint8 *ip, const guint8 *tp)
{
  guint8 key[13];
  guint32 h;
  FlowSlot *slot;

  memcpy (key, ip + 12, 8);
  memcpy (key + 8, tp, 4);
  key[12] = ip[9];
  /* FNV-1a, its top bits by a multiplicative step: a flow and its reverse
   * (swapped addresses and ports) must not share a slot */
  h = 2166136261u;
  for (guint i = 0; i < sizeof key; i++)
    h = (h ^ key[i]) * 16777619u;
  slot = &r->slots[(guint32) (h * 2654435761u) >> 26];
  if (slot->set && memcmp (slot->key, key, sizeof key) == 0)
    return slot;
  memcpy (slot->key, key, sizeof key);
  slot->set = TRUE;
  slot->stream = NULL;
  ipv4_text (ip + 12, slot->src);
  ipv4_text (ip + 16, slot->dst);
  flow_name (slot->flow, slot->src, tp[0] << 8 | tp[1], slot->dst, tp[2] << 8 | tp[3], ip[9] == 17);
  return slot;
}

static void
ipv4 (Reader *r, const guint8 *p, gsize len, gint64 time_us)
{
  char src[16], dst[16];
  gsize ihl, total;

  if (len < 20 || (ihl = (gsize) (p[0] & 0x0f) * 4) < 20 || ihl > len)
    return;
  total = (gsize) (p[2] << 8 | p[3]);
  if (total < ihl)
    return;
  if (total > len) {
    cpm_report_add (r->report, "capture.truncated-frame", CPM_SEVERITY_WARNING, SECTION_CAPTURE,
                    NULL, r->frame, "frame %u: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
                    " IP bytes captured (snap length)", r->frame, len, total);
    total = len;
  }
  if ((p[6] & 0x20) || ((p[6] & 0x1f) << 8 | p[7])) {
    cpm_report_add (r->report, "capture.ip-fragment", CPM_SEVERITY_WARNING, "RFC 791 3.2", NULL,
                    r->frame, "frame %u: IPv4 fragment (not reassembled): skipped", r->frame);
    r->fragments++;
    return;
  }
  if ((p[9] == 17 && total - ihl >= 8) || (p[9] == 6 && total - ihl >= 20)) {
    r->packet = ipv4_flow (r, p, p + ihl);
    transport (r, p[9], r->packet->src, r->packet->dst, p + ihl, total - ihl, time_us,
               r->packet->flow);
    r->packet = NULL;
    return;
  }
  ipv4_text (p + 12, src);
  ipv4_text (p + 16, dst);
  transport (r, p[9], src, dst, p + ihl, total - ihl, time_us, NULL);
}

static void
ipv6_addr (const guint8 *a, char *out, gsize size)
{
  g_autoptr (GInetAddress) addr = g_inet_address_new_from_bytes (a, G_SOCKET_FAMILY_IPV6);
  g_autofree char *s = g_inet_address_to_string (addr);

  g_snprintf (out, size, "[%s]", s);
}

static void
ipv6 (Reader *r, const guint8 *p, gsize len, gint64 time_us)
{
  char src[64], dst[64];
  gsize off = 40, plen;
  int next;

  if (len < 40)
    return;
  plen = (gsize) (p[4] << 8 | p[5]);
  if (40 + plen < len)
    len = 40 + plen;
  next = p[6];
  /* extension headers (RFC 8200 4): hop-by-hop, routing, destination
   * options, AH are stepped over; a fragment is reported */
  while (next == 0 || next == 43 || next == 60 || next == 51 || next == 44) {
    if (off + 8 > len)
      return;
    if (next == 44) {
      cpm_report_add (r->report, "capture.ip-fragment", CPM_SEVERITY_WARNING, "RFC 8200 4.5",
                      NULL, r->frame, "frame %u: IPv6 fragment (not reassembled): skipped",
                      r->frame);
      r->fragments++;
      return;
    }
    gsize hl = next == 51 ? ((gsize) p[off + 1] + 2) * 4 : ((gsize) p[off + 1] + 1) * 8;
    next = p[off];
    off += hl;
  }
  if (off > len)
    return;
  ipv6_addr (p + 8, src, sizeof src);
  ipv6_addr (p + 24, dst, sizeof dst);
  transport (r, next, src, dst, p + off, len - off, time_us, NULL);
}

static void
network (Reader *r, guint ethertype, const guint8 *p, gsize len, gint64 time_us)
{
  if (ethertype == 0x0800)
    ipv4 (r, p, len, time_us);
  else if (ethertype == 0x86dd)
    ipv6 (r, p, len, time_us);
}

static void
raw_ip (Reader *r, const guint8 *p, gsize len, gint64 time_us)
{
  if (len && (p[0] >> 4) == 4)
    ipv4 (r, p, len, time_us);
  else if (len && (p[0] >> 4) == 6)
    ipv6 (r, p, len, time_us);
}

static void
packet (Reader *r, int dlt, const guint8 *p, gsize len, gint64 time_us)
{
  switch (dlt) {
  case DLT_EN10MB: {
    gsize off = 12;
    guint type;
    if (len < 14)
      return;
    type = (guint) (p[12] << 8 | p[13]);
    /* 802.1Q and 802.1ad tags, stacked as QinQ */
    while ((type == 0x8100 || type == 0x88a8 || type == 0x9100) && off + 6 <= len) {
      off += 4;
      type = (guint) (p[off] << 8 | p[off + 1]);
    }
    network (r, type, p + off + 2, len - off - 2, time_us);
    break;
  }
  case DLT_LINUX_SLL:
    if (len >= 16)
      network (r, (guint) (p[14] << 8 | p[15]), p + 16, len - 16, time_us);
    break;
#ifdef DLT_LINUX_SLL2
  case DLT_LINUX_SLL2:
    if (len >= 20)
      network (r, (guint) (p[0] << 8 | p[1]), p + 20, len - 20, time_us);
    break;
#endif
  case DLT_NULL:
  case DLT_LOOP:
    /* the family is in host order of the capturing machine (DLT_NULL) or
     * network order (DLT_LOOP): the IP version nibble decides */
    if (len >= 4)
      raw_ip (r, p + 4, len - 4, time_us);
    break;
  case DLT_RAW:
#ifdef DLT_IPV4
  case DLT_IPV4:
  case DLT_IPV6:
#endif
    raw_ip (r, p, len, time_us);
    break;
  default:
    break;
  }
}

/* ------------------------------------------------------------------------
 * libpcap over a GInputStream (fopencookie): standard input and files alike
 * ------------------------------------------------------------------------ */

static ssize_t
cookie_read (void *cookie, char *buf, size_t size)
{
  return g_input_stream_read (G_INPUT_STREAM (cookie), buf, size, NULL, NULL);
}

/* A frame's time in microseconds since 1970. pcapng lets an interface
 * scale its timestamps freely, so seconds can be anything: a time outside
 * 1970-9999 (where GDateTime ends) is no time at all (0, as for a text
 * log without markers), reported once per file. */
#define MAX_FRAME_SECONDS G_GINT64_CONSTANT (253402300799) /* 9999-12-31T23:59:59Z */

static gint64
frame_time (Reader *r, gint64 sec, gint64 usec)
{
  if (sec >= 0 && sec <= MAX_FRAME_SECONDS && usec >= 0 && usec < G_USEC_PER_SEC)
    return sec * G_USEC_PER_SEC + usec;
  if (!r->bad_time)
    cpm_report_add (r->report, "capture.timestamp-range", CPM_SEVERITY_WARNING, SECTION_CAPTURE,
                    NULL, r->frame, "%s: frame %u: time %" G_GINT64_FORMAT
                    " s is outside 1970-9999; frames with such times have none",
                    r->name, r->frame, sec);
  r->bad_time = TRUE;
  return 0;
}

static gboolean
read_pcap (Reader *r, GInputStream *input, GError **error)
{
  cookie_io_functions_t io = { .read = cookie_read };
  FILE *fp = fopencookie (input, "r", io);
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  struct pcap_pkthdr *hdr;
  const u_char *data;
  pcap_t *pcap;
  int dlt, rc;
  gboolean nano;

  if (!fp || !(pcap = pcap_fopen_offline_with_tstamp_precision (fp, PCAP_TSTAMP_PRECISION_NANO,
                                                                 errbuf))) {
    if (fp)
      fclose (fp);
    g_set_error (error, CPM_ERROR, CPM_ERROR_PARSE, "%s: %s", r->name, errbuf);
    return FALSE;
  }
  nano = pcap_get_tstamp_precision (pcap) == PCAP_TSTAMP_PRECISION_NANO;
  dlt = pcap_datalink (pcap);
  while ((rc = pcap_next_ex (pcap, &hdr, &data)) == 1) {
    r->frame++;
    gint64 t = frame_time (r, hdr->ts.tv_sec, nano ? hdr->ts.tv_usec / 1000 : hdr->ts.tv_usec);
    /* pcapng may change link types per interface; libpcap reports the
     * first; the others are read with it */
    packet (r, dlt, data, hdr->caplen, t);
  }
  if (rc == PCAP_ERROR)
    cpm_report_add (r->report, "capture.truncated-file", CPM_SEVERITY_ERROR, SECTION_CAPTURE, NULL,
                    r->frame, "%s: after frame %u: %s", r->name, r->frame, pcap_geterr (pcap));
  pcap_close (pcap);
  if (dlt != DLT_EN10MB && dlt != DLT_LINUX_SLL && dlt != DLT_NULL && dlt != DLT_LOOP &&
      dlt != DLT_RAW
#ifdef DLT_LINUX_SLL2
      && dlt != DLT_LINUX_SLL2
#endif
#ifdef DLT_IPV4
      && dlt != DLT_IPV4 && dlt != DLT_IPV6
#endif
  )
    cpm_report_add (r->report, "capture.link-type", CPM_SEVERITY_ERROR, SECTION_CAPTURE, NULL, 0,
                    "%s: link type %d (%s) is not read", r->name, dlt,
                    pcap_datalink_val_to_name (dlt) ?: "unknown");
  return TRUE;
}

/* ------------------------------------------------------------------------
 * Text and CPIM
 * ------------------------------------------------------------------------ */

static GByteArray *
read_all (GInputStream *in, GError **error)
{
  GByteArray *all = g_byte_array_new ();
  guint8 buf[65536];
  gssize n;

  while ((n = g_input_stream_read (in, buf, sizeof buf, NULL, error)) > 0)
    g_byte_array_append (all, buf, (guint) n);
  if (n < 0) {
    g_byte_array_unref (all);
    return NULL;
  }
  return all;
}

/* Appends a chunk of a text capture; a file whose first chunk has no CR
 * was written with LF line ends, and the wire had CRLF. */
static void
append_text (Stream *s, const guint8 *d, gsize n, gboolean lf_only)
{
  g_autoptr (GByteArray) out = NULL;

  if (!lf_only) {
    stream_append (s, d, n, 0, 0);
    return;
  }
  out = g_byte_array_sized_new ((guint) (n + n / 16));
  for (gsize i = 0; i < n; i++) {
    if (d[i] == '\n')
      g_byte_array_append (out, (const guint8 *) "\r", 1);
    g_byte_array_append (out, d + i, 1);
  }
  stream_append (s, out->data, out->len, 0, 0);
}

/* Text is read in chunks: messages are handed out as they complete, so
 * memory holds one message, not the file. */
static gboolean
read_text (Reader *r, GInputStream *input, CpmCaptureFormat format, GError **error)
{
  static const gsize chunk = 65536;
  g_autofree guint8 *buf = g_malloc (chunk);
  Stream *s;
  int lf_only = -1;
  gssize n;

  if (format == CPM_CAPTURE_FORMAT_CPIM) {
    g_autoptr (GByteArray) all = read_all (input, error);
    g_autofree char *source = g_strdup_printf ("%s:line 1", r->name);
    CpmCaptureMessage m = { CPM_CAPTURE_CPIM, NULL, 0, 0, source, "text", FALSE };
    if (!all)
      return FALSE;
    m.data = all->data;
    m.len = all->len;
    r->func (&m, r->user_data);
    return TRUE;
  }
  s = stream_get (r, "text", "text");
  while ((n = g_input_stream_read (input, buf, chunk, NULL, error)) > 0) {
    if (lf_only < 0)
      lf_only = memchr (buf, '\r', (gsize) n) == NULL;
    append_text (s, buf, (gsize) n, lf_only);
    stream_extract (r, s, FALSE);
  }
  stream_extract (r, s, TRUE);
  return n == 0;
}

gboolean
cpm_capture_read (GInputStream *input, const char *name, CpmCaptureFormat format,
                  const CpmCaptureLimits *limits, CpmCaptureFunc func, gpointer user_data,
                  CpmReport *report, GError **error)
{
  g_autoptr (CpmReport) own = report ? cpm_report_ref (report) : cpm_report_new ();
  Reader r = { name, func, user_data, own, NULL, NULL, NULL, 0, 0, g_string_new (NULL),
               g_new0 (FlowSlot, FLOW_SLOTS), NULL, FALSE, strlen (name) };
  gboolean ok;

  r.streams = g_hash_table_new (g_str_hash, g_str_equal);
  r.order = g_ptr_array_new_with_free_func ((GDestroyNotify) stream_free);
  r.tcp = cpm_tcp_flows_new (limits ? limits->max_flows : 0, limits ? limits->max_bytes : 0,
                             on_tcp_data, &r, own);
  switch (format) {
  case CPM_CAPTURE_FORMAT_PCAP:
  case CPM_CAPTURE_FORMAT_PCAPNG:
    ok = read_pcap (&r, input, error);
    break;
  case CPM_CAPTURE_FORMAT_TEXT:
  case CPM_CAPTURE_FORMAT_CPIM:
    ok = read_text (&r, input, format, error);
    break;
  default:
    g_set_error (error, CPM_ERROR, CPM_ERROR_UNSUPPORTED, "%s: not a capture", name);
    ok = FALSE;
  }
  cpm_tcp_flows_finish (r.tcp);
  reader_finish_streams (&r);
  cpm_tcp_flows_free (r.tcp);
  g_hash_table_unref (r.streams);
  g_ptr_array_unref (r.order);
  g_string_free (r.source, TRUE);
  g_free (r.slots);
  return ok;
}
