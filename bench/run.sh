#!/usr/bin/env bash
# Runs uvws's benchmark on this machine and writes bench/RESULTS.md and the
# plots in bench/. One command on a fresh Debian 12 machine (as root):
#
#   bench/run.sh            the full run for the report (about 30 minutes)
#   bench/run.sh --quick    one short round of a few scenarios (under 2
#                           minutes); the report goes to a temporary folder
#
# It installs what it needs (Debian packages and Node's ws), builds uvws,
# uvws-bench, the broadcast server, uvws-bytes (unmasking and UTF-8
# validation against memcpy), the raw libuv floors and the Go peers
# (offline, from Debian's Go packages), raises net.core.netdev_max_backlog
# (loopback drops packets past it when one write burst reaches thousands of
# sockets, and then TCP retransmits after 200 ms), and starts
# bench/driver.py. Other options go to the driver (--rounds N,
# --duration S, --only echo,syscalls,broadcast,memory,connect,bytes, ...).
#
#   bench/run.sh --only redis,hundred_k
#                           the Redis passes, not run by default: cross-node
#                           broadcast (bench/redis.py: two nodes + Redis
#                           against one, deliveries/s and latency p50/p99)
#                           and the 100,000-connection run
#                           (bench/hundred_k.py; --hundred-k-conns N for a
#                           smaller one); they install redis-server and
#                           libhiredis-dev (uvws-bcast-server --redis)
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
build="$root/build-bench"

packages=(build-essential cmake pkg-config libuv1-dev libwslay-dev
  node-llhttp python3 golang-go golang-golang-x-net-dev
  golang-github-gorilla-websocket-dev gnuplot-nox strace util-linux procps)
# The Redis passes (--only ...,redis or hundred_k) need Redis and hiredis.
for arg in "$@"; do
  case "$arg" in
    *redis*|*hundred_k*) packages+=(redis-server libhiredis-dev) ;;
  esac
done
# Node may come from elsewhere than Debian (whose npm conflicts with it).
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "run.sh: missing packages (run as root): ${missing[*]}" >&2
    exit 1
  fi
  echo "run.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >&2
  apt-get install -y --no-install-recommends "${missing[@]}" >&2
fi

# Node's ws, at the version in package-lock.json.
if [ ! -d bench/peers/node/node_modules/ws ]; then
  (cd bench/peers/node && npm ci --no-audit --no-fund >&2)
fi

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DUVWS_BUILD_SAMPLES=ON -DUVWS_BUILD_BENCH=ON >&2
cmake --build "$build" -j "$jobs" --target uvws-echo uvws-bench \
  uvws-bcast-server raw-echo raw-bcast uvws-bytes >&2

# The Go peers, offline, from Debian's source packages.
mkdir -p "$build/go"
for peer in go-article go-gorilla; do
  GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS= \
    GOCACHE="$build/go/cache" \
    go build -o "$build/go/$peer" "./bench/peers/$peer" >&2
done

if [ "$(id -u)" -eq 0 ]; then
  backlog=$(sysctl -n net.core.netdev_max_backlog)
  if [ "$backlog" -lt 65536 ]; then
    echo "run.sh: net.core.netdev_max_backlog $backlog -> 65536" >&2
    sysctl -qw net.core.netdev_max_backlog=65536
  fi
else
  echo "run.sh: not root: netdev_max_backlog left as it is" >&2
fi
ulimit -n "$(ulimit -Hn)"

exec /usr/bin/python3 bench/driver.py --bin-dir "$build" \
  --go-dir "$build/go" --command "bench/run.sh${*:+ $*}" "$@"
