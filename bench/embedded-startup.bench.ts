/**
 * Start-up of the embedded store at operator scale (docs/storage.md § Start-up at a million subscribers):
 * opening a data directory that holds N subscribers and their SQN records (a snapshot each, as after a
 * compaction, plus a journal of recent changes), in a child process, as the daemon does at start. Reports the
 * seconds to open (load, record checks, indexes; wall and CPU time, since the wall time depends on how busy
 * the machine is), the RSS after a GC, the heap, and the peak RSS while
 * loading (`VmHWM`), over several runs of the same directory.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/embedded-startup.bench.js [--subscribers 1000000]
 *        [--activity 1000000] [--journal 20000] [--runs 2] [--dir DIR (reuse a filled directory; kept)]
 *
 * The directory is filled through the driver itself (putMany of 10,000, then a compaction — which saves the
 * key maps the start opens the snapshots with — then `--journal` single-record puts that stay in the
 * journal, and `--activity` records appended to the activity log).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createEmbeddedStore } from '../daemon/store/embedded-store.js';
import { openCollection } from '../src/store/collections.js';

const { values } = parseArgs({ options: {
  subscribers: { type: 'string', default: '1000000' }, journal: { type: 'string', default: '20000' }, runs: { type: 'string', default: '2' },
  activity: { type: 'string', default: '1000000' },
  dir: { type: 'string' }, 'open-child': { type: 'string' },
} });
const imsi = (i: number) => `00101${String(i).padStart(10, '0')}`;
const hex = (i: number) => i.toString(16).padStart(8, '0').repeat(4);
const subscriber = (i: number) => ({ imsi: imsi(i), msisdn: `1555${String(i).padStart(7, '0')}`, ki: hex(i), opc: hex(i + 1), opc_source: 'opc', amf: '8000', sqn: '0', created_at: 1764633600000, updated_at: 1764633600000 });
const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`;

if (values['open-child']) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const s = await createEmbeddedStore({ dataDir: values['open-child'], activity: { retentionIntervalMs: 0 } });
  const subs = openCollection<{ msisdn: string }>(s, 'subscribers');
  const openS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  // A read of each kind, so a lazy driver pays what it defers: get, find on the index.
  const probe = performance.now();
  const one = await subs.get(imsi(12345));
  const found = await subs.find('msisdn', one!.msisdn);
  const probeMs = performance.now() - probe;
  const count = await subs.count();
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 300));
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  process.stdout.write(JSON.stringify({ openS, cpuS, probeMs, found: found.length, count, rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed, peak: hwm ? Number(hwm[1]) * 1024 : 0 }));
  await s.close();
  process.exit(0);
}

const N = Number(values.subscribers);
const J = Number(values.journal);
const A = Number(values.activity);
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'omnisep-startup-'));
console.log(`embedded start-up: ${N.toLocaleString()} subscribers + SQN, ${A.toLocaleString()} activity records, ${J.toLocaleString()} journalled puts (node ${process.version}, loadavg ${loadavg().map((x) => x.toFixed(1)).join(' ')})`);
if (!existsSync(join(dir, 'manifest.json'))) {
  const t0 = performance.now();
  const s = await createEmbeddedStore({ dataDir: dir });
  const subs = openCollection(s, 'subscribers');
  const sqn = openCollection(s, 'sqn');
  for (let i = 0; i < N; i += 10_000) {
    const batch = Array.from({ length: Math.min(N, i + 10_000) - i }, (_, k) => [imsi(i + k), subscriber(i + k)] as const);
    await subs.putMany(batch);
    await sqn.putMany(batch.map(([k]) => [k, { sqn: '0', updated_at: 1764633600000 }] as const));
  }
  await s.compactAll();
  for (let i = 0; i < J; i += 500) {
    await Promise.all(Array.from({ length: Math.min(J, i + 500) - i }, (_, k) => sqn.put(imsi((i + k) * 37 % N), { sqn: String(32 * (i + k)), updated_at: Date.now() })));
  }
  const ts = Date.now() - A * 1000;
  for (let i = 0; i < A; i += 2000) {
    await Promise.all(Array.from({ length: Math.min(A, i + 2000) - i }, (_, k) => s.activity.append({
      id: `r${i + k}`, timestamp: new Date(ts + (i + k) * 1000).toISOString(), request_type: 'entitlement_query', request_method: 'GET', request_path: '/',
      imsi: imsi((i + k) % N), msisdn: null, terminal_id: `35${String((i + k) % 10000).padStart(13, '0')}`, client_ip: '10.0.0.1', response_status: 200,
    } as never)));
  }
  await s.close();
  console.log(`  filled ${dir} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
const dbBytes = readdirSync(join(dir, 'db')).reduce((a, f) => a + statSync(join(dir, 'db', f)).size, 0);
console.log(`  db/ on disk: ${mb(dbBytes)}; activity.jsonl ${existsSync(join(dir, 'activity.jsonl')) ? mb(statSync(join(dir, 'activity.jsonl')).size) : 'none'}`);
const self = fileURLToPath(import.meta.url);
for (let r = 0; r < Number(values.runs); r++) {
  const c = spawnSync(process.execPath, ['--expose-gc', self, '--open-child', dir], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (c.status !== 0) throw new Error(c.stderr);
  const x = JSON.parse(c.stdout) as { openS: number; cpuS: number; probeMs: number; found: number; count: number; rss: number; heap: number; peak: number };
  console.log(`  run ${r + 1}: open ${x.openS.toFixed(1)} s (CPU ${x.cpuS.toFixed(1)} s), ${x.count.toLocaleString()} subscribers, RSS after GC ${mb(x.rss)} (heap ${mb(x.heap)}), peak RSS ${mb(x.peak)}, ` +
    `get + find ${x.probeMs.toFixed(1)} ms, loadavg ${loadavg()[0]!.toFixed(1)}`);
}
if (!values.dir) rmSync(dir, { recursive: true, force: true });
