/**
 * The stores users run, under the real daemon (`omnisep serve` as a child process, swm back-end → the
 * built-in AAA over loopback TCP Diameter), side by side in one run, on the embedded default (store files
 * under a temp data dir) and on PostgreSQL 15 (a throw-away cluster from test/pg-cluster.ts: initdb/pg_ctl
 * as the `postgres` user via runuser, fsync on):
 *
 * 1. full EAP-AKA authentications per second (src/ue loadEapAka, what `simulate eap-aka --count
 *    --concurrency` runs) of one lab SIM, on a daemon whose store holds that 1 subscriber and on one whose
 *    store holds N subscribers (+ N activity records), per driver; every round runs each daemon in turn so
 *    all see the same machine load. The ratio N/1 should be ≥ 0.9 on each driver: the store's cost per
 *    request does not depend on its size;
 * 2. start-up time (spawn → the control socket answers) of the empty and of the loaded store;
 * 3. RSS of the idle daemon holding `--idle` subscribers (default 100,000; embedded).
 *
 * The stores are filled offline at store level through the driver itself, batched: putMany of 10,000
 * subscribers + their SQN records (PostgreSQL: multi-row `INSERT … SELECT unnest(…)` of 5,000 rows a
 * statement, one transaction per putMany), activity records appended 2,000 at a time (group commit), then
 * closed, as a daemon would.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/store-auth.bench.js [--subscribers 1000000] [--activity 1000000]
 *        [--idle 100000] [--count 300] [--concurrency 8] [--rounds 2] [--drivers embedded,postgres]
 */
import { mkdtempSync, rmSync, writeFileSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { request, type Agent } from 'undici';
import { createEmbeddedStore } from '../daemon/store/embedded-store.js';
import { createPgStore } from '../daemon/store/pg/pg-store.js';
import type { Store } from '../src/ports.js';
import { startPgCluster, type PgCluster } from '../test/pg-cluster.js';
import { openCollection } from '../src/store/collections.js';
import { Secret } from '../src/util/secret.js';
import { loadEapAka, simulateOptions } from '../src/ue/run.js';
import type { LoadSummary } from '../src/ue/load.js';
import type { ActivityRecord } from '../src/contracts/activity.js';
import { spawnServe, waitReady, type ServeProcess } from '../test/daemon-process.js';
import { labSims } from '../test/simulate-daemon.js';
import { LOOPBACK_EAP_LIMITS } from '../test/ts43-harness.js';

const { values } = parseArgs({ options: {
  subscribers: { type: 'string', default: '1000000' }, activity: { type: 'string', default: '1000000' }, idle: { type: 'string', default: '100000' },
  count: { type: 'string', default: '300' }, concurrency: { type: 'string', default: '8' }, rounds: { type: 'string', default: '2' },
  drivers: { type: 'string', default: 'embedded,postgres' },
} });
const DRIVERS = values.drivers.split(',') as Array<'embedded' | 'postgres'>;
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
// One SIM from one address, 8 in flight: the per-IMSI / per-address EAP admission caps are raised (as the loopback tests do).
const SETS = [...LOOPBACK_EAP_LIMITS, 'aaa.enabled=true', 'diameter.enabled=true', 'eap_aka.backend=swm', `aaa.subscribers_file=${csv}`, 'token.signing_secret=store-auth-bench-signing-secret'];

type Driver = 'embedded' | 'postgres';
const PG_SECRET = 'store-auth-bench-cluster-secret';

async function openStore(driver: Driver, where: string): Promise<Store> {
  return driver === 'embedded'
    ? createEmbeddedStore({ dataDir: where, activity: { retentionIntervalMs: 0, maxPerSubscriber: 1000 } })
    : createPgStore({ url: where, poolMax: 4, activity: { maxPerSubscriber: 1000 } });
}

/** Fill a store at store level: putMany of 10,000 (subscribers, then their SQN), activity 2,000 appends at a time. */
async function fill(driver: Driver, where: string, n: number, activity: number): Promise<number> {
  const t0 = performance.now();
  const s = await openStore(driver, where);
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
    const ps: Promise<unknown>[] = [];
    for (let k = i; k < Math.min(activity, i + 2000); k++) ps.push(s.activity.append(activityRecord(k, now - activity + k, n)));
    await Promise.all(ps);
  }
  if ('compactAll' in s) await (s as { compactAll(): Promise<void> }).compactAll();
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

async function start(dir: string, pgUrl?: string): Promise<Running> {
  const socket = join(dir, 'omnisep.sock');
  const t0 = performance.now();
  const sets = pgUrl ? [...SETS, 'storage.driver=postgres', `storage.url=${pgUrl}`, `storage.cluster_secret=${PG_SECRET}`] : SETS;
  const p = spawnServe(dir, socket, sets.flatMap((s) => ['--set', s]));
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

console.log(`store-auth: ${DRIVERS.join(' and ')}, ${N.toLocaleString()} subscribers, ${A.toLocaleString()} activity records; ${COUNT} authentications × ${ROUNDS} rounds per daemon, concurrency ${C} (node ${process.version}, loadavg ${loadavg().map((x) => x.toFixed(1)).join(' ')})`);
let cluster: PgCluster | null = null;
interface Case { driver: Driver; label: '1' | 'N'; run?: Running; results: LoadSummary[] }
const cases: Case[] = [];
const daemons: Running[] = [];
try {
  const startup: string[] = [];
  for (const driver of DRIVERS) {
    let one: { dir: string; url?: string };
    let big: { dir: string; url?: string };
    if (driver === 'embedded') {
      one = { dir: join(work, 'one') };
      big = { dir: join(work, 'big') };
      const fillS = await fill(driver, big.dir, N, A);
      console.log(`  embedded: filled ${big.dir}: ${fillS.toFixed(0)} s, ${dirMb(big.dir).toFixed(0)} MB on disk`);
    } else {
      cluster ??= await startPgCluster();
      one = { dir: join(work, 'pg-one'), url: await cluster.createDatabase('bench_one') };
      big = { dir: join(work, 'pg-big'), url: await cluster.createDatabase('bench_big') };
      const fillS = await fill(driver, big.url!, N, A);
      const size = (await cluster.psql("SELECT pg_database_size('bench_big')", 'postgres')).trim();
      console.log(`  postgres: filled database bench_big: ${fillS.toFixed(0)} s, ${(Number(size) / 1048576).toFixed(0)} MB`);
    }
    const a = await start(one.dir, one.url);
    const b = await start(big.dir, big.url);
    daemons.push(a, b);
    startup.push(`  ${driver} start-up: 1 subscriber ${a.startS.toFixed(1)} s; ${N.toLocaleString()} subscribers + ${A.toLocaleString()} activity records ${b.startS.toFixed(1)} s (RSS ${rssMb(b.p.child.pid!).toFixed(0)} MB)`);
    cases.push({ driver, label: '1', run: a, results: [] }, { driver, label: 'N', run: b, results: [] });
  }
  console.log(startup.join('\n'));
  for (const c of cases) await loadEapAka(opts(c.run!.url, 0n), { count: 20, concurrency: 4 }); // warm-up: JIT, Diameter connection, pool
  for (let r = 0; r < ROUNDS; r++) for (const c of cases) c.results.push(await loadEapAka(opts(c.run!.url, 0n), { count: COUNT, concurrency: C }));
} finally {
  for (const d of daemons) await stop(d);
}
let idleRss = NaN;
if (DRIVERS.includes('embedded')) {
  const idle = join(work, 'idle');
  await fill('embedded', idle, IDLE, 0);
  const c = await start(idle);
  await new Promise((r) => setTimeout(r, 5000));
  idleRss = rssMb(c.p.child.pid!);
  await stop(c);
}
await cluster?.destroy();

const sum = (l: LoadSummary[]) => ({ perS: l.reduce((x, s) => x + s.ok_per_s, 0) / l.length, p50: l.reduce((x, s) => x + s.latency_ms.p50, 0) / l.length, p99: Math.max(...l.map((s) => s.latency_ms.p99)), failed: l.reduce((x, s) => x + s.failed, 0) });
console.log(`\nloadavg ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
console.log('| driver | store holds | auth/s | p50 ms | p99 ms | failed |');
console.log('|---|---|---:|---:|---:|---:|');
const perS = new Map<string, number>();
for (const c of cases) {
  const x = sum(c.results);
  perS.set(`${c.driver}${c.label}`, x.perS);
  console.log(`| ${c.driver} | ${c.label === '1' ? '1 subscriber' : `${N.toLocaleString()} subscribers, ${A.toLocaleString()} activity records`} | ${x.perS.toFixed(1)} | ${x.p50.toFixed(1)} | ${x.p99.toFixed(1)} | ${x.failed} |`);
}
for (const d of DRIVERS) console.log(`| ${d} | ratio ${N.toLocaleString()} / 1 | ${(perS.get(`${d}N`)! / perS.get(`${d}1`)!).toFixed(2)} | | | |`);
if (DRIVERS.length === 2) console.log(`| postgres / embedded | with ${N.toLocaleString()} | ${(perS.get('postgresN')! / perS.get('embeddedN')!).toFixed(2)} | | | |`);
console.log(`\nper round: ${cases.map((c) => `${c.driver} ${c.label} → ${c.results.map((s) => s.ok_per_s.toFixed(1)).join(', ')}`).join('; ')}`);
if (!Number.isNaN(idleRss)) console.log(`idle RSS with ${IDLE.toLocaleString()} subscribers (embedded): ${idleRss.toFixed(0)} MB`);
for (const c of cases) for (const s of c.results) if (s.failed) console.log(`  failures (${c.driver} ${c.label}): ${JSON.stringify(s.failures)}`);
rmSync(work, { recursive: true, force: true });
