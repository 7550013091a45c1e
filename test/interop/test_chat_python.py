#!/usr/bin/python3
"""Chat protocol test: the uvws-chat sample against Python's websockets.

Usage: test_chat_python.py PATH/TO/uvws-chat [SERVER ARGS...]

Starts the chat server on a free port and checks the protocol that
samples/chat/chat.h describes: the member list, history and join notice a
new member gets, messages broadcast to every member (the sender included),
leave notices, the last 50 messages replayed to a newcomer, a room (and its
history) freed when its last member leaves, refusals (bad room, missing,
bad or taken name) as an error object and a 4xxx close, errors for bad
input while the connection stays, 1003 for binary and 1009 for a huge
message, 404 for other paths, the page over plain HTTP, and that SIGTERM
closes members with 1001 and makes the server exit 0.

Runs with Debian's /usr/bin/python3 and python3-websockets (10.4).
"""

import asyncio
import json
import re
import signal
import sys
import time
import urllib.error
import urllib.request

import websockets

STEP_TIMEOUT = 10     # seconds for any single receive or close
TOTAL_TIMEOUT = 120   # seconds for the whole run
HISTORY = 50


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.messages = []

    def check(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            if len(self.messages) < 40:
                self.messages.append(what)
            print(f"FAIL: {what}", file=sys.stderr, flush=True)
        return cond


results = Results()
check = results.check


class Chat:
    """The server's address and helpers to talk to it."""

    def __init__(self, host, port):
        self.host = host
        self.port = port

    def uri(self, path):
        return f"ws://{self.host}:{self.port}{path}"

    async def connect(self, path):
        return await asyncio.wait_for(
            websockets.connect(self.uri(path), max_size=None,
                               close_timeout=STEP_TIMEOUT), STEP_TIMEOUT)

    async def join(self, room, name):
        """Joins and reads the members, history and own join notice."""
        ws = await self.connect(f"/ws/{room}?name={name}")
        members = await recv(ws)
        history = await recv(ws)
        joined = await recv(ws)
        return ws, members, history, joined


async def recv(ws):
    """The next JSON object from ws, or None when the wait times out."""
    try:
        raw = await asyncio.wait_for(ws.recv(), STEP_TIMEOUT)
    except asyncio.TimeoutError:
        return None
    check(isinstance(raw, str), f"a binary frame from the server: {raw!r}")
    return json.loads(raw)


async def recv_raw(ws):
    return await asyncio.wait_for(ws.recv(), STEP_TIMEOUT)


async def quiet(ws, seconds=0.3):
    """True if nothing arrives on ws for a while."""
    try:
        got = await asyncio.wait_for(ws.recv(), seconds)
    except asyncio.TimeoutError:
        return True
    print(f"unexpected: {got!r}", file=sys.stderr)
    return False


def now_ms():
    return int(time.time() * 1000)


def check_ts(obj, what):
    ts = obj.get("ts") if isinstance(obj, dict) else None
    check(isinstance(ts, int) and abs(ts - now_ms()) < 60_000,
          f"{what}: ts {ts!r} is not milliseconds since the epoch")


async def send(ws, obj):
    await ws.send(json.dumps(obj))


async def test_join_and_broadcast(chat):
    alice, members, history, joined = await chat.join("lobby", "alice")
    check(members == {"type": "members", "room": "lobby",
                      "members": ["alice"]},
          f"alice's member list: {members!r}")
    check(history == {"type": "history", "room": "lobby", "messages": []},
          f"alice's history: {history!r}")
    check(joined is not None and joined.get("type") == "join" and
          joined.get("room") == "lobby" and joined.get("name") == "alice",
          f"alice's own join notice: {joined!r}")
    check_ts(joined, "join notice")

    # Percent-decoding, and '+' as a space in the query.
    bob, members, _, joined = await chat.join("lobby", "B%C3%B6b+the+2nd")
    bob_name = "B\u00f6b the 2nd"
    check(members is not None and
          members.get("members") == ["alice", bob_name],
          f"bob's member list (join order): {members!r}")
    check(joined is not None and joined.get("name") == bob_name,
          f"bob's own join notice: {joined!r}")
    seen = await recv(alice)
    check(seen is not None and seen.get("type") == "join" and
          seen.get("name") == bob_name, f"alice sees bob join: {seen!r}")

    # One message reaches every member, the sender included, as the very
    # same bytes.
    text = "hello \"world\" \\ \n\t\u0000 \u00e9\u4e2d\U0001f600 </script>"
    await send(alice, {"type": "message", "text": text})
    raw_a = await recv_raw(alice)
    raw_b = await recv_raw(bob)
    check(raw_a == raw_b, "the sender and the other member got different "
          "bytes")
    got = json.loads(raw_a)
    check(set(got) == {"type", "room", "from", "text", "ts"} and
          got["type"] == "message" and got["room"] == "lobby" and
          got["from"] == "alice" and got["text"] == text,
          f"message as broadcast: {got!r}")
    check_ts(got, "message")
    await send(bob, {"type": "message", "text": "hi alice", "extra": [1]})
    got_a = await recv(alice)
    got_b = await recv(bob)
    check(got_a == got_b and got_a is not None and
          got_a.get("from") == bob_name and got_a.get("text") == "hi alice",
          f"bob's message: {got_a!r} / {got_b!r}")

    # The member list on demand.
    await send(bob, {"type": "members"})
    got = await recv(bob)
    check(got == {"type": "members", "room": "lobby",
                  "members": ["alice", bob_name]},
          f"members command: {got!r}")
    check(await quiet(alice), "alice got bob's member list")

    # Text exactly at the limit, in 2-byte characters, and written as
    # \\u escapes (the limit counts decoded bytes).
    await alice.send('{"type":"message","text":"' + "\\u00e9" * 2048 + '"}')
    got = await recv(alice)
    check(got is not None and got.get("text") == "\u00e9" * 2048,
          "4096 bytes of text were not broadcast")
    await recv(bob)

    # Leave: the others get a notice, the one who left gets nothing more.
    await bob.close()
    got = await recv(alice)
    check(got is not None and got.get("type") == "leave" and
          got.get("room") == "lobby" and got.get("name") == bob_name,
          f"leave notice: {got!r}")
    check_ts(got, "leave notice")
    # Another room is another world.
    other, members, _, _ = await chat.join("other", "alice")
    check(members is not None and members.get("members") == ["alice"],
          f"the same name in another room: {members!r}")
    await send(other, {"type": "message", "text": "elsewhere"})
    await recv(other)
    check(await quiet(alice), "a message crossed rooms")
    await other.close()
    await alice.close()


async def test_bad_input(chat):
    ws, _, _, _ = await chat.join("errors", "carol")
    cases = [
        ("not json", "message is not valid JSON"),
        ("", "message is not valid JSON"),
        ("{", "message is not valid JSON"),
        ('{"type":"message","text":"x",}', "message is not valid JSON"),
        ("{'type':'message'}", "message is not valid JSON"),
        ('{"type":"message","text":"\\ud800"}', "message is not valid JSON"),
        ('{"type":"message","text":"a\x01"}', "message is not valid JSON"),
        ('{"type":"message"} x', "message is not valid JSON"),
        ('{"n":01}', "message is not valid JSON"),
        ("[1,2]", "message must be a JSON object"),
        ('"message"', "message must be a JSON object"),
        ("42", "message must be a JSON object"),
        ("null", "message must be a JSON object"),
        ("{}", 'missing "type"'),
        ('{"text":"hi"}', 'missing "type"'),
        ('{"type":7}', '"type" must be a string'),
        ('{"type":"shout","text":"hi"}', "unknown type"),
        ('{"type":"Message","text":"hi"}', "unknown type"),
        ('{"type":"message\\u0000","text":"hi"}', "unknown type"),
        ('{"type":"message"}', 'missing "text"'),
        ('{"type":"message","text":5}', '"text" must be a string'),
        ('{"type":"message","text":null}', '"text" must be a string'),
        ('{"type":"message","text":""}', '"text" is empty'),
        (json.dumps({"type": "message", "text": "x" * 4097}),
         '"text" is longer than 4096 bytes'),
        (json.dumps({"type": "message", "text": "\u00e9" * 2049},
                    ensure_ascii=False),
         '"text" is longer than 4096 bytes'),
        ('{"type":"message","type":"message","text":"hi"}',
         "message has a duplicate key"),
        ("{" + ",".join(f'"k{i}":{i}' for i in range(40)) + "}",
         "message has too many fields"),
        ("[" * 20 + "]" * 20, "message must be a JSON object"),
        ('{"type":"members","x":' + "[" * 40 + "]" * 40 + "}",
         "message is nested too deeply"),
        ("[" * 60000, "message is nested too deeply"),
    ]
    for text, want in cases:
        await ws.send(text)
        got = await recv(ws)
        ok = (isinstance(got, dict) and set(got) == {"type", "error"} and
              got["type"] == "error" and isinstance(got["error"], str) and
              got["error"].startswith(want))
        check(ok, f"{text[:60]!r}: wanted an error {want!r}, got {got!r}")
    # Still a member after all that.
    await send(ws, {"type": "message", "text": "still here"})
    got = await recv(ws)
    check(got is not None and got.get("text") == "still here",
          f"the connection did not survive bad input: {got!r}")
    await ws.close()
    check(ws.close_code == 1000, f"close after errors: {ws.close_code}")

    # Binary closes with 1003.
    ws, _, _, _ = await chat.join("errors", "dave")
    await ws.send(b"\x00\x01")
    await asyncio.wait_for(ws.wait_closed(), STEP_TIMEOUT)
    check(ws.close_code == 1003, f"binary: close code {ws.close_code}")

    # A message past the server's 64 KiB limit closes with 1009.
    ws, _, _, _ = await chat.join("errors", "erin")
    try:
        await ws.send(json.dumps({"type": "message", "text": "y" * 70000}))
        await asyncio.wait_for(ws.wait_closed(), STEP_TIMEOUT)
    except websockets.ConnectionClosed:
        pass
    check(ws.close_code == 1009, f"huge message: close code {ws.close_code}")


async def refused(chat, path):
    """Connects to path; returns (error object, close code, reason)."""
    ws = await chat.connect(path)
    got = await recv(ws)
    await asyncio.wait_for(ws.wait_closed(), STEP_TIMEOUT)
    return got, ws.close_code, ws.close_reason


async def test_refusals(chat):
    keeper, _, _, _ = await chat.join("taken", "frank")
    cases = [
        ("/ws/taken?name=frank", 4003, "name taken"),
        ("/ws/taken", 4001, "missing name"),
        ("/ws/taken?", 4001, "missing name"),
        ("/ws/taken?nam=x&names=y", 4001, "missing name"),
        ("/ws/taken?name=", 4002, "invalid name"),
        ("/ws/taken?name", 4002, "invalid name"),
        ("/ws/taken?name=" + "n" * 33, 4002, "invalid name"),
        ("/ws/taken?name=%FF", 4002, "invalid name"),
        ("/ws/taken?name=%C0%80", 4002, "invalid name"),
        ("/ws/taken?name=%0Aevil", 4002, "invalid name"),
        ("/ws/taken?name=%00", 4002, "invalid name"),
        ("/ws/taken?name=%4", 4002, "invalid name"),
        ("/ws/taken?name=%zz", 4002, "invalid name"),
        # Invisible and bidi-control code points: no look-alike of frank.
        ("/ws/taken?name=fr%E2%80%8Bank", 4002, "invalid name"),
        ("/ws/taken?name=frank%C2%AD", 4002, "invalid name"),
        ("/ws/taken?name=%EF%BB%BFfrank", 4002, "invalid name"),
        ("/ws/taken?name=%E2%80%AEknarf", 4002, "invalid name"),
        ("/ws/taken?name=frank%E2%81%A9", 4002, "invalid name"),
        ("/ws/taken?name=%E3%85%A4", 4002, "invalid name"),
        ("/ws/?name=x", 4000, "invalid room name"),
        ("/ws/%FF?name=x", 4000, "invalid room name"),
        ("/ws/" + "r" * 33 + "?name=x", 4000, "invalid room name"),
        ("/ws/a%09b?name=x", 4000, "invalid room name"),
        ("/ws/tak%E2%80%8Cen?name=x", 4000, "invalid room name"),
        ("/ws/%E2%80%8Ftaken?name=x", 4000, "invalid room name"),
    ]
    for path, code, reason in cases:
        got, got_code, got_reason = await refused(chat, path)
        check(isinstance(got, dict) and got.get("type") == "error" and
              isinstance(got.get("error"), str) and
              got["error"].startswith(reason),
              f"{path}: error object {got!r}")
        check(got_code == code and got_reason == reason,
              f"{path}: closed {got_code} {got_reason!r}, wanted {code} "
              f"{reason!r}")
    check(await quiet(keeper), "a refused client was announced")
    # 32 bytes is fine: 16 two-byte characters.
    ws, members, _, _ = await chat.join("taken", "%C3%A9" * 16)
    check(members is not None and
          members.get("members") == ["frank", "\u00e9" * 16],
          f"a 32-byte name: {members!r}")
    await ws.close()
    # Right-to-left letters are fine; only the controls are refused.
    ws, members, _, _ = await chat.join("rtl", "%D7%A9%D7%9C%D7%95%D7%9D")
    check(members is not None and
          members.get("members") == ["\u05e9\u05dc\u05d5\u05dd"],
          f"a Hebrew name: {members!r}")
    await ws.close()
    await keeper.close()

    # Other paths are refused before the upgrade.
    for path in ["/", "/index.html", "/ws", "/ws/a/b?name=x", "/chat",
                 "/wsx/a?name=b"]:
        try:
            ws = await chat.connect(path)
            await ws.close()
            check(False, f"{path}: the upgrade was accepted")
        except websockets.InvalidStatusCode as e:
            check(e.status_code == 404, f"{path}: status {e.status_code}")


async def test_history(chat):
    keeper, _, _, _ = await chat.join("hist", "keeper")
    talker, _, history, _ = await chat.join("hist", "talker")
    check(history is not None and history.get("messages") == [],
          f"a new room has history: {history!r}")
    await recv(keeper)  # talker's join
    live = []
    for i in range(60):
        await send(talker, {"type": "message", "text": f"m{i}"})
    for i in range(60):
        live.append(await recv_raw(talker))
        await recv(keeper)
    check([json.loads(m)["text"] for m in live] ==
          [f"m{i}" for i in range(60)], "live messages out of order")
    await talker.close()
    await recv(keeper)  # talker's leave

    # A newcomer gets exactly the last 50, oldest first, as they were sent.
    late = await chat.connect("/ws/hist?name=talker")
    await recv(late)
    raw = await recv_raw(late)
    history = json.loads(raw)
    messages = history.get("messages") if isinstance(history, dict) else None
    check(history.get("type") == "history" and history.get("room") == "hist"
          and isinstance(messages, list) and len(messages) == HISTORY,
          f"history of {len(messages or [])} messages, wanted {HISTORY}")
    check(messages == [json.loads(m) for m in live[-HISTORY:]],
          "history is not the last 50 messages as broadcast")
    check(raw == '{"type":"history","room":"hist","messages":[' +
          ",".join(live[-HISTORY:]) + "]}",
          "history does not hold the very bytes that were broadcast")
    await late.close()
    await keeper.close()

    # Everyone left, so the room was freed: a new member starts afresh.
    fresh, members, history, _ = await chat.join("hist", "fresh")
    check(members is not None and members.get("members") == ["fresh"],
          f"members of a re-created room: {members!r}")
    check(history is not None and history.get("messages") == [],
          f"a room that emptied kept its history: {history!r}")
    await fresh.close()


def http_get(chat, path):
    url = f"http://{chat.host}:{chat.port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=STEP_TIMEOUT) as r:
            return r.status, r.headers.get("Content-Type"), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read()


async def test_http(chat):
    for path in ["/", "/index.html", "/?room=x"]:
        status, ctype, body = await asyncio.to_thread(http_get, chat, path)
        check(status == 200 and ctype == "text/html; charset=utf-8" and
              b"<title>uvws chat</title>" in body and
              body.rstrip().endswith(b"</html>"),
              f"GET {path}: {status} {ctype} {body[:40]!r}")
    for path in ["/nope", "/index.htm", "/favicon.ico"]:
        status, _, _ = await asyncio.to_thread(http_get, chat, path)
        check(status == 404, f"GET {path}: {status}, wanted 404")
    status, _, _ = await asyncio.to_thread(http_get, chat, "/ws/lobby")
    check(status == 426, f"GET /ws/lobby without upgrade: {status}")


async def drain(stream, lines):
    while True:
        line = await stream.readline()
        if not line:
            return
        lines.append(line.decode("utf-8", "replace").rstrip("\n"))


async def main(server_path, server, args):
    proc = await asyncio.create_subprocess_exec(
        server_path, "--port", "0", *args,
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
    print(f"server at {text[13:]}", flush=True)

    for test in (test_join_and_broadcast, test_bad_input, test_refusals,
                 test_history, test_http):
        before = results.failed
        try:
            await test(chat)
        except Exception as e:  # noqa: BLE001 -- a failure, not a crash
            check(False, f"{test.__name__}: {e!r}")
        print(f"{test.__name__}: "
              f"{'ok' if results.failed == before else 'FAILED'}",
              flush=True)

    # SIGTERM closes open members with 1001; the server exits 0.
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


def check_server_log(log):
    for room in ("lobby", "hist", "last"):
        created = log.count(f"room {room}: created")
        freed = log.count(f"room {room}: freed")
        check(created > 0 and created == freed,
              f"room {room}: created {created} times, freed {freed}")
    check_sanitizers(log)


def check_sanitizers(log):
    check(not any("ERROR" in l or "runtime error" in l or
                  "ThreadSanitizer" in l for l in log),
          "the sanitizers reported something")


async def run(server_path, args):
    server = {"proc": None, "log": [], "log_task": None}
    try:
        await asyncio.wait_for(main(server_path, server, args),
                               TOTAL_TIMEOUT)
    except asyncio.TimeoutError:
        check(False, f"the run took over {TOTAL_TIMEOUT} s")
    except Exception as e:  # noqa: BLE001
        check(False, f"{e!r}")
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
    if server["proc"] is not None:
        check_server_log(server["log"])
    return server["log"]


def entry():
    if len(sys.argv) < 2:
        print(f"usage: {sys.argv[0]} PATH/TO/uvws-chat [SERVER ARGS...]",
              file=sys.stderr)
        return 2
    log = asyncio.run(run(sys.argv[1], sys.argv[2:]))
    if results.failed:
        print("server log (last 40 lines):", file=sys.stderr)
        for line in log[-40:]:
            print(f"  {line}", file=sys.stderr)
        print("failures:", file=sys.stderr)
        for m in results.messages:
            print(f"  {m}", file=sys.stderr)
    print(f"{results.passed} passed, {results.failed} failed", flush=True)
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(entry())
