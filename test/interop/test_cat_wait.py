#!/usr/bin/python3
"""uvws-cat --wait MS: after stdin ends, answers still arrive for MS ms
before the close frame goes out (a python3-websockets server that answers
300 ms late, and stops answering once it sees a close, gets its answer
printed); the server's close ends the wait early, and uvws-cat exits 0."""

import asyncio
import time

import websockets

from cat_harness import main, programs, run_cat_async

DELAY = 0.3


async def late_answer(ws, path=None):
    async for message in ws:
        await asyncio.sleep(DELAY)
        await ws.send(f"answer to {message}")


async def answer_and_close(ws, path=None):
    async for message in ws:
        await ws.send(f"answer to {message}")
        await ws.close(1000)


async def test(checks):
    cat, _ = programs()
    async with websockets.serve(late_answer, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        code, out, _ = await run_cat_async(
            cat, ["--wait", "1500", f"ws://127.0.0.1:{port}/"], b"q\n")
    checks.eq(code, 0, "exit status")
    checks.eq(out, b"answer to q\n", "stdout after a late answer")

    async with websockets.serve(answer_and_close, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        start = time.monotonic()
        code, out, _ = await run_cat_async(
            cat, ["-w", "10000", f"ws://127.0.0.1:{port}/"], b"q\n")
        took = time.monotonic() - start
    checks.eq(code, 0, "exit status when the server closes")
    checks.eq(out, b"answer to q\n", "stdout when the server closes")
    checks.check(took < 5, f"the server's close ended the wait: {took:.1f} s")


main(test)
