/* The validator engine: parse defects, the registry's per-header rules,
 * cross-field rules, then the body module of the object's kind.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config-private.h"
#include "cpm-object-private.h"
#include "cpm-check-private.h"
#include "cpm-validate-private.h"
#include "cpm-media-private.h"

#include <cpmobj/cpm-header.h>
#include <cpmobj/cpm-validate.h>
#include <string.h>

typedef void (*BodyHook) (const CpmObject *, CpmProfile, CpmReport *);

/* The table that says which header statuses apply: Table 1 for message
 * kinds, the differences tables for the others. */
static const char *
kind_table (CpmKind kind)
{
  switch (kind) {
  case CPM_KIND_FILE_TRANSFER: return "5.2.2 Table 2";
  case CPM_KIND_SESSION_INFO: return "5.2.3 Table 3";
  case CPM_KIND_GROUP_STATE: return "5.2.4 Table 4";
  case CPM_KIND_MEDIA: return "5.2.5";
  case CPM_KIND_CONFERENCE_INFO: return "5.2.6 Table 6";
  default: return "5.2.1 Table 1";
  }
}

typedef struct {
  guint count;
  guint first_line;
  guint second_line;
} Seen;

/* Passes are remembered per thread: the objects of one store or mbox
 * repeat a session's addresses, service, Accept-Contact and Content-Type
 * (a failure is always checked again, so every one is reported). */
static void
check_value (const CpmHeaderDef *def, const char *value, gsize len, guint line,
             CpmReport *report)
{
  g_autoptr(GError) error = NULL;
  if (!def->check || cpm_check_cached (def->check, value, len, &error))
    return;
  g_autofree char *rule = g_strconcat (def->key, ".syntax", NULL);
  cpm_report_add (report, rule, CPM_SEVERITY_ERROR, def->section, def->name, line,
                  "invalid %s value: %s", def->name,
                  error ? error->message : "does not follow its grammar");
}

/* One pass over the fields: count each known field and check its value. */
static void
scan_known_fields (const CpmObject *object, const CpmHeaderDef *defs, guint n_defs,
                   Seen *seen, CpmReport *report)
{
  guint n = cpm_object_get_n_headers (object);
  for (guint i = 0; i < n; i++) {
    const char *name, *value;
    gsize name_len, value_len;
    if (!cpm_object_peek_header (object, i, &name, &name_len, &value, &value_len))
      continue;
    const CpmHeaderDef *def = cpm_header_lookup (name, (gssize) name_len);
    if (!def)
      continue;
    Seen *s = &seen[def - defs];
    guint line = cpm_object_get_header_line (object, i);
    if (s->count == 0)
      s->first_line = line;
    else if (s->count == 1)
      s->second_line = line;
    s->count++;
    check_value (def, value, value_len, line, report);
  }
  (void) n_defs;
}

static void
report_missing (const CpmObject *object, const CpmHeaderDef *def, CpmKind kind,
                CpmReport *report)
{
  g_autofree char *rule = g_strconcat (def->key, ".missing", NULL);
  const char *hint = "";
  /* Appendix D writes the CPIM name DateTime where RFC 5322 wants Date. */
  if (strcmp (def->name, "Date") == 0 && cpm_object_find_header (object, "DateTime", 0) >= 0)
    hint = " (DateTime: is the CPIM field name; the RFC 5322 field is Date:)";
  cpm_report_add (report, rule, CPM_SEVERITY_ERROR, def->section, def->name, 0,
                  "missing mandatory header %s for %s objects (%s)%s", def->name,
                  cpm_kind_to_string (kind), kind_table (kind), hint);
}

static void
check_presence (const CpmObject *object, CpmKind kind, CpmProfile profile,
                const CpmHeaderDef *def, CpmHeaderStatus status, const Seen *s,
                CpmReport *report)
{
  if (s->count == 0) {
    if (status == CPM_STATUS_MANDATORY)
      report_missing (object, def, kind, report);
    return;
  }
  if (status == CPM_STATUS_NOT_APPLICABLE) {
    g_autofree char *rule = g_strconcat (def->key, ".not-applicable", NULL);
    cpm_report_add (report, rule, CPM_SEVERITY_ERROR, kind_table (kind), def->name,
                    s->first_line, "%s is not applicable to %s objects and SHALL NOT be present",
                    def->name, cpm_kind_to_string (kind));
  }
  if (def->max && s->count > def->max) {
    g_autofree char *rule = g_strconcat (def->key, ".duplicate", NULL);
    cpm_report_add (report, rule, CPM_SEVERITY_ERROR, def->section, def->name,
                    s->second_line, "%s occurs %u times; at most %u allowed", def->name,
                    s->count, def->max);
  }
  if (profile < def->since) {
    g_autofree char *rule = g_strconcat (def->key, ".profile", NULL);
    cpm_report_add (report, rule, CPM_SEVERITY_WARNING, def->section, def->name,
                    s->first_line, "%s is defined from profile %s on, not in %s", def->name,
                    cpm_profile_to_string (def->since), cpm_profile_to_string (profile));
  }
}

/* Table 1, Message-Context: "It SHALL be present if a Message-Correlator
 * header is present", with the value that matches the legacy kind. The
 * counts of the pass over the fields tell both (no lookup by name). */
static void
check_legacy_context (CpmKind kind, const CpmHeaderDef *defs, const Seen *seen,
                      CpmReport *report)
{
  static const CpmHeaderDef *context, *correlator_def;
  static gsize looked_up;
  if (g_once_init_enter (&looked_up)) {
    context = cpm_header_lookup ("Message-Context", -1);
    correlator_def = cpm_header_lookup ("Message-Correlator", -1);
    g_once_init_leave (&looked_up, 1);
  }
  const Seen *correlator = &seen[correlator_def - defs];
  if (correlator->count && !seen[context - defs].count &&
      cpm_header_status (context, kind, CPM_PROFILE_2_2) != CPM_STATUS_NOT_APPLICABLE)
    cpm_report_add (report, "message-context.required", CPM_SEVERITY_ERROR, "5.2.1 Table 1",
                    "Message-Context", correlator->first_line,
                    "Message-Correlator is present, so Message-Context SHALL be present too");
}

/* The registry rows mandatory for each kind and profile, worked out once:
 * an object has 8-11 of the 17 rows, and cpm_header_status was asked for
 * every row of every object. A row present still gets check_presence. */
static guint64 mandatory_rows[CPM_KIND_COUNT][CPM_PROFILE_COUNT];
/* and the status of each of the first 64 rows (asked ~10 times an object) */
static guint8 row_status[CPM_KIND_COUNT][CPM_PROFILE_COUNT][64];

static void
rows_init (const CpmHeaderDef *defs, guint n_defs)
{
  static gsize done;
  if (g_once_init_enter (&done)) {
    for (guint k = 0; k < CPM_KIND_COUNT; k++)
      for (guint p = 0; p < CPM_PROFILE_COUNT; p++)
        for (guint d = 0; d < n_defs && d < 64; d++) {
          CpmHeaderStatus st = cpm_header_status (&defs[d], (CpmKind) k, (CpmProfile) p);
          row_status[k][p][d] = (guint8) st;
          if (st == CPM_STATUS_MANDATORY)
            mandatory_rows[k][p] |= G_GUINT64_CONSTANT (1) << d;
        }
    g_once_init_leave (&done, 1);
  }
}

static CpmHeaderStatus
row_status_of (const CpmHeaderDef *defs, guint d, CpmKind kind, CpmProfile profile)
{
  if (d < 64 && (guint) kind < CPM_KIND_COUNT && (guint) profile < CPM_PROFILE_COUNT)
    return (CpmHeaderStatus) row_status[kind][profile][d];
  return cpm_header_status (&defs[d], kind, profile);
}

static guint64
mandatory_rows_of (const CpmHeaderDef *defs, guint n_defs, CpmKind kind, CpmProfile profile)
{
  if ((guint) kind < CPM_KIND_COUNT && (guint) profile < CPM_PROFILE_COUNT)
    return mandatory_rows[kind][profile];
  guint64 rows = 0;
  for (guint d = 0; d < n_defs && d < 64; d++)
    if (cpm_header_status (&defs[d], kind, profile) == CPM_STATUS_MANDATORY)
      rows |= G_GUINT64_CONSTANT (1) << d;
  return rows;
}

static void
check_headers (const CpmObject *object, CpmKind kind, CpmProfile profile, CpmReport *report)
{
  guint n_defs;
  const CpmHeaderDef *defs = cpm_header_registry (&n_defs);
  Seen *seen = g_newa (Seen, n_defs);
  memset (seen, 0, sizeof (Seen) * n_defs);
  scan_known_fields (object, defs, n_defs, seen, report);
  rows_init (defs, n_defs);
  /* past 64 rows the mask cannot tell: every row asked as before */
  guint64 mandatory = n_defs <= 64 ? mandatory_rows_of (defs, n_defs, kind, profile) : 0;
  for (guint d = 0; d < n_defs; d++) {
    if (seen[d].count || n_defs > 64)
      check_presence (object, kind, profile, &defs[d], row_status_of (defs, d, kind, profile),
                      &seen[d], report);
    else if (mandatory >> d & 1)
      report_missing (object, &defs[d], kind, report);
  }
  check_legacy_context (kind, defs, seen, report);
}

static BodyHook
body_hook (CpmKind kind)
{
  switch (kind) {
  case CPM_KIND_MESSAGE:
  case CPM_KIND_CHAT:
  case CPM_KIND_SMS:
  case CPM_KIND_MMS: return cpm_validate_body_cpim;
  case CPM_KIND_IMDN: return cpm_validate_body_imdn;
  case CPM_KIND_FILE_TRANSFER: return cpm_validate_body_file_transfer;
  case CPM_KIND_SESSION_INFO: return cpm_validate_body_session_info;
  case CPM_KIND_GROUP_STATE: return cpm_validate_body_group_state;
  case CPM_KIND_CONFERENCE_INFO: return cpm_validate_body_conference_info;
  case CPM_KIND_MEDIA: return cpm_validate_body_media;
  case CPM_KIND_SESSION_HISTORY: return cpm_validate_body_session_history;
  default: return NULL;
  }
}

static void
check_body (const CpmObject *object, CpmKind kind, CpmProfile profile, CpmReport *report)
{
  GBytes *body = cpm_object_get_body (object);
  if (!body || g_bytes_get_size (body) == 0) {
    cpm_report_add (report, "body.missing", CPM_SEVERITY_ERROR, kind_table (kind), NULL, 0,
                    "the message body is mandatory and the object has none");
    return;
  }
  BodyHook hook = body_hook (kind);
  if (hook)
    hook (object, profile, report);
  /* The IMDN notification is a CPIM message too: its wrapper is checked
   * like every other message's. */
  if (kind == CPM_KIND_IMDN)
    cpm_validate_body_cpim (object, profile, report);
}

CpmReport *
cpm_validate (const CpmObject *object, CpmProfile profile)
{
  CpmReport *report = cpm_report_new ();
  CpmKind kind = cpm_object_get_kind (object);
  cpm_report_merge (report, cpm_object_peek_parse_report (object), 0);
  if (kind == CPM_KIND_UNKNOWN) {
    cpm_report_add (report, "object.kind-unknown", CPM_SEVERITY_ERROR, "5.2", NULL, 0,
                    "not a CPM store object: no Content-Type or CPM header tells its kind");
    return report;
  }
  check_headers (object, kind, profile, report);
  check_body (object, kind, profile, report);
  return report;
}

/* The catalogue. Modules that add rules list them here too, so that
 * `cpmobj validate --list-rules` and cpmobj-validate(1) stay complete. */
static const CpmRuleInfo rules[] = {
  { "<header>.missing", CPM_SEVERITY_ERROR, "5.2.x Tables 1-6", "a mandatory header is absent" },
  { "<header>.not-applicable", CPM_SEVERITY_ERROR, "5.2.x Tables 1-6",
    "a header the kind's table marks not applicable is present" },
  { "<header>.duplicate", CPM_SEVERITY_ERROR, "Appendix C, RFC 5322 3.6",
    "a header occurs more often than its maximum" },
  { "<header>.syntax", CPM_SEVERITY_ERROR, "Appendix C", "a header value breaks its grammar" },
  { "<header>.profile", CPM_SEVERITY_WARNING, "4.1-4.4",
    "a header is defined only in a later profile" },
  { "message-context.required", CPM_SEVERITY_ERROR, "5.2.1 Table 1",
    "Message-Correlator without Message-Context" },
  { "body.missing", CPM_SEVERITY_ERROR, "5.2.1 Table 1", "the object has no body" },
  { "object.kind-unknown", CPM_SEVERITY_ERROR, "5.2", "the object's kind cannot be told" },
  { "rfc5322.malformed-line", CPM_SEVERITY_ERROR, "RFC 5322 2.2",
    "a header-block line that is not a field" },
  { "rfc5322.line-too-long", CPM_SEVERITY_ERROR, "RFC 5322 2.1.1", "a line over 998 octets" },
  { "rfc5322.nul", CPM_SEVERITY_ERROR, "RFC 5322 2.2", "a NUL byte in the header block" },
  { "rfc5322.bare-cr", CPM_SEVERITY_ERROR, "RFC 5322 2.2", "a CR without LF" },
  { "rfc5322.invalid-utf8", CPM_SEVERITY_ERROR, "RFC 5322 2.2",
    "8-bit bytes in a header that are not UTF-8" },
  { "rfc5322.8bit-header", CPM_SEVERITY_WARNING, "RFC 5322 2.2, RFC 6532",
    "raw UTF-8 in a header instead of RFC 2047" },
  { "rfc5322.mixed-line-ends", CPM_SEVERITY_WARNING, "RFC 5322 2.2", "CRLF and LF mixed" },
  { "rfc5322.no-headers", CPM_SEVERITY_ERROR, "RFC 5322 2.2", "no header fields at all" },
  { "rfc5322.truncated", CPM_SEVERITY_ERROR, "RFC 5322 2.1",
    "the input ends in the middle of a header field" },
  /* module rules: add below, one line each */
  { "xml.not-well-formed", CPM_SEVERITY_ERROR, "XML 1.0 2.1", "an XML body is not well-formed (line and column given)" },
  { "xml.doctype", CPM_SEVERITY_ERROR, "Issue 3", "an XML body has a DOCTYPE: DTDs and entity declarations are refused" },
  { "xml.schema-unavailable", CPM_SEVERITY_ERROR, "schemas/", "the XSD for a body kind cannot be loaded" },
  { "limit.xml-size", CPM_SEVERITY_ERROR, "CpmLimits", "an XML body is larger than max_xml_size" },
  { "limit.xml-depth", CPM_SEVERITY_ERROR, "CpmLimits", "XML elements nest deeper than max_xml_depth" },
  { "gso.profile", CPM_SEVERITY_ERROR, "4.1, 5.2.4", "a Group State Object under profile 1.0" },
  { "gso.content-type", CPM_SEVERITY_ERROR, "5.2.4 Table 4", "GSO Content-Type is neither application/group-state-object+xml nor multipart/related" },
  { "gso.multipart", CPM_SEVERITY_ERROR, "5.2.4 Table 4", "the multipart/related GSO body has no parts" },
  { "gso.root-type", CPM_SEVERITY_ERROR, "5.2.4 Table 4", "the root part of a multipart GSO is not application/group-state-object+xml" },
  { "gso.schema", CPM_SEVERITY_ERROR, "5.2.4", "the GSO XML is not valid against schemas/group-state-object.xsd" },
  { "gso.yourown-multiple", CPM_SEVERITY_ERROR, "5.2.4 f) iii)", "more than one participant has yourown=\"true\"" },
  { "gso.attribute-profile", CPM_SEVERITY_ERROR, "4.4, 5.2.4", "participant yourown or role before profile 2.2" },
  { "gso.element-profile", CPM_SEVERITY_ERROR, "4.4, 5.2.4", "<max-user-count> or <policy> before profile 2.2" },
  { "gso.duplicate-element", CPM_SEVERITY_ERROR, "5.2.4 i) j)", "<max-user-count> or <policy> given more than once" },
  { "gso.iw-number", CPM_SEVERITY_ERROR, "5.2.4 d)", "iw-number is not a TEL URI" },
  { "gso.icon-part-missing", CPM_SEVERITY_ERROR, "5.2.4 h)", "icon <file-info> names no icon part of the object" },
  { "conference-info.profile", CPM_SEVERITY_ERROR, "4.4, 5.2.6", "a Conference Information Object before profile 2.2" },
  { "conference-info.content-type", CPM_SEVERITY_ERROR, "5.2.6 Table 6", "Content-Type is neither application/conference-info+xml nor multipart/related" },
  { "conference-info.multipart", CPM_SEVERITY_ERROR, "5.2.6 Table 6", "the multipart/related body has no parts" },
  { "conference-info.root-type", CPM_SEVERITY_ERROR, "5.2.6 Table 6", "the root part is not application/conference-info+xml" },
  { "conference-info.schema", CPM_SEVERITY_ERROR, "5.2.6, RFC 4575", "the XML is not valid against schemas/conference-info.xsd" },
  { "imdn.schema", CPM_SEVERITY_ERROR, "5.2.1, RFC 5438", "the notification is not valid against schemas/imdn.xsd" },
  { "imdn.message-id-empty", CPM_SEVERITY_ERROR, "5.2.1, RFC 5438", "<message-id> is empty" },
  { "imdn.message-id-same", CPM_SEVERITY_ERROR, "RFC 5438 6.3", "<message-id> equals the notification's own imdn.Message-ID" },
  { "imdn.cpim-message-id-missing", CPM_SEVERITY_ERROR, "5.2.1 Table 1, RFC 5438 6.3", "the CPIM wrapper has no imdn.Message-ID" },
  { "imdn.datetime", CPM_SEVERITY_ERROR, "RFC 5438, RFC 3339", "<datetime> is not an RFC 3339 date-time" },
  { "cpim.content-type", CPM_SEVERITY_ERROR, "5.2.1 Table 1", "a message, chat, IMDN, SMS or MMS object whose Content-Type is not Message/CPIM" },
  { "cpim.not-cpim", CPM_SEVERITY_ERROR, "RFC 3862 2", "the Message/CPIM body has no CPIM header block" },
  { "cpim.malformed-line", CPM_SEVERITY_ERROR, "RFC 3862 3.6", "a line in the CPIM header block is not \"Name: value\"" },
  { "cpim.missing-separator", CPM_SEVERITY_WARNING, "RFC 3862 2", "no empty line between CPIM headers and the MIME entity (as in Appendix D)" },
  { "cpim.no-content", CPM_SEVERITY_ERROR, "RFC 3862 2", "the CPIM header block is not followed by a MIME entity" },
  { "cpim.missing-content-separator", CPM_SEVERITY_ERROR, "RFC 2045 3", "no empty line between the inner MIME header and its content" },
  { "cpim.from-missing", CPM_SEVERITY_ERROR, "RFC 3862 4.1", "the CPIM From header is absent (names are case-sensitive)" },
  { "cpim.to-missing", CPM_SEVERITY_ERROR, "RFC 3862 4.2", "the CPIM To header is absent (names are case-sensitive)" },
  { "cpim.datetime-invalid", CPM_SEVERITY_ERROR, "RFC 3862 4.4", "CPIM DateTime is not an RFC 3339 date-time" },
  { "cpim.ns-invalid", CPM_SEVERITY_ERROR, "RFC 3862 4.6", "an NS value is not [prefix] <URI>" },
  { "cpim.ns-undeclared", CPM_SEVERITY_WARNING, "RFC 3862 3.4", "a prefixed CPIM header whose prefix no NS header declares (as in Appendix D)" },
  { "cpim.imdn-message-id-mismatch", CPM_SEVERITY_ERROR, "5.2.1 Table 1", "IMDN-Message-ID differs from the CPIM imdn.Message-ID" },
  { "cpim.content-type-missing", CPM_SEVERITY_WARNING, "RFC 3862 2.4", "the entity inside CPIM has no Content-Type" },
  { "cpim.imdn-content-type", CPM_SEVERITY_ERROR, "5.2.1, RFC 5438 7", "an IMDN object whose CPIM entity is not message/imdn+xml" },
  { "cpim.transfer-encoding-unknown", CPM_SEVERITY_ERROR, "RFC 2045 6.1", "unknown Content-Transfer-Encoding of the CPIM entity" },
  { "cpim.multipart-boundary-missing", CPM_SEVERITY_ERROR, "RFC 2046 5.1.1", "inner multipart without boundary parameter" },
  { "cpim.multipart-empty", CPM_SEVERITY_ERROR, "RFC 2046 5.1.1", "inner multipart without any body part" },
};

/* The engine's rules, then those the body modules list themselves. */
const CpmRuleInfo *
cpm_validate_rules (guint *n_rules)
{
  static CpmRuleInfo *all;
  static guint n_all;
  if (g_once_init_enter (&all)) {
    guint n_body = 0;
    const CpmRuleInfo *body = cpm_body_rules (&n_body);
    CpmRuleInfo *table = g_new (CpmRuleInfo, G_N_ELEMENTS (rules) + n_body);
    memcpy (table, rules, sizeof rules);
    memcpy (table + G_N_ELEMENTS (rules), body, n_body * sizeof (CpmRuleInfo));
    n_all = G_N_ELEMENTS (rules) + n_body;
    g_once_init_leave (&all, table);
  }
  *n_rules = n_all;
  return all;
}
