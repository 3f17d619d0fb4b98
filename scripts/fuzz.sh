#!/usr/bin/env bash
# Builds the libFuzzer targets (build-fuzz, clang, ASan+UBSan) and runs each
# for a fixed number of executions, then prints one table row per target:
#   target  runs  seconds  exec/s  corpus  result
# Usage: scripts/fuzz.sh [-n RUNS] [TARGET...]      (default 20000 runs,
#        every target; FUZZ_BUILDDIR overrides build-fuzz)
# A crash, sanitizer report, leak or timeout fails the run: the input is in
# BUILDDIR/fuzz/artifacts/TARGET/ and the row says which file. Turn it into
# testdata/hostile/TARGET-<what>.bin (seeds.sh then replays it) and a
# regression test before fixing it.
# Exit: 0 all clean, 1 a target found something, 2 build or usage error.
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${FUZZ_RUNS:-20000}
builddir=${FUZZ_BUILDDIR:-build-fuzz}
while getopts n:h opt; do
  case $opt in
    n) runs=$OPTARG ;;
    *) sed -n '2,12p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
case $runs in ''|*[!0-9]*) echo "fuzz.sh: -n wants a number" >&2; exit 2 ;; esac

if [ ! -f "$builddir/build.ninja" ]; then
  CC=clang meson setup "$builddir" -Dfuzzing=true -Db_sanitize=address,undefined \
    -Db_lundef=false >/dev/null || { echo "fuzz.sh: meson setup failed" >&2; exit 2; }
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(sed -n "/^fuzz_targets = \[/,/\]/p" fuzz/meson.build |
                         grep -o "'[a-z0-9-]*'" | tr -d "'")
fi
ninja -C "$builddir" "${targets[@]/#/fuzz/fuzz-}" >/dev/null ||
  { echo "fuzz.sh: build failed (ninja -C $builddir)" >&2; exit 2; }

# (no allocator_may_return_null: a huge allocation is then an ASan report
# that libFuzzer saves, not a GLib abort without the input)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
[ -f tests/lsan.supp ] && export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0

status=0
printf '%-18s %8s %8s %8s %7s  %s\n' target runs seconds exec/s corpus result
for t in "${targets[@]}"; do
  exe=$builddir/fuzz/fuzz-$t
  work=$builddir/fuzz/run/$t
  rm -rf "$work" && mkdir -p "$work/corpus" "$work/artifacts"
  fuzz/seeds.sh "$t" "$work/corpus" >/dev/null || { status=2; continue; }
  start=$(date +%s.%N)
  # (the braces keep bash's "Aborted" notice of a crashing target off the table)
  { "$exe" -runs="$runs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1; } 2>/dev/null
  rc=$?
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  done_runs=$(grep -o '^Done [0-9]* runs' "$work/log" | grep -o '[0-9]*' || true)
  done_runs=${done_runs:-$(grep -o '^#[0-9]*' "$work/log" | tail -1 | tr -d '#')}
  eps=$(echo "scale=0; ${done_runs:-0} / ($secs + 0.001)" | bc)
  corpus=$(ls "$work/corpus" | wc -l)
  if [ $rc -eq 0 ]; then
    result=ok
  else
    status=1
    art=$(ls "$work/artifacts" 2>/dev/null | head -1)
    what=$(grep -m1 -oE 'ERROR: [A-Za-z]+: [A-Za-z-]+|runtime error: .{0,50}|assertion failed: .{0,50}|ERROR: libFuzzer: [a-z-]+|GLib-ERROR[^:]*: .{0,50}' "$work/log")
    result="FAIL ($what) ${art:+$work/artifacts/$art} log: $work/log"
  fi
  printf '%-18s %8s %8.1f %8s %7s  %s\n' "$t" "${done_runs:-?}" "$secs" "$eps" "$corpus" "$result"
done
exit $status
