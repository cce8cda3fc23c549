/**
 * Activity log at scale: ingest rate of 1,000,000 records (group-commit
 * fsync, the real ActivityFileLog), reopen time (from the index snapshot
 * written at close), and `GET /api/activity?imsi=` latency at that size — through the
 * real daemon's control socket and directly on the log, side by side.
 *
 *   node --import tsx bench/activity.bench.ts [--records 1000000] [--imsis 10000] [--batch 1000]
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { watched } from './watched.js';
import { Pool } from 'undici';
import { ActivityFileLog } from '../daemon/store/activity-log.js';
import { ActivityService } from '../src/services/activity.js';
import { resolveConfig } from '../src/contracts/config.js';
import { startDaemon } from '../daemon/main.js';
import { createLogger } from '../daemon/logging.js';

const { values } = parseArgs({ options: { records: { type: 'string', default: '1000000' }, imsis: { type: 'string', default: '10000' }, batch: { type: 'string', default: '1000' } } });
const N = Number(values.records);
const IMSIS = Number(values.imsis);
const BATCH = Number(values.batch);
const imsi = (i: number) => `00101${String(i % IMSIS).padStart(10, '0')}`;

const dir = mkdtempSync(join(tmpdir(), 'omnisep-activity-bench-'));
const file = join(dir, 'activity.jsonl');
const now = Date.now();
const log = await ActivityFileLog.open({ file, retentionIntervalMs: 0, maxPerSubscriber: 1000, now: () => now });
const svc = new ActivityService({ log, events: { emit: () => {} }, clock: { now: () => now - N + 1 }, random: { uuid: randomUUID, bytes: () => Buffer.alloc(0) } });

console.log(`activity log: ${N.toLocaleString()} records over ${IMSIS.toLocaleString()} IMSIs, ${BATCH} appends in flight (node ${process.version})`);
let t0 = performance.now();
for (let i = 0; i < N; i += BATCH) {
  const ps: Promise<unknown>[] = [];
  for (let k = i; k < Math.min(N, i + BATCH); k++) {
    ps.push(svc.record({
      request_type: k % 5 === 0 ? 'eap_challenge' : 'entitlement_query', request_method: 'GET', request_path: '/', imsi: imsi(k),
      terminal_id: `35${String(k % IMSIS).padStart(13, '0')}`, terminal_vendor: 'Goog', terminal_model: 'Pixel 8', terminal_sw_version: '14',
      client_ip: '10.0.0.1', user_agent: 'PRD-TS43 term-Goog/Pixel8 client-IMS-Entitlement/1.0 OS-Android/14', auth_method: 'EAP-AKA',
      response_status: 200, app_ids: ['ap2004'], request_headers: { accept: 'text/vnd.wap.connectivity-xml' },
      timestamp: new Date(now - N + k).toISOString(),
    }));
  }
  await Promise.all(ps);
}
const ingestS = (performance.now() - t0) / 1000;
const size = statSync(file).size;
const mem = process.memoryUsage();
console.log(`  ingest (record → scrub → append → fsync)   ${(N / ingestS).toFixed(0).padStart(8)} records/s   (${ingestS.toFixed(1)} s, file ${(size / 1048576).toFixed(0)} MB, heap ${(mem.heapUsed / 1048576).toFixed(0)} MB, rss ${(mem.rss / 1048576).toFixed(0)} MB)`);
await log.close();

t0 = performance.now();
const reopened = await ActivityFileLog.open({ file, retentionIntervalMs: 0, now: () => now });
const reopenS = (performance.now() - t0) / 1000;
console.log(`  reopen (index snapshot + records after it)   ${reopenS.toFixed(1)} s for ${(await reopened.count()).toLocaleString()} records`);
const direct: number[] = [];
for (let i = 0; i < 500; i++) {
  const s = performance.now();
  reopened.query({ imsi: imsi(i * 7), limit: 25 });
  direct.push(performance.now() - s);
}
const scan: number[] = [];
const termQuery = (i: number) => ({ terminal_id: `35${String((i * 13) % IMSIS).padStart(13, '0')}`, limit: 25 });
// The walk of every record yields every 262,144 (since 2026-12-06): the event loop's longest wait meanwhile, against
// the same walk in one step (`querySync`, what `query` did before).
await reopened.query(termQuery(99)); // warm: the first walk's compile and collection are not the walk's
reopened.querySync(termQuery(98));
const sliced = await watched(async () => {
  for (let i = 0; i < 20; i++) {
    const s = performance.now();
    await reopened.query(termQuery(i));
    scan.push(performance.now() - s);
  }
});
const oneStep = await watched(async () => { for (let i = 0; i < 20; i++) { reopened.querySync(termQuery(i)); await new Promise((r) => setImmediate(r)); } });
// The admin list's default view: no filter (a page from the newest), against the same page through the walk of every
// record (`from: 0` matches all: what an unfiltered query took until 2026-12-06, docs/performance.md § Twenty-sixth round).
const newest: number[] = [];
const walked: number[] = [];
for (let i = 0; i < 20; i++) {
  const page = 1 + (i % 4) * 10;
  let s = performance.now();
  reopened.query({ page, limit: 25 });
  newest.push(performance.now() - s);
  s = performance.now();
  reopened.query({ page, limit: 25, from: 0 });
  walked.push(performance.now() - s);
}
await reopened.close();

// The same data behind the real daemon. The log was written without a store beside it; an empty store's manifest
// says so on purpose (the daemon refuses a data directory whose history outlives its store — docs/storage.md).
writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ format: 2, driver: 'embedded', created_at: new Date().toISOString(), collections: [] }));
const config = resolveConfig({ sets: [`storage.data_dir=${dir}`, `control.socket=${dir}/omnisep.sock`, 'http.port=0', 'admin.port=0', 'admin.tls=false', 'diameter.enabled=false', 'aaa.enabled=false'] });
t0 = performance.now();
const daemon = await startDaemon(config, { logger: createLogger({ level: 'error', pretty: false }), env: {} });
const startS = (performance.now() - t0) / 1000;
const pool = new Pool('http://localhost', { socketPath: daemon.addresses.socket.path!, connections: 1 });
const http: number[] = [];
let total = 0;
for (let i = 0; i < 500; i++) {
  const s = performance.now();
  const r = await pool.request({ method: 'GET', path: `/api/activity?imsi=${imsi(i * 7)}&limit=25` });
  const body = (await r.body.json()) as { total: number };
  http.push(performance.now() - s);
  total = body.total;
}
const pct = (a: number[], p: number) => [...a].sort((x, y) => x - y)[Math.floor(a.length * p)]!.toFixed(2);
console.log(`  daemon start with this log                   ${startS.toFixed(1)} s`);
console.log(`  log.query({imsi}) direct, 25 of ${total}         p50 ${pct(direct, 0.5)} ms   p99 ${pct(direct, 0.99)} ms`);
console.log(`  GET /api/activity?imsi= (control socket)      p50 ${pct(http, 0.5)} ms   p99 ${pct(http, 0.99)} ms   ratio http/direct p50 ${(Number(pct(http, 0.5)) / Number(pct(direct, 0.5))).toFixed(1)}`);
console.log(`  log.query({terminal_id}) full scan            p50 ${pct(scan, 0.5)} ms   p99 ${pct(scan, 0.99)} ms   longest event-loop wait ${sliced.gapMs.toFixed(1)} ms (in one step: ${oneStep.gapMs.toFixed(1)} ms)`);
console.log(`  log.query({page}) no filter, pages 1–31      p50 ${pct(newest, 0.5)} ms   p99 ${pct(newest, 0.99)} ms   (the same through a walk of every record: p50 ${pct(walked, 0.5)} ms   p99 ${pct(walked, 0.99)} ms)`);
await pool.close();
await daemon.close();
rmSync(dir, { recursive: true, force: true });
