#!/usr/bin/python3
"""uvws-cat against the echo sample through pipes: every line of stdin comes
back on stdout as it went (UTF-8 of every length, an empty line, a CRLF line
whose CR is dropped, a last line without a newline), and uvws-cat exits 0
after a clean close that the server logged as 1000."""

from cat_harness import EchoServer, main, programs, run_cat

LINES = ["hello", "", "caf\u00e9 \u4e2d\u6587 \U0001f600", "x" * 70000,
         "with CRLF\r", "last, no newline"]


def test(checks):
    cat, echo = programs()
    stdin = "\n".join(LINES).encode("utf-8")
    with EchoServer(echo) as server:
        code, out, _ = run_cat(cat, [server.url], stdin)
        log = server.stop()
    want = "".join(line.rstrip("\r") + "\n" for line in LINES)
    checks.eq(code, 0, "exit status")
    checks.eq(out.decode("utf-8"), want, "stdout")
    checks.check("close 1000 clean=1" in log, f"server log: {log!r}")


main(test)
