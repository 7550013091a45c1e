#!/usr/bin/env bash
# Builds and runs the echo sample; arguments go to the server, e.g.
#   scripts/echo.sh --port 9001
# It installs only what building it needs (scripts/setup-build.sh: no
# Node.js, no browser). Only the server writes to stdout; setup and build
# output go to stderr.
set -euo pipefail

cd "$(dirname "$0")/.."
bash scripts/setup-build.sh >&2
llhttp=()
if [ ! -f /usr/share/llhttp/llhttp.c ]; then
  # node-llhttp's files, unpacked by setup-build.sh without installing it.
  deps=$PWD/build-deps/node-llhttp/usr/share
  llhttp=(-DUVWS_LLHTTP_DIR="$deps/llhttp"
          -DUVWS_LLHTTP_INCLUDE_DIR="$deps/include/llhttp")
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "${llhttp[@]}" >&2
cmake --build build --target uvws-echo -j "$(nproc 2>/dev/null || echo 2)" >&2
exec build/samples/echo/uvws-echo "$@"
