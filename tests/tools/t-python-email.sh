#!/bin/bash
# Objects built with `cpmobj build` validate clean, and Python's standard
# email parser with policy=email.policy.strict (which raises on any defect)
# reads every header field of them back with the value given to the builder.
# Env: CPMOBJ (binary), CPM_TESTDATA.
#
# Addresses are tel-number@phony-domain (Table 1's legacy form) and plain
# user@domain: Python's RFC 5322 address parser does not know URIs in angle
# brackets and mangles them without a word ("<sip:alice@example.com>" is
# read as a group named "sip" and comes back as "sip"). Such addresses are
# valid CPM addresses, covered by t-build.sh; they would only test Python.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
: "${CPMOBJ:?}" "${CPM_TESTDATA:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

n=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
not_ok () { n=$((n + 1)); echo "not ok $n - $1"; }
check () { # check "description" command...
  local what=$1; shift
  if "$@"; then ok "$what"; else not_ok "$what"; fi
}
clean () {
  "$CPMOBJ" validate "$1" >"$T/verdict" 2>&1 && [ "$(wc -l <"$T/verdict")" -eq 1 ] ||
    { sed 's/^/# /' "$T/verdict"; return 1; }
}

# python_reads FILE EXPECTED-JSON: every field Python sees is a field of the
# raw header block, in the same order, and each has the expected value
# (Date compared as an instant: Python re-formats it with a zero-padded day).
python_reads () {
  python3 - "$1" "$2" <<'EOF'
import json, sys
from email import policy
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

raw = open(sys.argv[1], "rb").read()
want = json.loads(sys.argv[2])
head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
raw_names = [line.split(":", 1)[0] for line in head.split("\r\n") if line[:1] not in (" ", "\t")]

msg = BytesParser(policy=policy.strict).parsebytes(raw)
got = [(name, value) for name, value in msg.items()]   # strict: raises on a defect
assert [name for name, _ in got] == raw_names, (raw_names, [n for n, _ in got])
assert not msg.defects, msg.defects

seen = {}
for name, value in got:
    i = seen.get(name.lower(), 0)
    seen[name.lower()] = i + 1
    expected = want.get(name)
    if expected is None:
        continue
    expected = expected[i] if isinstance(expected, list) else expected
    if name == "Date":
        ok = value.datetime == parsedate_to_datetime(expected)
    else:
        ok = str(value) == expected
    if not ok:
        print(f"# {name}: Python read {str(value)!r}, built with {expected!r}")
        sys.exit(1)
missing = [k for k in want if k.lower() not in seen]
assert not missing, missing
EOF
}

COMMON=(--conversation-id f81d4fae-7dec-11d0-a765-00a0c91e6bf6
        --contribution-id abcdef-1234-5678-90ab-cdef01234567
        --accept-contact '*;+g.oma.sip-im'
        --accept-contact '*;+g.3gpp.icsi-ref="urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.msg";explicit'
        --date 'Mon, 2 Mar 2026 10:00:00 +0100')
EXPECT_COMMON='"Conversation-ID": "f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
  "Contribution-ID": "abcdef-1234-5678-90ab-cdef01234567",
  "Accept-Contact": ["*;+g.oma.sip-im",
    "*;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.msg\";explicit"],
  "Date": "Mon, 2 Mar 2026 10:00:00 +0100", "MIME-Version": "1.0",
  "Content-Type": "Message/CPIM"'
SUBJECT='Déjà vu — 日本語の件名, long enough that its encoded words must be folded over several lines'

"$CPMOBJ" build --kind message --from +15145550001@phony.example \
  --to 'Bob <bob@example.com>' --to carol@example.org "${COMMON[@]}" \
  --service urn:urn-7:3gpp-service.ims.icsi.oma.cpm.msg --subject "$SUBJECT" \
  --in-reply-to 01234567-89ab-cdef-0123-456789abcdef --imdn-message-id Kq3vX7bN2mR9tL4w \
  --text 'Bonjour' -o "$T/message.eml"
check "standalone message with a non-ASCII, folded Subject validates clean" clean "$T/message.eml"
check "  ... Python strict reads every header back" python_reads "$T/message.eml" "{
  $EXPECT_COMMON, \"From\": \"+15145550001@phony.example\",
  \"To\": \"Bob <bob@example.com>, carol@example.org\", \"Subject\": \"$SUBJECT\",
  \"P-Asserted-Service\": \"urn:urn-7:3gpp-service.ims.icsi.oma.cpm.msg\",
  \"InReplyTo-Contribution-ID\": \"01234567-89ab-cdef-0123-456789abcdef\",
  \"IMDN-Message-ID\": \"Kq3vX7bN2mR9tL4w\"}"

"$CPMOBJ" build --kind sms --from +15145550001@phony.example \
  --to +15145551234@phony.example "${COMMON[@]}" --imdn-message-id sms-0001 \
  --correlator 'Café à 18h ?' --text 'Café à 18h ?' -o "$T/sms.eml"
check "SMS with a non-ASCII Message-Correlator validates clean" clean "$T/sms.eml"
check "  ... the correlator is one UTF-8 B encoded word (Appendix C.6)" \
  grep -qE $'^Message-Correlator: =\\?(utf|UTF)-8\\?[bB]\\?[A-Za-z0-9+/=]+\\?=\r$' "$T/sms.eml"
check "  ... Python strict reads every header back" python_reads "$T/sms.eml" "{
  $EXPECT_COMMON, \"From\": \"+15145550001@phony.example\",
  \"To\": \"+15145551234@phony.example\", \"Message-Context\": \"pager-message\",
  \"Message-Correlator\": \"Café à 18h ?\", \"IMDN-Message-ID\": \"sms-0001\"}"

"$CPMOBJ" build --kind mms --from +15145550001@phony.example \
  --to +15145551234@phony.example "${COMMON[@]}" --imdn-message-id mms-0001 \
  --header 'Cc: +15145559876@phony.example' --correlator 'mms-0a1b2c3d@mmsc.example' \
  --subject 'Photos' --text 'Two photos' --part image/png:"$CPM_TESTDATA/build/photo.png" \
  -o "$T/mms.eml"
check "MMS with Cc and an image part validates clean" clean "$T/mms.eml"
check "  ... Python strict reads every header back" python_reads "$T/mms.eml" "{
  $EXPECT_COMMON, \"From\": \"+15145550001@phony.example\",
  \"To\": \"+15145551234@phony.example\", \"Cc\": \"+15145559876@phony.example\",
  \"Subject\": \"Photos\", \"Message-Context\": \"multimedia-message\",
  \"Message-Correlator\": \"mms-0a1b2c3d@mmsc.example\", \"IMDN-Message-ID\": \"mms-0001\"}"

"$CPMOBJ" build --kind chat --from alice@example.com --to bob@example.com "${COMMON[@]}" \
  --service urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session --generate \
  --text 'Chat text' -o "$T/chat.eml"
check "chat message with generated IMDN-Message-ID validates clean" clean "$T/chat.eml"
check "  ... Python strict reads every header back" python_reads "$T/chat.eml" "{
  $EXPECT_COMMON, \"From\": \"alice@example.com\", \"To\": \"bob@example.com\",
  \"P-Asserted-Service\": \"urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session\"}"

echo "1..$n"
