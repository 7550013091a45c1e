#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ with clang, ASan and UBSan (CMake,
# UVWS_BUILD_FUZZ=ON, in build-fuzz/) and runs each for a bounded time,
# starting from its seed corpus in fuzz/corpus/.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#   (default: 20 s each; every fuzz/fuzz_*.c: chat, conn, handshake,
#   inflate, utf8; chat being the chat sample's JSON reader and
#   request-target parser, inflate permessage-deflate's inflate path)
#
# Crashes are written to build-fuzz/crashes/; make each one a regression
# test. New inputs found go to a scratch copy, not to fuzz/corpus/.
set -euo pipefail

cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true
case "$seconds" in
  ''|*[!0-9]*)
    echo "fuzz.sh: SECONDS must be a number, not '$seconds'" >&2
    exit 2
    ;;
esac
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for source in fuzz/fuzz_*.c; do
    name=$(basename "$source" .c)
    targets+=("${name#fuzz_}")
  done
fi

out=build-fuzz
# CC only counts when build-fuzz/ is configured for the first time.
CC=${CC:-clang} cmake -S . -B "$out" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_FLAGS_DEBUG="-g -O1" -DUVWS_BUILD_FUZZ=ON -DUVWS_WERROR=ON \
  -DUVWS_BUILD_TESTS=OFF -DUVWS_BUILD_SAMPLES=OFF -DUVWS_BUILD_BENCH=OFF \
  -DUVWS_INSTALL=OFF >/dev/null
build_targets=()
for t in "${targets[@]}"; do
  build_targets+=("fuzz_$t")
done
echo "== fuzz: building ${build_targets[*]}"
cmake --build "$out" -j "$(nproc 2>/dev/null || echo 2)" \
  --target "${build_targets[@]}" >/dev/null

mkdir -p "$out/crashes"
for t in "${targets[@]}"; do
  rm -rf "$out/corpus-$t"
  cp -r "fuzz/corpus/$t" "$out/corpus-$t"
  echo "== fuzz_$t: running for ${seconds}s"
  "$out/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$out/crashes/$t-" \
    -print_final_stats=1 "$out/corpus-$t" 2>&1 | tail -n 12
done
