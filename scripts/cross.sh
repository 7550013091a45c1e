#!/usr/bin/env bash
# Cross-compiles uvws for Windows (x86_64, MinGW-w64) and macOS (x86_64 and
# arm64, zig cc) with the toolchain files in cmake/toolchains/, from a fresh
# build-cross/ every run. For each target it builds test/consumers/cross:
# every file of src/ and samples/ compiled with -Werror, libuv (Debian's
# sources, `apt-get source libuv1`) and llhttp (node-llhttp) from source, and
# a program linked from libuv, llhttp and uvws. wslay has no source package
# here, so its header stands in for it and nothing that calls wslay is
# linked (docs/cross-compiling.md says how to build everything).
#
#   scripts/cross.sh [--no-setup] [TARGET...]   windows macos-x86_64 macos-arm64
#
#   --no-setup  install nothing (packages, deb-src entry, npm's zig)
set -euo pipefail

setup=1
targets=()
for arg in "$@"; do
  case "$arg" in
    --no-setup) setup=0 ;;
    windows|macos-x86_64|macos-arm64) targets+=("$arg") ;;
    -h|--help)
      sed -n '2,14s/^# \{0,1\}//p' "$0"
      exit 0
      ;;
    *)
      echo "cross.sh: unknown argument: $arg" >&2
      exit 2
      ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(windows macos-x86_64 macos-arm64)

cd "$(dirname "$0")/.."
root=$PWD
start=$SECONDS

if [ "$setup" -eq 1 ]; then
  bash scripts/setup-cross.sh
fi

out=$root/build-cross
rm -rf "$out"
mkdir -p "$out/src"
# zig keeps a cache; a fresh one each run keeps the timing honest.
export ZIG_GLOBAL_CACHE_DIR=$out/zig-cache
export ZIG_LOCAL_CACHE_DIR=$out/zig-cache

echo "== cross: libuv's sources (apt-get source libuv1)"
# A mirror that hiccups should not fail the build: retry the download.
for attempt in 1 2 3; do
  if (cd "$out/src" &&
      apt-get source -qq libuv1 >/dev/null 2>"$out/src/apt.log"); then
    break
  fi
  if [ "$attempt" -eq 3 ]; then
    cat "$out/src/apt.log" >&2
    echo "cross.sh: apt-get source failed; a deb-src entry is needed" \
      "(scripts/setup-cross.sh adds one)" >&2
    exit 1
  fi
  rm -rf "$out/src"/libuv1*
  sleep 10
done
libuv_src=$(find "$out/src" -maxdepth 1 -type d -name 'libuv1-*' | head -n 1)
[ -f "$libuv_src/CMakeLists.txt" ] || {
  echo "cross.sh: no libuv source tree in $out/src" >&2
  exit 1
}

# llhttp as its release tarball lays it out, from Debian's node-llhttp.
mkdir -p "$out/src/llhttp/src" "$out/src/llhttp/include"
cp /usr/share/llhttp/*.c "$out/src/llhttp/src/"
cp /usr/share/include/llhttp/llhttp.h "$out/src/llhttp/include/"
# wslay's header alone, away from the host's /usr/include.
mkdir -p "$out/src/wslay-include"
cp -r /usr/include/wslay "$out/src/wslay-include/"

jobs=$(nproc 2>/dev/null || echo 2)
# Reads a Mach-O header: magic, then the CPU type (little-endian).
macho_cpu() {
  od -An -tx4 -N8 "$1" | awk '{print $1, $2}'
}

passed=0
failed=0
for target in "${targets[@]}"; do
  t0=$SECONDS
  # permessage-deflate: on zlib for Windows (libz-mingw-w64-dev, from
  # scripts/setup-cross.sh); macOS builds go without (zig has no zlib).
  case "$target" in
    windows) toolchain=mingw-w64-x86_64.cmake; zlib=ON ;;
    macos-x86_64) toolchain=zig-macos-x86_64.cmake; zlib=OFF ;;
    macos-arm64) toolchain=zig-macos-arm64.cmake; zlib=OFF ;;
  esac
  dir=$out/$target
  echo "== cross: $target ($toolchain)"
  if ! cmake -S test/consumers/cross -B "$dir" \
        -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/$toolchain" \
        -DCMAKE_BUILD_TYPE=Release \
        -DUVWS_SOURCE_DIR="$root" \
        -DUVWS_LIBUV_SOURCE_DIR="$libuv_src" \
        -DUVWS_LLHTTP_SOURCE_DIR="$out/src/llhttp" \
        -DUVWS_CROSS_WSLAY_INCLUDE_DIR="$out/src/wslay-include" \
        -DUVWS_WITH_ZLIB="$zlib" \
        -DFETCHCONTENT_FULLY_DISCONNECTED=ON \
        >"$dir.configure.log" 2>&1; then
    cat "$dir.configure.log" >&2
    echo "cross: $target: configure FAILED" >&2
    failed=$((failed + 1))
    continue
  fi
  if ! cmake --build "$dir" -j "$jobs" >"$dir.build.log" 2>&1; then
    grep -E -B2 -A6 'error|warning' "$dir.build.log" | head -n 80 >&2 || true
    tail -n 20 "$dir.build.log" >&2
    echo "cross: $target: build FAILED (log: $dir.build.log)" >&2
    failed=$((failed + 1))
    continue
  fi

  # The right kind of file, for the right CPU.
  case "$target" in
    windows)
      exe=$dir/uvws_link_check.exe
      kind=$(x86_64-w64-mingw32-objdump -f "$exe" | sed -n 's/.*file format //p')
      want=pei-x86-64
      ;;
    macos-x86_64)
      exe=$dir/uvws_link_check
      kind=$(macho_cpu "$exe")
      want="feedfacf 01000007"
      ;;
    macos-arm64)
      exe=$dir/uvws_link_check
      kind=$(macho_cpu "$exe")
      want="feedfacf 0100000c"
      ;;
  esac
  if [ "$kind" != "$want" ]; then
    echo "cross: $target: $exe is '$kind', not '$want'" >&2
    failed=$((failed + 1))
    continue
  fi
  # The library's own src/*.c (src/redis/, uvws_redis, needs hiredis and
  # is not cross-built), but one of tls.c (OpenSSL) and tls_off.c (none).
  nsrc=$(($(find src -maxdepth 1 -name '*.c' | wc -l) - 1))
  nobj=$(find "$dir/uvws/CMakeFiles" -path '*/uvws.dir/src/*' \
           \( -name '*.o' -o -name '*.obj' \) | wc -l)
  nsamples=$(find "$dir/CMakeFiles" -path '*sample_*_objects.dir/*' \
               \( -name '*.o' -o -name '*.obj' \) | wc -l)
  if [ "$nobj" -ne "$nsrc" ]; then
    echo "cross: $target: $nobj objects for $nsrc files of src/" >&2
    failed=$((failed + 1))
    continue
  fi
  echo "cross: $target: ok: $nobj src/ files, $nsamples sample files," \
    "libuv $(basename "$libuv_src" | sed 's/^libuv1-//'), $(basename "$exe")" \
    "linked ($kind), $((SECONDS - t0)) s"
  passed=$((passed + 1))
done

echo "cross: $((SECONDS - start)) s in all"
echo "cross: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
