#!/usr/bin/env python3
"""Writes the capture fixtures of testdata/capture/ that are not recordings.

Most captures here are real recordings: SIPp and a small MSRP peer on
loopback under tcpdump (scenarios/record.sh, see scenarios/README.md),
and variants derived from those bytes (scenarios/derive.py: shuffled
segments, a cut file, pcapng, VLAN, DLT_NULL, raw IP, text logs). This
script writes only what is left:

    large-message.pcap  large message mode (an INVITE for one standalone
                        message, an empty SEND opening the MSRP session);
                        not recorded yet
    message.cpim        a CPIM body on its own (no capture at all)

Python standard library only; run it to regenerate them:

    python3 testdata/capture/gen-captures.py testdata/capture

SPDX-License-Identifier: LGPL-2.1-or-later
"""
import os
import struct
import sys

BASE = 1714564800  # 2024-05-01T12:00:00Z

CONV = "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"

ALICE = "sip:alice@example.com"
BOB = "sip:bob@example.com"


def crlf(text):
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode()


def sip(start, headers, body=b""):
    """A SIP message; Content-Length is computed."""
    head = start + "\r\n" + "".join(f"{n}: {v}\r\n" for n, v in headers)
    head += f"Content-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


def cpim(frm, to, msg_id, when, ctype, content, disp=None):
    h = f"From: <{frm}>\r\nTo: <{to}>\r\nNS: imdn <urn:ietf:params:imdn>\r\n"
    h += f"imdn.Message-ID: {msg_id}\r\nDateTime: {when}\r\n"
    if disp:
        h += f"imdn.Disposition-Notification: {disp}\r\n"
    h += f"\r\nContent-Type: {ctype}\r\nContent-Length: {len(content)}\r\n\r\n"
    return h.encode() + content


def msrp_send(tid, to_path, from_path, msg_id, start, total, ctype, chunk, flag="$"):
    end = start + len(chunk) - 1
    head = (f"MSRP {tid} SEND\r\nTo-Path: {to_path}\r\nFrom-Path: {from_path}\r\n"
            f"Message-ID: {msg_id}\r\nByte-Range: {start}-{end}/{total}\r\n"
            f"Content-Type: {ctype}\r\n\r\n")
    return head.encode() + chunk + f"\r\n-------{tid}{flag}\r\n".encode()


def msrp_chunks(tid_base, to_path, from_path, msg_id, ctype, content, size):
    """The SENDs of one message cut into chunks of @size bytes ('+' ends
    the interrupted ones, '$' the last)."""
    out = []
    for i in range(0, len(content), size):
        part = content[i:i + size]
        last = i + size >= len(content)
        out.append(msrp_send(f"{tid_base}{i // size}", to_path, from_path, msg_id, i + 1,
                             len(content), ctype, part, "$" if last else "+"))
    return out


def sdp(ip, port, session, extra="", setup="active"):
    return crlf(f"""v=0
o=- 3922181234 3922181234 IN IP4 {ip}
s=-
c=IN IP4 {ip}
t=0 0
m=message {port} TCP/MSRP *
a=accept-types:message/cpim application/im-iscomposing+xml
a=accept-wrapped-types:text/plain message/imdn+xml
a=path:msrp://{ip}:{port}/{session};tcp
a=setup:{setup}
{extra}""")


# ------------------------------------------------------------------------
# Packets
# ------------------------------------------------------------------------

class Packet:
    def __init__(self, t, proto, src, dst, payload, seq=0, flags=0x18):
        self.t, self.proto, self.src, self.dst = t, proto, src, dst
        self.payload, self.seq, self.flags = payload, seq, flags


class Scenario:
    def __init__(self):
        self.packets = []
        self.t = 0.0
        self.conns = {}

    def tick(self, dt=0.05):
        self.t += dt
        return BASE + self.t

    def udp(self, src, dst, payload):
        self.packets.append(Packet(self.tick(), 17, src, dst, payload))

    def tcp_open(self, a, b):
        isn_a, isn_b = 1000 + len(self.conns) * 77777, 50000 + len(self.conns) * 33333
        self.conns[(a, b)] = isn_a + 1
        self.conns[(b, a)] = isn_b + 1
        self.packets.append(Packet(self.tick(), 6, a, b, b"", isn_a, 0x02))
        self.packets.append(Packet(self.tick(), 6, b, a, b"", isn_b, 0x12))
        self.packets.append(Packet(self.tick(), 6, a, b, b"", isn_a + 1, 0x10))

    def tcp_close(self, a, b):
        """FIN from both ends (each FIN takes one sequence number)."""
        for x, y in ((a, b), (b, a)):
            self.packets.append(Packet(self.tick(), 6, x, y, b"", self.conns[(x, y)], 0x11))
            self.conns[(x, y)] += 1

    def tcp(self, src, dst, data, segment=None):
        """Sends @data; returns the packets (segments of at most @segment bytes)."""
        out = []
        size = segment or len(data)
        for i in range(0, len(data), size):
            seg = data[i:i + size]
            p = Packet(self.tick(0.01), 6, src, dst, seg, self.conns[(src, dst)])
            self.conns[(src, dst)] += len(seg)
            self.packets.append(p)
            out.append(p)
        return out


def ip_bytes(addr):
    if ":" in addr:
        import ipaddress
        return ipaddress.IPv6Address(addr).packed
    return bytes(int(x) for x in addr.split("."))


def l4(p):
    (sip_, sport), (dip, dport) = p.src, p.dst
    if p.proto == 17:
        return struct.pack("!HHHH", sport, dport, 8 + len(p.payload), 0) + p.payload
    return struct.pack("!HHIIBBHHH", sport, dport, p.seq & 0xffffffff, 0, 5 << 4, p.flags,
                       65535, 0, 0) + p.payload


def ip_packet(p):
    seg = l4(p)
    src, dst = ip_bytes(p.src[0]), ip_bytes(p.dst[0])
    if len(src) == 4:
        return 0x0800, struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), 1, 0x4000, 64,
                                   p.proto, 0, src, dst) + seg
    return 0x86dd, struct.pack("!IHBB16s16s", 6 << 28, len(seg), p.proto, 64, src, dst) + seg


LINKS = {"ethernet": 1, "vlan": 1, "sll": 113, "sll2": 276, "null": 0, "raw": 101}


def frame(p, link):
    etype, ip = ip_packet(p)
    if link == "ethernet":
        return b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01" + struct.pack("!H", etype) + ip
    if link == "vlan":
        return (b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01" +
                struct.pack("!HHH", 0x8100, 42, etype) + ip)
    if link == "sll":
        return struct.pack("!HHH8sH", 0, 772, 6, b"\0" * 8, etype) + ip
    if link == "sll2":
        return struct.pack("!HHIHBB8s", etype, 0, 1, 772, 0, 6, b"\0" * 8) + ip
    if link == "null":
        return struct.pack("<I", 2 if etype == 0x0800 else 30) + ip
    return ip


def write_pcap(path, packets, link, cut=None):
    out = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, LINKS[link])
    for p in packets:
        data = frame(p, link)
        sec = int(p.t)
        usec = int(round((p.t - sec) * 1e6))
        out += struct.pack("<IIII", sec, usec, len(data), len(data)) + data
    if cut:
        out = out[:cut(out)]
    with open(path, "wb") as f:
        f.write(out)


# ------------------------------------------------------------------------
# Scenarios
# ------------------------------------------------------------------------

def addrs(v6):
    if v6:
        return ("2001:db8::a", 5060), ("2001:db8::b", 5060), "2001:db8::a", "2001:db8::b"
    return ("10.0.0.1", 5060), ("10.0.0.2", 5060), "10.0.0.1", "10.0.0.2"


def invite(sc, src, dst, ruri, frm, to, call, contrib, conv, svc, body, ctype, extra=()):
    sc.udp(src, dst, sip(f"INVITE {ruri} SIP/2.0", [
        ("Via", f"SIP/2.0/UDP {src[0]}:5060;branch=z9hG4bK-{call}"), ("Max-Forwards", "70"),
        ("From", f"<{frm}>;tag=inv-{call}"), ("To", f"<{to}>"), ("Call-ID", call),
        ("CSeq", "1 INVITE"), ("Contact", f"<sip:{src[0]}:5060>;{svc}"),
        ("P-Asserted-Identity", f"<{frm}>"),
        ("Conversation-ID", conv), ("Contribution-ID", contrib),
        ("Accept-Contact", f"*;{svc}")] + list(extra) + [("Content-Type", ctype)], body))


def answer(sc, src, dst, frm, to, call, contact, body, pai):
    sc.udp(src, dst, sip("SIP/2.0 200 OK", [
        ("Via", f"SIP/2.0/UDP {dst[0]}:5060;branch=z9hG4bK-{call}"),
        ("From", f"<{frm}>;tag=inv-{call}"), ("To", f"<{to}>;tag=ans-{call}"),
        ("Call-ID", call), ("CSeq", "1 INVITE"), ("Contact", contact),
        ("P-Asserted-Identity", f"<{pai}>"), ("Content-Type", "application/sdp")], body))
    sc.udp(dst, src, sip(f"ACK {to} SIP/2.0", [
        ("Via", f"SIP/2.0/UDP {dst[0]}:5060;branch=z9hG4bK-ack-{call}"),
        ("From", f"<{frm}>;tag=inv-{call}"), ("To", f"<{to}>;tag=ans-{call}"),
        ("Call-ID", call), ("CSeq", "1 ACK")]))


SVC_LARGE = '+g.3gpp.icsi-ref="urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.largemsg"'


def large_message(sc):
    """Large message mode: an MSRP session for one standalone message,
    opened with an empty SEND."""
    a, b, ipa, ipb = addrs(False)
    pa, pb = f"msrp://{ipa}:7670/alice-lm1;tcp", f"msrp://{ipb}:7671/bob-lm1;tcp"
    invite(sc, a, b, BOB, ALICE, BOB, "large-call-1", "c0a80001-0006-4000-8000-000000000006",
           CONV, SVC_LARGE, sdp(ipa, 7670, "alice-lm1"), "application/sdp")
    answer(sc, b, a, ALICE, BOB, "large-call-1", f"<sip:{ipb}:5060>;{SVC_LARGE}",
           sdp(ipb, 7671, "bob-lm1", setup="passive"), BOB)
    ma, mb = (ipa, 7670), (ipb, 7671)
    sc.tcp_open(ma, mb)
    sc.tcp(ma, mb, (f"MSRP lm00 SEND\r\nTo-Path: {pb}\r\nFrom-Path: {pa}\r\n"
                    "Message-ID: msrp-open\r\nByte-Range: 1-0/0\r\n-------lm00$\r\n").encode())
    big = cpim(ALICE, BOB, "large-0001", "2024-05-01T12:20:00Z", "text/plain; charset=utf-8",
               ("A long story. " * 200).encode())
    for chunk in msrp_chunks("lm0", pb, pa, "msrp-large", "message/cpim", big, 1500):
        sc.tcp(ma, mb, chunk, 1400)
    sc.tcp_close(ma, mb)


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    p = lambda name: os.path.join(outdir, name)

    sc = Scenario(); large_message(sc)
    write_pcap(p("large-message.pcap"), sc.packets, "ethernet")
    with open(p("message.cpim"), "wb") as f:
        f.write(cpim(ALICE, BOB, "cpim-file-0001", "2024-05-01T12:00:00Z",
                     "text/plain; charset=utf-8", b"A CPIM body on its own"))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__)))
