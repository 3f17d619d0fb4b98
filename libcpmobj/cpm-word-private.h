/* Unaligned word loads for the scanners that read eight bytes a step
 * (header names, the passes table's hash, the registry lookup).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CPM_WORD_PRIVATE_H
#define CPM_WORD_PRIVATE_H

#include <glib.h>
#include <string.h>

static inline guint64
cpm_load64 (const char *p)
{
  guint64 w;
  memcpy (&w, p, sizeof w);
  return w;
}

/* Widened to 64 bits: callers shift it into a word's upper half. */
static inline guint64
cpm_load32 (const char *p)
{
  guint32 w;
  memcpy (&w, p, sizeof w);
  return w;
}

#endif
