#!/usr/bin/python3
"""Echo interop test over TLS: the uvws-echo sample on wss:// against
Python's websockets client (and ssl module).

Usage: test_echo_python_tls.py PATH/TO/uvws-echo

Makes a throwaway CA and certificate (scripts/make-test-cert.sh), starts
the echo sample with --tls-cert and --tls-key, and checks, with the
certificate verified against the CA: text and binary messages from 0
bytes to 16 MiB come back byte-exact, some sent in fragments; a ping is
answered; the close handshake is clean (1000 and our reason). Then that a
plaintext HTTP request and random bytes on the TLS port get no HTTP answer
and their connection closed, and that the server still serves wss://.
"""

import asyncio
import os
import random
import re
import socket
import ssl
import subprocess
import sys
import tempfile

import websockets

HERE = os.path.dirname(os.path.abspath(__file__))
MAKE_CERT = os.path.join(HERE, "..", "..", "scripts", "make-test-cert.sh")
MiB = 1 << 20
SIZES = [0, 1, 125, 126, 127, 16383, 16384, 16385, 65535, 65536, 65537,
         MiB, 4 * MiB, 16 * MiB]
TIMEOUT = 120


def check(cond, what):
    if not cond:
        raise AssertionError(what)


async def echo_session(url, ctx, rng):
    async with websockets.connect(url, ssl=ctx, max_size=None,
                                  compression=None) as ws:
        for n in SIZES:
            for text in (False, True):
                data = rng.randbytes(n)
                msg = data.hex()[:n] if text else data
                await ws.send(msg)
                got = await asyncio.wait_for(ws.recv(), 60)
                check(got == msg, f"echo of {n} bytes (text={text})")
        # One message in fragments comes back whole.
        pieces = [rng.randbytes(k) for k in (1, 70000, 3, 20000)]
        await ws.send(pieces)
        got = await asyncio.wait_for(ws.recv(), 60)
        check(got == b"".join(pieces), "echo of a fragmented message")
        pong = await ws.ping(b"tls")
        await asyncio.wait_for(pong, 10)
        await ws.close(1000, "bye")
        check(ws.close_code == 1000, f"close code {ws.close_code}")


def not_tls(port, payload):
    """Sends payload to the TLS port; returns what came back before the
    server closed the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(payload)
        got = b""
        while True:
            try:
                chunk = s.recv(4096)
            except ConnectionResetError:
                break
            if not chunk:
                break
            got += chunk
    return got


async def run(echo, tmp):
    subprocess.run([MAKE_CERT, tmp], check=True)
    ctx = ssl.create_default_context(cafile=os.path.join(tmp, "ca.pem"))
    proc = await asyncio.create_subprocess_exec(
        echo, "--port", "0", "--max-message-size", str(32 * MiB),
        "--tls-cert", os.path.join(tmp, "cert.pem"),
        "--tls-key", os.path.join(tmp, "key.pem"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        line = (await asyncio.wait_for(proc.stdout.readline(), 10)).decode()
        m = re.match(r"listening on wss://127\.0\.0\.1:(\d+)/", line)
        check(m is not None, f"the sample said {line!r}")
        port = int(m.group(1))
        # "localhost" is in the certificate: the host name is checked.
        url = f"wss://localhost:{port}/"
        await echo_session(url, ctx, random.Random(12))
        loop = asyncio.get_running_loop()
        for payload in (b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
                        random.Random(5).randbytes(3000)):
            got = await loop.run_in_executor(None, not_tls, port, payload)
            check(b"HTTP" not in got, f"a plaintext answer: {got[:40]!r}")
        await echo_session(url, ctx, random.Random(13))
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 10)
    check(proc.returncode == 0, f"the sample exited {proc.returncode}")


def main():
    if len(sys.argv) != 2:
        print(f"usage: {sys.argv[0]} PATH/TO/uvws-echo", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(asyncio.wait_for(run(sys.argv[1], tmp), TIMEOUT))
    print("ok", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
