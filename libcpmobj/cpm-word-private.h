/* Unaligned word loads for the scanners that read eight bytes a step
 * (header names, the passes table's hash, the registry lookup), and the
 * hash built on them.
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

/* Every byte of @w is RFC 5322 ftext (33-126 but ':'): a header field
 * name's byte. A byte under 0x21 sets its top bit in w - 0x2121.. (a
 * borrow out of it marks only bytes above it, in a word that fails
 * anyway), an 8-bit byte has it set already; ':' and DEL are the zero
 * bytes of w XOR their repetition. Exact as a yes or no. */
static inline gboolean
cpm_word_all_ftext (guint64 w)
{
  const guint64 ones = G_GUINT64_CONSTANT (0x0101010101010101);
  guint64 colon = w ^ (ones * ':'), del = w ^ (ones * 0x7f);
  guint64 bad = w | (w - ones * 0x21) | ((colon - ones) & ~colon) | ((del - ones) & ~del);
  return (bad & (ones * 0x80)) == 0;
}

/* Multiply-xor over @len bytes from @h on, eight a step: every byte counts
 * (keys and values often differ in one digit in the middle). The bytes
 * after the last whole word come in as the last eight (overlapping), or for
 * a short input as loads that cover it: no copy of a tail. The product's
 * low bits see only the last word's low bits: callers that use low bits
 * mix the result down. */
static inline guint64
cpm_hash_words (guint64 h, const char *s, gsize len)
{
  const guint64 k = G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  gsize i = 0;

  for (; i + 8 <= len; i += 8)
    h = (h ^ cpm_load64 (s + i)) * k;
  if (i < len) {
    guint64 w;
    if (len >= 8)
      w = cpm_load64 (s + len - 8);
    else if (len >= 4)
      w = cpm_load32 (s) | cpm_load32 (s + len - 4) << 32;
    else
      w = (guint64) (guchar) s[0] | (guint64) (guchar) s[len / 2] << 8 |
          (guint64) (guchar) s[len - 1] << 16;
    h = (h ^ w) * k;
  }
  return h;
}

#endif
