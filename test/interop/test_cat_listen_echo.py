#!/usr/bin/python3
"""uvws-cat --listen --echo: each client gets its own messages back, text
and binary alike, and they are printed; stdin is not read (its end stops
nothing); SIGTERM closes the client with 1001 and uvws-cat exits 0."""

import asyncio
import signal

import websockets

from cat_harness import TIMEOUT, main, programs, start_listener


async def test(checks):
    cat, _ = programs()
    proc, url = await start_listener(cat, ["--echo"])
    proc.stdin.close()
    async with websockets.connect(url) as ws:
        for message in ["hello", b"\x00\x01", ""]:
            await ws.send(message)
            got = await asyncio.wait_for(ws.recv(), TIMEOUT)
            checks.eq(got, message, "the echo")
        line = await asyncio.wait_for(proc.stdout.readline(), TIMEOUT)
        checks.eq(line, b"hello\n", "stdout's first line")
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(ws.recv(), TIMEOUT)
        except websockets.ConnectionClosed:
            pass
        checks.eq(ws.close_code, 1001, "close code after SIGTERM")
    code = await asyncio.wait_for(proc.wait(), TIMEOUT)
    checks.eq(code, 0, "exit status")


main(test)
