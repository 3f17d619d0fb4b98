#!/usr/bin/env python3
"""Writes the one fixture of testdata/capture/ that is not a recording.

Every capture here is a real recording: SIPp and a small MSRP peer on
loopback under tcpdump (scenarios/record.sh, see scenarios/README.md), or
a variant derived from the recorded bytes (scenarios/derive.py: shuffled
segments, a cut file, pcapng, VLAN, DLT_NULL, raw IP, text logs). What is
left for this script is what no capture tool produces:

    message.cpim    a CPIM body on its own (RFC 3862), the input
                    `cpmobj convert` takes for a single CPIM file

Hostile and damaged captures are made by the tests themselves
(tests/test-capture.c, tests/tools/t-hostile.sh) and fuzz findings live
in testdata/hostile/. Python standard library only; regenerate with

    python3 testdata/capture/gen-captures.py testdata/capture

SPDX-License-Identifier: LGPL-2.1-or-later
"""
import os
import sys


def cpim(frm, to, msg_id, when, ctype, content):
    h = f"From: <{frm}>\r\nTo: <{to}>\r\nNS: imdn <urn:ietf:params:imdn>\r\n"
    h += f"imdn.Message-ID: {msg_id}\r\nDateTime: {when}\r\n"
    h += f"\r\nContent-Type: {ctype}\r\nContent-Length: {len(content)}\r\n\r\n"
    return h.encode() + content


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "message.cpim"), "wb") as f:
        f.write(cpim("sip:alice@example.com", "sip:bob@example.com", "cpim-file-0001",
                     "2024-05-01T12:00:00Z", "text/plain; charset=utf-8",
                     b"A CPIM body on its own"))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__)))
