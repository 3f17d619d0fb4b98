/* Tests of the object model: parsing, field access, editing, serialization.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"
#include "cpm-object-private.h"
#include <gmime/gmime.h>
#include <string.h>

static void
test_fields_and_lines (void)
{
  g_autoptr(CpmObject) o = cpm_test_load_object ("message/valid-standalone.eml");
  g_assert_cmpint (cpm_object_get_kind (o), ==, CPM_KIND_MESSAGE);
  g_assert_cmpuint (cpm_object_get_n_headers (o), ==, 9);
  g_assert_cmpstr (cpm_object_get_header_name (o, 3), ==, "Conversation-ID");
  g_assert_cmpuint (cpm_object_get_header_line (o, 3), ==, 4);
  /* field names are case-insensitive (RFC 5322; spec README defect 7) */
  g_assert_cmpstr (cpm_object_get_header (o, "conversation-id"), ==,
                   "f81d4fae7dec11d0a76500a0c91e6bf6");
  g_assert_null (cpm_object_get_header (o, "Subject"));
  g_assert_cmpuint (cpm_object_get_body_line (o), ==, 11);
  g_assert_true (cpm_object_uses_crlf (o));
  g_assert_cmpuint (cpm_report_get_count (cpm_object_get_parse_report (o)), ==, 0);
}

static void
test_folded_value_is_unfolded (void)
{
  g_autoptr(CpmObject) o = cpm_test_load_object ("object/folded-headers.eml");
  g_assert_cmpstr (cpm_object_get_header (o, "Accept-Contact"), ==,
                   "*;+g.oma.sip-im;\t+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.msg\"");
  /* the field after the folded one starts on the right line */
  int i = cpm_object_find_header (o, "IMDN-Message-ID", 0);
  g_assert_cmpint (i, >=, 0);
  g_assert_cmpuint (cpm_object_get_header_line (o, (guint) i), ==, 9);
}

static void
test_lf_object (void)
{
  g_autoptr(CpmObject) o = cpm_test_load_object ("object/lf-line-ends.eml");
  g_assert_false (cpm_object_uses_crlf (o));
  g_assert_cmpstr (cpm_object_get_header (o, "Date"), ==, "Tue, 29 Apr 2014 09:47:00 -0800");
  cpm_object_set_header (o, "Subject", "added");
  g_autoptr(GBytes) out = cpm_object_serialize (o);
  /* a generated field follows the object's own line ends */
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (out, NULL), -1, "\nSubject: added\n"));
  g_assert_null (g_strstr_len (g_bytes_get_data (out, NULL), (gssize) g_bytes_get_size (out), "\r"));
}

static void
test_malformed_line_kept (void)
{
  g_autoptr(CpmObject) o = cpm_test_load_object ("object/malformed-line.eml");
  const CpmReport *r = cpm_object_get_parse_report (o);
  g_assert_true (cpm_report_has_rule (r, "rfc5322.malformed-line"));
  g_assert_cmpuint (cpm_report_get (r, 0)->line, ==, 3);
  g_autoptr(GBytes) in = cpm_test_load ("object/malformed-line.eml");
  g_autoptr(GBytes) out = cpm_object_serialize (o);
  cpm_test_assert_bytes_equal (out, in);
}

static void
test_no_body (void)
{
  g_autoptr(CpmObject) o = cpm_test_load_object ("object/no-body.eml");
  g_assert_null (cpm_object_get_body (o));
  g_autoptr(CpmReport) r = cpm_validate (o, CPM_PROFILE_2_2);
  g_assert_true (cpm_report_has_rule (r, "body.missing"));
}

/* An object cut inside a header field is named as cut (testdata/hostile). */
static void
test_truncated_field (void)
{
  g_autoptr(CpmObject) o = cpm_test_load_object ("hostile/truncated-in-field.eml");
  const CpmReport *r = cpm_object_get_parse_report (o);
  g_assert_true (cpm_report_has_rule (r, "rfc5322.truncated"));
  g_assert_cmpuint (cpm_report_get (r, 0)->line, ==, 2);
  g_autoptr(CpmObject) whole = cpm_test_load_object ("object/no-body.eml");
  g_assert_false (cpm_report_has_rule (cpm_object_get_parse_report (whole), "rfc5322.truncated"));
}

static void
test_empty_input_fails (void)
{
  g_autoptr(GError) error = NULL;
  CpmObject *o = cpm_object_parse_data ("", 0, NULL, &error);
  g_assert_null (o);
  g_assert_error (error, CPM_ERROR, CPM_ERROR_PARSE);
}

static void
test_limits (void)
{
  CpmLimits limits = *cpm_limits_default ();
  limits.max_headers = 3;
  g_autoptr(GBytes) in = cpm_test_load ("message/valid-standalone.eml");
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) o = cpm_object_parse (in, &limits, &error);
  g_assert_null (o);
  g_assert_error (error, CPM_ERROR, CPM_ERROR_LIMIT);
  g_assert_nonnull (strstr (error->message, "max_headers"));

  g_clear_error (&error);
  limits = *cpm_limits_default ();
  limits.max_object_size = 100;
  g_assert_null (cpm_object_parse (in, &limits, &error));
  g_assert_nonnull (strstr (error->message, "max_object_size"));
}

/* A 10 MB header line: over the default field limit, a clear error. */
static void
test_huge_header_line (void)
{
  gsize n = 10 * 1024 * 1024;
  GString *s = g_string_sized_new (n + 100);
  g_string_append (s, "From: a@b.c\r\nSubject: ");
  for (gsize i = 0; i < n; i++)
    g_string_append_c (s, 'x');
  g_string_append (s, "\r\n\r\nbody\r\n");
  g_autoptr(GBytes) in = g_string_free_to_bytes (s);
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) o = cpm_object_parse (in, NULL, &error);
  g_assert_null (o);
  g_assert_error (error, CPM_ERROR, CPM_ERROR_LIMIT);
  g_assert_nonnull (strstr (error->message, "line 2"));
}

static void
test_hostile_bytes (void)
{
  static const char nul[] = "From: a@b.c\r\nSubj\0ect: x\r\nX: \xff\xfe\r\nY: caf\xc3\xa9\r\nZ: a\rb\r\n\r\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) o = cpm_object_parse_data (nul, sizeof nul - 1, NULL, &error);
  g_assert_no_error (error);
  const CpmReport *r = cpm_object_get_parse_report (o);
  g_assert_true (cpm_report_has_rule (r, "rfc5322.nul"));
  g_assert_true (cpm_report_has_rule (r, "rfc5322.invalid-utf8"));
  g_assert_true (cpm_report_has_rule (r, "rfc5322.8bit-header"));
  g_assert_true (cpm_report_has_rule (r, "rfc5322.bare-cr"));
  g_autoptr(GBytes) out = cpm_object_serialize (o);
  g_autoptr(GBytes) in = g_bytes_new_static (nul, sizeof nul - 1);
  cpm_test_assert_bytes_equal (out, in);
}

/* The header scanner reads a line sixteen bytes at a time, a name too.
 * One byte of each kind put at every place of a field whose name spans
 * two such steps: the name, the malformed flag and the byte defects are
 * what RFC 5322 reading byte by byte gives, and the object round-trips. */
static void
assert_scanned (const char *text, gsize len, gboolean malformed, const char *name,
                const char *rule)
{
  static const char *const byte_rules[] = { "rfc5322.nul", "rfc5322.bare-cr",
                                            "rfc5322.invalid-utf8", "rfc5322.8bit-header",
                                            NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) o = cpm_object_parse_data (text, len, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cpm_object_get_n_headers (o), ==, 3);
  const CpmReport *r = cpm_object_get_parse_report (o);
  g_assert_cmpint (cpm_object_header_is_malformed (o, 1), ==, malformed);
  g_assert_cmpint (cpm_report_has_rule (r, "rfc5322.malformed-line"), ==, malformed);
  g_assert_cmpstr (cpm_object_get_header_name (o, 1), ==, name);
  for (guint k = 0; byte_rules[k]; k++)
    g_assert_cmpint (cpm_report_has_rule (r, byte_rules[k]), ==,
                     rule && strcmp (rule, byte_rules[k]) == 0);
  g_assert_cmpstr (cpm_object_get_header (o, "Date"), ==, "x");
  g_autoptr(GBytes) out = cpm_object_serialize (o);
  g_autoptr(GBytes) in = g_bytes_new_static (text, len);
  cpm_test_assert_bytes_equal (out, in);
}

static void
test_scanner_byte_places (void)
{
  static const char name[] = "Disposition-Notification-X"; /* 26 bytes */
  static const char line[] = "Disposition-Notification-X: a value of some forty bytes, or so";
  static const char bytes[] = { '\0', '\r', '\x80', '\x7f', '\t', ' ', ':' };
  const gsize nl = sizeof name - 1;

  for (guint b = 0; b < G_N_ELEMENTS (bytes); b++)
    for (gsize at = 0; at <= sizeof line - 1; at++) {
      char c = bytes[b];
      if (at == 0 && (c == ' ' || c == '\t'))
        continue; /* a continuation of the field before */
      g_autoptr(GString) s = g_string_new ("From: a@b.c\r\n");
      g_string_append_len (s, line, (gssize) at);
      g_string_append_c (s, c);
      g_string_append (s, line + at);
      g_string_append (s, "\r\nDate: x\r\n\r\nbody\r\n");
      const char *rule = c == '\0' ? "rfc5322.nul" : c == '\r' ? "rfc5322.bare-cr"
                         : c == '\x80' ? "rfc5322.invalid-utf8" : NULL;
      /* a colon inside the name cuts it; WSP right before the colon is
       * obs-optional; any other byte up to the colon is no name byte */
      gboolean malformed = at < nl ? c != ':' || at == 0
                                   : at == nl && c != ':' && c != ' ' && c != '\t';
      g_autofree char *want = malformed ? NULL : g_strndup (name, at < nl ? at : nl);
      assert_scanned (s->str, s->len, malformed, want, rule);
    }
}

/* The bytes of a continuation line count as much as the first line's, and
 * a field the input ends inside is read to its last byte. */
static void
test_scanner_continuation_and_end (void)
{
  static const char folded[] = "From: a@b.c\r\nSubject: plain first line\r\n caf\xc3\xa9\r\n"
                               "Date: x\r\n\r\n";
  static const char ends[] = "From: a@b.c\r\nSubject: the end\r";
  g_autoptr(CpmObject) o = cpm_object_parse_data (folded, sizeof folded - 1, NULL, NULL);
  const CpmReport *r = cpm_object_get_parse_report (o);
  g_assert_true (cpm_report_has_rule (r, "rfc5322.8bit-header"));
  g_assert_cmpuint (cpm_report_get_count (r), ==, 1);
  g_assert_cmpstr (cpm_object_get_header (o, "Subject"), ==, "plain first line caf\xc3\xa9");

  g_autoptr(CpmObject) e = cpm_object_parse_data (ends, sizeof ends - 1, NULL, NULL);
  r = cpm_object_get_parse_report (e);
  g_assert_true (cpm_report_has_rule (r, "rfc5322.bare-cr"));
  g_assert_true (cpm_report_has_rule (r, "rfc5322.truncated"));
  g_assert_cmpstr (cpm_object_get_header (e, "Subject"), ==, "the end");
  g_autoptr(GBytes) out = cpm_object_serialize (e);
  g_autoptr(GBytes) in = g_bytes_new_static (ends, sizeof ends - 1);
  cpm_test_assert_bytes_equal (out, in);
}

/* An object keeps its first fields in its own allocation and moves them
 * out when more come: 40 parsed fields and 30 appended ones, some removed
 * and one replaced, keep names, values, lines and order through every
 * growth. */
static void
test_many_fields (void)
{
  g_autoptr(GString) in = g_string_new (NULL);
  for (guint i = 0; i < 40; i++)
    g_string_append_printf (in, "X-%u: value %u\r\n", i % 5, i);
  g_string_append (in, "\r\nbody\r\n");
  g_autoptr(CpmObject) o = cpm_object_parse_data (in->str, in->len, NULL, NULL);
  g_assert_cmpuint (cpm_object_get_n_headers (o), ==, 40);
  for (guint i = 0; i < 30; i++) {
    g_autofree char *v = g_strdup_printf ("added %u", i);
    cpm_object_append_header (o, i % 2 ? "Y-odd" : "Y-even", v);
  }
  g_assert_cmpuint (cpm_object_get_n_headers (o), ==, 70);
  g_assert_cmpuint (cpm_object_remove_header (o, "x-3"), ==, 8);
  cpm_object_set_header (o, "Y-odd", "one");
  g_assert_cmpuint (cpm_object_get_n_headers (o), ==, 48);

  g_autoptr(GString) want = g_string_new (NULL);
  for (guint i = 0; i < 40; i++)
    if (i % 5 != 3)
      g_string_append_printf (want, "X-%u: value %u\r\n", i % 5, i);
  for (guint i = 0; i < 30; i++)
    if (i == 1)
      g_string_append (want, "Y-odd: one\r\n");
    else if (i % 2 == 0)
      g_string_append_printf (want, "Y-even: added %u\r\n", i);
  g_string_append (want, "\r\nbody\r\n");
  g_autoptr(GBytes) out = cpm_object_serialize (o);
  g_autoptr(GBytes) expected = g_bytes_new (want->str, want->len);
  cpm_test_assert_bytes_equal (out, expected);

  int last = -1;
  for (guint k = 0; k < 8; k++) {
    last = cpm_object_find_header (o, "X-4", (guint) (last + 1));
    g_assert_cmpint (last, >=, 0);
    g_assert_cmpuint (cpm_object_get_header_line (o, (guint) last), ==, 5 * k + 5);
    g_autofree char *v = g_strdup_printf ("value %u", 5 * k + 4);
    g_assert_cmpstr (cpm_object_get_header_value (o, (guint) last), ==, v);
  }
  g_assert_cmpint (cpm_object_find_header (o, "X-4", (guint) (last + 1)), ==, -1);
}

/* Names are found in any case and only in case: for names of 1 to 23
 * bytes (compared a word at a time), a letter's case changed at any place
 * still finds the field; a byte changed at any place into another, or into
 * its 0x20 partner that is no letter ('@' and '`', '-' and CR), does not. */
static void
test_find_header_cases (void)
{
  static const char letters[] = "Ab-Cd@Ef-Gh-Ij@Kl-Mn-Op";
  for (gsize len = 1; len < sizeof letters; len++) {
    g_autofree char *name = g_strndup (letters, len);
    g_autoptr(CpmObject) o = cpm_object_new (CPM_KIND_MESSAGE);
    cpm_object_append_header (o, "X", "before");
    cpm_object_append_header (o, name, "v");
    for (gsize at = 0; at < len; at++) {
      g_autofree char *other = g_strdup (name);
      char c = name[at];
      if (g_ascii_isalpha (c)) {
        other[at] = (char) (c ^ 0x20);
        g_assert_cmpint (cpm_object_find_header (o, other, 0), ==, 1);
        g_assert_true (cpm_slice_equal (name, len, other));
        other[at] = c == 'z' ? 'y' : (char) (c + 1);
      } else {
        other[at] = c == '@' ? '`' : '\r';
      }
      g_assert_cmpint (cpm_object_find_header (o, other, 0), ==, -1);
      g_assert_false (cpm_slice_equal (name, len, other));
    }
    g_assert_cmpint (cpm_object_find_header (o, name, 0), ==, 1);
    g_assert_cmpint (cpm_object_find_header (o, name, 2), ==, -1);
  }
}

/* RFC 5322 folding as the serializer does it, word by word: runs of spaces
 * become one, a word that would pass column 78 goes on a new line. */
static void
fold_model (GString *out, const char *name, const char *value, const char *eol)
{
  gsize col = strlen (name) + 2;
  g_string_append_printf (out, "%s: ", name);
  gboolean first = TRUE;
  for (const char *p = value; *p;) {
    gsize word = strcspn (p, " ");
    if (!first && col + 1 + word > 78) {
      g_string_append_printf (out, "%s ", eol);
      col = 1;
    } else if (!first) {
      g_string_append_c (out, ' ');
      col++;
    }
    g_string_append_len (out, p, (gssize) word);
    col += word;
    first = FALSE;
    p += word;
    p += strspn (p, " ");
  }
  g_string_append (out, eol);
}

/* Appended ASCII values of every shape (words of 0-90 bytes, runs of one to
 * three spaces, spaces at either end) are written as the folding model
 * writes them, after CRLF and LF objects' own fields. */
static void
test_folded_writes (void)
{
  guint32 seed = 12345;
  for (guint lf = 0; lf < 2; lf++)
    for (guint round = 0; round < 300; round++) {
      static const char crlf_in[] = "A: b\r\n\r\nbody", lf_in[] = "A: b\n\nbody";
      const char *in = lf ? lf_in : crlf_in;
      g_autoptr(CpmObject) o = cpm_object_parse_data (in, strlen (in), NULL, NULL);
      g_autoptr(GString) want = g_string_new (lf ? "A: b\n" : "A: b\r\n");
      for (guint f = 0; f < 3; f++) {
        g_autoptr(GString) v = g_string_new (NULL);
        guint words = (seed = seed * 1103515245 + 12345) >> 28;
        for (guint w = 0; w < words; w++) {
          guint spaces = 1 + ((seed = seed * 1103515245 + 12345) >> 30) % 3;
          if (w > 0 || (seed & 0x100))
            for (guint k = 0; k < spaces; k++)
              g_string_append_c (v, ' ');
          guint len = ((seed = seed * 1103515245 + 12345) >> 16) % 91;
          for (guint k = 0; k < len; k++)
            g_string_append_c (v, (char) ('a' + (k + w) % 26));
        }
        if (seed & 0x200)
          g_string_append_c (v, ' ');
        const char *name = f == 0 ? "Subject" : f == 1 ? "X-Long-Field-Name-For-Folding" : "To";
        cpm_object_append_header (o, name, v->str);
        fold_model (want, name, v->str, lf ? "\n" : "\r\n");
      }
      g_string_append (want, lf ? "\nbody" : "\r\nbody");
      g_autoptr(GBytes) out = cpm_object_serialize (o);
      g_autoptr(GBytes) expected = g_bytes_new (want->str, want->len);
      cpm_test_assert_bytes_equal (out, expected);
    }
}

/* Appended fields come from blocks the object carves (1,000 usable bytes
 * each, a larger field a block of its own): every name and value stays
 * whole, whatever the sizes around a block's end, and a field replaced
 * or removed leaves the others as they were. */
static char *
pattern (guint seed, gsize len)
{
  char *v = g_malloc (len + 1);
  for (gsize i = 0; i < len; i++)
    v[i] = (char) ('a' + (seed + i) % 26);
  v[len] = '\0';
  return v;
}

static void
assert_fields (CpmObject *o, GPtrArray *names, GPtrArray *values)
{
  g_assert_cmpuint (cpm_object_get_n_headers (o), ==, names->len);
  for (guint i = 0; i < names->len; i++) {
    g_assert_cmpstr (cpm_object_get_header_name (o, i), ==, names->pdata[i]);
    g_assert_cmpstr (cpm_object_get_header_value (o, i), ==, values->pdata[i]);
  }
}

static void
test_appended_fields (void)
{
  /* "X-A" and its value take 5 bytes more than the value: 995 fills a
   * block, 996 is the smallest field of its own */
  for (gsize v = 0; v <= 1010; v++) {
    g_autoptr(CpmObject) o = cpm_object_new (CPM_KIND_MESSAGE);
    g_autoptr(GPtrArray) names = g_ptr_array_new ();
    g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
    gsize rest = v <= 995 ? 995 - v : 995;
    gsize sizes[] = { v, rest >= 5 ? rest - 5 : 0, 0, 1, 995 };
    static const char *const field_names[] = { "X-A", "X-B", "X-C", "X-D", "X-E" };
    for (guint i = 0; i < G_N_ELEMENTS (sizes); i++) {
      char *value = pattern (i, sizes[i]);
      cpm_object_append_header (o, field_names[i], value);
      g_ptr_array_add (names, (char *) field_names[i]);
      g_ptr_array_add (values, value);
    }
    cpm_object_append_header (o, "X-Null", NULL);
    g_ptr_array_add (names, "X-Null");
    g_ptr_array_add (values, g_strdup (""));
    assert_fields (o, names, values);
    /* replaced in place, then one removed */
    cpm_object_set_header (o, "X-A", "new");
    g_free (values->pdata[0]);
    values->pdata[0] = g_strdup ("new");
    g_assert_cmpuint (cpm_object_remove_header (o, "X-C"), ==, 1);
    g_ptr_array_remove_index (names, 2);
    g_ptr_array_remove_index (values, 2);
    assert_fields (o, names, values);
  }

  /* many fields of sizes around and past a block, in a fixed order */
  g_autoptr(CpmObject) o = cpm_object_new (CPM_KIND_MESSAGE);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  guint32 r = 12345;
  for (guint i = 0; i < 400; i++) {
    r = r * 1103515245u + 12345u;
    gsize len = i % 7 == 0 ? 990 + (r >> 16) % 30 : (r >> 16) % 300;
    char *name = g_strdup_printf ("X-F%u", i);
    char *value = pattern (i, len);
    cpm_object_append_header (o, name, value);
    g_ptr_array_add (names, name);
    g_ptr_array_add (values, value);
  }
  assert_fields (o, names, values);
  g_autoptr(GBytes) body = g_bytes_new_static ("hi\r\n", 4);
  cpm_object_set_body (o, body);
  g_autoptr(GBytes) out = cpm_object_serialize (o);
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) back = cpm_object_parse (out, NULL, &error);
  g_assert_no_error (error);
  assert_fields (back, names, values);
}

/* Objects are serialized through a buffer each thread reuses: a large
 * object (past the size at which the buffer is let go), then small ones,
 * come out byte for byte, and threads serializing at once do not mix. */
static GBytes *
object_bytes (gsize body_len, char fill)
{
  GString *s = g_string_new ("From: <sip:a@example.com>\r\nSubject: x\r\n\r\n");
  for (gsize i = 0; i < body_len; i++)
    g_string_append_c (s, i % 78 == 77 ? '\n' : fill);
  return g_string_free_to_bytes (s);
}

static void
assert_serializes_back (GBytes *in)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) o = cpm_object_parse (in, NULL, &error);
  g_assert_no_error (error);
  g_autoptr(GBytes) out = cpm_object_serialize (o);
  cpm_test_assert_bytes_equal (out, in);
}

static gpointer
serialize_many (gpointer data)
{
  GBytes *in = data;
  for (guint i = 0; i < 300; i++)
    assert_serializes_back (in);
  return NULL;
}

static void
test_serialize_buffer (void)
{
  gsize sizes[] = { 10, 300 * 1024, 0, 5000, 2 * 1024 * 1024, 1 };
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++) {
    g_autoptr(GBytes) in = object_bytes (sizes[i], (char) ('a' + i));
    assert_serializes_back (in);
  }
  g_autoptr(GBytes) a = object_bytes (3000, 'a');
  g_autoptr(GBytes) b = object_bytes (700, 'b');
  GThread *ta = g_thread_new ("a", serialize_many, a);
  GThread *tb = g_thread_new ("b", serialize_many, b);
  g_thread_join (ta);
  g_thread_join (tb);
}

static GBytes *
serialized (GBytes *in)
{
  g_autoptr(CpmObject) o = cpm_object_parse (in, NULL, NULL);
  return cpm_object_serialize (o);
}

/* Bytes of an object serialized on a thread that has ended. */
static gpointer
serialize_and_end (gpointer data)
{
  return serialized (data);
}

/* The per-thread buffer is lent to the bytes returned: bytes still held
 * when the next object is serialized keep their content (the next gets a
 * buffer of its own), bytes held past a large object or past the end of
 * their thread stay readable, and dropping them in any order frees each
 * buffer once (ASan in the suite). */
static void
test_serialize_lent (void)
{
  g_autoptr(GBytes) a = object_bytes (3000, 'a');
  g_autoptr(GBytes) b = object_bytes (700, 'b');
  g_autoptr(GBytes) big = object_bytes (300 * 1024, 'c');
  GBytes *out_a = serialized (a);
  GBytes *out_b = serialized (b);   /* while a's are out */
  GBytes *out_big = serialized (big); /* while both are out */
  cpm_test_assert_bytes_equal (out_a, a);
  cpm_test_assert_bytes_equal (out_b, b);
  g_bytes_unref (out_a);
  GBytes *out_a2 = serialized (a); /* the buffer is home again */
  cpm_test_assert_bytes_equal (out_a2, a);
  cpm_test_assert_bytes_equal (out_big, big);
  g_bytes_unref (out_big);
  g_bytes_unref (out_b);
  g_bytes_unref (out_a2);
  /* a large object's buffer is let go while out, freed when its bytes go */
  GBytes *out_big2 = serialized (big);
  GBytes *out_small = serialized (b);
  cpm_test_assert_bytes_equal (out_big2, big);
  cpm_test_assert_bytes_equal (out_small, b);
  g_bytes_unref (out_big2);
  g_bytes_unref (out_small);
  GThread *t = g_thread_new ("lend", serialize_and_end, a);
  GBytes *from_thread = g_thread_join (t);
  cpm_test_assert_bytes_equal (from_thread, a);
  g_bytes_unref (from_thread);
}

static void
test_edit_fields (void)
{
  g_autoptr(CpmObject) o = cpm_test_load_object ("message/valid-standalone.eml");
  cpm_object_append_header (o, "Accept-Contact", "*;+g.oma.sip-im.large-message");
  g_assert_cmpuint (cpm_object_count_header (o, "accept-contact"), ==, 2);
  cpm_object_set_header (o, "Accept-Contact", "*;+g.oma.sip-im");
  g_assert_cmpuint (cpm_object_count_header (o, "Accept-Contact"), ==, 1);
  g_assert_cmpuint (cpm_object_remove_header (o, "ACCEPT-CONTACT"), ==, 1);
  g_assert_cmpint (cpm_object_find_header (o, "Accept-Contact", 0), ==, -1);
}

/* Non-ASCII values are RFC 2047 encoded and long ones folded under 998. */
static void
test_generated_fields (void)
{
  g_autoptr(CpmObject) o = cpm_object_new (CPM_KIND_MESSAGE);
  cpm_object_set_header (o, "Subject", "Grüße aus Köln");
  cpm_object_set_header (o, "Message-Correlator", "Grüße");
  GString *long_value = g_string_new (NULL);
  for (int i = 0; i < 400; i++)
    g_string_append (long_value, "word ");
  cpm_object_set_header (o, "X-Long", long_value->str);
  g_string_free (long_value, TRUE);
  g_autoptr(GBytes) body = g_bytes_new_static ("hi\r\n", 4);
  cpm_object_set_body (o, body);
  g_autoptr(GBytes) out = cpm_object_serialize (o);
  const char *text = g_bytes_get_data (out, NULL);
  gsize len = g_bytes_get_size (out);
  for (gsize i = 0; i < len; i++)
    g_assert_cmpuint ((guchar) text[i], <, 0x80);
  g_assert_nonnull (g_strstr_len (text, (gssize) len, "Message-Correlator: =?utf-8?b?R3LDvMOfZQ==?="));
  /* every line is short and every line ends in CRLF */
  gsize col = 0;
  for (gsize i = 0; i < len; i++) {
    if (text[i] == '\n') {
      g_assert_true (i > 0 && text[i - 1] == '\r');
      col = 0;
    } else {
      g_assert_cmpuint (++col, <=, 998);
    }
  }
  g_autoptr(CpmObject) back = cpm_object_parse (out, NULL, NULL);
  g_autofree char *subject = cpm_object_dup_header_decoded (back, "Subject");
  g_assert_cmpstr (subject, ==, "Grüße aus Köln");
  g_assert_cmpuint (strlen (cpm_object_get_header (back, "X-Long")), ==, 400 * 5 - 1);
}

static const struct { const char *file; CpmKind kind; } kinds[] = {
  { "message/valid-standalone.eml", CPM_KIND_MESSAGE },
  { "message/appendix-d-chat-verbatim.eml", CPM_KIND_CHAT },
};

static void
test_kind_detection (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++) {
    g_autoptr(CpmObject) o = cpm_test_load_object (kinds[i].file);
    g_assert_cmpstr (cpm_kind_to_string (cpm_object_get_kind (o)), ==,
                     cpm_kind_to_string (kinds[i].kind));
  }
}

/* Every object under testdata/ (*.eml) parses and serializes back to the
 * same bytes: the parser loses nothing. */
static void
roundtrip_dir (const char *dir, guint *count)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d))) {
    g_autofree char *path = g_build_filename (dir, name, NULL);
    if (g_file_test (path, G_FILE_TEST_IS_DIR)) {
      roundtrip_dir (path, count);
      continue;
    }
    if (!g_str_has_suffix (name, ".eml"))
      continue;
    char *data;
    gsize len;
    g_assert_true (g_file_get_contents (path, &data, &len, NULL));
    g_autoptr(GBytes) in = g_bytes_new_take (data, len);
    g_autoptr(GError) error = NULL;
    g_autoptr(CpmObject) o = cpm_object_parse (in, NULL, &error);
    if (!o)
      continue; /* fixtures of limits fail to parse by design */
    g_autoptr(GBytes) out = cpm_object_serialize (o);
    if (!g_bytes_equal (in, out))
      g_printerr ("# round trip differs: %s\n", path);
    cpm_test_assert_bytes_equal (out, in);
    (*count)++;
  }
}

/* Found by fuzz-object: a Message/CPIM object without a body (no blank
 * line) made kind detection add 0 to a NULL pointer (UBSan under clang).
 * It is a message object whose body is missing, and it round-trips. */
static void
test_cpim_without_body (void)
{
  g_autoptr(GBytes) in = cpm_test_load ("hostile/object-cpim-no-body.bin");
  g_autoptr(GError) error = NULL;
  g_autoptr(CpmObject) o = cpm_object_parse (in, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (cpm_object_get_body (o));
  g_assert_cmpint (cpm_object_get_kind (o), ==, CPM_KIND_MESSAGE);
  g_autoptr(GBytes) out = cpm_object_serialize (o);
  cpm_test_assert_bytes_equal (out, in);
  g_autoptr(CpmReport) report = cpm_validate (o, CPM_PROFILE_DEFAULT);
  cpm_test_assert_rules (report, "body.missing", NULL);
}

/* Found by fuzz-object (LeakSanitizer): a parameter list that turns odd
 * after the wanted parameter leaked the value already found. The scanner
 * then leaves the value to GMime, which still finds it. */
static void
test_content_type_param_odd_tail (void)
{
  g_autofree char *b = cpm_content_type_param ("multipart/related; boundary=cpm; ty^^^ed", "boundary");
  g_assert_cmpstr (b, ==, "cpm");
  g_autoptr(CpmObject) o = cpm_test_load_object ("hostile/object-content-type-param-leak.bin");
  g_autoptr(CpmReport) report = cpm_validate (o, CPM_PROFILE_DEFAULT);
  g_assert_false (cpm_report_is_valid (report));
}

static void
test_roundtrip_testdata (void)
{
  g_autofree char *root = cpm_test_path ("");
  guint count = 0;
  roundtrip_dir (root, &count);
  g_assert_cmpuint (count, >=, 10);
}

/* The Content-Type scanner agrees with GMime's parser on every value,
 * including those it hands over to GMime (comments, RFC 2231). */
static void
test_content_type_helpers (void)
{
  static const char *const values[] = {
    "Message/CPIM",
    "multipart/related;boundary=cpm; type=\"Application/X-CPM-File-Transfer\"",
    "text/plain; charset=utf-8",
    "text/plain ; charset = \"utf-8\" ; format=flowed",
    "multipart/mixed; boundary=\"a\\\"b\"",
    "text/plain; charset=utf-8 (comment); x=1",
    "application/x-foo; name*0=\"long\"; name*1=\"er\"",
    "text/plain;",
    "image/jpeg; name=\"My picture.jpg\"",
  };
  static const char *const params[] = { "boundary", "type", "charset", "name", "x", "format" };
  for (guint i = 0; i < G_N_ELEMENTS (values); i++) {
    GMimeContentType *ct = g_mime_content_type_parse (NULL, values[i]);
    g_autofree char *gm = g_mime_content_type_get_mime_type (ct);
    g_autofree char *gm_lower = g_ascii_strdown (gm, -1);
    g_autofree char *mime = cpm_content_type_mime (values[i]);
    g_assert_cmpstr (mime, ==, gm_lower);
    for (guint j = 0; j < G_N_ELEMENTS (params); j++) {
      g_autofree char *v = cpm_content_type_param (values[i], params[j]);
      g_assert_cmpstr (v, ==, g_mime_content_type_get_parameter (ct, params[j]));
    }
    g_object_unref (ct);
  }
  /* not a content type: GMime's answer stands (the value check reports it) */
  g_autofree char *odd = cpm_content_type_mime ("no-slash");
  g_assert_nonnull (odd);
}

/* What cpm_is_ascii_text must answer: printable ASCII or a tab, byte by
 * byte. */
static gboolean
ascii_text_ref (const char *s, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if ((guchar) s[i] >= 0x7f || ((guchar) s[i] < 0x20 && s[i] != '\t'))
      return FALSE;
  return TRUE;
}

/* The word-at-a-time scanner answers as the byte loop does: every byte
 * 0x00-0xFF at every place of every length 0..40, on backgrounds at both
 * bounds of the range and of a tab, from each of the eight alignments; and
 * every pair of bytes side by side (a borrow or carry from one byte must
 * not hide the other). */
static void
test_ascii_text_scanner (void)
{
  static const char backgrounds[] = { 'a', ' ', '~', '\t' };
  char buf[64];
  for (guint bg = 0; bg < G_N_ELEMENTS (backgrounds); bg++)
    for (guint align = 0; align < 8; align++) {
      char *s = buf + align;
      for (gsize len = 0; len <= 40; len++) {
        memset (buf, backgrounds[bg], sizeof buf);
        g_assert_cmpint (cpm_is_ascii_text (s, len), ==, ascii_text_ref (s, len));
        for (gsize at = 0; at < len; at++)
          for (guint b = 0; b < 256; b++) {
            s[at] = (char) b;
            if (cpm_is_ascii_text (s, len) != ascii_text_ref (s, len))
              g_error ("byte 0x%02x at %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
                       " (background 0x%02x, alignment %u)", b, at, len,
                       (guchar) backgrounds[bg], align);
            s[at] = backgrounds[bg];
          }
      }
    }
  memset (buf, 'a', sizeof buf);
  for (gsize at = 0; at + 1 < 16; at++)
    for (guint a = 0; a < 256; a++)
      for (guint b = 0; b < 256; b++) {
        buf[at] = (char) a;
        buf[at + 1] = (char) b;
        if (cpm_is_ascii_text (buf, 16) != ascii_text_ref (buf, 16))
          g_error ("bytes 0x%02x 0x%02x at %" G_GSIZE_FORMAT, a, b, at);
        buf[at] = buf[at + 1] = 'a';
      }
}

/* ---- cpm_object_round_trips: the verdict of `cpmobj convert` ---- */

#define CHAT_1TO1 "capture/expected/chat-1to1/f81d4fae-7dec-11d0-a765-00a0c91e6bf6/"

/* @parsed's fields and body appended to a new object of its kind: what the
 * builder makes (generated fields, no input). */
static CpmObject *
rebuilt (const CpmObject *parsed)
{
  CpmObject *o = cpm_object_new (cpm_object_get_kind (parsed));
  for (guint i = 0; i < cpm_object_get_n_headers (parsed); i++)
    cpm_object_append_header (o, cpm_object_get_header_name (parsed, i),
                              cpm_object_get_header_value (parsed, i));
  cpm_object_set_body (o, cpm_object_get_body (parsed));
  return o;
}

static CpmObject *
reparsed (const CpmObject *o)
{
  g_autoptr(GBytes) bytes = cpm_object_serialize (o);
  return cpm_object_parse (bytes, NULL, NULL);
}

/* The rule ids of @report, space-separated, in order. */
static char *
rules_of (const CpmReport *report)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < cpm_report_get_count (report); i++)
    g_string_append_printf (s, "%s ", cpm_report_get (report, i)->rule);
  return g_string_free (s, FALSE);
}

/* Every object the converter wrote for the expected trees, made again as
 * generated fields: it round-trips, its bytes are the file's, and the
 * validator finds the same rules in it as in its re-parse. */
static void
round_trips_dir (const char *dir, guint *count)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d))) {
    g_autofree char *path = g_build_filename (dir, name, NULL);
    if (g_file_test (path, G_FILE_TEST_IS_DIR)) {
      round_trips_dir (path, count);
      continue;
    }
    if (!g_str_has_suffix (name, ".eml"))
      continue;
    g_autofree char *text = NULL;
    gsize len = 0;
    g_assert_true (g_file_get_contents (path, &text, &len, NULL));
    g_autoptr(CpmObject) parsed = cpm_object_parse_data (text, len, NULL, NULL);
    g_autoptr(CpmObject) o = rebuilt (parsed);
    if (!cpm_object_round_trips (o, NULL))
      g_error ("%s: does not round-trip", path);
    g_autoptr(GBytes) bytes = cpm_object_serialize (o);
    g_autoptr(GBytes) want = g_bytes_new_static (text, len);
    cpm_test_assert_bytes_equal (bytes, want);
    g_autoptr(CpmReport) rb = cpm_validate (o, CPM_PROFILE_DEFAULT);
    g_autoptr(CpmReport) rp = cpm_validate (parsed, CPM_PROFILE_DEFAULT);
    g_autofree char *b = rules_of (rb);
    g_autofree char *p = rules_of (rp);
    g_assert_cmpstr (b, ==, p);
    (*count)++;
  }
}

static void
test_round_trips_converted (void)
{
  g_autofree char *root = cpm_test_path ("capture/expected");
  guint count = 0;
  round_trips_dir (root, &count);
  g_assert_cmpuint (count, >=, 15);
}

/* A built object that is valid while its written bytes parse into an
 * invalid one, or into another object: cpm_object_round_trips() says FALSE
 * for each, so the converter parses them. */
static void
test_round_trips_not (void)
{
  g_autoptr(CpmObject) chat = cpm_test_load_object (CHAT_1TO1 "chat-msg-0001.eml");
  g_assert_cmpint (cpm_object_get_kind (chat), ==, CPM_KIND_CHAT);
  g_assert_false (cpm_object_round_trips (chat, NULL)); /* a parsed object */
  {
    g_autoptr(CpmObject) o = rebuilt (chat);
    g_assert_true (cpm_object_round_trips (o, NULL));
    g_autoptr(CpmReport) r = cpm_validate (o, CPM_PROFILE_DEFAULT);
    g_assert_true (cpm_report_is_valid (r));
  }
  /* an unbreakable value: valid as built (the validator skips X- fields),
   * a line over 998 octets once written */
  {
    g_autoptr(CpmObject) o = rebuilt (chat);
    g_autofree char *v = g_strnfill (1000, 'a');
    cpm_object_append_header (o, "X-Long", v);
    g_assert_false (cpm_object_round_trips (o, NULL));
    g_autoptr(CpmReport) rb = cpm_validate (o, CPM_PROFILE_DEFAULT);
    g_assert_true (cpm_report_is_valid (rb));
    g_autoptr(CpmObject) p = reparsed (o);
    g_autoptr(CpmReport) rp = cpm_validate (p, CPM_PROFILE_DEFAULT);
    cpm_test_assert_rules (rp, "rfc5322.line-too-long", NULL);
  }
  /* 998 octets exactly is a line; one more is not */
  for (guint extra = 0; extra < 2; extra++) {
    g_autoptr(CpmObject) o = rebuilt (chat);
    g_autofree char *v = g_strnfill (998 - strlen ("X-Edge: ") + extra, 'a');
    cpm_object_append_header (o, "X-Edge", v);
    g_assert_cmpint (cpm_object_round_trips (o, NULL), ==, extra == 0);
    g_autoptr(CpmObject) p = reparsed (o);
    g_assert_cmpint (cpm_report_has_rule (cpm_object_get_parse_report (p), "rfc5322.line-too-long"),
                     ==, extra == 1);
  }
  /* a name that is no field name: a malformed line once written */
  {
    g_autoptr(CpmObject) o = rebuilt (chat);
    cpm_object_append_header (o, "X Bad", "x");
    g_assert_false (cpm_object_round_trips (o, NULL));
    g_autoptr(CpmObject) p = reparsed (o);
    g_assert_true (cpm_report_has_rule (cpm_object_get_parse_report (p), "rfc5322.malformed-line"));
  }
  /* values the written form changes: a line break (another field), WSP at
   * an end (trimmed), a run of spaces (written as one), non-ASCII (encoded) */
  static const char *const raw[] = { "a\r\nX-Injected: b", "x\t", "\tx", " x", "a  b", "caf\303\251" };
  for (guint i = 0; i < G_N_ELEMENTS (raw); i++) {
    g_autoptr(CpmObject) o = rebuilt (chat);
    const char *v = raw[i];
    cpm_object_append_header (o, "X-Changed", v);
    if (cpm_object_round_trips (o, NULL))
      g_error ("X-Changed: %s round-trips", raw[i]);
    g_autoptr(CpmObject) p = reparsed (o);
    const char *back = cpm_object_get_header (p, "X-Changed");
    g_assert_true (g_strcmp0 (back, v) != 0);
  }
  /* a kind detection would not give: a chat message without the session's
   * P-Asserted-Service is read back as a message */
  {
    g_autoptr(CpmObject) o = rebuilt (chat);
    g_assert_cmpuint (cpm_object_remove_header (o, "P-Asserted-Service"), ==, 1);
    g_assert_false (cpm_object_round_trips (o, NULL));
    g_autoptr(CpmObject) p = reparsed (o);
    g_assert_cmpint (cpm_object_get_kind (p), ==, CPM_KIND_MESSAGE);
  }
  /* no body, no fields */
  {
    g_autoptr(CpmObject) o = rebuilt (chat);
    cpm_object_set_body (o, NULL);
    g_assert_false (cpm_object_round_trips (o, NULL));
    g_autoptr(CpmObject) e = cpm_object_new (CPM_KIND_MEDIA);
    g_autoptr(GBytes) body = g_bytes_new_static ("x", 1);
    cpm_object_set_body (e, body);
    g_assert_false (cpm_object_round_trips (e, NULL));
  }
  /* the parse's limits: the re-parse would fail */
  {
    g_autoptr(CpmObject) o = rebuilt (chat);
    g_autoptr(GBytes) bytes = cpm_object_serialize (o);
    CpmLimits limits = *cpm_limits_default ();
    g_assert_true (cpm_object_round_trips (o, &limits));
    limits.max_headers = cpm_object_get_n_headers (o) - 1;
    g_assert_false (cpm_object_round_trips (o, &limits));
    g_assert_null (cpm_object_parse (bytes, &limits, NULL));
    limits = *cpm_limits_default ();
    limits.max_object_size = g_bytes_get_size (bytes) - 1;
    g_assert_false (cpm_object_round_trips (o, &limits));
    g_assert_null (cpm_object_parse (bytes, &limits, NULL));
    limits = *cpm_limits_default ();
    limits.max_header_line = 20;
    g_assert_false (cpm_object_round_trips (o, &limits));
    g_assert_null (cpm_object_parse (bytes, &limits, NULL));
  }
}

/* Where spaces and tabs are in a value decides whether it round-trips
 * (WSP at an end is trimmed, a run of spaces written as one): every
 * placement of two of them in values of up to 40 bytes, at every
 * alignment the object's arena gives, against the rule said plainly. */
static void
test_round_trips_spaces (void)
{
  static const char wsp[] = { ' ', '\t' };
  char v[48];
  for (gsize len = 1; len <= 40; len++)
    for (gsize a = 0; a < len; a++)
      for (gsize b = a; b < len; b++)
        for (guint k = 0; k < 4; k++) {
          memset (v, 'x', len);
          v[len] = '\0';
          v[a] = wsp[k & 1];
          v[b] = wsp[k >> 1];
          gboolean want = !g_ascii_isspace (v[0]) && !g_ascii_isspace (v[len - 1]) &&
                          !strstr (v, "  ");
          g_autoptr(CpmObject) o = cpm_object_new (CPM_KIND_MEDIA);
          g_autoptr(GBytes) body = g_bytes_new_static ("x", 1);
          cpm_object_append_header (o, "Content-Type", "text/plain");
          /* shifts the value's place in the arena by one byte each time */
          g_autofree char *pad = g_strnfill (len % 8, 'p');
          cpm_object_append_header (o, "X-Pad", pad);
          cpm_object_append_header (o, "X-Space", v);
          cpm_object_set_body (o, body);
          if (cpm_object_round_trips (o, NULL) != want)
            g_error ("\"%s\" (%" G_GSIZE_FORMAT " bytes): round-trips %d", v, len, !want);
          /* written as it is, unless a run of spaces makes the writer fold
           * (which collapses it; a space at an end takes that way too) */
          gboolean run = strstr (v, "  ") != NULL;
          gboolean verbatim = v[0] != ' ' && v[len - 1] != ' ' && !run;
          g_autoptr(GBytes) out = cpm_object_serialize (o);
          g_autofree char *line = g_strdup_printf ("\r\nX-Space: %s\r\n", v);
          gsize n = 0;
          const char *d = g_bytes_get_data (out, &n);
          gboolean as_is = memmem (d, n, line, strlen (line)) != NULL;
          if ((verbatim && !as_is) || (run && v[0] != ' ' && v[len - 1] != ' ' && as_is))
            g_error ("\"%s\": written as it is %d", v, as_is);
        }
}

/* A field name round-trips when all of its bytes are 33-126 but ':': every
 * byte value at every place of names of 1-20 bytes. */
static void
test_round_trips_names (void)
{
  char name[24];
  for (gsize len = 1; len <= 20; len++)
    for (gsize at = 0; at < len; at++)
      for (guint b = 1; b < 256; b++) {
        memset (name, 'N', len);
        name[len] = '\0';
        name[at] = (char) b;
        gboolean want = b >= 33 && b <= 126 && b != ':';
        g_autoptr(CpmObject) o = cpm_object_new (CPM_KIND_MEDIA);
        g_autoptr(GBytes) body = g_bytes_new_static ("x", 1);
        cpm_object_append_header (o, "Content-Type", "text/plain");
        cpm_object_append_header (o, name, "v");
        cpm_object_set_body (o, body);
        if (cpm_object_round_trips (o, NULL) != want)
          g_error ("byte 0x%02x at %" G_GSIZE_FORMAT " of a %" G_GSIZE_FORMAT "-byte name", b, at,
                   len);
      }
}

int
main (int argc, char **argv)
{
  cpm_test_init (&argc, &argv);
  g_test_add_func ("/object/fields-and-lines", test_fields_and_lines);
  g_test_add_func ("/object/folded-value", test_folded_value_is_unfolded);
  g_test_add_func ("/object/lf", test_lf_object);
  g_test_add_func ("/object/malformed-line", test_malformed_line_kept);
  g_test_add_func ("/object/no-body", test_no_body);
  g_test_add_func ("/object/empty-input", test_empty_input_fails);
  g_test_add_func ("/object/truncated-field", test_truncated_field);
  g_test_add_func ("/object/limits", test_limits);
  g_test_add_func ("/object/huge-header-line", test_huge_header_line);
  g_test_add_func ("/object/hostile-bytes", test_hostile_bytes);
  g_test_add_func ("/object/scanner-byte-places", test_scanner_byte_places);
  g_test_add_func ("/object/scanner-continuation-and-end", test_scanner_continuation_and_end);
  g_test_add_func ("/object/edit-fields", test_edit_fields);
  g_test_add_func ("/object/appended-fields", test_appended_fields);
  g_test_add_func ("/object/many-fields", test_many_fields);
  g_test_add_func ("/object/find-header-cases", test_find_header_cases);
  g_test_add_func ("/object/folded-writes", test_folded_writes);
  g_test_add_func ("/object/serialize-buffer", test_serialize_buffer);
  g_test_add_func ("/object/serialize-lent", test_serialize_lent);
  g_test_add_func ("/object/generated-fields", test_generated_fields);
  g_test_add_func ("/object/kind-detection", test_kind_detection);
  g_test_add_func ("/object/content-type-helpers", test_content_type_helpers);
  g_test_add_func ("/object/roundtrip-testdata", test_roundtrip_testdata);
  g_test_add_func ("/object/cpim-without-body", test_cpim_without_body);
  g_test_add_func ("/object/content-type-param-odd-tail", test_content_type_param_odd_tail);
  g_test_add_func ("/object/ascii-text-scanner", test_ascii_text_scanner);
  g_test_add_func ("/object/round-trips-converted", test_round_trips_converted);
  g_test_add_func ("/object/round-trips-not", test_round_trips_not);
  g_test_add_func ("/object/round-trips-spaces", test_round_trips_spaces);
  g_test_add_func ("/object/round-trips-names", test_round_trips_names);
  return g_test_run ();
}
