/* Shared body of the capture targets: the input is read as a capture of
 * one format with small reassembly limits (so they are hit), and every
 * message delivered is parsed as what it claims to be.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_FUZZ_CAPTURE_H
#define CPM_FUZZ_CAPTURE_H

#include "fuzz-common.h"
#include "cpm-capture-private.h"

static void
fuzz_capture_message (const CpmCaptureMessage *m, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  FUZZ_ASSERT (m->source != NULL && m->transport != NULL);
  FUZZ_ASSERT (m->data != NULL || m->len == 0);
  if (m->protocol == CPM_CAPTURE_SIP) {
    CpmSipMessage *sip = cpm_sip_message_parse (m->data, m->len, &error);
    if (sip)
      cpm_sip_message_free (sip);
  } else if (m->protocol == CPM_CAPTURE_MSRP) {
    CpmMsrpMessage *msrp = cpm_msrp_message_parse (m->data, m->len, &error);
    if (msrp)
      cpm_msrp_message_free (msrp);
  }
  (*(guint *) user_data)++;
}

static int
fuzz_capture (CpmCaptureFormat format, const uint8_t *data, size_t size)
{
  /* small enough that fuzzed inputs reach them */
  const CpmCaptureLimits limits = { .max_flows = 8, .max_bytes = 64 * 1024 };
  g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data (data, size, NULL);
  g_autoptr(CpmReport) report = cpm_report_new ();
  g_autoptr(GError) error = NULL;
  guint n = 0;

  if (!cpm_capture_read (in, "fuzz", format, &limits, fuzz_capture_message, &n, report, &error))
    FUZZ_ASSERT (error != NULL);
  fuzz_check_report (report);
  return 0;
}

#endif
