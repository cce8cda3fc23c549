/**
 * The store drivers users run, side by side in one run: the embedded default and PostgreSQL 15 (a throw-away
 * cluster from test/pg-cluster.ts, fsync on). Per driver:
 *
 * 1. loading N subscribers (+ their SQN) with putMany of 5,000 — wall time;
 * 2. the store work of one authentication (session put, subscriber get, SQN atomic update, token put, session
 *    delete, activity append; the calls the services make) with 1 subscriber and with N loaded, and the ratio;
 * 3. opening the store with N subscribers (start-up).
 *
 *   node --import tsx bench/pg-store.bench.ts [--subscribers 1000000] [--seconds 5] [--concurrency 32] [--drivers embedded,postgres]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createEmbeddedStore } from '../daemon/store/embedded-store.js';
import { createPgStore } from '../daemon/store/pg/pg-store.js';
import type { ActivityRecord } from '../src/contracts/activity.js';
import type { Store } from '../src/ports.js';
import { openCollection } from '../src/store/collections.js';
import { startPgCluster } from '../test/pg-cluster.js';

const { values } = parseArgs({ options: {
  subscribers: { type: 'string', default: '1000000' }, seconds: { type: 'string', default: '5' },
  concurrency: { type: 'string', default: '32' }, drivers: { type: 'string', default: 'embedded,postgres' },
} });
const N = Number(values.subscribers);
const SECONDS = Number(values.seconds);
const C = Number(values.concurrency);
const drivers = values.drivers.split(',');

const imsi = (i: number) => `00101${String(i).padStart(10, '0')}`;
const hex = (i: number, n: number) => (i.toString(16).padStart(8, '0')).repeat(n / 8);
const subscriber = (i: number) => ({ imsi: imsi(i), msisdn: `1555${String(i).padStart(7, '0')}`, ki: hex(i, 32), opc: hex(i + 1, 32), opc_source: 'opc', amf: '8000', created_at: 1764633600000, updated_at: 1764633600000 });
const activityRecord = (k: number): ActivityRecord => ({
  id: `r${k}-${Math.random()}`, timestamp: new Date().toISOString(), request_type: 'eap_challenge', request_method: 'POST', request_path: '/',
  imsi: imsi(k % 1000), msisdn: null, terminal_id: '350000000000001', terminal_vendor: 'Goog', terminal_model: 'Pixel 8', terminal_sw_version: '14',
  client_ip: '10.0.0.1', user_agent: 'PRD-TS43', auth_method: 'EAP-AKA', response_status: 200, response_code: 1000, app_ids: ['ap2004'],
  request_headers: {}, request_body: null, response_body: null, response_summary: {},
});

async function load(store: Store, n: number): Promise<number> {
  const subs = openCollection(store, 'subscribers');
  const sqn = openCollection(store, 'sqn');
  const t0 = performance.now();
  for (let i = 0; i < n; i += 5000) {
    const batch = Array.from({ length: Math.min(n, i + 5000) - i }, (_, k) => [imsi(i + k), subscriber(i + k)] as const);
    await subs.putMany(batch);
    await sqn.putMany(batch.map(([k]) => [k, { sqn: '0' }] as const));
  }
  return (performance.now() - t0) / 1000;
}

async function authLoad(store: Store, spread: number): Promise<{ perS: number; p50: number; p99: number }> {
  const subs = openCollection(store, 'subscribers');
  const sqn = openCollection<{ sqn: string }>(store, 'sqn');
  const tokens = openCollection(store, 'tokens');
  const sessions = openCollection(store, 'sessions');
  const lat: number[] = [];
  let seq = 0;
  const until = performance.now() + SECONDS * 1000;
  const worker = async () => {
    while (performance.now() < until) {
      const t = performance.now();
      const i = (seq++ * 7919) % spread;
      const id = `s${seq}-${Math.random()}`;
      await sessions.put(id, { imsi: imsi(i), state: 'challenge' });
      if (!(await subs.get(imsi(i)))) throw new Error(`no subscriber ${imsi(i)}`);
      await sqn.update(imsi(i), (cur) => { const next = String(BigInt(cur?.sqn ?? '0') + 32n); return { result: next, put: { sqn: next } }; });
      await tokens.put(`t${id}`, { imsi: imsi(i), binding: `b${i}`, expires_at: Date.now() + 86400_000 });
      await sessions.delete(id);
      await store.activity.append(activityRecord(seq));
      lat.push(performance.now() - t);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: C }, worker));
  const s = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { perS: lat.length / s, p50: lat[Math.floor(lat.length / 2)]!, p99: lat[Math.floor(lat.length * 0.99)]! };
}

interface Column { driver: string; loadS: number; openS: number; one: Awaited<ReturnType<typeof authLoad>>; many: Awaited<ReturnType<typeof authLoad>>; spread: Awaited<ReturnType<typeof authLoad>> }
const columns: Column[] = [];
console.log(`store drivers: ${N.toLocaleString()} subscribers, concurrency ${C}, ${SECONDS} s per case (node ${process.version}, loadavg ${loadavg()[0]!.toFixed(1)})`);

const cluster = drivers.includes('postgres') ? await startPgCluster() : null;
const dirs: string[] = [];
try {
  for (const driver of drivers) {
    let open: () => Promise<Store>;
    let openBig: () => Promise<Store>;
    if (driver === 'postgres') {
      const small = await cluster!.createDatabase('bench_one');
      const big = await cluster!.createDatabase('bench_many');
      open = () => createPgStore({ url: small, poolMax: 10 });
      openBig = () => createPgStore({ url: big, poolMax: 10 });
    } else {
      const small = mkdtempSync(join(tmpdir(), 'omnisep-drv-bench-1-'));
      const big = mkdtempSync(join(tmpdir(), 'omnisep-drv-bench-n-'));
      dirs.push(small, big);
      open = () => createEmbeddedStore({ dataDir: small, warn: () => {} });
      openBig = () => createEmbeddedStore({ dataDir: big, warn: () => {} });
    }
    let s = await open();
    await load(s, 1);
    const one = await authLoad(s, 1);
    await s.close();
    s = await openBig();
    const loadS = await load(s, N);
    console.log(`  ${driver}: loaded ${N.toLocaleString()} subscribers + SQN in ${loadS.toFixed(1)} s (${(N / loadS).toFixed(0)} /s)`);
    await s.close();
    const t0 = performance.now();
    s = await openBig();
    const openS = (performance.now() - t0) / 1000;
    const many = await authLoad(s, 1);
    const spread = await authLoad(s, N);
    await s.close();
    columns.push({ driver, loadS, openS, one, many, spread });
  }
} finally {
  await cluster?.destroy();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

const row = (label: string, f: (c: Column) => string) => console.log(`| ${label} | ${columns.map(f).join(' | ')} |`);
console.log(`\n| | ${columns.map((c) => c.driver).join(' | ')} |`);
console.log(`|---|${columns.map(() => '---:').join('|')}|`);
row(`load ${N.toLocaleString()} subscribers + SQN (putMany 5,000), s`, (c) => c.loadS.toFixed(1));
row(`open with ${N.toLocaleString()} subscribers, s`, (c) => c.openS.toFixed(2));
row('auth store work/s, 1 subscriber', (c) => c.one.perS.toFixed(0));
row(`auth store work/s, ${N.toLocaleString()} loaded, same SIM`, (c) => c.many.perS.toFixed(0));
row('ratio (N loaded / 1)', (c) => (c.many.perS / c.one.perS).toFixed(2));
row(`auth store work/s, ${N.toLocaleString()} loaded, another SIM each`, (c) => c.spread.perS.toFixed(0));
row('p50 / p99 ms (N loaded, another SIM each)', (c) => `${c.spread.p50.toFixed(1)} / ${c.spread.p99.toFixed(1)}`);
