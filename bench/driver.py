#!/usr/bin/python3
"""Runs uvws's benchmark scenarios side by side and writes bench/RESULTS.md.

Started by bench/run.sh, which installs the packages and builds the
programs; see there. Every server runs pinned to CPU 0 and every client to
CPU 1 (taskset). In each round the servers take turns, in an order that
rotates from round to round, so that a noisy neighbour hits them alike.
The figure that stays steady on a noisy machine is the server's CPU time
per message, read from /proc/PID/stat by uvws-bench over the measured
window; ratios are taken per round (side by side) and summarized by their
median and range.

With --compare-bin-dir DIR, the uvws servers built in DIR (another build
of uvws, for instance an older commit's) run as one more server in the
same rounds, named uvws-LABEL and uvws-bcast-LABEL (--compare-label, by
default "before"), and the report gains a section of per-round ratios:
this build ÷ that one, and each ÷ the raw floor.

With --loops N, uvws's echo and broadcast servers also run on N loops (one
thread each: uvws-echo --threads N, uvws-bcast-server --loops N, whose room
is then a shared room), as uvws-loopsN and uvws-bcast-loopsN, pinned to N
CPUs other than the client's where the machine has them (else to CPU 0 with
the one-loop servers). On a machine with few cores that shows the cost of
the multi-loop machinery per message; on a bigger one, the scaling.
"""

import argparse
import json
import math
import os
import platform
import random
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HOST = "127.0.0.1"
SERVER_CPU = "0"
CLIENT_CPU = "1"
ORIGIN = "http://127.0.0.1/"


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def threads_flag(spec, n):
    """["--threads", n] if the echo server takes --threads, else []."""
    try:
        r = subprocess.run([spec["cmd"][0], "--help"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True, timeout=10)
    except OSError:
        return []
    return ["--threads", str(n)] if "--threads" in r.stdout else []


class Env:
    def __init__(self, args):
        self.bin = args.bin_dir
        self.compare = None
        self.bench = os.path.join(self.bin, "bench", "uvws-bench")
        self.work = tempfile.mkdtemp(prefix="uvws-bench-")
        self.servers = {
            "uvws": {"cmd": [os.path.join(self.bin, "samples", "echo",
                                          "uvws-echo"), "--host", "{host}",
                             "--port", "0"]},
            "raw": {"cmd": [os.path.join(self.bin, "bench", "raw-echo"),
                            "0", "{host}"], "raw": True},
            "go-article": {"cmd": [os.path.join(args.go_dir, "go-article"),
                                   "{host}:0"],
                           "client": ["--origin", ORIGIN, "--any-opcode"]},
            "gorilla": {"cmd": [os.path.join(args.go_dir, "go-gorilla"),
                                "{host}:0"]},
            "node": {"cmd": ["node", os.path.join(HERE, "peers", "node",
                                                  "server.mjs"),
                             "0", "{host}"]},
            # Over TLS (the tls pass): certificates from make_certs().
            "uvws-tls": {"cmd": [os.path.join(self.bin, "samples", "echo",
                                              "uvws-echo"), "--host",
                                 "{host}", "--port", "0", "--tls-cert",
                                 "{cert}", "--tls-key", "{key}"],
                         "client": ["--tls-ca", "{ca}"]},
            "node-tls": {"cmd": ["node", os.path.join(HERE, "peers", "node",
                                                      "server.mjs"),
                                 "0", "{host}", "{cert}", "{key}"],
                         "client": ["--tls-ca", "{ca}"]},
            "go-article-tls": {"cmd": [os.path.join(args.go_dir,
                                                    "go-article"),
                                       "{host}:0", "{cert}", "{key}"],
                               "client": ["--origin", ORIGIN, "--any-opcode",
                                          "--tls-ca", "{ca}"]},
            "uvws-bcast": {"cmd": [os.path.join(self.bin, "bench",
                                                "uvws-bcast-server"),
                                   "--host", "{host}", "--port", "0"]},
            "raw-bcast": {"cmd": [os.path.join(self.bin, "bench",
                                               "raw-bcast"), "0", "{host}"],
                          "raw": True},
        }
        # uvws-echo serves on one loop per core unless told: the baseline
        # is one loop (an older build has no --threads, and one loop).
        self.servers["uvws"]["cmd"] += threads_flag(self.servers["uvws"], 1)
        echo = list(ECHO_SERVERS)
        bcast = ["uvws-bcast", "raw-bcast"]
        if args.loops > 1:
            # The same servers on N loops, next to the one-loop ones: on
            # CPUs of their own where the machine has them.
            cpus = [c for c in range(os.cpu_count() or 1)
                    if str(c) != CLIENT_CPU][:args.loops] or [int(SERVER_CPU)]
            cpus = ",".join(str(c) for c in cpus)
            n = args.loops
            self.servers[f"uvws-loops{n}"] = {
                "cmd": self.servers["uvws"]["cmd"][:-2] +
                ["--threads", str(n)], "cpus": cpus}
            self.servers[f"uvws-bcast-loops{n}"] = {
                "cmd": self.servers["uvws-bcast"]["cmd"] +
                ["--loops", str(n)], "cpus": cpus}
            echo.insert(1, f"uvws-loops{n}")
            bcast.insert(1, f"uvws-bcast-loops{n}")
        if args.compare_bin_dir:
            # The other build's servers, next to ours in every round.
            label = args.compare_label
            self.compare = {"label": label, "echo": f"uvws-{label}",
                            "bcast": f"uvws-bcast-{label}",
                            "bin": args.compare_bin_dir}
            self.servers[self.compare["echo"]] = {"cmd": [
                os.path.join(args.compare_bin_dir, "samples", "echo",
                             "uvws-echo"), "--host", "{host}", "--port", "0"]}
            self.servers[self.compare["echo"]]["cmd"] += threads_flag(
                self.servers[self.compare["echo"]], 1)
            self.servers[self.compare["bcast"]] = {"cmd": [
                os.path.join(args.compare_bin_dir, "bench",
                             "uvws-bcast-server"),
                "--host", "{host}", "--port", "0"]}
            echo = ["uvws", self.compare["echo"], "raw"]
            bcast = ["uvws-bcast", self.compare["bcast"], "raw-bcast"]
        if args.servers:
            echo = args.servers.split(",")
            if self.compare and self.compare["echo"] not in echo:
                echo.insert(1, self.compare["echo"])
            if args.loops > 1 and f"uvws-loops{args.loops}" not in echo:
                echo.insert(1, f"uvws-loops{args.loops}")
        missing = [n for n, s in self.servers.items()
                   if not os.path.exists(s["cmd"][0]) and s["cmd"][0] != "node"]
        for n in missing:
            if n in echo or n in bcast:
                log(f"server {n} is missing ({self.servers[n]['cmd'][0]}): "
                    "skipped")
            del self.servers[n]
        for n in echo:
            if n not in self.servers and n not in missing:
                sys.exit(f"driver.py: no server named {n}")
        if self.compare and (self.compare["echo"] not in self.servers or
                             self.compare["bcast"] not in self.servers):
            sys.exit(f"driver.py: no uvws-echo or uvws-bcast-server in "
                     f"{args.compare_bin_dir}")
        # The servers each pass runs, in the order of the report's columns.
        self.echo_servers = [s for s in echo if s in self.servers]
        self.bcast_servers = [s for s in bcast if s in self.servers]
        self.tls_servers = [s for s in TLS_SERVERS if s in self.servers]
        self.make_certs()

    def make_certs(self):
        """A throwaway CA and certificate for the TLS servers, put in their
        command lines and their clients'."""
        d = os.path.join(self.work, "cert")
        try:
            subprocess.run([os.path.join(HERE, "..", "scripts",
                                         "make-test-cert.sh"), d,
                            # the memory pass spreads over 127.0.0.1-4
                            "DNS:localhost,IP:127.0.0.1,IP:127.0.0.2,"
                            "IP:127.0.0.3,IP:127.0.0.4"],
                           check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        except (OSError, subprocess.CalledProcessError):
            self.tls_servers = []
            return
        files = {"{cert}": os.path.join(d, "cert.pem"),
                 "{key}": os.path.join(d, "key.pem"),
                 "{ca}": os.path.join(d, "ca.pem")}
        for spec in self.servers.values():
            for k in ("cmd", "client"):
                spec[k] = [files.get(a, a) for a in spec.get(k, [])]


class Server:
    """A server process pinned to CPU 0, optionally under strace -c -f."""

    def __init__(self, env, name, host=HOST, strace=None):
        spec = env.servers[name]
        self.name = name
        cmd = [a.replace("{host}", host) for a in spec["cmd"]]
        self.out = os.path.join(env.work, f"{name}.out")
        pre = ["taskset", "-c", spec.get("cpus", SERVER_CPU)]
        if strace:
            pre += ["strace", "-c", "-f", "-o", strace, "--"]
        self.strace = strace
        with open(self.out, "w") as out:
            self.proc = subprocess.Popen(pre + cmd, stdout=out,
                                         stderr=subprocess.DEVNULL,
                                         stdin=subprocess.DEVNULL)
        self.url = None
        deadline = time.time() + 20
        while time.time() < deadline:
            with open(self.out) as f:
                m = re.search(r"listening on (wss?://\S+/)", f.read())
            if m:
                self.url = m.group(1)
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if self.url is None:
            self.stop()
            raise RuntimeError(f"{name} did not start")
        self.port = int(self.url.rsplit(":", 1)[1].rstrip("/"))
        self.pid = self.target_pid()

    def target_pid(self):
        if not self.strace:
            return self.proc.pid
        # strace's child is the server.
        for _ in range(100):
            try:
                with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/"
                          "children") as f:
                    kids = f.read().split()
                if kids:
                    return int(kids[0])
            except OSError:
                pass
            time.sleep(0.02)
        return self.proc.pid

    def rss_kb(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return -1

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except OSError:
                pass
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.proc.kill()
                self.proc.wait()


def run_client(env, server, mode, args, tag, timeout=300, spec=None):
    """Runs uvws-bench pinned to CPU 1; returns its JSON results."""
    spec = spec or env.servers[server.name]
    out = os.path.join(env.work, f"{tag}.json")
    cmd = ["taskset", "-c", CLIENT_CPU, env.bench, mode, "-q",
           "--url", server.url, "--json", out, "--label", tag]
    if spec.get("raw"):
        cmd.append("--raw")
    cmd += spec.get("client", [])
    cmd += ["--server-pid", str(server.pid)] + [str(a) for a in args]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout, text=True)
    try:
        with open(out) as f:
            res = json.load(f)
    except (OSError, ValueError):
        res = {"ok": False, "first_error": r.stderr[-500:]}
    if not res.get("ok"):
        log(f"  {tag}: errors: {res.get('first_error')!r} "
            f"(exit {r.returncode})")
    return res


# ---- Scenarios ----

ECHO = [
    # name, conns, size, inflight, opcode
    ("20 B, 100 conns", 100, 20, 1, "binary"),
    ("20 B, 1,000 conns", 1000, 20, 1, "binary"),
    ("4 KiB, 100 conns", 100, 4096, 1, "binary"),
    ("4 KiB, 1,000 conns", 1000, 4096, 1, "binary"),
    ("20 B, 100 conns, 16 in flight", 100, 20, 16, "binary"),
    ("4 KiB, 100 conns, 16 in flight", 100, 4096, 16, "binary"),
    # Text, whose every byte the server unmasks and checks (issue 17);
    # uvws-bench's text is printable ASCII.
    ("4 KiB text, 100 conns", 100, 4096, 1, "text"),
    ("4 KiB text, 100 conns, 16 in flight", 100, 4096, 16, "text"),
    ("64 KiB text, 10 conns", 10, 65536, 1, "text"),
    ("64 KiB text, 10 conns, 16 in flight", 10, 65536, 16, "text"),
]
# The rows of issue 5's targets: binary, one message in flight.
ECHO_SINGLE = [e for e in ECHO if e[3] == 1 and e[4] == "binary"]
ECHO_SERVERS = ["uvws", "raw", "go-article", "gorilla", "node"]
# The tls pass: uvws over TLS against its own plaintext, Node's ws over TLS
# and Go's x/net/websocket over crypto/tls; the load client (uvws-bench)
# does TLS too, so compare the server's CPU per message, not rates.
TLS_ECHO = [
    ("20 B, 100 conns", 100, 20, 1),
    ("4 KiB, 100 conns", 100, 4096, 1),
]
TLS_SERVERS = ["uvws", "uvws-tls", "node-tls", "go-article-tls"]


def picked(names):
    """The echo scenarios whose names hold one of names (separated by ";",
    as the names hold commas): "4 KiB text" picks the 4 KiB text ones."""
    want = [n.strip() for n in names.split(";") if n.strip()]
    found = [e for e in ECHO if any(n in e[0] for n in want)]
    if not found:
        sys.exit(f"driver.py: no echo scenario matches {names!r}")
    return found


def echo_rounds(env, cfg, results):
    servers = env.echo_servers
    scenarios = ECHO if not cfg.quick else [ECHO[1], ECHO[3], ECHO[4]]
    if cfg.scenarios:
        scenarios = picked(cfg.scenarios)
    for rnd in range(cfg.rounds):
        order = servers[rnd % len(servers):] + servers[:rnd % len(servers)]
        for name, conns, size, k, op in scenarios:
            for s in order:
                srv = Server(env, s)
                try:
                    res = run_client(
                        env, srv, "echo",
                        ["-c", conns, "-s", size, "-k", k, "--opcode", op,
                         "-d", cfg.duration, "--warmup", cfg.warmup],
                        f"echo-{s}-{conns}-{size}-{k}-{op}-r{rnd}")
                finally:
                    srv.stop()
                results.setdefault(name, {}).setdefault(s, []).append(res)
                log(f"round {rnd + 1}/{cfg.rounds} echo {name} {s}: "
                    f"{res.get('rate_per_s', 0):.0f} msgs/s, "
                    f"{res.get('server_cpu_us_per_msg', float('nan')):.3f} "
                    f"us/msg")


def parse_strace(path):
    calls = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 5 and re.match(r"^[\d.]+$", parts[0]):
                name = parts[-1]
                n = int(parts[3])
                calls[name] = calls.get(name, 0) + n
    calls.pop("total", None)
    return calls


WRITES = ("write", "writev", "sendmsg", "sendto", "sendmmsg")
READS = ("read", "readv", "recvfrom", "recvmsg")


def traced_echo(env, s, conns, size, k, op, n, tag):
    trace = os.path.join(env.work, f"strace-{tag}")
    srv = Server(env, s, strace=trace)
    try:
        res = run_client(env, srv, "echo",
                         ["-c", conns, "-s", size, "-k", k, "--opcode", op,
                          "-n", n],
                         f"strace-{tag}")
    finally:
        srv.stop()
    try:
        srv.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        srv.proc.kill()
    return parse_strace(trace), res.get("total_messages") or conns * n


def syscall_pass(env, cfg, results):
    """Two traced runs per server and scenario: one message per connection,
    then many; the difference is what the messages cost, without the
    handshakes, the closes and the sample's logging."""
    servers = env.echo_servers
    scenarios = ECHO if not cfg.quick else [ECHO[1], ECHO[4]]
    if cfg.scenarios:
        scenarios = picked(cfg.scenarios)
    for name, conns, size, k, op in scenarios:
        per_conn = max(20, (40000 if k == 1 else 64000) // conns)
        for s in servers:
            tag = f"{s}-{conns}-{size}-{k}-{op}"
            small, m0 = traced_echo(env, s, conns, size, k, op, k,
                                    tag + "-a")
            big, m1 = traced_echo(env, s, conns, size, k, op, per_conn,
                                  tag + "-b")
            msgs = max(1, m1 - m0)

            def d(names):
                return sum(big.get(c, 0) - small.get(c, 0)
                           for c in names) / msgs
            row = {
                "messages": msgs,
                "total": d(set(big) | set(small)),
                "epoll_ctl": d(["epoll_ctl"]),
                "writes": d(WRITES),
                "reads": d(READS),
                "epoll_wait": d(["epoll_wait", "epoll_pwait"]),
                "calls": {c: big.get(c, 0) - small.get(c, 0)
                          for c in set(big) | set(small)},
            }
            results.setdefault(name, {})[s] = row
            log(f"strace echo {name} {s}: {row['total']:.3f} syscalls/msg, "
                f"epoll_ctl {row['epoll_ctl']:.4f}/msg")


def bcast_rounds(env, cfg, results):
    members = cfg.bcast_members
    servers = env.bcast_servers
    procs = max(1, math.ceil((members + 1) / 18000))
    for rnd in range(cfg.rounds):
        order = servers[rnd % len(servers):] + servers[:rnd % len(servers)]
        for s in order:
            srv = Server(env, s)
            try:
                res = run_client(env, srv, "broadcast",
                                 ["-c", members, "-s", 100, "-k",
                                  cfg.bcast_inflight, "-d", cfg.duration,
                                  "--warmup", cfg.warmup, "--procs", procs,
                                  "--concurrency", 500],
                                 f"bcast-{s}-r{rnd}", timeout=600)
            finally:
                srv.stop()
            results.setdefault(s, []).append(res)
            log(f"round {rnd + 1}/{cfg.rounds} broadcast {s}: "
                f"{res.get('rate_per_s', 0):.0f} deliveries/s, "
                f"{res.get('server_cpu_us_per_msg', float('nan')):.3f} "
                f"us/delivery")
    # Calls per delivery, from two separate traced runs: the broadcast, and
    # the same members connecting and closing with nothing published; the
    # difference is what the deliveries cost.
    for s in servers:
        calls = {}
        for kind in ("idle", "broadcast"):
            trace = os.path.join(env.work, f"strace-{s}-{kind}")
            srv = Server(env, s, strace=trace)
            args = ["-c", members, "--procs", procs, "--concurrency", 500]
            if kind == "idle":
                args += ["-d", 1]
            else:
                args += ["-s", 100, "-k", cfg.bcast_inflight, "-d", 2,
                         "--warmup", 0]
            try:
                res = run_client(env, srv, kind, args,
                                 f"strace-{kind}-{s}", timeout=600)
            finally:
                srv.stop()
            try:
                srv.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                srv.proc.kill()
            calls[kind] = parse_strace(trace)
        big, small = calls["broadcast"], calls["idle"]
        deliveries = res.get("total_messages", 0) or 1

        def d(names):
            return sum(big.get(c, 0) - small.get(c, 0)
                       for c in names) / deliveries
        results.setdefault("strace", {})[s] = {
            "deliveries": deliveries,
            "published": res.get("published", 0),
            "writes_per_delivery": d(WRITES),
            "syscalls_per_delivery": d(set(big) | set(small)),
            "epoll_ctl_per_delivery": d(["epoll_ctl"]),
            "calls": {c: big.get(c, 0) - small.get(c, 0)
                      for c in set(big) | set(small)},
        }
        log(f"strace broadcast {s}: "
            f"{results['strace'][s]['writes_per_delivery']:.4f} "
            "writes/delivery")


def fd_hard_limit():
    return resource.getrlimit(resource.RLIMIT_NOFILE)[1]


def memory_pass(env, cfg, results, servers=None, steps=None):
    """RSS per idle connection: RSS differences between steps of idle
    clients, each holding its share until the step after it is measured."""
    hard = fd_hard_limit()
    top = cfg.mem_top
    if top + 50 > hard:
        results["note"] = (f"the per-process file descriptor limit is {hard}"
                           f" (hard), so a server holds at most about "
                           f"{hard - 50} connections here; {top:,} is not"
                           " measurable")
        top = (hard - 1000) // 1000 * 1000
    if steps is None:
        steps = [1000, 10000, top] if not cfg.quick else [1000, 5000]
    if servers is None:
        servers = env.echo_servers
        if cfg.quick:
            servers = [s for s in servers if s not in ECHO_SERVERS[2:]]
    for s in servers:
        # Spread destinations over 127.0.0.1-4 (the server listens on every
        # address) to pass the ephemeral port limit of one address pair.
        srv = Server(env, s, host="0.0.0.0")
        srv.url = f"{srv.url.split(':')[0]}://{HOST}:{srv.port}/"
        clients = []
        row = {"steps": []}
        try:
            # Warm up: one connection and a message, then the baseline.
            run_client(env, srv, "echo", ["-c", 1, "-n", 10], f"warm-{s}")
            time.sleep(0.5)
            base = srv.rss_kb()
            row["base_kb"] = base
            held = 0
            for step in steps:
                if (not s.startswith("uvws") and step > 10000 and
                        not cfg.all_peers_top):
                    break
                add = step - held
                procs = max(1, math.ceil(add / 9000))
                spec = env.servers[s]
                urls = []
                for i in range(4):
                    urls += ["--url", srv.url.replace(HOST, f"127.0.0.{i+1}")]
                cmd = ["taskset", "-c", CLIENT_CPU, env.bench, "idle", "-q",
                       "-c", str(add), "--procs", str(procs),
                       "--concurrency", "500"] + urls + spec.get("client", [])
                if spec.get("raw"):
                    cmd.append("--raw")
                p = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
                clients.append(p)
                line = p.stdout.readline()
                m = re.match(r"ready (\d+)", line or "")
                got = int(m.group(1)) if m else 0
                held += got
                time.sleep(1.0)
                rss = srv.rss_kb()
                row["steps"].append({"conns": held, "rss_kb": rss})
                log(f"memory {s}: {held} idle connections, RSS {rss} KiB")
                if got != add:
                    log(f"memory {s}: only {got} of {add} opened")
                    break
        finally:
            for p in clients:
                p.send_signal(signal.SIGTERM)
            for p in clients:
                try:
                    p.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    p.kill()
            srv.stop()
        results[s] = row


def connect_rounds(env, cfg, results, servers=None):
    servers = servers or env.echo_servers
    n = cfg.connect_conns
    for rnd in range(max(1, cfg.rounds - 2)):
        order = servers[rnd % len(servers):] + servers[:rnd % len(servers)]
        for s in order:
            srv = Server(env, s)
            try:
                res = run_client(env, srv, "connect",
                                 ["-c", n, "--concurrency", 200,
                                  "--procs", max(1, math.ceil(n / 9000))],
                                 f"connect-{s}-r{rnd}")
            finally:
                srv.stop()
            results.setdefault(s, []).append(res)
            log(f"round {rnd + 1} connect {s}: "
                f"{res.get('rate_per_s', 0):.0f} handshakes/s")


BYTES_OPS = ("unmask", "unmask_in_place", "validate", "unmask_validate")


def bytes_pass(env, cfg, results):
    """uvws-bytes (bench/bytes.c): unmasking and UTF-8 validation in GB/s
    against memcpy, for this build and the one compared with, if any."""
    builds = [("uvws", cfg.bin_dir)]
    if env.compare:
        builds.append((env.compare["label"], env.compare["bin"]))
    for label, bin_dir in builds:
        exe = os.path.join(bin_dir, "bench", "uvws-bytes")
        if not os.path.exists(exe):
            log(f"bytes: no {exe}: skipped")
            continue
        out = os.path.join(env.work, f"bytes-{label}.json")
        r = subprocess.run(["taskset", "-c", SERVER_CPU, exe, "--runs",
                            str(3 if cfg.quick else 7), "--json", out],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=600, text=True)
        try:
            with open(out) as f:
                results[label] = json.load(f)
        except (OSError, ValueError):
            log(f"bytes {label}: failed (exit {r.returncode}): "
                f"{r.stderr[-300:]!r}")
            continue
        log(f"bytes {label}: {len(results[label]['rows'])} figures")


def bytes_section(byt, env):
    ours = byt.get("uvws")
    if not ours:
        return ""
    out = []
    w = out.append
    w("\n## Per-byte work: unmasking and UTF-8 validation (GB/s)\n")
    w(f"`bench/bytes.c` on CPU {SERVER_CPU}: the median of "
      f"{ours['runs']} runs, each timing every operation in turn over "
      f"{ours['mib_per_run']} MiB of one buffer; in parentheses, the median "
      "of the ratio to `memcpy`'s speed on the same buffer in the same run "
      "(issue 17's target: at least 0.5). *unmask* is "
      "`ws__mask_copy` into another buffer, *unmask + validate* "
      "`ws__utf8_unmask`, the one pass the server makes over a text "
      "frame. Mixed UTF-8 text is three characters in five ASCII, the rest "
      "of 2, 3 and 4 bytes; Cyrillic text letters of two bytes with a space "
      "or a comma one character in six.\n")
    w("| size | data | memcpy | unmask | unmask in place | validate | "
      "unmask + validate |")
    w("|---|---|---|---|---|---|---|")
    rows = {}
    for r in ours["rows"]:
        rows.setdefault((r["size"], r["data"]), {})[r["op"]] = r
    for (size, data), ops in rows.items():
        cells = [f"{ops['memcpy']['gbps']:.1f}"]
        for op in BYTES_OPS:
            r = ops.get(op)
            cells.append(f"{r['gbps']:.1f} ({r['vs_memcpy']:.2f})" if r
                         else "")
        w(f"| {size // 1024} KiB | {data} | " + " | ".join(cells) + " |")
    theirs = byt.get(env.compare["label"]) if env.compare else None
    if theirs:
        label = env.compare["label"]
        w(f"\nThis build ÷ {label}, GB/s (higher is better):\n")
        w("| size | data | unmask | unmask in place | validate | "
          "unmask + validate |")
        w("|---|---|---|---|---|---|")
        other = {(r["size"], r["data"], r["op"]): r for r in theirs["rows"]}
        for (size, data), ops in rows.items():
            cells = []
            for op in BYTES_OPS:
                a, b = ops.get(op), other.get((size, data, op))
                cells.append(f"{a['gbps'] / b['gbps']:.2f}"
                             if a and b and b["gbps"] > 0 else "")
            w(f"| {size // 1024} KiB | {data} | " + " | ".join(cells) + " |")
    w("")
    return "\n".join(out)


def tls_rounds(env, cfg, results):
    """TLS echo, each uvws-over-TLS run side by side with uvws plaintext
    and Node's ws over TLS; then bytes per idle TLS connection (uvws over
    TLS and plaintext, RSS per connection between steps) and new TLS
    connections per second."""
    servers = env.tls_servers
    echo = results.setdefault("echo", {})
    for rnd in range(cfg.rounds):
        order = servers[rnd % len(servers):] + servers[:rnd % len(servers)]
        for name, conns, size, k in TLS_ECHO:
            for s in order:
                srv = Server(env, s)
                try:
                    res = run_client(
                        env, srv, "echo",
                        ["-c", conns, "-s", size, "-k", k, "-d", cfg.duration,
                         "--warmup", cfg.warmup],
                        f"tls-echo-{s}-{conns}-{size}-r{rnd}")
                finally:
                    srv.stop()
                echo.setdefault(name, {}).setdefault(s, []).append(res)
                log(f"round {rnd + 1}/{cfg.rounds} tls echo {name} {s}: "
                    f"{res.get('rate_per_s', 0):.0f} msgs/s, "
                    f"{res.get('server_cpu_us_per_msg', float('nan')):.3f} "
                    f"us/msg")
    steps = cfg.tls_mem_steps
    memory_pass(env, cfg, results.setdefault("memory", {}),
                [s for s in ("uvws-tls", "uvws") if s in servers], steps)
    connect_rounds(env, cfg, results.setdefault("connect", {}),
                   [s for s in ("uvws-tls", "node-tls", "go-article-tls")
                    if s in servers])


def script_pass(cfg, name, script, extra, timeout):
    """Runs bench/SCRIPT (redis.py, hundred_k.py) with --json and returns
    what it wrote, with its exit status; its output goes to the log."""
    out = os.path.join(tempfile.mkdtemp(prefix=f"uvws-{name}-"), "out.json")
    cmd = ["/usr/bin/python3", os.path.join(HERE, script), "--bin-dir",
           os.path.join(cfg.bin_dir, "bench"), "--json", out, *extra]
    log(f"{name}: {' '.join(cmd)}")
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True,
                           timeout=timeout)
        status, text = r.returncode, r.stdout
    except subprocess.TimeoutExpired as e:
        status, text = "timeout", e.stdout or ""
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    for line in text.splitlines()[-12:]:
        log(f"{name}: {line}")
    try:
        with open(out) as f:
            res = json.load(f)
    except (OSError, ValueError):
        res = {}
    res["exit"] = status
    res["command"] = " ".join(["bench/" + script] + extra)
    return res


def redis_pass(cfg, results):
    """Cross-node broadcast: two uvws-bcast-server --redis sharing a room
    against one node alone (bench/redis.py)."""
    extra = ["--rounds", str(cfg.rounds), "--duration", str(cfg.duration),
             "--members", str(1000 if cfg.quick else 2000)]
    results.update(script_pass(cfg, "redis", "redis.py", extra,
                               cfg.rounds * 2 * (cfg.duration + 120) + 60))


def hundred_k_pass(cfg, results):
    """100,000 connections in one room over six processes sharing it
    through Redis, broadcasts that reach all (bench/hundred_k.py)."""
    extra = ["--conns", str(cfg.hundred_k_conns)]
    results.update(script_pass(cfg, "hundred_k", "hundred_k.py", extra, 1200))


def redis_section(red):
    """The report's cross-node broadcast section (redis_pass())."""
    med_ = red.get("median", {})
    one, two = med_.get("one"), med_.get("two")
    if not one or not two:
        return ("## Cross-node broadcast over Redis\n\n"
                f"`{red.get('command')}` failed (exit {red.get('exit')}).\n")
    out = ["## Cross-node broadcast over Redis", "",
           f"`{red['command']}`: {red['members']} members, "
           f"{red['size']}-byte broadcasts, {red['inflight']} outstanding, "
           f"{red['rounds']} rounds of {red['duration']:g} s (medians). "
           "*one*: one `uvws-bcast-server` holds every member; *two*: two "
           "`uvws-bcast-server --redis` share the room through a "
           "`redis-server` on a unix socket, members alternating between "
           "them (one XADD per broadcast, one stream entry read per node).",
           "", "| | one node | two nodes + Redis | ratio |",
           "| --- | --- | --- | --- |"]
    for label, key in (("deliveries/s", "rate_per_s"),
                       ("latency p50 (µs)", "p50_us"),
                       ("latency p99 (µs)", "p99_us")):
        a, b = one.get(key, 0), two.get(key, 0)
        out.append(f"| {label} | {a:.0f} | {b:.0f} | "
                   f"{(b / a if a else float('nan')):.2f} |")
    lost = sum(r.get("lost") or 0 for rs in red.get("runs", {}).values()
               for r in rs)
    out += ["", f"Lost deliveries over all rounds: {lost}; "
            f"exit {red.get('exit')}.", ""]
    return "\n".join(out)


def hundred_k_section(hk):
    """The report's 100,000-connection section (hundred_k_pass())."""
    if not hk.get("opened"):
        return (f"## {hk.get('conns', '?')} connections over Redis\n\n"
                f"`{hk.get('command')}` failed (exit {hk.get('exit')}).\n")
    out = [f"## {hk['conns']:,} connections in one room over Redis", "",
           f"`{hk['command']}`: {hk['servers']} `uvws-bcast-server --redis` "
           f"processes (each under a 20,000-descriptor limit), "
           f"{hk['client_procs']} client processes on {hk['sources']} "
           "source addresses (127.0.0.2 and up), one broadcast a second, "
           "each once the last reached everyone.", "",
           "| | |", "| --- | --- |",
           f"| connections open | {hk['opened']:,} (failed {hk['failed']}) |",
           f"| broadcasts timed | {hk['broadcasts_timed']} |",
           f"| time to reach all: median | {hk['reach_all_ms_p50']:.1f} ms |",
           f"| time to reach all: p99 | {hk['reach_all_ms_p99']:.1f} ms |",
           f"| time to reach all: max | {hk['reach_all_ms_max']:.1f} ms |",
           f"| one delivery: p50 / p99 | {hk['delivery_ms_p50']:.1f} / "
           f"{hk['delivery_ms_p99']:.1f} ms |",
           f"| deliveries | {hk['deliveries']:,} |",
           f"| lost | {hk['lost']} |",
           f"| server RSS per connection | "
           f"{hk['server_bytes_per_conn']:.0f} bytes |", ""]
    return "\n".join(out)


def tls_section(tls):
    """The report's TLS section, from tls_rounds()'s results."""
    out = ["## TLS (wss://)", "",
           "Server CPU per message (median over rounds, µs), and per-round "
           "ratios (median, range). The load client does TLS as well, on "
           "its own core; only the server's CPU per message is compared.",
           ""]
    echo = tls.get("echo", {})
    out.append("| scenario | uvws | uvws TLS | Node ws TLS | Go x/net TLS | "
               "uvws TLS ÷ uvws | Node TLS ÷ uvws TLS | Go TLS ÷ uvws TLS |")
    out.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, _, _, _ in TLS_ECHO:
        runs = echo.get(name, {})
        cells = [name]
        for s in TLS_SERVERS:
            xs = [r.get("server_cpu_us_per_msg") for r in runs.get(s, [])
                  if r.get("ok")]
            cells.append(f"{med(xs):.2f}" if xs else "-")
        for a, b in (("uvws-tls", "uvws"), ("node-tls", "uvws-tls"),
                     ("go-article-tls", "uvws-tls")):
            rs = [x.get("server_cpu_us_per_msg") / y.get(
                      "server_cpu_us_per_msg")
                  for x, y in zip(runs.get(a, []), runs.get(b, []))
                  if x.get("ok") and y.get("ok") and
                  y.get("server_cpu_us_per_msg")]
            cells.append(f"{med(rs):.2f} ({min(rs):.2f}-{max(rs):.2f})"
                         if rs else "-")
        out.append("| " + " | ".join(cells) + " |")
    mem = tls.get("memory", {})
    if mem:
        out += ["", "Bytes per idle connection (server RSS between steps "
                "of idle clients, after the handshake):", "",
                "| server | connections | RSS | bytes per connection |",
                "| --- | --- | --- | --- |"]
        for s, row in mem.items():
            if not isinstance(row, dict):
                continue
            prev_n, prev_kb = 0, row.get("base_kb", 0)
            for st in row.get("steps", []):
                per = ((st["rss_kb"] - prev_kb) * 1024 /
                       max(1, st["conns"] - prev_n))
                out.append(f"| {s} | {st['conns']:,} | {st['rss_kb']:,} KiB"
                           f" | {per:,.0f} (from {prev_n:,}) |")
                prev_n, prev_kb = st["conns"], st["rss_kb"]
    conn = tls.get("connect", {})
    if conn:
        out += ["", "New connections per second (TCP, TLS and upgrade; "
                "median over rounds):", ""]
        for s, runs in conn.items():
            xs = [r.get("rate_per_s") for r in runs if r.get("ok")]
            out.append(f"- {s}: {med(xs):,.0f}/s" if xs else f"- {s}: -")
        # Per round, side by side: uvws's rate over each other server's.
        for s in ("node-tls", "go-article-tls"):
            rs = [x.get("rate_per_s") / y.get("rate_per_s")
                  for x, y in zip(conn.get("uvws-tls", []), conn.get(s, []))
                  if x.get("ok") and y.get("ok") and y.get("rate_per_s")]
            if rs:
                out.append(f"- uvws TLS ÷ {s}: {med(rs):.2f} "
                           f"({min(rs):.2f}-{max(rs):.2f})")
    return "\n".join(out) + "\n"


# ---- Report ----

def med(xs):
    xs = [x for x in xs if x is not None and not math.isnan(x)]
    return statistics.median(xs) if xs else float("nan")


def span(xs, fmt="{:.2f}"):
    xs = [x for x in xs if x is not None and not math.isnan(x)]
    if not xs:
        return "n/a"
    return (fmt.format(statistics.median(xs)) + " (" + fmt.format(min(xs)) +
            "–" + fmt.format(max(xs)) + ")")


def median_interval(xs, fmt="{:.3f}"):
    """A 95% interval for the median of xs, by resampling xs (bootstrap,
    a fixed seed, so the same results give the same report)."""
    xs = [x for x in xs if x is not None and not math.isnan(x)]
    if len(xs) < 2:
        return "n/a"
    rng = random.Random(1)
    meds = sorted(statistics.median(rng.choices(xs, k=len(xs)))
                  for _ in range(2000))
    return fmt.format(meds[50]) + "–" + fmt.format(meds[-51])


def val(res, key):
    v = res.get(key)
    return float(v) if v is not None and res.get("ok") else float("nan")


def ratios(a_runs, b_runs, key, invert=False):
    out = []
    for a, b in zip(a_runs, b_runs):
        x, y = val(a, key), val(b, key)
        if y and not math.isnan(x) and not math.isnan(y) and x:
            out.append(y / x if invert else x / y)
    return out


def build_commit(bin_dir):
    """The commit of the sources a CMake build directory was made from,
    with a mark when the library or sample sources differ from it."""
    try:
        with open(os.path.join(bin_dir, "CMakeCache.txt")) as f:
            m = re.search(r"^CMAKE_HOME_DIRECTORY:INTERNAL=(.*)$", f.read(),
                          re.M)
    except OSError:
        return "unknown"
    if not m:
        return "unknown"
    src = m.group(1)
    try:
        head = subprocess.run(["git", "-C", src, "rev-parse", "--short",
                               "HEAD"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True,
                              timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", src, "status", "--porcelain",
                                "--", "src", "include", "samples",
                                "CMakeLists.txt", "bench/bcast_server.c"],
                               stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True,
                               timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (head or "unknown") + (" with local changes" if dirty else "")


def machine_info():
    def sh(cmd):
        try:
            return subprocess.run(cmd, shell=True, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True,
                                  timeout=10).stdout.strip()
        except Exception:  # noqa: BLE001
            return ""
    lscpu = sh("lscpu | grep -E '^(Model name|CPU\\(s\\)|Thread|Core|"
               "Hypervisor|L2|L3)'")
    return {
        "nproc": sh("nproc"),
        "lscpu": lscpu,
        "uname": sh("uname -a"),
        "mem": sh("free -m | sed -n 2p"),
        "go": sh("go version"),
        "node": sh("node --version"),
        "ws": sh(f"node -p \"require('{HERE}/peers/node/node_modules/ws/"
                 "package.json').version\""),
        "libuv": sh("dpkg-query -W -f='${Version}' libuv1-dev"),
        "xnet": sh("dpkg-query -W -f='${Version}' golang-golang-x-net-dev"),
        "gorilla": sh("dpkg-query -W -f='${Version}' "
                      "golang-github-gorilla-websocket-dev"),
        "wslay": sh("dpkg-query -W -f='${Version}' libwslay-dev"),
        "backlog": sh("sysctl -n net.core.netdev_max_backlog"),
        "nofile": f"{resource.getrlimit(resource.RLIMIT_NOFILE)}",
        "commit": sh(f"git -C {HERE} rev-parse --short HEAD"),
    }


def gnuplot(script):
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True,
                       timeout=60)
    except (OSError, subprocess.SubprocessError) as e:
        log(f"gnuplot failed: {e}")


def plot_bars(path, title, ylabel, rows, columns, data, logscale=False):
    """rows: category labels; columns: series; data[row][col] = value."""
    dat = path + ".dat"
    with open(dat, "w") as f:
        f.write("x " + " ".join(f'"{c}"' for c in columns) + "\n")
        for r in rows:
            vals = []
            for c in columns:
                v = data.get(r, {}).get(c, float("nan"))
                vals.append("NaN" if v is None or math.isnan(v) else f"{v:g}")
            f.write(f'"{r}" ' + " ".join(vals) + "\n")
    cols = " , ".join(f"'{dat}' using {i + 2}:xtic(1) title columnhead"
                      for i in range(len(columns)))
    gnuplot(f"""
set terminal pngcairo size 1100,520 noenhanced font ',10'
set output '{path}'
set title '{title}'
set ylabel '{ylabel}'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key top left
set xtics rotate by -15
{'set logscale y' if logscale else ''}
set yrange [0:*]
plot {cols}
""")
    os.unlink(dat)


def compare_section(cfg, env, echo, bcast, info):
    """This build against the one of --compare-bin-dir: per-round ratios,
    both servers having run in the same rounds under the same load."""
    label, other = env.compare["label"], env.compare["echo"]
    out = []
    w = out.append
    w(f"## uvws ({info.get('bin_commit', '?')}) against {label} "
      f"({info.get('compare_commit', '?')}), side by side\n")
    w(f"`uvws` is the build in `{cfg.bin_dir}`, `{label}` the one in "
      f"`{env.compare['bin']}`. In each of the {cfg.rounds} rounds every "
      "server ran once per scenario, in an order that rotates from round to "
      "round, under the same client and load; the ratios are taken within "
      "a round and summarized as the median (minimum–maximum) over the "
      "rounds. Lower is better for CPU, higher for messages/s; 1.00 is "
      "no change. The 95% interval of a median comes from resampling its "
      "rounds (bootstrap): a change that it leaves out is beyond the "
      "noise of this run.\n")
    cpu = "server_cpu_us_per_msg"
    if echo:
        w("Echo (`samples/echo`):\n")
        w(f"| scenario | server CPU/msg, uvws ÷ {label} | 95% interval of "
          f"that median | uvws ÷ raw | {label} ÷ raw | msgs/s, uvws ÷ "
          f"{label} |")
        w("|---|---|---|---|---|---|")
        pooled = []
        for name, *_ in ECHO:
            runs = echo.get(name, {})
            if "uvws" not in runs or other not in runs:
                continue
            r = ratios(runs["uvws"], runs[other], cpu)
            pooled += r
            raw = runs.get("raw", [])
            w(f"| {name} | {span(r)} | {median_interval(r)} | "
              f"{span(ratios(runs['uvws'], raw, cpu))} | "
              f"{span(ratios(runs[other], raw, cpu))} | "
              f"{span(ratios(runs['uvws'], runs[other], 'rate_per_s'))} |")
        if pooled:
            w(f"| every scenario's rounds together | {span(pooled)} | "
              f"{median_interval(pooled)} | | | |")
        w("")
    ours, theirs = "uvws-bcast", env.compare["bcast"]
    if bcast and ours in bcast and theirs in bcast:
        raw = bcast.get("raw-bcast", [])
        st = bcast.get("strace", {})
        w(f"Broadcast of 100 B to {cfg.bcast_members:,} members "
          f"({cfg.bcast_inflight} outstanding, `bench/bcast_server.c`):\n")
        w(f"| server CPU/delivery, uvws ÷ {label} | 95% interval of that "
          f"median | uvws ÷ raw | {label} ÷ raw | deliveries/s, uvws ÷ "
          f"{label} | write calls per delivery, uvws / {label} |")
        w("|---|---|---|---|---|---|")
        wr = [st.get(s, {}).get("writes_per_delivery", float("nan"))
              for s in (ours, theirs)]
        r = ratios(bcast[ours], bcast[theirs], cpu)
        w(f"| {span(r)} | {median_interval(r)} | "
          f"{span(ratios(bcast[ours], raw, cpu))} | "
          f"{span(ratios(bcast[theirs], raw, cpu))} | "
          f"{span(ratios(bcast[ours], bcast[theirs], 'rate_per_s'))} | "
          f"{wr[0]:.4f} / {wr[1]:.4f} |")
        w("")
    return "\n".join(out) + "\n"


def write_report(cfg, env, echo, sysc, bcast, mem, conn, info, started,
                 elapsed, byt=None):
    out = []
    w = out.append
    servers = env.echo_servers
    w("# uvws benchmark results\n")
    w(f"Written by `{cfg.command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}"
      f" in {elapsed / 60:.0f} minutes (uvws commit {info['commit']}). "
      f"{cfg.rounds} round(s); each measurement is {cfg.duration} s after a "
      f"{cfg.warmup} s warm-up; the servers take turns within each round, "
      "in an order that rotates every round. Medians, with the minimum–"
      "maximum over the rounds in parentheses. Ratios are taken within "
      "each round (side by side) and then summarized.\n")
    w("## Machine\n")
    w("```")
    w(f"nproc: {info['nproc']}")
    w(info["lscpu"])
    w(info["uname"])
    w(f"memory (MiB): {info['mem']}")
    w(f"libuv {info['libuv']}, wslay {info['wslay']}, {info['go']}, "
      f"x/net {info['xnet']}, gorilla/websocket {info['gorilla']}, "
      f"node {info['node']} with ws {info['ws']}")
    w(f"net.core.netdev_max_backlog={info['backlog']}, "
      f"RLIMIT_NOFILE={info['nofile']}")
    w("```\n")
    w("Server on CPU 0, client (`uvws-bench`, one process unless stated) "
      "on CPU 1, over loopback. *Server CPU* is the server process's "
      "user+system time (all threads) from `/proc/PID/stat` over the "
      "measured window divided by the messages echoed in it: the figure "
      "that stays steady on a noisy machine. The floor, `raw`, is "
      "`bench/raw-echo.c`: libuv echoing bytes with no framing (shared "
      "read buffer, `uv_try_write` first), driven by `uvws-bench --raw`, "
      "which sends the same masked frames without a handshake.\n")
    if env.compare:
        w(compare_section(cfg, env, echo, bcast, info))

    # Echo table.
    w("## Echo: server CPU per message (µs)\n")
    head = "| scenario | " + " | ".join(servers) + " |"
    w(head)
    w("|---" * (len(servers) + 1) + "|")
    for name, *_ in ECHO:
        if name not in echo:
            continue
        cells = [span([val(r, "server_cpu_us_per_msg") for r in
                       echo[name].get(s, [])]) for s in servers]
        w(f"| {name} | " + " | ".join(cells) + " |")
    w("\n### Server CPU per message, as a multiple of the raw libuv floor\n")
    w("Per round: server's µs/msg ÷ raw's µs/msg (lower is better; 1.00 "
      "is the floor).\n")
    w(head)
    w("|---" * (len(servers) + 1) + "|")
    for name, *_ in ECHO:
        if name not in echo or "raw" not in echo[name]:
            continue
        cells = [span(ratios(echo[name].get(s, []), echo[name]["raw"],
                             "server_cpu_us_per_msg")) for s in servers]
        w(f"| {name} | " + " | ".join(cells) + " |")
    w("\n## Echo: messages per second (client-bound as well; see notes)\n")
    w(head)
    w("|---" * (len(servers) + 1) + "|")
    for name, *_ in ECHO:
        if name not in echo:
            continue
        cells = [span([val(r, "rate_per_s") for r in echo[name].get(s, [])],
                      "{:,.0f}") for s in servers]
        w(f"| {name} | " + " | ".join(cells) + " |")
    w("\n### Messages per second as a multiple of the raw floor's\n")
    w(head)
    w("|---" * (len(servers) + 1) + "|")
    for name, *_ in ECHO:
        if name not in echo or "raw" not in echo[name]:
            continue
        cells = [span(ratios(echo[name].get(s, []), echo[name]["raw"],
                             "rate_per_s")) for s in servers]
        w(f"| {name} | " + " | ".join(cells) + " |")
    w("\n### Round-trip latency p50 / p99 (µs), medians over the rounds\n")
    w(head)
    w("|---" * (len(servers) + 1) + "|")
    for name, *_ in ECHO:
        if name not in echo:
            continue
        cells = []
        for s in servers:
            rs = [r for r in echo[name].get(s, []) if r.get("ok")]
            cells.append(f"{med([r['latency_us']['p50'] for r in rs]):.0f} / "
                         f"{med([r['latency_us']['p99'] for r in rs]):.0f}"
                         if rs else "n/a")
        w(f"| {name} | " + " | ".join(cells) + " |")
    errs = sum(1 for n in echo for s in echo[n] for r in echo[n][s]
               if not r.get("ok"))
    w(f"\nRuns with errors or lost messages: {errs} (every echo is checked "
      "byte for byte; a failed run is left out of the medians).\n")

    # uvws vs peers.
    peers = [p for p in ("go-article", "gorilla", "node") if p in servers]
    if peers:
        w("## uvws against the peers\n")
        w("Per round, within each scenario: peer's server CPU per message ÷ "
          "uvws's (how many times more CPU the peer spends), and uvws's "
          "messages/s ÷ the peer's.\n")
        w("| scenario | " + " | ".join(f"{p}: CPU/msg ÷ uvws" for p in peers)
          + " | " + " | ".join(f"uvws msgs/s ÷ {p}" for p in peers) + " |")
        w("|---" * (2 * len(peers) + 1) + "|")
    for name, *_ in ECHO:
        if not peers or name not in echo or "uvws" not in echo[name]:
            continue
        a = [span(ratios(echo[name]["uvws"], echo[name].get(p, []),
                         "server_cpu_us_per_msg", invert=True))
             for p in peers]
        b = [span(ratios(echo[name]["uvws"], echo[name].get(p, []),
                         "rate_per_s")) for p in peers]
        w(f"| {name} | " + " | ".join(a + b) + " |")

    # Syscalls.
    if sysc:
        w("\n## System calls per message (server, `strace -c -f`, separate "
          "short runs)\n")
        w("total / epoll_ctl / write-like / read-like / epoll_wait, per "
          "echoed message: the calls of a run with many messages per "
          "connection less those of a run with one (or one window), over "
          "the messages between them, so handshakes, closes and logging "
          "drop out.\n")
        w(head)
        w("|---" * (len(servers) + 1) + "|")
        for name, *_ in ECHO:
            if name not in sysc:
                continue
            cells = []
            for s in servers:
                r = sysc[name].get(s)
                cells.append("n/a" if r is None else
                             f"{r['total']:.2f} / {r['epoll_ctl']:.3f} / "
                             f"{r['writes']:.2f} / {r['reads']:.2f} / "
                             f"{r['epoll_wait']:.2f}")
            w(f"| {name} | " + " | ".join(cells) + " |")

    # Broadcast.
    if bcast:
        w(f"\n## Broadcast: 100 B to {cfg.bcast_members:,} members\n")
        w(f"One publisher keeps {cfg.bcast_inflight} broadcasts outstanding "
          "(a broadcast is done when every member has it); the server "
          "sends each to every member, the publisher included. "
          "`uvws-bcast` is `bench/bcast_server.c` (`ws_room_broadcast`); "
          "`raw-bcast` is the floor: libuv writing each read's bytes to "
          "every socket with one `uv_try_write` each. Latency is from "
          "publication (a timestamp in the payload) to receipt. Calls per "
          "delivery come from two traced runs (the broadcast, and the same "
          "members connecting and closing with nothing published) and are "
          f"the difference over the deliveries; with {cfg.bcast_inflight} "
          f"outstanding, one write per member per burst of {cfg.bcast_inflight}"
          f" is {1 / cfg.bcast_inflight:.4f} per delivery.\n")
        w("| server | deliveries/s | server CPU µs per delivery | "
          "latency p50 / p99 (µs) | write calls per delivery | "
          "syscalls per delivery | epoll_ctl per delivery |")
        w("|---|---|---|---|---|---|---|")
        for s in env.bcast_servers:
            rs = bcast.get(s, [])
            if not rs:
                continue
            st = bcast.get("strace", {}).get(s, {})
            good = [r for r in rs if r.get("ok")]
            w(f"| {s} | {span([val(r, 'rate_per_s') for r in rs], '{:,.0f}')}"
              f" | {span([val(r, 'server_cpu_us_per_msg') for r in rs], '{:.3f}')}"
              f" | {med([r['latency_us']['p50'] for r in good]):.0f} / "
              f"{med([r['latency_us']['p99'] for r in good]):.0f}"
              f" | {st.get('writes_per_delivery', float('nan')):.4f}"
              f" | {st.get('syscalls_per_delivery', float('nan')):.4f}"
              f" | {st.get('epoll_ctl_per_delivery', float('nan')):.4f} |")
        if "uvws-bcast" in bcast and "raw-bcast" in bcast:
            w("\nuvws ÷ floor, per round: deliveries/s "
              f"{span(ratios(bcast['uvws-bcast'], bcast['raw-bcast'], 'rate_per_s'))}"
              ", server CPU per delivery "
              f"{span(ratios(bcast['uvws-bcast'], bcast['raw-bcast'], 'server_cpu_us_per_msg'))}.\n")

    # Memory.
    if mem:
        w("\n## Memory: server RSS per idle open connection\n")
        w("Idle clients (`uvws-bench idle`, several processes, destinations "
          "spread over 127.0.0.1–4) are added in steps; each step's RSS "
          "difference is divided by its connection difference. RSS is the "
          "server's user-space memory (kernel socket buffers are not in "
          "it).\n")
        if mem.get("note"):
            w(f"Note: {mem['note']}.\n")
        w("| server | baseline RSS (KiB) | connections: RSS (KiB) | bytes "
          "per connection, step by step | bytes per connection, from the "
          "baseline |")
        w("|---|---|---|---|---|")
        for s in env.echo_servers:
            row = mem.get(s)
            if not row or not row.get("steps"):
                continue
            steps = row["steps"]
            pts = ", ".join(f"{p['conns']:,}: {p['rss_kb']:,}" for p in steps)
            per = []
            prev_c, prev_r = 0, row["base_kb"]
            for p in steps:
                if p["conns"] > prev_c:
                    per.append(f"{prev_c:,}→{p['conns']:,}: "
                               f"{(p['rss_kb'] - prev_r) * 1024 / (p['conns'] - prev_c):,.0f}")
                prev_c, prev_r = p["conns"], p["rss_kb"]
            last = steps[-1]
            total = (last["rss_kb"] - row["base_kb"]) * 1024 / last["conns"]
            w(f"| {s} | {row['base_kb']:,} | {pts} | {'; '.join(per)} | "
              f"{total:,.0f} at {last['conns']:,} |")

    # Connect.
    if conn:
        w(f"\n## Connect: {cfg.connect_conns:,} handshakes, 200 at a time\n")
        w("| server | handshakes/s | handshake latency p50 / p99 (µs) | "
          "held |")
        w("|---|---|---|---|")
        for s in servers:
            rs = conn.get(s, [])
            good = [r for r in rs if r.get("ok")]
            if not rs:
                continue
            w(f"| {s} | {span([val(r, 'rate_per_s') for r in rs], '{:,.0f}')}"
              f" | {med([r['latency_us']['p50'] for r in good]):.0f} / "
              f"{med([r['latency_us']['p99'] for r in good]):.0f} | "
              f"{max([r.get('held_peak', 0) for r in rs]):,} |")
        w("\n(The client's own handshake work, which includes a "
          "`uv_getaddrinfo` per connection in `ws_client_t`, is part of this "
          "figure; the raw row is a TCP connect only.)\n")

    if byt:
        w(bytes_section(byt, env))
    w(targets(echo, sysc, bcast, mem, cfg, byt or {}))
    if not env.compare:
        # A comparison leaves the plots of bench/ as they are.
        w("\n## Plots\n")
        for p in ("echo_cpu", "echo_rate", "echo_latency", "broadcast",
                  "memory"):
            if os.path.exists(os.path.join(HERE, f"{p}.png")):
                w(f"![{p}]({p}.png)")
    w("")
    return "\n".join(out)


def targets(echo, sysc, bcast, mem, cfg, byt):
    """The targets of issue 5, section 3, and of issue 17, checked against
    the data."""
    rows = []

    def add(what, value, ok):
        rows.append(f"| {what} | {value} | "
                    f"{'met' if ok else ('**missed**' if ok is not None else 'not measured')} |")

    for name, conns, size, k, op in ECHO_SINGLE:
        if name in echo and "raw" in echo[name] and "uvws" in echo[name]:
            r = ratios(echo[name]["uvws"], echo[name]["raw"],
                       "server_cpu_us_per_msg")
            add(f"echo {name}: server CPU/msg ≤ 1.05× raw", span(r),
                med(r) <= 1.05 if r else None)
    for name, conns, size, k, op in ECHO:
        if op != "text" or name not in echo or "raw" not in echo[name] or \
                "uvws" not in echo[name]:
            continue
        want = 1.03 if k == 1 else 1.15
        r = ratios(echo[name]["uvws"], echo[name]["raw"],
                   "server_cpu_us_per_msg")
        add(f"echo {name}: server CPU/msg ≤ {want:.2f}× raw (issue 17)",
            span(r), med(r) <= want if r else None)
    # Issue 17: per-byte work at least half of memcpy's GB/s, one row per
    # operation and data, its ratios at each size.
    cells = {}
    for r in byt.get("uvws", {}).get("rows", []):
        if r["op"] != "memcpy":
            cells.setdefault((r["name"], r["data"]), []).append(r)
    for (op, data), rs in cells.items():
        add(f"{op}, {data}: at least half of memcpy's GB/s at "
            + " / ".join(f"{r['size'] // 1024} KiB" for r in rs)
            + " (issue 17)",
            " / ".join(f"{r['vs_memcpy']:.2f}" for r in rs),
            all(r["vs_memcpy"] >= 0.5 for r in rs))
    for name, conns, size, k, op in ECHO_SINGLE:
        row = sysc.get(name, {}).get("uvws")
        if row:
            add(f"echo {name}: about 2 syscalls/msg, no epoll_ctl churn",
                f"{row['total']:.3f} total, {row['epoll_ctl']:.4f} "
                "epoll_ctl", row["total"] <= 2.1 and row["epoll_ctl"] < 0.01)
    for name, conns, size, k, op in [e for e in ECHO if e[3] > 1]:
        row = sysc.get(name, {}).get("uvws")
        if row:
            add(f"pipelined echo {name}: syscalls/msg well below 1",
                f"{row['total']:.3f}", row["total"] < 0.5)
    for peer, want20, want4k in (("go-article", 1.8, 4.0),
                                 ("node", 1.8, 1.8)):
        for name, conns, size, k, op in ECHO_SINGLE:
            if name not in echo or peer not in echo[name]:
                continue
            want = want20 if size == 20 else want4k
            cpu = ratios(echo[name]["uvws"], echo[name][peer],
                         "server_cpu_us_per_msg", invert=True)
            rate = ratios(echo[name]["uvws"], echo[name][peer], "rate_per_s")
            add(f"{name}: uvws ≥ {want}× {peer} (server CPU/msg; msgs/s "
                "shown too)", f"CPU {span(cpu)}; msgs/s {span(rate)}",
                med(cpu) >= want if cpu else None)
    st = bcast.get("strace", {}).get("uvws-bcast") if bcast else None
    if st:
        k = cfg.bcast_inflight
        add(f"broadcast to {cfg.bcast_members:,}: one write per member per "
            f"burst (1/{k} = {1 / k:.4f} per delivery)",
            f"{st['writes_per_delivery']:.4f}",
            st["writes_per_delivery"] <= 1.02 / k)
    if bcast and "uvws-bcast" in bcast and "raw-bcast" in bcast:
        r = ratios(bcast["uvws-bcast"], bcast["raw-bcast"], "rate_per_s")
        add(f"broadcast to {cfg.bcast_members:,}: deliveries/s within 10% "
            "of the floor", span(r), med(r) >= 0.9 if r else None)
        r = ratios(bcast["uvws-bcast"], bcast["raw-bcast"],
                   "server_cpu_us_per_msg")
        add("broadcast: server CPU per delivery vs the floor (for the "
            "record)", span(r), med(r) <= 1.1 if r else None)
    row = mem.get("uvws") if mem else None
    if row and row.get("steps"):
        for p in row["steps"]:
            if p["conns"] >= 10000:
                per = (p["rss_kb"] - row["base_kb"]) * 1024 / p["conns"]
                add(f"memory: idle connection ≤ 1 KiB at {p['conns']:,}",
                    f"{per:,.0f} B", per <= 1024)
        if mem.get("note"):
            add("memory: idle connection ≤ 1 KiB at 100,000",
                mem["note"], None)
    out = ["\n## Targets (issue 5, section 3; issue 17)\n",
           "| target | measured (median, range over rounds) | |",
           "|---|---|---|"] + rows
    return "\n".join(out) + "\n"


def make_plots(cfg, env, echo, bcast, mem):
    servers = env.echo_servers
    rows = [n for n, *_ in ECHO if n in echo]
    cpu = {n: {s: med([val(r, "server_cpu_us_per_msg")
                       for r in echo[n].get(s, [])]) for s in servers}
           for n in rows}
    rate = {n: {s: med([val(r, "rate_per_s") for r in echo[n].get(s, [])])
                for s in servers} for n in rows}
    p99 = {n: {s: med([r["latency_us"]["p99"] for r in echo[n].get(s, [])
                       if r.get("ok")]) for s in servers} for n in rows}
    plot_bars(os.path.join(HERE, "echo_cpu.png"),
              "Echo: server CPU per message (lower is better)",
              "microseconds of server CPU", rows, servers, cpu)
    plot_bars(os.path.join(HERE, "echo_rate.png"),
              "Echo: messages per second (server on 1 core, client on 1)",
              "messages/s", rows, servers, rate)
    plot_bars(os.path.join(HERE, "echo_latency.png"),
              "Echo: round-trip p99 latency (lower is better)",
              "microseconds", rows, servers, p99, logscale=True)
    if bcast:
        data = {"deliveries/s (x1000)": {}, "server ns per delivery": {}}
        for s in env.bcast_servers:
            data["deliveries/s (x1000)"][s] = med(
                [val(r, "rate_per_s") for r in bcast.get(s, [])]) / 1000
            data["server ns per delivery"][s] = med(
                [val(r, "server_cpu_us_per_msg")
                 for r in bcast.get(s, [])]) * 1000
        plot_bars(os.path.join(HERE, "broadcast.png"),
                  f"Broadcast of 100 B to {cfg.bcast_members:,} members",
                  "", list(data), env.bcast_servers, data)
    if mem:
        data = {}
        for s in env.echo_servers:
            row = mem.get(s)
            if not row or not row.get("steps"):
                continue
            for p in row["steps"]:
                if p["conns"] >= 5000:
                    label = f"{p['conns']:,} conns"
                    data.setdefault(label, {})[s] = (
                        (p["rss_kb"] - row["base_kb"]) * 1024 / p["conns"])
        plot_bars(os.path.join(HERE, "memory.png"),
                  "Server RSS per idle connection (bytes, lower is better)",
                  "bytes", list(data),
                  [s for s in env.echo_servers if s in mem], data,
                  logscale=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--go-dir", help="the Go peers (default: BIN_DIR/go)")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--duration", type=float)
    ap.add_argument("--warmup", type=float)
    ap.add_argument("--only",
                    default="echo,syscalls,broadcast,memory,connect,bytes",
                    help="passes, of echo,syscalls,broadcast,memory,connect,"
                    "bytes, and those not run by default: tls (TLS echo, "
                    "memory and handshakes), redis (cross-node broadcast, "
                    "bench/redis.py) and hundred_k (100,000 connections over "
                    "Redis, bench/hundred_k.py)")
    ap.add_argument("--hundred-k-conns", type=int, default=100000,
                    help="the hundred_k pass's connections")
    ap.add_argument("--tls-mem-steps", default="1000,5000,10000",
                    help="the tls pass's idle connection counts")
    ap.add_argument("--bcast-members", type=int)
    ap.add_argument("--bcast-inflight", type=int, default=16)
    ap.add_argument("--loops", type=int, default=1,
                    help="also run uvws's echo and broadcast servers on N "
                    "loops (threads), next to the one-loop ones")
    ap.add_argument("--mem-top", type=int, default=100000)
    ap.add_argument("--all-peers-top", action="store_true")
    ap.add_argument("--connect-conns", type=int)
    ap.add_argument("--scenarios",
                    help="the echo scenarios whose names hold one of these "
                    "strings, separated by \";\" (default: all; \"text\" "
                    "picks the text ones)")
    ap.add_argument("--servers",
                    help="the echo servers, comma-separated (default: all; "
                    "with --compare-bin-dir: uvws, the other build, raw)")
    ap.add_argument("--compare-bin-dir",
                    help="another uvws build directory whose echo and "
                    "broadcast servers run side by side with this one's")
    ap.add_argument("--compare-label", default="before",
                    help="the other build's name in the report")
    ap.add_argument("--out", help="the report (default: bench/RESULTS.md; "
                    "with --quick or --compare-bin-dir, a temporary folder)")
    ap.add_argument("--results", help="the raw results, JSON (default: "
                    "results.json next to the default report)")
    ap.add_argument("--command", default="bench/run.sh")
    ap.add_argument("--report-only", action="store_true",
                    help="rewrite the report (and the plots) from --results")
    cfg = ap.parse_args()
    q = cfg.quick
    # A quick run, a comparison, or a run of the tls pass alone leaves
    # bench/ as it is unless told.
    only = set(cfg.only.split(","))
    scratch = (q or cfg.compare_bin_dir or
               not only & {"echo", "syscalls", "broadcast", "memory",
                           "connect", "bytes"})
    cfg.go_dir = cfg.go_dir or os.path.join(cfg.bin_dir, "go")
    cfg.rounds = cfg.rounds or (1 if q else 5)
    cfg.duration = cfg.duration or (1.0 if q else 3.0)
    cfg.warmup = cfg.warmup if cfg.warmup is not None else (0.5 if q else 1.0)
    cfg.bcast_members = cfg.bcast_members or (1000 if q else 10000)
    cfg.connect_conns = cfg.connect_conns or (2000 if q else 10000)
    env = Env(cfg)
    home = env.work if scratch else HERE
    out_given = cfg.out is not None
    cfg.out = cfg.out or os.path.join(home, "RESULTS.md")
    cfg.results = cfg.results or os.path.join(home, "results.json")
    started = time.time()
    echo, sysc, bcast, mem, conn, byt, tls = {}, {}, {}, {}, {}, {}, {}
    red, hk = {}, {}
    cfg.tls_mem_steps = [int(x) for x in cfg.tls_mem_steps.split(",")]
    info = machine_info()
    info["bin_commit"] = build_commit(cfg.bin_dir)
    if env.compare:
        info["compare_commit"] = build_commit(env.compare["bin"])
    if cfg.report_only:
        with open(cfg.results) as f:
            d = json.load(f)
        echo, sysc, bcast = d["echo"], d["syscalls"], d["broadcast"]
        mem, conn, info = d["memory"], d["connect"], d["machine"]
        byt = d.get("bytes", {})
        tls = d.get("tls", {})
        red, hk = d.get("redis", {}), d.get("hundred_k", {})
        cfg.command = d.get("command", cfg.command)
        started, elapsed = d.get("started", started), d.get("elapsed", 0)
        for k, v in d.get("config", {}).items():
            setattr(cfg, k, v)
        if d.get("compare"):
            env.compare = d["compare"]
            scratch = True
            if not out_given:
                cfg.out = os.path.join(env.work, "RESULTS.md")
        if d.get("servers"):
            env.echo_servers = d["servers"]["echo"]
            env.bcast_servers = d["servers"]["broadcast"]
        if not scratch:
            make_plots(cfg, env, echo, bcast, mem)
        report = write_report(cfg, env, echo, sysc, bcast, mem, conn, info,
                              started, elapsed, byt)
        if tls:
            report += "\n" + tls_section(tls)
        if red:
            report += "\n" + redis_section(red)
        if hk:
            report += "\n" + hundred_k_section(hk)
        os.makedirs(os.path.dirname(os.path.abspath(cfg.out)), exist_ok=True)
        with open(cfg.out, "w") as f:
            f.write(report)
        log(f"wrote {cfg.out}")
        if scratch:
            print(report)
        return
    if "echo" in only:
        echo_rounds(env, cfg, echo)
    if "syscalls" in only:
        syscall_pass(env, cfg, sysc)
    if "broadcast" in only:
        bcast_rounds(env, cfg, bcast)
    if "memory" in only:
        memory_pass(env, cfg, mem)
    if "connect" in only:
        connect_rounds(env, cfg, conn)
    if "bytes" in only:
        bytes_pass(env, cfg, byt)
    if "tls" in only:
        tls_rounds(env, cfg, tls)
    if "redis" in only:
        redis_pass(cfg, red)
    if "hundred_k" in only:
        hundred_k_pass(cfg, hk)
    elapsed = time.time() - started
    os.makedirs(os.path.dirname(os.path.abspath(cfg.results)), exist_ok=True)
    with open(cfg.results, "w") as f:
        json.dump({"echo": echo, "syscalls": sysc, "broadcast": bcast,
                   "memory": mem, "connect": conn, "bytes": byt,
                   "tls": tls, "redis": red, "hundred_k": hk,
                   "machine": info,
                   "command": cfg.command, "started": started,
                   "elapsed": elapsed, "compare": env.compare,
                   "servers": {"echo": env.echo_servers,
                               "broadcast": env.bcast_servers},
                   "config": {k: getattr(cfg, k) for k in
                              ("bin_dir", "rounds", "duration", "warmup",
                               "bcast_members", "bcast_inflight")}},
                  f, indent=1)
    log(f"wrote {cfg.results}")
    if not scratch:
        make_plots(cfg, env, echo, bcast, mem)
    report = write_report(cfg, env, echo, sysc, bcast, mem, conn, info,
                          started, elapsed, byt)
    if tls:
        report += "\n" + tls_section(tls)
    if red:
        report += "\n" + redis_section(red)
    if hk:
        report += "\n" + hundred_k_section(hk)
    with open(cfg.out, "w") as f:
        f.write(report)
    log(f"wrote {cfg.out}")
    if scratch:
        print(report)


if __name__ == "__main__":
    main()
