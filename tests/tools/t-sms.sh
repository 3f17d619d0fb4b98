#!/bin/bash
# TAP tests of `cpmobj convert` on SMS/MMS exports. Env: CPMOBJ, CPM_TESTDATA.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
: "${CPMOBJ:?}" "${CPM_TESTDATA:?}"
S="$CPM_TESTDATA/sms"
. "$(dirname "$0")/tap.sh"
count () { grep -cE -- "$1" "$2"; }

# ---- the sample export: SMS, image MMS, group MMS, emoji surrogates ----
rc "convert the sample export" 0 "$CPMOBJ" convert --self +15145550000 -o "$T/a" "$S/export-sample.xml"
check "summary: 10 read, 9 written, 1 skipped, 6 surrogates repaired" \
  err_has '10 records read, 9 objects written \(0 invalid\), 1 skipped, 6 surrogate pairs repaired'
check "the draft is named as skipped" err_has 'export-sample.xml:8: skipped: draft$'
check "nothing on stdout without --json" test ! -s "$T/out"
check "9 object files" test "$(find "$T/a" -name '*.eml' | wc -l)" -eq 9
check "manifest has 9 lines" test "$(wc -l <"$T/a/manifest.jsonl")" -eq 9
check "manifest lines carry file, folder, kind, flags, internal_date, imdn_message_id" \
  test "$(count '^\{"file":"[0-9a-f-]{36}/[0-9a-f-]{36}\.eml","folder":"[0-9a-f-]{36}","kind":"(sms|mms)","flags":\[("\\\\Seen")?\],"internal_date":"2024-05-01T[0-9:]{8}Z","imdn_message_id":"[0-9a-f-]{36}"' "$T/a/manifest.jsonl")" -eq 9
check "every manifest file exists" bash -c "cd '$T/a' && sed 's/^{\"file\":\"\\([^\"]*\\)\".*/\\1/' manifest.jsonl | xargs ls >/dev/null"
check "no temporary file left" test "$(find "$T/a" -name '.*' | wc -l)" -eq 0
rc "every object validates clean (validate --store)" 0 "$CPMOBJ" validate --store "$T/a"
check "  ... 9 valid verdicts, no error" \
  bash -c "[ \$(grep -c ': valid (\\(sms\\|mms\\), 2.2)$' '$T/out') -eq 9 ] && ! grep -q ' error ' '$T/out'"
check "unread received SMS has no flags, read one \\Seen" \
  bash -c "grep -q '\"flags\":\\[\\],\"internal_date\":\"2024-05-01T13:00:00Z\"' '$T/a/manifest.jsonl' &&
           grep -q '\"flags\":\\[\"\\\\\\\\Seen\"\\],\"internal_date\":\"2024-05-01T12:00:00Z\"' '$T/a/manifest.jsonl'"

G=$(grep -l '^Subject: Souper vendredi' "$T"/a/*/*.eml)
check "group MMS: To two peers, Cc the third" \
  bash -c "grep -q '^To: +15145551234@phony.com, +15145559876@phony.com' '$G' && grep -q '^Cc: +33612345678@phony.com' '$G'"
check "group MMS sent and received share the conversation folder" \
  test "$(ls "$(dirname "$G")" | wc -l)" -eq 2
I=$(grep -l '^Message-Correlator: 0501140000-2a9c@mmsc.example.net' "$T"/a/*/*.eml)
check "image MMS: multipart/related with the PNG part and its Content-ID" \
  bash -c "grep -q 'multipart/related; boundary=' '$I' && grep -qi '^Content-Id: <IMG_0001>' '$I' && grep -q 'filename=IMG_0001.png' '$I'"
check "image MMS is filed with the SMS of the same peer" \
  test "$(dirname "$I")" = "$(dirname "$(grep -l '^From: +15145551234@phony.com' "$T"/a/*/*.eml | head -1)")"
check "SMS with emoji: one encoded-word correlator" \
  bash -c "grep -q '^Message-Correlator: =?utf-8?b?U2FsdXQhIE9uIHNlIHZvaXQgw6AgMThoPyDwn5iA?=' '$T'/a/*/*.eml"

# ---- determinism ----
rc "convert the same export again" 0 "$CPMOBJ" convert --self +15145550000 -o "$T/b" "$S/export-sample.xml"
check "same input twice gives byte-identical trees" diff -r "$T/a" "$T/b"
rc "convert over the previous output" 0 "$CPMOBJ" convert --self +15145550000 -o "$T/a" "$S/export-sample.xml"
check "  ... and it stays identical" diff -r "$T/a" "$T/b"

# ---- a broken record in the middle ----
rc "an export with broken records" 1 "$CPMOBJ" convert -o "$T/c" "$S/export-broken-record.xml"
check "every other record is converted" test "$(find "$T/c" -name '*.eml' | wc -l)" -eq 3
check "the broken date is named with its line" err_has "export-broken-record.xml:5: skipped: unreadable date 'hier'"
check "the undecodable part is named with its line" \
  err_has "export-broken-record.xml:6: skipped: undecodable part 'broken.jpg'"
check "summary counts them by reason" \
  bash -c "grep -q 'skipped 1: unreadable date$' '$T/err' && grep -q 'skipped 1: undecodable part$' '$T/err'"
rc "a record that is not well-formed XML" 1 "$CPMOBJ" convert -o "$T/d" "$S/export-not-wellformed.xml"
check "it is named with its line" \
  err_has "export-not-wellformed.xml:23: skipped: not well-formed XML at line 23: "
check "every other record is written (25)" test "$(find "$T/d" -name '*.eml' | wc -l)" -eq 25

# ---- JSON lines, pipelines ----
rc "JSON lines from stdin into a stream of objects" 1 \
  bash -c "'$CPMOBJ' convert - -o - <'$S/messages.jsonl' >'$T/stream.mbox'"
check "the broken JSON line is named" err_has '<stdin>:5: skipped: not a JSON object'
check "unknown kind is named" err_has "<stdin>:8: skipped: unknown kind 'fax'"
check "bad base64 is named" err_has "<stdin>:9: skipped: undecodable part 'bad.png'"
rc "convert - -o - | validate -" 0 bash -c "'$CPMOBJ' convert - -o - <'$S/messages.jsonl' 2>/dev/null | '$CPMOBJ' validate -"
check "  ... four valid objects" test "$(grep -c ': valid (' "$T/out")" -eq 4
rc "--json with -o -: one JSON line per record" 1 "$CPMOBJ" convert --json -o - "$S/messages.jsonl"
check "  ... 4 converted lines with the object, 4 skipped lines" \
  bash -c "[ \$(grep -c '\"status\":\"converted\"' '$T/out') -eq 4 ] && [ \$(grep -c '\"object\":\"' '$T/out') -eq 4 ] && [ \$(grep -c '\"status\":\"skipped\"' '$T/out') -eq 4 ]"
grep '"status":"converted"' "$T/out" | head -1 | python3 -c 'import json,sys,base64; sys.stdout.buffer.write(base64.b64decode(json.loads(sys.stdin.read())["object"]))' >"$T/one.eml"
rc "an object from the JSON stream validates" 0 "$CPMOBJ" validate "$T/one.eml"

# ---- MMS PDUs ----
rc "binary MMS PDUs" 0 "$CPMOBJ" convert -o "$T/p" "$S/mms-send-req.mms" "$S/mms-retrieve-conf.mms"
rc "  ... validate clean" 0 "$CPMOBJ" validate --store "$T/p"
check "m-retrieve-conf keeps its Message-ID as correlator" \
  bash -c "grep -q '^Message-Correlator: 0501120600-7f3a@mmsc.example.net' '$T'/p/*/*.eml"
rc "a truncated PDU is a skipped record" 1 "$CPMOBJ" convert -o "$T/q" "$S/mms-truncated.mms"
check "  ... naming the offset" err_has 'mms-truncated.mms: skipped: undecodable MMS PDU: offset [0-9]+'
rc "--from overrides detection" 1 "$CPMOBJ" convert --from jsonl -o "$T/r" "$S/mms-send-req.mms"
check "  ... the PDU is read as JSON lines" err_has 'mms-send-req.mms:1: skipped: not a JSON object'

# ---- other outputs ----
rc "--append-script, --mbox and --folder-by peer" 0 "$CPMOBJ" convert --folder-by peer \
  --append-script "$T/s.imap" --mbox "$T/s.mbox" -o "$T/s" "$S/export-sample.xml"
check "folders named by tel URI" test -d "$T/s/tel:+15145551234,tel:+15145559876,tel:+33612345678"
check "one CREATE per folder, one APPEND per object, LOGOUT at the end" \
  bash -c "[ \$(grep -ac '^C[0-9]* CREATE \"' '$T/s.imap') -eq 5 ] && [ \$(grep -ac '^A[0-9]* APPEND \"' '$T/s.imap') -eq 9 ] && tail -1 '$T/s.imap' | grep -aq '^Z[0-9]* LOGOUT'"
check "APPEND lines carry flags, internal date and a LITERAL+ size" \
  grep -aqE '^A[0-9]+ APPEND "tel:\+15145551234" \(\\Seen\) "01-May-2024 12:00:00 \+0000" \{[0-9]+\+\}' "$T/s.imap"
check "literal sizes match the objects" python3 - "$T/s.imap" <<'EOF'
import re, sys
data = open(sys.argv[1], "rb").read()
pos, n = 0, 0
while True:
    m = re.compile(rb"A\d+ APPEND .*\{(\d+)\+\}\r\n").search(data, pos)
    if not m:
        break
    end = m.end() + int(m.group(1))
    assert data[end:end + 2] == b"\r\n", "literal not followed by CRLF"
    assert data[m.end():m.end() + 6] == b"From: ", "literal does not start the object"
    pos, n = end + 2, n + 1
sys.exit(0 if n == 9 else 1)
EOF
rc "the mbox validates" 0 "$CPMOBJ" validate "$T/s.mbox"
check "  ... nine objects" test "$(grep -c ': valid (' "$T/out")" -eq 9

rc "outputs to a device are written directly" 0 "$CPMOBJ" convert --mbox /dev/null \
  --append-script /dev/null "$S/export-sample.xml"

# ---- usage ----
rc "--help" 0 "$CPMOBJ" convert --help
rc "no input" 2 "$CPMOBJ" convert -o "$T/u"
rc "unknown input format" 2 "$CPMOBJ" convert -o "$T/u" "$S/gen-export.py"
rc "unknown --from" 2 "$CPMOBJ" convert --from pdf "$S/export-sample.xml"
rc "missing input file" 2 "$CPMOBJ" convert -o "$T/u" "$T/nonexistent.xml"

# ---- constant memory: 2k and 20k generated messages ----
if [ -x /usr/bin/time ]; then
  python3 "$S/gen-export.py" 2000 >"$T/2k.xml"
  python3 "$S/gen-export.py" 20000 >"$T/20k.xml"
  # ASan's quarantine would hold freed memory and hide what the converter keeps.
  for k in 2k 20k; do
    ASAN_OPTIONS=detect_leaks=0:quarantine_size_mb=0 /usr/bin/time -f '%M' -o "$T/$k.rss" \
      "$CPMOBJ" convert -o "$T/m$k" "$T/$k.xml" 2>"$T/$k.err"
    rm -rf "$T/m$k"
  done
  R2=$(tail -1 "$T/2k.rss"); R20=$(tail -1 "$T/20k.rss")
  echo "# peak RSS: 2k messages ${R2} kB, 20k messages ${R20} kB"
  check "20k messages: 20000 objects written" grep -q '20000 objects written (0 invalid)' "$T/20k.err"
  check "peak memory of 20k messages within 15% of 2k (${R2} kB vs ${R20} kB)" \
    test "$R20" -le $((R2 * 115 / 100))
fi

tap_done
