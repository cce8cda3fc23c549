#!/bin/sh
# Issue 14 before and after on this machine, in one sitting: the build the issue was measured on (its branch point,
# `130b00a`, or any commit given) exported, built and run side by side with this checkout's build (`dist/`), by the
# issue's own methods. docs/performance.md § Issue 14 at a glance quotes a run of it.
#
#   npm run build && sh bench/before-after.sh [COMMIT] 2>&1 | tee /tmp/omnisep-before-after.txt
#
# Needs `wrk` (apt-get install wrk) and about 15 minutes on the 2-core machine. The older build shares this
# checkout's node_modules (the issue's later commits only added packages). Everything it makes goes in a temp dir,
# removed at the end.
set -eu
cd "$(dirname "$0")/.."
[ -d dist/bench ] || { echo "bench/before-after.sh: build first (npm run build)" >&2; exit 2; }
command -v wrk >/dev/null 2>&1 || { echo "bench/before-after.sh: needs wrk (apt-get install wrk)" >&2; exit 2; }
BASE_COMMIT=${1:-130b00a}
BASE=$(mktemp -d "${TMPDIR:-/tmp}/omnisep-before-XXXXXX")
trap 'rm -rf "$BASE"' EXIT
git archive "$BASE_COMMIT" | tar -x -C "$BASE"
ln -s "$(pwd)/node_modules" "$BASE/node_modules"
(cd "$BASE" && npx tsc -p tsconfig.json)
echo "omnisep before/after: before $(git rev-parse --short "$BASE_COMMIT"), after $(git rev-parse --short HEAD) $(date -u +%Y-%m-%dT%H:%MZ), node $(node -v), $(nproc) cores"
. bench/run-step.sh
# The token query and XCAP the issue's way (wrk -t1 -c50 against the daemon and a bare fastify route in its own process).
run dist/bench/wrk.bench.js --root "$BASE"
run dist/bench/wrk.bench.js
# Full EAP-AKA through the simulator's load mode, one SIM at 32 in flight: the two builds alternate round by round.
run dist/bench/eap-load.bench.js --count 2000 --warmup 2000 --concurrency 32 --rounds 2 --root "$BASE"
# Where a request's time goes, per area, in µs of daemon CPU (before, then after).
run dist/bench/profile.js record --cases token-xml,eap,xcap-get --seconds 5 --warmup 6 --connections 50 --eap-count 2000 --eap-warmup 1000 --root "$BASE" --out "$BASE/profile-before"
run dist/bench/profile.js record --cases token-xml,eap,xcap-get --seconds 5 --warmup 6 --connections 50 --eap-count 2000 --eap-warmup 1000 --out "$BASE/profile-after"
# `--help` and `status` of both builds against one daemon, interleaved with a bare node start.
run dist/bench/cli-compare.bench.js "$BASE" 9
