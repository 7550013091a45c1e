#!/usr/bin/env bash
# Installs the Debian 12 packages that building and testing uvws needs:
# those of scripts/setup-build.sh, llhttp's sources (node-llhttp), Python's
# websockets, clang and its sanitizer runtimes, then the npm packages of the
# Node tests and Chromium for the browser tests. Does nothing when they are
# all installed already; without root (and without password-less sudo) it
# only says what is missing.
set -euo pipefail

# shellcheck source=apt.sh
. "$(dirname "$0")/apt.sh"

# npm packages for the Node tests, whatever apt has to do.
bash "$(dirname "$0")/setup-node.sh"
bash "$(dirname "$0")/setup-browser.sh"  # chromium, playwright-core

packages=(
  node-llhttp            # llhttp's C sources, compiled into uvws
  python3
  python3-websockets     # the interop tests' client
  python3-prometheus-client # the /metrics test's parser
  clang
  libclang-rt-dev        # clang's ASan/UBSan runtimes (only recommended)
  redis-server           # the Redis bus tests start their own (no service)
  openssl                # scripts/make-test-cert.sh, for the TLS tests
)

apt_install_missing setup "${packages[@]}" || exit 1

# The compiler, CMake, libuv, wslay and zlib (llhttp is installed by now).
bash "$(dirname "$0")/setup-build.sh"
