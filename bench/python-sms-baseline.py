#!/usr/bin/env python3
"""Baseline of the SMS convert benchmark: Python's standard library
reading the same SMS Backup & Restore export record by record and
building an email.message.EmailMessage with the record's address, date
and text for each <sms> (what a tester would otherwise script). The
export writes emoji as UTF-16 surrogate character references, which XML
forbids: they are joined on the byte stream first (as cpmobj does), then
the stream goes to xml.etree.ElementTree.XMLPullParser. No validation, no
MMS parts, no output files: a floor, not the same work as cpmobj convert.
SPDX-License-Identifier: LGPL-2.1-or-later
"""
import email.message
import email.utils
import re
import sys
import xml.etree.ElementTree as ET

PAIR = re.compile(rb"&#(5[56]\d\d\d);&#(5[67]\d\d\d);")


def join(m):
    hi, lo = int(m.group(1)), int(m.group(2))
    return b"&#%d;" % (0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))


n = 0
parser = ET.XMLPullParser(("end",))
with open(sys.argv[1], "rb") as f:
    tail = b""
    while True:
        chunk = f.read(1 << 20)
        data = tail + chunk
        # a reference pair never spans a line end
        cut = data.rfind(b"\n") + 1 if chunk else len(data)
        tail = data[cut:]
        parser.feed(PAIR.sub(join, data[:cut]))
        for _, el in parser.read_events():
            if el.tag == "sms":
                m = email.message.EmailMessage()
                m["From"] = el.get("address", "")
                m["Date"] = email.utils.formatdate(int(el.get("date", "0")) / 1000, usegmt=True)
                m.set_content(el.get("body", ""))
                m.as_bytes()
                n += 1
            if el.tag in ("sms", "mms"):
                el.clear()
        if not chunk:
            break
parser.close()
print(n)
