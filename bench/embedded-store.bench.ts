/**
 * The embedded store driver at operator scale (docs/storage.md § The embedded driver), on real files:
 *
 * 1. the per-authentication store work (subscriber get, SQN atomic update, token put, EAP session
 *    put/delete, activity append — each durable one fdatasynced by group commit) with 1 subscriber and
 *    with N subscribers loaded, side by side: the ratio shows whether the cost depends on the size;
 * 2. loading N subscribers (putMany of 5,000) and N activity records, then a compaction (snapshot);
 * 3. start-up: opening the data directory with N subscribers (+ their SQN) and N activity records;
 * 4. RSS of a process holding the store open with `--idle` subscribers (default 100,000), after a GC.
 *
 *   node --expose-gc --import tsx bench/embedded-store.bench.ts [--subscribers 1000000] [--activity 1000000]
 *        [--idle 100000] [--seconds 5] [--concurrency 32]
 */
import { mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createEmbeddedStore, type EmbeddedStore } from '../daemon/store/embedded-store.js';
import { openCollection } from '../src/store/collections.js';
import type { ActivityRecord } from '../src/contracts/activity.js';

const { values } = parseArgs({ options: {
  subscribers: { type: 'string', default: '1000000' }, activity: { type: 'string', default: '1000000' }, idle: { type: 'string', default: '100000' },
  seconds: { type: 'string', default: '5' }, concurrency: { type: 'string', default: '32' },
  'rss-child': { type: 'string' },
} });
const imsi = (i: number) => `00101${String(i).padStart(10, '0')}`;
const hex = (i: number, n: number) => (i.toString(16).padStart(8, '0')).repeat(n / 8);
const subscriber = (i: number) => ({ imsi: imsi(i), msisdn: `1555${String(i).padStart(7, '0')}`, ki: hex(i, 32), opc: hex(i + 1, 32), opc_source: 'opc', amf: '8000', sqn: '0', created_at: 1764633600000, updated_at: 1764633600000 });
const open = (dir: string) => createEmbeddedStore({ dataDir: dir, activity: { retentionIntervalMs: 0, maxPerSubscriber: 1000 }, warn: (m) => console.error(`  warn: ${m}`) });
const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`;

async function load(store: EmbeddedStore, n: number, activityN: number): Promise<{ subsS: number; actS: number }> {
  const subs = openCollection(store, 'subscribers');
  const sqn = openCollection(store, 'sqn');
  let t0 = performance.now();
  for (let i = 0; i < n; i += 5000) {
    const m = Math.min(n, i + 5000);
    const batch = Array.from({ length: m - i }, (_, k) => [imsi(i + k), subscriber(i + k)] as const);
    await subs.putMany(batch);
    await sqn.putMany(batch.map(([k]) => [k, { sqn: '0' }] as const));
  }
  const subsS = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const now = Date.now();
  for (let i = 0; i < activityN; i += 1000) {
    const ps: Promise<unknown>[] = [];
    for (let k = i; k < Math.min(activityN, i + 1000); k++) ps.push(store.activity.append(activityRecord(k, now - activityN + k, n)));
    await Promise.all(ps);
  }
  return { subsS, actS: (performance.now() - t0) / 1000 };
}

function activityRecord(k: number, ts: number, n: number): ActivityRecord {
  return {
    id: `r${k}`, timestamp: new Date(ts).toISOString(), request_type: k % 5 === 0 ? 'eap_challenge' : 'entitlement_query', request_method: 'GET', request_path: '/',
    imsi: imsi(k % Math.max(1, n)), msisdn: null, terminal_id: `35${String(k % 10000).padStart(13, '0')}`, terminal_vendor: 'Goog', terminal_model: 'Pixel 8',
    terminal_sw_version: '14', client_ip: '10.0.0.1', user_agent: 'PRD-TS43 term-Goog/Pixel8', auth_method: 'EAP-AKA', response_status: 200, app_ids: ['ap2004'],
    request_headers: {}, duration_ms: 3, response_summary: {},
  } as unknown as ActivityRecord;
}

/** What one full EAP-AKA authentication asks of the store (svc's services issue these calls). */
async function authLoad(store: EmbeddedStore, n: number, spread: number, seconds: number, concurrency: number): Promise<{ perS: number; p50: number; p99: number }> {
  const subs = openCollection<ReturnType<typeof subscriber>>(store, 'subscribers');
  const sqn = openCollection<{ sqn: string }>(store, 'sqn');
  const tokens = openCollection(store, 'tokens');
  const sessions = openCollection(store, 'sessions');
  const lat: number[] = [];
  let done = 0;
  let seq = 0;
  const until = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < until) {
      const t = performance.now();
      const i = (seq++ * 7919) % spread;
      const id = `s${seq}`;
      await sessions.put(id, { imsi: imsi(i), state: 'challenge' });
      const sub = await subs.get(imsi(i));
      if (!sub) throw new Error(`no subscriber ${imsi(i)}`);
      await sqn.update(imsi(i), (cur) => { const next = String(BigInt(cur?.sqn ?? '0') + 32n); return { result: next, put: { sqn: next } }; });
      await tokens.put(`t${seq}`, { imsi: imsi(i), binding: `b${i}`, expires_at: Date.now() + 86400_000 });
      await sessions.delete(id);
      await store.activity.append(activityRecord(1e9 + seq, Date.now(), n));
      lat.push(performance.now() - t);
      done++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const s = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { perS: done / s, p50: lat[Math.floor(lat.length / 2)]!, p99: lat[Math.floor(lat.length * 0.99)]! };
}

if (values['rss-child']) {
  // Child: open the store, let it settle, report RSS after a GC (what the daemon's store costs idle).
  const t0 = performance.now();
  const s = await open(values['rss-child']);
  const openS = (performance.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 1000));
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 500));
  process.stdout.write(JSON.stringify({ rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed, openS, subs: await openCollection(s, 'subscribers').count(), activity: await s.activity.count() }));
  await s.close();
  process.exit(0);
}

const N = Number(values.subscribers);
const A = Number(values.activity);
const IDLE = Number(values.idle);
const SECONDS = Number(values.seconds);
const C = Number(values.concurrency);
const self = fileURLToPath(import.meta.url);
const child = (dir: string) => {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, '--rss-child', dir], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as { rss: number; heap: number; openS: number; subs: number; activity: number };
};

console.log(`embedded store: ${N.toLocaleString()} subscribers, ${A.toLocaleString()} activity records, concurrency ${C}, ${SECONDS} s per case (node ${process.version}, loadavg ${loadavg()[0]!.toFixed(1)})`);

// 1 subscriber
const small = mkdtempSync(join(tmpdir(), 'omnisep-emb-bench-1-'));
let s = await open(small);
await load(s, 1, 0);
const one = await authLoad(s, 1, 1, SECONDS, C);
await s.close();

// N subscribers, N activity records
const big = mkdtempSync(join(tmpdir(), 'omnisep-emb-bench-n-'));
s = await open(big);
const { subsS, actS } = await load(s, N, A);
console.log(`  load ${N.toLocaleString()} subscribers + SQN (putMany of 5,000)   ${subsS.toFixed(1)} s   (${(N / subsS).toFixed(0)} /s)`);
console.log(`  load ${A.toLocaleString()} activity records (1,000 in flight)     ${actS.toFixed(1)} s   (${(A / actS).toFixed(0)} /s)`);
let t0 = performance.now();
await s.compactAll();
console.log(`  compaction (snapshot of every collection)             ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const many = await authLoad(s, N, 1, SECONDS, C);
const manySpread = await authLoad(s, N, N, SECONDS, C);
await s.close();
const dbBytes = readdirSync(join(big, 'db')).reduce((a, f) => a + statSync(join(big, 'db', f)).size, 0);
console.log(`  on disk: db/ ${mb(dbBytes)}, activity.jsonl ${mb(statSync(join(big, 'activity.jsonl')).size)}`);

const startN = child(big);
console.log(`  start-up (open: snapshot + journal replay + activity index) with ${startN.subs.toLocaleString()} subscribers, ${startN.activity.toLocaleString()} activity records: ${startN.openS.toFixed(1)} s, RSS ${mb(startN.rss)} (heap ${mb(startN.heap)})`);

const idleDir = mkdtempSync(join(tmpdir(), 'omnisep-emb-bench-idle-'));
s = await open(idleDir);
await load(s, IDLE, 0);
await s.compactAll();
await s.close();
const idle = child(idleDir);
console.log(`  idle RSS with ${idle.subs.toLocaleString()} subscribers: ${mb(idle.rss)} (heap ${mb(idle.heap)}), open ${idle.openS.toFixed(1)} s`);

console.log('\n| store work of one authentication | per second | p50 ms | p99 ms |');
console.log('|---|---:|---:|---:|');
console.log(`| 1 subscriber, same SIM | ${one.perS.toFixed(0)} | ${one.p50.toFixed(1)} | ${one.p99.toFixed(1)} |`);
console.log(`| ${N.toLocaleString()} subscribers, ${A.toLocaleString()} activity records, same SIM | ${many.perS.toFixed(0)} | ${many.p50.toFixed(1)} | ${many.p99.toFixed(1)} |`);
console.log(`| ratio (same SIM, ${N.toLocaleString()} vs 1 loaded) | ${(many.perS / one.perS).toFixed(2)} | | |`);
console.log(`| ${N.toLocaleString()} subscribers, every authentication another SIM | ${manySpread.perS.toFixed(0)} | ${manySpread.p50.toFixed(1)} | ${manySpread.p99.toFixed(1)} |`);
for (const d of [small, big, idleDir]) rmSync(d, { recursive: true, force: true });
