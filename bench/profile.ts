/**
 * Where the time of one request goes: CPU profiles of the daemon as `omnisep serve` runs it, and a table per
 * area in microseconds per request.
 *
 *   record: node dist/bench/profile.js record [--seconds 5] [--connections 16] [--eap-count 600]
 *           [--cases token-xml,token-json,eap,xcap-get,xcap-put] [--out DIR] [--interval 250] [--set key=value …]
 *           [--warmup 12] [--eap-warmup 1000] [--reader]
 *     Spawns `omnisep serve` (bin/run.js from dist, or bin/dev.js through tsx from sources) with `--cpu-prof`,
 *     the default embedded store in a temp dir and the default log level (info, JSON lines on a pipe the
 *     recorder drains), the built-in AAA behind the swm back-end over loopback TCP Diameter, 127.0.0.1 a
 *     trusted XCAP proxy, and the per-IMSI/per-client EAP caps raised for the single-SIM load. After a warm-up
 *     (`--warmup` seconds over the cases, then `--eap-warmup` authentications; see warmUp) it drives each case in turn for `--seconds` (the EAP case: `--eap-count` authentications through the
 *     simulator's load mode, `loadEapAka`), notes each case's window on the monotonic clock V8's profiler
 *     uses, stops the daemon with SIGTERM (the profile is written on exit) and prints the table of every case.
 *     The simulator's own CPU per authentication is printed beside it (process.cpuUsage of this process).
 *     `--reader` attaches an `/api/events` reader (the monitor's stream) on the control socket for every case.
 *     `--root DIR` runs the daemon of another build (e.g. an export of an older commit, built): before/after.
 *
 *   table:  node dist/bench/profile.js table FILE.cpuprofile [--window NAME] [--requests N] [--top 25]
 *     Reads a profile (any .cpuprofile; with a `FILE.windows.json` written by `record`, one window of it)
 *     and prints self and total time per area and the top functions by self time, in µs per request.
 *
 * Attribution: each sample is charged to the innermost frame on its stack that belongs to an area (the rules
 * below, by script URL and function name), so a native HMAC under tokens.ts counts as "token check" and an
 * fsync under the journal as "writes". "total" per function is inclusive (once per sample).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, Pool, request } from 'undici';
import { processCpuUs } from './proc-cpu.js';
import { Secret } from '../src/util/secret.js';
import { loadEapAka, simulateOptions } from '../src/ue/run.js';
import { summariseLatencies, type LatencySummary } from '../src/ue/load.js';
import { serveArgs } from '../test/daemon-process.js';
import { labSims } from '../test/simulate-daemon.js';
import { runUe } from '../test/ts43-harness.js';

// ─── profile → table ──────────────────────────────────────────────────────────────────────────────────

interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

/** Areas in the order the issue names them; the first rule that matches a frame wins. */
export const AREAS: Array<[area: string, test: (url: string, fn: string) => boolean]> = [
  ['logging', (u) => /node_modules\/(pino|pino-std-serializers|fast-redact|sonic-boom|thread-stream|pino-pretty)\//.test(u) || /daemon\/logging\.[jt]s$/.test(u) || /fastify\/lib\/logger/.test(u)],
  ['compression', (u) => /@fastify\/compress|node:zlib|minipass|peek-stream|pumpify/.test(u)],
  ['activity', (u) => /services\/activity\.[jt]s$|secret-params\.[jt]s$|store\/activity|activity-log|events\/(bus|rates)|http\/admin\/events/.test(u)],
  ['token check', (u) => /services\/tokens\.[jt]s$/.test(u)],
  ['EAP crypto', (u) => /src\/aka\/|src\/crypto\//.test(u)],
  ['EAP state machines', (u) => /src\/fsm\/eap|services\/eap-auth\/|src\/codec\/eap/.test(u)],
  ['Diameter codec', (u) => /src\/codec\/diameter/.test(u)],
  ['Diameter node/AAA', (u) => /daemon\/diameter\//.test(u)],
  ['writes (journal, fsync)', (u, f) => /store\/durable-write/.test(u) || (/store\/(embedded|journal)/.test(u) && /write|append|commit|flush|sync|put|update|delete|journal/i.test(f))],
  ['store reads', (u) => /daemon\/store\/|src\/store\//.test(u)],
  ['document building', (u) => /services\/entitlements\/|codec\/ts43\/document|services\/xcap\/|codec\/xcap|fast-xml-parser/.test(u)],
  ['parsing', (u) => /codec\/ts43\/(request|accept|relay)|http\/xcap\/identity|fast-querystring|secure-json-parse|@fastify\/cookie|\bcookie\b|fast-uri|querystring/.test(u)],
  ['ts43/xcap handler', (u) => /daemon\/http\/(ts43|xcap)\//.test(u)],
  ['routing (fastify)', (u) => /node_modules\/(fastify|find-my-way|avvio|light-my-request|@fastify\/(error|ajv-compiler|fast-json-stringify-compiler)|fast-json-stringify|toad-cache|ret|safe-regex2)\//.test(u) || /daemon\/http\/(common|security|public|admin\/metrics-routes)/.test(u)],
  ['metrics', (u) => /prom-client|daemon\/metrics/.test(u)],
  ['HTTP/TCP (node core)', (u) => /node:(_http|http|net|internal\/(http|streams|stream_base|net|timers|url|buffer|event)|events|stream|buffer|url|timers|diagnostics_channel)/.test(u)],
  ['simulator (undici, ue)', (u) => /node_modules\/undici\/|src\/ue\//.test(u)],
];
const SPECIAL: Record<string, string> = { '(garbage collector)': 'GC', '(idle)': 'idle', '(program)': 'V8/native (program)', '(root)': 'V8/native (program)' };

export interface ProfileTable {
  samplesMs: number;
  byArea: Array<{ area: string; us: number; share: number }>;
  functions: Array<{ name: string; where: string; selfUs: number; totalUs: number }>;
}

const short = (url: string) => url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules\/)/, '$1').replace(/^.*\/(dist|omnisep|perf14)\//, '').replace(/^\/work\/wt\/[^/]+\//, '');

/** Self time per area and per function, optionally within [fromUs, toUs] of the profile's clock. */
export function tabulate(p: CpuProfile, opts: { fromUs?: number; toUs?: number; requests?: number; cpuUs?: number } = {}): ProfileTable {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const areaOfNode = new Map<number, string>();
  const areaOf = (id: number): string => {
    const hit = areaOfNode.get(id);
    if (hit) return hit;
    const n = byId.get(id)!;
    const special = SPECIAL[n.callFrame.functionName];
    let a = special && !n.callFrame.url ? special : undefined;
    if (!a && n.callFrame.url) for (const [name, test] of AREAS) if (test(n.callFrame.url, n.callFrame.functionName)) { a = name; break; }
    if (!a) { const up = parent.get(id); a = up === undefined ? 'other' : areaOf(up); if (a === 'V8/native (program)' && n.callFrame.url) a = 'other'; }
    areaOfNode.set(id, a);
    return a;
  };
  const self = new Map<number, number>();
  let t = p.startTime;
  let inWindow = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i]!;
    const dt = p.timeDeltas[i + 1] ?? 0; // a sample stands for the time until the next one
    if (opts.fromUs !== undefined && (t < opts.fromUs || t > opts.toUs!)) continue;
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + dt);
    inWindow += dt;
  }
  const per = opts.requests ? opts.requests : 1;
  const areas = new Map<string, number>();
  const fnSelf = new Map<string, number>();
  const fnTotal = new Map<string, number>();
  const label = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'}\t${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const a = areaOf(id);
    areas.set(a, (areas.get(a) ?? 0) + us);
    fnSelf.set(label(n), (fnSelf.get(label(n)) ?? 0) + us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!);
      if (seen.has(l)) continue;
      seen.add(l);
      fnTotal.set(l, (fnTotal.get(l) ?? 0) + us);
    }
  }
  const busy = [...areas].filter(([a]) => a !== 'idle').reduce((s, [, v]) => s + v, 0) || 1;
  const scaled = opts.cpuUs !== undefined ? opts.cpuUs : busy;
  // On a loaded machine the sampler's clock runs while the process waits for a core: scale the busy samples to
  // the CPU time the kernel counted for the process in the window (idle stays as sampled).
  if (opts.cpuUs !== undefined) {
    const k = opts.cpuUs / busy;
    for (const [a, v] of areas) if (a !== 'idle') areas.set(a, v * k);
    for (const [l, v] of fnSelf) fnSelf.set(l, v * k);
    for (const [l, v] of fnTotal) fnTotal.set(l, v * k);
  }
  return {
    samplesMs: inWindow / 1000,
    byArea: [...areas].map(([area, us]) => ({ area, us: us / per, share: area === 'idle' ? NaN : us / scaled })).sort((a, b) => b.us - a.us),
    functions: [...fnSelf].map(([l, us]) => { const [name, where] = l.split('\t') as [string, string]; return { name, where, selfUs: us / per, totalUs: (fnTotal.get(l) ?? us) / per }; }).sort((a, b) => b.selfUs - a.selfUs),
  };
}

export function printTable(title: string, t: ProfileTable, top = 20, requests?: number): void {
  const unit = requests ? 'µs/request' : 'µs';
  const busy = t.byArea.filter((a) => a.area !== 'idle').reduce((s, a) => s + a.us, 0);
  console.log(`\n### ${title}\n\n${t.samplesMs.toFixed(0)} ms of samples${requests ? `, ${requests} requests, busy CPU ${busy.toFixed(0)} µs/request (the kernel's CPU time for the daemon in the window when recorded, else samples)` : ''}\n`);
  console.log(`| area | ${unit} | share of busy |`);
  console.log('|---|---:|---:|');
  for (const a of t.byArea) console.log(`| ${a.area} | ${a.us.toFixed(1)} | ${Number.isNaN(a.share) ? '' : `${(a.share * 100).toFixed(1)} %`} |`);
  console.log(`\n| function (top ${top} by self) | where | self ${unit} | total ${unit} |`);
  console.log('|---|---|---:|---:|');
  for (const f of t.functions.filter((x) => x.name !== '(idle)').slice(0, top)) console.log(`| ${f.name} | ${f.where} | ${f.selfUs.toFixed(1)} | ${f.totalUs.toFixed(1)} |`);
}

// ─── record ───────────────────────────────────────────────────────────────────────────────────────────

interface Window { name: string; fromUs: number; toUs: number; requests: number; perS: number; lat: LatencySummary; errors: number; simCpuUsPerAuth?: number; daemonCpuUs?: number }

/** CPU time (user + system) the kernel counted for a process, in µs (/proc/PID/stat; Linux). */
export { processCpuUs };

const monoUs = () => Number(process.hrtime.bigint() / 1000n);

/** `conns` loops of `once()` for `ms`; latency per request. */
export async function hammer(ms: number, conns: number, once: () => Promise<boolean>): Promise<{ n: number; perS: number; errors: number; lat: LatencySummary }> {
  const lat: number[] = [];
  let errors = 0;
  const end = performance.now() + ms;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: conns }, async () => {
    while (performance.now() < end) {
      const s = performance.now();
      if (!(await once())) errors++;
      lat.push(performance.now() - s);
    }
  }));
  return { n: lat.length, perS: (lat.length / (performance.now() - t0)) * 1000, errors, lat: summariseLatencies(lat) };
}

/**
 * Load before measuring. A daemon's first seconds under load run code V8 has not optimised yet: started as `serve`
 * starts it, the token query answered 2,860 req/s in its first 3 s and 6,100–6,700 from the tenth second on, the
 * one-writer XCAP PUT 457/s then ≈ 1,200/s, full EAP-AKA ≈ 470/s then 730–830/s (docs/performance.md § Seventh
 * round). An operator's daemon runs for weeks, so the figures are taken warm; `seconds` of load in turns of 1 s
 * over `turns` (each: how many loops at once, and one request). Returns the requests made.
 */
export const WARMUP_SECONDS = 12;
export async function warmUp(seconds: number, turns: Array<[conns: number, once: () => Promise<boolean>]>): Promise<number> {
  let n = 0;
  const end = performance.now() + seconds * 1000;
  for (let i = 0; turns.length && performance.now() < end; i++) {
    const [conns, once] = turns[i % turns.length]!;
    n += (await hammer(Math.min(1000, Math.max(0, end - performance.now())), conns, once)).n;
  }
  return n;
}

export interface Served { child: ChildProcess; url: string; agent: Agent; logLines: () => number; stop(): Promise<number | null>; dir: string; /** The control socket. */ socket: string }

/**
 * `omnisep serve` as users start it (default store and log level) plus the settings a single-SIM load needs
 * (built-in AAA + swm relay over TCP Diameter, raised EAP caps, 127.0.0.1 a trusted XCAP proxy).
 */
/** `dataDir`: the daemon's data directory, kept at stop (a bench that starts a daemon on data it prepared); default one in the temp dir. */
export async function serve(opts: { nodeArgs?: string[]; sets?: string[]; root?: string; dataDir?: string } = {}): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-profile-'));
  const csv = join(dir, 'one-sim.csv');
  writeFileSync(csv, `imsi,msisdn,ki,opc,amf,sqn\n${labSimRow()}`);
  const sets = ['aaa.enabled=true', 'diameter.enabled=true', 'eap_aka.backend=swm', `aaa.subscribers_file=${csv}`, 'token.signing_secret=profile-bench-signing-secret',
    'eap_aka.max_sessions_per_imsi=100000', 'eap_aka.client_rate_per_s=1000000', 'eap_aka.client_burst=1000000', 'xcap.trusted_proxies=["127.0.0.1"]', ...(opts.sets ?? [])];
  const socket = join(dir, 'omnisep.sock');
  const args = (extra: string[]) => (opts.root ? [join(opts.root, 'bin', 'run.js'), 'serve', ...extra] : serveArgs(extra));
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...args([
    '--data-dir', opts.dataDir ?? join(dir, 'data'), '--socket', socket, '--http-port', '0', '--api-port', '0', '--diameter-port', '0', '--aaa-port', '0', '--no-tls', '--no-pretty',
    ...sets.flatMap((s) => ['--set', s]),
  ])], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', XDG_RUNTIME_DIR: '' } });
  let lines = 0;
  const err: string[] = [];
  child.stdout!.on('data', (c: Buffer) => { for (const b of c) if (b === 10) lines++; });
  child.stderr!.on('data', (c) => err.push(String(c)));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  // A bench that fails midway must not leave its daemon running beside the next measurement, nor its temp dir.
  const cleanUp = () => { child.kill('SIGTERM'); rmSync(dir, { recursive: true, force: true }); };
  // Kept until stop() ran it: a daemon that exits on its own (at start, or midway) still leaves no temp dir.
  process.once('exit', cleanUp);
  const agent = new Agent({ connect: { socketPath: socket } });
  const deadline = Date.now() + 5 * 60_000;
  let url = '';
  let dead = false;
  void exited.then(() => { dead = true; });
  while (!url) {
    if (dead || Date.now() > deadline) throw new Error(`daemon did not start:\n${err.join('')}`);
    try {
      const r = await request('http://localhost/api/status', { dispatcher: agent });
      if (r.statusCode === 200) url = ((await r.body.json()) as { listeners: { http: { url: string } } }).listeners.http.url.replace(/\/$/, '');
      else await r.body.dump();
    } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  return {
    child, url, agent, dir, socket, logLines: () => lines,
    // The temp dir (store, socket) goes with the daemon: every bench that starts one leaves nothing under /tmp.
    stop: async () => { child.kill('SIGTERM'); const code = await exited; await agent.close(); process.off('exit', cleanUp); rmSync(dir, { recursive: true, force: true }); return code; },
  };
}

/** The lab SIM's line of a subscriber CSV (imsi,msisdn,ki,opc,amf,sqn), its MSISDN the XCAP subscriber's. */
export function labSimRow(): string {
  const sim = labSims()[0]!;
  return `${sim.imsi},${MSISDN},${sim.ki},${sim.opc},${sim.amf},0\n`;
}

/** A token query's path (TS.43 GET, ap2004 and ap2003, VERS 0), `app_name` only when the token was bound to one. */
export const tokenQueryPath = (imsi: string, token: string, terminalId: string, appName?: string): string =>
  `/?IMSI=${imsi}&token=${encodeURIComponent(token)}&terminal_id=${terminalId}&app=ap2004&app=ap2003&vers=0&entitlement_version=2.0${appName ? `&app_name=${appName}` : ''}`;

export const ANDROID_UA = 'PRD-TS43 term-Goog/Pixel 8 client-IMS-Entitlement/1.0 OS-Android/14';
export const MSISDN = '15551234567';
export const XCAP_DOC = `/simservs.ngn.etsi.org/users/tel:+${MSISDN}/simservs.xml`;
export const XCAP_ELEMENT = `${XCAP_DOC}/~~/simservs/communication-diversion/NoReplyTimer`;
/** The asserted identity a trusted proxy puts on the XCAP requests of the lab subscriber. */
export const ASSERTED_IDENTITY = `<tel:+${MSISDN}>`;
const XCAP_HEADERS = { 'x-3gpp-asserted-identity': ASSERTED_IDENTITY };

/** A token for the lab SIM (one full EAP-AKA through the TS.43 server) and the query path using it. */
export async function tokenPath(url: string): Promise<string> {
  const sim = labSims()[0]!;
  const ue = await runUe({ url: `${url}/`, imsi: sim.imsi, k: Buffer.from(sim.ki, 'hex'), opc: Buffer.from(sim.opc, 'hex'), apps: ['ap2004', 'ap2003'] });
  if (ue.final.status !== 200) throw new Error(`EAP-AKA for a token failed: ${ue.final.status} ${ue.final.body}`);
  const token = /<parm name="token" value="([^"]+)"/.exec(ue.final.body)![1]!;
  return tokenQueryPath(sim.imsi, token, '356938035643809', 'com.google.android.ims');
}

/** The request functions of each HTTP case against `origin` (one pool of `conns`). */
export async function cases(origin: string, conns: number) {
  const pool = new Pool(origin, { connections: conns, pipelining: 1 });
  const path = await tokenPath(origin);
  const get = (p: string, headers: Record<string, string>) => async () => {
    const r = await pool.request({ method: 'GET', path: p, headers });
    await r.body.dump();
    return r.statusCode === 200;
  };
  // The XCAP document exists once a first PUT made it; PUTs chain their ETag (a phone editing).
  let etag = '*';
  const first = await pool.request({ method: 'PUT', path: XCAP_ELEMENT, headers: { ...XCAP_HEADERS, 'content-type': 'application/xcap-el+xml' }, body: '<NoReplyTimer>20</NoReplyTimer>' });
  await first.body.dump();
  if (typeof first.headers.etag === 'string') etag = first.headers.etag;
  let i = 0;
  const put = async () => {
    const r = await pool.request({ method: 'PUT', path: XCAP_ELEMENT, headers: { ...XCAP_HEADERS, 'content-type': 'application/xcap-el+xml', 'if-match': etag }, body: `<NoReplyTimer>${5 + (i++ % 170)}</NoReplyTimer>` });
    await r.body.dump();
    if (typeof r.headers.etag === 'string') etag = r.headers.etag;
    return r.statusCode === 200;
  };
  return {
    pool, tokenPath: path, xcapHeaders: XCAP_HEADERS,
    'token-xml': get(path, { accept: 'text/vnd.wap.connectivity-xml', 'user-agent': ANDROID_UA, 'accept-encoding': 'gzip' }),
    'token-json': get(path, { accept: 'application/json', 'user-agent': ANDROID_UA, 'accept-encoding': 'gzip' }),
    'xcap-get': get(XCAP_DOC, XCAP_HEADERS),
    'xcap-put': put,
  };
}

export function eapOptions(url: string) {
  const sim = labSims()[0]!;
  return simulateOptions({ url: `${url}/`, imsi: sim.imsi, ki: new Secret(Buffer.from(sim.ki, 'hex')), opc: new Secret(Buffer.from(sim.opc, 'hex')) }, { tokenReauth: false, timeoutMs: 60_000 });
}

/** An NDJSON reader of the daemon's live event stream on its control socket; `stop` ends it and says how many lines came. */
export async function attachReader(agent: Agent): Promise<{ stop: () => number }> {
  const ac = new AbortController();
  let events = 0;
  const r = await request('http://localhost/api/events', { dispatcher: agent, headers: { accept: 'application/x-ndjson' }, signal: ac.signal });
  r.body.on('data', (chunk: Buffer) => { for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) events++; });
  r.body.on('error', () => {});
  return { stop: () => { ac.abort(); return events; } };
}

async function record(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: {
    seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '16' }, 'eap-count': { type: 'string', default: '600' },
    cases: { type: 'string', default: 'token-xml,token-json,eap,xcap-get,xcap-put' }, out: { type: 'string' }, interval: { type: 'string', default: '250' },
    set: { type: 'string', multiple: true, default: [] }, top: { type: 'string', default: '15' }, root: { type: 'string' },
    warmup: { type: 'string', default: String(WARMUP_SECONDS) }, 'eap-warmup': { type: 'string', default: '1000' },
    reader: { type: 'boolean', default: false },
  } });
  const out = resolve(values.out ?? mkdtempSync(join(tmpdir(), 'omnisep-cpuprof-')));
  const names = values.cases.split(',');
  const conns = Number(values.connections);
  const ms = Number(values.seconds) * 1000;
  const d = await serve({ nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${out}`, `--cpu-prof-interval=${values.interval}`], sets: values.set, root: values.root });
  const windows: Window[] = [];
  try {
    const c = await cases(d.url, conns);
    // Warm-up (see warmUp): the cases to be profiled, then EAP-AKA at the profiled concurrency.
    const fnOf = (name: string) => (c as unknown as Record<string, () => Promise<boolean>>)[name];
    await warmUp(Number(values.warmup), names.filter((n) => n !== 'eap' && fnOf(n)).map((n) => [n === 'xcap-put' ? 1 : conns, fnOf(n)!] as [number, () => Promise<boolean>]));
    if (names.includes('eap')) await loadEapAka(eapOptions(d.url), { count: Number(values['eap-warmup']), concurrency: conns });
    // `--reader`: an /api/events reader (what the monitor and `activity tail` are to the daemon) for every case.
    const reader = values.reader ? await attachReader(d.agent) : null;
    for (const name of names) {
      if (name === 'eap') {
        const count = Number(values['eap-count']);
        const from = monoUs();
        const cpu0 = process.cpuUsage();
        const d0 = processCpuUs(d.child.pid!);
        const s = await loadEapAka(eapOptions(d.url), { count, concurrency: conns });
        const cpu = process.cpuUsage(cpu0);
        windows.push({ name, fromUs: from, toUs: monoUs(), requests: s.ok, perS: s.ok_per_s, lat: s.latency_ms, errors: s.failed, simCpuUsPerAuth: (cpu.user + cpu.system) / Math.max(1, count), daemonCpuUs: processCpuUs(d.child.pid!) - d0 });
        continue;
      }
      const fn = (c as unknown as Record<string, () => Promise<boolean>>)[name];
      if (!fn) throw new Error(`unknown case ${name}`);
      const from = monoUs();
      const d0 = processCpuUs(d.child.pid!);
      const r = await hammer(ms, name === 'xcap-put' ? 1 : conns, fn);
      windows.push({ name, fromUs: from, toUs: monoUs(), requests: r.n, perS: r.perS, lat: r.lat, errors: r.errors, daemonCpuUs: processCpuUs(d.child.pid!) - d0 });
    }
    if (reader) console.log(`/api/events reader: ${reader.stop()} events read`);
    await c.pool.close();
  } finally {
    await d.stop();
  }
  const file = readdirSync(out).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(out, f)).sort().at(-1);
  if (!file) throw new Error(`no profile written in ${out}`);
  writeFileSync(`${file}.windows.json`, JSON.stringify(windows, null, 1));
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  console.log(`profile: ${file} (windows in ${file}.windows.json); load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}; ${d.logLines()} log lines on stdout`);
  console.log('\n| case | per second | p50 ms | p99 ms | errors | daemon CPU µs/request | simulator CPU µs/auth |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const w of windows) console.log(`| ${w.name} | ${w.perS.toFixed(0)} | ${w.lat.p50.toFixed(2)} | ${w.lat.p99.toFixed(2)} | ${w.errors} | ${(w.daemonCpuUs! / w.requests).toFixed(0)} | ${w.simCpuUsPerAuth?.toFixed(0) ?? ''} |`);
  for (const w of windows) printTable(`${w.name} (${w.requests} ${w.name === 'eap' ? 'authentications' : 'requests'})`, tabulate(p, { fromUs: w.fromUs, toUs: w.toUs, requests: w.requests, cpuUs: w.daemonCpuUs }), Number(values.top), w.requests);
}

function table(argv: string[]): void {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { window: { type: 'string' }, requests: { type: 'string' }, top: { type: 'string', default: '25' } } });
  const file = positionals[0];
  if (!file) throw new Error('usage: profile.js table FILE.cpuprofile [--window NAME] [--requests N] [--top 25]');
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const windows: Window[] = existsSync(`${file}.windows.json`) ? JSON.parse(readFileSync(`${file}.windows.json`, 'utf8')) : [];
  const chosen = values.window ? windows.filter((w) => w.name === values.window) : windows;
  if (values.window && !chosen.length) throw new Error(`no window ${values.window} in ${file}.windows.json`);
  if (!chosen.length) {
    const n = values.requests ? Number(values.requests) : undefined;
    printTable(file, tabulate(p, { requests: n }), Number(values.top), n);
    return;
  }
  for (const w of chosen) printTable(`${w.name} (${w.requests} requests)`, tabulate(p, { fromUs: w.fromUs, toUs: w.toUs, requests: w.requests, cpuUs: w.daemonCpuUs }), Number(values.top), w.requests);
}

const [mode, ...rest] = process.argv.slice(2);
if (/profile\.[jt]s$/.test(process.argv[1] ?? '')) {
  if (mode === 'record') await record(rest);
  else if (mode === 'table') table(rest);
  else {
    console.error('usage: profile.js record [...] | table FILE.cpuprofile [...]');
    process.exit(2);
  }
}
