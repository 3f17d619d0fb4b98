#!/usr/bin/env python3
"""Derives the variant fixtures of testdata/capture/ from the recordings.

    derive.py DIR        reads the recordings in DIR, writes the variants there

Python standard library only. Every variant keeps the recorded packets'
bytes and only changes what the case is about:

  group-chat-shuffled.pcap   group-chat.pcap with its TCP data segments in
                             another (seeded, fixed) file order
  group-chat.pcapng          group-chat.pcap as pcapng (SHB, IDB, EPBs)
  chat-1to1-cut.pcap         chat-1to1.pcap cut 40 bytes before the end-line
                             of chunk tx02-1: the file ends inside an MSRP
                             chunk (libpcap: truncated dump file)
  chat-1to1-vlan.pcap        chat-1to1.pcap with an 802.1Q tag (VLAN 42)
                             in every Ethernet header (lo has no VLANs)
  chat-1to1-ipv6-sll2.pcapng chat-1to1-ipv6-sll2.pcap (recorded on "any")
                             as pcapng
  pager-loopback.pcap        pager-udp.pcap with the BSD loopback header
                             (DLT_NULL) instead of Ethernet
  ft-1to1-raw.pcap           ft-1to1.pcap as raw IP (LINKTYPE_RAW)
  pager-lf.txt, pager-plain.txt, chat-crlf.txt
                             the SIP and MSRP messages of pager-udp.pcap and
                             chat-1to1.pcap as a test tool's text log: one
                             marker line per message (none in pager-plain),
                             LF line ends in pager-lf

SPDX-License-Identifier: LGPL-2.1-or-later
"""
import os
import random
import re
import struct
import sys

LINKTYPE_NULL, LINKTYPE_ETHERNET, LINKTYPE_RAW = 0, 1, 101


class Pcap:
    def __init__(self, path):
        data = open(path, "rb").read()
        magic = struct.unpack("<I", data[:4])[0]
        if magic not in (0xa1b2c3d4, 0xa1b23c4d):
            sys.exit(f"{path}: not a little-endian pcap file")
        self.header = bytearray(data[:24])
        self.linktype = struct.unpack("<I", data[20:24])[0]
        self.nanos = magic == 0xa1b23c4d
        self.records = []  # [sec, frac, orig_len, data]
        off = 24
        while off + 16 <= len(data):
            sec, frac, incl, orig = struct.unpack("<IIII", data[off:off + 16])
            self.records.append([sec, frac, orig, data[off + 16:off + 16 + incl]])
            off += 16 + incl

    def write(self, path, linktype=None, records=None):
        head = bytearray(self.header)
        if linktype is not None:
            head[20:24] = struct.pack("<I", linktype)
        out = bytearray(head)
        for sec, frac, orig, d in (self.records if records is None else records):
            out += struct.pack("<IIII", sec, frac, len(d), orig) + d
        with open(path, "wb") as f:
            f.write(out)
        return bytes(out)


def ip_of(linktype, frame):
    """(offset of the IP header, ethertype) of a frame."""
    if linktype == LINKTYPE_ETHERNET:
        return 14, struct.unpack("!H", frame[12:14])[0]
    if linktype == 113:  # LINUX_SLL
        return 16, struct.unpack("!H", frame[14:16])[0]
    if linktype == 276:  # LINUX_SLL2
        return 20, struct.unpack("!H", frame[0:2])[0]
    sys.exit(f"link type {linktype} not handled")


def transport(linktype, frame):
    """(proto, src, dst, payload offset, tcp flags) of an IP frame."""
    off, etype = ip_of(linktype, frame)
    if etype == 0x0800:
        ihl = (frame[off] & 0x0f) * 4
        proto = frame[off + 9]
        src, dst = frame[off + 12:off + 16], frame[off + 16:off + 20]
        l4 = off + ihl
        end = off + struct.unpack("!H", frame[off + 2:off + 4])[0]
    elif etype == 0x86dd:
        proto = frame[off + 6]
        src, dst = frame[off + 8:off + 24], frame[off + 24:off + 40]
        l4 = off + 40
        end = l4 + struct.unpack("!H", frame[off + 4:off + 6])[0]
    else:
        return None
    sport, dport = struct.unpack("!HH", frame[l4:l4 + 4])
    if proto == 17:
        return proto, (src, sport), (dst, dport), l4 + 8, end, 0
    if proto == 6:
        doff = (frame[l4 + 12] >> 4) * 4
        return proto, (src, sport), (dst, dport), l4 + doff, end, frame[l4 + 13]
    return None


def payload(linktype, frame):
    t = transport(linktype, frame)
    return frame[t[3]:t[4]] if t else b""


# ------------------------------------------------------------------------
# Variants
# ------------------------------------------------------------------------

def shuffled(p, seed):
    """The TCP data segments permuted among their own places in the file."""
    recs = p.records
    tcp = [i for i, r in enumerate(recs)
           if (t := transport(p.linktype, r[3])) and t[0] == 6 and t[4] > t[3]]
    order = tcp[:]
    random.Random(seed).shuffle(order)
    out = recs[:]
    for i, j in zip(tcp, order):
        out[i] = recs[j]
    return out


def write_pcapng(path, p):
    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)
    snaplen = struct.unpack("<I", p.header[16:20])[0]
    out = block(0x0a0d0d0a, struct.pack("<IHHq", 0x1a2b3c4d, 1, 0, -1))
    out += block(1, struct.pack("<HHI", p.linktype, 0, snaplen))
    for sec, frac, orig, d in p.records:
        ts = sec * 1000000 + (frac // 1000 if p.nanos else frac)
        out += block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xffffffff, len(d), orig) + d)
    with open(path, "wb") as f:
        f.write(out)


def relinked(p, make):
    """Every Ethernet frame with its 14-byte header replaced by make(frame)."""
    return [[s, f, o - 14 + len(make(d)), make(d) + d[14:]] for s, f, o, d in p.records]


def vlan_header(d):
    return d[:12] + b"\x81\x00\x00\x2a" + d[12:14]


def null_header(d):
    return struct.pack("<I", 2 if d[12:14] == b"\x08\x00" else 30)


def messages(p):
    """(time, bytes) of every SIP and MSRP message, in the order their last
    byte was captured: UDP datagrams as they are, TCP streams (in the
    recording's order, no losses) cut at SIP Content-Length and at the
    MSRP end-line."""
    out, streams = [], {}
    for sec, frac, _, d in p.records:
        t = transport(p.linktype, d)
        if not t or t[4] <= t[3]:
            continue
        proto, src, dst, start, end, flags = t
        when = sec + frac / 1e6
        if proto == 17:
            out.append((when, d[start:end]))
            continue
        buf = streams.get((src, dst), b"") + d[start:end]
        while buf:
            n = frame_length(buf)
            if not n:
                break
            out.append((when, buf[:n]))
            buf = buf[n:]
        streams[(src, dst)] = buf
    return out


def frame_length(buf):
    if buf.startswith(b"MSRP "):
        tid = buf.split(b" ", 2)[1]
        m = re.search(rb"\r\n-------" + re.escape(tid) + rb"[$+#]\r\n", buf)
        return m.end() if m else 0
    head = buf.find(b"\r\n\r\n")
    if head < 0:
        return 0
    m = re.search(rb"\r\n(?:Content-Length|l)[ \t]*:[ \t]*(\d+)", buf[:head], re.I)
    n = head + 4 + (int(m.group(1)) if m else 0)
    return n if n <= len(buf) else 0


def text_log(msgs, lf=False, markers=True):
    out = b""
    for i, (_, m) in enumerate(msgs):
        if markers:
            out += f"----- 2024-05-01 12:00:{i:02d}.000 message {i + 1} -----\r\n".encode()
        out += m + b"\r\n"
    return out.replace(b"\r\n", b"\n") if lf else out


def main(d):
    p = lambda name: os.path.join(d, name)

    group = Pcap(p("group-chat.pcap"))
    group.write(p("group-chat-shuffled.pcap"), records=shuffled(group, 4975))
    write_pcapng(p("group-chat.pcapng"), group)

    chat = Pcap(p("chat-1to1.pcap"))
    whole = open(p("chat-1to1.pcap"), "rb").read()
    with open(p("chat-1to1-cut.pcap"), "wb") as f:
        f.write(whole[:whole.index(b"-------tx02-1+") - 40])
    chat.write(p("chat-1to1-vlan.pcap"), records=relinked(chat, vlan_header))
    with open(p("chat-crlf.txt"), "wb") as f:
        f.write(text_log(messages(chat)))

    if os.path.exists(p("chat-1to1-ipv6-sll2.pcap")):  # not recorded without IPv6
        write_pcapng(p("chat-1to1-ipv6-sll2.pcapng"), Pcap(p("chat-1to1-ipv6-sll2.pcap")))

    pager = Pcap(p("pager-udp.pcap"))
    pager.write(p("pager-loopback.pcap"), LINKTYPE_NULL, relinked(pager, null_header))
    msgs = messages(pager)
    with open(p("pager-lf.txt"), "wb") as f:
        f.write(text_log(msgs, lf=True))
    with open(p("pager-plain.txt"), "wb") as f:
        f.write(text_log(msgs, markers=False))

    ft = Pcap(p("ft-1to1.pcap"))
    ft.write(p("ft-1to1-raw.pcap"), LINKTYPE_RAW, relinked(ft, lambda d: b""))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
