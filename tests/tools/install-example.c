/* A program outside the tree, built against the installed library with
 * pkg-config only: the public API is self-contained.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <cpmobj/cpmobj.h>
#include <stdio.h>
int main (void) {
  g_autoptr(CpmBuilder) b = cpm_builder_new (CPM_KIND_SMS);
  cpm_builder_set_header (b, "From", "+15145551234@phony.com");
  cpm_builder_set_header (b, "To", "+15145559876@phony.com");
  cpm_builder_set_header (b, "Conversation-ID", "conv1");
  cpm_builder_set_header (b, "Contribution-ID", "contr1");
  cpm_builder_add_header (b, "Accept-Contact", "*;+g.oma.sip-im");
  cpm_builder_set_header (b, "Message-Context", "pager-message");
  cpm_builder_set_generate (b, CPM_GENERATE_DATE | CPM_GENERATE_IMDN_MESSAGE_ID);
  g_autoptr(GBytes) text = g_bytes_new_static ("hi", 2);
  cpm_builder_set_content (b, "text/plain; charset=utf-8", text);
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) o = cpm_builder_build (b, &error);
  if (!o) { printf ("%s\n", error->message); return 1; }
  g_autoptr(CpmReport) r = cpm_validate (o, CPM_PROFILE_DEFAULT);
  printf ("valid=%d n=%u\n", cpm_report_is_valid (r), cpm_report_get_count (r));
  return 0;
}
