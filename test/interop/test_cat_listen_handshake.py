#!/usr/bin/python3
"""uvws-cat --listen answers the upgrade as its flags say: --subprotocol
picks the first of its own that the client offers, --header adds to the
101 response, and --origin refuses a client with another Origin (403)."""

import asyncio

import websockets

from cat_harness import TIMEOUT, main, programs, start_listener


async def test(checks):
    cat, _ = programs()
    proc, url = await start_listener(
        cat, ["--echo", "-s", "v2", "-s", "v1", "-H", "X-Served-By: cat",
              "--origin", "https://good.test"])
    async with websockets.connect(url, subprotocols=["v1", "v2", "v3"],
                                  origin="https://good.test") as ws:
        checks.eq(ws.subprotocol, "v2", "subprotocol")
        checks.eq(ws.response_headers.get("X-Served-By"), "cat",
                  "the added header")
        await ws.send("ok")
        checks.eq(await asyncio.wait_for(ws.recv(), TIMEOUT), "ok", "echo")
    try:
        async with websockets.connect(url, origin="https://evil.test"):
            status = 101
    except websockets.InvalidStatusCode as e:
        status = e.status_code
    checks.eq(status, 403, "the status for another Origin")
    proc.terminate()
    code = await asyncio.wait_for(proc.wait(), TIMEOUT)
    checks.eq(code, 0, "exit status")


main(test)
