#!/usr/bin/env bash
# Installs what the chat sample's browser test needs: Debian's chromium,
# Node.js and npm (from apt, when missing), then the exact npm packages of
# test/browser/package-lock.json (playwright-core, which uses the system
# chromium and downloads no browser of its own).
#
# Without root (and without password-less sudo) it only says what is
# missing; the browser test is then skipped by CMake.
set -euo pipefail

cd "$(dirname "$0")/.."

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo)
  else
    echo "setup-browser: not root, skipping; missing: ${missing[*]}" >&2
    echo "setup-browser: run as root: apt-get install ${missing[*]}" >&2
    exit 0
  fi
  export DEBIAN_FRONTEND=noninteractive
  echo "setup-browser: installing ${missing[*]}" >&2
  # A mirror that hiccups should not fail the build: retry the update.
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
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "setup-browser: playwright-core needs Node.js 20 or later, this is" \
    "$(node --version); the browser test may fail" >&2
fi

dir=test/browser
if [ ! -d "$dir/node_modules/playwright-core" ] ||
   [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
  echo "setup-browser: npm ci in $dir" >&2
  (cd "$dir" && npm ci --no-audit --no-fund >&2)
  touch "$dir/node_modules"
fi
