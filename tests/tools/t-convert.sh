#!/bin/bash
# TAP tests of `cpmobj convert` on SIP/MSRP/CPIM captures (testdata/capture:
# recordings of testdata/capture/scenarios, variants derived from them, and
# what gen-captures.py still writes). Env: CPMOBJ, CPM_TESTDATA.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
: "${CPMOBJ:?}" "${CPM_TESTDATA:?}"
C="$CPM_TESTDATA/capture"
. "$(dirname "$0")/tap.sh"
objects () { find "$1" -name '*.eml' | wc -l; }

GROUP=0b5d2e4c-6a1f-4c3e-9b7a-2d8e1f0c3a55
GROUP_SESSION=$GROUP/c0a80001-0003-4000-8000-000000000003
CONV=f81d4fae-7dec-11d0-a765-00a0c91e6bf6

# ---- every capture converts, and every object validates clean ----
for f in pager-udp.pcap pager-loopback.pcap chat-1to1.pcap chat-1to1-vlan.pcap \
         chat-1to1-ipv6-sll.pcap chat-1to1-ipv6-sll2.pcapng group-chat.pcap \
         group-chat.pcapng group-chat-shuffled.pcap ft-1to1.pcap ft-1to1-raw.pcap pager-lf.txt \
         pager-plain.txt pager-sipp.log chat-crlf.txt message.cpim large-message.pcap; do
  rc "convert $f" 0 "$CPMOBJ" convert -o "$T/$f" "$C/$f"
  check "$f: 0 invalid in the summary" err_has ' objects written \(0 invalid\)'
  rc "$f: every object valid, store rules hold" 0 "$CPMOBJ" validate -q --store "$T/$f"
  check "$f: one manifest line per object" \
    test "$(wc -l <"$T/$f/manifest.jsonl")" -eq "$(objects "$T/$f")"
done

# ---- the expected trees (testdata/capture/expected, see scenarios/README.md) ----
for f in group-chat chat-1to1 pager-udp ft-1to1 chat-1to1-cut large-message; do
  (cd "$C" && "$CPMOBJ" convert -o "$T/expected-$f" "$f.pcap" >/dev/null 2>&1)
  check "$f.pcap converts to testdata/capture/expected/$f byte for byte" \
    diff -r "$C/expected/$f" "$T/expected-$f"
done

# ---- -o DIR/: each folder's directory is built once per run, from DIR as
# given (a trailing slash), nested IMAP folders included; a folder that
# cannot be made stops the conversion with its name ----
(cd "$C" && "$CPMOBJ" convert -o "$T/slash/" group-chat.pcap >/dev/null 2>&1)
check "-o DIR/: group-chat.pcap converts to testdata/capture/expected/group-chat byte for byte" \
  diff -r "$C/expected/group-chat" "$T/slash"
mkdir -p "$T/blocked" && : >"$T/blocked/$GROUP"
rc "a file where the conversation folder goes: exit 2" 2 "$CPMOBJ" convert -o "$T/blocked/" "$C/group-chat.pcap"
check "a file where the conversation folder goes: the error names the session folder" \
  err_has "$T/blocked/$GROUP_SESSION: Not a directory"

# ---- SIPp's own message log (-trace_msg) is a text capture too ----
check "pager-sipp.log gives the objects of pager-udp.pcap" \
  diff -r -x manifest.jsonl "$T/pager-udp.pcap" "$T/pager-sipp.log"
check "pager-sipp.log: sources are its lines" grep -q '"source":"[^"]*pager-sipp.log:line [0-9]* (MESSAGE)"' "$T/pager-sipp.log/manifest.jsonl"

# ---- the group chat of Appendix I.2 ----
G="$T/group-chat.pcap"
check "group: only the session history folder under the conversation folder" \
  test "$(cd "$G" && find . -mindepth 1 -type d | sort | tr '\n' ' ')" = "./$GROUP ./$GROUP_SESSION "
check "group: 9 objects in the session history folder" test "$(objects "$G/$GROUP_SESSION")" -eq 9
for k in session-info chat imdn conference-info group-state file-transfer; do
  check "group: manifest has $k" grep -q "\"kind\":\"$k\"" "$G/manifest.jsonl"
done
check "group: manifest names the frames" grep -q '"source":"[^"]*group-chat.pcap:frames [0-9,]* (MSRP SEND' "$G/manifest.jsonl"
check "group: a segment shared by two pipelined file chunks is named once" \
  python3 -c 'import json, re, sys
lists = [f.split(",") for l in open(sys.argv[1]) for f in re.findall(r"frames ([0-9,]+)", json.loads(l)["source"])]
sys.exit(not lists or any(len(n) != len(set(n)) for n in lists))' "$G/manifest.jsonl"
rc "group: accounting" 0 "$CPMOBJ" convert -o "$T/g3" "$C/group-chat.pcap"
check "group: 15 records, 9 objects, 7 skipped" \
  err_has '15 records read, 9 objects written \(0 invalid\), 7 skipped'
check "group: the isComposing SEND named as skipped" \
  err_has 'Message-ID msrp-c1, 1 chunk\): skipped: not CPM \(isComposing indication\)$'
check "group: the aborted message named as skipped" \
  err_has 'Message-ID msrp-g3, 2 chunks\): skipped: aborted by its sender'
"$CPMOBJ" convert -o "$T/g2" "$C/group-chat.pcap" 2>/dev/null
check "a second run gives the same bytes" diff -r "$G" "$T/g2"
check "shuffled TCP segments give the same objects" \
  diff -r -x manifest.jsonl "$G" "$T/group-chat-shuffled.pcap"
check "pcapng gives the same objects" diff -r -x manifest.jsonl "$G" "$T/group-chat.pcapng"

# ---- 1-1 chat: conversation folder, accounting ----
rc "chat accounting" 0 "$CPMOBJ" convert -o "$T/c" "$C/chat-1to1.pcap"
check "chat: 7 records, 5 objects, 2 skipped" \
  err_has '7 records read, 5 objects written \(0 invalid\), 2 skipped'
check "chat: ACK named as skipped" err_has 'chat-1to1.pcap:frame 8: skipped: not CPM \(ACK\)$'
check "chat: everything in the conversation folder" test "$(objects "$T/c/$CONV")" -eq 5
check "chat: the IMDN beside its message" test -f "$T/c/$CONV/imdn-0001.eml"

# ---- pager: duplicate retransmission ----
rc "pager" 0 "$CPMOBJ" convert -o "$T/p" "$C/pager-udp.pcap"
check "pager: the retransmission is named" \
  err_has 'pager-udp.pcap:frame 3: skipped: duplicate retransmission \(MESSAGE\)'
check "pager: object named by its imdn.Message-ID" test -f "$T/p/$CONV/pager-0001.eml"

# ---- a cut capture: the incomplete message reported, the rest written ----
rc "cut capture: exit 1" 1 "$CPMOBJ" convert -o "$T/cut" "$C/chat-1to1-cut.pcap"
check "cut: the incomplete message named" err_has 'Message-ID msrp-m2, 1 chunk\): skipped: incomplete'
check "cut: the cut file named with its rule" err_has 'truncated dump file.*\[capture.truncated-file\]'
check "cut: the complete objects written" test "$(objects "$T/cut")" -eq 2
rc "cut: what is written is valid" 0 "$CPMOBJ" validate -q "$T/cut/$CONV"

# ---- --json accounting, --append-script, stdin, --from ----
rc "--json" 0 "$CPMOBJ" convert --json -o "$T/j" "$C/chat-1to1.pcap"
check "--json: 5 converted lines" test "$(grep -c '"status":"converted"' "$T/out")" -eq 5
check "--json: 2 skipped lines with reasons" test "$(grep -c '"status":"skipped".*"reason":"not CPM' "$T/out")" -eq 2
rc "--append-script" 0 "$CPMOBJ" convert -o "$T/a" --append-script "$T/a.imap" "$C/group-chat.pcap"
check "append script: CREATE of the session folder" grep -q "^C1 CREATE \"$GROUP_SESSION\"" "$T/a.imap"
check "append script: 9 APPENDs with LITERAL+" test "$(grep -ac '^A[0-9]* APPEND .* {[0-9]*+}' "$T/a.imap")" -eq 9
rc "pcap on stdin" 0 "$CPMOBJ" convert -o "$T/s" - <"$C/chat-1to1.pcap"
check "stdin: same objects as from the file" diff -r -x manifest.jsonl "$T/s" "$T/c"
rc "mbox on stdout validates" 0 bash -c "'$CPMOBJ' convert -o - '$C/group-chat.pcap' 2>/dev/null | '$CPMOBJ' validate -q -"
rc "--from pcap" 0 "$CPMOBJ" convert --from pcap -o "$T/f" "$C/ft-1to1.pcap"
rc "--from cpim on a pcap: nothing readable, exit 1" 1 "$CPMOBJ" convert --from cpim -o "$T/x" "$C/ft-1to1.pcap"
printf 'not a capture at all\n' >"$T/junk.bin"
rc "unknown input: exit 2" 2 "$CPMOBJ" convert -o "$T/y" "$T/junk.bin"
check "unknown input: named" err_has 'junk.bin: input format not recognised'
printf 'MESSAGE sip:b@x SIP/2.0\r\nCall-ID: 2\r\nCSeq: 1 MESSAGE\r\nContent-Length: 500\r\n\r\ncut' >"$T/cut.txt"
rc "a text capture cut inside a request: exit 1" 1 "$CPMOBJ" convert -o "$T/z" "$T/cut.txt"
check "the cut request named" err_has 'cut.txt:line 1: skipped: incomplete: the input ends inside the SIP request'
# ---- --nms: each produced object as the REST binding's JSON ----
rc "--nms on the group chat capture" 0 "$CPMOBJ" convert --nms -o "$T/nms" "$C/group-chat.pcapng"
check "one NMS object per produced object" \
  test "$(wc -l <"$T/out")" -eq "$(find "$T/nms" -name '*.eml' | wc -l)"
cp "$T/out" "$T/nms.jsonl"
check "each NMS line maps back to the stored object byte for byte" python3 - "$CPMOBJ" "$T/nms.jsonl" "$T/nms" <<'PY'
import json, os, subprocess, sys
cpmobj, lines, root = sys.argv[1:4]
for line in open(lines):
    obj = json.loads(line)["object"]
    folder = obj["parentFolderPath"]
    attrs = {a["name"]: a["value"][0] for a in obj["attributes"]["attribute"]}
    path = os.path.join(root, folder, attrs["IMDN-Message-ID"] + ".eml")
    back = subprocess.run([cpmobj, "nms", "--to-mime", "-"], input=line.encode(),
                          capture_output=True, check=True).stdout
    if back != open(path, "rb").read():
        sys.exit(f"{path} differs")
PY
rc "--nms with --json is a usage error" 2 "$CPMOBJ" convert --nms --json -o "$T/nms2" "$C/pager-udp.pcap"

# ---- dates written for IMAP and mbox are English in any locale ----
# (RFC 3501 date-month and the mbox "From " line are fixed English names;
# cpmobj calls setlocale, so a German LC_TIME must not reach them)
if mkdir -p "$T/loc" && localedef -i de_DE -f UTF-8 "$T/loc/de_DE.UTF-8" 2>/dev/null &&
   [ "$(LOCPATH=$T/loc LC_ALL=de_DE.UTF-8 date -u -d 2024-05-01 +%b)" = Mai ]; then
  for l in C.UTF-8 de_DE.UTF-8; do
    LOCPATH=$T/loc LC_ALL=$l "$CPMOBJ" convert -o "$T/loc-$l" --append-script "$T/$l.imap" \
      "$C/group-chat.pcap" 2>/dev/null
    LOCPATH=$T/loc LC_ALL=$l "$CPMOBJ" convert -o - "$C/group-chat.pcap" >"$T/$l.mbox" 2>/dev/null
  done
  check "German locale: the append script's dates are C.UTF-8's" cmp -s "$T/C.UTF-8.imap" "$T/de_DE.UTF-8.imap"
  check "German locale: the mbox From lines are C.UTF-8's" cmp -s "$T/C.UTF-8.mbox" "$T/de_DE.UTF-8.mbox"
  check "C.UTF-8: From lines in ASCII with English names (GLib's %e pads with U+2007)" grep -qE '^From cpmobj@localhost (Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 0-9][0-9] [0-9]{2}:' "$T/C.UTF-8.mbox"
else
  ok "# SKIP no de_DE locale can be made here (localedef, Debian package locales)"
fi
tap_done
