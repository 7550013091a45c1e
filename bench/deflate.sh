#!/usr/bin/env bash
# permessage-deflate, side by side in one run (issue 13's targets):
#   echo    4 KiB of JSON-like text, 100 connections, one in flight each:
#           server CPU per message of uvws-echo (deflate, no context
#           takeover) against Node's ws with perMessageDeflate (its
#           defaults), and uvws-echo --no-deflate;
#   bcast   a 1 KiB JSON-like message to MEMBERS members (10,000), 16 in
#           flight: deliveries per second of uvws-bcast-server with every
#           member on deflate against the same without it.
# Each server runs once per round, in an order that rotates. Expects a
# build with the samples and the benchmark (BUILD, default build-bench/,
# as bench/run.sh makes it) and Node's ws in bench/peers/node/.
#
#   bench/deflate.sh [ROUNDS [SECONDS]]     (3 rounds of 5 s)
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
build=${BUILD:-$root/build-bench}
rounds=${1:-3}
seconds=${2:-5}
members=${MEMBERS:-10000}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

start_server() { # name, command...: sets pid and url
  local name=$1
  shift
  "$@" >"$out/$name.out" 2>"$out/$name.err" &
  pid=$!
  for _ in $(seq 100); do
    url=$(sed -n 's#^listening on \(ws://[^ ]*\)$#\1#p' "$out/$name.out")
    [ -n "$url" ] && return 0
    sleep 0.1
  done
  echo "deflate.sh: $name did not start" >&2
  exit 1
}

stop_server() {
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Prints one number from uvws-bench's JSON results.
field() {
  /usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1]));
print(r.get(sys.argv[2], "nan") if r.get("ok") else "failed")' "$1" "$2"
}

echo_servers=(uvws-deflate node-deflate uvws-plain)
bcast_servers=(deflate plain)
for r in $(seq "$rounds"); do
  n=${#echo_servers[@]}
  for i in $(seq 0 $((n - 1))); do
    s=${echo_servers[$(((i + r) % n))]}
    case $s in
      uvws-deflate) start_server "$s" "$build/samples/echo/uvws-echo" \
                      --port 0 ;;
      uvws-plain) start_server "$s" "$build/samples/echo/uvws-echo" \
                    --port 0 --no-deflate ;;
      node-deflate) start_server "$s" node bench/peers/node/server.mjs 0 \
                      127.0.0.1 deflate ;;
    esac
    "$build/bench/uvws-bench" echo -q --url "$url" -c 100 -s 4096 \
      --opcode text --payload json --deflate -k 1 -d "$seconds" \
      --warmup 1 --server-pid "$pid" --json "$out/echo-$s-$r.json" \
      >/dev/null || true
    stop_server
    printf 'round %d echo %-13s %8s us CPU/msg  %8s msgs/s\n' "$r" "$s" \
      "$(field "$out/echo-$s-$r.json" server_cpu_us_per_msg)" \
      "$(field "$out/echo-$s-$r.json" rate_per_s)"
  done
  n=${#bcast_servers[@]}
  for i in $(seq 0 $((n - 1))); do
    s=${bcast_servers[$(((i + r) % n))]}
    flag=()
    deflate=0
    if [ "$s" = deflate ]; then
      flag=(--deflate)
      deflate=1
    fi
    start_server "bcast-$s" "$build/bench/uvws-bcast-server" --port 0 \
      --deflate "$deflate"
    "$build/bench/uvws-bench" broadcast -q --url "$url" -c "$members" \
      -s 1024 --payload json "${flag[@]}" -k 16 -d "$seconds" --warmup 1 \
      --concurrency 500 --server-pid "$pid" \
      --json "$out/bcast-$s-$r.json" >/dev/null || true
    stop_server
    printf 'round %d broadcast %-7s %10s deliveries/s  %8s us CPU/delivery\n' \
      "$r" "$s" "$(field "$out/bcast-$s-$r.json" rate_per_s)" \
      "$(field "$out/bcast-$s-$r.json" server_cpu_us_per_msg)"
  done
done
