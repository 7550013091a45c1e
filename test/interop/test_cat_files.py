#!/usr/bin/python3
"""uvws-cat with stdin and stdout redirected to regular files (which
libuv reads and writes with uv_fs_*, not as streams): every line of the
input file comes back, through the echo sample, in the output file, and
uvws-cat exits 0."""

import os
import subprocess
import tempfile

from cat_harness import TIMEOUT, EchoServer, main, programs

LINES = [f"line {i} " + "y" * (i * 97 % 3000) for i in range(2000)]


def test(checks):
    cat, echo = programs()
    with tempfile.TemporaryDirectory() as tmp, EchoServer(echo) as server:
        src = os.path.join(tmp, "in.txt")
        dst = os.path.join(tmp, "out.txt")
        with open(src, "w") as f:
            f.write("".join(line + "\n" for line in LINES))
        with open(src, "rb") as fin, open(dst, "wb") as fout:
            code = subprocess.run([cat, "-q", server.url], stdin=fin,
                                  stdout=fout, timeout=TIMEOUT).returncode
        with open(dst) as f:
            out = f.read()
        server.stop()
    checks.eq(code, 0, "exit status")
    checks.check(out.split("\n")[:-1] == LINES,
                 f"the output file: {len(out.splitlines())} lines")


main(test)
