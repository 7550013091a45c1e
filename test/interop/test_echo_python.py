#!/usr/bin/python3
"""Echo interop test: the uvws-echo sample against Python's websockets client.

Usage: test_echo_python.py PATH/TO/uvws-echo

Starts the echo server on a free port, then over several concurrent
connections sends 10,000 text and binary messages of 0 bytes to 16 MiB,
some whole and some fragmented, and checks that every echo comes back
byte-exact and of the same type. Also checks pings, the close handshake
(code 1000 and our reason, as both the client and the server's log saw
them), a message over the server's limit (closed with 1009), and that
SIGTERM closes an open connection with 1001 and makes the server exit 0.

Runs with Debian's /usr/bin/python3 and python3-websockets (10.4). The seed
is fixed and printed; set UVWS_TEST_SEED to another number to vary the run.
"""

import asyncio
import collections
import os
import random
import re
import signal
import sys
import time

import websockets

MESSAGES = 10_000
CONNECTIONS = 8
MiB = 1 << 20
SERVER_MAX_MESSAGE = 32 * MiB
# At most this much echo traffic in flight per connection (a single larger
# message is sent alone), well under the server's 64 MiB send queue limit.
WINDOW_MESSAGES = 64
WINDOW_BYTES = 8 * MiB
STEP_TIMEOUT = 60      # seconds for any single echo, ping or close
TOTAL_TIMEOUT = 240    # seconds for the whole run

# Characters of every UTF-8 length, including the edges around the
# surrogates and the largest code point, and NUL: all valid in text frames.
TEXT_ALPHABET = (
    "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 \x00\x7f"
    "\u00e9\u00fc\u00df\u00f1\u0080\u07ff"
    "\u4e2d\u6587\u3042\u0800\ud7ff\ue000\uffff\ufffd"
    "\U0001f600\U0001f30d\U00010000\U0010ffff"
)


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.messages = []

    def ok(self):
        self.passed += 1

    def fail(self, what):
        self.failed += 1
        if len(self.messages) < 30:
            self.messages.append(what)
        print(f"FAIL: {what}", file=sys.stderr, flush=True)

    def check(self, cond, what):
        if cond:
            self.ok()
        else:
            self.fail(what)
        return cond


results = Results()


def make_text_pool(rng):
    chars = [rng.choice(TEXT_ALPHABET) for _ in range(1 << 15)]
    return "".join(chars).encode("utf-8")


def make_text(rng, pool, n):
    """A str whose UTF-8 encoding is exactly n bytes."""
    if n == 0:
        return ""
    start = rng.randrange(len(pool))
    while pool[start] & 0xC0 == 0x80:  # not a continuation byte
        start = (start + 1) % len(pool)
    reps = (start + n) // len(pool) + 2
    raw = (pool * reps)[start:start + n]
    for k in range(4):
        try:
            return raw[:n - k].decode("utf-8") + "x" * k
        except UnicodeDecodeError:
            continue
    raise AssertionError("cannot cut the text pool")


def make_plan(rng):
    """(size, is_text, fragmentation) for every message, shuffled."""
    sizes = []
    # Each edge of the 7-bit, 16-bit and 64-bit payload length encodings.
    for n in (0, 1, 2, 125, 126, 127, 128, 65535, 65536, 65537):
        sizes += [n] * 4
    sizes += [1 * MiB] * 6 + [4 * MiB] * 4
    big = [(16 * MiB, True), (16 * MiB, False)]
    sizes += [int(2 ** rng.uniform(10, 20)) for _ in range(300)]
    while len(sizes) + len(big) < MESSAGES:
        if rng.random() < 0.85:
            sizes.append(rng.randint(0, 256))
        else:
            sizes.append(rng.randint(257, 16384))
    plan = [(n, rng.random() < 0.5) for n in sizes] + big
    out = []
    for n, is_text in plan:
        r = rng.random()
        if r < 0.15:
            frag = "sync"
        elif r < 0.25:
            frag = "async"
        else:
            frag = None
        out.append((n, is_text, frag))
    rng.shuffle(out)
    return out


def split(rng, payload):
    """Splits payload into 1 to 8 pieces; equal cut points give empty ones."""
    pieces = rng.randint(1, 8)
    cuts = sorted(rng.randint(0, len(payload)) for _ in range(pieces - 1))
    view = payload if isinstance(payload, str) else memoryview(payload)
    parts = []
    last = 0
    for c in cuts + [len(payload)]:
        parts.append(view[last:c])
        last = c
    return parts


async def async_parts(parts):
    for p in parts:
        await asyncio.sleep(0)
        yield p


def describe(expected, got):
    if type(expected) is not type(got):
        return (f"expected {type(expected).__name__} of {len(expected)}, "
                f"got {type(got).__name__} of {len(got)}")
    if len(expected) != len(got):
        return f"expected {len(expected)} units, got {len(got)}"
    for i, (a, b) in enumerate(zip(expected, got)):
        if a != b:
            return f"{len(got)} units, first difference at {i}"
    return "equal?"


class Window:
    """Bounds the messages and bytes awaiting their echo."""

    def __init__(self):
        self.count = 0
        self.bytes = 0
        self.cond = asyncio.Condition()

    async def acquire(self, n):
        async with self.cond:
            await self.cond.wait_for(
                lambda: self.count == 0 or (
                    self.count < WINDOW_MESSAGES
                    and self.bytes + n <= WINDOW_BYTES))
            self.count += 1
            self.bytes += n

    async def release(self, n):
        async with self.cond:
            self.count -= 1
            self.bytes -= n
            self.cond.notify_all()


async def ping(ws, cid, tag):
    payload = f"ping {cid} {tag}".encode()
    try:
        waiter = await ws.ping(payload)
        await asyncio.wait_for(waiter, STEP_TIMEOUT)
        results.ok()
    except Exception as e:  # noqa: BLE001 -- any failure is a test failure
        results.fail(f"conn {cid}: ping {tag}: {e!r}")


async def echo_connection(uri, cid, plan, seed, pool):
    try:
        await echo_connection_inner(uri, cid, plan, seed, pool)
    except Exception as e:  # noqa: BLE001
        results.fail(f"conn {cid}: {e!r}")


async def echo_connection_inner(uri, cid, plan, seed, pool):
    ws = await websockets.connect(uri, max_size=None, close_timeout=10)
    await ping(ws, cid, "first")
    window = Window()
    expected = collections.deque()

    async def sender():
        for index, (n, is_text, frag) in plan:
            rng = random.Random(seed * 1_000_003 + index)
            payload = make_text(rng, pool, n) if is_text else rng.randbytes(n)
            await window.acquire(n)
            expected.append((index, frag, payload))
            if frag == "sync":
                await ws.send(split(rng, payload))
            elif frag == "async":
                await ws.send(async_parts(split(rng, payload)))
            else:
                await ws.send(payload)

    async def receiver():
        for _ in plan:
            got = await asyncio.wait_for(ws.recv(), STEP_TIMEOUT)
            index, frag, payload = expected.popleft()
            if type(got) is type(payload) and got == payload:
                results.ok()
            else:
                kind = "text" if isinstance(payload, str) else "binary"
                results.fail(f"conn {cid}: message {index} ({kind}, "
                             f"{len(payload)}, fragmented={frag}): "
                             f"{describe(payload, got)}")
            await window.release(len(payload))

    send_task = asyncio.create_task(sender())
    try:
        await receiver()
        await send_task
    except Exception as e:  # noqa: BLE001
        send_task.cancel()
        results.fail(f"conn {cid}: {e!r}")
        await ws.close()
        return

    await ping(ws, cid, "last")
    await ws.close(1000, f"bye {cid}")
    results.check(ws.close_code == 1000,
                  f"conn {cid}: close code {ws.close_code}, wanted 1000")


async def too_big(uri):
    try:
        await too_big_inner(uri)
    except Exception as e:  # noqa: BLE001
        results.fail(f"too big: {e!r}")


async def too_big_inner(uri):
    """A fragmented message over the server's limit closes with 1009."""
    ws = await websockets.connect(uri, max_size=None, close_timeout=10)
    chunk = bytes(MiB)
    try:
        await ws.send([chunk] * (SERVER_MAX_MESSAGE // MiB + 1))
        # The server may read the whole message before it answers.
        await asyncio.wait_for(ws.recv(), STEP_TIMEOUT)
        results.fail("too big: the message was echoed")
    except websockets.ConnectionClosed:
        pass
    except Exception as e:  # noqa: BLE001
        results.fail(f"too big: {e!r}")
    await asyncio.wait_for(ws.wait_closed(), STEP_TIMEOUT)
    results.check(ws.close_code == 1009,
                  f"too big: close code {ws.close_code}, wanted 1009")


async def drain(stream, lines):
    while True:
        line = await stream.readline()
        if not line:
            return
        lines.append(line.decode("utf-8", "replace").rstrip("\n"))


async def main(server_path, server):
    seed = int(os.environ.get("UVWS_TEST_SEED", "6455"))
    print(f"seed {seed} (UVWS_TEST_SEED)", flush=True)
    rng = random.Random(seed)
    pool = make_text_pool(rng)
    plan = list(enumerate(make_plan(rng)))
    total_bytes = sum(n for _, (n, _, _) in plan)
    print(f"{len(plan)} messages, {total_bytes / MiB:.1f} MiB, "
          f"{CONNECTIONS} connections", flush=True)

    proc = await asyncio.create_subprocess_exec(
        server_path, "--port", "0",
        "--max-message-size", str(SERVER_MAX_MESSAGE),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    server["proc"] = proc
    server["log_task"] = asyncio.create_task(drain(proc.stderr, server["log"]))

    line = await asyncio.wait_for(proc.stdout.readline(), 10)
    text = line.decode("utf-8", "replace").strip()
    m = re.fullmatch(r"listening on ws://(.+):(\d+)/", text)
    if not m:
        results.fail(f"server said {text!r}, not 'listening on ...'")
        return
    uri = f"ws://{m.group(1)}:{m.group(2)}/"
    print(f"server at {uri}", flush=True)

    # Stays open until SIGTERM, which must close it with 1001.
    idle = await websockets.connect(uri, max_size=None, close_timeout=10)

    started = time.monotonic()
    await asyncio.gather(
        *(echo_connection(uri, cid, plan[cid::CONNECTIONS], seed, pool)
          for cid in range(CONNECTIONS)),
        too_big(uri))
    print(f"echoes done in {time.monotonic() - started:.1f} s", flush=True)

    proc.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(idle.wait_closed(), STEP_TIMEOUT)
    except asyncio.TimeoutError:
        pass
    results.check(idle.close_code == 1001,
                  f"SIGTERM: open connection closed with "
                  f"{idle.close_code}, wanted 1001")
    status = await asyncio.wait_for(proc.wait(), STEP_TIMEOUT)
    results.check(status == 0, f"server exit status {status}, wanted 0")


def check_server_log(log):
    opens = [l for l in log if l.startswith("open ")]
    # CONNECTIONS echo connections, the idle one and the too-big one.
    results.check(len(opens) == CONNECTIONS + 2,
                  f"server logged {len(opens)} opens, wanted "
                  f"{CONNECTIONS + 2}")
    for cid in range(CONNECTIONS):
        want = f"close 1000 clean=1 bye {cid}"
        results.check(want in log, f"server log lacks {want!r}")
    # The code logged is the client's answer; the error name is the server's.
    results.check(any(l.startswith("close ") and l.endswith(" WS_ETOOBIG")
                      for l in log),
                  "server log lacks a close with WS_ETOOBIG")


async def run(server_path):
    server = {"proc": None, "log": [], "log_task": None}
    try:
        await asyncio.wait_for(main(server_path, server), TOTAL_TIMEOUT)
    except asyncio.TimeoutError:
        results.fail(f"the run took over {TOTAL_TIMEOUT} s")
    except Exception as e:  # noqa: BLE001
        results.fail(f"{e!r}")
    finally:
        proc = server["proc"]
        if proc is not None and proc.returncode is None:
            proc.kill()
            await proc.wait()
    if server["log_task"] is not None:
        try:
            await asyncio.wait_for(server["log_task"], 10)
        except asyncio.TimeoutError:
            server["log_task"].cancel()
    if server["proc"] is not None:
        check_server_log(server["log"])
    return server["log"]


def check_flags(server_path):
    """A bad flag value exits 2 and names the flag, in both spellings."""
    import subprocess
    for args, named in ((["--port", "abc"], "--port"),
                        (["--port=99999"], "--port=99999"),
                        (["--max-message-size", "0"], "--max-message-size")):
        p = subprocess.run([server_path, *args], capture_output=True,
                           text=True, timeout=10)
        results.check(p.returncode == 2,
                      f"{args} exited {p.returncode}, wanted 2")
        results.check(f"bad value for {named}\n" in p.stderr,
                      f"{args}: stderr does not name {named}: {p.stderr!r}")


def entry():
    if len(sys.argv) != 2:
        print(f"usage: {sys.argv[0]} PATH/TO/uvws-echo", file=sys.stderr)
        return 2
    check_flags(sys.argv[1])
    log = asyncio.run(run(sys.argv[1]))
    if results.failed:
        print("server log (last 40 lines):", file=sys.stderr)
        for line in log[-40:]:
            print(f"  {line}", file=sys.stderr)
        print("failures:", file=sys.stderr)
        for m in results.messages:
            print(f"  {m}", file=sys.stderr)
    print(f"{results.passed} passed, {results.failed} failed", flush=True)
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(entry())
