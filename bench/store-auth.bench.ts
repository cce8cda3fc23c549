/**
 * The embedded store under the real daemon (`omnisep serve` as a child process, swm back-end → the
 * built-in AAA over loopback TCP Diameter, the store files under a temp data dir), side by side in one run:
 *
 * 1. full EAP-AKA authentications per second (src/ue loadEapAka, what `simulate eap-aka --count
 *    --concurrency` runs) of one lab SIM, on a daemon whose store holds that 1 subscriber and on one whose
 *    store holds N subscribers (+ N activity records); the runs alternate so both see the same machine
 *    load. The ratio N/1 should be ≥ 0.9: the store's cost per request does not depend on its size;
 * 2. start-up time (spawn → the control socket answers) of the empty and of the loaded data directory;
 * 3. RSS of the idle daemon holding `--idle` subscribers (default 100,000).
 *
 * The data directories are filled offline through the embedded driver itself (putMany of 10,000
 * subscribers + their SQN record; activity records appended to the log), then closed, as a daemon would.
 *
 *   node --import tsx bench/store-auth.bench.ts [--subscribers 1000000] [--activity 1000000] [--idle 100000]
 *        [--count 300] [--concurrency 8] [--rounds 2]
 */
import { mkdtempSync, rmSync, writeFileSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { request, type Agent } from 'undici';
import { createEmbeddedStore } from '../daemon/store/embedded-store.js';
import { openCollection } from '../src/store/collections.js';
import { Secret } from '../src/util/secret.js';
import { loadEapAka, simulateOptions } from '../src/ue/run.js';
import type { LoadSummary } from '../src/ue/load.js';
import type { ActivityRecord } from '../src/contracts/activity.js';
import { spawnServe, waitReady, type ServeProcess } from '../test/daemon-process.js';
import { labSims } from '../test/simulate-daemon.js';

const { values } = parseArgs({ options: {
  subscribers: { type: 'string', default: '1000000' }, activity: { type: 'string', default: '1000000' }, idle: { type: 'string', default: '100000' },
  count: { type: 'string', default: '300' }, concurrency: { type: 'string', default: '8' }, rounds: { type: 'string', default: '2' },
} });
const N = Number(values.subscribers);
const A = Number(values.activity);
const IDLE = Number(values.idle);
const COUNT = Number(values.count);
const C = Number(values.concurrency);
const ROUNDS = Number(values.rounds);
const sim = labSims()[0]!;
const imsi = (i: number) => `00101${String(i + 1_000_000_000).slice(-10)}`;

const work = mkdtempSync(join(tmpdir(), 'omnisep-store-auth-'));
const csv = join(work, 'one-sim.csv');
writeFileSync(csv, `imsi,msisdn,ki,opc,amf,sqn\n${sim.imsi},,${sim.ki},${sim.opc},${sim.amf},0\n`);
const SETS = ['aaa.enabled=true', 'diameter.enabled=true', 'eap_aka.backend=swm', `aaa.subscribers_file=${csv}`, 'token.signing_secret=store-auth-bench-signing-secret'];

async function fill(dir: string, n: number, activity: number): Promise<number> {
  const t0 = performance.now();
  const s = await createEmbeddedStore({ dataDir: dir, activity: { retentionIntervalMs: 0, maxPerSubscriber: 1000 } });
  const subs = openCollection(s, 'subscribers');
  const sqn = openCollection(s, 'sqn');
  const now = Date.now();
  for (let i = 0; i < n; i += 10_000) {
    const batch = Array.from({ length: Math.min(10_000, n - i) }, (_, k) => {
      const id = imsi(i + k);
      const hex = (i + k).toString(16).padStart(8, '0').repeat(4);
      return [id, { imsi: id, msisdn: `1555${String(i + k).padStart(7, '0')}`, ki: hex, opc: hex, opc_source: 'opc', amf: '8000', sqn: '0', created_at: now, updated_at: now }] as const;
    });
    await subs.putMany(batch);
    await sqn.putMany(batch.map(([k]) => [k, { sqn: String(32 * (k.length % 7)), updated_at: now }] as const));
  }
  for (let i = 0; i < activity; i += 2000) {
    const ps: Promise<void>[] = [];
    for (let k = i; k < Math.min(activity, i + 2000); k++) ps.push(s.activity.append(activityRecord(k, now - activity + k, n)));
    await Promise.all(ps);
  }
  await s.compactAll();
  await s.close();
  return (performance.now() - t0) / 1000;
}

function activityRecord(k: number, ts: number, n: number): ActivityRecord {
  return {
    id: `bench-${k}`, timestamp: new Date(ts).toISOString(), request_type: k % 5 === 0 ? 'eap_challenge' : 'entitlement_query', request_method: 'GET', request_path: '/',
    imsi: imsi(k % Math.max(1, n)), msisdn: null, terminal_id: `35${String(k % 10000).padStart(13, '0')}`, terminal_vendor: 'Goog', terminal_model: 'Pixel 8',
    terminal_sw_version: '14', client_ip: '10.0.0.1', user_agent: 'PRD-TS43 term-Goog/Pixel8 client-IMS-Entitlement/1.0 OS-Android/14', auth_method: 'EAP-AKA',
    response_status: 200, response_code: 200, app_ids: ['ap2004'], request_headers: { accept: 'text/vnd.wap.connectivity-xml' }, request_body: null, response_body: null, response_summary: {},
  } as unknown as ActivityRecord;
}

interface Running { p: ServeProcess; agent: Agent; url: string; startS: number }

async function start(dir: string): Promise<Running> {
  const socket = join(dir, 'omnisep.sock');
  const t0 = performance.now();
  const p = spawnServe(dir, socket, SETS.flatMap((s) => ['--set', s]));
  const agent = await waitReady(p, socket, 30 * 60_000);
  const startS = (performance.now() - t0) / 1000;
  const st = await request('http://localhost/api/status', { dispatcher: agent });
  const body = (await st.body.json()) as { listeners: { http: { url: string } } };
  return { p, agent, url: `${body.listeners.http.url.replace(/\/$/, '')}/`, startS };
}

async function stop(r: Running): Promise<void> {
  r.p.child.kill('SIGTERM');
  await r.p.exited;
  await r.agent.close();
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const dirMb = (dir: string) => readdirSync(dir, { recursive: true }).reduce((a: number, f) => { const st = statSync(join(dir, String(f))); return a + (st.isFile() ? st.size : 0); }, 0) / 1048576;
const opts = (url: string, sqn: bigint) => simulateOptions({ url, imsi: sim.imsi, ki: new Secret(Buffer.from(sim.ki, 'hex')), opc: new Secret(Buffer.from(sim.opc, 'hex')) }, { tokenReauth: false, timeoutMs: 60_000, sqn });

console.log(`store-auth: embedded store, ${N.toLocaleString()} subscribers, ${A.toLocaleString()} activity records; ${COUNT} authentications × ${ROUNDS} rounds per daemon, concurrency ${C} (node ${process.version})`);
const one = join(work, 'one');
const big = join(work, 'big');
const idle = join(work, 'idle');
const fillS = await fill(big, N, A);
console.log(`  filled ${big}: ${fillS.toFixed(0)} s, ${dirMb(big).toFixed(0)} MB on disk`);
await fill(idle, IDLE, 0);

const a = await start(one);
const b = await start(big);
console.log(`  start-up: 1 subscriber ${a.startS.toFixed(1)} s; ${N.toLocaleString()} subscribers + ${A.toLocaleString()} activity records ${b.startS.toFixed(1)} s (RSS ${rssMb(b.p.child.pid!).toFixed(0)} MB)`);
const runs: Record<'one' | 'big', LoadSummary[]> = { one: [], big: [] };
try {
  await loadEapAka(opts(a.url, 0n), { count: 20, concurrency: 4 }); // warm-up: JIT, Diameter connection
  await loadEapAka(opts(b.url, 0n), { count: 20, concurrency: 4 });
  for (let r = 0; r < ROUNDS; r++) {
    runs.one.push(await loadEapAka(opts(a.url, 0n), { count: COUNT, concurrency: C }));
    runs.big.push(await loadEapAka(opts(b.url, 0n), { count: COUNT, concurrency: C }));
  }
} finally {
  await stop(a);
  await stop(b);
}
const c = await start(idle);
await new Promise((r) => setTimeout(r, 5000));
const idleRss = rssMb(c.p.child.pid!);
await stop(c);

const sum = (l: LoadSummary[]) => ({ perS: l.reduce((x, s) => x + s.ok_per_s, 0) / l.length, p50: l.reduce((x, s) => x + s.latency_ms.p50, 0) / l.length, p99: Math.max(...l.map((s) => s.latency_ms.p99)), failed: l.reduce((x, s) => x + s.failed, 0) });
const o = sum(runs.one);
const g = sum(runs.big);
console.log(`\nloadavg ${loadavg()[0]!.toFixed(1)}\n`);
console.log('| store holds | auth/s | p50 ms | p99 ms | failed |');
console.log('|---|---:|---:|---:|---:|');
console.log(`| 1 subscriber | ${o.perS.toFixed(1)} | ${o.p50.toFixed(1)} | ${o.p99.toFixed(1)} | ${o.failed} |`);
console.log(`| ${N.toLocaleString()} subscribers, ${A.toLocaleString()} activity records | ${g.perS.toFixed(1)} | ${g.p50.toFixed(1)} | ${g.p99.toFixed(1)} | ${g.failed} |`);
console.log(`| ratio | ${(g.perS / o.perS).toFixed(2)} | | | |`);
console.log(`\nper round: 1 → ${runs.one.map((s) => s.ok_per_s.toFixed(1)).join(', ')}; ${N.toLocaleString()} → ${runs.big.map((s) => s.ok_per_s.toFixed(1)).join(', ')}`);
console.log(`idle RSS with ${IDLE.toLocaleString()} subscribers: ${idleRss.toFixed(0)} MB`);
for (const s of [...runs.one, ...runs.big]) if (s.failed) console.log(`  failures: ${JSON.stringify(s.failures)}`);
rmSync(work, { recursive: true, force: true });
