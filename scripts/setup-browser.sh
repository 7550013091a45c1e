#!/usr/bin/env bash
# Installs what the chat sample's browser test needs: Debian's chromium,
# Node.js and npm (from apt, when missing), then the exact npm packages of
# test/browser/package-lock.json (playwright-core, which uses the system
# chromium and downloads no browser of its own).
#
# Without root (and without password-less sudo) it only says what is
# missing; the browser test is then skipped by CMake.
set -euo pipefail

# shellcheck source=apt.sh
. "$(dirname "$0")/apt.sh"

cd "$(dirname "$0")/.."

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  status=0
  apt_install setup-browser "${missing[@]}" || status=$?
  # Without root: say so and go on without (exit 0); a failure fails.
  [ "$status" -eq 2 ] && exit 0
  [ "$status" -eq 0 ] || exit 1
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
