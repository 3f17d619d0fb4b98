#!/usr/bin/env python3
"""Generates the benchmark corpus: N mixed CPM objects of realistic sizes,
written once as one mbox and once as a Maildir, from a fixed seed so every
run measures the same bytes.

Mix (by count): 80% chat messages, 6% standalone messages, 6% IMDNs,
4% SMS, 2% MMS (with a 20-60 KB image), 1% session info, 1% file transfer
history (with a 100 KB file).

usage: gen-corpus.py N OUTDIR   -> OUTDIR/corpus.mbox, OUTDIR/maildir/
"""
import base64
import datetime
import os
import random
import sys

CRLF = "\r\n"


def date(rng):
    d = datetime.date(2014, 4, rng.randint(1, 28))
    t = f"{rng.randint(0,23):02d}:{rng.randint(0,59):02d}:{rng.randint(0,59):02d}"
    return (f"{d.strftime('%a')}, {d.day:02d} Apr 2014 {t} -0800",
            f"2014-04-{d.day:02d}T{t}-08:00")


def uid(rng, n=32):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def words(rng, n):
    vocab = ["hello", "are", "you", "coming", "tonight", "see", "you", "later", "ok",
             "thanks", "the", "weather", "will", "be", "fine", "today", "lunch", "meeting"]
    return " ".join(rng.choice(vocab) for _ in range(n))


def headers(rng, service, extra=()):
    d, _ = date(rng)
    h = [f"From: Bob <sip:+1514555{rng.randint(1000,9999)}@ims.example.com>",
         f"To: <tel:+1514555{rng.randint(1000,9999)}>",
         f"Date: {d}",
         f"Conversation-ID: {uid(rng)}",
         f"Contribution-ID: {uid(rng)}"]
    if service:
        h.append(f"P-Asserted-Service: {service}")
    h += list(extra)
    return h


def cpim(rng, msgid, inner_type, content, extra=""):
    _, dt = date(rng)
    return (f"From: <sip:bob@ims.example.com>{CRLF}To: <sip:alice@ims.example.com>{CRLF}"
            f"NS: imdn <urn:ietf:params:imdn>{CRLF}imdn.Message-ID: {msgid}{CRLF}"
            f"DateTime: {dt}{CRLF}{extra}{CRLF}Content-Type: {inner_type}{CRLF}{CRLF}{content}")


def message(rng, kind):
    msgid = uid(rng, 24)
    ac = "Accept-Contact: *;+g.oma.sip-im"
    if kind == "chat":
        h = headers(rng, "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session", [ac])
        body = cpim(rng, msgid, "text/plain; charset=utf-8", words(rng, rng.randint(3, 40)) + CRLF)
    elif kind == "standalone":
        h = headers(rng, "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.msg", [ac])
        body = cpim(rng, msgid, "text/plain; charset=utf-8", words(rng, rng.randint(10, 200)) + CRLF)
    elif kind == "imdn":
        h = headers(rng, None, [ac])
        xml = ('<?xml version="1.0" encoding="UTF-8"?>' + CRLF +
               '<imdn xmlns="urn:ietf:params:xml:ns:imdn"><message-id>' + uid(rng, 24) +
               '</message-id><datetime>2014-04-29T09:47:00-08:00</datetime>'
               '<delivery-notification><status><delivered/></status></delivery-notification></imdn>' + CRLF)
        body = cpim(rng, msgid, "message/imdn+xml", xml)
    elif kind == "sms":
        text = words(rng, rng.randint(3, 25))
        h = headers(rng, None, [ac, "Message-Context: pager-message", f"Message-Correlator: {text[:60]}"])
        body = cpim(rng, msgid, "text/plain; charset=utf-8", text + CRLF)
    else:  # mms
        img = base64.encodebytes(os.urandom(rng.randint(20000, 60000))).decode().replace("\n", CRLF)
        h = headers(rng, None, [ac, "Message-Context: multimedia-message",
                                f"Message-Correlator: mms{uid(rng, 12)}"])
        inner = (f"--b1{CRLF}Content-Type: text/plain{CRLF}{CRLF}{words(rng, 8)}{CRLF}"
                 f"--b1{CRLF}Content-Type: image/jpeg{CRLF}Content-Transfer-Encoding: base64{CRLF}{CRLF}{img}"
                 f"--b1--{CRLF}")
        body = cpim(rng, msgid, 'multipart/mixed; boundary="b1"', inner)
    h += [f"IMDN-Message-ID: {msgid}", "Content-Type: Message/CPIM"]
    return CRLF.join(h) + CRLF + CRLF + body


def session_info(rng):
    h = headers(rng, "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session",
                ["Accept-Contact: *;+g.oma.sip-im", f"IMDN-Message-ID: {uid(rng, 24)}",
                 "Content-Type: Application/X-CPM-Session"])
    xml = ('<?xml version="1.0" encoding="UTF-8"?>' + CRLF + "<session>" + CRLF +
           "<session-type>1-1</session-type>" + CRLF + "</session>" + CRLF)
    return CRLF.join(h) + CRLF + CRLF + xml


def file_transfer(rng):
    data = base64.encodebytes(os.urandom(100 * 1024)).decode().replace("\n", CRLF)
    h = headers(rng, "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.filetransfer",
                ["Accept-Contact: *;+g.oma.sip-im", f"IMDN-Message-ID: {uid(rng, 24)}",
                 'Content-Type: multipart/related;boundary=cpm; type="Application/X-CPM-File-Transfer"'])
    xml = (f'<?xml version="1.0" encoding="UTF-8"?>{CRLF}<file-transfer>{CRLF}'
           f"<file-transfer-type>1-1</file-transfer-type>{CRLF}<sdp>{CRLF}"
           f'a=file-selector:name:"photo.jpg" type:image/jpeg size:{100*1024}{CRLF}</sdp>{CRLF}'
           f"<file-object>{CRLF}<cid>cid:f1@example.com</cid>{CRLF}</file-object>{CRLF}</file-transfer>{CRLF}")
    body = (f"--cpm{CRLF}Content-Type: Application/X-CPM-File-Transfer{CRLF}{CRLF}{xml}{CRLF}"
            f"--cpm{CRLF}Content-Type: image/jpeg{CRLF}Content-Transfer-Encoding: base64{CRLF}"
            f"Content-ID: <f1@example.com>{CRLF}{CRLF}{data}--cpm--{CRLF}")
    return CRLF.join(h) + CRLF + CRLF + body


def pick(rng):
    r = rng.random()
    if r < 0.80: return message(rng, "chat")
    if r < 0.86: return message(rng, "standalone")
    if r < 0.92: return message(rng, "imdn")
    if r < 0.96: return message(rng, "sms")
    if r < 0.98: return message(rng, "mms")
    if r < 0.99: return session_info(rng)
    return file_transfer(rng)


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(20141129)
    os.makedirs(os.path.join(out, "maildir", "cur"), exist_ok=True)
    for sub in ("new", "tmp"):
        os.makedirs(os.path.join(out, "maildir", sub), exist_ok=True)
    with open(os.path.join(out, "corpus.mbox"), "wb") as mbox:
        for i in range(n):
            obj = pick(rng).encode()
            with open(os.path.join(out, "maildir", "cur", f"{i:07d}.bench:2,S"), "wb") as f:
                f.write(obj)
            # mboxrd: quote From_ lines in the body (none are generated, but be exact)
            mbox.write(b"From bench@localhost Tue Apr 29 09:47:00 2014\n")
            mbox.write(obj.replace(b"\r\n", b"\n"))
            mbox.write(b"\n")


if __name__ == "__main__":
    main()
