#!/usr/bin/python3
"""The room's member list over Redis is in join order, even for joins that
Redis runs in the same millisecond.

Usage: test_chat_redis_join_order.py PATH/TO/uvws-chat

Redis is made to sleep (DEBUG SLEEP) while "zed" and then "amy" join on
one node: their two join scripts wait in the node's connection and run
back to back when Redis wakes, in the order they were sent. The list must
say zed before amy (a list ordered by the join's millisecond alone ties
and falls back to name order).
"""

import asyncio
import threading
import time

from redis_chat import Node, check, members_of, recv, run

SLEEP_S = 0.5


async def scenario(binary, redis):
    node = Node(binary, redis.url)
    try:
        sleeper = threading.Thread(
            target=redis.cli, args=("DEBUG", "SLEEP", str(SLEEP_S)))
        sleeper.start()
        time.sleep(0.1)  # Redis is asleep from here
        zed = await node.connect("lobby", "zed")
        await asyncio.sleep(0.05)  # zed's join goes out first
        amy = await node.connect("lobby", "amy")
        sleeper.join()
        for ws in (zed, amy):
            members = await recv(ws)
            check(members and members.get("type") == "members",
                  f"a member list first: {members!r}")
        check(await members_of(amy) == ["zed", "amy"],
              "the list is in join order")
        await zed.close()
        await amy.close()
    finally:
        check(node.stop(), "the node exits 0 on SIGTERM")


if __name__ == "__main__":
    run(__import__("sys").argv[1], scenario)
