/* libFuzzer target: the File Transfer History XML body (5.2.2), as the
 * first part of a multipart/related object. Seeds: fuzz/seeds.sh.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz-xmlbody.h"

static const char before[] =
  "From: John Doe <jdoe@machine.example.com>\r\n"
  "To: Alice <sip:alice@example.com>\r\n"
  "Date: Fri, 21 Nov 1997 09:55:06 -0600\r\n"
  "Conversation-ID: f81d4fae-7dec-11d0-a765-00a0c91e6bf6\r\n"
  "Contribution-ID: abcdef-1234-5678-90ab-cdef01234567\r\n"
  "P-Asserted-Service: urn:urn-7:3gpp-service.ims.icsi.oma.cpm.filetransfer\r\n"
  "IMDN-Message-ID: 654131a654131a131bfrufh37846r44tcbrfb94656\r\n"
  "Content-type: multipart/related;boundary=cpm; type=\"Application/X-CPM-File-Transfer\"\r\n"
  "\r\n"
  "--cpm\r\n"
  "Content-Type: Application/X-CPM-File-Transfer\r\n"
  "\r\n";
static const char after[] =
  "\r\n--cpm\r\n"
  "Content-Type: image/jpeg\r\n"
  "Content-Transfer-Encoding: binary\r\n"
  "Content-ID: <1234@example.com>\r\n"
  "\r\n"
  "JFIF\r\n"
  "--cpm--\r\n";

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  return fuzz_xml_body (CPM_KIND_FILE_TRANSFER, before, after, data, size);
}
