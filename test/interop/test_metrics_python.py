#!/usr/bin/python3
"""/metrics of a sample, read by a real Prometheus parser.

Usage: test_metrics_python.py PATH/TO/SAMPLE [WS_PATH]

Starts the sample (uvws-echo or uvws-chat) on a free port, refuses one
upgrade (Sec-WebSocket-Version: 8), opens one WebSocket at WS_PATH and
closes it with 1000 (at "/", the echo sample's, after one echo), then
fetches /metrics and parses it with
prometheus_client's parser (Debian's python3-prometheus-client): every
uvws family must be there with its type and HELP, with the labels it
should have, and the counts of the session. SIGTERM then makes the sample
exit 0. Its stderr (--log debug) must tell of the refusal, with the peer.
"""

import asyncio
import http.client
import re
import signal
import subprocess
import sys
import tempfile
import time

import websockets
from prometheus_client.parser import text_string_to_metric_families

# Every family, by the name the parser gives it (counters lose _total).
FAMILIES = {
    "uvws_connections": "gauge",
    "uvws_connections_open": "gauge",
    "uvws_connections_accepted": "counter",
    "uvws_connections_dropped": "counter",
    "uvws_accept_errors": "counter",
    "uvws_handshakes": "counter",
    "uvws_http_requests": "counter",
    "uvws_handshakes_refused": "counter",
    "uvws_handshake_failures": "counter",
    "uvws_connections_closed": "counter",
    "uvws_messages_received": "counter",
    "uvws_messages_sent": "counter",
    "uvws_message_bytes_received": "counter",
    "uvws_message_bytes_sent": "counter",
    "uvws_bytes_received": "counter",
    "uvws_bytes_sent": "counter",
    "uvws_frames_received": "counter",
    "uvws_frames_sent": "counter",
    "uvws_close_codes_sent": "counter",
    "uvws_close_codes_received": "counter",
    "uvws_queue_full": "counter",
    "uvws_slow_consumer_closes": "counter",
    "uvws_slow_consumer_skips": "counter",
    "uvws_pong_timeouts": "counter",
    "uvws_idle_timeouts": "counter",
    "uvws_close_timeouts": "counter",
    "uvws_wslay_contexts_in_use": "gauge",
    "uvws_wslay_contexts_pooled": "gauge",
    "uvws_tls_handshakes": "counter",
    "uvws_tls_handshake_failures": "counter",
    "uvws_messages_deflated": "counter",
    "uvws_deflate_input_bytes": "counter",
    "uvws_deflate_output_bytes": "counter",
    "uvws_messages_inflated": "counter",
    "uvws_inflate_input_bytes": "counter",
    "uvws_inflate_output_bytes": "counter",
}
REASONS = {"malformed", "too_large", "bad_upgrade", "bad_version", "refused",
           "full", "timeout", "closed", "bad_response"}
KINDS = {"continuation", "text", "binary", "close", "ping", "pong",
         "reserved"}


class CountersOff(Exception):
    """The library was built with UVWS_COUNTERS=OFF: /metrics says 501."""


def fail(why):
    print(f"FAIL: {why}", file=sys.stderr)
    sys.exit(1)


def check(cond, why):
    if not cond:
        fail(why)


def start(binary, log):
    # One loop (where the sample has --threads): /metrics shows the
    # counters of the loop that serves it, and these checks count one
    # server's events exactly.
    help_text = subprocess.run([binary, "--help"], stdout=subprocess.PIPE,
                               text=True).stdout
    threads = ["--threads", "1"] if "--threads" in help_text else []
    proc = subprocess.Popen([binary, "--port", "0", "--log", "debug"] +
                            threads,
                            stdout=subprocess.PIPE, stderr=log, text=True)
    line = proc.stdout.readline()
    m = re.search(r"listening on ws://127\.0\.0\.1:(\d+)/", line)
    check(m is not None, f"no port in {line!r}")
    return proc, int(m.group(1))


def refuse(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/", headers={
        "Upgrade": "websocket", "Connection": "Upgrade",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "8"})
    status = conn.getresponse().status
    conn.close()
    check(status == 426, f"version 8 answered {status}, not 426")


JSON = '{"text": "' + "x" * 1000 + '"}'


async def session(port, path):
    """Returns whether permessage-deflate was negotiated."""
    async with websockets.connect(f"ws://127.0.0.1:{port}{path}") as ws:
        if path == "/":
            await ws.send("hello")
            check(await ws.recv() == "hello", "no echo")
            # Over the threshold: compressed each way, where negotiated.
            await ws.send(JSON)
            check(await ws.recv() == JSON, "no echo")
        await ws.close(1000)
        return bool(ws.extensions)


def fetch(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/metrics")
    res = conn.getresponse()
    body = res.read().decode()
    conn.close()
    if res.status == 501:
        raise CountersOff()
    check(res.status == 200, f"/metrics answered {res.status}")
    ctype = res.getheader("Content-Type")
    check(ctype.startswith("text/plain; version=0.0.4"),
          f"Content-Type {ctype}")
    return body


def parse(body):
    families = {}
    for f in text_string_to_metric_families(body):
        check(f.name not in families, f"{f.name} twice")
        families[f.name] = f
    for line in body.splitlines():
        if line.startswith("# HELP "):
            check(len(line.split(" ", 3)) == 4, f"empty HELP: {line}")
    return families


def value(families, name, **labels):
    for s in families[name].samples:
        if s.labels == labels:
            return s.value
    return None


def main():
    binary = sys.argv[1]
    path = sys.argv[2] if len(sys.argv) > 2 else "/"
    log = tempfile.TemporaryFile(mode="w+")
    proc, port = start(binary, log)
    try:
        try:
            fetch(port)
        except CountersOff:
            print("skipped: built with UVWS_COUNTERS=OFF", file=sys.stderr)
            sys.exit(77)
        refuse(port)
        deflate = asyncio.run(session(port, path))
        # The server ends the TCP connection after the close handshake.
        deadline = time.time() + 10
        while True:
            families = parse(fetch(port))
            if value(families, "uvws_connections_closed") == 1:
                break
            check(time.time() < deadline, "the WebSocket never closed")
            time.sleep(0.05)
        check(set(families) == set(FAMILIES),
              f"families {sorted(set(families) ^ set(FAMILIES))}")
        for name, typ in FAMILIES.items():
            check(families[name].type == typ,
                  f"{name} is a {families[name].type}, not a {typ}")
            check(families[name].documentation, f"{name} has no HELP")
            for s in families[name].samples:
                check(s.value >= 0, f"{s.name} {s.value}")
        check({s.labels["reason"] for s in
               families["uvws_handshake_failures"].samples} == REASONS,
              "reasons")
        for name in ("uvws_frames_received", "uvws_frames_sent"):
            check({s.labels["kind"] for s in families[name].samples} ==
                  KINDS, f"{name} kinds")
        expect = [
            ("uvws_handshakes_refused", {"status": "426"}, 1),
            ("uvws_handshake_failures", {"reason": "bad_version"}, 1),
            ("uvws_handshake_failures", {"reason": "malformed"}, 0),
            ("uvws_handshakes", {}, 1),
            ("uvws_connections_open", {}, 0),
            ("uvws_connections_closed", {}, 1),
            ("uvws_close_codes_received", {"code": "1000"}, 1),
            ("uvws_close_codes_sent", {"code": "1000"}, 1),
            ("uvws_frames_received", {"kind": "close"}, 1),
            ("uvws_wslay_contexts_in_use", {}, 0),
        ]
        if path == "/":
            # websockets compresses every message; we only those over
            # the threshold (64 bytes).
            on = 1 if deflate else 0
            expect += [("uvws_messages_received", {}, 2),
                       ("uvws_message_bytes_sent", {}, 5 + len(JSON)),
                       ("uvws_frames_sent", {"kind": "text"}, 2),
                       ("uvws_messages_inflated", {}, 2 * on),
                       ("uvws_inflate_output_bytes", {},
                        (5 + len(JSON)) * on),
                       ("uvws_messages_deflated", {}, on),
                       ("uvws_deflate_input_bytes", {}, len(JSON) * on)]
        for name, labels, want in expect:
            got = value(families, name, **labels)
            check(got == want, f"{name}{labels} = {got}, not {want}")
        check(value(families, "uvws_http_requests") >= 1, "http requests")
        check(value(families, "uvws_connections") >= 1,
              "the /metrics request is a connection")
        # Counters never go down.
        again = parse(fetch(port))
        for name, typ in FAMILIES.items():
            if typ != "counter":
                continue
            for s in families[name].samples:
                later = value(again, name, **s.labels)
                check(later is not None and later >= s.value,
                      f"{s.name}{s.labels} went from {s.value} to {later}")
    finally:
        proc.send_signal(signal.SIGTERM)
        status = proc.wait(timeout=30)
    check(status == 0, f"exit status {status}")
    log.seek(0)
    lines = log.read()
    check(re.search(r"^uvws warn 127\.0\.0\.1:\d+ handshake refused: 426 "
                    r"\(bad_version\)$", lines, re.M),
          f"no log line for the refusal in:\n{lines}")
    check(re.search(r"^uvws debug 127\.0\.0\.1:\d+ open$", lines, re.M),
          "no debug line for the open")
    print(f"ok: {len(families)} families")


if __name__ == "__main__":
    main()
