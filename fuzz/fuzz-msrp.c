/* libFuzzer target: MSRP message parser, framing and chunk reassembly
 * (cpm-msrp.c). The input is cut into frames the way the capture reader
 * cuts a TCP stream, and every parsed SEND goes through one assembler with a
 * small buffer, so its limit is hit often.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz-common.h"
#include "cpm-capture-private.h"

static void
add_chunk (CpmMsrpAssembler *as, const guint8 *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  CpmMsrpMessage *msg = cpm_msrp_message_parse (data, len, &error);
  CpmMsrpAssembled *done;
  const char *range;
  guint64 start, end, total;

  if (!msg) {
    FUZZ_ASSERT (error != NULL);
    return;
  }
  range = cpm_msrp_message_get_header (msg, "Byte-Range");
  if (range)
    (void) cpm_msrp_parse_byte_range (range, &start, &end, &total);
  if (msg->is_request && g_strcmp0 (msg->method, "SEND") == 0) {
    done = cpm_msrp_assembler_add (as, msg, "1", 0);
    if (done)
      cpm_msrp_assembled_free (done);
  }
  {
    const char *to = cpm_msrp_message_get_header (msg, "To-Path");
    g_autofree char *session = to ? cpm_msrp_uri_session (to) : NULL;
    (void) session;
  }
  cpm_msrp_message_free (msg);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  CpmMsrpAssembler *as = cpm_msrp_assembler_new (4096);
  gsize pos = 0;
  GPtrArray *left;

  while (pos < size) {
    gssize n = cpm_msrp_frame_length (data + pos, size - pos);

    /* -1: no MSRP start line here; 0: no end-line yet */
    FUZZ_ASSERT (n >= -1 && n <= (gssize) (size - pos));
    if (n <= 0)
      n = (gssize) (size - pos); /* the rest, as one (truncated) message */
    add_chunk (as, data + pos, (gsize) n);
    pos += (gsize) n;
  }
  left = cpm_msrp_assembler_drain (as);
  for (guint i = 0; i < left->len; i++)
    FUZZ_ASSERT (((CpmMsrpAssembled *) left->pdata[i])->problem != NULL);
  g_ptr_array_unref (left);
  cpm_msrp_assembler_free (as);
  return 0;
}
