#!/usr/bin/python3
"""100,000 WebSocket connections in one room across several server
processes sharing it over Redis, and broadcasts that must reach all.

    bench/hundred_k.py --bin-dir BUILD/bench                # the full run
    bench/hundred_k.py --bin-dir BUILD/bench --conns 3000   # a small one

Starts a redis-server of its own (unix socket, temporary directory),
--servers uvws-bcast-server --redis processes (6 by default, each limited to
--fd-limit descriptors, 20,000), and uvws-bench broadcast with --conns
members spread over the servers' ports by --client-procs processes (each
also under the descriptor limit), one broadcast a second (--rate) for
--duration seconds. Each server holds conns / servers connections; with 6
destination ports the loopback's ephemeral ports suffice without extra
127.0.0.x source addresses.

Reports: connections opened, broadcasts published, lost deliveries (the
client checks that every member got every broadcast, in order), the time
for one broadcast to reach every member (latency max and p99 over all
deliveries), and server memory per connection (the servers' summed
resident memory at the peak, less what they held before any connection,
over the connections). Every step has a timeout: the run stops by itself.
Linux only (reads /proc).
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


def check_system(args):
    """Warnings about kernel limits a full run would hit."""
    notes = []
    try:
        lo, hi = map(int, open("/proc/sys/net/ipv4/ip_local_port_range")
                     .read().split())
        per_port = math.ceil(args.conns / args.servers)
        if hi - lo + 1 < per_port:
            notes.append(f"ip_local_port_range {lo}-{hi} is smaller than "
                         f"{per_port} connections per server port")
    except OSError:
        pass
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
    ap.add_argument("--fd-limit", type=int, default=20000)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--rate", type=float, default=1)
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--json", help="write the results here too")
    args = ap.parse_args()
    per_server = math.ceil(args.conns / args.servers)
    if per_server + 100 > args.fd_limit:
        sys.exit(f"{per_server} connections per server do not fit in "
                 f"{args.fd_limit} descriptors: use more --servers")
    procs = args.client_procs or max(1, math.ceil(
        (args.conns + 1) / (args.fd_limit - 1000)))
    if shutil.which("redis-server") is None:
        sys.exit("bench/hundred_k.py: needs redis-server")
    for note in check_system(args):
        print(f"warning: {note}", file=sys.stderr)

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
        done = threading.Event()

        def sample():
            while not done.wait(0.5):
                peak[0] = max(peak[0],
                              sum(rss_kb(p.pid) for p, _ in servers))
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
        started = time.monotonic()
        r = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=args.duration + 600,
                           preexec_fn=limit_fds(args.fd_limit))
        elapsed = time.monotonic() - started
        done.set()
        sampler.join()
        with open(out) as f:
            res = json.load(f)
        lat = res.get("latency_us", {})
        result = {
            "conns": args.conns, "servers": args.servers,
            "client_procs": procs, "opened": res.get("opened"),
            "failed": res.get("failed"), "published": res.get("published"),
            "deliveries": res.get("messages"), "lost": res.get("lost"),
            "errors": res.get("errors"),
            "reach_all_ms_max": lat.get("max", 0) / 1000,
            "reach_ms_p99": lat.get("p99", 0) / 1000,
            "reach_ms_p50": lat.get("p50", 0) / 1000,
            "server_rss_kb_base": base, "server_rss_kb_peak": peak[0],
            "server_bytes_per_conn":
                (peak[0] - base) * 1024 / max(1, res.get("opened") or 1),
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
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    ok = (result.get("bench_exit") == 0 and not result.get("lost") and
          (result.get("opened") or 0) >= args.conns)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
