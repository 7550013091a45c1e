#!/usr/bin/python3
"""uvws-cat against a python3-websockets server: the request carries the
--subprotocol offers, --origin and --header asked for; the server picks
the second subprotocol offered, greets first, then answers each line as it
comes; stdout has the greeting and every answer in order, and once stdin
ends uvws-cat closes with 1000 and exits 0."""

import asyncio

import websockets

from cat_harness import TIMEOUT, main, programs

seen = {}


async def handler(ws, path=None):
    seen["subprotocol"] = ws.subprotocol
    seen["origin"] = ws.request_headers.get("Origin")
    seen["x-test"] = ws.request_headers.get_all("X-Test")
    await ws.send("welcome")
    async for message in ws:
        await ws.send(f"got {type(message).__name__} {message}")
    seen["close"] = ws.close_code


async def test(checks):
    cat, _ = programs()
    async with websockets.serve(handler, "127.0.0.1", 0,
                                subprotocols=["superchat"]) as server:
        port = server.sockets[0].getsockname()[1]
        proc = await asyncio.create_subprocess_exec(
            cat, "-s", "chat", "--subprotocol", "superchat",
            "--origin", "http://example.test", "-H", "X-Test: one",
            "--header=X-Test: two", f"ws://127.0.0.1:{port}/chat",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        got = [await asyncio.wait_for(proc.stdout.readline(), TIMEOUT)]
        for line in ["first", "second \u00e9"]:
            proc.stdin.write(f"{line}\n".encode("utf-8"))
            got.append(await asyncio.wait_for(proc.stdout.readline(),
                                              TIMEOUT))
        proc.stdin.close()
        rest, err = await asyncio.wait_for(proc.communicate(), TIMEOUT)
        code = proc.returncode
        err = err.decode("utf-8", "replace")
        for _ in range(100):
            if "close" in seen:
                break
            await asyncio.sleep(0.02)
    checks.eq(code, 0, "exit status")
    checks.eq(b"".join(got).decode("utf-8"),
              "welcome\ngot str first\ngot str second \u00e9\n", "stdout")
    checks.eq(rest, b"", "stdout after the answers")
    checks.eq(seen.get("subprotocol"), "superchat", "subprotocol")
    checks.eq(seen.get("origin"), "http://example.test", "Origin")
    checks.eq(seen.get("x-test"), ["one", "two"], "X-Test headers")
    checks.eq(seen.get("close"), 1000, "close code")
    checks.check("subprotocol superchat" in err, f"stderr: {err!r}")


main(test)
