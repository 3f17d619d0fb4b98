#!/bin/bash
# TAP tests of `cpmobj validate --store`. Env: CPMOBJ (binary), CPM_TESTDATA.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
: "${CPMOBJ:?}" "${CPM_TESTDATA:?}"
D="$CPM_TESTDATA/store"
. "$(dirname "$0")/tap.sh"
# store_rules FILE: the rule ids of the "kind":"store" lines, sorted
store_rules () {
  grep '"kind":"store"' "$1" | grep -o '"rule":"[^"]*"' | sed 's/"rule":"//; s/"$//' | sort
}

# A clean dump: every object valid, no store finding, quiet output empty.
rc "good dump" 0 "$CPMOBJ" validate --store "$D/good"
check "good dump lists its 12 objects" test "$(grep -c ': valid (' "$T/out")" -eq 12
rc "good dump, quiet" 0 "$CPMOBJ" validate -q --store "$D/good"
check "quiet output is empty" test ! -s "$T/out"

# issue 3 "Must show": three faults, one store diagnostic each.
rc "bad dump" 1 "$CPMOBJ" validate --json --store "$D/bad"
store_rules "$T/out" >"$T/rules"
printf '%s\n' store.conversation-folder-name store.imdn-placement store.session-info-count >"$T/want"
check "bad dump: exactly the three store rules" cmp -s "$T/rules" "$T/want"
check "bad dump: its objects are all valid" \
  test "$(grep -v '"kind":"store"' "$T/out" | grep -c '"valid":false')" -eq 0
check "misnamed folder is the place of its finding" \
  grep -q '"location":"[^"]*/Default/conv-WRONG","kind":"store"' "$T/out"
check "misplaced IMDN is the place of its finding" \
  grep -q '"location":"[^"]*/Default/conv-a1b2/imdn-chat-1.eml","kind":"store".*store.imdn-placement' "$T/out"
rc "bad dump, text" 1 "$CPMOBJ" validate -q --store "$D/bad"
check "text names folder, rule and section" \
  grep -q 'error store.session-info-count \[5.2.8\]' "$T/out"

# The other dumps, one rule each.
for pair in non-cpm:store.non-cpm-folder gso-misplaced:store.gso-placement; do
  dump=${pair%%:*} rule=${pair#*:}
  rc "$dump dump" 1 "$CPMOBJ" validate --json --store "$D/$dump"
  check "$dump dump gives $rule only" test "$(store_rules "$T/out")" = "$rule"
done
rc "mbox per folder" 0 "$CPMOBJ" validate --store "$D/mbox"

# Flags follow the profile.
rc "Maildir flags under 2.2" 1 "$CPMOBJ" validate --json --store "$D/maildir"
check "2.2: \$MDNSent is another profile's, \$Label1 unknown" \
  test "$(store_rules "$T/out" | tr '\n' ' ')" = "store.flag-profile store.flag-unknown "
rc "Maildir flags under 2.0" 1 "$CPMOBJ" validate --json -p 2.0 --store "$D/maildir"
check "2.0: \$MDNSent and Archived both out of profile" \
  test "$(store_rules "$T/out" | grep -c flag-profile)" -eq 2
rc "manifest flags under 1.0" 1 "$CPMOBJ" validate --json -p 1.0 --store "$D/manifest"
check "1.0: Archived is out of profile" grep -q 'Archived exists from profile 2.1' "$T/out"
check "manifest.jsonl is not validated as an object" \
  sh -c "! grep -q 'manifest.jsonl\",\"kind' '$T/out'"
check "the manifest's bad line is a warning" grep -q 'manifest.jsonl:3","kind":"store","profile":"1.0","valid":true' "$T/out"

# Store rules are listed; usage and I/O errors exit 2.
rc "--list-rules" 0 "$CPMOBJ" validate --list-rules
check "--list-rules lists the store rules" grep -q '^store.imdn-placement ' "$T/out"
rc "missing dump" 2 "$CPMOBJ" validate --store "$T/nothing-here"
check "missing dump is named on stderr" grep -q 'nothing-here' "$T/err"
rc "no PATH and no --store" 2 "$CPMOBJ" validate

tap_done
