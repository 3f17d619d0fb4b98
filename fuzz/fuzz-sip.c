/* libFuzzer target: SIP message parser and framing (cpm-sip.c).
 *
 * The framing promise checked: cpm_sip_frame_length never claims more
 * bytes than it was given.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz-common.h"
#include "cpm-capture-private.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  gssize frame = cpm_sip_frame_length (data, size);
  CpmSipMessage *msg;

  FUZZ_ASSERT (frame >= -1 && frame <= (gssize) size);
  msg = cpm_sip_message_parse (data, size, &error);
  if (!msg) {
    FUZZ_ASSERT (error != NULL);
    return 0;
  }
  {
    GPtrArray *parts = cpm_sip_message_body_parts (msg);
    const char *from = cpm_sip_message_get_header (msg, "From");
    const char *ct = cpm_sip_message_get_header (msg, "Content-Type");
    g_autofree char *key = cpm_sip_transaction_key (msg);
    g_autofree char *uri = from ? cpm_sip_addr_uri (from) : NULL;
    g_autofree char *param = ct ? cpm_sip_param (ct, "boundary") : NULL;

    (void) key;
    (void) uri;
    (void) param;
    (void) cpm_sip_parts_find (parts, "message/cpim");
    g_ptr_array_unref (parts);
  }
  cpm_sip_message_free (msg);
  return 0;
}
