#!/usr/bin/python3
"""Echo back-pressure test: a peer that sends much faster than it reads is
slowed down by the uvws-echo sample, not dropped, and gets every echo.

Usage: test_echo_backpressure.py PATH/TO/uvws-echo

Starts the echo server with a 1 MiB send queue, then over one plain socket
writes 1024 binary messages of 60,000 bytes (about 60 MB) from a thread
while not reading for the first two seconds. The server's queue fills, the
echo that does not fit is kept and the server stops reading (ws_conn_pause),
so the writer blocks; when the peer reads, every echo arrives, in order and
byte-exact, and the connection closes cleanly with 1000.
"""

import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

MESSAGES = 1024
SIZE = 60_000
QUEUE = 1 << 20
TIMEOUT = 120

BASE = bytes(range(256)) * (SIZE // 256 + 2)


def payload(seq):
    return struct.pack(">I", seq) + BASE[seq % 256:seq % 256 + SIZE - 4]


def frame(opcode, data):
    """A client frame, masked with the key 0 (payload bytes unchanged)."""
    n = len(data)
    if n < 126:
        head = struct.pack(">BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack(">BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack(">BBQ", 0x80 | opcode, 0x80 | 127, n)
    return head + b"\0\0\0\0" + data


class Reader:
    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()

    def need(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise EOFError("server closed the connection")
            self.buf += chunk

    def take(self, n):
        self.need(n)
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def head(self):
        while b"\r\n\r\n" not in self.buf:
            self.need(len(self.buf) + 1)
        end = self.buf.index(b"\r\n\r\n") + 4
        return self.take(end).decode("latin-1")

    def frame(self):
        b0, b1 = self.take(2)
        n = b1 & 0x7f
        if n == 126:
            (n,) = struct.unpack(">H", self.take(2))
        elif n == 127:
            (n,) = struct.unpack(">Q", self.take(8))
        if b1 & 0x80:
            raise ValueError("the server masked a frame")
        return b0, self.take(n)


def main(server_path):
    proc = subprocess.Popen(
        [server_path, "--port", "0", "--max-queued-bytes", str(QUEUE),
         "--max-message-size", str(1 << 16)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        m = re.fullmatch(r"listening on ws://(.+):(\d+)/", line)
        assert m, f"server said {line!r}"
        sock = socket.create_connection((m.group(1), int(m.group(2))))
        sock.settimeout(TIMEOUT)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\n"
                     b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     b"Sec-WebSocket-Version: 13\r\n\r\n")
        reader = Reader(sock)
        head = reader.head()
        assert head.startswith("HTTP/1.1 101 "), head

        written = [0]

        def write_all():
            for seq in range(MESSAGES):
                sock.sendall(frame(0x2, payload(seq)))
                written[0] = seq + 1

        writer = threading.Thread(target=write_all, daemon=True)
        writer.start()
        time.sleep(2)
        # The server stopped reading: the writer is stuck far from the end.
        assert writer.is_alive(), "the writer was never held back"
        stuck_at = written[0]
        print(f"writer held back after {stuck_at} of {MESSAGES} messages",
              flush=True)
        assert stuck_at < MESSAGES

        started = time.monotonic()
        for seq in range(MESSAGES):
            b0, data = reader.frame()
            assert b0 == 0x82, f"echo {seq}: first byte {b0:#x}"
            assert data == payload(seq), f"echo {seq} differs"
        writer.join(TIMEOUT)
        assert not writer.is_alive()
        print(f"{MESSAGES} echoes in order in "
              f"{time.monotonic() - started:.1f} s", flush=True)

        sock.sendall(frame(0x8, struct.pack(">H", 1000)))
        b0, data = reader.frame()
        assert b0 == 0x88 and data[:2] == struct.pack(">H", 1000), \
            (b0, data)
        sock.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            _, log = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, log = proc.communicate()
    sys.stderr.write(log)
    assert proc.returncode == 0, f"server exit status {proc.returncode}"
    closes = [l for l in log.splitlines() if l.startswith("close ")]
    assert closes == ["close 1000 clean=1 "], closes
    print("ok")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(f"usage: {sys.argv[0]} PATH/TO/uvws-echo", file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1])
