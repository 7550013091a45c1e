#!/usr/bin/python3
"""Client interop test over TLS: uvws-bench (ws_client_t) against a
python3-websockets server on wss://.

Usage: test_client_python_tls.py PATH/TO/uvws-bench

Makes a throwaway CA and server certificate (scripts/make-test-cert.sh),
starts a python3-websockets echo server with it, and checks that our
client: (1) verifies the certificate with the CA given (--tls-ca) and
echoes messages of mixed sizes up to 1 MiB, each checked byte for byte;
(2) refuses a server whose certificate (from a CA it trusts) names
another host than the URL's (WS_ECERT); (3) refuses it when it does not trust the CA, with the
system's store (WS_ECERT). Each failure must be a failed connection, and
the server must see no WebSocket open for them.
"""

import asyncio
import json
import os
import ssl
import subprocess
import sys
import tempfile

import websockets

HERE = os.path.dirname(os.path.abspath(__file__))
MAKE_CERT = os.path.join(HERE, "..", "..", "scripts", "make-test-cert.sh")
SIZES = "0,1,125,126,65535,65536,262144,1048576"
TIMEOUT = 60


class Server:
    def __init__(self):
        self.opened = 0
        self.echoed = 0

    async def handler(self, ws, path=None):  # websockets 10: (ws, path)
        self.opened += 1
        try:
            async for message in ws:
                await ws.send(message)
                self.echoed += 1
        except websockets.ConnectionClosed:
            pass


async def bench(binary, url, tmp, ca, messages):
    out = os.path.join(tmp, "result.json")
    if os.path.exists(out):
        os.remove(out)
    cmd = [binary, "echo", "-q", "--url", url, "-c", "2", "-s", SIZES,
           "--opcode", "mixed", "-k", "2", "-n", str(messages),
           "--drain", "5", "--json", out, "--label", "wss"]
    if ca is not None:
        cmd += ["--tls-ca", ca]
    print(" ".join(cmd), flush=True)
    proc = await asyncio.create_subprocess_exec(
        *cmd, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT)
    stdout, _ = await proc.communicate()
    print(stdout.decode("utf-8", "replace"), flush=True)
    result = {}
    if os.path.exists(out):
        with open(out) as f:
            result = json.load(f)
    return proc.returncode, result


def server_context(directory, names):
    subprocess.run([MAKE_CERT, directory, names], check=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(directory, "cert.pem"),
                        os.path.join(directory, "key.pem"))
    return ctx, os.path.join(directory, "ca.pem")


async def run(binary, tmp):
    ctx, ca = server_context(os.path.join(tmp, "right"),
                             "DNS:localhost,IP:127.0.0.1")
    other_ctx, other_ca = server_context(os.path.join(tmp, "other"),
                                         "DNS:other.example")
    server = Server()
    checks = []
    async with websockets.serve(server.handler, "127.0.0.1", 0, ssl=ctx,
                                max_size=None, compression=None) as s, \
            websockets.serve(server.handler, "127.0.0.1", 0, ssl=other_ctx,
                             max_size=None, compression=None) as other:
        other_port = other.sockets[0].getsockname()[1]
        port = s.sockets[0].getsockname()[1]
        code, result = await bench(binary, f"wss://127.0.0.1:{port}/", tmp,
                                   ca, 50)
        checks += [
            (code == 0, f"verified: uvws-bench exited {code}"),
            (result.get("errors") == 0 and result.get("lost") == 0,
             f"verified: errors {result.get('errors')} "
             f"lost {result.get('lost')}"),
            (result.get("total_messages") == 100,
             f"verified: {result.get('total_messages')} echoes, wanted 100"),
            (server.opened == 2, f"verified: {server.opened} opened"),
        ]
        # A certificate of a CA we trust, for another name.
        opened = server.opened
        code, result = await bench(binary, f"wss://127.0.0.1:{other_port}/",
                                   tmp, other_ca, 1)
        checks += [
            (code != 0 and result.get("failed") == 2,
             f"wrong host: exited {code}, failed {result.get('failed')}"),
            ("WS_ECERT" in (result.get("first_error") or ""),
             f"wrong host: {result.get('first_error')!r}"),
        ]
        code, result = await bench(binary, f"wss://127.0.0.1:{port}/", tmp,
                                   None, 1)
        checks += [
            (code != 0 and result.get("failed") == 2,
             f"unknown CA: exited {code}, failed {result.get('failed')}"),
            ("WS_ECERT" in (result.get("first_error") or ""),
             f"unknown CA: {result.get('first_error')!r}"),
            (server.opened == opened,
             f"refused connections opened: {server.opened - opened}"),
        ]
    return checks


def main():
    if len(sys.argv) != 2:
        print(f"usage: {sys.argv[0]} PATH/TO/uvws-bench", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        checks = asyncio.run(asyncio.wait_for(run(sys.argv[1], tmp),
                                              TIMEOUT))
    passed = sum(1 for ok, _ in checks if ok)
    for ok, what in checks:
        if not ok:
            print(f"FAIL: {what}", file=sys.stderr)
    print(f"{passed} passed, {len(checks) - passed} failed", flush=True)
    return 0 if passed == len(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
