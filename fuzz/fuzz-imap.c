/* libFuzzer target for the IMAP response parser (cpm-imap-private.h).
 *
 * The input is read as a server's byte stream: responses are parsed one
 * after the other until the end or an error. Besides "no crash, no
 * sanitizer report, no read past the end", it asserts what the parser
 * promises: a parsed response consumed at least one byte and no more than
 * there was; an incomplete one asks for more than there is; APPENDUID
 * arguments, when present, never make the uid-set reader misbehave.
 *
 * Build (by hand until fuzz/meson.build lists it):
 *   clang -fsanitize=fuzzer,address,undefined -g -O1 -DCPM_COMPILATION \
 *     -Ilibcpmobj -Ilibcpmobj/include $(pkg-config --cflags --libs glib-2.0 \
 *     gio-2.0 gmime-3.0 libxml-2.0 json-c) fuzz/fuzz-imap.c \
 *     libcpmobj/cpm-imap.c libcpmobj/cpm-common.c -o fuzz-imap
 * Run:   ./fuzz-imap NEW_CORPUS_DIR testdata/imap
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"
#include "cpm-imap-private.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_appenduid (const CpmImapResponse *r)
{
  if (r->code == NULL || r->code_args == NULL || strcmp (r->code, "APPENDUID") != 0)
    return;
  GArray *uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint32 validity = 0;
  GError *error = NULL;
  if (cpm_imap_parse_appenduid (r->code_args, &validity, uids, &error)) {
    if (validity == 0 || uids->len == 0)
      abort ();
  } else if (error == NULL) {
    abort ();
  }
  g_clear_error (&error);
  g_array_unref (uids);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  gsize off = 0;
  while (off < size) {
    gsize consumed = 0, needed = 0;
    CpmImapResponse *r = NULL;
    GError *error = NULL;
    CpmImapParseResult res =
        cpm_imap_parse_response (data + off, size - off, &consumed, &needed, &r, &error);
    if (res == CPM_IMAP_PARSE_OK) {
      if (r == NULL || consumed == 0 || consumed > size - off || error)
        abort ();
      check_appenduid (r);
      cpm_imap_response_free (r);
      off += consumed;
      continue;
    }
    if (r != NULL)
      abort ();
    if (res == CPM_IMAP_PARSE_INCOMPLETE && (needed <= size - off || error))
      abort ();
    if (res == CPM_IMAP_PARSE_ERROR && error == NULL)
      abort ();
    g_clear_error (&error);
    break;
  }
  return 0;
}
