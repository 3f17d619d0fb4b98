#!/usr/bin/env python3
"""A generated pcap of CPM chat sessions, for the convert benchmark and
the bounded-memory test (issues 9 and 4).

    gen-capture.py SESSIONS OUT.pcap [MESSAGES_PER_SESSION [fin|rst]]

Python standard library only; a fixed seed, so the same arguments give the
same bytes. Each session: SIP INVITE / 200 OK / ACK over UDP (every fifth
one a group session: INVITE to a conference factory with a URI list, the
answer from a focus, one conference NOTIFY), an MSRP connection over TCP,
chat messages both ways as MSRP SEND with a CPIM wrapper (text of 10-400
bytes; one in twenty a 3-12 KB text sent in 4 KB chunks), each answered by
an MSRP 200 OK and by an IMDN delivery notification (MSRP SEND of
message/imdn+xml), then BYE / 200 OK and FIN from both ends. TCP data is
cut into segments of at most 1448 bytes (an Ethernet MSS). Up to eight
sessions run at the same time, interleaved in time order, as on a real
link. MESSAGES_PER_SESSION defaults to 20 (a message count per session of
10 to 30); 2 gives many short sessions (tests/tools/t-memory.sh). "rst"
ends each MSRP connection with a RST from the answering side instead of
FIN from both ends.

SPDX-License-Identifier: LGPL-2.1-or-later
"""
import heapq
import random
import struct
import sys

BASE = 1714564800  # 2024-05-01T12:00:00Z
SVC_SESSION = '+g.3gpp.icsi-ref="urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session"'
MSS = 1448
WORDS = ("the and to of a in is it you that he was for on are with as his they be at one have "
         "this from or had by hot word but what some we can out other were all there when up use "
         "your how said an each she which do their time if will way about many then them write "
         "would like so these her long make thing see him two has look more day could go come "
         "did number sound no most people my over know water than call first who may down side "
         "been now find any new work part take get place made live where after back little only "
         "round man year came show every good me give our under name very through just form "
         "sentence great think say help low line differ turn cause much mean before move right "
         "boy old too same tell does set three want air well also play small end put home read "
         "hand port large spell add even land here must big high such follow act why ask men "
         "change went light kind off need house picture try us again animal point mother world "
         "near build self earth father head stand own page should country found answer school "
         "grow study still learn plant cover food sun four between state keep eye never last "
         "let thought city tree cross farm hard start might story saw far sea draw left late run "
         "\u00e9t\u00e9 caf\u00e9 \u263a \U0001f600 ok!").split()


def crlf(text):
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode()


def sip(start, headers, body=b""):
    head = start + "\r\n" + "".join(f"{n}: {v}\r\n" for n, v in headers)
    return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def cpim(frm, to, msg_id, when, ctype, content, disp=None):
    h = (f"From: <{frm}>\r\nTo: <{to}>\r\nNS: imdn <urn:ietf:params:imdn>\r\n"
         f"imdn.Message-ID: {msg_id}\r\nDateTime: {when}\r\n")
    if disp:
        h += f"imdn.Disposition-Notification: {disp}\r\n"
    h += f"\r\nContent-Type: {ctype}\r\nContent-Length: {len(content)}\r\n\r\n"
    return h.encode() + content


def msrp_send(tid, to_path, from_path, msg_id, start, total, ctype, chunk, flag="$"):
    head = (f"MSRP {tid} SEND\r\nTo-Path: {to_path}\r\nFrom-Path: {from_path}\r\n"
            f"Message-ID: {msg_id}\r\nByte-Range: {start}-{start + len(chunk) - 1}/{total}\r\n"
            f"Success-Report: no\r\nContent-Type: {ctype}\r\n\r\n")
    return head.encode() + chunk + f"\r\n-------{tid}{flag}\r\n".encode()


def msrp_ok(tid, to_path, from_path):
    return (f"MSRP {tid} 200 OK\r\nTo-Path: {to_path}\r\nFrom-Path: {from_path}\r\n"
            f"-------{tid}$\r\n").encode()


def sdp(ip, port, session, setup):
    return crlf(f"v=0\no=- 3922181234 3922181234 IN IP4 {ip}\ns=-\nc=IN IP4 {ip}\nt=0 0\n"
                f"m=message {port} TCP/MSRP *\n"
                "a=accept-types:message/cpim application/im-iscomposing+xml\n"
                "a=accept-wrapped-types:text/plain message/imdn+xml\n"
                f"a=path:msrp://{ip}:{port}/{session};tcp\na=setup:{setup}\n")


def iso(t):
    s = int(t)
    d, r = divmod(s - BASE, 86400)
    h, r = divmod(r, 3600)
    m, sec = divmod(r, 60)
    return f"2024-05-{1 + d:02d}T{h:02d}:{m:02d}:{sec:02d}Z"


def frame(t, proto, src, dst, payload, seq=0, flags=0x18, ack=0):
    """One Ethernet/IPv4 pcap record."""
    (sip_, sport), (dip, dport) = src, dst
    if proto == 17:
        l4 = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    else:
        l4 = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff, ack, 5 << 4, flags,
                         65535, 0, 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0x4000, 64, proto, 0,
                     bytes(sip_), bytes(dip)) + l4
    data = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip
    sec = int(t)
    return struct.pack("<IIII", sec, int((t - sec) * 1e6), len(data), len(data)) + data


class Session:
    """Yields (time, record bytes) for one session, time ascending."""

    def __init__(self, n, start, rnd, messages, close="fin"):
        self.n, self.t, self.rnd, self.messages, self.close = n, start, rnd, messages, close
        self.out = []
        self.seq = {}

    def at(self, dt):
        self.t += dt
        return self.t

    def udp(self, src, dst, payload):
        self.out.append((self.at(0.004), frame(self.t, 17, src, dst, payload)))

    def tcp(self, src, dst, data):
        for i in range(0, len(data), MSS):
            seg = data[i:i + MSS]
            self.out.append((self.at(0.0005), frame(self.t, 6, src, dst, seg, self.seq[(src, dst)])))
            self.seq[(src, dst)] += len(seg)

    def text(self, lo, hi):
        out, n = [], self.rnd.randint(lo, hi)
        size = 0
        while size < n:
            w = self.rnd.choice(WORDS)
            out.append(w)
            size += len(w.encode()) + 1
        return " ".join(out).encode()[:n].decode("utf-8", "ignore").encode()

    def build(self):
        rnd, n = self.rnd, self.n
        group = n % 5 == 4
        a_ip = (10, 1 + n // 60000 % 200, n // 250 % 240, 1 + n % 250)
        b_ip = (10, 201 + n // 60000 % 50, n // 250 % 240, 1 + n % 250)
        a, b = (a_ip, 5060), (b_ip, 5060)
        ipa, ipb = ".".join(map(str, a_ip)), ".".join(map(str, b_ip))
        pa_port, pb_port = 20000 + n % 40000, 30000 + n % 30000
        alice = f"sip:+1514{n % 10000000:07d}@ims.example.com"
        bob = f"sip:+1438{(n * 7919) % 10000000:07d}@ims.example.com"
        carol = f"sip:+1450{(n * 104729) % 10000000:07d}@ims.example.com"
        focus = f"sip:conf-{n:08x}@conf.example.com"
        call = f"sess-{n:08d}@{ipa}"
        conv = f"{n:08x}-7dec-41d0-a765-00a0c91e6bf6"
        contrib = f"{n:08x}-0002-4000-8000-000000000002"
        peer = focus if group else bob
        ruri = "sip:conference-factory@conf.example.com" if group else bob
        sa, sb = f"a{n:08x}s", f"b{n:08x}s"
        pa = f"msrp://{ipa}:{pa_port}/{sa};tcp"
        pb = f"msrp://{ipb}:{pb_port}/{sb};tcp"
        offer = sdp(ipa, pa_port, sa, "active")
        headers = [
            ("Via", f"SIP/2.0/UDP {ipa}:5060;branch=z9hG4bK-inv-{n}"), ("Max-Forwards", "70"),
            ("From", f"<{alice}>;tag=inv-{n}"), ("To", f"<{ruri}>"), ("Call-ID", call),
            ("CSeq", "1 INVITE"), ("Contact", f"<sip:{ipa}:5060>;{SVC_SESSION}"),
            ("P-Asserted-Identity", f"<{alice}>"), ("Conversation-ID", conv),
            ("Contribution-ID", contrib), ("Accept-Contact", f"*;{SVC_SESSION}"),
            ("User-Agent", "gen-capture/1.0")]
        if group:
            rl = crlf('<?xml version="1.0" encoding="UTF-8"?>\n'
                      '<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists">\n<list>\n'
                      f'<entry uri="{bob}"/>\n<entry uri="{carol}"/>\n</list>\n</resource-lists>\n')
            body = (b"--grp\r\nContent-Type: application/sdp\r\n\r\n" + offer +
                    b"\r\n--grp\r\nContent-Type: application/resource-lists+xml\r\n"
                    b"Content-Disposition: recipient-list\r\n\r\n" + rl + b"\r\n--grp--\r\n")
            headers += [("Subject", "Weekend"), ("Require", "recipient-list-invite"),
                        ("Content-Type", 'multipart/mixed;boundary="grp"')]
        else:
            body = offer
            headers += [("Content-Type", "application/sdp")]
        self.udp(a, b, sip(f"INVITE {ruri} SIP/2.0", headers, body))
        self.udp(b, a, sip("SIP/2.0 100 Trying", [
            ("Via", f"SIP/2.0/UDP {ipa}:5060;branch=z9hG4bK-inv-{n}"),
            ("From", f"<{alice}>;tag=inv-{n}"), ("To", f"<{ruri}>"), ("Call-ID", call),
            ("CSeq", "1 INVITE")]))
        contact = f"<{focus}>;isfocus;{SVC_SESSION}" if group else f"<sip:{ipb}:5060>;{SVC_SESSION}"
        self.udp(b, a, sip("SIP/2.0 200 OK", [
            ("Via", f"SIP/2.0/UDP {ipa}:5060;branch=z9hG4bK-inv-{n}"),
            ("From", f"<{alice}>;tag=inv-{n}"), ("To", f"<{ruri}>;tag=ans-{n}"),
            ("Call-ID", call), ("CSeq", "1 INVITE"), ("Contact", contact),
            ("P-Asserted-Identity", f"<{peer}>"), ("Content-Type", "application/sdp")],
            sdp(ipb, pb_port, sb, "passive")))
        self.udp(a, b, sip(f"ACK {ruri} SIP/2.0", [
            ("Via", f"SIP/2.0/UDP {ipa}:5060;branch=z9hG4bK-ack-{n}"),
            ("From", f"<{alice}>;tag=inv-{n}"), ("To", f"<{ruri}>;tag=ans-{n}"),
            ("Call-ID", call), ("CSeq", "1 ACK")]))
        if group:
            info = crlf('<?xml version="1.0" encoding="UTF-8"?>\n'
                        '<conference-info xmlns="urn:ietf:params:xml:ns:conference-info" '
                        f'entity="{focus}" state="full" version="1">\n<users>\n' +
                        "".join(f'<user entity="{u}" state="full">\n<display-text>{d}'
                                f'</display-text>\n</user>\n'
                                for u, d in ((alice, "Alice"), (bob, "Bob"), (carol, "Carol"))) +
                        "</users>\n</conference-info>\n")
            self.udp(b, a, sip(f"NOTIFY sip:{ipa}:5060 SIP/2.0", [
                ("Via", f"SIP/2.0/UDP {ipb}:5060;branch=z9hG4bK-ntf-{n}"),
                ("From", f"<{focus}>;tag=focus"), ("To", f"<{alice}>;tag=sub-{n}"),
                ("Call-ID", f"sub-{n}@{ipa}"), ("CSeq", "1 NOTIFY"), ("Event", "conference"),
                ("Subscription-State", "active;expires=3600"),
                ("Content-Type", "application/conference-info+xml")], info))
        ma, mb = (a_ip, pa_port), (b_ip, pb_port)
        self.seq[(ma, mb)], self.seq[(mb, ma)] = 1001, 50001
        self.out.append((self.at(0.01), frame(self.t, 6, ma, mb, b"", 1000, 0x02)))
        self.out.append((self.at(0.0005), frame(self.t, 6, mb, ma, b"", 50000, 0x12)))
        self.out.append((self.at(0.0005), frame(self.t, 6, ma, mb, b"", 1001, 0x10)))
        tid = 0
        for k in range(self.messages):
            mine = k % 2 == 0
            src, dst, to_path, from_path = (ma, mb, pb, pa) if mine else (mb, ma, pa, pb)
            sender, receiver = (alice, peer) if mine else ((carol if group and k % 4 == 3 else bob),
                                                           alice)
            long = rnd.random() < 0.05
            content = self.text(3000, 12000) if long else self.text(10, 400)
            mid = f"m{n:08x}{k:04d}"
            payload = cpim(sender, receiver, mid, iso(self.at(rnd.uniform(0.5, 20))),
                           "text/plain; charset=utf-8", content, "positive-delivery")
            step = 4096 if long else len(payload)
            for i in range(0, len(payload), step):
                tid += 1
                last = i + step >= len(payload)
                self.tcp(src, dst, msrp_send(f"t{n:x}x{tid}", to_path, from_path, f"ms{mid}",
                                             i + 1, len(payload), "message/cpim",
                                             payload[i:i + step], "$" if last else "+"))
                self.tcp(dst, src, msrp_ok(f"t{n:x}x{tid}", from_path, to_path))
            imdn = crlf('<?xml version="1.0" encoding="UTF-8"?>\n'
                        '<imdn xmlns="urn:ietf:params:xml:ns:imdn">\n'
                        f'<message-id>{mid}</message-id>\n<datetime>{iso(self.at(0.3))}</datetime>\n'
                        '<delivery-notification><status><delivered/></status>'
                        '</delivery-notification>\n</imdn>\n')
            note = cpim(receiver if not group else (bob if mine else alice),
                        sender, f"n{mid}", iso(self.t), "message/imdn+xml", imdn)
            tid += 1
            self.tcp(dst, src, msrp_send(f"t{n:x}x{tid}", from_path, to_path, f"mn{mid}", 1,
                                         len(note), "message/cpim", note))
            self.tcp(src, dst, msrp_ok(f"t{n:x}x{tid}", to_path, from_path))
        self.udp(a, b, sip(f"BYE {ruri} SIP/2.0", [
            ("Via", f"SIP/2.0/UDP {ipa}:5060;branch=z9hG4bK-bye-{n}"),
            ("From", f"<{alice}>;tag=inv-{n}"), ("To", f"<{ruri}>;tag=ans-{n}"),
            ("Call-ID", call), ("CSeq", "2 BYE")]))
        self.udp(b, a, sip("SIP/2.0 200 OK", [
            ("Via", f"SIP/2.0/UDP {ipa}:5060;branch=z9hG4bK-bye-{n}"),
            ("From", f"<{alice}>;tag=inv-{n}"), ("To", f"<{ruri}>;tag=ans-{n}"),
            ("Call-ID", call), ("CSeq", "2 BYE")]))
        if self.close == "rst":
            self.out.append((self.at(0.0005), frame(self.t, 6, mb, ma, b"", self.seq[(mb, ma)], 0x14,
                                                    self.seq[(ma, mb)])))
        else:
            for x, y in ((ma, mb), (mb, ma)):
                self.out.append((self.at(0.0005), frame(self.t, 6, x, y, b"", self.seq[(x, y)], 0x11)))
        return self.out


def main():
    sessions, path = int(sys.argv[1]), sys.argv[2]
    per = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    close = sys.argv[4] if len(sys.argv) > 4 else "fin"
    rnd = random.Random(4975)
    heap, records, size, started = [], 0, 24, 0
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        # up to eight sessions at once: a new one starts when one ends
        def start(n, t):
            msgs = rnd.randint(per // 2, per + per // 2) if per > 2 else per
            it = iter(Session(n, t, rnd, msgs, close).build())
            first = next(it)
            heapq.heappush(heap, (first[0], n, first[1], it))
        while started < min(8, sessions):
            start(started, BASE + started * 0.37)
            started += 1
        while heap:
            when, n, rec, it = heapq.heappop(heap)
            f.write(rec)
            records += 1
            size += len(rec)
            item = next(it, None)
            if item is not None:
                heapq.heappush(heap, (item[0], n, item[1], it))
            elif started < sessions:
                start(started, when + 0.1)
                started += 1
    sys.stderr.write(f"{path}: {sessions} sessions, {records} frames, {size} bytes\n")


if __name__ == "__main__":
    main()
