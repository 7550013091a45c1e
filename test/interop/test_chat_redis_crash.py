#!/usr/bin/python3
"""kill -9 one of two uvws-chat processes sharing a room through Redis:
its members leave the other's member list, with a leave notice, within
the presence ttl (1.5 s here) and one heartbeat (a third of it), and
their names are free again.

Usage: test_chat_redis_crash.py PATH/TO/uvws-chat
"""

import sys
import time

from redis_chat import Node, check, members_of, recv_type, run

TTL_MS = 1500


async def scenario(binary, redis):
    one = Node(binary, redis.url, TTL_MS)
    two = Node(binary, redis.url, TTL_MS)
    try:
        alice, _, _, _ = await one.join("lobby", "alice")
        erin, _, _, _ = await one.join("lobby", "erin")
        bob, members, _, _ = await two.join("lobby", "bob")
        check(members and members.get("members") == ["alice", "erin", "bob"],
              f"bob's list: {members!r}")

        # Longer than the ttl: heartbeats keep live members listed.
        await recv_type(bob, "never", timeout=2 * TTL_MS / 1000)
        check(await members_of(bob) == ["alice", "erin", "bob"],
              "live members stay past the ttl")

        one.kill()
        killed = time.monotonic()
        gone = set()
        while len(gone) < 2:
            left = await recv_type(bob, "leave", timeout=10)
            if left is None:
                break
            gone.add(left.get("name"))
        elapsed = time.monotonic() - killed
        check(gone == {"alice", "erin"}, f"leave notices: {gone!r}")
        # The bound: ttl + a heartbeat, with room for a busy machine.
        check(elapsed < (TTL_MS + TTL_MS / 3) / 1000 + 3,
              f"gone after {elapsed:.2f} s")
        check(await members_of(bob) == ["bob"], "bob is alone")

        alice2, members, _, _ = await two.join("lobby", "alice")
        check(members and members.get("members") == ["bob", "alice"],
              f"alice's name is free again: {members!r}")
        await alice2.close()
        await bob.close()
        del alice, erin
    finally:
        check(two.stop(), "node two exits 0 on SIGTERM")
        if one.proc.poll() is None:
            one.kill()


if __name__ == "__main__":
    run(sys.argv[1], scenario)
