/* TCP reassembly: order, retransmissions, overlaps, gaps, limits.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"

#include "cpm-capture-private.h"

#include <string.h>

typedef struct {
  GString *bytes;
  guint gaps;
  gsize gap_bytes;
  GString *frames;
} Sink;

static void
on_data (const char *flow, const guint8 *data, gsize len, guint frame, gint64 time_us,
         gpointer user_data)
{
  Sink *s = user_data;

  if (!data) {
    s->gaps += len > 0;
    s->gap_bytes += len;
    g_string_append_c (s->bytes, '|');
    return;
  }
  g_string_append_len (s->bytes, (const char *) data, (gssize) len);
  g_string_append_printf (s->frames, "%u ", frame);
}

static void
sink_clear (Sink *s)
{
  g_string_free (s->bytes, TRUE);
  g_string_free (s->frames, TRUE);
}

#define SEG(t, seq, text, frame) \
  cpm_tcp_flows_segment ((t), "a:1 > b:2", (seq), FALSE, FALSE, (const guint8 *) (text), \
                         strlen (text), (frame), 0)

static void
test_in_order_and_out_of_order (void)
{
  Sink s = { g_string_new (NULL), 0, 0, g_string_new (NULL) };
  g_autoptr (CpmReport) report = cpm_report_new ();
  CpmTcpFlows *t = cpm_tcp_flows_new (0, 0, on_data, &s, report);

  cpm_tcp_flows_segment (t, "a:1 > b:2", 99, TRUE, FALSE, NULL, 0, 1, 0);
  SEG (t, 100, "Hello ", 2);
  SEG (t, 112, "world", 4);      /* ahead: held */
  g_assert_cmpstr (s.bytes->str, ==, "Hello ");
  SEG (t, 106, "there ", 3);     /* fills the hole */
  g_assert_cmpstr (s.bytes->str, ==, "Hello there world");
  g_assert_cmpstr (s.frames->str, ==, "2 3 4 ");
  cpm_tcp_flows_finish (t);
  g_assert_cmpuint (s.gaps, ==, 0);
  cpm_test_assert_clean (report);
  cpm_tcp_flows_free (t);
  sink_clear (&s);
}

static void
test_retransmission_and_overlap (void)
{
  Sink s = { g_string_new (NULL), 0, 0, g_string_new (NULL) };
  g_autoptr (CpmReport) report = cpm_report_new ();
  CpmTcpFlows *t = cpm_tcp_flows_new (0, 0, on_data, &s, report);

  cpm_tcp_flows_segment (t, "a:1 > b:2", 0xfffffffe, TRUE, FALSE, NULL, 0, 1, 0);
  /* sequence numbers wrap around 2^32 */
  SEG (t, 0xffffffff, "abcd", 2);
  SEG (t, 0xffffffff, "abcd", 3);   /* retransmission: dropped */
  SEG (t, 1, "cdefgh", 4);          /* overlaps "cd": only "efgh" is new */
  SEG (t, 5, "gh", 5);              /* all old */
  cpm_tcp_flows_finish (t);
  g_assert_cmpstr (s.bytes->str, ==, "abcdefgh");
  g_assert_cmpuint (cpm_tcp_flows_get_retransmissions (t), ==, 3);
  cpm_test_assert_clean (report);
  cpm_tcp_flows_free (t);
  sink_clear (&s);
}

static void
test_gap_reported (void)
{
  Sink s = { g_string_new (NULL), 0, 0, g_string_new (NULL) };
  g_autoptr (CpmReport) report = cpm_report_new ();
  CpmTcpFlows *t = cpm_tcp_flows_new (0, 0, on_data, &s, report);
  const CpmDiagnostic *d;

  cpm_tcp_flows_segment (t, "a:1 > b:2", 999, TRUE, FALSE, NULL, 0, 1, 0);
  SEG (t, 1000, "0123456789", 2);
  SEG (t, 1015, "fghij", 3); /* bytes 10..14 never come */
  g_assert_cmpstr (s.bytes->str, ==, "0123456789");
  cpm_tcp_flows_finish (t);
  g_assert_cmpstr (s.bytes->str, ==, "0123456789|fghij");
  g_assert_cmpuint (s.gaps, ==, 1);
  g_assert_cmpuint (s.gap_bytes, ==, 5);
  cpm_test_assert_rules (report, "capture.tcp-gap", NULL);
  d = cpm_report_get (report, 0);
  g_assert_nonnull (strstr (d->message, "5 bytes missing at stream offset 10"));
  g_assert_nonnull (strstr (d->message, "a:1 > b:2"));
  cpm_tcp_flows_free (t);
  sink_clear (&s);
}

static void
test_no_syn_starts_at_lowest (void)
{
  Sink s = { g_string_new (NULL), 0, 0, g_string_new (NULL) };
  g_autoptr (CpmReport) report = cpm_report_new ();
  CpmTcpFlows *t = cpm_tcp_flows_new (0, 0, on_data, &s, report);

  /* the capture began mid-connection and its first segments came out of order */
  SEG (t, 505, "world", 2);
  SEG (t, 500, "hello", 1);
  cpm_tcp_flows_finish (t);
  g_assert_cmpstr (s.bytes->str, ==, "helloworld");
  cpm_test_assert_clean (report);
  cpm_tcp_flows_free (t);
  sink_clear (&s);
}

static void
test_limits (void)
{
  Sink s = { g_string_new (NULL), 0, 0, g_string_new (NULL) };
  g_autoptr (CpmReport) report = cpm_report_new ();
  CpmTcpFlows *t = cpm_tcp_flows_new (2, 8, on_data, &s, report);

  cpm_tcp_flows_segment (t, "f1", 0, TRUE, FALSE, NULL, 0, 1, 0);
  cpm_tcp_flows_segment (t, "f2", 0, TRUE, FALSE, NULL, 0, 2, 0);
  cpm_tcp_flows_segment (t, "f3", 0, TRUE, FALSE, (const guint8 *) "x", 1, 3, 0);
  /* more than 8 bytes held waiting for byte 1 of f1: it gives up waiting */
  cpm_tcp_flows_segment (t, "f1", 5, FALSE, FALSE, (const guint8 *) "0123456789", 10, 4, 0);
  g_assert_cmpstr (s.bytes->str, ==, "|0123456789");
  cpm_tcp_flows_finish (t);
  cpm_test_assert_rules (report, "capture.limit-flows", "capture.limit-bytes", "capture.tcp-gap",
                         NULL);
  cpm_tcp_flows_free (t);
  sink_clear (&s);
}

/* A flow whose bytes up to its FIN are delivered ends: its place is free
 * for the next one, even when the FIN came before the last data. */
static void
test_fin_frees_flow (void)
{
  Sink s = { g_string_new (NULL), 0, 0, g_string_new (NULL) };
  g_autoptr (CpmReport) report = cpm_report_new ();
  CpmTcpFlows *t = cpm_tcp_flows_new (1, 0, on_data, &s, report);

  cpm_tcp_flows_segment (t, "f1", 0, TRUE, FALSE, NULL, 0, 1, 0);
  cpm_tcp_flows_segment (t, "f1", 4, FALSE, TRUE, (const guint8 *) "def", 3, 3, 0);
  g_assert_cmpuint (s.gaps, ==, 0);
  cpm_tcp_flows_segment (t, "f1", 1, FALSE, FALSE, (const guint8 *) "abc", 3, 2, 0);
  /* delivered, then the end signal (a NULL chunk of length 0) */
  g_assert_cmpstr (s.bytes->str, ==, "abcdef|");
  cpm_tcp_flows_segment (t, "f2", 0, TRUE, FALSE, NULL, 0, 4, 0);
  cpm_tcp_flows_segment (t, "f2", 1, FALSE, FALSE, (const guint8 *) "xyz", 3, 5, 0);
  g_assert_cmpstr (s.bytes->str, ==, "abcdef|xyz");
  cpm_tcp_flows_finish (t);
  cpm_test_assert_clean (report);
  cpm_tcp_flows_free (t);
  sink_clear (&s);
}

static void
on_named (const char *flow, const guint8 *data, gsize len, guint frame, gint64 time_us,
          gpointer user_data)
{
  GString *out = user_data;

  g_string_append_printf (out, "%s=", flow);
  if (data)
    g_string_append_len (out, (const char *) data, (gssize) len);
  else
    g_string_append_printf (out, "|%" G_GSIZE_FORMAT, len);
  g_string_append_c (out, ';');
}

/* Flow names asked with from one buffer rewritten per segment (as the
 * reader keeps a packet's flow name): each segment still goes to the flow
 * its name says, and a flow closed and begun again under the same name at
 * the same place is a new flow. */
static void
test_names_in_one_buffer (void)
{
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (CpmReport) report = cpm_report_new ();
  CpmTcpFlows *t = cpm_tcp_flows_new (2, 0, on_named, out, report);
  char name[32];

#define NAMED(n, seq, syn, fin, text, frame) \
  (g_strlcpy (name, (n), sizeof name), \
   cpm_tcp_flows_segment (t, name, (seq), (syn), (fin), (const guint8 *) (text), strlen (text), \
                          (frame), 0))
  NAMED ("a:1 > b:2", 0, TRUE, FALSE, "", 1);
  NAMED ("c:3 > d:4", 50, TRUE, FALSE, "", 2);
  NAMED ("a:1 > b:2", 1, FALSE, FALSE, "ab", 3);
  NAMED ("c:3 > d:4", 51, FALSE, FALSE, "cd", 4);
  NAMED ("a:1 > b:2", 3, FALSE, TRUE, "e", 5);
  NAMED ("c:3 > d:4", 53, FALSE, FALSE, "f", 6);
  /* a's place is free: a third flow fits, and a:1 > b:2 again is new */
  NAMED ("e:5 > f:6", 6, TRUE, FALSE, "g", 7);
  NAMED ("c:3 > d:4", 54, FALSE, FALSE, "h", 8);
  g_assert_cmpstr (out->str, ==, "a:1 > b:2=ab;c:3 > d:4=cd;a:1 > b:2=e;a:1 > b:2=|0;"
                                 "c:3 > d:4=f;e:5 > f:6=g;c:3 > d:4=h;");
  NAMED ("a:1 > b:2", 9, FALSE, FALSE, "i", 9);
  cpm_test_assert_rules (report, "capture.limit-flows", NULL);
#undef NAMED
  cpm_tcp_flows_finish (t);
  cpm_tcp_flows_free (t);
}

int
main (int argc, char **argv)
{
  cpm_test_init (&argc, &argv);
  g_test_add_func ("/tcp/order", test_in_order_and_out_of_order);
  g_test_add_func ("/tcp/retransmission-overlap", test_retransmission_and_overlap);
  g_test_add_func ("/tcp/gap", test_gap_reported);
  g_test_add_func ("/tcp/no-syn", test_no_syn_starts_at_lowest);
  g_test_add_func ("/tcp/limits", test_limits);
  g_test_add_func ("/tcp/fin", test_fin_frees_flow);
  g_test_add_func ("/tcp/names-in-one-buffer", test_names_in_one_buffer);
  return g_test_run ();
}
