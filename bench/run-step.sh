# Sourced by bench/reference.sh and bench/before-after.sh (from the checkout's root): `run ARGS…` runs `node ARGS…`
# under a heading, with the load average and the machine's speed (bench/cpu-probe.ts: a fixed loop's CPU time) before
# and after, and goes on past a failure, saying so.
run() {
  echo
  echo "### $*"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $(node dist/bench/cpu-probe.js)"
  node "$@" || echo "FAILED: exit $? ($*)"
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); $(node dist/bench/cpu-probe.js)"
}
