#!/usr/bin/python3
"""Graceful shutdown of a sample under load.

Usage: test_shutdown_python.py PATH/TO/uvws-echo

Opens 1,000 WebSocket connections to the echo sample (plain sockets, no
library), each sending 4 binary messages of 4 KiB, and waits until
/metrics says the server has read all 4,000. Then SIGTERM: every client
must read its 4 echoes, in order and byte-exact, then a 1001 close; each
answers the close, and the process must exit 0 before its drain timeout,
every connection closed cleanly (its log's "close 1001 clean=1" lines).
"""

import base64
import http.client
import os
import re
import resource
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

CONNECTIONS = 1000
MESSAGES = 4
SIZE = 4096
DRAIN_TIMEOUT_MS = 8000
KEY = base64.b64encode(b"0123456789abcdef").decode()
MASK = b"\x11\x22\x33\x44"


def fail(why):
    print(f"FAIL: {why}", file=sys.stderr)
    sys.exit(1)


def check(cond, why):
    if not cond:
        fail(why)


def masked_frame(opcode, payload):
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    else:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    body = bytes(b ^ MASK[i & 3] for i, b in enumerate(payload))
    return head + MASK + body


def payload(conn, msg):
    return bytes([(conn * 7 + msg) & 0xff]) * SIZE


class Reader:
    """Frames from a socket, unmasked (the server's)."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def need(self, n):
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                fail("connection closed early")
            self.buf += data

    def take(self, n):
        self.need(n)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def head(self):
        while b"\r\n\r\n" not in self.buf:
            self.need(len(self.buf) + 1)
        end = self.buf.index(b"\r\n\r\n") + 4
        head, self.buf = self.buf[:end], self.buf[end:]
        return head

    def frame(self):
        b0, b1 = self.take(2)
        n = b1 & 0x7f
        if n == 126:
            n = struct.unpack("!H", self.take(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.take(8))[0]
        return b0 & 0x0f, self.take(n)


def messages_received(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/metrics")
    res = conn.getresponse()
    body = res.read().decode()
    conn.close()
    if res.status == 501:
        return None
    m = re.search(r"^uvws_messages_received_total (\d+)$", body, re.M)
    check(m is not None, "no uvws_messages_received_total")
    return int(m.group(1))


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 4 * CONNECTIONS)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    log = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(
        # One loop: /metrics shows the counters of the loop serving it.
        [sys.argv[1], "--port", "0", "--threads", "1", "--drain-timeout",
         str(DRAIN_TIMEOUT_MS)],
        stdout=subprocess.PIPE, stderr=log, text=True)
    line = proc.stdout.readline()
    m = re.search(r"listening on ws://127\.0\.0\.1:(\d+)/", line)
    check(m is not None, f"no port in {line!r}")
    port = int(m.group(1))
    if messages_received(port) is None:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        print("skipped: built with UVWS_COUNTERS=OFF", file=sys.stderr)
        sys.exit(77)

    request = (f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               "Upgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {KEY}\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n").encode()
    readers = []
    for i in range(CONNECTIONS):
        s = socket.create_connection(("127.0.0.1", port), timeout=20)
        s.sendall(request)
        readers.append(Reader(s))
    for i, r in enumerate(readers):
        check(r.head().startswith(b"HTTP/1.1 101 "), f"client {i}: no 101")
        r.sock.sendall(b"".join(masked_frame(2, payload(i, k))
                                for k in range(MESSAGES)))
    deadline = time.time() + 30
    while messages_received(port) < CONNECTIONS * MESSAGES:
        check(time.time() < deadline, "the server did not read everything")
        time.sleep(0.05)

    start = time.time()
    proc.send_signal(signal.SIGTERM)
    for i, r in enumerate(readers):
        for k in range(MESSAGES):
            opcode, data = r.frame()
            check(opcode == 2 and data == payload(i, k),
                  f"client {i}: message {k} wrong (opcode {opcode}, "
                  f"{len(data)} bytes)")
        opcode, data = r.frame()
        check(opcode == 8, f"client {i}: opcode {opcode}, not a close")
        code = struct.unpack("!H", data[:2])[0]
        check(code == 1001, f"client {i}: close code {code}")
        r.sock.sendall(masked_frame(8, data[:2]))
    for i, r in enumerate(readers):
        rest = r.sock.recv(65536)
        check(rest == b"", f"client {i}: {len(rest)} bytes after the close")
        r.sock.close()
    try:
        status = proc.wait(timeout=DRAIN_TIMEOUT_MS / 1000 + 10)
    except subprocess.TimeoutExpired:
        proc.kill()
        fail("the server did not exit")
    elapsed = time.time() - start
    check(status == 0, f"exit status {status}")
    check(elapsed < DRAIN_TIMEOUT_MS / 1000,
          f"exited after {elapsed:.1f} s, past the drain timeout")
    log.seek(0)
    clean = sum(1 for l in log if l.startswith("close 1001 clean=1"))
    check(clean == CONNECTIONS, f"{clean} clean 1001 closes, not "
          f"{CONNECTIONS}")
    print(f"ok: {CONNECTIONS} connections drained and closed in "
          f"{elapsed:.2f} s")


if __name__ == "__main__":
    main()
