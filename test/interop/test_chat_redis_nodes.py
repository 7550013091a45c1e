#!/usr/bin/python3
"""Two uvws-chat processes on different ports share a room through Redis:
members on both see each other's messages, joins and leaves, the member
list and the history are the room's, and a name is unique across both.

Usage: test_chat_redis_nodes.py PATH/TO/uvws-chat [CHAT ARGS...]

With --threads 2 each process is two nodes (one per loop): the same
checks then cross loops as well as processes.
"""

import sys

from redis_chat import (Node, check, members_of, recv, recv_type, run,
                        send)


async def scenario(binary, redis):
    one = Node(binary, redis.url, extra=sys.argv[2:])
    two = Node(binary, redis.url, extra=sys.argv[2:])
    try:
        alice, members, history, _ = await one.join("lobby", "alice")
        check(members and members.get("members") == ["alice"],
              f"alice's list: {members!r}")
        check(history and history.get("messages") == [],
              f"alice's history: {history!r}")
        await send(alice, {"type": "message", "text": "hello from one"})
        mine = await recv_type(alice, "message")
        check(mine and mine.get("text") == "hello from one",
              f"alice gets her own message once: {mine!r}")

        # Bob, on the other node, gets the room's list and history. Alice's
        # message may still be on its way through Redis as he joins: he
        # gets it once, in the history or right after it.
        bob, members, history, _ = await two.join("lobby", "bob")
        check(members and members.get("members") == ["alice", "bob"],
              f"bob's list spans both nodes: {members!r}")
        texts = [m.get("text") for m in (history or {}).get("messages", [])]
        if not texts:
            late = await recv_type(bob, "message")
            texts = [late.get("text")] if late else []
        check(texts == ["hello from one"], f"bob's history: {history!r}, "
              f"then {texts!r}")
        seen = await recv_type(alice, "join", "bob")
        check(seen is not None, "alice sees bob join on the other node")

        # Messages both ways, each once.
        await send(bob, {"type": "message", "text": "hi from two"})
        got = await recv_type(alice, "message")
        check(got and got.get("from") == "bob" and
              got.get("text") == "hi from two", f"alice gets bob's: {got!r}")
        got = await recv_type(bob, "message")
        check(got and got.get("text") == "hi from two",
              f"bob gets his own: {got!r}")
        for i in range(20):
            await send(alice, {"type": "message", "text": f"n{i}"})
        order = []
        for _ in range(20):
            got = await recv_type(bob, "message")
            order.append(got.get("text") if got else None)
        check(order == [f"n{i}" for i in range(20)],
              f"bob gets alice's 20 in order: {order!r}")
        for _ in range(20):
            await recv_type(alice, "message")
        extra = await recv(bob, 0.5)
        check(extra is None, f"nothing twice: {extra!r}")

        # A name in use on one node is taken on the other.
        taken = await one.connect("lobby", "bob")
        err = await recv(taken)
        check(err and err.get("type") == "error" and
              "taken" in err.get("error", ""), f"bob taken on one: {err!r}")
        await taken.wait_closed()
        check(taken.close_code == 4003, f"closed 4003: {taken.close_code}")

        # Lists from either node agree.
        carol, _, _, _ = await one.join("lobby", "carol")
        await recv_type(bob, "join", "carol")
        await recv_type(alice, "join", "carol")
        check(await members_of(bob) == ["alice", "bob", "carol"],
              "bob's list has carol")
        check(await members_of(alice) == ["alice", "bob", "carol"],
              "alice's list has carol")

        # A leave on one node reaches the other, and the list.
        await alice.close()
        left = await recv_type(bob, "leave", "alice")
        check(left is not None, "bob sees alice leave")
        check(await members_of(bob) == ["bob", "carol"],
              "alice left bob's list")

        # The last member on a node leaves: the others still hear it.
        await carol.close()
        left = await recv_type(bob, "leave", "carol")
        check(left is not None, "bob sees carol, one's last member, leave")

        # A newcomer on node one gets the history kept in Redis.
        dave, members, history, _ = await one.join("lobby", "dave")
        texts = [m.get("text") for m in (history or {}).get("messages", [])]
        check(texts[:2] == ["hello from one", "hi from two"] and
              len(texts) == 22, f"dave's history: {texts!r}")
        check(members and members.get("members") == ["bob", "dave"],
              f"dave's list: {members!r}")

        # The history keeps the room's last 50, whichever node they came
        # from, in order: each message is sent once a member on the other
        # node has it (a member's own copy comes from its node at once,
        # before Redis has it, so it orders nothing across nodes).
        for i in range(40):
            sender, other = (dave, bob) if i % 2 else (bob, dave)
            await send(sender, {"type": "message", "text": f"h{i}"})
            await recv_type(other, "message")
            await recv_type(sender, "message")
        eve, _, history, _ = await two.join("lobby", "eve")
        texts = [m.get("text") for m in (history or {}).get("messages", [])]
        check(len(texts) == 50 and texts[-40:] == [f"h{i}" for i in
                                                   range(40)],
              f"eve's history is the last 50: {texts!r}")
        await eve.close()
        await bob.close()
        await dave.close()
    finally:
        check(one.stop(), "node one exits 0 on SIGTERM")
        check(two.stop(), "node two exits 0 on SIGTERM")


if __name__ == "__main__":
    run(sys.argv[1], scenario)
