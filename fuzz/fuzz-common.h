/* Helpers shared by the libFuzzer targets of fuzz/.
 *
 * Every target gets an exact-size copy of its input (libFuzzer's buffer is
 * exact-size too, but the copies below are handed to APIs that keep
 * GBytes), and aborts on any broken promise of the API it drives, so
 * libFuzzer reports it like a crash.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_FUZZ_COMMON_H
#define CPM_FUZZ_COMMON_H

#include <cpmobj/cpmobj.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Aborts with a message: libFuzzer then saves the input as a crash. */
#define FUZZ_ASSERT(cond)                                                   \
  do {                                                                      \
    if (!(cond)) {                                                          \
      fprintf (stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, \
               #cond);                                                      \
      abort ();                                                             \
    }                                                                       \
  } while (0)

/* Each diagnostic of a report has a rule id and a message: what the tools
 * print must exist for every input. */
static inline void
fuzz_check_report (const CpmReport *report)
{
  guint n = cpm_report_get_count (report);

  for (guint i = 0; i < n; i++) {
    const CpmDiagnostic *d = cpm_report_get (report, i);
    FUZZ_ASSERT (d != NULL);
    FUZZ_ASSERT (d->rule != NULL && d->rule[0] != '\0');
    FUZZ_ASSERT (d->message != NULL);
  }
}

#endif
