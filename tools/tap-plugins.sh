#!/bin/sh
# tap's Test class is built with the plugins package.json names: "!@tapjs/typescript", since the
# tests load TypeScript through tsx (node-arg --import=tsx). npm installs it built with tap's
# default plugins, and tap rebuilds it during the first run, after that run has already started
# every test file with @tapjs/typescript's loader (ts-node) in front of tsx's. Built here first,
# so a fresh clone's first run (CI's only run) is like every other: one loader per test process.
cd "$(dirname "$0")/.." && PATH="$PWD/node_modules/.bin:$PATH"
built=node_modules/@tapjs/test/test-built/dist/esm/index.js
if [ -f "$built" ] && grep -q '@tapjs/typescript' "$built"; then
  echo "tap: building its Test class with the configured plugins (tap build)"
  tap build >/dev/null || { echo "tap build failed" >&2; exit 1; }
fi
