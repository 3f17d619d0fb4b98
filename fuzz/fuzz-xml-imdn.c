/* libFuzzer target: the IMDN XML body (RFC 5438) inside its CPIM wrapper.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz-xmlbody.h"
#include "fuzz-imdn.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  return fuzz_xml_body (CPM_KIND_IMDN, imdn_wrapper, "", data, size);
}
