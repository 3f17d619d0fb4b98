#!/usr/bin/env bash
# Records the capture fixtures of testdata/capture/ on loopback: tcpdump
# around each scenario of play.py (SIPp for SIP, msrp_peer.py for MSRP),
# then derive.py makes the variants from the recordings. README.md in this
# folder says what each file shows.
# Usage: record.sh [OUTDIR]      (default: testdata/capture, this folder's parent)
# Needs root (or capture rights), sipp (Debian: sip-tester), tcpdump, python3.
# Exit 0 when every recording is complete (tcpdump dropped nothing), else 1.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "${1:-$here/..}" && pwd)
# SIP of Alice, Bob and the focus; the MSRP ports of the SDP (play.py)
filter='portrange 25060-25064 or portrange 27654-27701'
user=()
[ "$(id -u)" -eq 0 ] && user=(-Z root)  # tcpdump would drop to its own user and not write here
work=$(mktemp -d)
tcpdump_pid= play_pid=
cleanup() {
  [ -n "$play_pid" ] && kill "$play_pid" 2>/dev/null && wait "$play_pid" 2>/dev/null
  [ -n "$tcpdump_pid" ] && kill "$tcpdump_pid" 2>/dev/null && wait "$tcpdump_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# record FILE IFACE [play.py arguments]: IFACE "lo" gives Ethernet (Linux's
# link type on lo), "any" LINUX_SLL2, "any-sll" LINUX_SLL.
record() {
  local file=$1 iface=$2 size=-1 stable=0 i
  shift 2
  local link=()
  [ "$iface" = any-sll ] && { iface=any; link=(-y LINUX_SLL); }
  : >"$work/tcpdump.err"
  # --immediate-mode: every packet is handed over at once, so the file is
  # complete when its size stops changing; -B: room for bursts
  tcpdump -i "$iface" "${link[@]}" "${user[@]}" -U --immediate-mode -s 65535 -B 65536 \
    -w "$work/$file" "$filter" 2>"$work/tcpdump.err" &
  tcpdump_pid=$!
  for ((i = 0; i < 500; i++)); do
    grep -q 'listening on' "$work/tcpdump.err" && break
    kill -0 "$tcpdump_pid" 2>/dev/null || break
    sleep 0.02
  done
  grep -q 'listening on' "$work/tcpdump.err" || { cat "$work/tcpdump.err" >&2; return 1; }
  python3 "$here/play.py" "$@" &
  play_pid=$!
  wait "$play_pid"
  play_pid=
  for ((i = 0; i < 200 && stable < 3; i++)); do
    sleep 0.05
    local now
    now=$(stat -c %s "$work/$file")
    if [ "$now" = "$size" ]; then stable=$((stable + 1)); else stable=0; size=$now; fi
  done
  kill -INT "$tcpdump_pid"
  wait "$tcpdump_pid" || true
  tcpdump_pid=
  if ! grep -q '^0 packets dropped by kernel' "$work/tcpdump.err"; then
    echo "record.sh: $file: tcpdump lost packets:" >&2
    cat "$work/tcpdump.err" >&2
    return 1
  fi
  cp "$work/$file" "$out/$file"
}

mkdir "$work/trace"
record pager-udp.pcap lo pager --trace="$work/trace"
# SIPp's message log of the caller: a text capture as the test tool wrote it
cp "$work/trace/02-pager-uac.log" "$out/pager-sipp.log"
record chat-1to1.pcap lo chat-1to1
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
  record chat-1to1-ipv6-sll.pcap any-sll chat-1to1 --ipv6
  record chat-1to1-ipv6-sll2.pcap any chat-1to1 --ipv6
else
  echo "record.sh: no IPv6 on lo (::1): the IPv6 recordings are left as they are" >&2
fi
record group-chat.pcap lo group-chat
record ft-1to1.pcap lo ft-1to1
record large-message.pcap lo large-message
python3 "$here/derive.py" "$out"
rm -f "$out/chat-1to1-ipv6-sll2.pcap"  # kept as pcapng only (derive.py wrote it)
