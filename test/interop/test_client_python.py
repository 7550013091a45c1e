#!/usr/bin/python3
"""Client interop test: uvws-bench (ws_client_t) against Python's websockets.

Usage: test_client_python.py PATH/TO/uvws-bench [--deflate]

Starts a python3-websockets (Debian, 10.4) echo server on a free port and
runs `uvws-bench echo` against it: a few connections, text and binary
messages of mixed sizes from 0 bytes to 1 MiB (each edge of the 7-, 16- and
64-bit length encodings), several in flight on each connection, every echo
checked byte for byte by uvws-bench. Then asserts that uvws-bench exited 0
and reported every message, with no error, no lost message, no connection
that failed or closed early; that the server saw exactly those connections
open and each close with 1001 (ws_client_close()); and that it echoed as
many messages as uvws-bench counted.

With --deflate, uvws-bench offers permessage-deflate (which the server
accepts by default) and sends JSON-like text (--payload json); every
connection must have negotiated it.
"""

import asyncio
import json
import os
import sys
import tempfile

import websockets

CONNECTIONS = 4
MESSAGES = 150         # per connection
INFLIGHT = 4
SIZES = "0,1,2,125,126,127,128,1000,65535,65536,65537,262144,1048576"
TIMEOUT = 100          # seconds for the whole run


class Server:
    def __init__(self):
        self.opened = 0
        self.closes = []
        self.echoed = 0
        self.failures = []
        self.extensions = []

    async def handler(self, ws, path=None):  # websockets 10: (ws, path)
        self.opened += 1
        self.extensions.append([e.name for e in ws.extensions])
        try:
            async for message in ws:
                await ws.send(message)
                self.echoed += 1
        except websockets.ConnectionClosed:
            pass
        except Exception as e:  # noqa: BLE001
            self.failures.append(repr(e))
        self.closes.append(ws.close_code)


async def run(bench, deflate):
    server = Server()
    async with websockets.serve(server.handler, "127.0.0.1", 0,
                                max_size=None,
                                compression="deflate" if deflate else None
                                ) as ws_server:
        port = ws_server.sockets[0].getsockname()[1]
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "result.json")
            cmd = [bench, "echo", "-q", "--url", f"ws://127.0.0.1:{port}/",
                   "-c", str(CONNECTIONS), "-s", SIZES, "--opcode", "mixed",
                   "-k", str(INFLIGHT), "-n", str(MESSAGES), "--drain", "20",
                   "--json", out, "--label", "python-websockets"]
            if deflate:
                cmd += ["--deflate", "--payload", "json"]
            print(" ".join(cmd), flush=True)
            proc = await asyncio.create_subprocess_exec(
                *cmd, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT)
            stdout, _ = await proc.communicate()
            print(stdout.decode("utf-8", "replace"), flush=True)
            with open(out) as f:
                result = json.load(f)
        # Let the server finish the close handshakes it is in.
        for _ in range(100):
            if len(server.closes) >= server.opened:
                break
            await asyncio.sleep(0.05)
    return proc.returncode, result, server


def main():
    deflate = sys.argv[2:] == ["--deflate"]
    if len(sys.argv) != 2 and not deflate:
        print(f"usage: {sys.argv[0]} PATH/TO/uvws-bench [--deflate]",
              file=sys.stderr)
        return 2
    code, result, server = asyncio.run(
        asyncio.wait_for(run(sys.argv[1], deflate), TIMEOUT))
    want = CONNECTIONS * MESSAGES
    checks = [
        (code == 0, f"uvws-bench exited {code}, wanted 0"),
        (result.get("ok") is True, "uvws-bench reported a failure"),
        (result.get("errors") == 0, f"errors: {result.get('errors')} "
                                    f"({result.get('first_error')!r})"),
        (result.get("lost") == 0, f"lost: {result.get('lost')}"),
        (result.get("failed") == 0, f"failed: {result.get('failed')}"),
        (result.get("closed_early") == 0,
         f"closed early: {result.get('closed_early')}"),
        (result.get("opened") == CONNECTIONS,
         f"opened {result.get('opened')}, wanted {CONNECTIONS}"),
        (result.get("total_messages") == want,
         f"{result.get('total_messages')} echoes checked, wanted {want}"),
        (server.opened == CONNECTIONS,
         f"the server saw {server.opened} connections"),
        (server.echoed == want, f"the server echoed {server.echoed}"),
        (server.closes == [1001] * CONNECTIONS,
         f"close codes seen by the server: {server.closes}"),
        (not server.failures, f"server failures: {server.failures}"),
        (server.extensions == [["permessage-deflate"] if deflate else []] *
         CONNECTIONS, f"extensions negotiated: {server.extensions}"),
    ]
    passed = sum(1 for ok, _ in checks if ok)
    for ok, what in checks:
        if not ok:
            print(f"FAIL: {what}", file=sys.stderr)
    print(f"{passed} passed, {len(checks) - passed} failed", flush=True)
    return 0 if passed == len(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
