#!/bin/bash
# TAP tests of `cpmobj build`. Env: CPMOBJ (binary), CPM_TESTDATA.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
: "${CPMOBJ:?}" "${CPM_TESTDATA:?}"
B="$CPM_TESTDATA/build"
. "$(dirname "$0")/tap.sh"
# Validates $1 and requires a clean verdict: no error, no warning.
clean () {
  "$CPMOBJ" validate "$1" >"$T/verdict" 2>&1 && [ "$(wc -l <"$T/verdict")" -eq 1 ] ||
    { sed 's/^/# /' "$T/verdict"; return 1; }
}
header () { # header FILE NAME: the unfolded value of the first NAME field
  python3 -c '
import sys
data = open(sys.argv[1], "rb").read().split(b"\r\n\r\n", 1)[0].decode()
for f in data.replace("\r\n ", " ").replace("\r\n\t", " ").split("\r\n"):
    name, _, value = f.partition(":")
    if name.lower() == sys.argv[2].lower():
        print(value.strip()); break' "$1" "$2"
}
count () { # count FILE NAME: occurrences of field NAME in the header block
  python3 -c '
import sys
head = open(sys.argv[1], "rb").read().split(b"\r\n\r\n", 1)[0].decode()
print(sum(1 for l in head.split("\r\n") if l.lower().startswith(sys.argv[2].lower() + ":")))' "$1" "$2"
}

ALICE='<sip:alice@example.com>'
BOB='<sip:bob@example.com>'
COMMON=(--conversation-id f81d4fae-7dec-11d0-a765-00a0c91e6bf6
        --contribution-id abcdef-1234-5678-90ab-cdef01234567
        --accept-contact '*;+g.oma.sip-im'
        --date 'Mon, 2 Mar 2026 10:00:00 +0100')
ID=(--imdn-message-id Kq3vX7bN2mR9tL4w)
MSG=urn:urn-7:3gpp-service.ims.icsi.oma.cpm.msg
SESSION=urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session

# ---- each message kind builds and validates clean ----
rc "standalone message" 0 "$CPMOBJ" build --kind message --from "$ALICE" --to "$BOB" \
  "${COMMON[@]}" "${ID[@]}" --service "$MSG" --subject 'Lunch' --text 'Lunch at 12:30?' -o "$T/message.eml"
check "  ... validates clean" clean "$T/message.eml"
rc "chat message" 0 "$CPMOBJ" build --kind chat --from "$ALICE" --to "$BOB" \
  "${COMMON[@]}" "${ID[@]}" --service "$SESSION" --text 'Hello' -o "$T/chat.eml"
check "  ... validates clean" clean "$T/chat.eml"
# The notification has its own IMDN-Message-ID; its XML names the original.
rc "disposition notification" 0 "$CPMOBJ" build --kind imdn --from "$BOB" --to "$ALICE" \
  "${COMMON[@]}" --imdn-message-id 3c9d1e7f0a2b --content "$B/imdn-delivered.xml" --content-type message/imdn+xml \
  -o "$T/imdn.eml"
check "  ... validates clean" clean "$T/imdn.eml"
rc "SMS" 0 "$CPMOBJ" build --kind sms --from +15145550001@phony.example \
  --to +15145551234@phony.example "${COMMON[@]}" "${ID[@]}" --correlator 'See you at 6' \
  --text 'See you at 6' -o "$T/sms.eml"
check "  ... validates clean" clean "$T/sms.eml"
check "  ... Message-Context pager-message is implied" \
  test "$(header "$T/sms.eml" Message-Context)" = pager-message
rc "MMS with an image part" 0 "$CPMOBJ" build --kind mms --from +15145550001@phony.example \
  --to +15145551234@phony.example "${COMMON[@]}" "${ID[@]}" --correlator 'mms-0a1b2c3d@mmsc.example' \
  --text 'Photo' --part image/png:"$B/photo.png" -o "$T/mms.eml"
check "  ... validates clean" clean "$T/mms.eml"
check "  ... Message-Context multimedia-message is implied" \
  test "$(header "$T/mms.eml" Message-Context)" = multimedia-message
check "  ... the image travels base64-encoded and decodes to the file" python3 - "$T/mms.eml" \
  "$B/photo.png" <<'EOF'
import email, email.policy, sys
want = open(sys.argv[2], "rb").read()
# object headers | CPIM headers | the MIME entity
_, cpim = open(sys.argv[1], "rb").read().split(b"\r\n\r\n", 1)
inner = email.message_from_bytes(cpim.split(b"\r\n\r\n", 1)[1], policy=email.policy.default)
parts = [p for p in inner.walk() if p.get_content_type() == "image/png"]
assert len(parts) == 1 and parts[0].get_payload(decode=True) == want
EOF

check "every line ends in CRLF" python3 -c '
import sys
for f in sys.argv[1:]:
    data = open(f, "rb").read()
    assert data.count(b"\n") == data.count(b"\r\n"), f
    assert b"\r\n\r\n" in data, f' "$T"/message.eml "$T"/chat.eml "$T"/imdn.eml "$T"/sms.eml "$T"/mms.eml
check "the values are written as given" bash -c "
  [ \"\$(python3 -c 'import sys' && echo ok)\" = ok ] &&
  grep -q $'^Date: Mon, 2 Mar 2026 10:00:00 +0100\r\$' '$T/message.eml' &&
  grep -q $'^IMDN-Message-ID: Kq3vX7bN2mR9tL4w\r\$' '$T/message.eml' &&
  grep -q $'^imdn.Message-ID: Kq3vX7bN2mR9tL4w\r\$' '$T/message.eml' &&
  grep -q $'^P-Asserted-Service: $MSG\r\$' '$T/message.eml'"

# ---- stdout and -o give the same bytes ----
rc "the same values to standard output" 0 "$CPMOBJ" build --kind message --from "$ALICE" \
  --to "$BOB" "${COMMON[@]}" "${ID[@]}" --service "$MSG" --subject 'Lunch' --text 'Lunch at 12:30?'
check "  ... are the bytes written with -o" cmp -s "$T/out" "$T/message.eml"

# ---- values the builder rejects: exit 1, nothing written ----
echo "precious" >"$T/keep.eml"
rc "missing From" 1 "$CPMOBJ" build --kind message --to "$BOB" "${COMMON[@]}" "${ID[@]}" \
  --service "$MSG" --text x -o "$T/keep.eml"
check "  ... the message names the header and the section" err_has 'From.*5\.2\.1'
check "  ... the existing output file is untouched" grep -qx precious "$T/keep.eml"
check "  ... no temporary file is left behind" \
  test "$(find "$T" -maxdepth 1 -name 'keep.eml?*' | wc -l)" -eq 0
rc "missing Date without --generate" 1 "$CPMOBJ" build --kind message --from "$ALICE" \
  --to "$BOB" --conversation-id c1 --contribution-id k1 --accept-contact '*;+g.oma.sip-im' \
  --imdn-message-id m1 --service "$MSG" --text x
check "  ... names Date" err_has 'Date'
rc "an invalid Conversation-ID" 1 "$CPMOBJ" build --kind message --from "$ALICE" --to "$BOB" \
  "${COMMON[@]}" "${ID[@]}" --conversation-id 'not a token' --service "$MSG" --text x
check "  ... names Conversation-ID" err_has 'Conversation-ID'
rc "Subject in a chat message" 1 "$CPMOBJ" build --kind chat --from "$ALICE" --to "$BOB" \
  "${COMMON[@]}" "${ID[@]}" --service "$SESSION" --subject 'Hi' --text x
check "  ... says it is not applicable" err_has 'Subject.*not applicable'
rc "Message-Correlator without a legacy kind's context" 1 "$CPMOBJ" build --kind message \
  --from "$ALICE" --to "$BOB" "${COMMON[@]}" "${ID[@]}" --service "$MSG" --correlator abc --text x
check "  ... names Message-Context" err_has 'Message-Context'

# ---- --generate ----
rc "--generate fills IMDN-Message-ID and Date" 0 "$CPMOBJ" build --kind message \
  --from "$ALICE" --to "$BOB" --conversation-id c1 --contribution-id k1 \
  --accept-contact '*;+g.oma.sip-im' --service "$MSG" --text x --generate -o "$T/gen.eml"
check "  ... validates clean" clean "$T/gen.eml"
check "  ... with both fields" bash -c "[ -n \"\$(grep -a '^IMDN-Message-ID: ' '$T/gen.eml')\" ] && grep -aq '^Date: ' '$T/gen.eml'"
"$CPMOBJ" build --kind message --from "$ALICE" --to "$BOB" --conversation-id c1 \
  --contribution-id k1 --accept-contact '*;+g.oma.sip-im' --service "$MSG" --text x \
  --generate -o "$T/gen2.eml"
check "  ... a new IMDN-Message-ID each time" \
  test "$(header "$T/gen.eml" IMDN-Message-ID)" != "$(header "$T/gen2.eml" IMDN-Message-ID)"

# ---- dates, repeated and free headers, non-ASCII ----
rc "an ISO 8601 --date" 0 "$CPMOBJ" build --kind chat --from "$ALICE" --to "$BOB" \
  "${COMMON[@]}" "${ID[@]}" --date 2026-03-02T10:00:00+01:00 --service "$SESSION" --text x -o "$T/iso.eml"
check "  ... becomes an RFC 5322 Date" \
  test "$(header "$T/iso.eml" Date)" = "Mon, 2 Mar 2026 10:00:00 +0100"
rc "two --to and two --accept-contact" 0 "$CPMOBJ" build --kind message --from "$ALICE" \
  --to "$BOB" --to '<sip:carol@example.com>' "${COMMON[@]}" "${ID[@]}" \
  --accept-contact '*;+g.3gpp.icsi-ref="urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.msg"' \
  --service "$MSG" --header 'X-Client: demo 1.0' --text x -o "$T/multi.eml"
check "  ... validates clean" clean "$T/multi.eml"
check "  ... one To field with both recipients" \
  test "$(header "$T/multi.eml" To)" = "<sip:bob@example.com>, <sip:carol@example.com>"
check "  ... two Accept-Contact fields" test "$(count "$T/multi.eml" Accept-Contact)" -eq 2
check "  ... the --header field" test "$(header "$T/multi.eml" X-Client)" = "demo 1.0"
rc "a non-ASCII Subject and text" 0 "$CPMOBJ" build --kind message --from "$ALICE" \
  --to "$BOB" "${COMMON[@]}" "${ID[@]}" --service "$MSG" --subject 'Déjà vu — 日本' \
  --text 'Ça marche très bien' -o "$T/utf8.eml"
check "  ... validates clean (no raw 8-bit header)" clean "$T/utf8.eml"
check "  ... the header block is ASCII" python3 -c '
import sys
head = open(sys.argv[1], "rb").read().split(b"\r\n\r\n", 1)[0]
assert all(b < 128 for b in head)' "$T/utf8.eml"

# ---- the JSON description ----
rc "a JSON description" 0 "$CPMOBJ" build -j "$B/chat.json" --imdn-message-id m1 -o "$T/j.eml"
check "  ... validates clean" clean "$T/j.eml"
check "  ... has the description's values" bash -c "
  [ \"\$(grep -a '^Conversation-ID: ' '$T/j.eml' | tr -d '\r')\" = 'Conversation-ID: f81d4fae-7dec-11d0-a765-00a0c91e6bf6' ]"
rc "the same values as options" 0 "$CPMOBJ" build --kind chat --from "$ALICE" --to "$BOB" \
  --date 2026-03-02T10:00:00+01:00 --conversation-id f81d4fae-7dec-11d0-a765-00a0c91e6bf6 \
  --contribution-id abcdef-1234-5678-90ab-cdef01234567 --service "$SESSION" \
  --accept-contact '*;+g.oma.sip-im' --text 'Here is the text of my message.' \
  --imdn-message-id m1
check "  ... give the same bytes" cmp -s "$T/out" "$T/j.eml"
rc "options over a description" 0 "$CPMOBJ" build -j "$B/chat.json" --imdn-message-id m1 \
  --text 'replaced' --accept-contact '*;+g.oma.sip-im;explicit' -o "$T/j2.eml"
check "  ... a scalar option replaces, a list option adds" bash -c "
  grep -aq '^replaced' '$T/j2.eml' && ! grep -aq 'Here is the text' '$T/j2.eml' &&
  [ \$(grep -ac '^Accept-Contact: ' '$T/j2.eml') -eq 2 ]"
mkdir -p "$T/desc"
cp "$B/imdn-delivered.xml" "$T/desc/notification.xml"
cat >"$T/desc/imdn.json" <<'EOF'
{"kind": "imdn", "from": "<sip:bob@example.com>", "to": "<sip:alice@example.com>",
 "date": "Mon, 2 Mar 2026 10:00:05 +0100", "imdn-message-id": "n1",
 "conversation-id": "c1", "contribution-id": "k1", "accept-contact": ["*;+g.oma.sip-im"],
 "content": "notification.xml", "content-type": "message/imdn+xml",
 "header": ["X-Origin: test"]}
EOF
rc "file names relative to the description" 0 bash -c "cd / && '$CPMOBJ' build -j '$T/desc/imdn.json'"
check "  ... the content was found" has 'delivery-notification'
rc "a description on standard input" 0 "$CPMOBJ" build -j - <"$B/chat.json"
check "  ... builds" has '^Here is the text of my message'

echo '{"kind": "chat", "form": "<sip:alice@example.com>"}' >"$T/typo.json"
rc "an unknown key" 2 "$CPMOBJ" build -j "$T/typo.json"
check "  ... is named" err_has '"form"'
echo '{"kind": "chat", "to": 5}' >"$T/type.json"
rc "a value of the wrong type" 2 "$CPMOBJ" build -j "$T/type.json"
echo '{"kind": "chat",' >"$T/broken.json"
rc "malformed JSON" 2 "$CPMOBJ" build -j "$T/broken.json"
echo '["chat"]' >"$T/array.json"
rc "JSON that is not an object" 2 "$CPMOBJ" build -j "$T/array.json"
rc "a missing description" 2 "$CPMOBJ" build -j "$T/nonexistent.json"

# ---- usage errors: exit 2 ----
rc "no --kind" 2 "$CPMOBJ" build --from "$ALICE"
rc "an unknown kind" 2 "$CPMOBJ" build --kind letter
rc "--text with --content" 2 "$CPMOBJ" build --kind message --text x \
  --content "$B/photo.png" --content-type image/png
rc "--content without --content-type" 2 "$CPMOBJ" build --kind message --content "$B/photo.png"
rc "an unreadable --content file" 2 "$CPMOBJ" build --kind message --content "$T/none" \
  --content-type text/plain
rc "a --part without a colon" 2 "$CPMOBJ" build --kind message --part image/png
rc "a --header without a colon" 2 "$CPMOBJ" build --kind message --header 'X-Broken'
rc "an unknown option" 2 "$CPMOBJ" build --kind message --frobnicate
rc "a stray argument" 2 "$CPMOBJ" build --kind message stray
rc "an unknown profile" 2 "$CPMOBJ" build --kind message --profile 9
rc "an output directory that does not exist" 2 "$CPMOBJ" build --kind message \
  --from "$ALICE" --to "$BOB" "${COMMON[@]}" "${ID[@]}" --service "$MSG" --text x -o "$T/no/such/dir.eml"
rc "--help" 0 "$CPMOBJ" build --help
check "  ... lists --json-description" has 'json-description'

# ---- the manual's examples work as printed ----
# Every "cpmobj build" example of cpmobj(1) and cpmobj-build(1) is run as
# shown (in a scratch directory holding the page's JSON description as
# chat.json), and what it builds validates clean.
python3 - "$CPM_SRCDIR/man" "$T/examples" <<'PYEOF' >"$T/examples.list"
import os, re, sys
man, out = sys.argv[1:3]
os.makedirs(out, exist_ok=True)
def unroff(text):
    for a, b in (("\\-", "-"), ("\\(aq", "'"), ("\\(dq", '"'), ("\\e", "\\")):
        text = text.replace(a, b)
    return text
for page in ("cpmobj.1", "cpmobj-build.1"):
    src = open(os.path.join(man, page), encoding="utf-8").read()
    for block in re.findall(r"^\.EX\n(.*?)^\.EE", src, re.S | re.M):
        text = unroff(block)
        if text.lstrip().startswith("{"):
            open(os.path.join(out, "chat.json"), "w").write(text)
            continue
        for cmd in text.replace("\\\n", " ").splitlines():
            if cmd.startswith("cpmobj build"):
                print(cmd)
PYEOF
check "the manual pages have build examples" test -s "$T/examples.list"
i=0
while IFS= read -r example; do
  i=$((i + 1))
  # Examples reading files the page only describes cannot run here.
  if [[ $example =~ --(xml|content|part)\  ]]; then
    ok "manual example $i: ${example:0:50}... # SKIP reads files the page describes"
    continue
  fi
  (cd "$T/examples" && cpmobj () { "$CPMOBJ" "$@"; } &&
   if [[ $example == *" -o "* ]]; then
     eval "$example" && out=$(sed -E 's/.* -o ([^ ]+).*/\1/' <<<"$example") && clean "$out"
   else
     eval "$example" >"example-$i.eml" && clean "example-$i.eml"
   fi) >"$T/err" 2>&1
  status=$?
  check "manual example $i builds a clean object: ${example:0:50}..." test $status -eq 0
  [ $status -eq 0 ] || sed 's/^/# /' "$T/err"
done <"$T/examples.list"

tap_done
