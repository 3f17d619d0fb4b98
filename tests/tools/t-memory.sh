#!/bin/bash
# Bounded memory on long inputs: each conversion runs on a generated input
# and on one ten times its size, and the peak RSS of the second (getrusage
# ru_maxrss of the child) must stay within 10% + 8 MiB of the first: the
# readers stream, they never hold a whole export, dump or capture.
#   SMS JSON lines and SMS XML export -> cpmobj convert
#   mbox dump                         -> cpmobj validate
#   Maildir of many small files       -> cpmobj validate (the folder's
#     names come out sorted, yet are not all held: past a bound they are
#     sorted in runs in a temporary file and merged)
#   SIP text capture                  -> cpmobj convert
#   pcap of many short chat sessions  -> cpmobj convert (bench/gen-capture.py:
#     INVITE/200/ACK, two CPIM messages with their IMDNs over MSRP, BYE, FIN;
#     every fifth a group session with a conference NOTIFY): sessions are
#     flushed after their BYE, so ten times the sessions is not ten times
#     the state; and the same sessions with connections ended by RST
# ASan's quarantine of freed memory is switched off so that it neither hides
# nor fakes growth.
# Env: CPMOBJ (binary), CPM_TESTDATA, CPM_SRCDIR.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
: "${CPMOBJ:?}" "${CPM_TESTDATA:?}" "${CPM_SRCDIR:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0"

# gen-maildir.py N DIR: a Maildir of N copies of one chat message under
# names as deliveries make them (time, delivery id, host, size, info), one
# in ten in new/: what a listing holds is the names, not the bytes.
cat > "$T/gen-maildir.py" <<'PY'
import os, sys
n, out, entry = int(sys.argv[1]), sys.argv[2], open(sys.argv[3], "rb").read()
for sub in ("cur", "new", "tmp"):
    os.makedirs(os.path.join(out, sub))
for i in range(n):
    new = i % 10 == 0
    name = "%d.M%06dP%d.memory-test.example,S=%d%s" % (
        1714564800 + i, i, 4000 + i % 1000, len(entry), "" if new else ":2,S")
    with open(os.path.join(out, "new" if new else "cur", name), "wb") as f:
        f.write(entry)
PY

n=0
check () { # check "description" command...
  local what=$1; shift
  n=$((n + 1))
  if "$@"; then echo "ok $n - $what"; else echo "not ok $n - $what"; fi
}

# measure KIND N OUT: generates an input of N records, runs the command on
# it, prints the child's peak RSS in KiB, fails on an unexpected exit.
measure () {
  python3 - "$CPMOBJ" "$CPM_TESTDATA" "$T" "$CPM_SRCDIR" "$@" <<'PY'
import os, sys
cpmobj, data, tmp, src, kind, n = (sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4],
                                   sys.argv[5], int(sys.argv[6]))
want = n
inp = os.path.join(tmp, "in-%s-%d" % (kind, n))
out = os.path.join(tmp, "out-%s-%d" % (kind, n))

if kind == "jsonl":
    with open(inp + ".jsonl", "w") as f:
        for i in range(n):
            f.write('{"kind":"sms","direction":"received","from":"+1514555%04d",'
                    '"date":%d,"text":"message %d of the memory test","read":true}\n'
                    % (i % 10000, 1714564800000 + i * 1000, i))
    inp += ".jsonl"
    argv = [cpmobj, "convert", "--mbox", out + ".mbox", inp]
elif kind == "xml":
    import subprocess
    with open(inp + ".xml", "wb") as f:
        subprocess.run([sys.executable, os.path.join(data, "sms", "gen-export.py"), str(n)],
                       stdout=f, check=True)
    inp += ".xml"
    argv = [cpmobj, "convert", "--mbox", out + ".mbox", inp]
elif kind == "mbox":
    entry = open(os.path.join(data, "samples", "standalone-messages.mbox"), "rb").read()
    with open(inp + ".mbox", "wb") as f:
        for _ in range(n // 2):
            f.write(entry)
    inp += ".mbox"
    argv = [cpmobj, "validate", "--json", inp]
elif kind == "maildir":
    import subprocess
    subprocess.run([sys.executable, os.path.join(tmp, "gen-maildir.py"), str(n), inp,
                    os.path.join(data, "samples", "chat-message.eml")], check=True)
    argv = [cpmobj, "validate", "-q", inp]
elif kind == "capture":
    text = open(os.path.join(data, "capture", "pager-plain.txt"), "rb").read()
    one = text[:text.index(b"MESSAGE sip:", 10)]
    with open(inp + ".txt", "wb") as f:
        for i in range(n):
            # same lengths, so Content-Length stays right; unique ids
            f.write(one.replace(b"pager-call-1@", b"pager-call-%d@" % i)
                       .replace(b"pager-0001", b"p%09d" % i)
                       .replace(b"000000000001\n", b"%012d\n" % i))
    inp += ".txt"
    argv = [cpmobj, "convert", "--mbox", out + ".mbox", inp]
elif kind == "sessions":
    import subprocess
    subprocess.run([sys.executable, os.path.join(src, "bench", "gen-capture.py"), str(n),
                    inp + ".pcap", "2"], check=True, stderr=subprocess.DEVNULL)
    inp += ".pcap"
    argv = [cpmobj, "convert", "--mbox", out + ".mbox", inp]
    # session info, two messages, two IMDNs; a group session also a
    # conference-info object and a GSO
    want = 5 * n + 2 * (n // 5)

pid = os.fork()
if pid == 0:
    fd = os.open(os.devnull, os.O_WRONLY)
    os.dup2(fd, 1)
    os.dup2(os.open(os.path.join(tmp, "err"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 2)
    os.execv(cpmobj, argv)
_, status, usage = os.wait4(pid, 0)
code = os.waitstatus_to_exitcode(status)
if code not in (0, 1):
    sys.stderr.write(open(os.path.join(tmp, "err")).read())
    sys.exit("exit %d" % code)
if argv[1] == "convert":
    import re
    m = re.search(r"(\d+) objects written", open(os.path.join(tmp, "err")).read())
    if not m or int(m.group(1)) != want:
        sys.exit("%s: %s objects written, want %d" % (kind, m and m.group(1), want))
print(usage.ru_maxrss)
PY
}

# maildir: 5,000 files, then 50,000 (holding every name grew by ~15 MiB)
for spec in "jsonl 1000" "xml 1000" "mbox 1000" "maildir 5000" "capture 500" "sessions 300"; do
  set -- $spec
  kind=$1 small=$2 large=$(($2 * 10))
  a=$(measure "$kind" "$small") || { check "$kind: $small records convert" false; continue; }
  b=$(measure "$kind" "$large") || { check "$kind: $large records convert" false; continue; }
  echo "# $kind: peak RSS ${a} KiB for $small records, ${b} KiB for $large"
  check "$kind: ten times the input, peak memory within 10% + 8 MiB (${a} -> ${b} KiB)" \
    test "$b" -le $((a * 110 / 100 + 8192))
  rm -rf "$T"/in-* "$T"/out-*
done

# A Maildir whose names pass the in-memory bound (512 KiB of names and
# index: 12,000 names of ~55 bytes) has them sorted in a temporary file.
# Every object comes out; when that file cannot be made (no such TMPDIR) or
# written (a file size limit: EFBIG), validation stops with exit 2 and says
# why, and nothing is reported as if the Maildir had fewer files.
python3 "$T/gen-maildir.py" 12000 "$T/md" "$CPM_TESTDATA/samples/chat-message.eml"
lines=$("$CPMOBJ" validate --json "$T/md" 2>"$T/md.err" | wc -l)
check "a Maildir of 12,000 files past the sort bound: all 12000 objects reported ($lines)" \
  test "$lines" = 12000
# (objects counted through a pipe: the file size limit must not meet them)
TMPDIR="$T/no-such-dir" "$CPMOBJ" validate --json "$T/md" 2>"$T/md.err" | wc -l >"$T/md.count"
code=${PIPESTATUS[0]}
check "no temporary directory for the names: exit 2 ($code), no object reported ($(cat "$T/md.count"))" \
  test "$code:$(cat "$T/md.count")" = 2:0
check "no temporary directory for the names: the error names the Maildir and the cause" \
  grep -q "^cpmobj validate: $T/md: cannot sort its names in a temporary file in $T/no-such-dir: No such file or directory" "$T/md.err"
(trap '' XFSZ; ulimit -f 16; exec "$CPMOBJ" validate --json "$T/md") 2>"$T/md.err" | wc -l >"$T/md.count"
code=${PIPESTATUS[0]}
check "the names' temporary file cannot grow past 16 KiB: exit 2 ($code), no object reported ($(cat "$T/md.count"))" \
  test "$code:$(cat "$T/md.count")" = 2:0
check "the names' temporary file cannot grow: the error says so" \
  grep -q "$T/md: cannot sort its names in a temporary file in .*: File too large" "$T/md.err"
rm -rf "$T/md"

# Connections ended by RST instead of FIN free their place in the flow
# table: with room for 64 flows at once, 300 sessions (600 MSRP flows, each
# connection reset by the answering side) still give every object.
python3 "$CPM_SRCDIR/bench/gen-capture.py" 300 "$T/rst.pcap" 2 rst 2>/dev/null
"$CPMOBJ" convert --limit max_tcp_flows=64 -o - "$T/rst.pcap" >/dev/null 2>"$T/rst.err"
code=$?
check "RST-ended MSRP connections free their flows (exit $code, max_tcp_flows=64)" test "$code" = 0
check "RST-ended MSRP connections: all 1620 objects written" \
  grep -q ' 1620 objects written (0 invalid)' "$T/rst.err"

# An IMDN whose message never appears waits at most ten minutes of capture
# time, then is stored as at the end of the input: in this text log (times
# from its marker lines) it comes before a message logged 30 minutes later.
# The first chunk of a message whose other chunk never comes is reported
# incomplete then too.
python3 - "$T/imdn.log" <<'PY'
import sys
def sip(call, conv, contrib, ctype, body):
    return ("MESSAGE sip:bob@example.com SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-%s\r\n"
            "From: <sip:alice@example.com>;tag=a\r\nTo: <sip:bob@example.com>\r\n"
            "Call-ID: %s\r\nCSeq: 1 MESSAGE\r\nP-Asserted-Identity: <sip:alice@example.com>\r\n"
            "Conversation-ID: %s\r\nContribution-ID: %s\r\n"
            "Accept-Contact: *;+g.3gpp.icsi-ref=\"urn%%3Aurn-7%%3A3gpp-service.ims.icsi.oma.cpm.msg\"\r\n"
            "Content-Type: %s\r\nContent-Length: %d\r\n\r\n" % (call, call, conv, contrib, ctype, len(body))
            ).encode() + body
def cpim(mid, when, ctype, content):
    return ("From: <sip:bob@example.com>\r\nTo: <sip:alice@example.com>\r\n"
            "NS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: %s\r\nDateTime: %s\r\n\r\n"
            "Content-Type: %s\r\nContent-Length: %d\r\n\r\n" % (mid, when, ctype, len(content))
            ).encode() + content
imdn = (b'<?xml version="1.0" encoding="UTF-8"?>\r\n<imdn xmlns="urn:ietf:params:xml:ns:imdn">\r\n'
        b'<message-id>never-stored</message-id>\r\n<datetime>2024-05-01T12:00:00Z</datetime>\r\n'
        b'<delivery-notification><status><delivered/></status></delivery-notification>\r\n</imdn>\r\n')
conv = "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"
out = b"----- 2024-05-01 12:00:00.000 -----\r\n"
out += sip("imdn-1", conv, "c0a80001-0001-4000-8000-00000000000a", "message/cpim",
           cpim("imdn-0001", "2024-05-01T12:00:00Z", "message/imdn+xml", imdn)) + b"\r\n"
out += (b"MSRP c1 SEND\r\nTo-Path: msrp://10.0.0.2:7655/b1;tcp\r\nFrom-Path: msrp://10.0.0.1:7654/a1;tcp\r\n"
        b"Message-ID: cut-1\r\nByte-Range: 1-5/10\r\nContent-Type: text/plain\r\n\r\nhello\r\n-------c1+\r\n")
out += b"----- 2024-05-01 12:30:00.000 -----\r\n"
out += sip("msg-2", conv, "c0a80001-0001-4000-8000-00000000000b", "message/cpim",
           cpim("later-0002", "2024-05-01T12:30:00Z", "text/plain", b"half an hour later")) + b"\r\n"
open(sys.argv[1], "wb").write(out)
PY
"$CPMOBJ" convert -o "$T/imdn" "$T/imdn.log" >/dev/null 2>"$T/imdn.err"
check "a chunked MSRP message whose chunks stop is reported incomplete after ten minutes" \
  grep -q 'incomplete: no further chunk for 600 s of the capture after 5 bytes' "$T/imdn.err"
check "an IMDN without its message: both objects written" grep -q ' 2 objects written (0 invalid)' "$T/imdn.err"
check "an IMDN without its message is stored ten minutes on, before a message 30 minutes later" \
  sh -c "head -1 '$T/imdn/manifest.jsonl' | grep -q '\"kind\":\"imdn\"'"

echo "1..$n"
