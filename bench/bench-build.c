/* Build throughput: objects assembled and serialized per second.
 *
 * usage: bench-build MODE KIND N
 *   MODE cpm    CpmBuilder -> cpm_builder_build -> cpm_object_serialize
 *   MODE gmime  the same object through GMime's object API, serialized
 *   KIND chat   text chat message in its CPIM wrapper
 *   KIND ft     file transfer history with a 100 KB file
 * Prints one line: "MODE KIND objects bytes cpu_seconds peak_rss_kb".
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <cpmobj/cpmobj.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* CPU time, not wall time: the figures must hold on a loaded machine. */
static gint64
cpu_usec (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#define FILE_SIZE (100 * 1024)
#define FT_XML "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<file-transfer>\r\n" \
  "<file-transfer-type>1-1</file-transfer-type>\r\n<sdp>\r\n" \
  "a=file-selector:name:\"photo.jpg\" type:image/jpeg size:102400\r\n</sdp>\r\n" \
  "<file-object>\r\n<cid>cid:f1@example.com</cid>\r\n</file-object>\r\n</file-transfer>\r\n"

static const char *const text = "Here is the text of my message, a little longer than hello.";

static void
common_headers (CpmBuilder *b, guint i, const char *service)
{
  char id[64];
  cpm_builder_set_header (b, "From", "Bob <sip:+15145551234@ims.example.com>");
  cpm_builder_set_header (b, "To", "<tel:+15145559876>");
  g_snprintf (id, sizeof id, "c0nv%08x", i);
  cpm_builder_set_header (b, "Conversation-ID", id);
  g_snprintf (id, sizeof id, "c0ntr%08x", i);
  cpm_builder_set_header (b, "Contribution-ID", id);
  g_snprintf (id, sizeof id, "imdn%08x", i);
  cpm_builder_set_header (b, "IMDN-Message-ID", id);
  cpm_builder_set_header (b, "P-Asserted-Service", service);
  cpm_builder_add_header (b, "Accept-Contact", "*;+g.oma.sip-im");
}

static gsize
build_cpm (const char *kind, guint i, GDateTime *date, GBytes *file)
{
  gboolean chat = strcmp (kind, "chat") == 0;
  g_autoptr(CpmBuilder) b = cpm_builder_new (chat ? CPM_KIND_CHAT : CPM_KIND_FILE_TRANSFER);
  common_headers (b, i, chat ? "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session"
                             : "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.filetransfer");
  cpm_builder_set_date (b, date);
  if (chat) {
    g_autoptr(GBytes) content = g_bytes_new_static (text, strlen (text));
    cpm_builder_set_content (b, "text/plain; charset=utf-8", content);
  } else {
    g_autoptr(GBytes) xml = g_bytes_new_static (FT_XML, strlen (FT_XML));
    cpm_builder_set_content (b, "Application/X-CPM-File-Transfer", xml);
    cpm_builder_add_part (b, "image/jpeg", "f1@example.com", "photo.jpg", file);
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) o = cpm_builder_build (b, &error);
  if (!o)
    g_error ("build failed: %s", error->message);
  g_autoptr(GBytes) out = cpm_object_serialize (o);
  return g_bytes_get_size (out);
}

/* The same object through GMime: a message whose body is a message/cpim
 * part holding the CPIM headers and the inner entity as text, or a
 * multipart/related with the XML root and the base64 file. */
static GMimeObject *
gmime_body (const char *kind, guint i, GBytes *file)
{
  if (strcmp (kind, "chat") == 0) {
    GMimePart *part = g_mime_part_new_with_type ("message", "cpim");
    g_autofree char *cpim = g_strdup_printf (
      "From: <sip:bob@ims.example.com>\r\nTo: <tel:+15145559876>\r\n"
      "NS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: imdn%08x\r\n"
      "DateTime: 2014-04-29T09:47:00-08:00\r\n\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", i, text);
    GMimeStream *s = g_mime_stream_mem_new_with_buffer (cpim, strlen (cpim));
    GMimeDataWrapper *w = g_mime_data_wrapper_new_with_stream (s, GMIME_CONTENT_ENCODING_DEFAULT);
    g_mime_part_set_content (part, w);
    g_object_unref (w);
    g_object_unref (s);
    return GMIME_OBJECT (part);
  }
  GMimeMultipart *mp = GMIME_MULTIPART (g_mime_multipart_new_with_subtype ("related"));
  g_mime_multipart_set_boundary (mp, "cpm");
  GMimePart *root = g_mime_part_new_with_type ("Application", "X-CPM-File-Transfer");
  GMimeStream *s = g_mime_stream_mem_new_with_buffer (FT_XML, strlen (FT_XML));
  GMimeDataWrapper *w = g_mime_data_wrapper_new_with_stream (s, GMIME_CONTENT_ENCODING_DEFAULT);
  g_mime_part_set_content (root, w);
  g_object_unref (w);
  g_object_unref (s);
  g_mime_multipart_add (mp, GMIME_OBJECT (root));
  g_object_unref (root);
  GMimePart *img = g_mime_part_new_with_type ("image", "jpeg");
  gsize len;
  const guint8 *data = g_bytes_get_data (file, &len);
  s = g_mime_stream_mem_new_with_buffer ((const char *) data, len);
  w = g_mime_data_wrapper_new_with_stream (s, GMIME_CONTENT_ENCODING_DEFAULT);
  g_mime_part_set_content (img, w);
  g_mime_part_set_content_encoding (img, GMIME_CONTENT_ENCODING_BASE64);
  g_mime_part_set_content_id (img, "f1@example.com");
  g_object_unref (w);
  g_object_unref (s);
  g_mime_multipart_add (mp, GMIME_OBJECT (img));
  g_object_unref (img);
  return GMIME_OBJECT (mp);
}

static gsize
build_gmime (const char *kind, guint i, GDateTime *date, GBytes *file)
{
  GMimeMessage *m = g_mime_message_new (FALSE);
  GMimeObject *o = GMIME_OBJECT (m);
  char id[64];
  g_mime_object_set_header (o, "From", "Bob <sip:+15145551234@ims.example.com>", NULL);
  g_mime_object_set_header (o, "To", "<tel:+15145559876>", NULL);
  g_mime_message_set_date (m, date);
  g_snprintf (id, sizeof id, "c0nv%08x", i);
  g_mime_object_set_header (o, "Conversation-ID", id, NULL);
  g_snprintf (id, sizeof id, "c0ntr%08x", i);
  g_mime_object_set_header (o, "Contribution-ID", id, NULL);
  g_snprintf (id, sizeof id, "imdn%08x", i);
  g_mime_object_set_header (o, "IMDN-Message-ID", id, NULL);
  g_mime_object_set_header (o, "P-Asserted-Service",
                            "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session", NULL);
  g_mime_object_append_header (o, "Accept-Contact", "*;+g.oma.sip-im", NULL);
  GMimeObject *body = gmime_body (kind, i, file);
  g_mime_message_set_mime_part (m, body);
  g_object_unref (body);
  char *out = g_mime_object_to_string (o, NULL);
  gsize n = strlen (out);
  g_free (out);
  g_object_unref (m);
  return n;
}

int
main (int argc, char **argv)
{
  if (argc != 4) {
    g_printerr ("usage: bench-build cpm|gmime chat|ft N\n");
    return 2;
  }
  g_mime_init ();
  guint n = (guint) g_ascii_strtoull (argv[3], NULL, 10);
  gboolean cpm = strcmp (argv[1], "cpm") == 0;
  g_autoptr(GDateTime) date = g_date_time_new_from_iso8601 ("2014-04-29T09:47:00-08:00", NULL);
  guint8 *data = g_malloc (FILE_SIZE);
  for (gsize i = 0; i < FILE_SIZE; i++)
    data[i] = (guint8) (i * 2654435761u >> 13);
  g_autoptr(GBytes) file = g_bytes_new_take (data, FILE_SIZE);
  guint64 bytes = 0;
  gint64 t0 = cpu_usec ();
  for (guint i = 0; i < n; i++)
    bytes += cpm ? build_cpm (argv[2], i, date, file) : build_gmime (argv[2], i, date, file);
  double secs = (double) (cpu_usec () - t0) / 1e6;
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  printf ("%s %s %u %" G_GUINT64_FORMAT " %.3f %ld\n", argv[1], argv[2], n, bytes, secs,
          ru.ru_maxrss);
  return 0;
}
