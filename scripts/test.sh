#!/usr/bin/env bash
# Builds uvws and runs every test twice: an optimized build with -Werror in
# build/, then a debug build with ASan and UBSan in build-asan/; the tests
# of what loops on several threads share run a third time under TSan, in
# build-tsan/. In between, cross builds for Windows and macOS
# (scripts/cross.sh), a short fuzz run, and the Debian packages built,
# linted, installed, used and purged (scripts/debian.sh).
#
#   --no-setup     do not install packages (scripts/setup.sh)
#   --no-sanitize  skip the ASan/UBSan and TSan builds
#   --no-fuzz      skip the short fuzzing run (scripts/fuzz.sh, 20 s a target)
#   --no-cross     skip the Windows and macOS cross builds (scripts/cross.sh)
#   --no-debian    skip the Debian packages (scripts/debian.sh)
set -euo pipefail

setup=1
sanitize=1
fuzz=1
cross=1
debian=1
for arg in "$@"; do
  case "$arg" in
    --no-setup) setup=0 ;;
    --no-sanitize) sanitize=0 ;;
    --no-fuzz) fuzz=0 ;;
    --no-cross) cross=0 ;;
    --no-debian) debian=0 ;;
    -h|--help)
      sed -n '2,13s/^# \{0,1\}//p' "$0"
      exit 0
      ;;
    *)
      echo "test.sh: unknown option: $arg" >&2
      exit 2
      ;;
  esac
done

cd "$(dirname "$0")/.."
# CMakeLists.txt, include/uvws.h and debian/changelog name one version.
bash scripts/bump-version.sh --check
if [ "$setup" -eq 1 ]; then
  bash scripts/setup.sh
fi

jobs=$(nproc 2>/dev/null || echo 2)

echo "== build/: RelWithDebInfo, -Werror, static and shared"
# The shared library is built for the test "exports" (only ws_ symbols) and
# for the consumer projects, which install this build (test/consumers/).
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DUVWS_WERROR=ON \
  -DUVWS_BUILD_SHARED=ON
cmake --build build -j "$jobs"
(cd build && ctest --output-on-failure -j2)

if [ "$cross" -eq 1 ]; then
  echo "== build-cross/: Windows (MinGW-w64) and macOS (zig cc) builds"
  cross_args=()
  [ "$setup" -eq 1 ] || cross_args+=(--no-setup)
  bash scripts/cross.sh "${cross_args[@]}"
fi

if [ "$fuzz" -eq 1 ]; then
  echo "== build-fuzz/: libFuzzer targets, 20 s each"
  bash scripts/fuzz.sh 20
fi

if [ "$debian" -eq 1 ]; then
  echo "== Debian packages: built, linted, installed, used, purged"
  debian_args=()
  [ "$setup" -eq 1 ] || debian_args+=(--no-setup)
  bash scripts/debian.sh "${debian_args[@]}"
fi

if [ "$sanitize" -eq 0 ]; then
  exit 0
fi

# Prefer clang (a second compiler's warnings, and its sanitizers), if it
# can build and run a sanitized program here; otherwise gcc.
probe_dir=$(mktemp -d)
trap 'rm -rf "$probe_dir"' EXIT
printf 'int main(void) { return 0; }\n' > "$probe_dir/probe.c"
asan_cc=
for cc in clang gcc cc; do
  if command -v "$cc" >/dev/null 2>&1 &&
     "$cc" -fsanitize=address,undefined "$probe_dir/probe.c" \
       -o "$probe_dir/probe" >/dev/null 2>&1 &&
     "$probe_dir/probe"; then
    asan_cc=$cc
    break
  fi
done
if [ -z "$asan_cc" ]; then
  echo "test.sh: no compiler here can build with -fsanitize=address" >&2
  exit 1
fi

echo "== build-asan/: Debug, ASan+UBSan with $asan_cc, -Werror"
# CC only counts when build-asan/ is configured for the first time.
CC=$asan_cc cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug \
  -DUVWS_SANITIZE=ON -DUVWS_WERROR=ON
cmake --build build-asan -j "$jobs"
(
  cd build-asan
  export ASAN_OPTIONS=detect_leaks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  ctest --output-on-failure -j2
)

echo "== build-tsan/: Debug, TSan with $asan_cc, the threads tests"
# With the samples: the chat on two loops is among the threads tests.
CC=$asan_cc cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug \
  -DUVWS_SANITIZE_THREAD=ON -DUVWS_WERROR=ON -DUVWS_BUILD_SAMPLES=ON \
  -DUVWS_BUILD_BENCH=OFF
cmake --build build-tsan -j "$jobs"
(cd build-tsan && ctest --output-on-failure -j2 -L threads)
