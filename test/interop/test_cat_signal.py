#!/usr/bin/python3
"""SIGINT makes uvws-cat close as the end of stdin would: with stdin still
open, the python3-websockets server gets the --close code, and uvws-cat
exits 0 once the close handshake is done."""

import asyncio
import signal

import websockets

from cat_harness import TIMEOUT, main, programs

closes = []


async def handler(ws, path=None):
    await ws.send("hi")
    try:
        async for _ in ws:
            pass
    except websockets.ConnectionClosed:
        pass
    closes.append(ws.close_code)


async def test(checks):
    cat, _ = programs()
    async with websockets.serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        proc = await asyncio.create_subprocess_exec(
            cat, "--close", "4005", f"ws://127.0.0.1:{port}/",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        # Printed: the connection is open on uvws-cat's side too.
        hi = await asyncio.wait_for(proc.stdout.readline(), TIMEOUT)
        checks.eq(hi, b"hi\n", "the greeting")
        proc.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(proc.wait(), TIMEOUT)
        proc.stdin.close()
        for _ in range(100):
            if closes:
                break
            await asyncio.sleep(0.02)
    checks.eq(code, 0, "exit status")
    checks.eq(closes, [4005], "the server's close code")


main(test)
