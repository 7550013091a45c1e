#!/usr/bin/env bash
# Installs what building uvws and running its samples need on Debian 12:
# a C compiler, CMake, pkg-config, libuv, wslay, OpenSSL (TLS), zlib
# (permessage-deflate) and hiredis (optional). llhttp's C sources come
# from Debian's node-llhttp; when it is not installed, its files are
# unpacked into build-deps/node-llhttp/ instead of installing it, since
# the package depends on Node.js (scripts/echo.sh then points CMake there).
# Does nothing when everything is there already; without root (and without
# password-less sudo) it only says what is missing.
#
# scripts/setup.sh installs the rest, for the tests.
set -euo pipefail

# shellcheck source=apt.sh
. "$(dirname "$0")/apt.sh"

cd "$(dirname "$0")/.."

packages=(
  build-essential
  cmake
  pkg-config
  libuv1-dev
  libwslay-dev
  libhiredis-dev         # optional: uvws_redis, the Redis room bus
  libssl-dev             # OpenSSL, for wss:// (UVWS_WITH_TLS=AUTO finds it)
  zlib1g-dev             # optional: permessage-deflate
)

apt_install_missing setup-build "${packages[@]}" || exit 1

if [ ! -f /usr/share/llhttp/llhttp.c ] &&
   [ ! -f build-deps/node-llhttp/usr/share/llhttp/llhttp.c ]; then
  rm -rf build-deps/node-llhttp
  status=0
  apt_unpack setup-build node-llhttp build-deps/node-llhttp || status=$?
  [ "$status" -eq 2 ] || [ "$status" -eq 0 ] || exit 1
fi
