#!/usr/bin/env bash
# Installs what libcpmobj needs (Debian packages) when missing, then configures
# and builds. Usage: scripts/setup.sh [BUILDDIR] [meson options...]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(meson ninja-build pkg-config gcc libc6-dev python3
  libglib2.0-dev glib-networking libgmime-3.0-dev libxml2-dev libxml2-utils libjson-c-dev libpcap-dev sip-tester tcpdump locales)
[ -n "${CPM_EXTRA_PACKAGES:-}" ] && packages+=(${CPM_EXTRA_PACKAGES})

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >&2
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

builddir=${1:-build}
shift || true
if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" "$@" >&2
else
  meson configure "$builddir" "$@" >/dev/null 2>&1 || true
fi
ninja -C "$builddir" >&2
