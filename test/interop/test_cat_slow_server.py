#!/usr/bin/python3
"""uvws-cat does not drop lines when the server reads slowly: a
python3-websockets server that reads nothing for a second backs up TCP,
uvws-cat's send queue fills (--max-queued-bytes 1 MiB), and uvws-cat
stops reading stdin until the queue drains (on_drain); then every one of
the 16 MiB of lines reaches the server, whole and in order, and uvws-cat
exits 0."""

import asyncio

import websockets

from cat_harness import TIMEOUT, main, programs, run_cat_async

COUNT = 256
SIZE = 64 * 1024
got = []


def line(i):
    return f"{i:08d}".ljust(SIZE, "z")


async def handler(ws, path=None):
    await asyncio.sleep(1)
    async for message in ws:
        got.append(message)


async def test(checks):
    cat, _ = programs()
    stdin = "".join(line(i) + "\n" for i in range(COUNT)).encode()
    async with websockets.serve(handler, "127.0.0.1", 0, max_size=None,
                                compression=None) as server:
        port = server.sockets[0].getsockname()[1]
        code, _, _ = await run_cat_async(
            cat, ["-q", "--max-message-size", "65536", "--max-queued-bytes",
                  "1048576", f"ws://127.0.0.1:{port}/"], stdin)
        for _ in range(TIMEOUT * 10):
            if len(got) == COUNT:
                break
            await asyncio.sleep(0.1)
    checks.eq(code, 0, "exit status")
    checks.eq(len(got), COUNT, "messages the server got")
    bad = [i for i, m in enumerate(got) if m != line(i)]
    checks.eq(bad[:1], [], "the first message out of place")


main(test)
