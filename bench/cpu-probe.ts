/**
 * How fast this machine runs plain JavaScript at this moment: the CPU time of a fixed loop of multiply-adds, in one
 * short process. bench/run-step.sh prints it before and after each benchmark of a reference run, so that a figure
 * that moved can be read against the machine's own speed at the time (docs/performance.md § Forty-third round: on
 * this VM, idle, it read 586–785 ms from one minute to the next), with the share of the machine's CPU time the
 * hypervisor stole meanwhile (/proc/stat `steal`; § Forty-fourth round: what moved the XCAP PUT). Lower is faster.
 *
 *   npx tsc && node dist/bench/cpu-probe.js [MILLIONS]   (default 500)
 */
import { machineTicks, stealShare } from './proc-cpu.js';

const millions = Number(process.argv[2] ?? 500);
if (!Number.isFinite(millions) || millions <= 0) {
  console.error('cpu-probe: the argument is the loop length in millions (a positive number)');
  process.exit(2);
}
const n = Math.round(millions * 1e6);

function loop(count: number): number {
  let x = 0;
  for (let i = 0; i < count; i++) x += i * 0.5;
  return x;
}

loop(1e6); // optimised before the measured run
const m0 = machineTicks();
const c0 = process.cpuUsage();
const sink = loop(n);
const c = process.cpuUsage(c0);
const steal = stealShare(m0, machineTicks());
// The sum is printed (rounded) so the loop cannot be optimised away.
console.log(`cpu probe: ${millions}M multiply-adds in ${((c.user + c.system) / 1000).toFixed(0)} ms of CPU (sum ${sink.toExponential(1)}); the host stole ${(steal * 100).toFixed(1)} % of the machine's CPU time meanwhile`);
