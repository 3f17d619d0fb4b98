#!/usr/bin/env python3
"""Counts TAP results in meson's testlog.json and prints 'N passed, N failed'.

Every `ok`/`not ok` line of a TAP test counts once; a test program that
crashed or printed no TAP counts as one failure, so nothing hides."""
import json
import re
import sys

passed = failed = skipped = 0
failures = []
with open(sys.argv[1], encoding="utf-8", errors="replace") as log:
    for line in log:
        entry = json.loads(line)
        out = entry.get("stdout") or ""
        n_ok = n_fail = 0
        for tap in out.splitlines():
            m = re.match(r"^(not ok|ok)\b(.*)$", tap)
            if not m:
                continue
            if re.search(r"#\s*(SKIP|skip)", m.group(2)):
                skipped += 1
            elif m.group(1) == "ok" or re.search(r"#\s*TODO", m.group(2)):
                n_ok += 1
            else:
                n_fail += 1
                failures.append(f"{entry['name']}: {tap}")
        bad_exit = entry.get("result") not in ("OK", "EXPECTEDFAIL", "SKIP")
        if bad_exit and n_fail == 0:
            n_fail = 1
            failures.append(f"{entry['name']}: {entry.get('result')} (exit {entry.get('returncode')})")
        passed += n_ok
        failed += n_fail

for f in failures:
    print("FAILED:", f)
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed else 0)
