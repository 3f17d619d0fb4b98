/* libFuzzer target: the session info XML body (5.2.3).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz-xmlbody.h"

static const char before[] =
  "From: John Doe <jdoe@machine.example>\r\n"
  "To: Alice <sip:alice@example.com>\r\n"
  "Date: Tue, 29 Apr 2014 09:46:50 -0800\r\n"
  "Conversation-ID: f81d4fae-7dec-11d0-a765-00a0c91e6bf6\r\n"
  "Contribution-ID: abcdef-1234-5678-90ab-cdef01234567\r\n"
  "P-Asserted-Service: urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session\r\n"
  "IMDN-Message-ID: 654131a654131a654131a654131a8994656\r\n"
  "Content-Type: Application/X-CPM-Session\r\n"
  "\r\n";

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  return fuzz_xml_body (CPM_KIND_SESSION_INFO, before, "", data, size);
}
