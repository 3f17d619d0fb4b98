/* libFuzzer target: the Group State Object XML body (5.2.4).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz-xmlbody.h"

static const char before[] =
  "From: <sip:da9274453@company.com>\r\n"
  "To: <tel:+16135551212>\r\n"
  "Date: Thu, 24 Dec 2015 14:39:57 -0500\r\n"
  "Conversation-ID: 9a0c1b2d-gso-conv-0001\r\n"
  "Contribution-ID: 9a0c1b2d-gso-contrib-0001\r\n"
  "IMDN-Message-ID: gso-0002\r\n"
  "Content-Type: application/group-state-object+xml\r\n"
  "\r\n";

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  return fuzz_xml_body (CPM_KIND_GROUP_STATE, before, "", data, size);
}
