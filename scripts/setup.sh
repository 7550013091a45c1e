#!/usr/bin/env bash
# Installs the Debian 12 packages that building and testing uvws needs.
# Does nothing when they are all installed already; without root (and
# without password-less sudo) it only says what is missing.
set -euo pipefail

# npm packages for the Node tests, whatever apt has to do.
bash "$(dirname "$0")/setup-node.sh"
bash "$(dirname "$0")/setup-browser.sh"  # chromium, playwright-core

packages=(
  build-essential
  cmake
  pkg-config
  libuv1-dev
  libwslay-dev
  node-llhttp            # llhttp's C sources, compiled into uvws
  python3
  python3-websockets     # the interop tests' client
  clang
  libclang-rt-dev        # clang's ASan/UBSan runtimes (only recommended)
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  if [ "$status" != installed ]; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages installed" >&2
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo)
else
  echo "setup: not root, skipping; missing: ${missing[*]}" >&2
  echo "setup: run as root: apt-get install ${missing[*]}" >&2
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
echo "setup: installing ${missing[*]}" >&2
# A mirror that hiccups should not fail the build: retry the download step.
for attempt in 1 2 3; do
  if "${sudo[@]}" apt-get update; then
    break
  fi
  if [ "$attempt" -eq 3 ]; then
    exit 1
  fi
  sleep 10
done
"${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
