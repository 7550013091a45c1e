#!/usr/bin/env bash
# permessage-deflate, side by side in one run (issue 13's targets):
#   echo    4 KiB of JSON-like text, 100 connections, one in flight each:
#           server CPU per message of uvws-echo (deflate, no context
#           takeover) against Node's ws with perMessageDeflate (its
#           defaults), and uvws-echo --no-deflate;
#   bcast   a 1 KiB JSON-like message to MEMBERS members (10,000), 16 in
#           flight: deliveries per second of uvws-bcast-server --deflate 1
#           (every member on deflate without context takeover) against
#           --deflate 0, and the server's deflate calls per broadcast. The
#           members (uvws-bench --no-inflate, over PROCS processes, 2)
#           are the same in both: they offer deflate, count compressed
#           messages without inflating them (one in 1000 is inflated and
#           checked), so that the client is not what is measured.
# Each server runs once per round, in an order that rotates. Expects a
# build with the samples and the benchmark (BUILD, default build-bench/,
# as bench/run.sh makes it) and Node's ws in bench/peers/node/ (for echo).
#
#   bench/deflate.sh [ROUNDS [SECONDS]]     (3 rounds of 5 s)
#   ONLY=bcast bench/deflate.sh 5 5         the broadcast only
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
build=${BUILD:-$root/build-bench}
rounds=${1:-3}
seconds=${2:-5}
members=${MEMBERS:-10000}
procs=${PROCS:-2}
only=${ONLY:-echo,bcast}
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
case ,$only, in *,echo,*) ;; *) echo_servers=() ;; esac
case ,$only, in *,bcast,*) ;; *) bcast_servers=() ;; esac
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
    deflate=0
    [ "$s" = deflate ] && deflate=1
    start_server "bcast-$s" "$build/bench/uvws-bcast-server" --port 0 \
      --deflate "$deflate"
    "$build/bench/uvws-bench" broadcast -q --url "$url" -c "$members" \
      -s 1024 --payload json --no-inflate -k 16 -d "$seconds" --warmup 1 \
      --procs "$procs" --concurrency 500 --server-pid "$pid" \
      --json "$out/bcast-$s-$r.json" >/dev/null || true
    stop_server
    # "broadcasts B compressed C", printed as the server stops.
    calls=$(sed -n 's/^broadcasts \([0-9]*\) compressed \([0-9]*\)$/\1 \2/p' \
      "$out/bcast-$s.out")
    printf 'round %d broadcast %-7s %10s deliveries/s  %8s us CPU/delivery' \
      "$r" "$s" "$(field "$out/bcast-$s-$r.json" rate_per_s)" \
      "$(field "$out/bcast-$s-$r.json" server_cpu_us_per_msg)"
    printf '  %s compressed of %s delivered, deflate calls %s for %s broadcasts\n' \
      "$(field "$out/bcast-$s-$r.json" compressed)" \
      "$(field "$out/bcast-$s-$r.json" total_messages)" \
      "${calls#* }" "${calls% *}"
  done
done
[ ${#bcast_servers[@]} -eq 0 ] && exit 0
# Medians over the rounds, and the ratio of each round's pair.
/usr/bin/python3 - "$out" "$rounds" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def get(s, r, k):
    try:
        d = json.load(open(f"{out}/bcast-{s}-{r}.json"))
        return d[k] if d.get("ok") else None
    except (OSError, ValueError, KeyError):
        return None
ratios = []
for r in range(1, rounds + 1):
    a, b = get("deflate", r, "rate_per_s"), get("plain", r, "rate_per_s")
    if a and b:
        ratios.append(a / b)
if ratios:
    print("broadcast deliveries/s, deflate / plain, per round: " +
          " ".join(f"{x:.3f}" for x in ratios) +
          f"; median {statistics.median(ratios):.3f}")
PY
