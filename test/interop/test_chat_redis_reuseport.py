#!/usr/bin/python3
"""Two uvws-chat processes on one port (--reuseport, SO_REUSEPORT) sharing
their rooms through Redis: the kernel spreads the members between them,
and every member hears every other, whichever process holds it.

Usage: test_chat_redis_reuseport.py PATH/TO/uvws-chat
"""

import sys
import tempfile

from redis_chat import Node, check, members_of, recv_type, run, send

MEMBERS = 16


async def scenario(binary, redis):
    if not sys.platform.startswith("linux"):
        print("skipped: SO_REUSEPORT balances connections on Linux only",
              file=sys.stderr)
        sys.exit(77)
    logs = [tempfile.TemporaryFile(mode="w+") for _ in range(2)]
    one = Node(binary, redis.url, extra=["--reuseport"], log=logs[0])
    two = Node(binary, redis.url, port=one.port, extra=["--reuseport"],
               log=logs[1])
    check(two.port == one.port, f"one port: {one.port} and {two.port}")
    try:
        names = [f"m{i}" for i in range(MEMBERS)]
        sockets = []
        for name in names:
            ws, _, _, _ = await one.join("lobby", name)
            sockets.append(ws)
        # The last one's own join was read by join().
        for name, ws in zip(names, sockets[:-1]):
            check(await recv_type(ws, "join", names[-1]) is not None,
                  f"{name} hears {names[-1]} join")
        check(await members_of(sockets[0]) == names,
              "the list has every member, on either process")
        for name, ws in zip(names, sockets):
            await send(ws, {"type": "message", "text": f"from {name}"})
        for name, ws in zip(names, sockets):
            got = set()
            while len(got) < MEMBERS:
                m = await recv_type(ws, "message")
                if m is None:
                    break
                got.add(m.get("text"))
            check(got == {f"from {n}" for n in names},
                  f"{name} hears all {MEMBERS}: {len(got)}")
        for ws in sockets:
            await ws.close()
    finally:
        check(one.stop(), "process one exits 0 on SIGTERM")
        check(two.stop(), "process two exits 0 on SIGTERM")
    joined = []
    for log in logs:
        log.seek(0)
        joined.append(sum(" joined " in line for line in log))
        log.close()
    # 2 in 65536 that the kernel puts all 16 on one side.
    check(joined[0] > 0 and joined[1] > 0,
          f"both processes took members: {joined}")
    check(sum(joined) == MEMBERS, f"{sum(joined)} joins for {MEMBERS}")


if __name__ == "__main__":
    run(sys.argv[1], scenario)
