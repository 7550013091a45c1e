#!/usr/bin/python3
"""The chat sample on two loops (uvws-chat --threads 2): one room whose
members are spread over both loops is still one room.

Usage: test_chat_threads.py PATH/TO/uvws-chat

Connections are handed to the loops round robin, so members joining one
after the other are on both loops (the server says it serves on 2).
Then: member lists and join notices across loops, every member seeing the
same messages in the same order while all of them post at once, a late
member's history equal to the last 50 of what everyone saw (the same
bytes), names unique across loops, leave notices, the room freed when its
last member leaves, and SIGTERM closing every loop's members and exiting 0.

Runs with Debian's /usr/bin/python3 and python3-websockets (10.4).
"""

import asyncio
import json
import re
import signal
import sys

from test_chat_python import (HISTORY, STEP_TIMEOUT, Chat, check,
                              check_sanitizers, drain, quiet, recv, recv_raw,
                              refused, results, send)

BURST = 30  # messages each member posts at once


async def logged(log, line):
    """True once the server has printed line (within STEP_TIMEOUT)."""
    for _ in range(STEP_TIMEOUT * 100):
        if line in log:
            return True
        await asyncio.sleep(0.01)
    return False


async def test_room_across_loops(chat, log):
    alice, members, _, _ = await chat.join("lobby", "alice")
    bob, members, _, _ = await chat.join("lobby", "bob")
    check(members is not None and members.get("members") == ["alice", "bob"],
          f"bob's member list: {members!r}")
    carol, members, history, joined = await chat.join("lobby", "carol")
    check(members is not None and
          members.get("members") == ["alice", "bob", "carol"],
          f"carol's member list: {members!r}")
    check(history == {"type": "history", "room": "lobby", "messages": []},
          f"carol's history: {history!r}")
    check(joined is not None and joined.get("name") == "carol",
          f"carol's own join notice: {joined!r}")
    for who, ws, names in (("alice", alice, ["bob", "carol"]),
                           ("bob", bob, ["carol"])):
        for name in names:
            got = await recv(ws)
            check(got is not None and got.get("type") == "join" and
                  got.get("name") == name,
                  f"{who} sees {name} join: {got!r}")

    # The server serves on two loops, which take connections in turn
    # (test_threads_server_loops): alice and carol on one, bob on the
    # other.
    check(await logged(log, "serving on 2 loops"),
          "the server does not say it serves on 2 loops")

    # Everyone posts at once: every member gets every message once, all in
    # the same order, and each sender's own in the order it sent them.
    members = {"alice": alice, "bob": bob, "carol": carol}

    async def post(name, ws):
        for i in range(BURST):
            await send(ws, {"type": "message", "text": f"{name} {i}"})

    async def collect(ws):
        return [await recv_raw(ws) for _ in range(BURST * len(members))]

    results_ = await asyncio.gather(
        *(post(n, ws) for n, ws in members.items()),
        *(collect(ws) for ws in members.values()))
    got = results_[len(members):]
    check(got[0] == got[1] == got[2],
          "members saw the messages in different orders (or bytes)")
    texts = [json.loads(raw)["text"] for raw in got[0]]
    for name in members:
        mine = [t for t in texts if t.startswith(name + " ")]
        check(mine == [f"{name} {i}" for i in range(BURST)],
              f"{name}'s messages out of order or missing: {mine[:5]}...")
    for who, ws in members.items():
        check(await quiet(ws), f"{who} got more than the burst")

    # A late member: its history is the last 50 of those, as broadcast, and
    # the member list spans both loops.
    dave = await chat.connect("/ws/lobby?name=dave")
    members_msg = await recv(dave)
    check(members_msg is not None and members_msg.get("members") ==
          ["alice", "bob", "carol", "dave"],
          f"dave's member list: {members_msg!r}")
    raw = await recv_raw(dave)
    check(raw == '{"type":"history","room":"lobby","messages":[' +
          ",".join(got[0][-HISTORY:]) + "]}",
          "dave's history is not the last 50 messages as broadcast")
    got_join = await recv(dave)
    check(got_join is not None and got_join.get("name") == "dave",
          f"dave's own join notice: {got_join!r}")
    for who, ws in members.items():
        seen_join = await recv(ws)
        check(seen_join == got_join, f"{who} sees dave join: {seen_join!r}")
    members["dave"] = dave

    # Names are unique across loops: two tries in a row land on both.
    for _ in range(2):
        err, code, _ = await refused(chat, "/ws/lobby?name=alice")
        check(code == 4003 and err is not None and
              err.get("type") == "error",
              f"a second alice: {err!r}, close {code}")

    # The member list on demand, and a leave seen on every loop.
    await bob.close()
    del members["bob"]
    for who, ws in members.items():
        got_leave = await recv(ws)
        check(got_leave is not None and got_leave.get("type") == "leave" and
              got_leave.get("name") == "bob",
              f"{who} sees bob leave: {got_leave!r}")
    await send(carol, {"type": "members"})
    got_members = await recv(carol)
    check(got_members is not None and got_members.get("members") ==
          ["alice", "carol", "dave"],
          f"members after bob left: {got_members!r}")
    await send(dave, {"type": "message", "text": "after"})
    for who, ws in members.items():
        got_msg = await recv(ws)
        check(got_msg is not None and got_msg.get("text") == "after",
              f"{who} after bob left: {got_msg!r}")
    for ws in members.values():
        await ws.close()

    # The last one out (on whichever loop) freed the room, history and all.
    check(await logged(log, "room lobby: freed"),
          "the room was not freed once everyone left")
    fresh, members_msg, history, _ = await chat.join("lobby", "alice")
    check(members_msg is not None and
          members_msg.get("members") == ["alice"],
          f"members of a re-created room: {members_msg!r}")
    check(history is not None and history.get("messages") == [],
          f"a room that emptied kept its history: {history!r}")
    await fresh.close()


async def main(server_path, server):
    proc = await asyncio.create_subprocess_exec(
        server_path, "--port", "0", "--threads", "2",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    server["proc"] = proc
    server["log_task"] = asyncio.create_task(drain(proc.stderr, server["log"]))
    line = await asyncio.wait_for(proc.stdout.readline(), 10)
    text = line.decode("utf-8", "replace").strip()
    m = re.fullmatch(r"listening on ws://(.+):(\d+)/", text)
    if not check(m is not None, f"server said {text!r}"):
        return
    chat = Chat(m.group(1), int(m.group(2)))
    try:
        await test_room_across_loops(chat, server["log"])
    except Exception as e:  # noqa: BLE001 -- a failure, not a crash
        check(False, f"test_room_across_loops: {e!r}")

    # SIGTERM closes the members of both loops with 1001; exit 0.
    a, _, _, _ = await chat.join("last", "a")
    b, _, _, _ = await chat.join("last", "b")
    proc.send_signal(signal.SIGTERM)
    for ws in (a, b):
        try:
            await asyncio.wait_for(ws.wait_closed(), STEP_TIMEOUT)
        except asyncio.TimeoutError:
            pass
        check(ws.close_code == 1001, f"SIGTERM: closed {ws.close_code}")
    status = await asyncio.wait_for(proc.wait(), STEP_TIMEOUT)
    check(status == 0, f"server exit status {status}, wanted 0")


async def run(server_path):
    server = {"proc": None, "log": [], "log_task": None}
    try:
        await asyncio.wait_for(main(server_path, server), 60)
    except asyncio.TimeoutError:
        check(False, "the run took over 60 s")
    finally:
        proc = server["proc"]
        if proc is not None and proc.returncode is None:
            proc.kill()
            await proc.wait()
    if server["log_task"] is not None:
        try:
            await asyncio.wait_for(server["log_task"], 10)
        except asyncio.TimeoutError:
            server["log_task"].cancel()
    log = server["log"]
    for room in ("lobby", "last"):
        created = log.count(f"room {room}: created")
        freed = log.count(f"room {room}: freed")
        check(created > 0 and created == freed,
              f"room {room}: created {created} times, freed {freed}")
    check_sanitizers(log)
    return log


def entry():
    if len(sys.argv) != 2:
        print(f"usage: {sys.argv[0]} PATH/TO/uvws-chat", file=sys.stderr)
        return 2
    log = asyncio.run(run(sys.argv[1]))
    if results.failed:
        print("server log (last 40 lines):", file=sys.stderr)
        for line in log[-40:]:
            print(f"  {line}", file=sys.stderr)
    print(f"{results.passed} passed, {results.failed} failed", flush=True)
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(entry())
