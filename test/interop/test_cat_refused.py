#!/usr/bin/python3
"""uvws-cat exits 3 (no connection) when the TCP connection is refused,
and says so on stderr."""

from cat_harness import free_port_refusing, main, programs, run_cat


def test(checks):
    cat, _ = programs()
    sock, port = free_port_refusing()
    with sock:
        code, out, err = run_cat(cat, [f"ws://127.0.0.1:{port}/"], b"hi\n")
    checks.eq(code, 3, "exit status")
    checks.eq(out, b"", "stdout")
    checks.check("connection refused" in err, f"stderr: {err!r}")


main(test)
