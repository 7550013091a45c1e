#!/usr/bin/python3
"""100,000 WebSocket connections in one room across several server
processes sharing it over Redis, and broadcasts that must reach all.

    bench/hundred_k.py --bin-dir BUILD/bench                # the full run
    bench/hundred_k.py --bin-dir BUILD/bench --conns 3000   # a small one

As root, run it with the descriptor limit raised to the hard limit
(ulimit -n $(ulimit -Hn)); it raises net.core.netdev_max_backlog to 65536
(loopback drops packets past it when one broadcast writes to thousands of
sockets at once) and refuses to start where a kernel limit is too small
(below).

Starts a redis-server of its own (unix socket, temporary directory),
--servers uvws-bcast-server --redis processes (6 by default, each limited to
--fd-limit descriptors, 20,000), and uvws-bench broadcast with --conns
members spread over the servers' ports by --client-procs processes (each
also under the descriptor limit), one broadcast a second (--rate) for
--duration seconds, one at a time (the next waits until the last reached
everyone). Each server holds conns / servers connections. The client's
connections come from --sources source addresses, 127.0.0.2 and up, 2,500
connections each by default (40 for 100,000). A connection's source port
is picked when it binds its address (libuv binds with SO_REUSEADDR); the
kernel first looks for a port no other socket on that address holds,
among half of net.ipv4.ip_local_port_range (14,116 ports by default),
probing one port after another: at 12,500 connections an address (8
addresses), the search grew with the ports taken and 100,000 connections
took minutes of kernel time to open; at 2,500 it stays short.

Reports: connections opened, broadcasts published, lost deliveries (the
client checks that every member got every broadcast, in order), the time
each broadcast took to reach every member (its slowest member's
publish-to-receive time; median, p99 and max over the broadcasts), the
latency of all deliveries, and server memory per connection (the servers'
summed resident memory while they hold every connection, less what they
held before any, over the connections: the median of the samples, every
0.5 s, at which the servers had the most descriptors open; the peak, which
the clients' simultaneous close at the end raises, is shown too). Every step has a timeout: the run stops
by itself. Linux only (reads /proc).
"""

import argparse
import json
import math
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time


def limit_fds(n):
    def apply():
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = n if hard == resource.RLIM_INFINITY else min(n, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return apply


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def open_fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def start_redis(work):
    sock = os.path.join(work, "redis.sock")
    proc = subprocess.Popen(
        ["redis-server", "--port", "0", "--unixsocket", sock, "--dir", work,
         "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(500):
        r = subprocess.run(["redis-cli", "-s", sock, "PING"],
                           capture_output=True, text=True)
        if r.stdout.strip() == "PONG":
            return proc, sock
        time.sleep(0.02)
    proc.kill()
    raise RuntimeError("redis-server did not start")


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def read_int(path):
    try:
        with open(path) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def tune_system():
    """As root: what a burst of writes to thousands of loopback sockets
    needs. Other settings are only checked (check_system)."""
    if os.geteuid() != 0:
        return
    backlog = read_int("/proc/sys/net/core/netdev_max_backlog")
    if backlog is not None and backlog < 65536:
        subprocess.run(["sysctl", "-qw", "net.core.netdev_max_backlog=65536"],
                       check=False)


def check_system(args):
    """Kernel limits a run of this size would hit: reasons not to start."""
    notes = []
    try:
        lo, hi = map(int, open("/proc/sys/net/ipv4/ip_local_port_range")
                     .read().split())
        per_source = math.ceil((args.conns + 1) / args.sources)
        if per_source * 4 > (hi - lo + 1) // 2:
            notes.append(f"ip_local_port_range {lo}-{hi} is too small for "
                         f"{per_source} connections per source address: "
                         "use more --sources")
    except OSError:
        pass
    track = read_int("/proc/sys/net/netfilter/nf_conntrack_max")
    if track is not None and track < args.conns + 1000:
        notes.append(f"net.netfilter.nf_conntrack_max {track} < "
                     f"{args.conns + 1000}")
    try:
        fmax = int(open("/proc/sys/fs/file-max").read())
        if fmax < 2 * args.conns + 1000:
            notes.append(f"fs.file-max {fmax} < {2 * args.conns + 1000}")
    except OSError:
        pass
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard < args.fd_limit:
        notes.append(f"the hard descriptor limit {hard} is below "
                     f"--fd-limit {args.fd_limit}")
    return notes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--conns", type=int, default=100000)
    ap.add_argument("--servers", type=int, default=6)
    ap.add_argument("--client-procs", type=int)
    ap.add_argument("--sources", type=int,
                    help="client source addresses, 127.0.0.2 and up "
                    "(default: one per 2,500 connections, 8 at least)")
    ap.add_argument("--fd-limit", type=int, default=20000)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--rate", type=float, default=1)
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--json", help="write the results here too")
    args = ap.parse_args()
    if args.sources is None:
        args.sources = max(8, math.ceil((args.conns + 1) / 2500))
    if not 1 <= args.sources <= 250:
        sys.exit("--sources: 1 to 250")
    per_server = math.ceil(args.conns / args.servers)
    if per_server + 100 > args.fd_limit:
        sys.exit(f"{per_server} connections per server do not fit in "
                 f"{args.fd_limit} descriptors: use more --servers")
    procs = args.client_procs or max(1, math.ceil(
        (args.conns + 1) / (args.fd_limit - 1000)))
    if shutil.which("redis-server") is None:
        sys.exit("bench/hundred_k.py: needs redis-server")
    tune_system()
    notes = check_system(args)
    for note in notes:
        print(f"bench/hundred_k.py: {note}", file=sys.stderr)
    if notes:
        sys.exit(2)

    work = tempfile.mkdtemp(prefix="uvws-100k-")
    redis, sock = start_redis(work)
    servers = []
    result = {}
    try:
        for _ in range(args.servers):
            proc = subprocess.Popen(
                [os.path.join(args.bin_dir, "uvws-bcast-server"), "--port",
                 "0", "--redis", "unix:" + sock, "--key", "bench:100k"],
                stdout=subprocess.PIPE, text=True,
                preexec_fn=limit_fds(args.fd_limit))
            line = proc.stdout.readline().strip()
            m = re.fullmatch(r"listening on (ws://.+/)", line)
            if not m:
                raise RuntimeError(f"uvws-bcast-server: {line!r}")
            servers.append((proc, m.group(1)))
        time.sleep(0.2)
        base = sum(rss_kb(p.pid) for p, _ in servers)

        peak = [base]
        samples = []  # (descriptors open, RSS), summed over the servers
        done = threading.Event()

        def sample():
            while not done.wait(0.5):
                each = [rss_kb(p.pid) for p, _ in servers]
                fds = sum(open_fds(p.pid) for p, _ in servers)
                peak[0] = max(peak[0], sum(each))
                samples.append((fds, sum(each), each))
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()

        out = os.path.join(work, "bench.json")
        cmd = [os.path.join(args.bin_dir, "uvws-bench"), "broadcast",
               "-c", str(args.conns), "-s", str(args.size), "-k", "1",
               "--rate", str(args.rate), "-d", str(args.duration),
               "--warmup", "2", "--procs", str(procs),
               "--concurrency", "500", "--drain", "10", "--json", out, "-q"]
        for _, url in servers:
            cmd += ["--url", url]
        for i in range(args.sources):
            cmd += ["--bind", f"127.0.0.{2 + i}"]
        started = time.monotonic()
        r = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=args.duration + 600,
                           preexec_fn=limit_fds(args.fd_limit))
        elapsed = time.monotonic() - started
        done.set()
        sampler.join()
        with open(out) as f:
            res = json.load(f)
        most = max((fds for fds, _, _ in samples), default=0)
        held = sorted((rss, each) for fds, rss, each in samples
                      if fds >= most - 10)
        held_rss, held_each = held[len(held) // 2] if held else (base, [])
        lat = res.get("latency_us", {})
        reach = res.get("reach_all_us", {})
        result = {
            "conns": args.conns, "servers": args.servers,
            "client_procs": procs, "opened": res.get("opened"),
            "failed": res.get("failed"), "published": res.get("published"),
            "deliveries": res.get("messages"), "lost": res.get("lost"),
            "errors": res.get("errors"),
            "broadcasts_timed": reach.get("count", 0),
            "reach_all_ms_p50": reach.get("p50", 0) / 1000,
            "reach_all_ms_p99": reach.get("p99", 0) / 1000,
            "reach_all_ms_max": reach.get("max", 0) / 1000,
            "reach_all_ms_each": [round(x / 1000, 1)
                                  for x in reach.get("each", [])],
            "delivery_ms_p50": lat.get("p50", 0) / 1000,
            "delivery_ms_p99": lat.get("p99", 0) / 1000,
            "delivery_ms_max": lat.get("max", 0) / 1000,
            "server_rss_kb_base": base, "server_rss_kb_held": held_rss,
            "server_rss_kb_held_each": held_each,
            "server_rss_samples_held": len(held),
            "server_bytes_per_conn":
                (held_rss - base) * 1024 / max(1, res.get("opened") or 1),
            "server_rss_kb_peak": peak[0],
            "server_bytes_per_conn_peak":
                (peak[0] - base) * 1024 / max(1, res.get("opened") or 1),
            "sources": args.sources,
            "bench_exit": r.returncode, "elapsed_s": round(elapsed, 1),
        }
        if r.returncode != 0:
            print(r.stdout[-2000:], r.stderr[-2000:], file=sys.stderr)
    finally:
        for proc, _ in servers:
            stop(proc)
        stop(redis)
        shutil.rmtree(work, ignore_errors=True)

    print(json.dumps(result, indent=2))
    if result:
        print(f"{result['opened']} of {args.conns} connections open on "
              f"{args.servers} servers; {result['broadcasts_timed']} "
              "broadcasts timed: reached all in "
              f"{result['reach_all_ms_p50']:.1f} ms (median), "
              f"{result['reach_all_ms_p99']:.1f} ms (p99), "
              f"{result['reach_all_ms_max']:.1f} ms (max); lost "
              f"{result['lost']}; server memory "
              f"{result['server_bytes_per_conn']:.0f} bytes per connection")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    ok = (result.get("bench_exit") == 0 and not result.get("lost") and
          (result.get("opened") or 0) >= args.conns and
          result.get("broadcasts_timed", 0) > 0)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
