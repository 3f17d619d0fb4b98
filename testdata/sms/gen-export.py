#!/usr/bin/env python3
"""Writes a generated "SMS Backup & Restore" export to stdout, for the
memory and throughput tests of cpmobj convert.

usage: gen-export.py COUNT [IMAGE_BYTES]

COUNT messages over 50 threads: SMS with accented text and emoji written
as UTF-16 surrogate character references (as the app writes them), and
every tenth message an MMS with a SMIL part, a text part and an image part
of IMAGE_BYTES (default 2000) pseudo-random bytes. Deterministic: the same
arguments give the same bytes.
SPDX-License-Identifier: LGPL-2.1-or-later
"""
import base64
import random
import sys

TEXTS = [
    "Salut! On se voit \u00e0 18h? &#55357;&#56832;",
    "Oui, parfait &#55357;&#56397; je t'apporte le livre",
    "Are you coming tonight?",
    "D\u00e9sol\u00e9e, je serai en retard ce soir : le m\u00e9tro est bloqu\u00e9 &#55357;&#56869;",
    "Ok",
    "N'oublie pas le pain &amp; le lait",
]


def main():
    count = int(sys.argv[1])
    image_bytes = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    rnd = random.Random(count * 7919 + image_bytes)
    out = sys.stdout
    out.write("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n")
    out.write('<smses count="%d" backup_set="gen" backup_date="1714579212000" type="full">\n' % count)
    image = base64.b64encode(bytes(rnd.getrandbits(8) for _ in range(image_bytes))).decode()
    for i in range(count):
        peer = "+1514555%04d" % (i % 50)
        date = 1600000000000 + i * 37000
        text = TEXTS[i % len(TEXTS)] + " #%d" % i
        if i % 10 == 9:
            out.write(
                '  <mms date="%d" sub="null" ct_t="application/vnd.wap.multipart.related" msg_box="%d" '
                'address="%s" m_id="gen-%d@mmsc.example.net" read="1" m_type="132" contact_name="(Unknown)">\n'
                '    <parts>\n'
                '      <part seq="-1" ct="application/smil" name="null" chset="null" cid="&lt;smil&gt;" cl="smil.xml" '
                'text="&lt;smil&gt;&lt;body&gt;&lt;par&gt;&lt;img src=&quot;img.jpg&quot;/&gt;&lt;/par&gt;&lt;/body&gt;&lt;/smil&gt;" />\n'
                '      <part seq="0" ct="text/plain" name="null" chset="106" cid="&lt;text_0&gt;" cl="text_0.txt" text="%s" />\n'
                '      <part seq="0" ct="image/jpeg" name="img%d.jpg" chset="null" cid="&lt;img&gt;" cl="img.jpg" text="null" data="%s" />\n'
                '    </parts>\n'
                '    <addrs>\n'
                '      <addr address="%s" type="137" charset="106" />\n'
                '      <addr address="+14385550000" type="151" charset="106" />\n'
                '    </addrs>\n'
                '  </mms>\n' % (date, 1 + i % 2, peer, i, text, i, image, peer))
        else:
            out.write(
                '  <sms protocol="0" address="%s" date="%d" type="%d" subject="null" body="%s" '
                'toa="null" sc_toa="null" service_center="null" read="%d" status="-1" locked="0" '
                'date_sent="0" sub_id="1" readable_date="null" contact_name="(Unknown)" />\n'
                % (peer, date, 1 + i % 2, text, i % 3 != 0))
    out.write("</smses>\n")


if __name__ == "__main__":
    main()
