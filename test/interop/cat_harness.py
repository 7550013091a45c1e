"""What the uvws-cat tests (test_cat_*.py) share.

Each test is run as: test_cat_NAME.py PATH/TO/uvws-cat PATH/TO/uvws-echo
with Debian's /usr/bin/python3 and python3-websockets (10.4).
"""

import asyncio
import re
import socket
import subprocess
import sys

TIMEOUT = 20  # seconds for any one uvws-cat run


class Checks:
    """Collects the checks of a test; main() exits 1 if any failed."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL: {what}", file=sys.stderr, flush=True)
        return cond

    def eq(self, got, want, what):
        return self.check(got == want, f"{what}: got {got!r}, wanted {want!r}")

    def done(self):
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        return 0 if self.failed == 0 and self.passed > 0 else 1


def programs():
    if len(sys.argv) != 3:
        print(f"usage: {sys.argv[0]} PATH/TO/uvws-cat PATH/TO/uvws-echo",
              file=sys.stderr)
        sys.exit(2)
    return sys.argv[1], sys.argv[2]


def run_cat(cat, args, stdin=b""):
    """Runs uvws-cat to its end with stdin from a pipe; returns
    (exit status, stdout bytes, stderr text)."""
    proc = subprocess.run([cat] + args, input=stdin, capture_output=True,
                          timeout=TIMEOUT)
    err = proc.stderr.decode("utf-8", "replace")
    if err:
        print(err, end="", file=sys.stderr, flush=True)
    return proc.returncode, proc.stdout, err


async def run_cat_async(cat, args, stdin=b""):
    """run_cat() for tests whose server runs in this process's loop."""
    proc = await asyncio.create_subprocess_exec(
        cat, *args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(stdin), TIMEOUT)
    err = err.decode("utf-8", "replace")
    if err:
        print(err, end="", file=sys.stderr, flush=True)
    return proc.returncode, out, err


class EchoServer:
    """The uvws-echo sample on a free port, its log (stderr) kept."""

    def __init__(self, echo, args=()):
        self.proc = subprocess.Popen([echo, "--port", "0", *args],
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"(wss?)://[^ ]*:(\d+)/", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"uvws-echo printed {line!r}")
        self.url = f"{m.group(1)}://127.0.0.1:{m.group(2)}/"

    def stop(self):
        """SIGTERM; returns the server's log."""
        self.proc.terminate()
        _, log = self.proc.communicate(timeout=TIMEOUT)
        return log

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


async def start_listener(cat, args):
    """uvws-cat --listen 0 ARGS, with its stdin a pipe; returns (process,
    url) once it has printed the line saying where it listens."""
    proc = await asyncio.create_subprocess_exec(
        cat, "--listen", "0", *args, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = await asyncio.wait_for(proc.stderr.readline(), TIMEOUT)
    line = line.decode("utf-8", "replace")
    print(line, end="", file=sys.stderr, flush=True)
    m = re.match(r"uvws-cat: listening on (ws://127\.0\.0\.1:(\d+)/)$",
                 line.strip())
    if not m:
        proc.kill()
        await proc.wait()
        raise RuntimeError(f"uvws-cat --listen printed {line!r}")
    return proc, m.group(1)


def free_port_refusing():
    """A socket bound to a port of 127.0.0.1 and not listening: connecting
    to it is refused while the socket is open."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    return s, s.getsockname()[1]


def main(test):
    """Runs test(checks) (a coroutine function or a plain one)."""
    checks = Checks()
    if asyncio.iscoroutinefunction(test):
        asyncio.run(asyncio.wait_for(test(checks), 4 * TIMEOUT))
    else:
        test(checks)
    sys.exit(checks.done())


__all__ = ["Checks", "EchoServer", "TIMEOUT", "free_port_refusing", "main",
           "programs", "run_cat", "run_cat_async", "start_listener"]
