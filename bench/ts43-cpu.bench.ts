/**
 * Daemon CPU per request of the token query and XCAP cases, split by thread, for two builds side by side
 * (issue 14, third round: docs/performance.md § Third round). On a machine shared with other work the
 * throughput of one run says little; the CPU the kernel charged to the daemon per request is steadier, and the
 * minimum over several alternating rounds steadier still.
 *
 *   npx tsc && node dist/bench/ts43-cpu.bench.js [--root DIR] [--rounds 3] [--seconds 3] [--connections 16]
 *                                               [--cases token-xml,token-json,xcap-get,xcap-put] [--warmup 12] [--reader]
 *
 * Each round starts `omnisep serve` as users start it (bench/profile.ts `serve`: default embedded store in a temp
 * dir, default log level, the single-SIM settings of the ts43 bench) — first the build in `--root` when given
 * (e.g. an export of the branch point, built), then this one — warms it up for `--warmup` seconds over the cases
 * (profile.ts warmUp: a new daemon's first seconds run unoptimised code), then drives each case for `--seconds`
 * after a 500 ms lead-in (16 connections; the XCAP PUT is one writer chain carrying its ETag) and reads the CPU time of every
 * thread of the daemon from /proc/PID/task/TID/stat before and after: the main thread (JavaScript, the sockets,
 * the synchronous part of the fs calls) and the others together (libuv's thread pool: fdatasync; V8's compiler and
 * GC helpers). Prints per case and build: requests/s, p50, and main/other/total CPU µs per request, each the
 * minimum and the median over the rounds, with the load average. `--reader` attaches an `/api/events` reader (bench/profile.ts attachReader) to each daemon for the measured cases.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { attachReader, cases, hammer, serve, warmUp, WARMUP_SECONDS } from './profile.js';
import { threadsCpuUs } from './proc-cpu.js';

const { values } = parseArgs({ options: {
  root: { type: 'string' }, rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '3' },
  connections: { type: 'string', default: '16' }, cases: { type: 'string', default: 'token-xml,token-json,xcap-get,xcap-put' },
  warmup: { type: 'string', default: String(WARMUP_SECONDS) }, reader: { type: 'boolean', default: false },
} });
const ROUNDS = Number(values.rounds);
const MS = Number(values.seconds) * 1000;
const CONNS = Number(values.connections);
const NAMES = values.cases.split(',');
interface Sample { perS: number; p50: number; main: number; other: number }
const results = new Map<string, Sample[]>();
const load = [loadavg()[0]!];

async function round(build: string, root: string | undefined): Promise<void> {
  const d = await serve(root ? { root } : {});
  try {
    const c = await cases(d.url, CONNS);
    const fnOf = (name: string) => {
      const fn = (c as unknown as Record<string, () => Promise<boolean>>)[name];
      if (!fn) throw new Error(`unknown case ${name}`);
      return fn;
    };
    // The new daemon warmed up on the cases it is measured on (warmUp: V8 optimises over the first seconds of load).
    await warmUp(Number(values.warmup), NAMES.map((n) => [n === 'xcap-put' ? 1 : CONNS, fnOf(n)] as [number, () => Promise<boolean>]));
    // `--reader`: an /api/events reader (the monitor's stream) attached while the cases are measured.
    const reader = values.reader ? await attachReader(d.agent) : null;
    for (const name of NAMES) {
      const fn = fnOf(name);
      const conns = name === 'xcap-put' ? 1 : CONNS;
      await hammer(500, conns, fn);
      const t0 = threadsCpuUs(d.child.pid!);
      const s = await hammer(MS, conns, fn);
      const t1 = threadsCpuUs(d.child.pid!);
      const key = `${name}\t${build}`;
      if (!results.has(key)) results.set(key, []);
      results.get(key)!.push({ perS: s.perS, p50: s.lat.p50, main: (t1.main - t0.main) / s.n, other: (t1.other - t0.other) / s.n });
    }
    reader?.stop();
    await c.pool.close();
  } finally {
    await d.stop();
  }
  load.push(loadavg()[0]!);
}

for (let r = 0; r < ROUNDS; r++) {
  if (values.root) await round('root', values.root);
  await round('this', undefined);
}

const min = (xs: number[]) => Math.min(...xs);
const med = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]!; };
const f0 = (n: number) => Math.round(n).toLocaleString('en-US');
console.log(`\nts43-cpu bench: ${ROUNDS} round(s), ${values.seconds} s per case, ${CONNS} connections (XCAP PUT: 1 writer), node ${process.version}, ${new Date().toISOString()}`);
console.log(`load average (1 min) at each round's end: ${load.map((l) => l.toFixed(1)).join(', ')} (2 cores shared with other work)`);
console.log(`builds: root = ${values.root ?? '(none)'}, this = ${process.cwd()}${values.reader ? '; an /api/events reader attached to each daemon' : ''}\n`);
console.log('| case | build | req/s (median) | p50 ms (median) | main-thread CPU µs/req min / median | other threads min / median | total min / median |');
console.log('|---|---|---:|---:|---:|---:|---:|');
const order = (k: string) => { const [n, b] = k.split('\t'); return NAMES.indexOf(n!) * 2 + (b === 'this' ? 1 : 0); };
for (const [key, xs] of [...results].sort((a, b) => order(a[0]) - order(b[0]))) {
  const [name, build] = key.split('\t');
  const tot = xs.map((x) => x.main + x.other);
  console.log(`| ${name} | ${build} | ${f0(med(xs.map((x) => x.perS)))} | ${med(xs.map((x) => x.p50)).toFixed(2)} | ${f0(min(xs.map((x) => x.main)))} / ${f0(med(xs.map((x) => x.main)))} | ${f0(min(xs.map((x) => x.other)))} / ${f0(med(xs.map((x) => x.other)))} | ${f0(min(tot))} / ${f0(med(tot))} |`);
}
