"""The MSRP legs of the recorded scenarios (SIPp speaks no MSRP).

Python standard library only. A Leg is one MSRP TCP connection on
loopback between the two endpoints the SIPp scenarios announced in their
SDP (a=path, a=setup): the active end binds its own SDP port and connects
to the passive end's port, so the addresses in the capture agree with the
SDP. Both ends live in this one process and take turns, so every run
sends the same segments in the same order: a message sent in parts of N
bytes is sent as one send() per part (TCP_NODELAY), and the next part
leaves only after the peer has read the previous one.

SPDX-License-Identifier: LGPL-2.1-or-later
"""
import socket


def send_request(tid, to_path, from_path, msg_id, start, total, ctype, chunk, flag="$"):
    """One SEND chunk (RFC 4975 7.1): Byte-Range start-end/total; '+' ends
    an interrupted chunk, '$' the last one, '#' an aborted message."""
    end = start + len(chunk) - 1
    head = (f"MSRP {tid} SEND\r\nTo-Path: {to_path}\r\nFrom-Path: {from_path}\r\n"
            f"Message-ID: {msg_id}\r\nByte-Range: {start}-{end}/{total}\r\n"
            f"Content-Type: {ctype}\r\n\r\n")
    return head.encode() + chunk + f"\r\n-------{tid}{flag}\r\n".encode()


def empty_send(tid, to_path, from_path, msg_id):
    """A SEND without a body (RFC 4975 7.1): opens the session, carries no
    message; no Content-Type, the end-line follows the headers."""
    return (f"MSRP {tid} SEND\r\nTo-Path: {to_path}\r\nFrom-Path: {from_path}\r\n"
            f"Message-ID: {msg_id}\r\nByte-Range: 1-0/0\r\n-------{tid}$\r\n").encode()


def ok_response(tid, to_path, from_path):
    return (f"MSRP {tid} 200 OK\r\nTo-Path: {to_path}\r\nFrom-Path: {from_path}\r\n"
            f"-------{tid}$\r\n").encode()


def chunks(tid_base, to_path, from_path, msg_id, ctype, content, size):
    """(tid, bytes) of the SENDs carrying @content in chunks of @size bytes."""
    out = []
    for i in range(0, len(content), size):
        part = content[i:i + size]
        last = i + size >= len(content)
        tid = f"{tid_base}{i // size}"
        out.append((tid, send_request(tid, to_path, from_path, msg_id, i + 1, len(content),
                                      ctype, part, "$" if last else "+")))
    return out


def cpim(frm, to, msg_id, when, ctype, content, disp=None):
    """A message/cpim body with the imdn namespace (RFC 5438)."""
    h = f"From: <{frm}>\r\nTo: <{to}>\r\nNS: imdn <urn:ietf:params:imdn>\r\n"
    h += f"imdn.Message-ID: {msg_id}\r\nDateTime: {when}\r\n"
    if disp:
        h += f"imdn.Disposition-Notification: {disp}\r\n"
    h += f"\r\nContent-Type: {ctype}\r\nContent-Length: {len(content)}\r\n\r\n"
    return h.encode() + content


def _family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _recv_exactly(sock, n, timeout):
    sock.settimeout(timeout)
    data = b""
    while len(data) < n:
        got = sock.recv(n - len(data))
        if not got:
            raise ConnectionError(f"MSRP peer closed after {len(data)} of {n} bytes")
        data += got
    return data


class Leg:
    """One MSRP connection: @active (host, port) connects to @passive."""

    def __init__(self, active, passive, active_path, passive_path, timeout=10.0):
        self.paths = {"active": active_path, "passive": passive_path}
        self.timeout = timeout
        fam = _family(passive[0])
        listener = socket.socket(fam, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(passive)
        listener.listen(1)
        a = socket.socket(fam, socket.SOCK_STREAM)
        a.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        a.bind(active)
        a.settimeout(timeout)
        a.connect(passive)
        listener.settimeout(timeout)
        p, _ = listener.accept()
        listener.close()
        for s in (a, p):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.ends = {"active": a, "passive": p}

    def other(self, side):
        return "passive" if side == "active" else "active"

    def send(self, side, data, segment=None):
        """@data from @side in parts of @segment bytes, each read by the
        other end before the next is sent (one TCP segment per part)."""
        src, dst = self.ends[side], self.ends[self.other(side)]
        size = segment or len(data)
        for i in range(0, len(data), size):
            part = data[i:i + size]
            src.sendall(part)
            _recv_exactly(dst, len(part), self.timeout)

    def transact(self, side, tid, data, segment=None):
        """A SEND from @side and the peer's 200 OK."""
        self.send(side, data, segment)
        peer = self.other(side)
        self.send(peer, ok_response(tid, self.paths[side], self.paths[peer]))

    def open_session(self, side, tid, msg_id):
        """The empty SEND that opens the session, and its 200 OK."""
        peer = self.other(side)
        self.transact(side, tid, empty_send(tid, self.paths[peer], self.paths[side], msg_id))

    def message(self, side, tid_base, msg_id, ctype, content, chunk_size, segment=None,
                pipelined=False):
        """A whole message in chunks, each answered with 200 OK. Pipelined
        (RFC 4975 allows it, file transfers do it): all chunks are written
        as one stream in @segment-byte parts that straddle the chunk
        boundaries, then the peer answers each chunk."""
        peer = self.other(side)
        sends = chunks(tid_base, self.paths[peer], self.paths[side], msg_id, ctype, content,
                       chunk_size)
        if not pipelined:
            for tid, data in sends:
                self.transact(side, tid, data, segment)
            return
        self.send(side, b"".join(data for _, data in sends), segment)
        for tid, _ in sends:
            self.send(peer, ok_response(tid, self.paths[side], self.paths[peer]))

    def aborted(self, side, tid_base, msg_id, ctype, content, chunk_size):
        """A message its sender gives up on (RFC 4975 7.1): the first chunk
        ends with '+', the second with '#', and nothing follows."""
        peer = self.other(side)
        sends = chunks(tid_base, self.paths[peer], self.paths[side], msg_id, ctype, content,
                       chunk_size)[:2]
        (tid0, first), (tid1, second) = sends
        self.transact(side, tid0, first)
        flag = second.rindex(b"\r\n") - 1  # the end-line's flag byte
        self.transact(side, tid1, second[:flag] + b"#" + second[flag + 1:])

    def close(self):
        """The active end closes first; both FINs are exchanged before
        returning, so the capture holds the whole connection."""
        a, p = self.ends["active"], self.ends["passive"]
        a.shutdown(socket.SHUT_WR)
        p.settimeout(self.timeout)
        while p.recv(4096):
            pass
        p.shutdown(socket.SHUT_WR)
        a.settimeout(self.timeout)
        while a.recv(4096):
            pass
        p.close()
        a.close()
