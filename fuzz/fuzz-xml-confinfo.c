/* libFuzzer target: the Conference Information XML body (5.2.6, RFC 4575).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz-xmlbody.h"

static const char before[] =
  "From: <sip:da9274453@company.com>\r\n"
  "To: <tel:+16135551212>\r\n"
  "Date: Thu, 24 Dec 2015 14:40:10 -0500\r\n"
  "Conversation-ID: 9a0c1b2d-gso-conv-0001\r\n"
  "Contribution-ID: 9a0c1b2d-gso-contrib-0001\r\n"
  "IMDN-Message-ID: conf-0002\r\n"
  "MIME-Version: 1.0\r\n"
  "Content-Type: application/conference-info+xml\r\n"
  "\r\n";

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  return fuzz_xml_body (CPM_KIND_CONFERENCE_INFO, before, "", data, size);
}
