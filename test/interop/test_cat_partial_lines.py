#!/usr/bin/python3
"""uvws-cat sends a line only once it is whole: a line written to its
stdin in two pieces, with a pause between them, reaches the echo sample
as one message (nothing comes back before the second piece)."""

import asyncio

from cat_harness import TIMEOUT, EchoServer, main, programs


async def test(checks):
    cat, echo = programs()
    with EchoServer(echo) as server:
        proc = await asyncio.create_subprocess_exec(
            cat, "-q", server.url, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE)
        proc.stdin.write(b"hel")
        await proc.stdin.drain()
        try:
            early = await asyncio.wait_for(proc.stdout.readline(), 0.5)
        except asyncio.TimeoutError:
            early = None
        checks.eq(early, None, "stdout before the line was whole")
        proc.stdin.write(b"lo wor")
        await proc.stdin.drain()
        await asyncio.sleep(0.1)
        proc.stdin.write(b"ld\nnext\n")
        proc.stdin.close()
        out = await asyncio.wait_for(proc.stdout.read(), TIMEOUT)
        code = await asyncio.wait_for(proc.wait(), TIMEOUT)
        server.stop()
    checks.eq(out, b"hello world\nnext\n", "stdout")
    checks.eq(code, 0, "exit status")


main(test)
