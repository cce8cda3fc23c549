/**
 * Soak (docs/security.md § Soak): N minutes of mixed load on every listener of a daemon started as
 * `omnisep serve` starts it, with a monitor attached and faults injected, sampled once a minute.
 *
 *   npm run build && node --import tsx bench/soak.ts [--minutes 30] [--aaa-restart-minutes 5] [--fsync-stall 1500:200]
 *
 * - the built-in AAA runs alone (`omnisep aaa serve`) on a fixed free port; the daemon (`omnisep serve`,
 *   embedded store, admin API over TLS) relays SWm to it over Diameter; the AAA is restarted every
 *   --aaa-restart-minutes (at half past the minute, away from the samples);
 * - the embedded journal's durable commits stall (test hook OMNISEP_FAULT_FSYNC_STALL_MS=<ms>:<every>);
 * - load, paced (the machine is shared): full EAP-AKA through the simulator (`loadEapAka`, swm → AAA →
 *   DER/DEA), token-authenticated entitlement queries, XCAP GET and PUT (asserted identity), admin API
 *   reads over TLS, activity queries; `GET /api/events` read for the whole run (the monitor's stream);
 * - once a minute the load pauses (in-flight requests drain), `/metrics` is read over the control socket:
 *   RSS (`omnisep_process_resident_memory_bytes`), open handles (`omnisep_nodejs_active_handles_total`)
 *   and event-loop delay (`omnisep_nodejs_eventloop_lag_p99_seconds`, reset at each read, so one minute's).
 *
 * Fails (exit 1) if RSS grows more than 10 MB over the last 20 minutes (the lowest of three samples at each
 * end; the warm start for shorter runs), if handles at the end of the run exceed handles once warm (samples
 * with the AAA peer connected only; the most of the first three against the fewest of the last three, so a
 * connection caught opening or closing is not a leak), or if any warm minute's
 * event-loop p99 exceeds 50 ms. Warm = after the first third of the run, at most 5 minutes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, Pool, request } from 'undici';
import { repoPath } from '../src/util/repo-path.js';
import { Secret } from '../src/util/secret.js';
import { loadEapAka, DEFAULT_TERMINAL } from '../src/ue/run.js';
import { waitReady, type ServeProcess } from '../test/daemon-process.js';
import { SIM1, LOOPBACK_EAP_LIMITS, runUe } from '../test/ts43-harness.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    'aaa-restart-minutes': { type: 'string', default: '5' },
    'fsync-stall': { type: 'string', default: '1500:200' },
    keep: { type: 'boolean', default: false },
  },
});
const MINUTES = Number(values.minutes);
const RESTART_EVERY = Number(values['aaa-restart-minutes']);
const WARM = Math.min(5, Math.max(1, Math.floor(MINUTES / 3)));
const API_KEY = 'soak-admin-key-0123456789abcdef';
const MSISDN = '15551230001';
const XCAP_PASSWORD = 'soak-xcap-password';
const runJs = repoPath('bin', 'run.js');
if (!existsSync(repoPath('dist', 'commands', 'serve.js'))) {
  console.error('bench/soak.ts runs the built daemon: npm run build first');
  process.exit(2);
}

const freePort = () => new Promise<number>((resolve, reject) => {
  const s = createServer();
  s.once('error', reject);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address() as { port: number }; s.close(() => resolve(port)); });
});

// ---------------------------------------------------------------------------
// Processes

const dir = mkdtempSync(join(tmpdir(), 'omnisep-soak-'));
const socket = join(dir, 'ctl', 'omnisep.sock');
const aaaPort = await freePort();
let aaa: ChildProcess | null = null;

async function startAaa(): Promise<void> {
  const child = spawn(process.execPath, [runJs, 'aaa', 'serve', '--port', String(aaaPort), '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`AAA not listening in 60 s: ${err}`)), 60_000);
    child.stderr!.on('data', (c) => { err += String(c); if (err.includes('listening on')) { clearTimeout(t); resolve(); } });
    child.once('exit', (code) => { clearTimeout(t); reject(new Error(`AAA exited ${code}: ${err}`)); });
  });
  child.removeAllListeners('exit');
  aaa = child;
}

async function stopAaa(): Promise<void> {
  const c = aaa;
  aaa = null;
  if (!c || c.exitCode !== null) return;
  const gone = new Promise((r) => c.once('exit', r));
  c.kill('SIGTERM');
  await Promise.race([gone, sleep(10_000).then(() => c.kill('SIGKILL'))]);
}

await startAaa();
// Whatever happens to this script, its children go with it.
process.on('exit', () => { aaa?.kill('SIGKILL'); if (child.exitCode === null) child.kill('SIGKILL'); });
const sets = [
  'aaa.enabled=false', 'diameter.enabled=true', 'eap_aka.backend=swm', `diameter.peers.0.port=${aaaPort}`,
  `admin.api_keys=${API_KEY}`, 'token.signing_secret=soak-signing-secret-0123456789abcdef', 'xcap.trusted_proxies=["127.0.0.1"]',
  ...LOOPBACK_EAP_LIMITS,
];
const child = spawn(process.execPath, [
  runJs, 'serve', '--data-dir', dir, '--socket', socket, '--http-port', '0', '--api-port', '0', '--diameter-port', '0',
  '--no-pretty', '--log-level', 'warn', ...sets.flatMap((s) => ['--set', s]),
], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', XDG_RUNTIME_DIR: '', OMNISEP_FAULT_FSYNC_STALL_MS: values['fsync-stall'] } });
const daemon: ServeProcess = { child, stdout: [], stderr: [], exited: new Promise((r) => child.once('exit', (c) => r(c))) };
child.stdout!.on('data', (c) => { daemon.stdout.push(String(c)); if (daemon.stdout.length > 200) daemon.stdout.shift(); });
child.stderr!.on('data', (c) => { daemon.stderr.push(String(c)); if (daemon.stderr.length > 200) daemon.stderr.shift(); });
const ctl = await waitReady(daemon, socket, 120_000);

async function ctlCall(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const r = await request(`http://localhost${path}`, {
    dispatcher: ctl, method: method as 'GET',
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  return { status: r.statusCode, text: await r.body.text() };
}

const status = JSON.parse((await ctlCall('GET', '/api/status')).text) as { pid: number; listeners: Record<string, { url: string }> };
const httpUrl = status.listeners.http!.url.replace(/\/$/, '');
const adminUrl = status.listeners.admin!.url.replace(/\/$/, '');
const xcapProfile = await ctlCall('POST', `/api/xcap/${MSISDN}`, { password: XCAP_PASSWORD });
if (xcapProfile.status !== 200) throw new Error(`XCAP profile: ${xcapProfile.status} ${xcapProfile.text}`);

/** A TS.43 token for SIM1 (one full EAP-AKA), for the token-query load. */
async function freshToken(): Promise<string> {
  for (let i = 0; i < 10; i++) {
    const r = await runUe({ url: `${httpUrl}/`, imsi: SIM1.imsi, k: SIM1.k, opc: SIM1.opc }).catch(() => null);
    const m = r && /name="token" value="([^"]+)"/.exec(r.final.body);
    if (m) return m[1]!.replace(/&amp;/g, '&');
    await sleep(2000);
  }
  throw new Error('no TS.43 token after 10 EAP-AKA attempts');
}
let token = await freshToken();
let tokenAt = Date.now();

// ---------------------------------------------------------------------------
// Load

interface Tally { ok: number; err: number; codes: Record<string, number> }
const tallies: Record<string, Tally> = {};
const tally = (kind: string, ok: boolean, code: string) => {
  const t = (tallies[kind] ??= { ok: 0, err: 0, codes: {} });
  if (ok) t.ok++;
  else { t.err++; t.codes[code] = (t.codes[code] ?? 0) + 1; }
};

let stopping = false;
let paused = false;
let inFlight = 0;
const publicPool = new Pool(httpUrl, { connections: 4 });
const adminPool = new Pool(adminUrl, { connections: 2, connect: { rejectUnauthorized: false } });

/** Runs `op` about `perSecond` times a second until the end, holding while paused. */
async function loop(kind: string, perSecond: number, op: () => Promise<{ ok: boolean; code: string }>): Promise<void> {
  const gap = 1000 / perSecond;
  while (!stopping) {
    if (paused) { await sleep(100); continue; }
    const t0 = performance.now();
    inFlight++;
    try {
      const r = await op();
      tally(kind, r.ok, r.code);
    } catch (e) {
      tally(kind, false, (e as Error).name);
    } finally {
      inFlight--;
    }
    const rest = gap - (performance.now() - t0);
    if (rest > 0) await sleep(rest);
  }
}

async function get(pool: Pool, path: string, headers: Record<string, string> = {}, ok = (s: number) => s < 400) {
  const r = await pool.request({ method: 'GET', path, headers });
  await r.body.dump();
  return { ok: ok(r.statusCode), code: String(r.statusCode) };
}

const UA = 'PRD-TS43 term-Goog/Pixel 8 client-IMS-Entitlement/1.0 OS-Android/14';
const TEL = `tel:+${MSISDN}`;
const xcapDoc = `/simservs.ngn.etsi.org/users/${encodeURIComponent(TEL)}/simservs.xml`;
const noReply = `${xcapDoc}/~~/simservs/communication-diversion/NoReplyTimer`;
let putN = 0;
let adminN = 0;
const ADMIN_PATHS = ['/api/status', '/api/subscribers?limit=20', `/api/entitlements/${SIM1.imsi}`, '/api/diameter', '/api/tokens?limit=5'];

const simOptions = {
  url: `${httpUrl}/`, imsi: SIM1.imsi, ki: new Secret(SIM1.k), opc: new Secret(SIM1.opc), sqn: 0n,
  apps: ['ap2004'], akaPrime: false, post: false, accept: 'xml' as const, mncLength: 3 as const, terminal: DEFAULT_TERMINAL,
  entitlementVersion: '2.0', vers: '0', tokenReauth: false, insecure: false, timeoutMs: 30_000,
};

const loops = [
  loop('eap-aka (simulator, swm → AAA)', 1, async () => {
    const r = await loadEapAka(simOptions, { count: 1, concurrency: 1 });
    return { ok: r.ok === 1, code: Object.keys(r.failures)[0] ?? 'ok' };
  }),
  loop('token query', 10, async () => {
    // The token is bound to the app_name it was issued for (runUe sends com.google.android.ims).
    const r = await get(publicPool, `/?IMSI=${SIM1.imsi}&token=${encodeURIComponent(token)}&terminal_id=356938035643809&app=ap2004&vers=0&entitlement_version=2.0&app_name=com.google.android.ims`, { 'user-agent': UA, accept: 'text/vnd.wap.connectivity-xml' });
    if (r.code === '511' && Date.now() - tokenAt > 30_000) { tokenAt = Date.now(); token = await freshToken().catch(() => token); }
    return r;
  }),
  loop('xcap GET', 5, () => get(publicPool, xcapDoc, { 'x-3gpp-asserted-identity': `<${TEL}>` })),
  loop('xcap PUT', 2, async () => {
    const r = await publicPool.request({
      method: 'PUT', path: noReply, headers: { 'x-3gpp-asserted-identity': `<${TEL}>`, 'content-type': 'application/xcap-el+xml' },
      body: `<NoReplyTimer>${10 + (putN++ % 50)}</NoReplyTimer>`,
    });
    await r.body.dump();
    return { ok: r.statusCode < 300, code: String(r.statusCode) };
  }),
  loop('admin API (TLS)', 3, () => get(adminPool, ADMIN_PATHS[adminN++ % ADMIN_PATHS.length]!, { authorization: `Bearer ${API_KEY}` }, (s) => s < 500 && s !== 401)),
  loop('activity query', 1, () => get(adminPool, `/api/activity?imsi=${SIM1.imsi}&limit=50`, { authorization: `Bearer ${API_KEY}` })),
  loop('health', 2, () => get(publicPool, '/health', {}, (s) => s === 200 || s === 503)),
];

// The monitor: the live event stream, read for the whole run (reconnected if it drops).
let events = 0;
let monitorDrops = 0;
const monitor = (async () => {
  while (!stopping) {
    try {
      const r = await request('http://localhost/api/events', { dispatcher: ctl, method: 'GET' });
      for await (const chunk of r.body) {
        events += String(chunk).split('\n').filter(Boolean).length;
        if (stopping) break;
      }
    } catch { /* dropped */ }
    if (!stopping) { monitorDrops++; await sleep(1000); }
  }
})();

// ---------------------------------------------------------------------------
// Faults and samples

const t0 = Date.now();
let aaaRestarts = 0;
const faults = (async () => {
  if (!RESTART_EVERY) return;
  for (let m = RESTART_EVERY; m < MINUTES && !stopping; m += RESTART_EVERY) {
    await sleepUntil(m * 60_000 + 30_000);
    if (stopping) return;
    await stopAaa();
    await sleep(3000);
    await startAaa();
    aaaRestarts++;
  }
})();

async function sleepUntil(msFromStart: number): Promise<void> {
  while (!stopping && Date.now() - t0 < msFromStart) await sleep(Math.min(1000, msFromStart - (Date.now() - t0)));
}

interface Sample { minute: number; rssMb: number; handles: number; peerUp: boolean; p99Ms: number; maxMs: number; load1: number; requests: number; errors: number }
const samples: Sample[] = [];
const metric = (text: string, name: string): number => {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
};
const totals = () => Object.values(tallies).reduce((a, t) => ({ ok: a.ok + t.ok, err: a.err + t.err }), { ok: 0, err: 0 });

async function sample(minute: number): Promise<Sample> {
  paused = true;
  const drainBy = Date.now() + 10_000;
  while (inFlight > 0 && Date.now() < drainBy) await sleep(50);
  await sleep(200);
  const text = (await ctlCall('GET', '/metrics')).text;
  const dia = JSON.parse((await ctlCall('GET', '/api/diameter')).text) as { disconnected_count?: number };
  paused = false;
  const tot = totals();
  return {
    minute,
    rssMb: metric(text, 'omnisep_process_resident_memory_bytes') / 2 ** 20,
    handles: metric(text, 'omnisep_nodejs_active_handles_total'),
    peerUp: dia.disconnected_count === 0,
    p99Ms: metric(text, 'omnisep_nodejs_eventloop_lag_p99_seconds') * 1000,
    maxMs: metric(text, 'omnisep_nodejs_eventloop_lag_max_seconds') * 1000,
    load1: loadavg()[0]!,
    requests: tot.ok + tot.err,
    errors: tot.err,
  };
}

console.log(`soak: ${MINUTES} min, warm after ${WARM} min, AAA restart every ${RESTART_EVERY} min, fsync stall ${values['fsync-stall']} (ms:every), daemon pid ${status.pid}, node ${process.version}, data ${dir}`);
console.log('| minute | RSS MB | handles | AAA peer | loop p99 ms | loop max ms | load avg | requests | errors |');
console.log('|---:|---:|---:|---|---:|---:|---:|---:|---:|');
await ctlCall('GET', '/metrics'); // reset the event-loop histogram: minute 1 starts now
for (let m = 1; m <= MINUTES; m++) {
  await sleepUntil(m * 60_000);
  const s = await sample(m);
  samples.push(s);
  console.log(`| ${m} | ${s.rssMb.toFixed(1)} | ${s.handles} | ${s.peerUp ? 'up' : 'down'} | ${s.p99Ms.toFixed(1)} | ${s.maxMs.toFixed(1)} | ${s.load1.toFixed(1)} | ${s.requests} | ${s.errors} |`);
  if (daemon.child.exitCode !== null) break;
}

stopping = true;
await Promise.allSettled([...loops, faults]);
await publicPool.close();
await adminPool.close();
const daemonDied = daemon.child.exitCode !== null;
daemon.child.kill('SIGTERM');
const exitCode = await Promise.race([daemon.exited, sleep(30_000).then(() => 'timeout')]);
await ctl.destroy();
await monitor.catch(() => undefined);
await stopAaa();

// ---------------------------------------------------------------------------
// Verdict

const warm = samples.filter((s) => s.minute > WARM);
const lowest = (xs: Sample[]) => Math.min(...xs.map((s) => s.rssMb));
const tail = warm.slice(-3);
const startIdx = samples.length > 21 ? samples.length - 21 : samples.findIndex((s) => s.minute > WARM);
const head = samples.slice(Math.max(0, startIdx), Math.max(0, startIdx) + 3);
const rssGrowth = tail.length && head.length ? lowest(tail) - lowest(head) : NaN;
// Handles: only samples taken in the steady state count (the AAA peer connected: while it reconnects after a
// restart the daemon holds one socket fewer); the most of the first three warm ones is the baseline, the
// fewest of the last three the end, so one connection caught opening or closing is not taken for a leak,
// while a count that keeps rising is.
const upOnly = warm.filter((s) => s.peerUp);
const steady = upOnly.length ? upOnly : warm; // a run too short to have one: every warm sample
const handlesWarm = Math.max(...steady.slice(0, 3).map((s) => s.handles));
const handlesMax = Math.min(...steady.slice(-3).map((s) => s.handles));
const p99Worst = Math.max(...warm.map((s) => s.p99Ms));
const problems: string[] = [];
if (daemonDied) problems.push(`the daemon exited during the run (code ${daemon.child.exitCode}):\n${daemon.stderr.join('').slice(-2000)}`);
if (!(rssGrowth <= 10)) problems.push(`RSS grew ${rssGrowth.toFixed(1)} MB over the last ${Math.min(20, samples.length - 1)} minutes (limit 10 MB)`);
if (!(handlesMax <= handlesWarm)) problems.push(`open handles grew once warm: ${handlesWarm} → ${handlesMax} (most of the first and fewest of the last three steady warm samples)`);
if (!(p99Worst <= 50)) problems.push(`event-loop p99 reached ${p99Worst.toFixed(1)} ms in a warm minute (limit 50 ms)`);

console.log('\n| load | ok | errors | error codes |');
console.log('|---|---:|---:|---|');
for (const [k, t] of Object.entries(tallies)) console.log(`| ${k} | ${t.ok} | ${t.err} | ${Object.entries(t.codes).map(([c, n]) => `${c}×${n}`).join(' ') || '—'} |`);
console.log(`\nmonitor: ${events} events read, ${monitorDrops} reconnects; AAA restarts: ${aaaRestarts}; daemon stop: exit ${String(exitCode)}`);
console.log(`RSS growth (lowest of 3 at each end, last ${Math.min(20, samples.length - 1)} min): ${rssGrowth.toFixed(1)} MB; handles warm ${handlesWarm} → end ${handlesMax} (steady samples: most of the first 3, fewest of the last 3); worst warm event-loop p99 ${p99Worst.toFixed(1)} ms; load average at end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
if (!values.keep) rmSync(dir, { recursive: true, force: true });
if (problems.length) {
  console.log(`\nSOAK FAILED:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log('\nsoak passed');
process.exit(0);
