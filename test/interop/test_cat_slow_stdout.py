#!/usr/bin/python3
"""uvws-cat does not buffer without bound when stdout is slow: while
nobody reads its stdout, it stops reading from the connection (so the
python3-websockets server, which sends 32 MiB as fast as it can, is held
back to a fraction of it); once stdout is read, every message arrives,
whole and in order, and uvws-cat exits 0 after the server's close."""

import asyncio

import websockets

from cat_harness import TIMEOUT, main, programs

COUNT = 512
SIZE = 64 * 1024
sent = [0]


def message(i):
    return f"{i:08d}".ljust(SIZE, "x")


async def handler(ws, path=None):
    for i in range(COUNT):
        await ws.send(message(i))
        sent[0] += 1
    await ws.close()


async def test(checks):
    cat, _ = programs()
    async with websockets.serve(handler, "127.0.0.1", 0,
                                compression=None) as server:
        port = server.sockets[0].getsockname()[1]
        proc = await asyncio.create_subprocess_exec(
            cat, "-q", f"ws://127.0.0.1:{port}/",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            limit=SIZE * 2)
        # asyncio reads a little of stdout into its buffer, then stops.
        await asyncio.sleep(1.5)
        held_at = sent[0]
        checks.check(held_at < COUNT // 2,
                     f"the server sent {held_at} of {COUNT} messages "
                     f"while stdout was not read")
        got = 0
        for i in range(COUNT):
            line = await asyncio.wait_for(proc.stdout.readline(), TIMEOUT)
            if line != (message(i) + "\n").encode():
                checks.check(False, f"message {i}: {line[:20]!r}...")
                break
            got += 1
        checks.eq(got, COUNT, "messages printed")
        code = await asyncio.wait_for(proc.wait(), TIMEOUT)
        proc.stdin.close()
    print(f"the server had sent {held_at} messages when held back")
    checks.eq(code, 0, "exit status")


main(test)
