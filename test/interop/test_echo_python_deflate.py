#!/usr/bin/python3
"""permessage-deflate interop: the uvws-echo sample against Python's
websockets client, which compresses by default.

Usage: test_echo_python_deflate.py PATH/TO/uvws-echo

For several offers (the default one, with server_max_window_bits=10, with
client_no_context_takeover and client_max_window_bits=9, with a window of
8 bits asked of the server), checks what was negotiated and echoes JSON-like
text and binary messages from 0 bytes to 1 MiB, whole and fragmented, that
must come back byte-exact; then checks that `uvws-echo --no-deflate`
negotiates nothing and still echoes.
"""

import asyncio
import json
import random
import subprocess
import sys

import websockets
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory)

TIMEOUT = 120


def start(echo, *flags):
    proc = subprocess.Popen([echo, "--port", "0", *flags],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    line = proc.stdout.readline()
    if not line.startswith("listening on "):
        raise SystemExit(f"echo did not start: {line!r}")
    return proc, line.split()[-1]


def messages(rng):
    rows = [{"id": i, "user": f"user{rng.randrange(50)}",
             "text": rng.choice(["hello", "hi there", "see you", "ok"]),
             "price": round(rng.uniform(1, 100), 2)} for i in range(20000)]
    out = []
    for n in (0, 1, 50, 200, 1000, 4096, 65536, 300000, 1 << 20):
        text = json.dumps(rows)[:n]
        out.append(text)
        out.append(text.encode())
        out.append(bytes(rng.getrandbits(8) for _ in range(min(n, 5000))))
    return out


async def exchange(url, factory, expect, rng):
    failures = []
    kwargs = {"max_size": None}
    if factory is not None:
        kwargs["extensions"] = [factory]
    else:
        kwargs["compression"] = None
    async with websockets.connect(url, **kwargs) as ws:
        names = [e.name for e in ws.extensions]
        if expect is None:
            if names:
                failures.append(f"negotiated {names} with deflate off")
        else:
            if names != ["permessage-deflate"]:
                failures.append(f"negotiated {names}")
            else:
                ext = ws.extensions[0]
                got = (ext.remote_no_context_takeover,
                       ext.local_no_context_takeover,
                       ext.remote_max_window_bits)
                if got != expect:
                    failures.append(f"parameters {got}, wanted {expect}")
        for msg in messages(rng):
            if rng.random() < 0.3 and len(msg) > 10:
                cut = rng.randrange(len(msg))
                await ws.send([msg[:cut], msg[cut:]])
            else:
                await ws.send(msg)
            echo = await ws.recv()
            if echo != msg:
                failures.append(f"echo of {type(msg).__name__} of "
                                f"{len(msg)} differs")
    return failures


async def run(echo):
    rng = random.Random(7692)
    failures = []
    proc, url = start(echo)
    try:
        # (server_no_context_takeover, client_no_context_takeover,
        #  server_max_window_bits) as the client saw the answer.
        cases = [
            (ClientPerMessageDeflateFactory(client_max_window_bits=True),
             (True, True, 15)),
            (ClientPerMessageDeflateFactory(server_max_window_bits=10),
             (True, True, 10)),
            (ClientPerMessageDeflateFactory(client_no_context_takeover=True,
                                            client_max_window_bits=9),
             (True, True, 15)),
            (ClientPerMessageDeflateFactory(server_max_window_bits=8,
                                            server_no_context_takeover=True),
             (True, True, 8)),
        ]
        for factory, expect in cases:
            failures += await exchange(url, factory, expect, rng)
        failures += await exchange(url, None, None, rng)
    finally:
        proc.terminate()
        proc.wait()
    proc, url = start(echo, "--no-deflate")
    try:
        failures += await exchange(
            url, ClientPerMessageDeflateFactory(client_max_window_bits=True),
            None, rng)
    finally:
        proc.terminate()
        proc.wait()
    return failures


def main():
    if len(sys.argv) != 2:
        print(f"usage: {sys.argv[0]} PATH/TO/uvws-echo", file=sys.stderr)
        return 2
    failures = asyncio.run(asyncio.wait_for(run(sys.argv[1]), TIMEOUT))
    for f in failures:
        print(f"FAIL: {f}", file=sys.stderr)
    print("ok" if not failures else f"{len(failures)} failures", flush=True)
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
