#!/usr/bin/python3
"""Cross-node broadcast over Redis against one node alone.

    bench/redis.py --bin-dir BUILD/bench [--members 2000] [--rounds 3]
                   [--duration 5] [--size 100] [--inflight 16] [--json FILE]

For each round, two scenarios with the same members and publisher
(uvws-bench broadcast; its first connection publishes, every member checks
order and publish-to-receive latency):
  one   one uvws-bcast-server holds every member
  two   two uvws-bcast-server --redis share the room through a redis-server
        (on a unix socket of its own); members alternate between them, so
        half of each broadcast crosses Redis (one XADD per broadcast, one
        XREAD entry per node, not per member)
Prints deliveries/s and latency p50/p99 per scenario and round, and the
medians side by side. Needs redis-server, and uvws-bcast-server built with
uvws_redis (hiredis). The machine's noise shows in the rounds: compare
ratios, not absolute numbers.
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time


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


def start_server(bin_dir, extra):
    proc = subprocess.Popen(
        [os.path.join(bin_dir, "uvws-bcast-server"), "--port", "0", *extra],
        stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    m = re.fullmatch(r"listening on (ws://.+/)", line)
    if not m:
        proc.kill()
        raise RuntimeError(f"uvws-bcast-server: {line!r}")
    return proc, m.group(1)


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_bench(args, urls, work, tag):
    out = os.path.join(work, f"{tag}.json")
    cmd = [os.path.join(args.bin_dir, "uvws-bench"), "broadcast",
           "-c", str(args.members), "-s", str(args.size),
           "-k", str(args.inflight), "-d", str(args.duration),
           "--warmup", "1", "--json", out, "-q"]
    for url in urls:
        cmd += ["--url", url]
    r = subprocess.run(cmd, capture_output=True, text=True,
                       timeout=args.duration + 120)
    with open(out) as f:
        res = json.load(f)
    res["exit"] = r.returncode
    return res


def scenario(args, work, tag, nodes, redis_sock, key):
    servers = []
    try:
        for _ in range(nodes):
            extra = []
            if nodes > 1:
                extra = ["--redis", "unix:" + redis_sock, "--key", key]
            servers.append(start_server(args.bin_dir, extra))
        return run_bench(args, [url for _, url in servers], work, tag)
    finally:
        for proc, _ in servers:
            stop(proc)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--members", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=float, default=5)
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--inflight", type=int, default=16)
    ap.add_argument("--json", help="write the rounds and medians here too")
    args = ap.parse_args()
    if shutil.which("redis-server") is None:
        sys.exit("bench/redis.py: needs redis-server")
    work = tempfile.mkdtemp(prefix="uvws-bench-redis-")
    redis, sock = start_redis(work)
    rows = {"one": [], "two": []}
    try:
        for rnd in range(args.rounds):
            for tag, nodes in (("one", 1), ("two", 2)):
                res = scenario(args, work, f"{tag}-r{rnd}", nodes, sock,
                               f"bench:r{rnd}")
                lat = res.get("latency_us", {})
                row = (res.get("rate_per_s", 0), lat.get("p50", 0),
                       lat.get("p99", 0), res.get("lost", 0),
                       res.get("errors", 0), res.get("exit"))
                rows[tag].append(row)
                print(f"round {rnd + 1} {tag}: {row[0]:.0f} deliveries/s, "
                      f"p50 {row[1]:.0f} us, p99 {row[2]:.0f} us, "
                      f"lost {row[3]}, errors {row[4]}, exit {row[5]}",
                      flush=True)
    finally:
        stop(redis)
        shutil.rmtree(work, ignore_errors=True)

    def med(tag, i):
        return statistics.median(r[i] for r in rows[tag])

    print(f"\n{args.members} members, {args.size}-byte messages, "
          f"{args.inflight} outstanding, {args.rounds} rounds of "
          f"{args.duration:g} s (medians)")
    print("| | one node | two nodes + Redis | ratio |")
    print("|---|---|---|---|")
    for name, i in (("deliveries/s", 0), ("latency p50 (us)", 1),
                    ("latency p99 (us)", 2)):
        a, b = med("one", i), med("two", i)
        print(f"| {name} | {a:.0f} | {b:.0f} | "
              f"{(b / a if a else float('nan')):.2f} |")
    bad = any(r[3] or r[4] or r[5] for tag in rows for r in rows[tag])
    if args.json:
        names = ("rate_per_s", "p50_us", "p99_us", "lost", "errors", "exit")
        with open(args.json, "w") as f:
            json.dump({"members": args.members, "size": args.size,
                       "inflight": args.inflight, "rounds": args.rounds,
                       "duration": args.duration,
                       "runs": {tag: [dict(zip(names, r)) for r in rs]
                                for tag, rs in rows.items()},
                       "median": {tag: {n: med(tag, i) for i, n in
                                        enumerate(names[:3])}
                                  for tag in rows},
                       "ok": not bad}, f, indent=1)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
