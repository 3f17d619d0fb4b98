#!/bin/bash
# TAP tests of `cpmobj validate`. Env: CPMOBJ (binary), CPM_TESTDATA, CPM_SRCDIR.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
: "${CPMOBJ:?}" "${CPM_TESTDATA:?}" "${CPM_SRCDIR:?}"
S="$CPM_TESTDATA/samples"
. "$(dirname "$0")/tap.sh"
lines () { [ "$(wc -l <"$T/out")" -eq "$1" ]; }

# ---- the Appendix D chat message, verbatim and repaired ----
V="$S/appendix-d-chat-message.eml"
rc "Appendix D verbatim is invalid" 1 "$CPMOBJ" validate "$V"
check "verdict line names file, kind and profile" \
  grep -qxF "$V: invalid (chat, 2.2)" "$T/out"
check "missing Date has its own rule" has '^  -: error date\.missing \[5\.2\.1 Table 1\] Date: '
check "missing Accept-Contact has its own rule" has '^  -: error accept-contact\.missing '
check "Subject in a chat message has its own rule, on line 4" \
  has '^  4: error subject\.not-applicable \[5\.2\.1 Table 1\] Subject: '
check "every diagnostic line has LINE: SEVERITY RULE [SECTION]" \
  bash -c "tail -n +2 '$T/out' | grep -vqE '^  ([0-9]+(:[0-9]+)?|-): (error|warning) [a-z0-9.-]+ \[[^]]*\] ' && exit 1 || exit 0"

sed -e 's/^DateTime: 2014-04-29T09:47:00-08:00\r$/Date: Tue, 29 Apr 2014 09:47:00 -0800\r/' \
    -e '/^Subject: Hello World\r$/d' \
    -e 's/^Content-Type: Message\/CPIM\r$/Accept-Contact: *;+g.oma.sip-im\r\nContent-Type: Message\/CPIM\r/' \
    "$V" >"$T/repaired.eml"
rc "the same object with the three defects repaired is valid" 0 "$CPMOBJ" validate "$T/repaired.eml"
check "  ... and has no error" bash -c "! grep -q ': error ' '$T/out'"

# ---- JSON Lines ----
rc "--json on the samples" 1 "$CPMOBJ" validate --json "$S"
check "one JSON line per object (5)" lines 5
check "every line has the documented keys and types" python3 - "$T/out" <<'EOF'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    o = json.loads(line)
    assert set(o) == {"location", "kind", "profile", "valid", "diagnostics"}, o.keys()
    assert isinstance(o["valid"], bool) and o["profile"] == "2.2"
    for d in o["diagnostics"]:
        assert set(d) == {"rule", "severity", "section", "header", "line", "column", "message"}
        assert d["severity"] in ("error", "warning") and isinstance(d["line"], int)
EOF
check "JSON verdicts: exactly the Appendix D object is invalid" python3 - "$T/out" "$V" <<'EOF'
import json, sys
bad = [o["location"] for o in map(json.loads, open(sys.argv[1])) if not o["valid"]]
assert bad == [sys.argv[2]], bad
EOF

# ---- input forms ----
rc "a directory of files and an mbox" 1 "$CPMOBJ" validate "$S"
check "objects in name order, mbox entries located by their From_ line" diff - <(grep -v '^ ' "$T/out") <<EOF
$S/appendix-d-chat-message.eml: invalid (chat, 2.2)
$S/chat-message.eml: valid (chat, 2.2)
$S/sms.eml: valid (sms, 2.2)
$S/standalone-messages.mbox:1: valid (message, 2.2)
$S/standalone-messages.mbox:25: valid (message, 2.2)
EOF

rc "one object on standard input" 0 "$CPMOBJ" validate - <"$S/sms.eml"
check "  ... located as <stdin>" grep -qxF "<stdin>: valid (sms, 2.2)" "$T/out"
rc "an mbox on standard input" 0 "$CPMOBJ" validate - <"$S/standalone-messages.mbox"
check "  ... gives both entries" diff - "$T/out" <<EOF
<stdin>:1: valid (message, 2.2)
<stdin>:25: valid (message, 2.2)
EOF

M="$T/Maildir"
mkdir -p "$M/cur" "$M/new" "$M/tmp" "$M/.Conv1/cur" "$M/.Conv1/new"
cp "$S/chat-message.eml" "$M/cur/1700000000.M1.host:2,S"
cp "$V" "$M/new/1700000001.M2.host"
cp "$S/sms.eml" "$M/tmp/1700000002.M3.host"
cp "$S/sms.eml" "$M/.Conv1/cur/1700000003.M4.host:2,FS"
echo "3 V1700000000 N5" >"$M/dovecot-uidlist"
rc "a Maildir with a Maildir++ folder" 1 "$CPMOBJ" validate "$M"
check "new/ then cur/ then the subfolder; tmp/ and dovecot files skipped" diff - <(grep -v '^ ' "$T/out") <<EOF
$M/new/1700000001.M2.host: invalid (chat, 2.2)
$M/cur/1700000000.M1.host:2,S: valid (chat, 2.2)
$M/.Conv1/cur/1700000003.M4.host:2,FS: valid (sms, 2.2)
EOF

# ---- options ----
rc "--kind message overrides the recognised kind" 1 "$CPMOBJ" validate --kind message "$V"
check "  ... reported as message" grep -qxF "$V: invalid (message, 2.2)" "$T/out"
check "  ... so Subject is allowed" bash -c "! grep -q subject.not-applicable '$T/out'"
rc "--profile 1.0" 0 "$CPMOBJ" validate --profile 1.0 "$S/chat-message.eml"
check "  ... names the profile" grep -qxF "$S/chat-message.eml: valid (chat, 1.0)" "$T/out"
rc "--quiet prints only the invalid objects" 1 "$CPMOBJ" validate --quiet "$S"
check "  ... one verdict line" bash -c "[ \$(grep -c '^[^ ]' '$T/out') -eq 1 ] && grep -q '^$V: invalid' '$T/out'"
rc "--quiet with everything valid prints nothing" 0 "$CPMOBJ" validate -q "$S/sms.eml"
check "  ... nothing" test ! -s "$T/out"
check "no progress output when stderr is not a terminal" test ! -s "$T/err"

# ---- exit status 2 ----
rc "a missing path" 2 "$CPMOBJ" validate "$T/nonexistent.eml"
check "  ... the error names it" err_has "$T/nonexistent.eml"
rc "a missing path among valid ones still reports the others" 2 \
  "$CPMOBJ" validate "$S/sms.eml" "$T/nonexistent.eml"
check "  ... the valid one is reported" has "^$S/sms.eml: valid"
rc "no PATH" 2 "$CPMOBJ" validate
rc "unknown profile" 2 "$CPMOBJ" validate --profile 3.0 "$S/sms.eml"
rc "unknown kind" 2 "$CPMOBJ" validate --kind letter "$S/sms.eml"
rc "unknown option" 2 "$CPMOBJ" validate --frobnicate "$S/sms.eml"
rc "--help" 0 "$CPMOBJ" validate --help
check "  ... shows the usage" has 'PATH\.\.\.'

# ---- objects that are not objects ----
: >"$T/empty.eml"
rc "an empty file is an invalid object" 1 "$CPMOBJ" validate "$T/empty.eml"
check "  ... with rule object.unreadable" has '^  -: error object\.unreadable '

# ---- the rule catalogue and the manual ----
rc "--list-rules" 0 "$CPMOBJ" validate --list-rules
check "  ... lists the Appendix D rules" has '^date\.missing|^<header>\.missing'
rc "--list-rules --json" 0 "$CPMOBJ" validate --list-rules --json
cp "$T/out" "$T/rules.json"
check "every listed rule is documented in cpmobj-validate(1)" python3 - "$T/rules.json" \
  "$CPM_SRCDIR/man/cpmobj-validate.1" <<'EOF'
import json, re, sys
man = open(sys.argv[2], encoding="utf-8").read().replace("\\-", "-")
man = re.sub(r"\\f[BIRP]", "", man)
missing = []
for line in open(sys.argv[1]):
    rule = json.loads(line)["rule"]
    # "<header>.missing" is written ".IB header .missing" in the page.
    want = rule.replace("<header>.", "header .")
    if want not in man:
        missing.append(rule)
if missing:
    print("# not in man/cpmobj-validate.1:", " ".join(missing))
    sys.exit(1)
EOF

# ---- a dump of 100,000 objects runs in bounded memory ----
# Peak memory for 100,000 mbox entries must stay that of 1,000 entries:
# the mbox is streamed, never loaded whole. ASan's quarantine of freed
# memory is made small so it does not hide (or fake) growth.
check "100,000-object mbox: every object seen, memory as for 1,000" python3 - "$CPMOBJ" \
  "$S/standalone-messages.mbox" "$T" <<'EOF'
import os, resource, subprocess, sys
cpmobj, sample, tmp = sys.argv[1:4]
entry = open(sample, "rb").read()          # two entries
env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0:quarantine_size_mb=4")

def peak(n_pairs):
    path = os.path.join(tmp, "dump.mbox")
    with open(path, "wb") as f:
        for _ in range(n_pairs):
            f.write(entry)
    pid = os.fork()
    if pid == 0:
        out = os.open(os.path.join(tmp, "dump.jsonl"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(out, 1)
        os.execve(cpmobj, [cpmobj, "validate", "--json", path], env)
    _, status, usage = os.wait4(pid, 0)
    lines = sum(1 for _ in open(os.path.join(tmp, "dump.jsonl"), "rb"))
    size = os.path.getsize(path)
    os.unlink(path)
    assert os.waitstatus_to_exitcode(status) == 0, status
    assert lines == 2 * n_pairs, (lines, n_pairs)
    return usage.ru_maxrss, size

small, _ = peak(500)
large, size = peak(50000)
print(f"# peak RSS: {small} KiB for 1,000 objects, {large} KiB for 100,000 "
      f"({size // 1048576} MiB of mbox)")
assert large < small + 16 * 1024, (small, large)
EOF

tap_done
