/**
 * CPU time of a process from /proc (Linux), for the benchmarks that measure a daemon or a monitor from outside:
 * utime + stime in clock ticks (USER_HZ = 100), as µs.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_US = 1_000_000 / 100;

/** utime + stime of one /proc stat line, µs (fields after the command name, which may hold spaces). */
function statCpuUs(stat: string): number {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_US;
}

/** CPU µs of the whole process `pid`. */
export function processCpuUs(pid: number): number {
  return statCpuUs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** CPU µs of the main thread and of all other threads of `pid` (a thread that ends while read is skipped). */
export function threadsCpuUs(pid: number): { main: number; other: number } {
  let main = 0;
  let other = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const us = statCpuUs(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
      if (Number(tid) === pid) main += us;
      else other += us;
    } catch { /* the thread ended */ }
  }
  return { main, other };
}

/**
 * The machine's CPU time from the first line of /proc/stat, in clock ticks over every CPU: all of it, the idle
 * part (idle + iowait: a CPU with nothing to run, whether or not a disk write is outstanding), and the stolen part
 * (steal: time the hypervisor ran something else while this VM's CPU had work; on this VM a figure measured while
 * the host steals runs up to three times slower, docs/performance.md § Forty-fourth round).
 */
export function machineTicks(): { idle: number; steal: number; all: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  return { idle: f[3]! + f[4]!, steal: f[7] ?? 0, all: f.reduce((a, b) => a + b, 0) };
}

/** The share of the machine's CPU time the hypervisor stole between two `machineTicks()` readings (0–1). */
export function stealShare(from: { steal: number; all: number }, to: { steal: number; all: number }): number {
  return (to.steal - from.steal) / Math.max(1, to.all - from.all);
}

/**
 * How long a thread has waited in the run queue for a CPU, ns (the second field of `/proc/PID/task/TID/schedstat`,
 * which Linux keeps by default): a thread that is runnable but finds both cores taken counts as neither busy nor idle
 * in the figures above. Null where the file is missing.
 */
export function threadRunQueueNs(pid: number, tid = pid): number | null {
  try {
    const wait = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(/\s+/)[1]);
    return Number.isFinite(wait) ? wait : null;
  } catch {
    return null;
  }
}
