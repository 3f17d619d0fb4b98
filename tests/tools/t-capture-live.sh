#!/bin/bash
# TAP: records the capture scenarios afresh (testdata/capture/scenarios/
# record.sh: SIPp, the MSRP peer and tcpdump on loopback) into a temporary
# folder, converts the recordings and checks that they give the objects of
# the committed expected trees, and the same SIP and MSRP messages as the
# committed captures: the committed captures come from these scenarios.
# Skips when sipp, tcpdump or python3 is missing or capturing is not
# allowed (not root). Env: CPMOBJ, CPM_TESTDATA.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
: "${CPMOBJ:?}" "${CPM_TESTDATA:?}"
C="$CPM_TESTDATA/capture"
S="$C/scenarios"
. "$(dirname "$0")/tap.sh"

for tool in sipp tcpdump python3; do
  if ! command -v "$tool" >/dev/null; then
    echo "1..0 # SKIP $tool not installed"; exit 0
  fi
done
if [ "$(id -u)" -ne 0 ]; then
  echo "1..0 # SKIP capturing on lo needs root"; exit 0
fi

# One recording at a time on this machine: the ports are fixed, and
# tcpdump on "any" would see another run's packets.
exec 9>"${TMPDIR:-/tmp}/cpmobj-capture-live.lock"
if ! flock -w 300 9; then
  echo "1..0 # SKIP another recording held the lock for 5 minutes"; exit 0
fi

# Capturing must work here (a container may refuse it even to root), on
# lo and on "any": one datagram to a port of the filter's range is seen.
can_capture () {
  : >"$T/pre.err"
  timeout -k 2 10 tcpdump -i "$1" -Z root -c 1 --immediate-mode -w /dev/null 'udp port 25069' \
    2>"$T/pre.err" &
  local pid=$! i
  for ((i = 0; i < 250; i++)); do
    grep -q 'listening on' "$T/pre.err" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.02
  done
  python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", 25069))'
  wait "$pid"
}
for iface in lo any; do
  if ! can_capture "$iface"; then
    echo "1..0 # SKIP tcpdump cannot capture on $iface here: $(head -c 200 "$T/pre.err" | tr '\n' ' ')"; exit 0
  fi
done
# The fixed ports must be free (play.py names them)
busy=$(python3 - "$S" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import play
ports = [25060, 25062, 25064] + list(range(27654, 27666)) + [27700, 27701]
print(" ".join(str(p) for p in ports if play.port_bound(p, False) or play.port_bound(p, True)))
PY
)
if [ -n "$busy" ]; then
  echo "1..0 # SKIP ports in use: $busy"; exit 0
fi

mkdir -p "$T/rec"
rc "record.sh records every scenario, tcpdump dropping nothing" 0 timeout -k 5 240 "$S/record.sh" "$T/rec"
for f in pager-udp.pcap chat-1to1.pcap group-chat.pcap ft-1to1.pcap large-message.pcap \
         group-chat-shuffled.pcap chat-1to1-cut.pcap; do
  check "$f recorded" test -s "$T/rec/$f"
done
# without IPv6 on lo (a container may lack it), record.sh leaves out the
# IPv6 recordings, and the checks on them are skipped
ipv6=yes
python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null || ipv6=
skip_v6 () { n=$((n + 1)); echo "ok $n - $1 # SKIP no IPv6 on lo"; }
for f in chat-1to1-ipv6-sll.pcap chat-1to1-ipv6-sll2.pcapng; do
  if [ -n "$ipv6" ]; then check "$f recorded" test -s "$T/rec/$f"; else skip_v6 "$f recorded"; fi
done

# Frame numbers depend on the run (TCP acknowledgements, a second 200 for
# the retransmitted MESSAGE): the manifest is compared without them.
frameless () { sed -E 's/frames? [0-9,]+/frames N/g' "$1"; }
same_tree () { # same_tree EXPECTED CONVERTED
  diff -r -x manifest.jsonl "$1" "$2" && diff <(frameless "$1/manifest.jsonl") <(frameless "$2/manifest.jsonl")
}
for f in group-chat chat-1to1 pager-udp ft-1to1 chat-1to1-cut large-message; do
  (cd "$T/rec" && "$CPMOBJ" convert -o "$T/conv-$f" "$f.pcap" >/dev/null 2>&1)
  check "the fresh $f.pcap converts to testdata/capture/expected/$f" same_tree "$C/expected/$f" "$T/conv-$f"
done
for v in group-chat-shuffled.pcap:group-chat group-chat.pcapng:group-chat \
         chat-1to1-ipv6-sll.pcap:chat-1to1 chat-1to1-ipv6-sll2.pcapng:chat-1to1 \
         chat-1to1-vlan.pcap:chat-1to1 chat-crlf.txt:chat-1to1 pager-lf.txt:pager-udp \
         pager-sipp.log:pager-udp; do
  f=${v%%:*} e=${v#*:}
  if [ -z "$ipv6" ] && [[ $f == *ipv6* ]]; then skip_v6 "the fresh $f"; continue; fi
  "$CPMOBJ" convert -o "$T/var-$f" "$T/rec/$f" >/dev/null 2>&1
  check "the fresh $f gives the objects of expected/$e" diff -r -x manifest.jsonl "$C/expected/$e" "$T/var-$f"
done

# The messages themselves: every distinct SIP and MSRP message of a fresh
# recording is in the committed one, and the other way round.
for f in pager-udp.pcap chat-1to1.pcap chat-1to1-ipv6-sll.pcap group-chat.pcap ft-1to1.pcap \
         large-message.pcap; do
  if [ -z "$ipv6" ] && [[ $f == *ipv6* ]]; then skip_v6 "$f: the messages"; continue; fi
  check "$f: the same SIP and MSRP messages as the committed capture" \
    python3 - "$S" "$C/$f" "$T/rec/$f" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import derive
a, b = ({m for _, m in derive.messages(derive.Pcap(p))} for p in sys.argv[2:4])
for m in sorted(a ^ b):
    print("# only in one:", m[:70])
sys.exit(a != b or not a)
PY
done

check "no SIPp left running from the recording" bash -c '
  for c in /proc/[0-9]*/cmdline; do
    { tr "\0" " " <"$c"; } 2>/dev/null | grep -q "^sipp .*capture/scenarios/" && exit 1
  done
  exit 0'
tap_done
