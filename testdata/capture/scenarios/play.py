#!/usr/bin/env python3
"""Plays one recorded scenario on loopback: SIPp for every SIP exchange,
msrp_peer.py for the MSRP legs, strictly one step after the other.

    play.py NAME [--ipv6] [--trace=DIR]
            NAME: pager, chat-1to1, group-chat, ft-1to1, large-message;
            --trace: each SIPp run also writes its message log
            (-trace_msg) into DIR, NN-SCENARIO.log

record.sh runs tcpdump around it; README.md says what each scenario
shows. Each SIP step is one SIPp pair run to its end: the answering side
(UAS scenario) is started first and the calling side (UAC scenario) only
once the answering side's socket is bound, so no request is lost and
retransmitted by accident. A dialog that spans steps (INVITE ... BYE)
keeps its Call-ID (-cid_str) and tags across the SIPp runs. Call-IDs,
branches, tags, SIP Date headers and every CPIM/MSRP id are fixed, so
what the converter reads does not depend on the run; ports are fixed
too (SIP 25060-25064, MSRP 27654-27701) and agree with the SDP.

Exit status 0 when every step completed; otherwise 1 with the failing
step named (SIPp's own output is shown for a failed SIPp run).

SPDX-License-Identifier: LGPL-2.1-or-later
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import msrp_peer  # noqa: E402
from msrp_peer import cpim  # noqa: E402

STEP_TIMEOUT = 10  # seconds for any one SIPp run or MSRP read

CONV = "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"
GROUP_CONV = "0b5d2e4c-6a1f-4c3e-9b7a-2d8e1f0c3a55"
CONTRIB_CHAT = "c0a80001-0002-4000-8000-000000000002"
CONTRIB_GROUP = "c0a80001-0003-4000-8000-000000000003"
CONTRIB_FT = "c0a80001-0004-4000-8000-000000000004"

ALICE, BOB = "sip:alice@example.com", "sip:bob@example.com"
FOCUS = "sip:conf-7f3a@conf.example.com"
FACTORY = "sip:conference-factory@conf.example.com"
SVC = '+g.3gpp.icsi-ref="urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.{}"'

# SIP ports of the three endpoints
SIP_ALICE, SIP_BOB, SIP_FOCUS = 25060, 25062, 25064

# "the file" of the transfers and its size in the SDP (a=file-selector)
PHOTO = bytes((i * 37 + 11) % 256 for i in range(3000))


class Net:
    """Addresses of one run: IPv4 (127.0.0.1) or IPv6 (::1) loopback."""

    def __init__(self, v6):
        self.ip = "::1" if v6 else "127.0.0.1"
        self.uri_host = "[::1]" if v6 else "127.0.0.1"
        self.iptype = "6" if v6 else "4"

    def path(self, port, session):
        return f"msrp://{self.uri_host}:{port}/{session};tcp"

    def media(self, port, session):
        """The -set variables of an SDP offer or answer."""
        return {"iptype": self.iptype, "sdpip": self.ip, "mhost": self.uri_host,
                "mport": str(port), "msess": session}


def port_bound(port, tcp):
    """Whether a local socket is bound to @port (listening, for TCP)."""
    want = f":{port:04X}"
    for table in (("tcp", "tcp6") if tcp else ("udp", "udp6")):
        try:
            with open(f"/proc/net/{table}") as f:
                next(f)
                for line in f:
                    cols = line.split()
                    if cols[1].endswith(want) and (not tcp or cols[3] == "0A"):
                        return True
        except FileNotFoundError:
            continue
    return False


def wait_until(cond, what, timeout=STEP_TIMEOUT):
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.005)


class Player:
    def __init__(self, net, workdir, trace=None):
        self.net, self.workdir, self.trace = net, workdir, trace
        self.runs = 0

    def _sipp(self, xml, port, transport, sets, extra):
        cmd = ["sipp", "-sf", os.path.join(HERE, xml + ".xml"), "-i", self.net.ip, "-bind_local",
               "-p", str(port), "-t", transport, "-m", "1", "-nd", "-nostdin",
               "-timeout", f"{STEP_TIMEOUT}s", "-timeout_error"] + extra
        for k, v in sets.items():
            cmd += ["-set", k, v]
        if self.trace:
            # SIPp's own message log, a text capture as a SIP test tool writes it
            self.runs += 1
            cmd += ["-trace_msg", "-message_file",
                    os.path.join(self.trace, f"{self.runs:02d}-{xml}.log")]
        return cmd

    def sip(self, uac, uas, caller, callee, call_id, tcp=False, uac_set=None, uas_set=None):
        """One SIPp pair: @uas on port @callee, then @uac from @caller."""
        transport = "t1" if tcp else "u1"
        log = open(os.path.join(self.workdir, f"{uas}.{callee}.log"), "w+")
        server = subprocess.Popen(self._sipp(uas, callee, transport, uas_set or {}, []),
                                  stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                  cwd=self.workdir)
        try:
            wait_until(lambda: port_bound(callee, tcp) or server.poll() is not None,
                       f"SIPp {uas} to listen on port {callee}")
            client = subprocess.run(
                self._sipp(uac, caller, transport, uac_set or {},
                           ["-cid_str", call_id, f"{self.net.uri_host}:{callee}"]),
                stdin=subprocess.DEVNULL, capture_output=True, cwd=self.workdir,
                timeout=STEP_TIMEOUT + 5)
            rc = server.wait(timeout=STEP_TIMEOUT + 5)
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
        if client.returncode != 0 or rc != 0:
            log.seek(0)
            sys.stderr.write(client.stdout.decode(errors="replace")[-3000:] +
                             log.read()[-3000:])
            raise RuntimeError(f"SIPp {uac} -> {uas} failed (exit {client.returncode}, {rc})")
        log.close()

    def leg(self, active_port, active_session, passive_port, passive_session):
        n = self.net
        return msrp_peer.Leg((n.ip, active_port), (n.ip, passive_port),
                             n.path(active_port, active_session),
                             n.path(passive_port, passive_session), timeout=STEP_TIMEOUT)

    def invite(self, uac, caller, callee, call_id, ruri, conv, contrib, offer, answer,
               contact, pai, tcp=False):
        uac_set = dict(ruri=ruri, conv=conv, contrib=contrib, **self.net.media(*offer))
        uas_set = dict(contact=contact, pai=pai, **self.net.media(*answer))
        self.sip(uac, "invite-uas", caller, callee, call_id, tcp, uac_set, uas_set)

    def bye(self, caller, callee, call_id, ruri, tcp=False):
        self.sip("bye-uac", "ok-uas", caller, callee, call_id, tcp, {"ruri": ruri})


# ------------------------------------------------------------------------
# The scenarios
# ------------------------------------------------------------------------

def pager(p):
    p.sip("pager-uac", "pager-uas", SIP_ALICE, SIP_BOB, "pager-call-1@example.com")


def chat_1to1(p):
    contact = f"<sip:bob@{p.net.uri_host}:{SIP_BOB};transport=tcp>;{SVC.format('session')}"
    p.invite("chat-invite-uac", SIP_ALICE, SIP_BOB, "chat-call-1", BOB, CONV, CONTRIB_CHAT,
             (27654, "alice123"), (27655, "bob456"), contact, BOB, tcp=True)
    leg = p.leg(27654, "alice123", 27655, "bob456")
    m1 = cpim(ALICE, BOB, "chat-msg-0001", "2024-05-01T12:01:00Z", "text/plain; charset=utf-8",
              b"Are you free on Saturday?", "positive-delivery")
    # one chunk sent in 60-byte TCP segments
    leg.message("active", "tx01-", "msrp-m1", "message/cpim", m1, len(m1), 60)
    # a message in three chunks ('+' interrupted chunks, then '$')
    m2 = cpim(ALICE, BOB, "chat-msg-0002", "2024-05-01T12:01:30Z", "text/plain; charset=utf-8",
              ("We could go hiking, then have dinner at the place by the lake. " * 3).encode())
    leg.message("active", "tx02-", "msrp-m2", "message/cpim", m2, 150)
    r = cpim(BOB, ALICE, "chat-msg-0003", "2024-05-01T12:02:00Z", "text/plain; charset=utf-8",
             "Sounds great \u26f0".encode())
    leg.message("passive", "tx03-", "msrp-m3", "message/cpim", r, len(r))
    imdn = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
            "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">\r\n"
            "<message-id>chat-msg-0001</message-id>\r\n"
            "<datetime>2024-05-01T12:01:05Z</datetime>\r\n"
            "<delivery-notification><status><delivered/></status></delivery-notification>\r\n"
            "</imdn>\r\n").encode()
    n = cpim(BOB, ALICE, "imdn-0001", "2024-05-01T12:01:05Z", "message/imdn+xml", imdn)
    leg.message("passive", "tx04-", "msrp-n1", "message/cpim", n, len(n))
    leg.close()
    p.bye(SIP_ALICE, SIP_BOB, "chat-call-1", BOB, tcp=True)


def file_transfer(p, leg_ports, call_id, ruri, conv, contrib, callee, contact, pai, tid,
                  msg_id, chunk, segment, tcp):
    (ap, asess), (pp, psess) = leg_ports
    p.invite("ft-invite-uac", SIP_ALICE, callee, call_id, ruri, conv, contrib, (ap, asess),
             (pp, psess), contact, pai, tcp)
    leg = p.leg(ap, asess, pp, psess)
    leg.message("active", tid, msg_id, "image/jpeg", PHOTO, chunk, segment, pipelined=True)
    leg.close()
    p.bye(SIP_ALICE, callee, call_id, ruri, tcp)


def group_chat(p):
    p.invite("group-invite-uac", SIP_ALICE, SIP_FOCUS, "group-call-1", FACTORY, GROUP_CONV,
             CONTRIB_GROUP, (27656, "alice-g1"), (27700, "focus-g1"),
             f"<{FOCUS}>;isfocus;{SVC.format('session')}", FOCUS)
    p.sip("subscribe-uac", "subscribe-uas", SIP_ALICE, SIP_FOCUS, "subscribe-1@example.com")
    leg = p.leg(27656, "alice-g1", 27700, "focus-g1")
    m1 = cpim(ALICE, FOCUS, "grp-msg-0001", "2024-05-01T12:10:00Z", "text/plain; charset=utf-8",
              b"Hello group!", "positive-delivery")
    leg.message("active", "gx01-", "msrp-g1", "message/cpim", m1, len(m1), 90)
    # Bob's delivery notification, relayed by the focus as a SIP MESSAGE
    p.sip("imdn-uac", "ok-uas", SIP_FOCUS, SIP_ALICE, "grp-imdn-1@example.com")
    # Bob is typing (RFC 3994 isComposing, relayed by the focus): no object
    composing = ('<?xml version="1.0" encoding="UTF-8"?>\r\n'
                 '<isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing">'
                 '<state>active</state><contenttype>text/plain</contenttype>'
                 '<refresh>60</refresh></isComposing>\r\n').encode()
    c1 = cpim(BOB, ALICE, "grp-compose-0001", "2024-05-01T12:10:15Z",
              "application/im-iscomposing+xml", composing)
    leg.message("passive", "gx03-", "msrp-c1", "message/cpim", c1, len(c1))
    m2 = cpim(BOB, ALICE, "grp-msg-0002", "2024-05-01T12:10:20Z", "text/plain; charset=utf-8",
              ("Hi all, the weather looks fine for Saturday. " * 4).encode())
    leg.message("passive", "gx02-", "msrp-g2", "message/cpim", m2, 100, 70)
    # Alice starts a long message and aborts it after two chunks ('#'): reported, no object
    m3 = cpim(ALICE, FOCUS, "grp-msg-0003", "2024-05-01T12:10:40Z", "text/plain; charset=utf-8",
              ("Never mind, I will call you all instead. " * 6).encode())
    leg.aborted("active", "gx04-", "msrp-g3", "message/cpim", m3, 120)
    p.sip("notify-uac", "ok-uas", SIP_FOCUS, SIP_ALICE, "subscribe-1@example.com")
    # a file transfer in the group session: same Contribution-ID (Appendix I.2)
    file_transfer(p, ((27660, "alice-ft1"), (27701, "focus-ft1")), "group-ft-1", FOCUS,
                  GROUP_CONV, CONTRIB_GROUP, SIP_FOCUS, f"<{FOCUS}>;isfocus", FOCUS,
                  "fx01-", "msrp-file-1", 1024, 700, False)
    leg.close()
    p.bye(SIP_ALICE, SIP_FOCUS, "group-call-1", FACTORY)


def ft_1to1(p):
    contact = f"<sip:bob@{p.net.uri_host}:{SIP_BOB};transport=tcp>;{SVC.format('filetransfer')}"
    file_transfer(p, ((27662, "alice-ft2"), (27663, "bob-ft2")), "ft-call-1", BOB, CONV,
                  CONTRIB_FT, SIP_BOB, contact, BOB, "fx02-", "msrp-file-2", 2048, 1000, True)


def large_message(p):
    """Large message mode: an MSRP session for one standalone message,
    opened with an empty SEND."""
    contact = f"<sip:bob@{p.net.uri_host}:{SIP_BOB};transport=tcp>;{SVC.format('largemsg')}"
    p.invite("large-invite-uac", SIP_ALICE, SIP_BOB, "large-call-1", BOB, CONV,
             "c0a80001-0006-4000-8000-000000000006", (27664, "alice-lm1"), (27665, "bob-lm1"),
             contact, BOB, tcp=True)
    leg = p.leg(27664, "alice-lm1", 27665, "bob-lm1")
    leg.open_session("active", "lm00", "msrp-open")
    big = cpim(ALICE, BOB, "large-0001", "2024-05-01T12:20:00Z", "text/plain; charset=utf-8",
               ("A long story. " * 200).encode())
    leg.message("active", "lm1-", "msrp-large", "message/cpim", big, 1500, 1400)
    leg.close()
    p.bye(SIP_ALICE, SIP_BOB, "large-call-1", BOB, tcp=True)


SCENARIOS = {"pager": pager, "chat-1to1": chat_1to1, "group-chat": group_chat,
             "ft-1to1": ft_1to1, "large-message": large_message}


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    trace = [a.split("=", 1)[1] for a in argv if a.startswith("--trace=")]
    if len(args) != 1 or args[0] not in SCENARIOS:
        sys.exit(f"usage: play.py {{{','.join(SCENARIOS)}}} [--ipv6] [--trace=DIR]")
    # stopped (record.sh timed out): the SIPp runs are ended on the way out
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(f"play.py {args[0]}: stopped"))
    with tempfile.TemporaryDirectory(prefix="cpm-play-") as work:
        try:
            trace_dir = os.path.abspath(trace[0]) if trace else None
            SCENARIOS[args[0]](Player(Net("--ipv6" in argv), work, trace_dir))
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            sys.exit(f"play.py {args[0]}: {e}")


if __name__ == "__main__":
    main(sys.argv[1:])
