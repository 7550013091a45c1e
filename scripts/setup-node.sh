#!/usr/bin/env bash
# Installs the npm packages of the Node-based tests (exact versions from
# each package-lock.json) where they are missing or out of date. Without
# npm it only says so; those tests are then skipped.
set -euo pipefail

cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null 2>&1; then
  echo "setup-node: no npm here; the Node interop tests will be skipped" >&2
  exit 0
fi
for dir in test/interop; do
  if [ ! -d "$dir/node_modules" ] ||
     [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
    echo "setup-node: npm ci in $dir" >&2
    (cd "$dir" && npm ci --no-audit --no-fund >&2)
    touch "$dir/node_modules"
  fi
done
