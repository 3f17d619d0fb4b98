/* Stand-alone Media Objects (5.2.5): the MIME wrapping.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"

#include <string.h>

typedef struct {
  const char *file;
  const char *rule;
} Case;

static const Case cases[] = {
  { "media/valid-image.eml", NULL },
  { "media/valid-multipart.eml", NULL },
  { "media/valid-text-only-content-type.eml", NULL },
  { "media/invalid-media-encoding.eml", "media.encoding" },
  { "media/invalid-media-encoding-unknown.eml", "media.encoding" },
  { "media/invalid-media-encoding-qp.eml", "media.encoding" },
  { "media/invalid-media-encoding-composite.eml", "media.encoding" },
  { "media/invalid-media-mime.eml", "media.mime" },
  { "media/invalid-media-mime-truncated.eml", "media.mime" },
  /* 40 nested multiparts: over CpmLimits.max_mime_depth (32). */
  { "media/invalid-limit-mime-depth.eml", "limit.mime-depth" },
};

static void
test_fixture (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(CpmObject) obj = cpm_test_load_object (c->file);
  g_assert_cmpint (cpm_object_get_kind (obj), ==, CPM_KIND_MEDIA);
  for (CpmProfile p = CPM_PROFILE_1_0; p <= CPM_PROFILE_2_2; p++) {
    g_autoptr(CpmReport) r = cpm_validate (obj, p);
    cpm_test_assert_rules (r, c->rule, NULL);
    for (guint i = 0; i < cpm_report_get_count (r); i++)
      g_assert_cmpuint (cpm_report_get (r, i)->line, >, 0);
  }
}

/* The diagnostic points into the part that is wrong. */
static void
test_lines (void)
{
  g_autoptr(CpmObject) obj = cpm_test_load_object ("media/invalid-media-encoding-qp.eml");
  g_autoptr(CpmReport) r = cpm_validate (obj, CPM_PROFILE_2_2);
  g_assert_cmpuint (cpm_report_get_count (r), ==, 1);
  const CpmDiagnostic *d = cpm_report_get (r, 0);
  g_assert_cmpuint (d->line, ==, 9);
  g_assert_nonnull (strstr (d->message, "two hex digits"));
}

/* 5.2.5: "The CPM MIME headers defined for the message object are not
 * applicable to the standalone Media Objects". A CPM header makes the
 * object look like a message; stored as media, the registry says so. */
static void
test_cpm_header (void)
{
  g_autoptr(CpmObject) obj = cpm_test_load_object ("media/invalid-media-cpm-header.eml");
  g_assert_cmpint (cpm_object_get_kind (obj), !=, CPM_KIND_MEDIA);
  cpm_object_set_kind (obj, CPM_KIND_MEDIA);
  g_autoptr(CpmReport) r = cpm_validate (obj, CPM_PROFILE_2_2);
  cpm_test_assert_rules (r, "conversation-id.not-applicable", NULL);
}

int
main (int argc, char **argv)
{
  cpm_test_init (&argc, &argv);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *name = g_strdup_printf ("/media/fixture/%s", cases[i].file + 6);
    g_test_add_data_func (name, &cases[i], test_fixture);
  }
  g_test_add_func ("/media/lines", test_lines);
  g_test_add_func ("/media/cpm-header", test_cpm_header);
  return g_test_run ();
}
