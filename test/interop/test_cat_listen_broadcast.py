#!/usr/bin/python3
"""uvws-cat --listen: every line of stdin goes to every client connected
(two python3-websockets clients get the same lines, in order); what the
clients send is printed, after the client's address with --prefix; when
stdin ends, each client gets the --close code and uvws-cat exits 0."""

import asyncio

import websockets

from cat_harness import TIMEOUT, main, programs, start_listener


async def test(checks):
    cat, _ = programs()
    proc, url = await start_listener(cat, ["--prefix", "--close",
                                           "4002:bye"])
    a = await websockets.connect(url)
    b = await websockets.connect(url)
    await a.send("from a")
    # b's message is printed after a's: wait for a's line first.
    first = await asyncio.wait_for(proc.stdout.readline(), TIMEOUT)
    await b.send("from b")
    second = await asyncio.wait_for(proc.stdout.readline(), TIMEOUT)
    a_port = a.local_address[1]
    b_port = b.local_address[1]
    checks.eq(first, f"127.0.0.1:{a_port} from a\n".encode(), "a's line")
    checks.eq(second, f"127.0.0.1:{b_port} from b\n".encode(), "b's line")

    lines = ["one", "two \u00e9", "three"]
    proc.stdin.write("".join(line + "\n" for line in lines).encode("utf-8"))
    await proc.stdin.drain()
    for name, ws in (("a", a), ("b", b)):
        got = [await asyncio.wait_for(ws.recv(), TIMEOUT) for _ in lines]
        checks.eq(got, lines, f"what {name} got")
    proc.stdin.close()
    for name, ws in (("a", a), ("b", b)):
        try:
            extra = await asyncio.wait_for(ws.recv(), TIMEOUT)
            checks.check(False, f"{name} got {extra!r} after the lines")
        except websockets.ConnectionClosed:
            pass
        checks.eq((ws.close_code, ws.close_reason), (4002, "bye"),
                  f"{name}'s close")
    code = await asyncio.wait_for(proc.wait(), TIMEOUT)
    checks.eq(code, 0, "exit status")


main(test)
