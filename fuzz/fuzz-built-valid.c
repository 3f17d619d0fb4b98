/* libFuzzer target, differential: a built object's verdict against the
 * verdict on its written bytes parsed again.
 *
 * `cpmobj convert` validates the object it built, not its bytes re-parsed,
 * when cpm_object_round_trips() says the re-parse is that object again
 * (tools/cmd-convert.c, validate_bytes). Promises checked, for every
 * profile: if the built object round-trips, then its bytes parse, the
 * re-parse has the same fields (names and unfolded values, in order), the
 * same body, no parse defect and the same kind, and cpm_validate() gives the
 * same rules and severities in the same order for both (so a valid built
 * object has a valid re-parse, the one thing the converter relies on).
 *
 * Input: an RFC 5322 object (every .eml of testdata/ is a seed, the
 * converter's expected trees among them), from which a CpmBuilder is fed:
 * - an optional first line "#K P G M" (decimal): K the kind (else the one
 *   detected), P the builder's profile, G its CpmGenerate flags, M how the
 *   body is given: 0 a CPIM kind's body as a parsed CpmCpim (when it
 *   parses) and anything else as content of the object's Content-Type,
 *   1 always as content, 2 a multipart/related body as root and parts;
 * - each header field as cpm_builder_add_header (a name starting with '~':
 *   cpm_builder_set_header), name and value unescaped: \r \n \t \s (space)
 *   \\ \xHH, and \RNNNN repeats the byte before it NNNN times (long lines,
 *   runs of spaces; every other byte, 8-bit included, is taken as it is);
 * - the body as said by M.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz-common.h"
#include "cpm-object-private.h"
#include "cpm-xml-private.h"

static int
hex (char c)
{
  return g_ascii_xdigit_value (c);
}

/* The escapes above; a NUL (which a C string cannot carry) ends the
 * value. */
static char *
unescape (const char *s)
{
  GString *out = g_string_new (NULL);

  for (; *s; s++) {
    if (*s != '\\' || !s[1]) {
      g_string_append_c (out, *s);
      continue;
    }
    char c = *++s;
    switch (c) {
    case 'r': g_string_append_c (out, '\r'); break;
    case 'n': g_string_append_c (out, '\n'); break;
    case 't': g_string_append_c (out, '\t'); break;
    case 's': g_string_append_c (out, ' '); break;
    case 'x':
      if (hex (s[1]) >= 0 && hex (s[2]) >= 0 && (hex (s[1]) | hex (s[2])) != 0) {
        g_string_append_c (out, (char) (hex (s[1]) * 16 + hex (s[2])));
        s += 2;
      }
      break;
    case 'R': {
      guint n = 0, k = 0;
      while (k < 4 && g_ascii_isdigit (s[1])) {
        n = n * 10 + (guint) (*++s - '0');
        k++;
      }
      char last = out->len ? out->str[out->len - 1] : 'a';
      for (guint i = 0; i < n; i++)
        g_string_append_c (out, last);
      break;
    }
    default: g_string_append_c (out, c); break;
    }
  }
  return g_string_free (out, FALSE);
}

static gboolean
is_cpim_kind (CpmKind k)
{
  return k == CPM_KIND_MESSAGE || k == CPM_KIND_CHAT || k == CPM_KIND_IMDN || k == CPM_KIND_SMS ||
         k == CPM_KIND_MMS;
}

/* M = 2: the root as content, the other parts as parts. FALSE when the
 * body is no multipart/related. */
static gboolean
give_parts (CpmBuilder *b, GBytes *body, const char *ct)
{
  g_autoptr (GPtrArray) parts = cpm_xml_split_related (body, ct, 1, NULL);

  if (!parts || parts->len == 0)
    return FALSE;
  for (guint i = 0; i < parts->len; i++) {
    const CpmXmlPart *p = g_ptr_array_index (parts, i);
    if (i == 0)
      cpm_builder_set_content (b, p->content_type, p->content);
    else
      cpm_builder_add_part (b, p->content_type, p->content_id, NULL, p->content);
  }
  return TRUE;
}

static void
give_body (CpmBuilder *b, const CpmObject *in, CpmKind kind, guint mode)
{
  GBytes *body = cpm_object_get_body (in);
  const char *ct = cpm_object_get_header (in, "Content-Type");

  if (!body)
    return;
  if (mode == 0 && is_cpim_kind (kind)) {
    g_autoptr (CpmCpim) cpim = cpm_cpim_parse (body, NULL, 1, NULL);
    if (cpim) {
      cpm_builder_set_cpim (b, cpim);
      return;
    }
  }
  if (mode == 2 && ct && give_parts (b, body, ct))
    return;
  cpm_builder_set_content (b, ct ? ct : "text/plain", body);
}

/* The fields as the validator sees them: the same on both sides. */
static void
assert_same_object (const CpmObject *built, const CpmObject *parsed)
{
  guint n = cpm_object_get_n_headers (built);

  FUZZ_ASSERT (cpm_object_get_n_headers (parsed) == n);
  for (guint i = 0; i < n; i++) {
    FUZZ_ASSERT (!cpm_object_header_is_malformed (parsed, i));
    FUZZ_ASSERT (strcmp (cpm_object_get_header_name (built, i),
                         cpm_object_get_header_name (parsed, i)) == 0);
    FUZZ_ASSERT (strcmp (cpm_object_get_header_value (built, i),
                         cpm_object_get_header_value (parsed, i)) == 0);
  }
  FUZZ_ASSERT (g_bytes_equal (cpm_object_get_body (built), cpm_object_get_body (parsed)));
  FUZZ_ASSERT (cpm_object_get_kind (built) == cpm_object_get_kind (parsed));
  FUZZ_ASSERT (cpm_object_uses_crlf (parsed));
  FUZZ_ASSERT (cpm_report_get_count (cpm_object_get_parse_report (parsed)) == 0);
}

static void
assert_same_rules (const CpmReport *a, const CpmReport *b)
{
  guint n = cpm_report_get_count (a);

  FUZZ_ASSERT (cpm_report_get_count (b) == n);
  for (guint i = 0; i < n; i++) {
    const CpmDiagnostic *x = cpm_report_get (a, i), *y = cpm_report_get (b, i);
    FUZZ_ASSERT (strcmp (x->rule, y->rule) == 0);
    FUZZ_ASSERT (x->severity == y->severity);
  }
  FUZZ_ASSERT (cpm_report_is_valid (a) == cpm_report_is_valid (b));
}

static CpmBuilder *
builder_from (const CpmObject *in, guint kind, guint profile, guint gen, guint mode)
{
  CpmBuilder *b = cpm_builder_new ((CpmKind) kind);

  cpm_builder_set_profile (b, (CpmProfile) profile);
  cpm_builder_set_generate (b, (CpmGenerate) gen);
  for (guint i = 0; i < cpm_object_get_n_headers (in); i++) {
    const char *name = cpm_object_get_header_name (in, i);
    if (!name)
      continue; /* a malformed line */
    g_autofree char *n = unescape (name[0] == '~' ? name + 1 : name);
    g_autofree char *v = unescape (cpm_object_get_header_value (in, i));
    if (!*n)
      continue;
    if (name[0] == '~')
      cpm_builder_set_header (b, n, v);
    else
      cpm_builder_add_header (b, n, v);
  }
  give_body (b, in, (CpmKind) kind, mode);
  return b;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  guint kind = 0, profile = CPM_PROFILE_DEFAULT, gen = 0, mode = 0;
  gboolean given = FALSE;
  const char *text = (const char *) data;
  const char *nl = size ? memchr (data, '\n', size) : NULL;

  if (size && data[0] == '#' && nl) {
    g_autofree char *line = g_strndup (text + 1, (gsize) (nl - text - 1));
    given = sscanf (line, "%u %u %u %u", &kind, &profile, &gen, &mode) >= 1;
    size -= (size_t) (nl + 1 - text);
    text = nl + 1;
  }
  g_autoptr (CpmObject) in = size ? cpm_object_parse_data (text, size, NULL, NULL) : NULL;
  if (!in)
    return 0;
  kind = given ? kind % CPM_KIND_COUNT : cpm_object_get_kind (in);
  g_autoptr (CpmBuilder) b = builder_from (in, kind, profile % CPM_PROFILE_COUNT, gen & 3, mode % 3);
  g_autoptr (CpmObject) built = cpm_builder_build (b, NULL);
  if (!built)
    return 0;

  gboolean same = cpm_object_round_trips (built, NULL);
  g_autoptr (GBytes) bytes = cpm_object_serialize (built);
  g_autoptr (CpmObject) parsed = cpm_object_parse (bytes, NULL, NULL);
  if (same) {
    FUZZ_ASSERT (parsed != NULL);
    assert_same_object (built, parsed);
  }
  for (CpmProfile p = 0; p < CPM_PROFILE_COUNT; p++) {
    g_autoptr (CpmReport) rb = cpm_validate (built, p);
    g_autoptr (CpmReport) rp = parsed ? cpm_validate (parsed, p) : NULL;
    fuzz_check_report (rb);
    if (same)
      assert_same_rules (rb, rp);
  }
  return 0;
}
