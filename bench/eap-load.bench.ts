/**
 * Full EAP-AKA authentications per second, issue 14's case on its own (docs/performance.md § Third round): the
 * simulator's load mode (`loadEapAka`, what `omnisep simulate eap-aka --count N --concurrency 32` runs) against
 * `omnisep serve` as users start it (child process, default embedded store in a temp dir, default log level), the
 * swm back-end relaying to the built-in AAA over loopback TCP Diameter, the per-IMSI / per-client EAP caps raised
 * (one lab SIM authenticated hundreds of times at once from one address: `serve()` in bench/profile.ts).
 *
 * Per build and round it prints: authentications/s, p50/p99, the daemon's CPU µs per authentication (kernel's
 * count for the process, /proc/PID/stat: every thread, fsyncs included), the simulator's CPU µs per authentication
 * (process.cpuUsage of this process, which runs nothing else meanwhile), how much of the daemon's CPU its main thread
 * (the event loop) spent and how busy that kept it (share of the run's wall time), how long that thread was runnable
 * but waited in the run queue for a core (`/proc/PID/task/PID/schedstat`: busy plus waiting near 100 % is a main
 * thread with no time to spare, whatever the machine's idle share says), how much of the machine's CPU time
 * was idle meanwhile (/proc/stat: a run with an idle core is bounded by waiting, not by CPU) and how much the hypervisor
 * stole (/proc/stat `steal`: a run the host stole from reads slower, docs/performance.md § Forty-fourth round), and, with `--strace`, the daemon's
 * durable commits per authentication: its `pwrite64` calls (since the seventh round of issue 14 the journals and
 * the activity log commit with one positional write through an O_DSYNC handle, daemon/store/durable-write.ts) and
 * its `fdatasync` calls (the builds before that one, and the fallback off Linux), from `strace -f -c` attached for
 * the measured run only; it slows the daemon, so those rounds are for the counts, not the speed.
 *
 *   npx tsc && node dist/bench/eap-load.bench.js [--count 2000] [--concurrency 32] [--rounds 2] [--warmup 2000] [--root DIR] [--strace] [--sims N] [--set key=value …]
 *
 * `--concurrency 8,16,32,64`: a scan, one row per concurrency in each round (a new daemon each), to tell a rate
 * bounded by CPU (flat as concurrency grows) from one bounded by each authentication's waits (rising with it).
 *
 * `--aaa-process`: the built-in AAA runs in a `serve` of its own and the daemon under test relays to it (its own AAA
 * off), as it would to an operator's AAA: the daemon's figures are then its own part of an authentication, the AAA
 * process's CPU is a column of its own. Not the default `serve` (one process with the AAA in it).
 *
 * `--set key=value` (repeatable): a configuration key for every daemon of the run, as `serve --set` takes it
 * (e.g. a storage setting under test); the figures are then of that setting, not of the defaults.
 *
 * Each round starts a new daemon and first runs `--warmup` authentications at the measured concurrency (their
 * rate is printed too: a new daemon's first seconds), then measures `--count`.
 *
 * `--monitor [--monitor-warmup 6000]`: issue 14's "no more than 10 % slower with a monitor attached" for this case,
 * taken as `wrk.bench --monitor` takes it for the HTTP cases. Each round's daemon is measured twice, without and with
 * the real monitor attached (./monitor-child.ts: this build's TUI in a process of its own on the daemon's control
 * socket, the command's defaults), each side after `--monitor-warmup` authentications under the same load (the
 * monitor attached before its side's warm-up: its first seconds run unoptimised code), the pair's order alternating
 * from round to round (without → with, then with → without); a second table gives each round's pair, their summed
 * ratio and the median of the pairs' ratios, and the monitor's events, renders and CPU a second.
 * `--monitor-control` takes every step of `--monitor` and attaches nothing: the method's own noise. Both run this
 * build alone at one concurrency (no `--root`, `--strace` or `--aaa-process`).
 *
 * `--root DIR`: another build (e.g. `git archive <commit> | tar -x -C DIR`, node_modules linked, `npx tsc` there) —
 * its daemon and its simulator run in alternate rounds with this build's, back to back, so both see the same load;
 * the older build first in odd rounds, this one first in even rounds (the one run second reads slower). A
 * build older than the benchmarks (no `dist/bench/profile.js`, e.g. issue 14's branch point `130b00a`) has its daemon
 * driven by this build's simulator and started by this build's `serve()`; the table says so in its build column.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { request, type Agent } from 'undici';
import { machineTicks, stealShare, threadRunQueueNs, threadsCpuUs } from './proc-cpu.js';
import { simFile } from './load-sims.js';
import { daemonMetrics, minus, type Tally } from './daemon-metrics.js';
import { attachMonitor, type MonitorWindow } from './monitor-child.js';
import { inRoundOrder, medianOf } from './pairs.js';

const { values } = parseArgs({ options: {
  count: { type: 'string', default: '2000' }, concurrency: { type: 'string', default: '32' }, rounds: { type: 'string', default: '2' },
  root: { type: 'string' }, strace: { type: 'boolean', default: false }, warmup: { type: 'string', default: '2000' },
  sims: { type: 'string', default: '1' }, set: { type: 'string', multiple: true, default: [] }, 'aaa-process': { type: 'boolean', default: false },
  // Each round's daemon measured without and with the real monitor attached (issue 14: no more than 10 % slower),
  // each side after this many authentications under load; --monitor-control attaches nothing (the method's noise).
  monitor: { type: 'boolean', default: false }, 'monitor-control': { type: 'boolean', default: false }, 'monitor-warmup': { type: 'string', default: '6000' },
} });
const SIMS = Number(values.sims);
if (!Number.isInteger(SIMS) || SIMS < 1) throw new Error('--sims: a whole number of SIMs, 1 or more');
const COUNT = Number(values.count);
const CONCS = values.concurrency.split(',').map(Number);
if (!CONCS.length || CONCS.some((c) => !Number.isInteger(c) || c < 1)) throw new Error('--concurrency: whole numbers, 1 or more, comma-separated');
const WARMUP = Math.max(1, Number(values.warmup));
const MONITOR = values.monitor || values['monitor-control'];
const CONTROL = values['monitor-control'];
const MONITOR_WARMUP = Number(values['monitor-warmup']);
if (MONITOR) {
  if (values.monitor && CONTROL) throw new Error('--monitor and --monitor-control: one or the other (the control is a run of its own)');
  if (values.root || values.strace || values['aaa-process'] || CONCS.length !== 1) throw new Error('--monitor / --monitor-control: this build alone at one concurrency (no --root, --strace, --aaa-process or concurrency list)');
  if (!Number.isInteger(MONITOR_WARMUP) || MONITOR_WARMUP < 1) throw new Error('--monitor-warmup: a whole number of authentications, 1 or more');
}
const here = resolve(fileURLToPath(new URL('../..', import.meta.url))); // the checkout (dist/bench/ → ../..)
const builds = [...(values.root ? [{ name: 'root', dir: resolve(values.root) }] : []), { name: 'this', dir: here }];
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

interface Row {
  build: string; round: number; conc: number; mainUs: number; mainBusy: number; mainWait?: number; idle: number; steal: number; aaaUs?: number; ok: number; warmPerS: number;
  perS: number; p50: number; p99: number; meanMs: number; failed: number; daemonUs: number; simUs: number; fdatasync?: number; pwrite?: number; load: string;
  /** Deltas of the daemon's metrics over the measured run. */
  waits: Map<string, Tally>; http: Tally; minorGc: Tally; diameter: Tally;
  /** With --monitor / --monitor-control: which side of the round's pair, and what the monitor's window cost it. */
  side?: 'without' | 'with'; window?: MonitorWindow;
}

async function strace(pid: number): Promise<{ stop(): Promise<{ fdatasync: number; pwrite: number }> }> {
  const out = join(mkdtempSync(join(tmpdir(), 'omnisep-strace-')), 'counts.txt');
  const p = spawn('strace', ['-f', '-c', '-e', 'trace=fdatasync,pwrite64', '-o', out, '-p', String(pid)], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1000)); // attached to every thread
  return {
    async stop() {
      p.kill('SIGINT');
      await new Promise((r) => p.once('exit', r));
      // `strace -c` rows: % time, seconds, usecs/call, calls, [errors], syscall
      const lines = readFileSync(out, 'utf8').split('\n');
      rmSync(join(out, '..'), { recursive: true, force: true }); // the temp dir too, not only the file
      const calls = (name: string) => {
        const line = lines.find((l) => l.trim().endsWith(` ${name}`));
        return line ? Number(line.trim().split(/\s+/)[3]) : 0;
      };
      return { fdatasync: calls('fdatasync'), pwrite: calls('pwrite64') };
    },
  };
}

/** The port of one of a daemon's listeners, from its status on the control socket. */
async function listenerPort(d: { agent: Agent }, name: string): Promise<number> {
  const r = await request('http://localhost/api/status', { dispatcher: d.agent });
  const port = ((await r.body.json()) as { listeners: Record<string, { port?: number } | undefined> }).listeners[name]?.port;
  if (!port) throw new Error(`the daemon has no ${name} listener`);
  return port;
}

/** Where a build's benchmark and simulator modules come from: its own, or this build's when it has none (older than the benchmarks). */
const benchOf = (dir: string) => (existsSync(join(dir, 'dist/bench/profile.js')) ? dir : here);

async function round(b: { name: string; dir: string }, n: number, conc: number): Promise<Row[]> {
  const from = benchOf(b.dir);
  const prof = await import(join(from, 'dist/bench/profile.js')) as typeof import('./profile.js');
  const run = await import(join(from, 'dist/src/ue/run.js')) as typeof import('../src/ue/run.js');
  // The SIMs' keys are Secrets of the simulator's own module: it refuses another copy's.
  const { Secret: BuildSecret } = await import(join(from, 'dist/src/util/secret.js')) as typeof import('../src/util/secret.js');
  const many = SIMS > 1 ? simFile(SIMS, BuildSecret) : undefined;
  const root = b.dir === here ? {} : { root: b.dir };
  const subscribers = many ? [`aaa.subscribers_file=${many.file}`] : [];
  // --aaa-process: the built-in AAA in a `serve` of its own (no Diameter node, no EAP back-end of its own), the daemon
  // under test relaying to it over loopback TCP Diameter with its own AAA off — as with an operator's AAA elsewhere.
  const aaa = values['aaa-process'] ? await prof.serve({ ...root, sets: [...subscribers, 'diameter.enabled=false', 'eap_aka.backend=local', ...values.set] }) : null;
  const aaaPort = aaa ? await listenerPort(aaa, 'aaa') : 0;
  const d = await prof.serve({ ...root, sets: [...subscribers, ...values.set, ...(aaa ? ['aaa.enabled=false', 'diameter.peers.0.ip=127.0.0.1', `diameter.peers.0.port=${aaaPort}`] : [])] });
  const opts = prof.eapOptions(d.url);
  const runLoad = (count: number) => run.loadEapAka(opts, { count, concurrency: conc, ...(many ? { sims: many.sims } : {}) }).then((r) => {
    if (many && r.sims !== SIMS) throw new Error(`build ${b.name}: its simulator has no load over several SIMs (--sims needs both builds to have it)`);
    return r;
  });
  /** One measured run of `COUNT` authentications on the warm daemon: its rate, CPU, waits and latencies. */
  async function measure(warmPerS: number): Promise<Row> {
    const st = values.strace ? await strace(d.child.pid!) : null;
    const c0 = process.cpuUsage();
    const d0 = prof.processCpuUs(d.child.pid!);
    const t0 = threadsCpuUs(d.child.pid!);
    const q0 = threadRunQueueNs(d.child.pid!);
    const a0 = aaa ? prof.processCpuUs(aaa.child.pid!) : 0;
    const metrics0 = await daemonMetrics(d);
    const m0 = machineTicks();
    const w0 = performance.now();
    const s = await runLoad(COUNT);
    const wallUs = (performance.now() - w0) * 1000;
    const m1 = machineTicks();
    const cpu = process.cpuUsage(c0);
    const daemonUs = prof.processCpuUs(d.child.pid!) - d0;
    const mainUs = threadsCpuUs(d.child.pid!).main - t0.main;
    const q1 = threadRunQueueNs(d.child.pid!);
    const mainWait = q0 !== null && q1 !== null ? (q1 - q0) / 1000 / wallUs : undefined;
    const aaaUs = aaa ? prof.processCpuUs(aaa.child.pid!) - a0 : undefined;
    const metrics1 = await daemonMetrics(d);
    const waits = new Map([...metrics1.waits].map(([log, e]) => [log, minus(e, metrics0.waits.get(log))] as const));
    const http = minus(metrics1.http, metrics0.http);
    const minorGc = minus(metrics1.minorGc, metrics0.minorGc);
    const diameter = minus(metrics1.diameter, metrics0.diameter);
    const syncs = st ? await st.stop() : undefined;
    const ok = Math.max(1, s.ok); // per authentication
    return {
      build: from === b.dir ? b.name : `${b.name} (this simulator)`, round: n, conc, waits, http, minorGc, diameter, meanMs: s.latency_ms.mean, ok, ...(aaaUs !== undefined ? { aaaUs: aaaUs / ok } : {}), mainUs: mainUs / ok, mainBusy: mainUs / wallUs, ...(mainWait !== undefined ? { mainWait } : {}), idle: (m1.idle - m0.idle) / Math.max(1, m1.all - m0.all), steal: stealShare(m0, m1), warmPerS, perS: s.ok_per_s, p50: s.latency_ms.p50, p99: s.latency_ms.p99, failed: s.failed,
      daemonUs: daemonUs / ok, simUs: (cpu.user + cpu.system) / ok,
      ...(syncs !== undefined ? { fdatasync: syncs.fdatasync / ok, pwrite: syncs.pwrite / ok } : {}), load: load(),
    };
  }

  try {
    // Warm-up at the measured concurrency: the first thousands of authentications of a new daemon run code V8 has
    // not optimised yet (≈ 470/s, then 730–830/s: docs/performance.md § Seventh round). Printed, not hidden.
    const warm = await runLoad(WARMUP);
    if (!MONITOR) return [await measure(warm.ok_per_s)];
    // The pair: each side after the same warm-up under load (the "with" side with the monitor attached first, so its
    // first seconds of unoptimised code fall in the warm-up), the order alternating from round to round.
    const pair: Row[] = [];
    for (const side of n % 2 === 1 ? ['without', 'with'] as const : ['with', 'without'] as const) {
      const mon = side === 'with' && !CONTROL ? await attachMonitor(d.socket) : null;
      let row: Row;
      try {
        const sideWarm = await runLoad(MONITOR_WARMUP);
        mon?.startWindow();
        row = await measure(sideWarm.ok_per_s);
      } catch (e) {
        await mon?.stop().catch(() => undefined); // not left running beside the next benchmark
        throw e;
      }
      pair.push({ ...row, side, ...(mon ? { window: await mon.stop() } : {}) });
    }
    return pair;
  } finally {
    await d.stop();
    await aaa?.stop();
    if (many) rmSync(many.dir, { recursive: true, force: true });
  }
}

if (values.strace && spawnSync('strace', ['-V']).status !== 0) throw new Error('--strace: strace is not installed');
console.log(`eap-load: ${WARMUP} authentications of warm-up then ${COUNT} measured per round (a new daemon each), concurrency ${CONCS.join(', ')}, ${SIMS === 1 ? 'one SIM' : `round ${SIMS} SIMs`}, ${values.rounds} rounds per build${values['aaa-process'] ? '; the built-in AAA in a serve of its own (--aaa-process)' : ''}${values.set.length ? `; settings (not the defaults): ${values.set.join(' ')}` : ''}; load average ${load()}`);
const rows: Row[] = [];
// Which build runs first alternates from round to round (`inRoundOrder`).
for (let r = 1; r <= Number(values.rounds); r++) for (const c of CONCS) for (const b of inRoundOrder(r, builds)) rows.push(...(await round(b, r, c)));
const sideName = (x: Row) => (x.side === 'with' ? (CONTROL ? 'control (nothing attached)' : 'monitor attached') : 'without');
if (MONITOR) console.log(`${CONTROL ? 'CONTROL (--monitor-control): nothing is attached on the "with" side, so the pairs\' ratio is the method\'s own noise' : 'With the monitor attached (issue 14: no more than 10 % slower): this build\'s TUI (bench/monitor-child.ts: MonitorApp on a virtual 120×40 terminal, the command\'s defaults) in a process of its own on the daemon\'s control socket'}; each side measured after ${MONITOR_WARMUP} authentications under the same load (the monitor attached before its side's warm-up; the warm-up column is that side's), the pair's order alternating from round to round`);
console.log(`\n| build | round |${MONITOR ? ' side |' : ''} concurrency | warm-up auth/s${MONITOR ? '' : ' (new daemon)'} | auth/s | p50 ms | p99 ms | failed | daemon CPU µs/auth | of it main thread | main thread busy | main thread waiting for a core | machine idle | host steal | AAA process CPU µs/auth | simulator CPU µs/auth | pwrite64/auth | fdatasync/auth | load after |`);
console.log(`|---|---:|${MONITOR ? '---|' : ''}---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|`);
const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
const buildName = (x: Row) => (x.build === 'this' ? 'this build' : x.build.replace(/^root/, `root ${values.root}`));
const buildOf = (x: Row) => buildName(x) + (x.side ? `, ${sideName(x)}` : '');
for (const x of rows) {
  console.log(`| ${buildName(x)} | ${x.round} |${MONITOR ? ` ${sideName(x)} |` : ''} ${x.conc} | ${x.warmPerS.toFixed(0)} | ${x.perS.toFixed(0)} | ${x.p50.toFixed(1)} | ${x.p99.toFixed(1)} | ${x.failed} | ${x.daemonUs.toFixed(0)} | ${x.mainUs.toFixed(0)} | ${pct(x.mainBusy)} | ${x.mainWait === undefined ? '' : pct(x.mainWait)} | ${pct(x.idle)} | ${(x.steal * 100).toFixed(1)} % | ${x.aaaUs?.toFixed(0) ?? ''} | ${x.simUs.toFixed(0)} | ${x.pwrite?.toFixed(2) ?? ''} | ${x.fdatasync?.toFixed(2) ?? ''} | ${x.load} |`);
}

// Two builds (--root): each round's pair (the same round and concurrency, run one after the other) read together —
// this machine swings by 10–20 % between rounds, so one round says little and the pairs' spread is printed with them.
if (!MONITOR && values.root) {
  for (const c of CONCS) {
    const pairs = [...new Set(rows.map((x) => x.round))].map((r) => ({
      root: rows.find((x) => x.round === r && x.conc === c && x.build !== 'this')!, mine: rows.find((x) => x.round === r && x.conc === c && x.build === 'this')!,
    })).filter((p) => p.root && p.mine);
    if (!pairs.length) continue;
    const sum = (f: (x: Row) => number, side: 'root' | 'mine') => pairs.reduce((t, p) => t + f(p[side]), 0);
    // Summed: all authentications of a build over all its time (each round's time is its authentications over its rate).
    const rate = (side: 'root' | 'mine') => sum((x) => x.ok, side) / sum((x) => x.ok / x.perS, side);
    const mean = (f: (x: Row) => number, side: 'root' | 'mine') => sum((x) => f(x) * x.ok, side) / sum((x) => x.ok, side);
    const r = medianOf(pairs.map((p) => p.mine.perS / p.root.perS));
    const cpu = medianOf(pairs.map((p) => p.mine.daemonUs / p.root.daemonUs));
    console.log(`
**this build / ${values.root}, concurrency ${c}, ${pairs.length} rounds: ${(rate('mine') / rate('root')).toFixed(3)}× the authentications a second summed (${rate('mine').toFixed(0)} against ${rate('root').toFixed(0)}), median of the rounds' ratios ${r.median.toFixed(3)}× (${r.min.toFixed(3)}×–${r.max.toFixed(3)}×); daemon CPU an authentication ${(mean((x) => x.daemonUs, 'mine') / mean((x) => x.daemonUs, 'root')).toFixed(3)}× (${mean((x) => x.daemonUs, 'root').toFixed(0)} → ${mean((x) => x.daemonUs, 'mine').toFixed(0)} µs; rounds ${cpu.min.toFixed(3)}×–${cpu.max.toFixed(3)}×), of it the main thread ${(mean((x) => x.mainUs, 'mine') / mean((x) => x.mainUs, 'root')).toFixed(3)}×**`);
  }
}

// The pairs: each round's rate with the monitor (or, in the control, nothing) over its rate without, on one daemon.
if (MONITOR) {
  const pairsOf = [...new Set(rows.map((x) => x.round))].map((r) => ({
    round: r, without: rows.find((x) => x.round === r && x.side === 'without')!, with: rows.find((x) => x.round === r && x.side === 'with')!,
  }));
  const ratios = pairsOf.map((p) => p.with.perS / p.without.perS);
  // Summed: all authentications of a side over all its time (each run's time is its authentications over its rate).
  const rate = (side: 'with' | 'without') => pairsOf.reduce((n, p) => n + p[side].ok, 0) / pairsOf.reduce((t, p) => t + p[side].ok / p[side].perS, 0);
  const m = medianOf(ratios);
  console.log(`\n${CONTROL ? 'Control' : 'The monitor attached'}, per round (a new daemon each, both sides on it):\n`);
  console.log(`| round | order | auth/s without | ${CONTROL ? 'nothing attached (control)' : 'with the monitor'} | with / without | p99 ms without / with | daemon CPU µs/auth without / with | of it main thread | monitor: events/s | renders/s | CPU ms/s |`);
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  pairsOf.forEach((p, i) => {
    const w = p.with.window;
    const per = (v: number | undefined) => (w && v !== undefined ? (v / Math.max(1e-9, w.seconds)).toFixed(0) : '');
    console.log(`| ${p.round} | ${p.round % 2 === 1 ? 'without → with' : 'with → without'} | ${p.without.perS.toFixed(0)} | ${p.with.perS.toFixed(0)} | ${ratios[i]!.toFixed(3)}× | ${p.without.p99.toFixed(1)} / ${p.with.p99.toFixed(1)} | ${p.without.daemonUs.toFixed(0)} / ${p.with.daemonUs.toFixed(0)} | ${p.without.mainUs.toFixed(0)} / ${p.with.mainUs.toFixed(0)} | ${per(w?.events)} | ${per(w?.renders)} | ${per(w?.cpu_ms)} |`);
  });
  console.log(`\n**${CONTROL ? 'nothing attached' : 'with the monitor'} / without: ${(rate('with') / rate('without')).toFixed(3)}× summed over ${pairsOf.length} rounds (${rate('with').toFixed(0)} against ${rate('without').toFixed(0)} auth/s), median of the rounds' ratios ${m.median.toFixed(3)}× (${m.min.toFixed(3)}×–${m.max.toFixed(3)}×)**`);
}

// The commit chain: what each authentication's writes waited for their durable commits (the embedded store's metric).
const withWaits = rows.filter((x) => x.waits.size);
if (withWaits.length) {
  console.log('\nDurable commit waits in the measured runs (omnisep_store_commit_wait_seconds): per log, writes per authentication × mean ms per write');
  for (const x of withWaits) {
    const parts = [...x.waits].filter(([, e]) => e.n > 0).sort((a, b) => b[1].sumS - a[1].sumS)
      .map(([log, e]) => `${log} ${(e.n / x.ok).toFixed(2)} × ${((e.sumS / e.n) * 1000).toFixed(2)}`);
    const total = ([...x.waits].reduce((t, [, e]) => t + e.sumS, 0) / x.ok) * 1000;
    console.log(`- ${buildOf(x)}, round ${x.round}, concurrency ${x.conc}: ${parts.join(', ')}; **${total.toFixed(1)} ms** of waits per authentication (p50 ${x.p50.toFixed(1)} ms)`);
  }
}

// Where an authentication's time went: inside the daemon's handling of its HTTP requests (of it, the commit waits
// above) and outside it — the simulator, loopback TCP, and the daemon's event loop before it reads a request — and
// how often the daemon stopped for a scavenge.
const withHttp = rows.filter((x) => x.http.n > 0);
if (withHttp.length) {
  console.log('\nAn authentication\'s mean time, inside and outside the daemon\'s request handling (omnisep_http_request_duration_seconds of the public listener), and the scavenges (omnisep_nodejs_gc_duration_seconds{kind="minor"})');
  for (const x of withHttp) {
    const inside = (x.http.sumS / x.ok) * 1000;
    const waits = ([...x.waits].reduce((t, [, e]) => t + e.sumS, 0) / x.ok) * 1000;
    const gc = x.minorGc.n ? `; ${((x.minorGc.n * 1000) / x.ok).toFixed(1)} scavenges per 1,000 authentications, ${((x.minorGc.sumS / x.minorGc.n) * 1000).toFixed(2)} ms each (${((x.minorGc.sumS * 1e6) / x.ok).toFixed(0)} µs per authentication)` : '';
    // The relay's waits for Diameter answers hold the AAA's own work and commits (sqn, eap_identities): they overlap.
    const dia = x.diameter.n ? `; ${((x.diameter.sumS * 1000) / x.ok).toFixed(1)} ms of it waiting for ${(x.diameter.n / x.ok).toFixed(1)} Diameter answers (the AAA's commits among them)` : '';
    console.log(`- ${buildOf(x)}, round ${x.round}, concurrency ${x.conc}: mean ${x.meanMs.toFixed(1)} ms = **${inside.toFixed(1)} ms in the daemon's ${(x.http.n / x.ok).toFixed(1)} requests** (${waits.toFixed(1)} of it commit waits${dia}) + ${(x.meanMs - inside).toFixed(1)} ms outside them${gc}`);
  }
}
