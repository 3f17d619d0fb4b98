# The shared TAP helpers of the tool tests, sourced by tests/tools/t-*.sh.
# Gives $T (a temporary directory removed on exit), ok/not_ok/check/rc and
# the output matchers; a script ends with `tap_done`.
# SPDX-License-Identifier: LGPL-2.1-or-later
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
# rc "description" expected-exit command...: output in $T/out and $T/err
rc () {
  local what=$1 want=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then ok "$what (exit $want)"; else
    not_ok "$what: exit $got, want $want"; sed 's/^/# /' "$T/out" "$T/err" | head -40; fi
}
has () { grep -qE -- "$1" "$T/out"; }
out_has () { grep -qE -- "$1" "$T/out"; }
err_has () { grep -qE -- "$1" "$T/err"; }
# The plan line; the exit status says whether anything failed.
tap_done () { echo "1..$n"; exit $((fails > 0)); }
