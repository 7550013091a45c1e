#!/usr/bin/python3
"""uvws-cat against uvws-cat: a client's lines go through a --listen
--echo server and come back on the client's stdout; the client exits 0
after a clean close, and the server printed the same lines."""

import asyncio
import signal

from cat_harness import TIMEOUT, main, programs, run_cat_async, start_listener

LINES = ["one", "", "three \u00e9"]


async def test(checks):
    cat, _ = programs()
    server, url = await start_listener(cat, ["--echo"])
    stdin = "".join(line + "\n" for line in LINES).encode("utf-8")
    code, out, _ = await run_cat_async(cat, [url], stdin)
    checks.eq(code, 0, "the client's exit status")
    checks.eq(out, stdin, "the client's stdout")
    server.send_signal(signal.SIGTERM)
    printed, _ = await asyncio.wait_for(server.communicate(), TIMEOUT)
    checks.eq(printed, stdin, "the server's stdout")
    checks.eq(server.returncode, 0, "the server's exit status")


main(test)
