#!/usr/bin/python3
"""uvws-cat's exit status says how an open connection ended, with stdin
still open (so that the end is the server's doing): a clean close with a
code other than 1000/1001 exits 5, a frame that breaks the protocol (a
reserved opcode, which uvws-cat fails with 1002) exits 6, and a server
that drops the TCP connection without a close frame exits 7. A clean
close with 1001 exits 0. The server is a few lines of raw asyncio."""

import asyncio
import base64
import hashlib
import struct

from cat_harness import TIMEOUT, main, programs

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def close_frame(code, reason=b""):
    payload = struct.pack("!H", code) + reason
    return bytes([0x88, len(payload)]) + payload


# What the server does once the connection is open.
ENDINGS = {
    "close 1001": close_frame(1001),
    "close 4000": close_frame(4000, b"custom"),
    "reserved opcode": bytes([0x83, 0]),
    "tcp close": b"",
}


async def serve(ending, reader, writer):
    head = await reader.readuntil(b"\r\n\r\n")
    key = ""
    for line in head.decode().split("\r\n"):
        if line.lower().startswith("sec-websocket-key:"):
            key = line.split(":", 1)[1].strip()
    accept = base64.b64encode(
        hashlib.sha1((key + GUID).encode()).digest()).decode()
    writer.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Accept: "
                  f"{accept}\r\n\r\n").encode())
    writer.write(ENDINGS[ending])
    await writer.drain()
    if ENDINGS[ending]:
        # Until uvws-cat has answered (a close frame) and closed.
        try:
            await asyncio.wait_for(reader.read(), TIMEOUT)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
    writer.close()


async def exit_status(cat, ending):
    server = await asyncio.start_server(
        lambda r, w: serve(ending, r, w), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    proc = await asyncio.create_subprocess_exec(
        cat, f"ws://127.0.0.1:{port}/", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL)
    code = await asyncio.wait_for(proc.wait(), TIMEOUT)
    proc.stdin.close()
    server.close()
    await server.wait_closed()
    return code


async def test(checks):
    cat, _ = programs()
    want = {"close 1001": 0, "close 4000": 5, "reserved opcode": 6,
            "tcp close": 7}
    for ending, status in want.items():
        checks.eq(await exit_status(cat, ending), status,
                  f"exit status after {ending}")


main(test)
