#!/usr/bin/python3
"""uvws-cat in text mode does not send a line that is not UTF-8 (the peer
would have to fail the connection with 1007): it skips that line with a
warning naming it, and sends the others."""

from cat_harness import EchoServer, main, programs, run_cat


def test(checks):
    cat, echo = programs()
    with EchoServer(echo) as server:
        code, out, err = run_cat(cat, [server.url],
                                 b"before\n\xc3\x28 broken\nafter\n")
        server.stop()
    checks.eq(code, 0, "exit status")
    checks.eq(out, b"before\nafter\n", "stdout")
    checks.check("line 2 is not UTF-8" in err, f"stderr: {err!r}")


main(test)
