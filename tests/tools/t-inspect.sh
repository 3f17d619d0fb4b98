#!/bin/bash
# TAP tests of `cpmobj inspect`. Env: CPMOBJ (binary), CPM_TESTDATA.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
: "${CPMOBJ:?}" "${CPM_TESTDATA:?}"
D="$CPM_TESTDATA"
. "$(dirname "$0")/tap.sh"
# jq-free JSON queries: python3 is part of the test environment (t-python-email)
q () { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$T/out"; }

rc "Appendix E" 0 "$CPMOBJ" inspect "$D/ft/appendix-e.eml"
check "one JSON line" test "$(wc -l <"$T/out")" -eq 1
check "kind file-transfer" test "$(q "d['kind']")" = "file-transfer"
check "fits 1.0 only (no Accept-Contact)" test "$(q "d['profile'],d['profiles']")" = "1.0 ['1.0']"
check "root XML as JSON" test "$(q "d['xml']['element']")" = "file-transfer"
check "three parts, the file 4092 octets" \
  test "$(q "len(d['parts']),d['parts'][2]['content_id'],d['parts'][2]['size']")" = "3 1234@example.com 4092"
check "headers with lines" test "$(q "d['headers'][0]['name'],d['headers'][0]['line']")" = "From 1"
check "stdout holds no stderr noise" test ! -s "$T/err"

rc "pretty" 0 "$CPMOBJ" inspect --pretty "$D/session/valid-group.eml"
check "pretty output is indented JSON" grep -q '^  "kind": "session-info",' "$T/out"
check "valid 2.2 object: profile 2.2" test "$(q "d['profile']")" = "2.2"

rc "standard input" 0 sh -c "\"$CPMOBJ\" inspect - <\"$D/media/valid-image.eml\""
check "stdin: media kind" test "$(q "d['kind']")" = "media"

rc "a directory: one line per object" 0 "$CPMOBJ" inspect "$D/store/good/Default/conv-c3d4"
check "two objects, two lines" test "$(wc -l <"$T/out")" -eq 2

rc "--kind forces the kind" 0 "$CPMOBJ" inspect --kind file-transfer "$D/ft/invalid-ft-content-type.eml"
check "forced kind is reported" grep -q '"kind":"file-transfer"' "$T/out"

printf '' >"$T/empty.eml"
rc "an empty file is not an object" 1 "$CPMOBJ" inspect "$T/empty.eml"
check "the error names the file" grep -q 'empty.eml' "$T/err"
rc "missing file" 2 "$CPMOBJ" inspect "$T/nothing-here.eml"
rc "no FILE" 2 "$CPMOBJ" inspect
rc "unknown kind" 2 "$CPMOBJ" inspect --kind nonsense "$D/ft/appendix-e.eml"
rc "--help" 0 "$CPMOBJ" inspect --help
check "--help names the man page" grep -q 'cpmobj-inspect(1)' "$T/out"

# `cpmobj build` of the XML kinds and media: each validates clean and
# inspects as its kind, fitting 2.2.
head=(--from '<sip:alice@example.com>' --to '<sip:bob@example.com>' --conversation-id c1
      --contribution-id k1 --date 'Tue, 29 Apr 2014 09:47:00 -0800')
svc=urn:urn-7:3gpp-service.ims.icsi.oma.cpm
ac=(--accept-contact '*;+g.oma.sip-im')
head -c 3000 /dev/urandom >"$T/picture.jpg"
printf '\377\330\377\340thumb' >"$T/thumb.jpg"
cat >"$T/ft.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<file-transfer>
<file-transfer-type>Ad-Hoc</file-transfer-type>
<invited-participants>sip:bob@example.com;sip:carol@example.com</invited-participants>
<sdp>
a=file-selector:name:"picture.jpg" type:image/jpeg size:$(wc -c <"$T/picture.jpg")
a=file-icon:cid:thumb@example.com
</sdp>
<file-object><cid>cid:pic@example.com</cid></file-object>
</file-transfer>
XML
printf '<?xml version="1.0"?>\n<session><session-type>1-1</session-type></session>\n' >"$T/si.xml"
build_ok () { # build_ok KIND build-options...
  local k=$1; shift
  rc "build --kind $k" 0 "$CPMOBJ" build --kind "$k" "$@" -o "$T/$k.eml"
  rc "built $k validates clean" 0 "$CPMOBJ" validate "$T/$k.eml"
  rc "built $k inspects" 0 "$CPMOBJ" inspect "$T/$k.eml"
  check "built $k: kind $k, profile 2.2" test "$(q "d['kind'],d['profile']")" = "$k 2.2"
}
build_ok file-transfer "${head[@]}" "${ac[@]}" --service "$svc.filetransfer" --generate \
  --xml "$T/ft.xml" --part "image/jpeg:$T/thumb.jpg:<thumb@example.com>" \
  --part "image/jpeg:$T/picture.jpg:<pic@example.com>"
check "built file transfer: the file's Content-ID and size" \
  test "$(q "d['parts'][2]['content_id'],d['parts'][2]['size']")" = "pic@example.com 3000"
build_ok session-info "${head[@]}" "${ac[@]}" --service "$svc.session" --generate --xml "$T/si.xml"
build_ok group-state "${head[@]}" --generate --xml "$D/gso/appendix-g-repaired.xml"
build_ok conference-info "${head[@]}" --generate --xml "$D/conference/rfc4575-full.xml"
build_ok media --from '<sip:alice@example.com>' --date 'Tue, 29 Apr 2014 09:47:00 -0800' \
  --content "$T/thumb.jpg" --content-type image/jpeg
rc "--xml is refused for media" 2 "$CPMOBJ" build --kind media --xml "$T/si.xml"

# ---- --nms: the REST binding's form, folder and flags from the dump ----
md="$T/nms-maildir"
mkdir -p "$md/cur" "$md/new" "$md/tmp" "$md/.conv1/cur" "$md/.conv1/new" "$md/.conv1/tmp"
cp "$D/message/valid-standalone.eml" "$md/.conv1/cur/1.eml:2,SF"
rc "inspect --nms of a Maildir" 0 "$CPMOBJ" inspect --nms "$md"
check "NMS object with the folder of the Maildir++ subfolder" \
  test "$(q "d['object']['parentFolderPath']")" = "conv1"
check "NMS flags from the Maildir info" \
  test "$(q "sorted(d['object']['flags']['flag'])")" = "['\\\\Flagged', '\\\\Seen']"
"$CPMOBJ" inspect --nms "$D/message/valid-standalone.eml" >"$T/one.json"
"$CPMOBJ" nms --to-mime "$T/one.json" >"$T/back.eml" 2>"$T/err"
check "inspect --nms then nms --to-mime gives the object back byte for byte" \
  cmp -s "$T/back.eml" "$D/message/valid-standalone.eml"

tap_done
