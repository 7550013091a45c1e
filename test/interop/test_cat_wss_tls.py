#!/usr/bin/python3
"""uvws-cat on wss://: against the echo sample serving TLS (a throwaway CA
and certificate from scripts/make-test-cert.sh), lines come back and
uvws-cat exits 0 after a clean close when it trusts the CA (--tls-ca);
without --tls-ca (the system's CAs) it refuses the server: exit 3, and the
reason on stderr."""

import os
import subprocess
import tempfile

from cat_harness import EchoServer, main, programs, run_cat

HERE = os.path.dirname(os.path.abspath(__file__))
MAKE_CERT = os.path.join(HERE, "..", "..", "scripts", "make-test-cert.sh")


def test(checks):
    cat, echo = programs()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([MAKE_CERT, tmp], check=True)
        tls = ["--tls-cert", os.path.join(tmp, "cert.pem"),
               "--tls-key", os.path.join(tmp, "key.pem")]
        with EchoServer(echo, tls) as server:
            checks.check(server.url.startswith("wss://"), server.url)
            code, out, _ = run_cat(cat, ["--tls-ca",
                                         os.path.join(tmp, "ca.pem"),
                                         server.url], b"hello\nover tls\n")
            checks.eq(code, 0, "exit status, CA trusted")
            checks.eq(out, b"hello\nover tls\n", "stdout")
            code, out, err = run_cat(cat, [server.url], b"hello\n")
            checks.eq(code, 3, "exit status, CA not trusted")
            checks.check("certificate" in err, f"stderr: {err!r}")
            log = server.stop()
        checks.check("close 1000 clean=1" in log, f"server log: {log!r}")


main(test)
