#!/usr/bin/env bash
# The library installs as a shared library with a soname, public headers
# under include/cpmobj/, libcpmobj.pc; a program outside the tree builds
# against it with pkg-config alone; only cpm_ symbols are exported.
set -uo pipefail
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }
check() { if eval "$2"; then ok "$1"; else not_ok "$1"; fi; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
DESTDIR="$tmp/root" meson install -C "$CPM_BUILDDIR" --no-rebuild >"$tmp/install.log" 2>&1
rc=$?
check "meson install into a DESTDIR" '[ $rc -eq 0 ]'

pc=$(find "$tmp/root" -name libcpmobj.pc | head -1)
lib=$(find "$tmp/root" -name 'libcpmobj.so.*.*' | head -1)
check "libcpmobj.pc is installed" '[ -n "$pc" ]'
check "the shared library carries the soname libcpmobj.so.0" \
  'objdump -p "$lib" | grep -q "SONAME *libcpmobj.so.0"'
inc=$(find "$tmp/root" -type d -path '*include/cpmobj' | head -1)
check "headers under include/cpmobj with the umbrella header" '[ -f "$inc/cpmobj.h" ]'
check "no private header is installed" '! ls "$inc" | grep -q private'
check "every exported symbol has the cpm_ prefix" \
  '[ -z "$(nm -D --defined-only "$lib" | awk "{print \$3}" | grep -v "^cpm_")" ]'

prefix=$(sed -n 's/^prefix=//p' "$pc")
flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags --libs libcpmobj |
        sed "s|-I$prefix|-I$tmp/root$prefix|g; s|-L$prefix|-L$tmp/root$prefix|g")
# the library under test may be built with sanitizers: link the program alike
san=$(grep -o -- "-fsanitize=[a-z,]*" "$CPM_BUILDDIR/build.ninja" | head -1)
cc $san -Wall -o "$tmp/example" "$CPM_SRCDIR/tests/tools/install-example.c" $flags 2>"$tmp/cc.log"
rc=$?
check "an outside program compiles with pkg-config alone" '[ $rc -eq 0 ]'
out=$(LD_LIBRARY_PATH=$(dirname "$lib") "$tmp/example" 2>&1)
check "the outside program builds a valid SMS object ($out)" '[ "$out" = "valid=1 n=0" ]'
echo "1..$n"
