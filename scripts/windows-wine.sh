#!/usr/bin/env bash
# Builds uvws for 64-bit Windows with MinGW-w64, every dependency from
# source, and runs its unit tests under Wine. Not part of CI: it needs
# wslay's sources, which Debian does not serve here (docs/cross-compiling.md).
#
#   scripts/windows-wine.sh WSLAY_SOURCE_DIR [CTEST_ARGS...]
#
# libuv and llhttp come from build-cross/src/ when scripts/cross.sh left them
# there, else from the pinned releases (which needs the network). Set
# UVWS_LIBUV_SOURCE_DIR or UVWS_LLHTTP_SOURCE_DIR to use others. The build
# goes to build-windows/, Wine's prefix to build-windows/wineprefix.
set -euo pipefail

if [ $# -lt 1 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
  sed -n '2,12s/^# \{0,1\}//p' "$0"
  exit 2
fi
wslay=$(cd "$1" && pwd)
shift

cd "$(dirname "$0")/.."
root=$PWD

if ! [ -x /usr/lib/wine/wine64 ] && ! command -v wine64 >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends wine64 >/dev/null
  else
    echo "windows-wine.sh: install wine64 (apt-get install wine64)" >&2
    exit 1
  fi
fi

args=(-DUVWS_WSLAY_SOURCE_DIR="$wslay")
libuv=${UVWS_LIBUV_SOURCE_DIR:-$(find build-cross/src -maxdepth 1 -type d \
  -name 'libuv1-*' 2>/dev/null | head -n 1)}
llhttp=${UVWS_LLHTTP_SOURCE_DIR:-}
if [ -z "$llhttp" ] && [ -f build-cross/src/llhttp/src/llhttp.c ]; then
  llhttp=build-cross/src/llhttp
fi
[ -z "$libuv" ] || args+=(-DUVWS_LIBUV_SOURCE_DIR="$(cd "$libuv" && pwd)")
[ -z "$llhttp" ] || args+=(-DUVWS_LLHTTP_SOURCE_DIR="$(cd "$llhttp" && pwd)")

out=$root/build-windows
# The interop tests start the echo sample from Python or Node, which cannot
# run a Windows program; the benchmark needs POSIX.
cmake -S . -B "$out" \
  -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/mingw-w64-x86_64.cmake" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DUVWS_DEPS_FROM_SOURCE=ON \
  -DUVWS_BUILD_BENCH=OFF \
  -DUVWS_PYTHON=/nonexistent -DUVWS_NODE=UVWS_NODE-NOTFOUND \
  "${args[@]}"
cmake --build "$out" -j "$(nproc 2>/dev/null || echo 2)"

export WINEPREFIX=$out/wineprefix
export WINEDEBUG=-all
wine=/usr/lib/wine/wine64
[ -x "$wine" ] || wine=$(command -v wine64)
if [ ! -d "$WINEPREFIX" ]; then
  echo "== windows-wine: creating $WINEPREFIX" >&2
  WINEDLLOVERRIDES="mscoree,mshtml=" "$wine" wineboot -i >/dev/null 2>&1
fi
cd "$out"
ctest --output-on-failure "$@"
