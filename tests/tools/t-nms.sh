#!/bin/bash
# TAP tests of `cpmobj nms`. Env: CPMOBJ (binary), CPM_TESTDATA.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
: "${CPMOBJ:?}" "${CPM_TESTDATA:?}"
D="$CPM_TESTDATA/nms"
. "$(dirname "$0")/tap.sh"
kinds="message chat imdn sms mms file-transfer session-info group-state conference-info media"

# Every kind: MIME -> JSON -> MIME is byte-exact, and the committed JSON
# gives the committed MIME object.
for k in $kinds; do
  rc "$k to JSON" 0 "$CPMOBJ" nms --to-json "$D/$k.eml"
  cp "$T/out" "$T/$k.json"
  rc "$k back to MIME" 0 "$CPMOBJ" nms --to-mime "$T/$k.json"
  check "$k round trip is byte-exact" cmp -s "$T/out" "$D/$k.eml"
  rc "$k fixture JSON to MIME" 0 "$CPMOBJ" nms "$D/$k.json"
  check "$k fixture JSON gives the fixture object" cmp -s "$T/out" "$D/$k.eml"
done

# Direction is chosen by the input when not given.
rc "auto-detect MIME input" 0 "$CPMOBJ" nms "$D/sms.eml"
check "auto-detected MIME gives JSON" grep -q '"object"' "$T/out"

# Many inputs: one JSON object per line.
rc "several inputs to JSON" 0 "$CPMOBJ" nms --to-json "$D/message.eml" "$D/chat.eml" "$D/sms.eml"
check "one line per object" test "$(wc -l <"$T/out")" -eq 3
cp "$T/out" "$T/three.jsonl"
mkdir "$T/dir"
rc "JSON lines to a directory" 0 "$CPMOBJ" nms --to-mime -d "$T/dir" "$T/three.jsonl"
check "third object of the lines file" cmp -s "$T/dir/three-3.eml" "$D/sms.eml"
rc "several objects without -d" 2 "$CPMOBJ" nms --to-mime "$T/three.jsonl"

# FT: Message-Context file-message in JSON, absent in the object.
rc "file transfer to JSON" 0 "$CPMOBJ" nms --to-json "$D/file-transfer.eml"
check "file-message attribute" grep -q '"name":"Message-Context","value":\["file-message"\]' "$T/out"

# Options: folder, flags (Archived), correlationTag only as given.
rc "folder and flags" 0 "$CPMOBJ" nms --to-json --folder /Default/x --flags '\Seen,Archived' "$D/chat.eml"
check "parentFolderPath" grep -q '"parentFolderPath":"/Default/x"' "$T/out"
check "flags with Archived" grep -q '"flags":{"flag":\["\\\\Seen","Archived"\]}' "$T/out"
rc "no correlationTag by default" 0 "$CPMOBJ" nms --to-json "$D/sms.eml"
check "correlationTag absent" bash -c "! grep -q correlationTag '$T/out'"
rc "correlationTag given" 0 "$CPMOBJ" nms --to-json --correlation-tag tag123 "$D/sms.eml"
check "correlationTag passed through" grep -q '"correlationTag":"tag123"' "$T/out"
rc "bad correlationTag" 2 "$CPMOBJ" nms --to-json --correlation-tag "a b" "$D/sms.eml"
rc "bad direction" 2 "$CPMOBJ" nms --to-json --direction Up "$D/sms.eml"

# -o writes the file whole; a failing run leaves no file behind.
rc "-o file" 0 "$CPMOBJ" nms --to-mime -o "$T/one.eml" "$D/mms.json"
check "-o content" cmp -s "$T/one.eml" "$D/mms.eml"
rc "-o into a missing directory" 2 "$CPMOBJ" nms --to-mime -o "$T/nodir/x.eml" "$D/mms.json"
check "no half-written file" test ! -e "$T/nodir/x.eml"

# Invalid inputs: exit 1 and the rule on stderr with the file name.
for f in "$D"/invalid-*.json; do
  b=$(basename "$f" .json)
  rule=${b#invalid-}
  case $rule in
    nms-*) rule=nms.${rule#nms-} ;;
    *-missing) rule=${rule%-missing}.missing ;;
  esac
  case $rule in
    nms.unknown-attribute|nms.unknown-flag|nms.header-block|nms.correlation-id) want=0 ;;
    *) want=1 ;;
  esac
  [ "$rule" = nms.not-an-object ] && rule=nms.json
  rc "$b" "$want" "$CPMOBJ" nms --to-mime -o "$T/inv.eml" "$f"
  check "$b names $rule" grep -q "^$f:[0-9]*: [a-z]* $rule " "$T/err"
done

rc "invalid object to JSON" 1 "$CPMOBJ" nms --to-json "$CPM_TESTDATA/nms/invalid-nms-json.json"

# Usage and I/O errors.
rc "--help" 0 "$CPMOBJ" nms --help
check "--help names --to-json" grep -q -- --to-json "$T/out"
rc "both directions" 2 "$CPMOBJ" nms --to-json --to-mime "$D/sms.eml"
rc "no input" 2 "$CPMOBJ" nms
rc "missing file" 2 "$CPMOBJ" nms "$T/does-not-exist"
rc "unknown option" 2 "$CPMOBJ" nms --bogus "$D/sms.eml"
rc "several inputs to MIME without -d" 2 "$CPMOBJ" nms --to-mime "$D/sms.json" "$D/mms.json"
rc "-d not a directory" 2 "$CPMOBJ" nms --to-json -d "$D/sms.eml" "$D/sms.eml"
rc "stdin" 0 "$CPMOBJ" nms --to-mime - <"$D/imdn.json"
check "stdin content" cmp -s "$T/out" "$D/imdn.eml"

tap_done
