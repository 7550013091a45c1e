#!/usr/bin/python3
"""uvws-cat exits 4 when the server refuses the upgrade, here with HTTP
403 from a python3-websockets server, and names the status on stderr."""

import http

import websockets

from cat_harness import main, programs, run_cat_async


async def refuse(path, headers):
    return http.HTTPStatus.FORBIDDEN, [], b"no\n"


async def handler(ws, path=None):
    await ws.close()


async def test(checks):
    cat, _ = programs()
    async with websockets.serve(handler, "127.0.0.1", 0,
                                process_request=refuse) as server:
        port = server.sockets[0].getsockname()[1]
        code, out, err = await run_cat_async(
            cat, [f"ws://127.0.0.1:{port}/"], b"hi\n")
    checks.eq(code, 4, "exit status")
    checks.eq(out, b"", "stdout")
    checks.check("HTTP 403" in err, f"stderr: {err!r}")


main(test)
