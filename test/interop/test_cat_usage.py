#!/usr/bin/python3
"""uvws-cat's command line: --help (with the exit status table) and
--version exit 0; a bad option, a bad value, no URL, two modes at once and,
without TLS in uvws (UVWS_TLS=OFF in the environment), a wss:// URL each
exit 2 with a line on stderr, before any connection is tried. With TLS, a
wss:// URL is tried: a port that refuses is exit 3."""

import os

from cat_harness import free_port_refusing, main, programs, run_cat


def test(checks):
    cat, _ = programs()
    code, out, _ = run_cat(cat, ["--help"])
    checks.eq(code, 0, "--help")
    checks.check(b"Exit status:" in out and b"--listen" in out,
                 "--help has the exit status table")
    code, out, _ = run_cat(cat, ["--version"])
    checks.eq(code, 0, "--version")
    checks.check(out.startswith(b"uvws-cat (uvws) "), f"--version: {out!r}")
    bad = [
        ["--nope", "ws://127.0.0.1:1/"],
        ["--close", "999", "ws://127.0.0.1:1/"],
        ["--close", "1005", "ws://127.0.0.1:1/"],
        ["--close", "1000:" + "r" * 124, "ws://127.0.0.1:1/"],
        ["--ping-interval", "x", "ws://127.0.0.1:1/"],
        ["--header"],
        [],
        ["--listen", "0", "ws://127.0.0.1:1/"],
        ["--echo", "ws://127.0.0.1:1/"],
        ["http://127.0.0.1:1/"],
        ["ws://127.0.0.1:1:2/"],
        ["--max-message-size", "1000", "--max-queued-bytes", "1000",
         "ws://127.0.0.1:1/"],
    ]
    for args in bad:
        code, out, err = run_cat(cat, args)
        checks.eq(code, 2, f"exit status of uvws-cat {args}")
        checks.check(err.startswith("uvws-cat: "), f"stderr of {args}")
    if os.environ.get("UVWS_TLS", "ON") == "OFF":
        code, _, err = run_cat(cat, ["wss://127.0.0.1:1/"])
        checks.eq(code, 2, "exit status for wss:// without TLS")
        checks.check("needs TLS" in err, f"stderr for wss://: {err!r}")
    else:
        sock, port = free_port_refusing()
        with sock:
            code, _, err = run_cat(cat, [f"wss://127.0.0.1:{port}/"])
        checks.eq(code, 3, "exit status for wss:// to a refusing port")


main(test)
