#!/usr/bin/env bash
# Sets everything up and runs the whole test suite under AddressSanitizer and
# UndefinedBehaviorSanitizer. Ends with the line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
builddir=${CPM_TEST_BUILDDIR:-build-asan}

CPM_EXTRA_PACKAGES="dovecot-imapd openssl" \
  scripts/setup.sh "$builddir" -Db_sanitize=address,undefined -Db_lundef=false || {
  echo "0 passed, 1 failed"
  exit 1
}

meson test -C "$builddir" --print-errorlogs --num-processes 2 "$@"
status=$?
python3 scripts/summarize-tests.py "$builddir/meson-logs/testlog.json"
summary=$?
[ $status -eq 0 ] && [ $summary -eq 0 ]
