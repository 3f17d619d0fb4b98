/* The object and CPIM wrapper around an IMDN notification document, up to
 * the document: shared by the IMDN fuzz targets.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef FUZZ_IMDN_H
#define FUZZ_IMDN_H

static const char imdn_wrapper[] =
  "From: <sip:+15145556789@example.com>\r\n"
  "To: Alice <sip:+15145551234@example.com>\r\n"
  "Date: Tue, 29 Apr 2014 09:48:10 -0800\r\n"
  "Conversation-ID: f81d4fae-7dec-11d0-a765-00a0c91e6bf6\r\n"
  "Contribution-ID: abcdef-1234-5678-90ab-cdef01234567\r\n"
  "P-Asserted-Service: urn:urn-7:3gpp-service.ims.icsi.oma.cpm.msg\r\n"
  "IMDN-Message-ID: imdn-0002\r\n"
  "Content-Type: Message/CPIM\r\n"
  "\r\n"
  "From: <sip:+15145556789@example.com>\r\n"
  "To: <sip:+15145551234@example.com>\r\n"
  "DateTime: 2014-04-29T09:48:10-08:00\r\n"
  "NS: imdn <urn:ietf:params:imdn>\r\n"
  "imdn.Message-ID: imdn-0002\r\n"
  "\r\n"
  "Content-Type: message/imdn+xml\r\n"
  "Content-Disposition: notification\r\n"
  "\r\n";

#endif
