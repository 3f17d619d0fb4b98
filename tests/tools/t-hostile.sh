#!/bin/bash
# Broken and hostile input to `cpmobj validate`: every input gives a
# diagnostic and exit status 1, never a crash (exit >= 128 is a signal, e.g.
# an ASan/UBSan abort). Small fixtures are in testdata/hostile/; the big
# ones are generated here into a temporary directory.
# Env: CPMOBJ (binary), CPM_TESTDATA.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
: "${CPMOBJ:?}" "${CPM_TESTDATA:?}"
H="$CPM_TESTDATA/hostile"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

n=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
not_ok () { n=$((n + 1)); echo "not ok $n - $1"; }
check () { # check "description" command...
  local what=$1; shift
  if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# invalid "description" FILE [RULE-REGEX]: exit 1, an error diagnostic
# (matching RULE-REGEX when given), text safe for a terminal, and the same
# verdict as one valid UTF-8 JSON line per object with --json.
invalid () {
  local what=$1 file=$2 rule=${3:-}
  "$CPMOBJ" validate "$file" >"$T/out" 2>"$T/err"
  local got=$?
  if [ "$got" -ne 1 ]; then
    not_ok "$what: exit $got, want 1"
    head -c 2000 "$T/err" | sed 's/^/# /'
    return
  fi
  if ! grep -qE "^  [0-9:-]+: error ${rule:-[a-z]}" "$T/out"; then
    not_ok "$what: no error diagnostic${rule:+ $rule}"
    head -c 2000 "$T/out" | sed 's/^/# /'
    return
  fi
  if ! python3 - "$T/out" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read()
data.decode("utf-8")                                   # valid UTF-8
assert not any(b < 0x20 and b != 0x0A or b == 0x7F for b in data), "control byte"
EOF
  then
    not_ok "$what: text output is not terminal-safe"
    return
  fi
  "$CPMOBJ" validate --json "$file" >"$T/json" 2>/dev/null
  if ! python3 - "$T/json" <<'EOF'
import json, sys
objects = [json.loads(l) for l in open(sys.argv[1], "rb").read().decode("utf-8").splitlines()]
assert objects and any(not o["valid"] and o["diagnostics"] for o in objects)
EOF
  then
    not_ok "$what: --json output is not valid UTF-8 JSON Lines"
    return
  fi
  ok "$what (exit 1${rule:+, $rule})"
}

# ---- the small fixtures ----
invalid "header block truncated inside a field value" "$H/truncated-in-field.eml" 'to\.syntax'
invalid "header block truncated inside a field name" "$H/truncated-field-name.eml" \
  'rfc5322\.malformed-line'
invalid "mbox truncated inside its only entry" "$H/truncated.mbox"
invalid "binary garbage" "$H/binary-garbage.bin" 'rfc5322\.'
invalid "a NUL byte in a header" "$H/nul-in-header.eml" 'rfc5322\.nul'
invalid "invalid UTF-8 in a header" "$H/invalid-utf8-subject.eml" 'rfc5322\.invalid-utf8'
invalid "duplicated single-occurrence headers" "$H/duplicate-single-headers.eml" \
  'from\.duplicate'
for r in date conversation-id imdn-message-id; do
  check "  ... $r.duplicate too" grep -q "error $r\.duplicate " "$T/out"
done
invalid "bare CR line ends" "$H/bare-cr.eml" 'rfc5322\.bare-cr'
invalid "no header at all" "$H/no-headers.eml" 'rfc5322\.no-headers'
invalid "terminal escape sequences in a header" "$H/terminal-escape.eml"
check "  ... are not written to the terminal raw" bash -c "! grep -q $'\x1b' '$T/out'"

# ---- generated: sizes and counts over the limits ----
python3 - "$T" <<'EOF'
import os, random, sys
t = sys.argv[1]
head = (b"From: <sip:alice@example.com>\r\nTo: <sip:bob@example.com>\r\n"
        b"Date: Mon, 2 Mar 2026 10:00:00 +0100\r\n")
cpm = (b"Conversation-ID: c1\r\nContribution-ID: k1\r\nAccept-Contact: *;+g.oma.sip-im\r\n"
       b"P-Asserted-Service: urn:urn-7:3gpp-service.ims.icsi.oma.cpm.msg\r\n"
       b"IMDN-Message-ID: i1\r\nContent-Type: Message/CPIM\r\n\r\n")
cpim = b"From: <sip:alice@example.com>\r\nTo: <sip:bob@example.com>\r\nDateTime: 2026-03-02T09:00:00Z\r\n\r\n"
def write(name, data):
    with open(os.path.join(t, name), "wb") as f:
        f.write(data)
write("line-10mb.eml", head + b"Subject: " + b"A" * (10 << 20) + b"\r\n" + cpm + cpim + b"x\r\n")
write("folded-10mb.eml", head + b"Subject: x" + b"\r\n y" * ((10 << 20) // 4) + b"\r\n" + cpm + cpim + b"x\r\n")
write("line-1000.eml", head + b"Subject: " + b"B" * 1000 + b"\r\n" + cpm + cpim + b"x\r\n")
write("many-headers.eml", head + b"X-Filler: x\r\n" * 20000 + cpm + cpim + b"x\r\n")
write("cpim-truncated.eml", head + cpm + b"From: <sip:alice@exa")
write("cpim-garbage.eml", head + cpm + bytes(random.Random(7).randrange(256) for _ in range(2048)))
inner = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
                 for i in range(2000))
inner += b"Content-Type: text/plain\r\n\r\ndeep\r\n" + b"".join(b"--b%d--\r\n" % i for i in reversed(range(2000)))
write("mime-2000-deep.eml", head + cpm + cpim + inner)
rnd = random.Random(20261123)
os.mkdir(os.path.join(t, "random"))
for i in range(40):
    size = rnd.choice([1, 2, 7, 64, 500, 4096, 70000])
    blob = bytes(rnd.randrange(256) for _ in range(size))
    if i % 4 == 1:      # garbage after a plausible start
        blob = head + blob
    elif i % 4 == 2:    # header-ish lines with hostile bytes
        blob = b"".join(b"%s: %s\r\n" % (bytes(rnd.choice(b"Ab-:\x00\xff ") for _ in range(5)),
                                          bytes(rnd.randrange(256) for _ in range(20)))
                        for _ in range(50))
    write(os.path.join("random", "blob-%02d" % i), blob)
mbox = b""
for i in range(30):
    mbox += b"From x Mon Mar  2 10:00:00 2026\n" + bytes(rnd.randrange(256) for _ in range(300)).replace(b"\nFrom ", b"\n>From ") + b"\n\n"
write("garbage.mbox", mbox)
EOF
head -c $((64 * 1024 * 1024 + 1)) /dev/zero >"$T/over-64mib.eml"

invalid "a 10 MB header line" "$T/line-10mb.eml" 'limit\.header-line'
invalid "a 10 MB header folded over 2.6 million lines" "$T/folded-10mb.eml" 'limit\.header-line'
invalid "a 1000-octet header line" "$T/line-1000.eml" 'rfc5322\.line-too-long'
invalid "20000 header fields" "$T/many-headers.eml" 'limit\.headers'
invalid "an object over 64 MiB" "$T/over-64mib.eml" 'limit\.object-size'
invalid "a CPIM body truncated in its headers" "$T/cpim-truncated.eml"
invalid "a CPIM body of binary garbage" "$T/cpim-garbage.eml"

"$CPMOBJ" validate "$T/mime-2000-deep.eml" >"$T/out" 2>"$T/err"
got=$?
check "multipart nested 2000 deep: no crash (exit $got)" test "$got" -lt 128

"$CPMOBJ" validate "$T/random" >"$T/out" 2>"$T/err"
got=$?
check "40 random blobs: exit 1, no crash (exit $got)" test "$got" -eq 1
check "  ... one invalid verdict each" \
  test "$(grep -c '^[^ ].*: invalid (' "$T/out")" -eq 40
"$CPMOBJ" validate "$T/garbage.mbox" >"$T/out" 2>"$T/err"
got=$?
check "an mbox of 30 garbage entries: exit 1, no crash (exit $got)" test "$got" -eq 1
check "  ... 30 invalid verdicts" test "$(grep -c '^[^ ].*: invalid (' "$T/out")" -eq 30
"$CPMOBJ" validate - <"$H/binary-garbage.bin" >"$T/out" 2>"$T/err"
got=$?
check "binary garbage on standard input: exit 1 (exit $got)" test "$got" -eq 1
"$CPMOBJ" validate "$H" >"$T/out" 2>"$T/err"
got=$?
check "the whole hostile directory: exit 1 (exit $got)" test "$got" -eq 1

# Usage and I/O errors of append left before its GError was initialised
# and freed garbage (clang refuses to compile that jump).
for args in --bogus "" "$T/nonexistent"; do
  "$CPMOBJ" append $args >"$T/out" 2>"$T/err"
  got=$?
  check "append ${args:-without arguments}: exit 2, no crash (exit $got)" test "$got" -eq 2
done

# --limit NAME=VALUE sets a CpmLimits field; the diagnostic names the limit.
"$CPMOBJ" validate --limit max_header_line=20 "$CPM_TESTDATA/message/valid-standalone.eml" \
  >"$T/out" 2>"$T/err"
got=$?
check "validate --limit max_header_line=20: exit 1 (exit $got)" test "$got" -eq 1
check "  ... limit.header-line naming max_header_line" \
  grep -q 'limit\.header-line.*max_header_line' "$T/out"
"$CPMOBJ" convert --limit max_tcp_flows=1 -o "$T/gc" "$CPM_TESTDATA/capture/group-chat.pcap" \
  >"$T/out" 2>"$T/err"
check "convert --limit max_tcp_flows=1: capture.limit-flows naming max_tcp_flows" \
  grep -q 'max_tcp_flows.*capture\.limit-flows' "$T/err"
"$CPMOBJ" validate --limit no_such_limit=1 "$CPM_TESTDATA/message/valid-standalone.eml" \
  >"$T/out" 2>"$T/err"
got=$?
check "--limit with an unknown name: usage error (exit $got)" test "$got" -eq 2

echo "1..$n"
