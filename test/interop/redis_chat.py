"""What the chat-over-Redis tests share: a redis-server of their own on a
unix socket in a temporary directory, chat processes started with
--redis, and a client that reads JSON objects with a timeout.

Runs with Debian's /usr/bin/python3 and python3-websockets (10.4).
"""

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import websockets

STEP_TIMEOUT = 10


class Failures:
    def __init__(self):
        self.count = 0

    def check(self, cond, what):
        if not cond:
            self.count += 1
            print(f"FAIL: {what}", file=sys.stderr, flush=True)
        return cond


failures = Failures()
check = failures.check


class Redis:
    """redis-server on DIR/redis.sock, no persistence."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="uvws-chat-redis-")
        self.sock = os.path.join(self.dir, "redis.sock")
        self.url = "unix:" + self.sock
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", self.sock,
             "--dir", self.dir, "--save", "", "--appendonly", "no",
             "--enable-debug-command", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if os.path.exists(self.sock) and self.cli("PING") == "PONG":
                return
            time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def cli(self, *args):
        r = subprocess.run(["redis-cli", "-s", self.sock, *args],
                           capture_output=True, text=True, timeout=10)
        return r.stdout.strip()

    def kill(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def stop(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class Node:
    """One uvws-chat process sharing its rooms through Redis."""

    def __init__(self, binary, redis_url, ttl_ms=10000, port=0, extra=(),
                 log=None):
        """log: a file for the process's stderr (default: ours)."""
        self.proc = subprocess.Popen(
            [binary, "--port", str(port), "--redis", redis_url,
             "--presence-ttl", str(ttl_ms), *extra],
            stdout=subprocess.PIPE, stderr=log or sys.stderr, text=True)
        line = self.proc.stdout.readline().strip()
        m = re.fullmatch(r"listening on ws://(.+):(\d+)/", line)
        if not m:
            raise RuntimeError(f"unexpected first line: {line!r}")
        self.host, self.port = m.group(1), int(m.group(2))

    def uri(self, path):
        return f"ws://{self.host}:{self.port}{path}"

    async def connect(self, room, name):
        return await asyncio.wait_for(
            websockets.connect(self.uri(f"/ws/{room}?name={name}"),
                               close_timeout=STEP_TIMEOUT,
                               # Members that skip what they are not
                               # checking must still see the close frame.
                               max_queue=None), STEP_TIMEOUT)

    async def join(self, room, name):
        """Joins; returns the socket, members, history and join notice."""
        ws = await self.connect(room, name)
        members = await recv(ws)
        history = await recv(ws)
        joined = await recv_type(ws, "join", name)
        return ws, members, history, joined

    def stop(self):
        """SIGTERM; True if it exits 0."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=STEP_TIMEOUT) == 0
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return False

    def kill(self):
        self.proc.kill()
        self.proc.wait()


async def recv(ws, timeout=STEP_TIMEOUT):
    """The next JSON object from ws, or None when the wait times out."""
    try:
        raw = await asyncio.wait_for(ws.recv(), timeout)
    except asyncio.TimeoutError:
        return None
    return json.loads(raw)


async def recv_type(ws, type_, name=None, timeout=STEP_TIMEOUT):
    """The next object of this type (and name), skipping others."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        obj = await recv(ws, left)
        if obj is None:
            return None
        if obj.get("type") == type_ and (name is None or
                                         obj.get("name") == name):
            return obj


async def send(ws, obj):
    await ws.send(json.dumps(obj))


async def members_of(ws):
    await send(ws, {"type": "members"})
    got = await recv_type(ws, "members")
    return got.get("members") if got else None


def run(binary, scenario):
    """Starts Redis, runs scenario(binary, redis) and exits 0 or 1."""
    if shutil.which("redis-server") is None or \
            shutil.which("redis-cli") is None:
        print("skipped: no redis-server", file=sys.stderr)
        sys.exit(77)
    redis = Redis()
    try:
        redis.start()
        asyncio.run(asyncio.wait_for(scenario(binary, redis), 60))
    finally:
        redis.stop()
    if failures.count:
        print(f"{failures.count} check(s) failed", file=sys.stderr)
        sys.exit(1)
    print("ok")
    sys.exit(0)
