#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ with clang (ASan + UBSan) and runs
# each for a bounded time, starting from the seed corpora in fuzz/corpus/.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#   (default: 20 s; conn handshake utf8 chat, chat being the chat sample's
#   JSON reader and request-target parser)
#
# Crashes are written to build-fuzz/crashes/; make each one a regression
# test. New inputs found go to a scratch copy, not to fuzz/corpus/.
set -euo pipefail

cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(conn handshake utf8 chat)

out=build-fuzz
mkdir -p "$out/crashes"
cflags=(-g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined
        -fno-sanitize-recover=all -Iinclude -Isrc -I/usr/share/include/llhttp)
if [ ! -f "$out/llhttp.o.stamp" ]; then
  for f in /usr/share/llhttp/*.c; do
    clang -g -O1 -fsanitize=address,undefined -I/usr/share/include/llhttp \
      -w -c "$f" -o "$out/llhttp-$(basename "$f" .c).o"
  done
  touch "$out/llhttp.o.stamp"
fi
for t in "${targets[@]}"; do
  echo "== fuzz_$t: building"
  if [ "$t" = chat ]; then
    sources=(samples/chat/json.c samples/chat/mem.c samples/chat/target.c
             samples/chat/utf8.c)
    clang "${cflags[@]}" -Isamples/chat "fuzz/fuzz_$t.c" "${sources[@]}" \
      -o "$out/fuzz_$t"
  else
    clang "${cflags[@]}" "fuzz/fuzz_$t.c" src/*.c "$out"/llhttp-*.o \
      -luv -lwslay -o "$out/fuzz_$t"
  fi
  rm -rf "$out/corpus-$t"
  cp -r "fuzz/corpus/$t" "$out/corpus-$t"
  echo "== fuzz_$t: running for ${seconds}s"
  "$out/fuzz_$t" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$out/crashes/$t-" \
    -print_final_stats=1 "$out/corpus-$t" 2>&1 | tail -n 12
done
