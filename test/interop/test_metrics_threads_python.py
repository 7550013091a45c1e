#!/usr/bin/python3
"""/metrics of the echo sample on two loops counts both loops.

Usage: test_metrics_threads_python.py PATH/TO/uvws-echo

Starts the echo sample with --threads 2 (connections go to the loops in
turn), opens CONNECTIONS WebSockets and echoes one message on each, keeps
them open, and reads /metrics (served by either loop) until it counts
every handshake and message of both loops, within the publishing interval
(a loop publishes its counters once a second); then closes them and waits
for every close to be counted too. SIGTERM then makes the sample exit 0.
"""

import asyncio
import http.client
import re
import signal
import subprocess
import sys
import time

import websockets
from prometheus_client.parser import text_string_to_metric_families

CONNECTIONS = 6
DEADLINE = 10  # seconds, for the counts to add up


def fail(why):
    print(f"FAIL: {why}", file=sys.stderr)
    sys.exit(1)


def metrics(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/metrics")
    res = conn.getresponse()
    body = res.read().decode()
    conn.close()
    if res.status == 501:
        print("skipped: built with UVWS_COUNTERS=OFF", file=sys.stderr)
        sys.exit(77)
    if res.status != 200:
        fail(f"/metrics answered {res.status}")
    values = {}
    for family in text_string_to_metric_families(body):
        for s in family.samples:
            if not s.labels:
                values[s.name] = s.value
    return values


def wait_for(port, want):
    deadline = time.time() + DEADLINE
    while True:
        got = metrics(port)
        if all(got.get(k) == v for k, v in want.items()):
            return
        if time.time() > deadline:
            fail(f"/metrics says {({k: got.get(k) for k in want})}, "
                 f"wanted {want}")
        time.sleep(0.1)


async def session(port):
    sockets = []
    for i in range(CONNECTIONS):
        ws = await websockets.connect(f"ws://127.0.0.1:{port}/",
                                      compression=None)
        await ws.send(f"message {i}")
        if await ws.recv() != f"message {i}":
            fail("no echo")
        sockets.append(ws)
    await asyncio.get_running_loop().run_in_executor(
        None, wait_for, port,
        {"uvws_handshakes_total": CONNECTIONS,
         "uvws_connections_open": CONNECTIONS,
         "uvws_messages_received_total": CONNECTIONS,
         "uvws_messages_sent_total": CONNECTIONS})
    for ws in sockets:
        await ws.close(1000)


def main():
    proc = subprocess.Popen([sys.argv[1], "--port", "0", "--threads", "2"],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        m = re.search(r"listening on ws://127\.0\.0\.1:(\d+)/", line)
        if m is None:
            fail(f"no port in {line!r}")
        port = int(m.group(1))
        asyncio.run(session(port))
        wait_for(port, {"uvws_connections_closed_total": CONNECTIONS,
                        "uvws_connections_open": 0})
    finally:
        proc.send_signal(signal.SIGTERM)
        status = proc.wait(timeout=30)
    if status != 0:
        fail(f"exit status {status}")
    print("ok")


if __name__ == "__main__":
    main()
