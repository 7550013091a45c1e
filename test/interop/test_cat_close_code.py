#!/usr/bin/python3
"""uvws-cat --close CODE:REASON: when stdin ends, the server gets that
close code and reason; the close handshake completes with that code, so
uvws-cat exits 0."""

import asyncio

import websockets

from cat_harness import main, programs, run_cat_async

closes = []


async def handler(ws, path=None):
    try:
        async for _ in ws:
            pass
    except websockets.ConnectionClosed:
        pass
    closes.append((ws.close_code, ws.close_reason))


async def test(checks):
    cat, _ = programs()
    async with websockets.serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        code, _, _ = await run_cat_async(
            cat, ["--close", "4001:gone fishing", f"ws://127.0.0.1:{port}/"],
            b"one line\n")
        for _ in range(100):  # the handler may still be finishing
            if closes:
                break
            await asyncio.sleep(0.02)
    checks.eq(code, 0, "exit status")
    checks.eq(closes, [(4001, "gone fishing")], "the server's close")


main(test)
