/**
 * The longest single write while a fleet's in-memory structures grow (docs/performance.md § Twenty-fourth round):
 * does any one append or put cost in proportion to what is already held? Each part runs in this process on the code
 * users run, one build after the other (`--root`: another build's, e.g. an export of an older commit, built):
 *
 *   1. the activity log (`ActivityFileLog` on a temp file, the daemon's own): `--records` token-query records of
 *      `--records / 2` subscribers appended 1,000 at a time (one group commit each, as 1,000 phones' queries), past
 *      1,048,576 rows where the index's columns and tables doubled; the wall time of each batch until it is
 *      acknowledged (written, made durable, indexed);
 *   2. the EAP sessions' collection (`VolatileCollection`, the embedded store's for volatile records): `--keys` puts of
 *      new keys, past 2,097,152 where its Map doubled; the time of each put;
 *   3. the same collection holding `--scan-keys` keys, read a page of 1,000 at a time (as the EAP session sweep
 *      does) after every 100 new keys, 500 times: the time of each page (the sorted order kept up to date, or
 *      sorted again).
 *
 * Prints per build the median and the longest, which took over 50 ms and where, and the longest garbage collection
 * pause meanwhile (a write that waited for one did not wait for the structure).
 *
 *   npx tsc && node dist/bench/growth.bench.js [--records 1100000] [--keys 2200000] [--scan-keys 1000000] [--root DIR]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { tokenQueryRecord as record } from './activity-records.js';
import type { ActivityFileLog } from '../daemon/store/activity-log.js';
import type { VolatileCollection } from '../src/store/volatile-collection.js';

const { values } = parseArgs({ options: { records: { type: 'string', default: '1100000' }, keys: { type: 'string', default: '2200000' }, 'scan-keys': { type: 'string', default: '1000000' }, root: { type: 'string' } } });
const RECORDS = Number(values.records);
const KEYS = Number(values.keys);
const SCAN_KEYS = Number(values['scan-keys']);
const here = resolve(import.meta.dirname, '..', '..');
const builds = [['this build', here], ...(values.root ? [['--root', resolve(values.root)]] : [])] as const;

type LogClass = typeof ActivityFileLog;
type VolatileClass = typeof VolatileCollection;
const mod = async <T>(root: string, path: string): Promise<T> => (await import(pathToFileURL(join(root, 'dist', path)).href)) as T;

interface Times { median: number; max: number; maxAt: number; over50: string; n: number; gcMax: number; cpuUs?: number }
/** The longest garbage collection pause since `from` (performance.now()), ms: a long write that is one is not the structure's. */
const gcs: Array<{ start: number; duration: number }> = [];
new PerformanceObserver((l) => { for (const e of l.getEntries()) gcs.push({ start: e.startTime, duration: e.duration }); }).observe({ entryTypes: ['gc'] });
function summary(ms: Float64Array, unit: number, from: number): Times {
  let max = 0;
  let maxAt = 0;
  const over: string[] = [];
  for (let i = 0; i < ms.length; i++) {
    if (ms[i]! > max) { max = ms[i]!; maxAt = i * unit; }
    if (ms[i]! > 50) over.push(`${ms[i]!.toFixed(0)} ms at ${(i * unit).toLocaleString('en')}`);
  }
  const sorted = Float64Array.from(ms).sort();
  const gcMax = Math.max(0, ...gcs.filter((g) => g.start >= from).map((g) => g.duration));
  return { median: sorted[Math.floor(sorted.length / 2)]!, max, maxAt, over50: over.length ? `${over.length}: ${over.slice(0, 6).join(', ')}` : '0', n: ms.length, gcMax };
}

async function logAppends(root: string): Promise<Times> {
  const { ActivityFileLog: Log } = await mod<{ ActivityFileLog: LogClass }>(root, 'daemon/store/activity-log.js');
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-growth-'));
  try {
    const log = await Log.open({ file: join(dir, 'activity.jsonl'), retentionIntervalMs: 0, maxPerSubscriber: 1000, compactMinDead: Number.MAX_SAFE_INTEGER, snapshotEveryRows: Number.MAX_SAFE_INTEGER });
    const from = performance.now();
    const cpu0 = process.cpuUsage();
    const batches = Math.ceil(RECORDS / 1000);
    const ms = new Float64Array(batches);
    const ts = new Date().toISOString();
    for (let b = 0; b < batches; b++) {
      const recs = Array.from({ length: Math.min(1000, RECORDS - b * 1000) }, (_, k) => record((b * 1000 + k) % (RECORDS / 2), ts));
      const t = performance.now();
      await Promise.all(recs.map((r) => log.append(r)));
      ms[b] = performance.now() - t;
    }
    const cpu = process.cpuUsage(cpu0);
    await log.close();
    return { ...summary(ms, 1000, from), cpuUs: (cpu.user + cpu.system) / RECORDS };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function volatilePuts(root: string): Promise<Times> {
  const { VolatileCollection: Volatile } = await mod<{ VolatileCollection: VolatileClass }>(root, 'src/store/volatile-collection.js');
  const c = new Volatile<{ state: string; deadline: number }>('sessions', { kind: 'volatile' } as never);
  const from = performance.now();
  const ms = new Float64Array(KEYS);
  const value = { state: 'challenge', deadline: 0 };
  for (let i = 0; i < KEYS; i++) {
    const key = `s:${i.toString(16).padStart(12, '0')}`;
    const t = performance.now();
    void c.put(key, value);
    ms[i] = performance.now() - t;
  }
  await new Promise((r) => setTimeout(r, 100)); // the GC entries are delivered after the loop
  return summary(ms, 1, from);
}

/** Pages of 1,000 keys (as the EAP session sweep reads) every 100 new keys, past a million: each page's time. */
async function scansWhileAdding(root: string): Promise<Times> {
  const { VolatileCollection: Volatile } = await mod<{ VolatileCollection: VolatileClass }>(root, 'src/store/volatile-collection.js');
  const c = new Volatile<{ state: string }>('sessions', { kind: 'volatile' } as never);
  const value = { state: 'challenge' };
  const key = (i: number) => `s:${((i * 2654435761) >>> 0).toString(16).padStart(8, '0')}${i.toString(16).padStart(8, '0')}`;
  for (let i = 0; i < SCAN_KEYS; i++) void c.put(key(i), value);
  await c.scan({ limit: 1000 }); // the first page sorts every key (both builds)
  const from = performance.now();
  const pages = 500;
  const ms = new Float64Array(pages);
  let after: string | undefined;
  for (let p = 0; p < pages; p++) {
    for (let k = 0; k < 100; k++) void c.put(key(SCAN_KEYS + p * 100 + k), value);
    const t = performance.now();
    const page = await c.scan({ ...(after !== undefined ? { after } : {}), limit: 1000 });
    ms[p] = performance.now() - t;
    after = page.length ? page[page.length - 1]![0] : undefined;
  }
  await new Promise((r) => setTimeout(r, 100));
  return summary(ms, 100, from);
}

const row = (name: string, what: string, t: Times, unit: string) =>
  `| ${name} | ${what} | ${t.n.toLocaleString('en')} | ${t.median.toFixed(3)} | **${t.max.toFixed(1)}** (at ${t.maxAt.toLocaleString('en')} ${unit}) | ${t.over50} | ${t.gcMax.toFixed(1)} | ${t.cpuUs === undefined ? '' : t.cpuUs.toFixed(1)} |`;

console.log(`growth bench: ${RECORDS.toLocaleString('en')} activity records (1,000 a commit), ${KEYS.toLocaleString('en')} volatile puts; node ${process.version}, ${new Date().toISOString()}\n`);
console.log('| build | writes | count | median ms | longest ms | over 50 ms (the first six) | longest GC pause meanwhile ms | CPU µs per record (all threads) |');
console.log('|---|---|---:|---:|---:|---|---:|---:|');
for (const [name, root] of builds) console.log(row(name, 'activity log, 1,000 appends to their acknowledgement', await logAppends(root), 'records'));
for (const [name, root] of builds) console.log(row(name, 'volatile collection put', await volatilePuts(root), 'keys'));
for (const [name, root] of builds) console.log(row(name, `a page of 1,000 keys after 100 new ones, ${SCAN_KEYS.toLocaleString('en')} keys and more`, await scansWhileAdding(root), 'keys added'));
