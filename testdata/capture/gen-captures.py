#!/usr/bin/env python3
"""Writes the capture fixtures of testdata/capture/ (pcap, pcapng, text).

Python standard library only. Each scenario is a list of SIP and MSRP
exchanges between two or three CPM clients (and a conference focus); the
packets are then written with the link layer and IP version asked for.
The files are committed; run this again to regenerate them:

    python3 testdata/capture/gen-captures.py testdata/capture

expected/NAME/ holds what `cpmobj convert` makes of NAME.pcap, run in this
directory (tests/tools/t-convert.sh compares byte for byte); after a
deliberate change of the captures or of the mapping, remake them with

    cd testdata/capture && for f in group-chat chat-1to1 pager-udp ft-1to1 \
        chat-1to1-cut; do rm -rf expected/$f; cpmobj convert -o expected/$f $f.pcap; done

SPDX-License-Identifier: LGPL-2.1-or-later
"""
import base64
import os
import random
import struct
import sys

BASE = 1714564800  # 2024-05-01T12:00:00Z

CONV = "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"
CONTRIB_PAGER = "c0a80001-0001-4000-8000-000000000001"
CONTRIB_CHAT = "c0a80001-0002-4000-8000-000000000002"
CONTRIB_GROUP = "c0a80001-0003-4000-8000-000000000003"
CONTRIB_FT = "c0a80001-0004-4000-8000-000000000004"
GROUP_CONV = "0b5d2e4c-6a1f-4c3e-9b7a-2d8e1f0c3a55"

ALICE = "sip:alice@example.com"
BOB = "sip:bob@example.com"
CAROL = "sip:carol@example.com"
FOCUS = "sip:conf-7f3a@conf.example.com"
FACTORY = "sip:conference-factory@conf.example.com"

SVC_MSG = '+g.3gpp.icsi-ref="urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.msg"'
SVC_SESSION = '+g.3gpp.icsi-ref="urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session"'
SVC_FT = '+g.3gpp.icsi-ref="urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.filetransfer"'

# A small PNG (1x1) as the thumbnail and some bytes as "the file".
THUMB = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
PHOTO = bytes((i * 37 + 11) % 256 for i in range(3000))


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


def msrp_ok(tid, to_path, from_path):
    return (f"MSRP {tid} 200 OK\r\nTo-Path: {to_path}\r\nFrom-Path: {from_path}\r\n"
            f"-------{tid}$\r\n").encode()


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


def multipart(boundary, parts):
    out = b""
    for headers, body in parts:
        out += f"--{boundary}\r\n".encode()
        out += "".join(f"{n}: {v}\r\n" for n, v in headers).encode() + b"\r\n" + body + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


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


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def write_pcapng(path, packets, link):
    def block(btype, body):
        body = pad4(body)
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)
    out = block(0x0a0d0d0a, struct.pack("<IHHq", 0x1a2b3c4d, 1, 0, -1))
    out += block(1, struct.pack("<HHI", LINKS[link], 0, 65535))
    for p in packets:
        data = frame(p, link)
        ts = int(round(p.t * 1e6))
        out += block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xffffffff, len(data), len(data))
                     + pad4(data))
    with open(path, "wb") as f:
        f.write(out)


# ------------------------------------------------------------------------
# Scenarios
# ------------------------------------------------------------------------

def addrs(v6):
    if v6:
        return ("2001:db8::a", 5060), ("2001:db8::b", 5060), "2001:db8::a", "2001:db8::b"
    return ("10.0.0.1", 5060), ("10.0.0.2", 5060), "10.0.0.1", "10.0.0.2"


def pager(sc, v6=False):
    a, b, _, _ = addrs(v6)
    body = cpim(ALICE, BOB, "pager-0001", "2024-05-01T12:00:00Z", "text/plain; charset=utf-8",
                "Lunch at noon?".encode(), "positive-delivery, display")
    msg = sip(f"MESSAGE {BOB} SIP/2.0", [
        ("Via", "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-pager-1"),
        ("Max-Forwards", "70"),
        ("f", f"<{ALICE}>;tag=a1"), ("t", f"<{BOB}>"), ("i", "pager-call-1@10.0.0.1"),
        ("CSeq", "1 MESSAGE"),
        ("P-Asserted-Identity", f"\"Alice\" <{ALICE}>, <tel:+15145550001>"),
        ("Date", "Wed, 01 May 2024 12:00:00 GMT"),
        ("Conversation-ID", CONV), ("Contribution-ID", CONTRIB_PAGER),
        ("a", f"*;{SVC_MSG}"),
        ("P-Asserted-Service", "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.msg"),
        ("c", "message/cpim"),
    ], body)
    sc.udp(a, b, msg)
    sc.udp(a, b, msg)  # a retransmission
    sc.udp(b, a, sip("SIP/2.0 200 OK", [
        ("Via", "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-pager-1"),
        ("From", f"<{ALICE}>;tag=a1"), ("To", f"<{BOB}>;tag=b1"),
        ("Call-ID", "pager-call-1@10.0.0.1"), ("CSeq", "1 MESSAGE")]))
    sc.udp(a, b, sip(f"OPTIONS {BOB} SIP/2.0", [
        ("Via", "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-opt"), ("From", f"<{ALICE}>;tag=o"),
        ("To", f"<{BOB}>"), ("Call-ID", "options-1@10.0.0.1"), ("CSeq", "1 OPTIONS")]))


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


def chat_1to1(sc, v6=False, disorder=True):
    a, b, ipa, ipb = addrs(v6)
    pa, pb = f"msrp://{ipa}:7654/alice123;tcp", f"msrp://{ipb}:7655/bob456;tcp"
    if v6:
        pa, pb = f"msrp://[{ipa}]:7654/alice123;tcp", f"msrp://[{ipb}]:7655/bob456;tcp"
    invite(sc, a, b, BOB, ALICE, BOB, "chat-call-1", CONTRIB_CHAT, CONV, SVC_SESSION,
           sdp(ipa, 7654, "alice123"), "application/sdp", [("Subject", "Weekend plans")])
    answer(sc, b, a, ALICE, BOB, "chat-call-1", f"<sip:{ipb}:5060>;{SVC_SESSION}",
           sdp(ipb, 7655, "bob456", setup="passive"), BOB)
    ma, mb = (ipa, 7654), (ipb, 7655)
    sc.tcp_open(ma, mb)
    # message 1, one chunk, asks for delivery notification
    m1 = cpim(ALICE, BOB, "chat-msg-0001", "2024-05-01T12:01:00Z", "text/plain; charset=utf-8",
              b"Are you free on Saturday?", "positive-delivery")
    segs = sc.tcp(ma, mb, msrp_send("tx01", pb, pa, "msrp-m1", 1, len(m1), "message/cpim", m1), 60)
    if disorder and len(segs) >= 3:
        # the second segment arrives after the third (out of order)
        i = sc.packets.index(segs[1])
        sc.packets[i], sc.packets[i + 1] = sc.packets[i + 1], sc.packets[i]
    sc.tcp(mb, ma, msrp_ok("tx01", pa, pb))
    # message 2 in three chunks ('+' interrupted chunks, then '$')
    m2 = cpim(ALICE, BOB, "chat-msg-0002", "2024-05-01T12:01:30Z", "text/plain; charset=utf-8",
              ("We could go hiking, then have dinner at the place by the lake. " * 3).encode())
    for i, chunk in enumerate(msrp_chunks("tx02-", pb, pa, "msrp-m2", "message/cpim", m2, 150)):
        segs = sc.tcp(ma, mb, chunk)
        if i == 0:
            # a retransmission of the first chunk's segment
            dup = segs[0]
            sc.packets.append(Packet(sc.tick(0.01), 6, dup.src, dup.dst, dup.payload, dup.seq))
    # bob's reply and the IMDN for message 1 (bob -> alice)
    r = cpim(BOB, ALICE, "chat-msg-0003", "2024-05-01T12:02:00Z", "text/plain; charset=utf-8",
             "Sounds great \u26f0".encode())
    sc.tcp(mb, ma, msrp_send("tx03", pa, pb, "msrp-m3", 1, len(r), "message/cpim", r))
    imdn = crlf("""<?xml version="1.0" encoding="UTF-8"?>
<imdn xmlns="urn:ietf:params:xml:ns:imdn">
<message-id>chat-msg-0001</message-id>
<datetime>2024-05-01T12:01:05Z</datetime>
<delivery-notification><status><delivered/></status></delivery-notification>
</imdn>
""")
    n = cpim(BOB, ALICE, "imdn-0001", "2024-05-01T12:01:05Z", "message/imdn+xml", imdn)
    sc.tcp(mb, ma, msrp_send("tx04", pa, pb, "msrp-n1", 1, len(n), "message/cpim", n))
    sc.udp(a, b, sip(f"BYE {BOB} SIP/2.0", [
        ("Via", "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-bye"), ("From", f"<{ALICE}>;tag=inv-chat-call-1"),
        ("To", f"<{BOB}>;tag=ans-chat-call-1"), ("Call-ID", "chat-call-1"), ("CSeq", "2 BYE")]))
    sc.tcp_close(ma, mb)


def conference_info(state, version, users):
    out = ('<?xml version="1.0" encoding="UTF-8"?>\n'
           '<conference-info xmlns="urn:ietf:params:xml:ns:conference-info" '
           f'entity="{FOCUS}" state="{state}" version="{version}">\n<users>\n')
    for uri, name, ustate in users:
        if ustate == "deleted":
            out += f'<user entity="{uri}" state="deleted"/>\n'
        else:
            out += (f'<user entity="{uri}" state="{ustate}">\n<display-text>{name}</display-text>\n'
                    f'<endpoint entity="{uri}" state="full"><status>connected</status></endpoint>\n'
                    '</user>\n')
    return crlf(out + "</users>\n</conference-info>\n")


def notify(sc, src, dst, cseq, body):
    sc.udp(src, dst, sip(f"NOTIFY sip:{dst[0]}:5060 SIP/2.0", [
        ("Via", f"SIP/2.0/UDP {src[0]}:5060;branch=z9hG4bK-notify-{cseq}"),
        ("From", f"<{FOCUS}>;tag=focus"), ("To", f"<{ALICE}>;tag=sub"),
        ("Call-ID", "subscribe-1@10.0.0.1"), ("CSeq", f"{cseq} NOTIFY"),
        ("Event", "conference"), ("Subscription-State", "active;expires=3600"),
        ("Content-Type", "application/conference-info+xml")], body))


def file_transfer_invite(sc, a, f, ipa, call, contrib, conv, ruri, to, group):
    icon_cid = "thumb-1@example.com"
    sd = sdp(ipa, 7660, "alice-ft1",
             'i=Holiday photo\na=sendonly\n'
             'a=file-selector:name:"lake.jpg" type:image/jpeg size:%d\n'
             'a=file-transfer-id:ft-7f3a-0001\na=file-disposition:render\n'
             'a=file-date:creation:"Wed, 01 May 2024 11:58:00 +0000"\n'
             f'a=file-icon:cid:{icon_cid}\n' % len(PHOTO))
    parts = [([("Content-Type", "application/sdp")], sd),
             ([("Content-Type", "image/png"), ("Content-ID", f"<{icon_cid}>"),
               ("Content-Transfer-Encoding", "binary")], THUMB)]
    body = multipart("ft-boundary", parts)
    invite(sc, a, f, ruri, ALICE, to, call, contrib, conv, SVC_FT, body,
           'multipart/mixed;boundary="ft-boundary"')


def group_chat(sc):
    a, f, ipa, ipf = ("10.0.0.1", 5060), ("10.0.0.9", 5060), "10.0.0.1", "10.0.0.9"
    rl = crlf(f"""<?xml version="1.0" encoding="UTF-8"?>
<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists">
<list>
<entry uri="{BOB}"/>
<entry uri="{CAROL}"/>
</list>
</resource-lists>
""")
    body = multipart("grp-boundary", [([("Content-Type", "application/sdp")], sdp(ipa, 7654, "alice-g1")),
                                      ([("Content-Type", "application/resource-lists+xml"),
                                        ("Content-Disposition", "recipient-list")], rl)])
    invite(sc, a, f, FACTORY, ALICE, FACTORY, "group-call-1", CONTRIB_GROUP, GROUP_CONV,
           SVC_SESSION, body, 'multipart/mixed;boundary="grp-boundary"',
           [("Subject", "Hiking group"), ("Require", "recipient-list-invite")])
    answer(sc, f, a, ALICE, FACTORY, "group-call-1", f"<{FOCUS}>;isfocus;{SVC_SESSION}",
           sdp(ipf, 7700, "focus-g1", setup="passive"), FOCUS)
    pa, pf = f"msrp://{ipa}:7654/alice-g1;tcp", f"msrp://{ipf}:7700/focus-g1;tcp"
    ma, mf = (ipa, 7654), (ipf, 7700)
    notify(sc, f, a, 1, conference_info("full", 1, [(ALICE, "Alice", "full"), (BOB, "Bob", "full"),
                                                    (CAROL, "Carol", "full")]))
    sc.tcp_open(ma, mf)
    m1 = cpim(ALICE, FOCUS, "grp-msg-0001", "2024-05-01T12:10:00Z", "text/plain; charset=utf-8",
              b"Hello group!", "positive-delivery")
    sc.tcp(ma, mf, msrp_send("gx01", pf, pa, "msrp-g1", 1, len(m1), "message/cpim", m1), 90)
    sc.tcp(mf, ma, msrp_ok("gx01", pa, pf))
    # Bob's delivery notification for it comes back by SIP MESSAGE (pager
    # mode): stored beside the message, in the session history folder
    imdn = crlf("""<?xml version="1.0" encoding="UTF-8"?>
<imdn xmlns="urn:ietf:params:xml:ns:imdn">
<message-id>grp-msg-0001</message-id>
<datetime>2024-05-01T12:10:02Z</datetime>
<recipient-uri>sip:bob@example.com</recipient-uri>
<original-recipient-uri>sip:bob@example.com</original-recipient-uri>
<delivery-notification><status><delivered/></status></delivery-notification>
</imdn>
""")
    body = cpim(BOB, ALICE, "grp-imdn-0001", "2024-05-01T12:10:02Z", "message/imdn+xml", imdn)
    sc.udp(f, a, sip(f"MESSAGE {ALICE} SIP/2.0", [
        ("Via", "SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK-imdn-1"), ("Max-Forwards", "70"),
        ("From", f"<{FOCUS}>;tag=im1"), ("To", f"<{ALICE}>"), ("Call-ID", "grp-imdn-1@10.0.0.9"),
        ("CSeq", "1 MESSAGE"), ("P-Asserted-Identity", f"<{BOB}>"),
        ("Conversation-ID", GROUP_CONV), ("Contribution-ID", "c0a80001-0005-4000-8000-000000000005"),
        ("Accept-Contact", f"*;{SVC_MSG}"), ("Content-Type", "message/cpim")], body))
    m2 = cpim(BOB, ALICE, "grp-msg-0002", "2024-05-01T12:10:20Z", "text/plain; charset=utf-8",
              ("Hi all, the weather looks fine for Saturday. " * 4).encode())
    for chunk in msrp_chunks("gx02-", pa, pf, "msrp-g2", "message/cpim", m2, 100):
        sc.tcp(mf, ma, chunk, 70)
    notify(sc, f, a, 2, conference_info("partial", 2, [(CAROL, "", "deleted")]))
    # a file transfer in the group session: same Contribution-ID (Appendix I.2)
    file_transfer_invite(sc, a, f, ipa, "group-ft-1", CONTRIB_GROUP, GROUP_CONV, FOCUS, FOCUS, True)
    answer(sc, f, a, ALICE, FOCUS, "group-ft-1", f"<{FOCUS}>;isfocus",
           sdp(ipf, 7701, "focus-ft1", setup="passive"), FOCUS)
    fa, ff = (ipa, 7660), (ipf, 7701)
    sc.tcp_open(fa, ff)
    for chunk in msrp_chunks("fx01-", f"msrp://{ipf}:7701/focus-ft1;tcp",
                             f"msrp://{ipa}:7660/alice-ft1;tcp", "msrp-file-1", "image/jpeg",
                             PHOTO, 1024):
        sc.tcp(fa, ff, chunk, 700)
    sc.tcp_close(fa, ff)
    sc.tcp_close(ma, mf)


def ft_1to1(sc):
    a, b, ipa, ipb = addrs(False)
    file_transfer_invite(sc, a, b, ipa, "ft-call-1", CONTRIB_FT, CONV, BOB, BOB, False)
    answer(sc, b, a, ALICE, BOB, "ft-call-1", f"<sip:{ipb}:5060>;{SVC_FT}",
           sdp(ipb, 7661, "bob-ft1", setup="passive"), BOB)
    fa, fb = (ipa, 7660), (ipb, 7661)
    sc.tcp_open(fa, fb)
    for chunk in msrp_chunks("fx02-", f"msrp://{ipb}:7661/bob-ft1;tcp",
                             f"msrp://{ipa}:7660/alice-ft1;tcp", "msrp-file-2", "image/jpeg",
                             PHOTO, 2048):
        sc.tcp(fa, fb, chunk, 1000)
    sc.tcp_close(fa, fb)


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


def shuffled(packets, seed):
    """The same packets with the TCP data segments in another file order."""
    rnd = random.Random(seed)
    tcp = [i for i, p in enumerate(packets) if p.proto == 6 and p.payload]
    order = tcp[:]
    rnd.shuffle(order)
    out = packets[:]
    for i, j in zip(tcp, order):
        out[i] = packets[j]
    return out


def text_log(messages, lf=False, markers=True):
    out = b""
    for i, m in enumerate(messages):
        if markers:
            out += f"----- 2024-05-01 12:00:{i:02d}.000 message {i + 1} -----\r\n".encode()
        out += m + b"\r\n"
    return out.replace(b"\r\n", b"\n") if lf else out


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    p = lambda name: os.path.join(outdir, name)

    sc = Scenario(); pager(sc)
    write_pcap(p("pager-udp.pcap"), sc.packets, "ethernet")
    write_pcap(p("pager-loopback.pcap"), sc.packets, "null")

    sc = Scenario(); chat_1to1(sc)
    write_pcap(p("chat-1to1.pcap"), sc.packets, "ethernet")
    write_pcap(p("chat-1to1-vlan.pcap"), sc.packets, "vlan")
    # cut inside the chunk "t2-1" of message 2: its frame loses its tail
    data = open(p("chat-1to1.pcap"), "rb").read()
    cut_at = data.index(b"-------tx02-1+") - 40
    write_pcap(p("chat-1to1-cut.pcap"), sc.packets, "ethernet", cut=lambda out: cut_at)

    sc = Scenario(); chat_1to1(sc, v6=True)
    write_pcap(p("chat-1to1-ipv6-sll.pcap"), sc.packets, "sll")
    write_pcapng(p("chat-1to1-ipv6-sll2.pcapng"), sc.packets, "sll2")

    sc = Scenario(); group_chat(sc)
    write_pcapng(p("group-chat.pcapng"), sc.packets, "ethernet")
    write_pcap(p("group-chat.pcap"), sc.packets, "ethernet")
    write_pcap(p("group-chat-shuffled.pcap"), shuffled(sc.packets, 4975), "ethernet")

    sc = Scenario(); ft_1to1(sc)
    write_pcap(p("ft-1to1.pcap"), sc.packets, "raw")

    sc = Scenario(); large_message(sc)
    write_pcap(p("large-message.pcap"), sc.packets, "ethernet")

    # text captures: the SIP and MSRP payloads as a test tool logs them
    sc = Scenario(); pager(sc)
    with open(p("pager-lf.txt"), "wb") as f:
        f.write(text_log([x.payload for x in sc.packets], lf=True))
    sc = Scenario(); chat_1to1(sc, disorder=False)
    msgs, stream = [], {}
    for x in sc.packets:
        if x.proto == 17:
            msgs.append(x.payload)
        elif x.payload and x.payload not in stream.get((x.src, x.dst), []):
            stream.setdefault((x.src, x.dst), []).append(x.payload)
    for k in stream:
        msgs.append(b"".join(stream[k]).rstrip(b"\r\n"))
    with open(p("chat-crlf.txt"), "wb") as f:
        f.write(text_log(msgs))
    sc = Scenario(); pager(sc)
    with open(p("pager-plain.txt"), "wb") as f:
        f.write(text_log([x.payload for x in sc.packets], markers=False))
    with open(p("message.cpim"), "wb") as f:
        f.write(cpim(ALICE, BOB, "cpim-file-0001", "2024-05-01T12:00:00Z",
                     "text/plain; charset=utf-8", b"A CPIM body on its own"))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__)))
