#!/bin/sh
# The reference run: the benchmarks whose figures bench/README.md quotes in § Reference run, one after the other,
# from dist/ (so run `npm run build` first), each with the arguments the README names. Run it on an idle machine
# (it prints the load average and the machine's speed, bench/cpu-probe.ts, before and after each benchmark); it
# takes about 40 minutes on the 2-core machine.
#
#   sh bench/reference.sh 2>&1 | tee /tmp/omnisep-reference.txt
#
# Long runs (the 30-minute soak, the 1,000,000-line import, the 1,000,000-input fuzz, embedded start-up at a
# million subscribers) are not in it: each has its own command in bench/README.md.
set -eu
cd "$(dirname "$0")/.."
[ -d dist/bench ] || { echo "bench/reference.sh: build first (npm run build)" >&2; exit 2; }
echo "omnisep reference run: $(git rev-parse --short HEAD 2>/dev/null || echo '?') $(date -u +%Y-%m-%dT%H:%MZ), node $(node -v), $(nproc) cores"
. bench/run-step.sh
run dist/bench/cli.bench.js 15
run dist/bench/eap-aka.bench.js 1.5
run dist/bench/diameter.bench.js 2 32
run dist/bench/ts43.bench.js --seconds 3 --eap-count 400
# The issue measured the daemon with `wrk -c50`: the same cases at 50 connections (at 16, the token query waits on its
# activity commit with the main thread idle; docs/performance.md § Eleventh round).
run dist/bench/ts43.bench.js --seconds 3 --eap-count 400 --connections 50
# The issue's own method (wrk in its own process, the bare route in another): needs Debian's wrk. The monitor's pairs
# swing as much as the machine does, so four slices (two of each order), and the same steps with nothing attached
# (--monitor-control) to read them against (docs/performance.md § Thirty-first round).
# The token query across a fleet (--sims: 100,000 SIMs' tokens in turn, every per-key cache missed, the records read
# from the stores' snapshot files as a fleet's are; docs/performance.md § Thirty-fourth round): ≈ 5 minutes.
if command -v wrk >/dev/null 2>&1; then run dist/bench/wrk.bench.js; run dist/bench/wrk.bench.js --monitor --cases token-xml,xcap-get --slices 4; run dist/bench/wrk.bench.js --monitor-control --cases token-xml,xcap-get --slices 4; run dist/bench/wrk.bench.js --sims 100000 --cases token-xml,token-json; run dist/bench/turn-end.bench.js; else echo; echo "### wrk.bench.js (with and without --monitor, and --sims) and turn-end.bench.js skipped: wrk is not installed (apt-get install wrk)"; fi
run dist/bench/eap-load.bench.js --count 2000 --concurrency 32 --rounds 2
run dist/bench/eap-load.bench.js --count 6000 --warmup 5000 --concurrency 32 --rounds 2
run dist/bench/eap-load.bench.js --count 6000 --warmup 5000 --concurrency 64 --rounds 2 --sims 1000
# EAP-AKA with the monitor attached, by the same method as wrk.bench's, beside its control (docs/performance.md
# § Thirty-second round).
run dist/bench/eap-load.bench.js --monitor --count 3000 --rounds 4
run dist/bench/eap-load.bench.js --monitor-control --count 3000 --rounds 4
run dist/bench/xcap.bench.js 3 16
run dist/bench/admin-api.bench.js --seconds 5 --concurrency 16 --skip-cli
run dist/bench/odsa.bench.js 5 16
run dist/bench/eap-reauth.bench.js 3 6
run dist/bench/diameter-tls.bench.js 5 16
run dist/bench/imap.bench.js 5 8
run dist/bench/monitor.bench.js 3 3
run dist/bench/activity.bench.js --records 1000000
# The activity log's compaction at a fleet's size (the daemon-level run, compaction-daemon.bench.js, is a long run).
run dist/bench/compaction.bench.js --records 1000000 --rounds 1
# What the activity log's index costs the garbage collector at a fleet's size (heap kept, a forced full collection).
run dist/bench/activity-index.bench.js --records 1000000 --rounds 1
run dist/bench/ts43-cpu.bench.js --rounds 3 --seconds 3
# The fleet's store: one daemon and two on a throw-away PostgreSQL cluster (needs Debian's postgresql, as the tests do).
if [ -x /usr/lib/postgresql/15/bin/initdb ] || command -v initdb >/dev/null 2>&1; then run dist/bench/pg-load.bench.js --count 2000 --warmup 1000; else echo; echo "### pg-load.bench.js skipped: PostgreSQL is not installed (apt-get install postgresql)"; fi
