/**
 * Issue 14's figures taken the way the issue took them: `wrk -t1 -c50` (a load generator in C, in its own process)
 * against the daemon as `omnisep serve` runs it (bench/profile.ts `serve`: child process, default embedded store in
 * a temp dir, default log level, the single-SIM settings), and against a bare fastify route **in its own process**
 * (bench/bare-server.ts) answering the same bytes. bench/ts43.bench.ts drives both with undici from the bench's
 * own thread and runs the bare routes in that thread too, which charges the bare side the load generator's CPU
 * and lifts every ratio; this one does not (docs/performance.md § Fourteenth round).
 *
 *   npx tsc && node dist/bench/wrk.bench.js [--seconds 5] [--connections 50] [--slices 2] [--warmup 3]
 *                                           [--cases token-xml,token-json,xcap-get,xcap-put] [--root DIR]
 *                                           [--monitor [--monitor-warmup 10] [--monitor-sample 200]] [--monitor-control]
 *                                           [--sims N] [--heap-snapshot DIR]
 *
 * Needs `wrk` (Debian: `apt-get install wrk`). Per case, bare and daemon alternate in `--slices` runs of
 * `--seconds` each; before them each side is warmed `--warmup` seconds per case (a new daemon's first seconds run
 * unoptimised code). The XCAP PUT is one writer (`-c1`) carrying its ETag from answer to request (a wrk Lua script),
 * as in the other benchmarks. Prints req/s, the ratio, wrk's p50 / p99, non-2xx answers and socket errors, the
 * bare server's and the daemon's CPU µs per request (every thread, /proc), and of the daemon's the main thread's
 * share and how busy it kept that thread: near 100 % the event loop is the bound, well below it the waits are; and the
 * share of the machine's CPU time the hypervisor stole during the daemon's slices (/proc/stat `steal`, mean and worst
 * slice): on this VM a slice measured while the host steals runs up to three times slower (docs/performance.md
 * § Forty-fourth round), so a case whose figure moved is read against it.
 *
 * `--monitor`: each slice of the daemon is paired with one with the real monitor attached (./monitor-child.ts: this
 * build's TUI in a process of its own on the daemon's control socket), and a second table compares the two per case
 * (issue 14: no more than 10 % slower): the summed ratio, the median of the pairs' ratios, each pair's, and the
 * monitor's own events, renders and CPU a second. Each side of a pair is measured after `--monitor-warmup` seconds
 * under the same load (for the "with" side, with the monitor attached: its first seconds run unoptimised code), and
 * the pair's order alternates (without → with, with → without), so a drift over the pair cancels over two slices.
 * `--monitor-sample N` is the monitor's `--sample` (the most activity records a second the daemon sends it; default
 * the command's, 0 every record). `--monitor-control` takes every step of `--monitor` but attaches nothing: the
 * method's own noise, to read the monitor's figures against.
 *
 * `--sims N` (N > 1): the token query across a fleet, not one phone polling. The daemon is also given N SIMs
 * (bench/load-sims.ts), each SIM gets its own token from a full EAP-AKA through the simulator (32 at a time, before
 * any slice), and the token cases' wrk runs a Lua script that asks for the N SIMs' queries in turn, so each token is
 * presented once every N requests: with N past the daemon's per-key caches (the token check's memo, the signed
 * websheet links, `getShared`'s keys: 4,096–8,192 each) every query is a miss, as a fleet's daily polls are. The bare
 * route answers the lab SIM's bytes as without `--sims`; the XCAP cases are the lab subscriber's as always.
 *
 * `--heap-snapshot DIR`: once every slice has run, the daemon writes a V8 heap snapshot into DIR (node's
 * `--heapsnapshot-signal`, `--diagnostic-dir`), the load stopped and its writes settled; `node dist/bench/heap-strings.js
 * DIR/*.heapsnapshot` then says which strings it holds (the fleet's heap per SIM: docs/performance.md § Thirty-eighth round).
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { ASSERTED_IDENTITY as ASSERTED, labSimRow, serve, tokenPath, tokenQueryPath, XCAP_DOC, XCAP_ELEMENT } from './profile.js';
import { machineTicks, processCpuUs, stealShare, threadsCpuUs } from './proc-cpu.js';
import { attachMonitor, type MonitorWindow } from './monitor-child.js';
import { DEFAULT_SAMPLE } from '../src/ui/monitor-state.js';
import { medianOf } from './pairs.js';
import { runWrk as wrk, storeXcapDocument, tokenHeaders, xcapPutScript, type Run } from './wrk-run.js';
import { simFile } from './load-sims.js';
import { inLanes } from '../src/util/lanes.js';
import { DEFAULT_TERMINAL, simulateEapAka, simulateOptions, type LoadSim } from '../src/ue/run.js';
import type { EntitlementDocument } from '../src/ue/document.js';
import { Secret } from '../src/util/secret.js';

const { values } = parseArgs({ options: {
  seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '50' }, slices: { type: 'string', default: '2' },
  warmup: { type: 'string', default: '3' }, cases: { type: 'string', default: 'token-xml,token-json,xcap-get,xcap-put' },
  // Another build's daemon (an export of an older commit, built): before/after.
  root: { type: 'string' },
  // Each slice also run with the real monitor attached (issue 14: no more than 10 % slower), warmed this many seconds.
  monitor: { type: 'boolean', default: false }, 'monitor-warmup': { type: 'string', default: '10' },
  // The monitor's --sample (activity records a second the daemon sends it; 0: all); default the command's.
  'monitor-sample': { type: 'string', default: String(DEFAULT_SAMPLE) },
  // The method's own noise floor: every step of --monitor, but nothing is attached in the "with" slices.
  'monitor-control': { type: 'boolean', default: false },
  // The token query across N SIMs' tokens in turn (each a full EAP-AKA first), not one SIM's token.
  sims: { type: 'string', default: '1' },
  // After the slices: a heap snapshot of the daemon into this directory (see the head comment).
  'heap-snapshot': { type: 'string' },
} });
const SECONDS = Number(values.seconds);
const CONNS = Number(values.connections);
const SLICES = Number(values.slices);
const WARMUP = Number(values.warmup);
const NAMES = values.cases.split(',');
const MONITOR = values.monitor || values['monitor-control'];
const MONITOR_WARMUP = Number(values['monitor-warmup']);
const MONITOR_SAMPLE = Number(values['monitor-sample']);
const CONTROL = values['monitor-control'];
const SIMS = Number(values.sims);
if (!Number.isInteger(SIMS) || SIMS < 1) throw new Error('--sims: a whole number of SIMs, 1 or more');

const version = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
if (version.error) throw new Error('wrk.bench: wrk is not installed (Debian: apt-get install wrk)');
const wrkVersion = /wrk (\S+)/.exec(`${version.stdout}${version.stderr}`)?.[1] ?? '?';

const scratch = mkdtempSync(join(tmpdir(), 'omnisep-wrk-'));

const putScript = (asserted: boolean) => xcapPutScript(scratch, asserted);

// --sims: the fleet's SIMs and the lab SIM (the bare route's bytes, the XCAP subscriber) in one subscriber file.
const fleet = SIMS > 1 ? simFile(SIMS, Secret) : null;
if (fleet) {
  appendFileSync(fleet.file, labSimRow());
}
const HEAP_DIR = values['heap-snapshot'];
if (HEAP_DIR) mkdirSync(HEAP_DIR, { recursive: true });
const d = await serve({
  ...(values.root ? { root: values.root } : {}),
  ...(fleet ? { sets: [`aaa.subscribers_file=${fleet.file}`] } : {}),
  ...(HEAP_DIR ? { nodeArgs: ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${HEAP_DIR}`] } : {}),
});
// Whatever ends this run (a failed case included), the bare server does not outlive it (serve() sees to the daemon).
let bare: ReturnType<typeof spawn> | null = null;
process.on('exit', () => {
  bare?.kill('SIGTERM');
  rmSync(scratch, { recursive: true, force: true });
  if (fleet) rmSync(fleet.dir, { recursive: true, force: true });
});
const path = await tokenPath(d.url);
const text = async (p: string, headers: Record<string, string>) => (await (await request(`${d.url}${p}`, { headers })).body.text());
// The bare routes answer the daemon's own bytes, uncompressed (as in ts43.bench).
const bodies = {
  xml: await text(path, { accept: 'text/vnd.wap.connectivity-xml' }),
  json: await text(path, { accept: 'application/json' }),
  xcap: '',
};
// The XCAP document exists once a first PUT made it.
await storeXcapDocument(d.url);
bodies.xcap = await text(XCAP_DOC, { 'x-3gpp-asserted-identity': ASSERTED });

/**
 * Each fleet SIM's token query (--sims), its token from a full EAP-AKA through the simulator (`concurrency` at a time),
 * one path a line in a file the token cases' Lua script reads and asks for in turn.
 */
async function fleetScript(sims: readonly LoadSim[], concurrency = 32): Promise<string> {
  const paths = new Array<string>(sims.length);
  await inLanes([...sims.keys()], concurrency, async (i) => {
    const s = sims[i]!;
    const capture: { document?: EntitlementDocument } = {};
    const r = await simulateEapAka(simulateOptions({ url: `${d.url}/`, imsi: s.imsi, ki: s.ki, opc: s.opc }, { apps: ['ap2004', 'ap2003'], tokenReauth: false, timeoutMs: 60_000 }), capture);
    const token = capture.document?.token?.token.reveal();
    if (!r.ok || !token) throw new Error(`wrk.bench --sims: EAP-AKA of SIM ${s.imsi} gave no token (${r.reason ?? 'no token in the document'})`);
    paths[i] = tokenQueryPath(s.imsi, token, DEFAULT_TERMINAL.id);
  });
  const list = join(scratch, 'fleet-paths.txt');
  writeFileSync(list, `${paths.join('\n')}\n`);
  const script = join(scratch, 'fleet.lua');
  writeFileSync(script, `local paths = {}
for line in io.lines("${list}") do paths[#paths + 1] = line end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
`);
  return script;
}
const fleetStarted = performance.now();
const fleetLua = fleet ? await fleetScript(fleet.sims) : undefined;
const fleetSeconds = (performance.now() - fleetStarted) / 1000;

const bareScript = fileURLToPath(new URL('./bare-server.js', import.meta.url));
const bareChild = spawn(process.execPath, [bareScript], { stdio: ['pipe', 'pipe', 'inherit'] });
bare = bareChild;
bareChild.stdin!.end(JSON.stringify(bodies));
const barePort = await new Promise<string>((resolve, reject) => {
  bareChild.stdout!.once('data', (c: Buffer) => resolve(String(c).trim()));
  bareChild.once('exit', (code) => reject(new Error(`bare server exited (${code})`)));
});
const bareUrl = `http://127.0.0.1:${barePort}`;

/**
 * The daemon's heap snapshot (SIGUSR2), a few seconds after the load stopped (the activity log's last commits and the
 * requests' garbage settle): the file once its size holds still for a second and the daemon answers again.
 */
async function heapSnapshot(dir: string): Promise<string> {
  await new Promise((r) => setTimeout(r, 3000));
  const before = new Set(readdirSync(dir));
  d.child.kill('SIGUSR2');
  const deadline = Date.now() + 10 * 60_000;
  let last = -1;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`wrk.bench --heap-snapshot: no snapshot in ${dir} after 10 minutes`);
    await new Promise((r) => setTimeout(r, 1000));
    const f = readdirSync(dir).find((x) => !before.has(x) && x.endsWith('.heapsnapshot'));
    if (!f) continue;
    const size = statSync(join(dir, f)).size;
    if (size === last) {
      await (await request(`${d.url}/health`)).body.dump(); // answered: the snapshot, written on the event loop, is done
      return join(dir, f);
    }
    last = size;
  }
}

interface Case { name: string; conns: number; bare: [string, string[], string?]; daemon: [string, string[], string?] }
const all: Record<string, Case> = {
  'token-xml': { name: `token query, XML (2 apps)${fleet ? `, ${SIMS.toLocaleString('en-US')} SIMs in turn` : ''}`, conns: CONNS, bare: [`${bareUrl}/xml`, []], daemon: [`${d.url}${fleetLua ? '/' : path}`, tokenHeaders('text/vnd.wap.connectivity-xml'), fleetLua] },
  'token-json': { name: `token query, JSON (2 apps)${fleet ? `, ${SIMS.toLocaleString('en-US')} SIMs in turn` : ''}`, conns: CONNS, bare: [`${bareUrl}/json`, []], daemon: [`${d.url}${fleetLua ? '/' : path}`, tokenHeaders('application/json'), fleetLua] },
  'xcap-get': { name: 'XCAP GET simservs document', conns: CONNS, bare: [`${bareUrl}/xcap`, []], daemon: [`${d.url}${XCAP_DOC}`, [`X-3GPP-Asserted-Identity: ${ASSERTED}`]] },
  'xcap-put': { name: 'XCAP conditional PUT element (If-Match, 1 writer)', conns: 1, bare: [`${bareUrl}/xcap`, [], putScript(false)], daemon: [`${d.url}${XCAP_ELEMENT}`, [], putScript(true)] },
};
const chosen = NAMES.map((n) => { const c = all[n]; if (!c) throw new Error(`unknown case ${n}`); return c; });

const load0 = loadavg()[0]!;
for (const c of chosen) {
  wrk(c.bare[0], 1, c.conns, c.bare[1], c.bare[2]);
  wrk(c.daemon[0], WARMUP, c.conns, c.daemon[1], c.daemon[2]);
}

const sum = (runs: Run[]) => {
  const n = runs.reduce((a, r) => a + r.requests, 0);
  const s = runs.reduce((a, r) => a + r.seconds, 0);
  return { perS: n / s, n, p50: runs.reduce((a, r) => a + r.p50, 0) / runs.length, p99: Math.max(...runs.map((r) => r.p99)), bad: runs.reduce((a, r) => a + r.non2xx + r.socketErrors, 0) };
};
const perS = (r: Run) => r.requests / r.seconds;
/** The median of the slices' ratios, and their range: how far one slice's figure could be from the run's. */
const pairs = (num: Run[], den: Run[]) => {
  const ratios = num.map((r, i) => perS(r) / perS(den[i]!));
  return { ratios, ...medianOf(ratios) };
};
const rows: string[] = [];
const monitorRows: string[] = [];
for (const c of chosen) {
  const b: Run[] = [];
  const o: Run[] = [];
  const w: Run[] = [];
  const windows: MonitorWindow[] = [];
  let bareCpu = 0;
  const without = { cpu: 0, main: 0 };
  const withIt = { cpu: 0, main: 0 };
  /** The host's steal over each daemon slice without the monitor (the slices the first table's figures come from). */
  const steals: number[] = [];
  // One daemon slice, measured after `warm` seconds under the same load; its CPU added to `into`.
  const daemonSlice = (warm: number, into: { cpu: number; main: number }): Run => {
    if (warm > 0) wrk(c.daemon[0], warm, c.conns, c.daemon[1], c.daemon[2]);
    const c0 = processCpuUs(d.child.pid!);
    const m0 = threadsCpuUs(d.child.pid!).main;
    const t0 = machineTicks();
    const run = wrk(c.daemon[0], SECONDS, c.conns, c.daemon[1], c.daemon[2]);
    if (into === without) steals.push(stealShare(t0, machineTicks()));
    into.cpu += processCpuUs(d.child.pid!) - c0;
    into.main += threadsCpuUs(d.child.pid!).main - m0;
    return run;
  };
  const withSlice = async () => {
    // The monitor attached (or, with --monitor-control, nothing), warmed under the same load (its first seconds run
    // unoptimised code), then measured.
    const mon = CONTROL ? null : await attachMonitor(d.socket, { sample: MONITOR_SAMPLE });
    wrk(c.daemon[0], MONITOR_WARMUP, c.conns, c.daemon[1], c.daemon[2]);
    mon?.startWindow();
    w.push(daemonSlice(0, withIt));
    if (mon) windows.push(await mon.stop());
  };
  for (let s = 0; s < SLICES; s++) {
    const b0 = processCpuUs(bareChild.pid!);
    b.push(wrk(c.bare[0], SECONDS, c.conns, c.bare[1], c.bare[2]));
    bareCpu += processCpuUs(bareChild.pid!) - b0;
    if (!MONITOR) { o.push(daemonSlice(0, without)); continue; }
    // With the monitor, the pair's order alternates (without → with, then with → without) and each side is measured
    // after the same time under load, so a drift of the daemon or the machine over a pair falls on both sides alike.
    if (s % 2 === 1) await withSlice();
    o.push(daemonSlice(MONITOR_WARMUP, without));
    if (s % 2 === 0) await withSlice();
  }
  const { cpu, main: mainCpu } = without;
  const { cpu: withCpu, main: withMain } = withIt;
  const x = sum(b);
  const y = sum(o);
  const f = (v: number) => Math.round(v).toLocaleString('en-US');
  const sliced = pairs(o, b);
  rows.push(`| ${c.name} | ${c.conns} | ${f(x.perS)} | ${f(y.perS)} | ${(y.perS / x.perS).toFixed(3)}× | ${sliced.median.toFixed(3)}× (${sliced.min.toFixed(3)}–${sliced.max.toFixed(3)}) | ${x.p50.toFixed(2)} / ${x.p99.toFixed(2)} | ${y.p50.toFixed(2)} / ${y.p99.toFixed(2)} | ${x.bad} / ${y.bad} | ${f(bareCpu / Math.max(1, x.n))} | ${f(cpu / Math.max(1, y.n))} | ${f(mainCpu / Math.max(1, y.n))} | ${Math.round((100 * mainCpu) / (o.reduce((a, r) => a + r.seconds, 0) * 1e6))} % | ${(100 * steals.reduce((a, v) => a + v, 0) / Math.max(1, steals.length)).toFixed(1)} % (${(100 * Math.max(...steals)).toFixed(1)} %) |`);
  if (MONITOR) {
    const z = sum(w);
    const { ratios, median } = pairs(w, o);
    const secs = Math.max(1e-9, windows.reduce((a, m) => a + m.seconds, 0));
    monitorRows.push(`| ${c.name} | ${f(y.perS)} | ${f(z.perS)} | ${(z.perS / y.perS).toFixed(3)}× | ${median.toFixed(3)}× | ${ratios.map((r) => `${r.toFixed(3)}×`).join(', ')} | ${y.p99.toFixed(2)} / ${z.p99.toFixed(2)} | ${z.bad} | ${f(cpu / Math.max(1, y.n))} / ${f(withCpu / Math.max(1, z.n))} | ${f(mainCpu / Math.max(1, y.n))} / ${f(withMain / Math.max(1, z.n))} | ${f(windows.reduce((a, m) => a + m.events, 0) / secs)} | ${f(windows.reduce((a, m) => a + m.renders, 0) / secs)} | ${f(windows.reduce((a, m) => a + m.cpu_ms, 0) / secs)} |`);
  }
}
const load1 = loadavg()[0]!;
bareChild.kill('SIGTERM');
const heapFile = HEAP_DIR ? await heapSnapshot(HEAP_DIR) : null;
await d.stop();

console.log(`wrk bench (issue 14's method): wrk ${wrkVersion} -t1, ${SECONDS} s × ${SLICES} alternating slices per side and case; omnisep serve child (embedded store, log level info) against a bare fastify server in its own process; node ${process.version}, ${new Date().toISOString()}`);
console.log(`load average at start ${load0.toFixed(2)}, at end ${load1.toFixed(2)} (2 cores shared with wrk and the other side's idle process)`);
if (heapFile) console.log(`heap snapshot of the daemon after the slices: ${heapFile} (node dist/bench/heap-strings.js ${heapFile})`);
if (fleet) console.log(`--sims ${SIMS}: the token cases ask for ${SIMS.toLocaleString('en-US')} SIMs' queries in turn (a wrk Lua script), each SIM's token from a full EAP-AKA first (${fleetSeconds.toFixed(0)} s for all of them, 32 at a time)`);
console.log('');
console.log('| case | connections | bare /s | omnisep /s | ratio | median of the slices (range) | bare p50 / p99 ms | omnisep p50 / p99 ms | non-2xx + socket errors bare / omnisep | bare CPU µs/req | daemon CPU µs/req | of it main thread | main thread busy | host steal during the daemon slices, mean (worst) |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
if (MONITOR) {
  console.log('');
  const what = CONTROL
    ? 'CONTROL (--monitor-control): nothing is attached in the "with" slices, so their ratio is the method\'s own noise'
    : `With the monitor attached (issue 14: no more than 10 % slower): this build's TUI (bench/monitor-child.ts: MonitorApp on a virtual 120×40 terminal, the command's defaults, --sample ${MONITOR_SAMPLE}${MONITOR_SAMPLE === DEFAULT_SAMPLE ? ' (its default)' : ''}) in a process of its own on the daemon's control socket`;
  console.log(`${what}; each side measured ${SECONDS} s after ${MONITOR_WARMUP} s under the same load (the monitor attached before its side's warm-up), the pair's order alternating from slice to slice (without → with, with → without)`);
  console.log('');
  console.log(`| case | omnisep /s without | ${CONTROL ? 'nothing attached (control) /s' : 'with the monitor /s'} | with / without | median of the pairs | each slice's pair | omnisep p99 ms without / with | non-2xx + socket errors with | daemon CPU µs/req without / with | of it main thread | monitor: events/s | renders/s | CPU ms/s |`);
  console.log('|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of monitorRows) console.log(r);
}
