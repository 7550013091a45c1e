#!/usr/bin/env bash
# Builds and runs the echo sample; arguments go to the server, e.g.
#   scripts/echo.sh --port 9001
# Only the server writes to stdout; setup and build output go to stderr.
set -euo pipefail

cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
cmake --build build --target uvws-echo -j "$(nproc 2>/dev/null || echo 2)" >&2
exec build/samples/echo/uvws-echo "$@"
