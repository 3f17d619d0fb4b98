#!/usr/bin/env python3
"""Writes the binary MMS PDUs of testdata/sms/ (OMA-MMS-ENC 7, WSP 8.4/8.5).

Run from this folder: python3 gen-mms-pdu.py. The outputs are committed; the
tests read those bytes, this script only documents how they were made.
SPDX-License-Identifier: LGPL-2.1-or-later
"""
import struct
import zlib


def uintvar(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.insert(0, 0x80 | (n & 0x7F))
        n >>= 7
    return bytes(out)


def value_length(n):
    return bytes([n]) if n <= 30 else b"\x1f" + uintvar(n)


def text(s):
    b = s.encode() if isinstance(s, str) else s
    return (b"\x7f" if b and b[0] >= 0x80 else b"") + b + b"\x00"


def encoded_string(s, charset=None):
    if charset is None:
        return text(s)
    body = bytes([0x80 | charset]) + text(s)  # charset as short-integer
    return value_length(len(body)) + body


def long_integer(n):
    b = n.to_bytes((n.bit_length() + 7) // 8 or 1, "big")
    return bytes([len(b)]) + b


def header(code, value):
    return bytes([0x80 | code]) + value


def content_type(media, params=b""):
    """media: well-known code (int) or text."""
    m = bytes([0x80 | media]) if isinstance(media, int) else text(media)
    body = m + params
    return value_length(len(body)) + body


def part(ctype, data, content_id=None, location=None):
    headers = ctype
    if content_id is not None:
        headers += b"\xc0" + b'"' + content_id.encode() + b"\x00"  # Content-ID, quoted
    if location is not None:
        headers += b"\x8e" + text(location)  # Content-Location
    return uintvar(len(headers)) + uintvar(len(data)) + headers + data


def png_1x1():
    def chunk(kind, data):
        c = kind + data
        return struct.pack(">I", len(data)) + c + struct.pack(">I", zlib.crc32(c))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x80\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


SMIL = (b'<smil><head><layout><root-layout/><region id="Image" top="0" left="0" '
        b'height="80%" width="100%"/><region id="Text" top="80%" left="0" height="20%" '
        b'width="100%"/></layout></head><body><par dur="5000ms"><img src="cat.png" '
        b'region="Image"/><text src="text_0.txt" region="Text"/></par></body></smil>')


def body(parts):
    return uintvar(len(parts)) + b"".join(parts)


def related_ct():
    # application/vnd.wap.multipart.related (0x33); start (0x0A) and
    # type (0x09) parameters
    return header(0x04, content_type(0x33, b"\x8a" + text("<smil>") + b"\x89" + text("application/smil")))


def send_req():
    h = header(0x0C, b"\x80")                          # m-send-req
    h += header(0x18, text("T18c3a9f0e77"))            # X-Mms-Transaction-Id
    h += header(0x0D, b"\x92")                         # X-Mms-MMS-Version 1.2
    h += header(0x05, long_integer(1714565100))        # Date 2024-05-01T12:05:00Z
    h += header(0x09, value_length(1) + b"\x81")       # From: insert-address-token
    h += header(0x17, text("+15145551234/TYPE=PLMN"))  # To
    h += header(0x17, text("+15145559876/TYPE=PLMN"))  # To
    h += header(0x02, text("+33612345678/TYPE=PLMN"))  # Cc
    h += header(0x16, encoded_string("Photo du chat \u00e9t\u00e9", 0x6A))  # Subject, utf-8
    h += related_ct()
    parts = [
        part(content_type("application/smil", b"\x85" + text("smil.xml")), SMIL, "<smil>", "smil.xml"),
        part(content_type(0x03, b"\x81\xea"), "Regarde \u00e7a \U0001F600".encode(), "<text_0>", "text_0.txt"),
        part(content_type(0x20, b"\x85" + text("cat.png")), png_1x1(), "<cat>", "cat.png"),
    ]
    return h + body(parts)


def retrieve_conf():
    h = header(0x0C, b"\x84")                          # m-retrieve-conf
    h += header(0x18, text("T2"))
    h += header(0x0D, b"\x92")
    h += header(0x0B, text("0501120600-7f3a@mmsc.example.net"))  # Message-ID
    h += header(0x05, long_integer(1714565160))
    h += header(0x09, value_length(len(b"\x80" + text("+15145559876/TYPE=PLMN"))) + b"\x80" + text("+15145559876/TYPE=PLMN"))
    h += header(0x17, text("+15145550000/TYPE=PLMN"))
    h += header(0x17, text("+15145551234/TYPE=PLMN"))
    h += header(0x16, text("Re: photo"))
    h += b"X-Custom-Header\x00value\x00"              # application header, skipped
    h += header(0x04, content_type(0x23))              # multipart.mixed
    parts = [
        part(content_type(0x03, b"\x81\x83"), b"Nice cat!", None, "text_1.txt"),  # us-ascii
        part(content_type("text/x-vCard", b"\x85" + text("bob.vcf")),
             b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bob\r\nTEL:+15145559876\r\nEND:VCARD\r\n", "<vcard>", None),
    ]
    return h + body(parts)


def main():
    sr = send_req()
    rc = retrieve_conf()
    open("mms-send-req.mms", "wb").write(sr)
    open("mms-retrieve-conf.mms", "wb").write(rc)
    # hostile inputs: cut in the middle of the body; a part length past the end
    open("mms-truncated.mms", "wb").write(sr[: len(sr) - 40])
    bad = bytearray(rc)
    i = bad.index(b"Nice cat!")
    open("mms-part-overrun.mms", "wb").write(bytes(rc[: i - 40]) + b"\x02\x8f\xff\xff\x7f")


if __name__ == "__main__":
    main()
