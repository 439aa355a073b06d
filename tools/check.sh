#!/bin/sh
# npm test's first step: the two type-checks (the project, and the browser tests with the DOM
# library) and lint, side by side: they are single-threaded, and run one after the other they left
# the second core idle for some 40 s. Fails when any of them fails; each prints its own errors.
# First, tap's Test class is built with the configured plugins if npm left tap's default build
# (tools/tap-plugins.sh).
cd "$(dirname "$0")/.." && PATH="$PWD/node_modules/.bin:$PATH"
sh tools/tap-plugins.sh || exit 1
tsc --noEmit & project=$!
tsc --noEmit -p tests/browser/tsconfig.json & browser=$!
eslint .; lint=$?
wait $project; project=$?
wait $browser; browser=$?
[ $project -eq 0 ] || echo "type-check failed (tsc --noEmit)" >&2
[ $browser -eq 0 ] || echo "type-check of the browser tests failed (tsc --noEmit -p tests/browser/tsconfig.json)" >&2
[ $lint -eq 0 ] || echo "lint failed (eslint .)" >&2
[ $project -eq 0 ] && [ $browser -eq 0 ] && [ $lint -eq 0 ]
