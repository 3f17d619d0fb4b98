/* libFuzzer target for the value checkers (cpm-check.h).
 *
 * Every checker runs on the whole input and on each of its lines, so the
 * one-value-per-line tables of testdata/values serve directly as the seed
 * corpus. Besides "no crash, no sanitizer report, no read past the end",
 * it asserts properties the checkers promise:
 * - a failure always comes with a CPM_ERROR_INVALID_VALUE error naming an
 *   offset inside the value;
 * - cpm_check_date and cpm_date_parse agree;
 * - what cpm_date_format writes is accepted and parses back to the same
 *   instant.
 *
 * Build: CC=clang meson setup build-fuzz -Dfuzzing=true && ninja -C build-fuzz
 * Run:   build-fuzz/fuzz/fuzz-check NEW_CORPUS_DIR testdata/values
 *        (libFuzzer writes new inputs to the first directory only)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <cpmobj/cpm-check.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const CpmValueCheck checks[] = {
  cpm_check_token, cpm_check_service, cpm_check_message_correlator,
  cpm_check_message_context, cpm_check_accept_contact, cpm_check_address,
  cpm_check_address_list, cpm_check_date, cpm_check_cpim_datetime,
  cpm_check_content_type, cpm_check_unstructured,
};

static void
check_error (const GError *error, size_t size)
{
  const char *at;

  if (!error || !g_error_matches (error, CPM_ERROR, CPM_ERROR_INVALID_VALUE))
    abort ();
  at = strstr (error->message, "offset ");
  if (!at || g_ascii_strtoull (at + 7, NULL, 10) > size)
    abort ();
}

static void
check_dates (const char *value, size_t len)
{
  GDateTime *dt = cpm_date_parse (value, len);
  gboolean valid = cpm_check_date (value, len, NULL);
  char *text;
  GDateTime *back;

  if ((dt != NULL) != valid)
    abort ();
  if (!dt)
    return;
  text = cpm_date_format (dt);
  back = cpm_date_parse (text, strlen (text));
  if (!back || !g_date_time_equal (dt, back) || !cpm_check_date (text, strlen (text), NULL))
    abort ();
  g_date_time_unref (back);
  g_free (text);
  g_date_time_unref (dt);
}

static void
check_value (const char *value, size_t len)
{
  for (size_t i = 0; i < G_N_ELEMENTS (checks); i++) {
    GError *error = NULL;

    if (!checks[i] (value, len, &error))
      check_error (error, len);
    else if (error)
      abort ();
    g_clear_error (&error);
  }
  check_dates (value, len);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *p = (const char *) data, *end = p + size;

  check_value (p, size);
  while (p < end) {
    const char *nl = memchr (p, '\n', (size_t) (end - p));
    size_t len = nl ? (size_t) (nl - p) : (size_t) (end - p);

    /* an exact-size copy: ASan then reports any read past the line */
    char *line = g_memdup2 (p, len);
    check_value (line, len);
    g_free (line);
    p += len + 1;
  }
  return 0;
}
