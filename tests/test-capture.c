/* Capture reading: formats, link layers, IP versions, TCP streams, text
 * logs, and the damage reports (fragments, gaps, cut files).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"

#include "cpm-capture-private.h"

#include <string.h>

typedef struct {
  CpmCaptureProtocol protocol;
  GBytes *bytes;
  gint64 time_us;
  char *source;
  gboolean truncated;
} Msg;

static void
msg_free (Msg *m)
{
  g_bytes_unref (m->bytes);
  g_free (m->source);
  g_free (m);
}

static void
collect (const CpmCaptureMessage *cm, gpointer user_data)
{
  Msg *m = g_new0 (Msg, 1);

  m->protocol = cm->protocol;
  m->bytes = g_bytes_new (cm->data, cm->len);
  m->time_us = cm->time_us;
  m->source = g_strdup (cm->source);
  m->truncated = cm->truncated;
  g_ptr_array_add (user_data, m);
}

static GPtrArray *
read_bytes (GBytes *bytes, const char *name, CpmReport *report)
{
  g_autoptr (GInputStream) in = g_memory_input_stream_new_from_bytes (bytes);
  g_autoptr (GError) error = NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) msg_free);
  gsize n = 0;
  const guint8 *d = g_bytes_get_data (bytes, &n);

  g_assert_true (cpm_capture_read (in, name, cpm_capture_detect_format (d, n), NULL, collect, out,
                                   report, &error));
  g_assert_no_error (error);
  return out;
}

static GPtrArray *
read_fixture (const char *name, CpmReport *report)
{
  g_autofree char *rel = g_strconcat ("capture/", name, NULL);
  g_autoptr (GBytes) bytes = cpm_test_load (rel);

  return read_bytes (bytes, name, report);
}

static gboolean
starts (const Msg *m, const char *prefix)
{
  gsize n = 0;
  const char *d = g_bytes_get_data (m->bytes, &n);

  return n >= strlen (prefix) && memcmp (d, prefix, strlen (prefix)) == 0;
}

static void
test_detect (void)
{
  static const struct { const char *file; CpmCaptureFormat format; } cases[] = {
    { "capture/chat-1to1.pcap", CPM_CAPTURE_FORMAT_PCAP },
    { "capture/group-chat.pcapng", CPM_CAPTURE_FORMAT_PCAPNG },
    { "capture/pager-lf.txt", CPM_CAPTURE_FORMAT_TEXT },
    { "capture/pager-plain.txt", CPM_CAPTURE_FORMAT_TEXT },
    { "capture/chat-crlf.txt", CPM_CAPTURE_FORMAT_TEXT },
    { "capture/message.cpim", CPM_CAPTURE_FORMAT_CPIM },
    /* a stored object holds a CPIM body but is no capture */
    { "samples/chat-message.eml", CPM_CAPTURE_FORMAT_UNKNOWN },
    { "sms/export-sample.xml", CPM_CAPTURE_FORMAT_UNKNOWN },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GBytes) b = cpm_test_load (cases[i].file);
    gsize n = 0;
    const guint8 *d = g_bytes_get_data (b, &n);
    g_assert_cmpint (cpm_capture_detect_format (d, MIN (n, 4096)), ==, cases[i].format);
  }
}

/* chat-1to1 (recorded, scenarios/README.md): INVITE, 200, ACK over TCP;
 * over another TCP connection a SEND sent in 60-byte segments and its 200,
 * a message in three chunks, a reply, an IMDN, each chunk answered; then
 * BYE and its 200 over a new SIP connection on the same ports. */
static void
test_chat_links (void)
{
  static const char *const files[] = { "chat-1to1.pcap", "chat-1to1-vlan.pcap",
                                       "chat-1to1-ipv6-sll.pcap", "chat-1to1-ipv6-sll2.pcapng" };
  static const char *const expect[] = { "INVITE ", "SIP/2.0 200", "ACK ", "MSRP tx01-0 SEND",
                                        "MSRP tx01-0 200", "MSRP tx02-0 SEND", "MSRP tx02-0 200",
                                        "MSRP tx02-1 SEND", "MSRP tx02-1 200", "MSRP tx02-2 SEND",
                                        "MSRP tx02-2 200", "MSRP tx03-0 SEND", "MSRP tx03-0 200",
                                        "MSRP tx04-0 SEND", "MSRP tx04-0 200", "BYE ",
                                        "SIP/2.0 200" };
  g_autoptr (GPtrArray) v4 = NULL;

  for (guint f = 0; f < G_N_ELEMENTS (files); f++) {
    g_autoptr (CpmReport) report = cpm_report_new ();
    GPtrArray *msgs = read_fixture (files[f], report);
    cpm_test_assert_clean (report);
    g_assert_cmpuint (msgs->len, ==, G_N_ELEMENTS (expect));
    for (guint i = 0; i < msgs->len; i++) {
      const Msg *m = msgs->pdata[i];
      if (!starts (m, expect[i]))
        g_error ("%s: message %u is not %s", files[f], i, expect[i]);
      g_assert_false (m->truncated);
      g_assert_cmpint (m->protocol, ==, expect[i][0] == 'M' ? CPM_CAPTURE_MSRP : CPM_CAPTURE_SIP);
    }
    if (f == 0) {
      const Msg *first = msgs->pdata[0], *send = msgs->pdata[3];
      /* the time tcpdump recorded; frames 1-3 are the TCP handshake */
      g_assert_cmpint (first->time_us, >, G_GINT64_CONSTANT (1700000000000000));
      g_assert_cmpstr (first->source, ==, "chat-1to1.pcap:frame 4");
      /* the reassembled SEND parses and came from several frames */
      g_assert_true (g_str_has_prefix (send->source, "chat-1to1.pcap:frames "));
      CpmMsrpMessage *mm = cpm_msrp_message_parse (g_bytes_get_data (send->bytes, NULL),
                                                   g_bytes_get_size (send->bytes), NULL);
      g_assert_nonnull (mm);
      g_assert_cmpstr (cpm_msrp_message_get_header (mm, "Message-ID"), ==, "msrp-m1");
      cpm_msrp_message_free (mm);
      v4 = msgs;
    } else {
      /* the same bytes and times whatever the link layer (the IPv6
       * recordings differ in their addresses) */
      if (f == 1)
        for (guint i = 0; i < msgs->len; i++) {
          cpm_test_assert_bytes_equal (((Msg *) msgs->pdata[i])->bytes,
                                       ((Msg *) v4->pdata[i])->bytes);
          g_assert_cmpint (((Msg *) msgs->pdata[i])->time_us, ==, ((Msg *) v4->pdata[i])->time_us);
        }
      g_ptr_array_unref (msgs);
    }
  }
}

static void
test_loopback_and_raw (void)
{
  g_autoptr (CpmReport) report = cpm_report_new ();
  g_autoptr (GPtrArray) pager = read_fixture ("pager-loopback.pcap", report);
  g_autoptr (GPtrArray) ft = read_fixture ("ft-1to1-raw.pcap", report);

  cpm_test_assert_clean (report);
  /* MESSAGE, 200, the MESSAGE again, 200 again, OPTIONS, 200 */
  g_assert_cmpuint (pager->len, ==, 6);
  g_assert_true (starts (pager->pdata[0], "MESSAGE sip:bob@example.com SIP/2.0"));
  cpm_test_assert_bytes_equal (((Msg *) pager->pdata[0])->bytes, ((Msg *) pager->pdata[2])->bytes);
  g_assert_true (starts (ft->pdata[0], "INVITE "));
  g_assert_true (starts (ft->pdata[3], "MSRP fx02-0 SEND"));
}

static void
test_cut_file (void)
{
  g_autoptr (CpmReport) report = cpm_report_new ();
  g_autoptr (GPtrArray) msgs = read_fixture ("chat-1to1-cut.pcap", report);

  cpm_test_assert_rules (report, "capture.truncated-file", NULL);
  /* everything before the cut frame */
  g_assert_cmpuint (msgs->len, ==, 7);
  g_assert_true (starts (msgs->pdata[5], "MSRP tx02-0 SEND"));
  g_assert_true (starts (msgs->pdata[6], "MSRP tx02-0 200 OK"));
}

static void
test_text (void)
{
  g_autoptr (CpmReport) report = cpm_report_new ();
  g_autoptr (GPtrArray) lf = read_fixture ("pager-lf.txt", report);
  g_autoptr (GPtrArray) plain = read_fixture ("pager-plain.txt", report);
  g_autoptr (GPtrArray) udp = read_fixture ("pager-udp.pcap", report);
  g_autoptr (GPtrArray) chat = read_fixture ("chat-crlf.txt", report);
  const Msg *m;

  cpm_test_assert_clean (report);
  g_assert_cmpuint (lf->len, ==, 6);
  g_assert_cmpuint (plain->len, ==, 6);
  /* LF text is read as the CRLF the wire had: the same bytes as captured */
  for (guint i = 0; i < 6; i++) {
    cpm_test_assert_bytes_equal (((Msg *) lf->pdata[i])->bytes, ((Msg *) udp->pdata[i])->bytes);
    cpm_test_assert_bytes_equal (((Msg *) plain->pdata[i])->bytes, ((Msg *) udp->pdata[i])->bytes);
  }
  m = lf->pdata[1];
  g_assert_cmpstr (m->source, ==, "pager-lf.txt:line 30");
  /* the log marker's time: 12:00:01 */
  g_assert_cmpint (m->time_us, ==, G_GINT64_CONSTANT (1714564801000000));
  g_assert_cmpint (((Msg *) plain->pdata[0])->time_us, ==, 0);
  g_assert_cmpuint (chat->len, ==, 17);
  g_assert_cmpint (((Msg *) chat->pdata[10])->protocol, ==, CPM_CAPTURE_MSRP);
  g_assert_cmpint (((Msg *) chat->pdata[16])->protocol, ==, CPM_CAPTURE_SIP);
}

/* ---- hand-made captures for the damage reports ---- */

static void
put32 (GByteArray *a, guint32 v)
{
  g_byte_array_append (a, (const guint8 *) &v, 4);
}

static GByteArray *
pcap_new (guint32 linktype)
{
  GByteArray *a = g_byte_array_new ();

  put32 (a, 0xa1b2c3d4);
  put32 (a, 2 | 4u << 16);
  put32 (a, 0);
  put32 (a, 0);
  put32 (a, 65535);
  put32 (a, linktype);
  return a;
}

/* An Ethernet frame with IPv4 (@frag_flags in the flags/offset field) and
 * a TCP segment (@seq, @flags) or, for @flags 0, a UDP datagram, from
 * 10.0.0.1:5060 to 10.0.0.2:@dport. */
static void
pcap_add_to (GByteArray *a, guint16 dport, guint16 frag, guint32 seq, guint8 flags,
             const char *payload)
{
  gsize plen = strlen (payload), l4 = flags ? 20 : 8;
  gsize total = 20 + l4 + plen, n = 14 + total;
  guint8 *f = g_malloc0 (n);

  f[12] = 0x08;
  f[14] = 0x45;
  f[16] = (guint8) (total >> 8);
  f[17] = (guint8) total;
  f[20] = (guint8) (frag >> 8);
  f[21] = (guint8) frag;
  f[22] = 64;
  f[23] = flags ? 6 : 17;
  memcpy (f + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
  f[34] = 0x13, f[35] = 0xc4, f[36] = (guint8) (dport >> 8), f[37] = (guint8) dport;
  if (flags) {
    f[38] = (guint8) (seq >> 24), f[39] = (guint8) (seq >> 16);
    f[40] = (guint8) (seq >> 8), f[41] = (guint8) seq;
    f[46] = 5 << 4;
    f[47] = flags;
  } else {
    f[38] = (guint8) ((8 + plen) >> 8), f[39] = (guint8) (8 + plen);
  }
  memcpy (f + 14 + 20 + l4, payload, plen);
  put32 (a, 1714564800);
  put32 (a, 0);
  put32 (a, (guint32) n);
  put32 (a, (guint32) n);
  g_byte_array_append (a, f, (guint) n);
  g_free (f);
}

static void
pcap_add (GByteArray *a, guint16 frag, guint32 seq, guint8 flags, const char *payload)
{
  pcap_add_to (a, 5061, frag, seq, flags, payload);
}

/* The reader keeps an IPv4 flow's names and stream in one of 64 slots
 * picked by a hash of its addresses, ports and protocol; the flows to
 * ports 5061 and 5090 share slot 35. Their segments interleaved, each
 * message is still made of its own flow's bytes only and names its own
 * frames. */
static void
test_flow_slot_collision (void)
{
  GByteArray *a = pcap_new (1);
  g_autoptr (CpmReport) report = cpm_report_new ();
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GPtrArray) msgs = NULL;
  const char *m1a = "MESSAGE sip:one SIP/2.0\r\nCall-ID: ", *m1b = "one\r\nContent-Length: 0\r\n\r\n";
  const char *m2a = "MESSAGE sip:two SIP/2.0\r\nCall", *m2b = "-ID: two\r\nContent-Length: 0\r\n\r\n";

  pcap_add_to (a, 5061, 0x4000, 99, 0x02, "");                    /* frame 1 */
  pcap_add_to (a, 5090, 0x4000, 499, 0x02, "");                   /* frame 2 */
  pcap_add_to (a, 5061, 0x4000, 100, 0x18, m1a);                  /* frame 3 */
  pcap_add_to (a, 5090, 0x4000, 500, 0x18, m2a);                  /* frame 4 */
  pcap_add_to (a, 5061, 0x4000, 100 + (guint32) strlen (m1a), 0x18, m1b); /* frame 5 */
  pcap_add_to (a, 5090, 0x4000, 500 + (guint32) strlen (m2a), 0x18, m2b); /* frame 6 */
  bytes = g_byte_array_free_to_bytes (a);
  msgs = read_bytes (bytes, "made.pcap", report);
  cpm_test_assert_clean (report);
  g_assert_cmpuint (msgs->len, ==, 2);
  g_assert_true (starts (msgs->pdata[0], "MESSAGE sip:one SIP/2.0\r\nCall-ID: one\r\n"));
  g_assert_cmpuint (g_bytes_get_size (((Msg *) msgs->pdata[0])->bytes), ==, strlen (m1a) + strlen (m1b));
  g_assert_cmpstr (((Msg *) msgs->pdata[0])->source, ==, "made.pcap:frames 3,5");
  g_assert_true (starts (msgs->pdata[1], "MESSAGE sip:two SIP/2.0\r\nCall-ID: two\r\n"));
  g_assert_cmpuint (g_bytes_get_size (((Msg *) msgs->pdata[1])->bytes), ==, strlen (m2a) + strlen (m2b));
  g_assert_cmpstr (((Msg *) msgs->pdata[1])->source, ==, "made.pcap:frames 4,6");
}

/* Messages that end inside a segment, begin in one and end in the next,
 * blank lines and other bytes between them: each message whole, named by
 * the frames its bytes came in. */
static void
test_segment_boundaries (void)
{
  GByteArray *a = pcap_new (1);
  g_autoptr (CpmReport) report = cpm_report_new ();
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GPtrArray) msgs = NULL;
  const char *m1 = "MESSAGE sip:one SIP/2.0\r\nCall-ID: one\r\nContent-Length: 0\r\n\r\n";
  const char *m2 = "MESSAGE sip:two SIP/2.0\r\nCall-ID: two\r\nContent-Length: 3\r\n\r\nabc";
  const char *m3 = "MSRP t1 SEND\r\nTo-Path: msrp://x/1;tcp\r\n-------t1$\r\n";
  g_autofree char *seg1 = g_strconcat (m1, "\r\n", "MESSAGE sip:two SIP/2.0\r\nCall", NULL);
  g_autofree char *seg2 = g_strconcat ("-ID: two\r\nContent-Length: 3\r\n\r\nabc", m3, "junk\r\n",
                                       NULL);
  guint32 seq = 100;

  pcap_add_to (a, 5061, 0x4000, 99, 0x02, "");          /* frame 1 */
  pcap_add_to (a, 5061, 0x4000, seq, 0x18, "\r\n");     /* frame 2: a blank line only */
  seq += 2;
  pcap_add_to (a, 5061, 0x4000, seq, 0x18, seg1);       /* frame 3 */
  seq += (guint32) strlen (seg1);
  pcap_add_to (a, 5061, 0x4000, seq, 0x18, seg2);       /* frame 4 */
  seq += (guint32) strlen (seg2);
  pcap_add_to (a, 5061, 0x4000, seq, 0x18, m1);         /* frame 5 */
  bytes = g_byte_array_free_to_bytes (a);
  msgs = read_bytes (bytes, "made.pcap", report);
  cpm_test_assert_rules (report, "capture.not-a-message", NULL);
  g_assert_cmpuint (msgs->len, ==, 4);
  g_assert_cmpuint (g_bytes_get_size (((Msg *) msgs->pdata[0])->bytes), ==, strlen (m1));
  g_assert_true (starts (msgs->pdata[0], m1));
  g_assert_cmpstr (((Msg *) msgs->pdata[0])->source, ==, "made.pcap:frame 3");
  g_assert_cmpuint (g_bytes_get_size (((Msg *) msgs->pdata[1])->bytes), ==, strlen (m2));
  g_assert_true (starts (msgs->pdata[1], m2));
  g_assert_cmpstr (((Msg *) msgs->pdata[1])->source, ==, "made.pcap:frames 3,4");
  g_assert_cmpuint (g_bytes_get_size (((Msg *) msgs->pdata[2])->bytes), ==, strlen (m3));
  g_assert_true (starts (msgs->pdata[2], m3));
  g_assert_cmpint (((Msg *) msgs->pdata[2])->protocol, ==, CPM_CAPTURE_MSRP);
  g_assert_cmpstr (((Msg *) msgs->pdata[2])->source, ==, "made.pcap:frame 4");
  g_assert_true (starts (msgs->pdata[3], m1));
  g_assert_cmpstr (((Msg *) msgs->pdata[3])->source, ==, "made.pcap:frame 5");
  for (guint i = 0; i < msgs->len; i++)
    g_assert_false (((Msg *) msgs->pdata[i])->truncated);
}

/* Over max_reassembly, the flow holding the most gives up waiting: here
 * flow 5090, flushed while a packet of flow 5061 is read. Its gap and its
 * bytes must reach its own stream, not the one the packet's flow slot
 * remembers (5061's, holding the first part of a message still coming). */
static void
test_flow_flushed_in_other_packet (void)
{
  GByteArray *a = pcap_new (1);
  g_autoptr (CpmReport) report = cpm_report_new ();
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GPtrArray) msgs = g_ptr_array_new_with_free_func ((GDestroyNotify) msg_free);
  g_autoptr (GInputStream) in = NULL;
  g_autoptr (GError) error = NULL;
  CpmCaptureLimits limits = { 0 };
  const char *m1a = "MESSAGE sip:one SIP/2.0\r\nCall-ID: ", *m1b = "one\r\n";
  const char *m1c = "Content-Length: 0\r\n\r\n";
  const char *m2 = "MESSAGE sip:two SIP/2.0\r\nCall-ID: two\r\nContent-Length: 0\r\n\r\n";
  guint32 seq_b = 100 + (guint32) strlen (m1a);

  /* 5061's early third segment fits, 5090's ten bytes more do not */
  limits.max_bytes = strlen (m2) + strlen (m1c) - 1;
  pcap_add_to (a, 5061, 0x4000, 99, 0x02, "");                   /* frame 1 */
  pcap_add_to (a, 5090, 0x4000, 499, 0x02, "");                  /* frame 2 */
  pcap_add_to (a, 5061, 0x4000, 100, 0x18, m1a);                 /* frame 3 */
  pcap_add_to (a, 5090, 0x4000, 510, 0x18, m2);                  /* frame 4: 10 bytes lost */
  pcap_add_to (a, 5061, 0x4000, seq_b + (guint32) strlen (m1b), 0x18, m1c); /* frame 5: early */
  pcap_add_to (a, 5061, 0x4000, seq_b, 0x18, m1b);               /* frame 6: the missing part */
  bytes = g_byte_array_free_to_bytes (a);
  in = g_memory_input_stream_new_from_bytes (bytes);
  g_assert_true (cpm_capture_read (in, "made.pcap", CPM_CAPTURE_FORMAT_PCAP, &limits, collect,
                                   msgs, report, &error));
  g_assert_no_error (error);
  cpm_test_assert_rules (report, "capture.limit-bytes", "capture.tcp-gap", NULL);
  g_assert_cmpuint (msgs->len, ==, 2);
  /* 5090's message, whole, from its own frame */
  g_assert_true (starts (msgs->pdata[0], m2));
  g_assert_cmpuint (g_bytes_get_size (((Msg *) msgs->pdata[0])->bytes), ==, strlen (m2));
  g_assert_cmpstr (((Msg *) msgs->pdata[0])->source, ==, "made.pcap:frame 4");
  /* 5061's message, whole: 5090's gap did not cut it */
  g_assert_true (starts (msgs->pdata[1], "MESSAGE sip:one SIP/2.0\r\nCall-ID: one\r\nContent-Length"));
  g_assert_cmpuint (g_bytes_get_size (((Msg *) msgs->pdata[1])->bytes), ==,
                    strlen (m1a) + strlen (m1b) + strlen (m1c));
  g_assert_false (((Msg *) msgs->pdata[1])->truncated);
}

static void
test_fragment_and_gap (void)
{
  GByteArray *a = pcap_new (1);
  g_autoptr (CpmReport) report = cpm_report_new ();
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GPtrArray) msgs = NULL;
  const char *send1 = "MSRP abcd SEND\r\nMessage-ID: m9\r\nByte-Range: 1-10/10\r\n"
                      "Content-Type: text/plain\r\n\r\n01234";
  const char *send2 = "MSRP efgh SEND\r\nMessage-ID: m10\r\nContent-Type: text/plain\r\n\r\n"
                      "x\r\n-------efgh$\r\n";

  pcap_add (a, 0x2000, 0, 0, "MESSAGE sip:b SIP/2.0\r\n");       /* more fragments */
  pcap_add (a, 0x0000, 99, 0x02, "");                            /* SYN */
  pcap_add (a, 0x4000, 100, 0x18, send1);                        /* DF set: not a fragment */
  pcap_add (a, 0x4000, 100 + (guint32) strlen (send1) + 30, 0x18, send2); /* 30 bytes lost */
  bytes = g_byte_array_free_to_bytes (a);
  msgs = read_bytes (bytes, "made.pcap", report);
  cpm_test_assert_rules (report, "capture.ip-fragment", "capture.tcp-gap", NULL);
  g_assert_cmpuint (msgs->len, ==, 2);
  /* the SEND cut by the gap comes out as truncated, the next one whole */
  g_assert_true (((Msg *) msgs->pdata[0])->truncated);
  g_assert_true (starts (msgs->pdata[0], "MSRP abcd SEND"));
  g_assert_false (((Msg *) msgs->pdata[1])->truncated);
  g_assert_true (starts (msgs->pdata[1], "MSRP efgh SEND"));
}

static void
test_unknown_link_and_junk (void)
{
  GByteArray *a = pcap_new (147);
  GByteArray *b = pcap_new (1);
  g_autoptr (CpmReport) r1 = cpm_report_new ();
  g_autoptr (CpmReport) r2 = cpm_report_new ();
  g_autoptr (GBytes) b1 = NULL, b2 = NULL;
  g_autoptr (GPtrArray) m1 = NULL, m2 = NULL;

  pcap_add (a, 0, 0, 0, "MESSAGE sip:b SIP/2.0\r\n\r\n");
  b1 = g_byte_array_free_to_bytes (a);
  m1 = read_bytes (b1, "user0.pcap", r1);
  cpm_test_assert_rules (r1, "capture.link-type", NULL);
  g_assert_cmpuint (m1->len, ==, 0);
  /* a flow carrying SIP and other bytes: the other bytes are named */
  pcap_add (b, 0, 99, 0x02, "");
  pcap_add (b, 0, 100, 0x18, "GET / HTTP/1.1\r\n\r\nOPTIONS sip:b SIP/2.0\r\nl: 0\r\n\r\n");
  b2 = g_byte_array_free_to_bytes (b);
  m2 = read_bytes (b2, "mixed.pcap", r2);
  g_assert_cmpuint (m2->len, ==, 1);
  g_assert_true (starts (m2->pdata[0], "OPTIONS sip:b SIP/2.0"));
  cpm_test_assert_rules (r2, "capture.not-a-message", NULL);
}

static void
test_garbage_never_crashes (void)
{
  g_autoptr (GBytes) orig = cpm_test_load ("capture/group-chat.pcap");
  gsize n = 0;
  const guint8 *d = g_bytes_get_data (orig, &n);
  GRand *rand = g_rand_new_with_seed (4975);

  /* byte flips and truncations of a real capture: any result, no crash */
  for (guint round = 0; round < 200; round++) {
    guint8 *copy = g_memdup2 (d, n);
    gsize len = round % 2 ? n : (gsize) g_rand_int_range (rand, 24, (gint32) n);
    for (guint k = 0; k < 8; k++)
      copy[g_rand_int_range (rand, 24, (gint32) len)] ^= (guint8) g_rand_int_range (rand, 1, 256);
    g_autoptr (GBytes) b = g_bytes_new_take (copy, len);
    g_autoptr (GInputStream) in = g_memory_input_stream_new_from_bytes (b);
    g_autoptr (CpmReport) report = cpm_report_new ();
    g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) msg_free);
    cpm_capture_read (in, "fuzz", CPM_CAPTURE_FORMAT_PCAP, NULL, collect, out, report, NULL);
  }
  g_rand_free (rand);
}

/* Found by fuzz-text-capture: a line of a text log that is not valid
 * UTF-8 went to a UTF-8 GRegex (PCRE2 JIT reads out of bounds on such
 * text; a crash under clang). The fuzzed input reads to its end, and a
 * marker line with a stray byte still gives the messages after it their
 * time. */
static void
test_log_line_not_utf8 (void)
{
  g_autoptr (GBytes) fuzzed = cpm_test_load ("hostile/text-capture-invalid-utf8-line.bin");
  g_autoptr (CpmReport) report = cpm_report_new ();
  g_autoptr (GPtrArray) msgs = read_bytes (fuzzed, "fuzzed.txt", report);
  g_autoptr (GBytes) text = cpm_test_load ("capture/pager-plain.txt");
  g_autoptr (GString) doc = g_string_new ("----- 2024-05-01 12:00:05 \377 -----\n");
  g_autoptr (GBytes) marked = NULL;
  g_autoptr (GPtrArray) timed = NULL;

  g_assert_cmpuint (msgs->len, >, 0);
  g_string_append_len (doc, g_bytes_get_data (text, NULL), (gssize) g_bytes_get_size (text));
  marked = g_string_free_to_bytes (g_steal_pointer (&doc));
  timed = read_bytes (marked, "marked.txt", NULL);
  g_assert_cmpuint (timed->len, >, 0);
  g_assert_cmpint (((Msg *) timed->pdata[0])->time_us, ==, G_GINT64_CONSTANT (1714564805) * G_USEC_PER_SEC);
}

/* Found by fuzz-pcap: a pcapng whose interface's timestamps put a frame
 * some 500,000 years ahead; seconds times 10^6 overflowed a gint64 (UB).
 * A time outside 1970-9999 is no capture time (0: the objects take the
 * CPIM DateTime or are skipped for no date) and is reported once per
 * file, as damage of the capture; the file's other frames keep theirs. */
static void
test_pcap_timestamp_out_of_range (void)
{
  g_autoptr (GBytes) fuzzed = cpm_test_load ("hostile/pcap-timestamp-overflow.pcapng");
  g_autoptr (CpmReport) report = cpm_report_new ();
  g_autoptr (GPtrArray) msgs = read_bytes (fuzzed, "fuzzed.pcapng", report);

  for (guint i = 0; i < msgs->len; i++) {
    g_assert_cmpint (((Msg *) msgs->pdata[i])->time_us, >=, 0);
    g_assert_cmpint (((Msg *) msgs->pdata[i])->time_us, <=,
                     G_GINT64_CONSTANT (253402300799) * G_USEC_PER_SEC + 999999);
  }
  g_assert_true (cpm_report_has_rule (report, "capture.timestamp-range"));
  guint n = 0;
  for (guint i = 0; i < cpm_report_get_count (report); i++)
    n += g_strcmp0 (cpm_report_get (report, i)->rule, "capture.timestamp-range") == 0;
  g_assert_cmpuint (n, ==, 1);
}

int
main (int argc, char **argv)
{
  cpm_test_init (&argc, &argv);
  g_test_add_func ("/capture/detect", test_detect);
  g_test_add_func ("/capture/pcap-timestamp-out-of-range", test_pcap_timestamp_out_of_range);
  g_test_add_func ("/capture/chat-links", test_chat_links);
  g_test_add_func ("/capture/loopback-raw", test_loopback_and_raw);
  g_test_add_func ("/capture/cut-file", test_cut_file);
  g_test_add_func ("/capture/text", test_text);
  g_test_add_func ("/capture/fragment-gap", test_fragment_and_gap);
  g_test_add_func ("/capture/flow-slot-collision", test_flow_slot_collision);
  g_test_add_func ("/capture/segment-boundaries", test_segment_boundaries);
  g_test_add_func ("/capture/flow-flushed-in-other-packet", test_flow_flushed_in_other_packet);
  g_test_add_func ("/capture/link-junk", test_unknown_link_and_junk);
  g_test_add_func ("/capture/garbage", test_garbage_never_crashes);
  g_test_add_func ("/capture/log-line-not-utf8", test_log_line_not_utf8);
  return g_test_run ();
}
