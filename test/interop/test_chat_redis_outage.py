#!/usr/bin/python3
"""Redis dies under two uvws-chat processes sharing a room, and comes back
empty: meanwhile each node chats on its own (members get their own
messages, newcomers join), and once Redis is back what was said goes to
the other node once and in order, and the member lists are rebuilt.

Usage: test_chat_redis_outage.py PATH/TO/uvws-chat
"""

import asyncio
import sys

from redis_chat import (Node, check, members_of, recv, recv_type, run,
                        send)

TTL_MS = 1500


async def scenario(binary, redis):
    one = Node(binary, redis.url, TTL_MS)
    two = Node(binary, redis.url, TTL_MS)
    try:
        alice, _, _, _ = await one.join("lobby", "alice")
        bob, _, _, _ = await two.join("lobby", "bob")
        await recv_type(alice, "join", "bob")
        await send(alice, {"type": "message", "text": "before"})
        got = await recv_type(bob, "message")
        check(got and got.get("text") == "before", f"before: {got!r}")
        await recv_type(alice, "message")

        redis.kill()
        await asyncio.sleep(0.5)
        for i in range(10):
            await send(alice, {"type": "message", "text": f"m{i}"})
        own = []
        for _ in range(10):
            got = await recv_type(alice, "message")
            own.append(got.get("text") if got else None)
        check(own == [f"m{i}" for i in range(10)],
              f"alice chats on alone: {own!r}")
        carol, members, _, _ = await one.join("lobby", "carol")
        check(members and members.get("members") == ["alice", "carol"],
              f"carol joins node one alone: {members!r}")
        early = await recv(bob, 0.3)
        check(early is None, f"bob hears nothing while Redis is away: "
                             f"{early!r}")

        redis.start()
        texts = []
        while len(texts) < 10:
            got = await recv_type(bob, "message", timeout=15)
            if got is None:
                break
            texts.append(got.get("text"))
        check(texts == [f"m{i}" for i in range(10)],
              f"bob gets what was said, once, in order: {texts!r}")
        extra = await recv_type(bob, "message", timeout=0.5)
        check(extra is None, f"nothing twice: {extra!r}")

        # Presence comes back with the next heartbeats.
        await asyncio.sleep(2 * TTL_MS / 1000)
        names = await members_of(bob)
        check(names is not None and sorted(names) ==
              ["alice", "bob", "carol"], f"bob's list rebuilt: {names!r}")

        await send(bob, {"type": "message", "text": "after"})
        got = await recv_type(carol, "message")
        check(got and got.get("text") == "after", f"after: {got!r}")
        for ws in (alice, bob, carol):
            await ws.close()
    finally:
        check(one.stop(), "node one exits 0 on SIGTERM")
        check(two.stop(), "node two exits 0 on SIGTERM")


if __name__ == "__main__":
    run(sys.argv[1], scenario)
