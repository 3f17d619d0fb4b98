#!/usr/bin/env python3
"""The baseline a tester would otherwise script: Python's standard mailbox
and email parser (policy=default) reading every object of an mbox or a
Maildir and every header of each. Prints "python objects bytes cpu_seconds"."""
import email
import email.policy
import mailbox
import os
import sys
import time

path = sys.argv[1]
t0 = time.process_time()
box = mailbox.mbox(path, create=False) if os.path.isfile(path) else mailbox.Maildir(path, create=False)
n = size = 0
for key in box.iterkeys():
    raw = box.get_bytes(key)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    for _name, value in msg.items():
        str(value)
    n += 1
    size += len(raw)
print(f"python {n} {size} {time.process_time() - t0:.3f}")
