#!/usr/bin/python3
"""uvws-cat --binary sends lines as binary messages, and prints binary
messages received as they are, or in hex (--hex) or base64 (--base64):
the echo sample sends each back with its opcode, so a binary echo is
printed in the format asked, where a text one would not be."""

import base64

from cat_harness import EchoServer, main, programs, run_cat

LINES = [b"\x00\x01\xfe\xff", b"", b"a", b"ab", b"abc", b"\xc3\x28 not utf-8"]


def test(checks):
    cat, echo = programs()
    stdin = b"\n".join(LINES) + b"\n"
    with EchoServer(echo) as server:
        code, out, _ = run_cat(cat, ["--binary", server.url], stdin)
        checks.eq(code, 0, "exit status (raw)")
        checks.eq(out, stdin, "stdout (raw)")
        code, out, _ = run_cat(cat, ["--binary", "--hex", server.url], stdin)
        checks.eq(code, 0, "exit status (--hex)")
        checks.eq(out, b"".join(line.hex().encode() + b"\n"
                                for line in LINES), "stdout (--hex)")
        code, out, _ = run_cat(cat, ["-b", "--base64", server.url], stdin)
        checks.eq(code, 0, "exit status (--base64)")
        checks.eq(out, b"".join(base64.b64encode(line) + b"\n"
                                for line in LINES), "stdout (--base64)")
        # Text lines are printed as they are, whatever --hex says.
        code, out, _ = run_cat(cat, ["--hex", server.url], b"text\n")
        checks.eq(out, b"text\n", "a text echo with --hex")
        server.stop()


main(test)
