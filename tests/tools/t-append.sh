#!/bin/bash
# TAP tests of `cpmobj append` against a real, private Dovecot
# (scripts/dovecot.sh), checked with an independent client (imap-check.py).
# Env: CPMOBJ, CPM_TESTDATA, CPM_SRCDIR, CPM_BUILDDIR.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
: "${CPMOBJ:?}" "${CPM_TESTDATA:?}" "${CPM_SRCDIR:?}"
T=$(mktemp -d)
# short: Dovecot's unix sockets live under it
DV=$(mktemp -d /tmp/cpm-dv.XXXXXX)
DOVECOT="$CPM_SRCDIR/scripts/dovecot.sh"
CHECK="python3 $CPM_SRCDIR/tests/tools/imap-check.py"
trap '"$DOVECOT" stop "$DV" >/dev/null 2>&1; rm -rf "$T" "$DV"' EXIT

n=0
fails=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
not_ok () { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
skip () { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
check () { # check "description" command...
  local what=$1; shift
  if "$@"; then ok "$what"; else not_ok "$what"; fi
}
# rc "description" expected-exit command...  (output in $T/out, $T/err)
rc () {
  local what=$1 want=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then ok "$what (exit $want)"; else
    not_ok "$what: exit $got, want $want"; sed 's/^/# /' "$T/err" | head -20; fi
}
count_lines () { grep -c "$1" "$2" 2>/dev/null || true; }

if ! "$DOVECOT" start "$DV" >"$T/env" 2>"$T/dovecot.err"; then
  sed 's/^/# /' "$T/dovecot.err"
  echo "not ok 1 - a private Dovecot starts"
  echo "1..1"
  exit 1
fi
set -a
# shellcheck disable=SC1090
. "$T/env"
set +a
ok "a private Dovecot starts on $CPM_IMAP_URL"
PW=$(cat "$CPM_IMAP_PASSWORD_FILE")
append () { # append USER [options] INPUT
  local user=$1; shift
  "$CPMOBJ" append --url "$CPM_IMAPS_URL" --user "$user" \
    --password-file "$CPM_IMAP_PASSWORD_FILE" --ca-file "$CPM_IMAP_CA" "$@"
}

# ---- the library client against the live server -------------------------
if [ -n "${CPM_BUILDDIR:-}" ] && [ -x "$CPM_BUILDDIR/tests/test-imap" ]; then
  rc "test-imap live client tests (STARTTLS, imaps, CREATE, APPEND, MULTIAPPEND, SEARCH, FETCH, refusals)" 0 \
    "$CPM_BUILDDIR/tests/test-imap" --tap -p /imap/live
  check "no live test was skipped" test "$(count_lines '# SKIP' "$T/out")" -eq 0
else
  skip "test-imap live client tests" "CPM_BUILDDIR/tests/test-imap not built"
fi

# ---- a store of every kind ------------------------------------------------
# folder: a conversation folder named by the Conversation-ID (5.2.7), the
# object kinds without one in their own folders.
S="$T/store"
mkdir -p "$S"
add () { # add FILE FOLDER FLAGS-JSON DATE
  local base
  base=$(basename "$1")
  base="${base%.eml}-$(($(wc -l <"$S/manifest.jsonl" 2>/dev/null || echo 0) + 1)).eml"
  cp "$1" "$S/$base"
  printf '{"file":"%s","folder":"%s","kind":"test","flags":%s,"internal_date":"%s","source":"%s"}\n' \
    "$base" "$2" "$3" "$4" "$1" >>"$S/manifest.jsonl"
}
conv () { grep -a -i -m1 '^Conversation-ID:' "$1" | tr -d '\r' | sed 's/^[^:]*: *//'; }
N=$CPM_TESTDATA/nms
for k in message chat imdn sms mms session-info group-state conference-info file-transfer; do
  add "$N/$k.eml" "cpm/$(conv "$N/$k.eml")" '["\\Seen"]' "2026-03-02T10:00:00Z"
done
add "$N/media.eml" "cpm/media" '[]' "2026-03-02T10:01:00+01:00"
add "$CPM_TESTDATA/imap/object-media-base64.eml" "cpm/media" '["$Forwarded"]' "2026-03-02T10:02:00Z"
add "$CPM_TESTDATA/imap/object-chat.eml" "cpm/$(conv "$CPM_TESTDATA/imap/object-chat.eml")" \
  '["\\Seen","\\Flagged","$Forwarded"]' "2026-03-02T10:03:00Z"
add "$CPM_TESTDATA/message/valid-standalone.eml" "cpm/standalone" '["\\Answered"]' "2014-04-29T09:47:00-08:00"
# LF line ends: stored with CRLF (RFC 5322), checked against the CRLF form
add "$CPM_TESTDATA/message/appendix-d-chat-repaired-lf.eml" "cpm/appendix-d" '[]' "2026-03-02T10:04:00Z"
add "$CPM_TESTDATA/ft/appendix-e-placeholders.eml" "cpm/ft-text" '["\\Seen"]' "2026-03-02T10:05:00Z"
TOTAL=$(wc -l <"$S/manifest.jsonl")

rc "append $TOTAL objects of every kind" 0 append cpmtest --json "$S"
check "one JSON line per object, all stored" test "$(count_lines '"status":"stored"' "$T/out")" -eq "$TOTAL"
check "every manifest line has uidvalidity and uid" \
  test "$(count_lines '"uidvalidity":[1-9][0-9]*,"uid":[1-9]' "$S/manifest.jsonl")" -eq "$TOTAL"
check "other manifest members are kept" test "$(count_lines '"kind":"test"' "$S/manifest.jsonl")" -eq "$TOTAL"
check "no temporary manifest left behind" test "$(ls -A "$S" | grep -vc '\.eml$')" -eq 1
cp "$S/manifest.jsonl" "$T/manifest.first"
rc "the server holds every object byte for byte at its recorded UID, with its flags and internal date" 0 \
  $CHECK verify cpmtest "$S/manifest.jsonl"
rc "UID SEARCH HEADER Conversation-ID finds the recorded UIDs" 0 $CHECK conversations cpmtest "$S/manifest.jsonl"
$CHECK count cpmtest cpm >"$T/count1"
check "the server holds $TOTAL objects" test "$(cat "$T/count1")" -eq "$TOTAL"

# ---- idempotent -----------------------------------------------------------
rc "second run" 0 append cpmtest --json "$S"
check "second run finds every object present" test "$(count_lines '"status":"present"' "$T/out")" -eq "$TOTAL"
check "second run leaves the manifest as it was" cmp -s "$S/manifest.jsonl" "$T/manifest.first"
sed -i 's/,"uidvalidity":[0-9]*,"uid":[0-9]*//' "$S/manifest.jsonl"
rc "a run with the UIDs lost from the manifest" 0 append cpmtest --json "$S/manifest.jsonl"
check "it finds every object by SEARCH HEADER" test "$(count_lines '"status":"present"' "$T/out")" -eq "$TOTAL"
check "and records the same UIDs again" cmp -s "$S/manifest.jsonl" "$T/manifest.first"
$CHECK count cpmtest cpm >"$T/count2"
check "nothing was stored twice" test "$(cat "$T/count2")" -eq "$TOTAL"

# ---- refusals ---------------------------------------------------------------
echo "not-the-password-31337" >"$T/wrong"
"$CPMOBJ" append --url "$CPM_IMAP_URL" --user cpmtest --password-file "$T/wrong" --ca-file "$CPM_IMAP_CA" \
  "$S" >"$T/out" 2>"$T/err"
check "a wrong password exits 1" test $? -eq 1
check "and says the login was refused" grep -q 'login as cpmtest refused.*AUTHENTICATIONFAILED' "$T/err"
check "without the password in any output" test "$(cat "$T/out" "$T/err" | grep -c 'not-the-password-31337')" -eq 0
check "nor the real one" test "$(cat "$T/out" "$T/err" | grep -cF "$PW")" -eq 0
check "the manifest is untouched" cmp -s "$S/manifest.jsonl" "$T/manifest.first"

B="$T/bad"
mkdir -p "$B"
cp "$CPM_TESTDATA/imap/object-chat.eml" "$B/a.eml"
cp "$CPM_TESTDATA/nms/sms.eml" "$B/b.eml"
cp "$CPM_TESTDATA/nms/chat.eml" "$B/c.eml"
{
  echo '{"file":"a.eml","folder":"cpm//empty-level","flags":[]}'
  echo '{"file":"b.eml","folder":"cpm/good","flags":["\\Seen"]}'
  echo 'this line is not JSON'
  echo '{"file":"missing.eml","folder":"cpm/good","flags":[]}'
  echo '{"file":"c.eml","folder":"cpm/good","flags":["bad flag"]}'
} >"$B/manifest.jsonl"
rc "a folder the server refuses, a broken line, a missing file, a bad flag" 1 append cpmtest "$B"
check "the refused folder is reported with the server's text" \
  grep -q 'a.eml: not stored in folder "cpm//empty-level": cannot create the folder: .*Invalid mailbox name' "$T/err"
check "the line that is not JSON is reported" grep -q 'manifest.jsonl:3: not stored' "$T/err"
check "the missing file is reported" grep -q 'missing.eml: not stored.*cannot read' "$T/err"
check "the bad flag is reported" grep -q 'c.eml: not stored.*"bad flag" is not an IMAP flag' "$T/err"
check "the good object was stored all the same" grep -q '"file":"b.eml".*"uid":1' "$B/manifest.jsonl"
check "the summary counts them" grep -q '1 stored, 0 already there, 4 not stored' "$T/err"
check "the line that is not JSON is kept in the manifest" grep -qx 'this line is not JSON' "$B/manifest.jsonl"

rc "over quota" 1 append cpmfull "$S"
check "every object is reported with NO [OVERQUOTA]" \
  test "$(count_lines 'not stored.*OVERQUOTA.*Quota exceeded' "$T/err")" -eq "$TOTAL"

# ---- two manifest lines for one object -----------------------------------------
W="$T/twice"
mkdir -p "$W"
cp "$N/message.eml" "$W/m.eml"
cp "$N/message.eml" "$W/m-copy.eml"
{
  echo '{"file":"m.eml","folder":"cpm/twice","flags":[]}'
  echo '{"file":"m-copy.eml","folder":"cpm/twice","flags":[]}'
} >"$W/manifest.jsonl"
rc "a manifest naming one object twice" 0 append cpmtest --json "$W"
check "it is stored once" test "$(count_lines '"status":"stored"' "$T/out")" -eq 1
check "and both lines record its UID" test "$(count_lines '"uidvalidity":[0-9]*,"uid":1}' "$W/manifest.jsonl")" -eq 2

# ---- a directory without manifest: folders are sub-directories -------------
D="$T/tree"
mkdir -p "$D/conv-a/session-1" "$D/conv-b"
cp "$N/chat.eml" "$D/conv-a/1.eml"
cp "$N/imdn.eml" "$D/conv-a/2.eml"
cp "$N/group-state.eml" "$D/conv-a/session-1/gso.eml"
cp "$N/sms.eml" "$D/conv-b/sms.eml"
rc "a directory without manifest" 0 append cpmtest --json "$D"
check "its four objects are stored" test "$(count_lines '"status":"stored"' "$T/out")" -eq 4
check "in folders named by the sub-directories" grep -q '"folder":"conv-a/session-1"' "$T/out"
check "no manifest is written into the input" test ! -e "$D/manifest.jsonl"
rc "the directory again" 0 append cpmtest --json "$D"
check "nothing stored twice" test "$(count_lines '"status":"present"' "$T/out")" -eq 4

# ---- the server stopped in the middle of a run ------------------------------
# Many small objects, then the server is halted as soon as the first batch
# is recorded; a second run after it is back completes the store.
M="$T/many"
mkdir -p "$M"
python3 - "$M" "$CPM_TESTDATA/imap/object-chat.eml" <<'EOF'
import json, os, sys
out, src = sys.argv[1], open(sys.argv[2], "rb").read()
with open(os.path.join(out, "manifest.jsonl"), "w") as man:
    for i in range(1, 801):
        body = src.replace(b"unit-live-0001", b"fault-%04d" % i)
        name = "m%04d.eml" % i
        open(os.path.join(out, name), "wb").write(body)
        man.write(json.dumps({"file": name, "folder": "cpm/fault/%d" % (i % 4), "flags": []}) + "\n")
EOF
append cpmtest "$M" >"$T/fault.out" 2>"$T/fault.err" &
apid=$!
for _ in $(seq 1 600); do
  grep -q '"uid"' "$M/manifest.jsonl" 2>/dev/null && break
  kill -0 "$apid" 2>/dev/null || break
  sleep 0.05
done
"$DOVECOT" halt "$DV"
wait "$apid"
frc=$?
if [ "$frc" -eq 0 ]; then
  skip "a run cut by the server stopping exits 1" "the run finished before the server stopped"
else
  check "a run cut by the server stopping exits 1" test "$frc" -eq 1
  check "and names the lost connection" grep -q 'connection' "$T/fault.err"
fi
if "$DOVECOT" start "$DV" >/dev/null 2>"$T/restart.err"; then
  ok "the server starts again with its mail"
else
  not_ok "the server starts again with its mail"
  sed 's/^/# /' "$T/restart.err"
  tail -n 20 "$DV/dovecot.log" | sed 's/^/# /'
fi
rc "the run after the server is back" 0 append cpmtest --json "$M"
check "it completes the store" test "$(count_lines '"status":"\(stored\|present\)"' "$T/out")" -eq 800
check "every object has its UID in the manifest" test "$(count_lines '"uid":[1-9]' "$M/manifest.jsonl")" -eq 800
$CHECK duplicates cpmtest cpm/fault >"$T/dups"
check "no object is on the server twice" test "$(tail -n 1 "$T/dups")" -eq 0
rc "the fault store verifies byte for byte" 0 $CHECK verify cpmtest "$M/manifest.jsonl"

# ---- cpmobj convert --append-script fed to Dovecot's imap on stdin ----------
C="$T/conv"
if "$CPMOBJ" convert --help 2>/dev/null | grep -q -- '--append-script'; then
  "$CPMOBJ" convert -o "$C" --append-script "$T/script.imap" "$CPM_TESTDATA/sms/export-sample.xml" \
    >/dev/null 2>"$T/convert.err"
  check "cpmobj convert writes a store and an append script" test -s "$T/script.imap" -a -s "$C/manifest.jsonl"
  # Dovecot's imap reads a pipe, not a file, on standard input.
  cat "$T/script.imap" | /usr/lib/dovecot/imap -c "$CPM_DOVECOT_CONF" -u "$CPM_IMAP_SCRIPT_USER" \
    >"$T/script.out" 2>"$T/script.err"
  tr -d '\r' <"$T/script.out" | grep -v '^\*' | grep -v '^[A-Za-z0-9]* OK ' | sed 's/^/# /' | head
  commands=$(grep -ac '^[A-Za-z0-9]* \(CREATE\|APPEND\|LOGOUT\)' "$T/script.imap")
  check "Dovecot's imap answers OK to each of the script's $commands commands" \
    test "$(tr -d '\r' <"$T/script.out" | grep -c '^[A-Za-z0-9]* OK ')" -eq "$commands" -a "$commands" -gt 2
  rc "cpmobj append stores the converted store" 0 append cpmtest "$C"
  rc "which verifies byte for byte" 0 $CHECK verify cpmtest "$C/manifest.jsonl"
  # the same objects in the same folders, whichever way they went in
  $CHECK digests "$CPM_IMAP_SCRIPT_USER" >"$T/script.digests"
  $CHECK digests cpmtest | awk 'NR == FNR { want[$1] = 1; next } ($1 in want)' "$T/script.digests" - \
    >"$T/append.digests"
  if cmp -s "$T/script.digests" "$T/append.digests"; then
    ok "the script and cpmobj append store the same objects"
  else
    not_ok "the script and cpmobj append store the same objects"
    diff "$T/script.digests" "$T/append.digests" | sed 's/^/# /' | head
  fi
  check "  ($(wc -l <"$T/script.digests") objects, as many as the manifest lists)" \
    test "$(wc -l <"$T/script.digests")" -eq "$(wc -l <"$C/manifest.jsonl")"
else
  skip "cpmobj convert --append-script fed to Dovecot" "convert has no --append-script yet"
fi

"$DOVECOT" stop "$DV"
check "the private Dovecot stops and its directory is gone" test ! -e "$DV"
echo "1..$n"
[ "$fails" -eq 0 ]
