#!/bin/bash
# TAP tests of `cpmobj inspect`. Env: CPMOBJ (binary), CPM_TESTDATA.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
: "${CPMOBJ:?}" "${CPM_TESTDATA:?}"
D="$CPM_TESTDATA"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

n=0
fails=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
not_ok () { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check () { # check "description" command...
  local what=$1; shift
  if "$@"; then ok "$what"; else not_ok "$what"; fi
}
rc () { # rc "description" expected-exit command...
  local what=$1 want=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then ok "$what (exit $want)"; else
    not_ok "$what: exit $got, want $want"; sed 's/^/# /' "$T/err"; fi
}
# jq-free JSON queries: python3 is part of the test environment (t-python-email)
q () { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$T/out"; }

rc "Appendix E" 0 "$CPMOBJ" inspect "$D/ft/appendix-e.eml"
check "one JSON line" test "$(wc -l <"$T/out")" -eq 1
check "kind file-transfer" test "$(q "d['kind']")" = "file-transfer"
check "fits 1.0 only (no Accept-Contact)" test "$(q "d['profile'],d['profiles']")" = "1.0 ['1.0']"
check "root XML as JSON" test "$(q "d['xml']['element']")" = "file-transfer"
check "three parts, the file 4092 octets" \
  test "$(q "len(d['parts']),d['parts'][2]['content_id'],d['parts'][2]['size']")" = "3 1234@example.com 4092"
check "headers with lines" test "$(q "d['headers'][0]['name'],d['headers'][0]['line']")" = "From 1"
check "stdout holds no stderr noise" test ! -s "$T/err"

rc "pretty" 0 "$CPMOBJ" inspect --pretty "$D/session/valid-group.eml"
check "pretty output is indented JSON" grep -q '^  "kind": "session-info",' "$T/out"
check "valid 2.2 object: profile 2.2" test "$(q "d['profile']")" = "2.2"

rc "standard input" 0 sh -c "\"$CPMOBJ\" inspect - <\"$D/media/valid-image.eml\""
check "stdin: media kind" test "$(q "d['kind']")" = "media"

rc "a directory: one line per object" 0 "$CPMOBJ" inspect "$D/store/good/Default/conv-c3d4"
check "two objects, two lines" test "$(wc -l <"$T/out")" -eq 2

rc "--kind forces the kind" 0 "$CPMOBJ" inspect --kind file-transfer "$D/ft/invalid-ft-content-type.eml"
check "forced kind is reported" grep -q '"kind":"file-transfer"' "$T/out"

printf '' >"$T/empty.eml"
rc "an empty file is not an object" 1 "$CPMOBJ" inspect "$T/empty.eml"
check "the error names the file" grep -q 'empty.eml' "$T/err"
rc "missing file" 2 "$CPMOBJ" inspect "$T/nothing-here.eml"
rc "no FILE" 2 "$CPMOBJ" inspect
rc "unknown kind" 2 "$CPMOBJ" inspect --kind nonsense "$D/ft/appendix-e.eml"
rc "--help" 0 "$CPMOBJ" inspect --help
check "--help names the man page" grep -q 'cpmobj-inspect(1)' "$T/out"

echo "1..$n"
exit $((fails > 0))
