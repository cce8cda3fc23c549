/**
 * What a read of a record that lives on disk costs: the embedded store (the default driver, in this process, no
 * daemon) with N token records compacted into a snapshot and opened again, so every record is a slot of the snapshot
 * file (docs/storage.md § Records on demand), read by `get` and `getShared` over keys in a spread order, each read a
 * miss of the file's record cache, as a fleet's daily token queries are (docs/performance.md § Thirty-fourth round).
 *
 *   npx tsc && node dist/bench/slot-read.bench.js [--records 100000] [--reads 20000] [--in-flight 1,50] [--rounds 3]
 *
 * Prints per method and reads in flight the wall time and the process's CPU time (every thread: the reads run on
 * libuv's thread pool) a read, the best and the median of `--rounds`. Not the daemon: what a token query costs with
 * its two such reads is `wrk.bench.js --sims 100000`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createEmbeddedStore } from '../daemon/store/embedded-store.js';
import { openCollection } from '../src/store/collections.js';
import { medianOf } from './pairs.js';

const { values } = parseArgs({ options: {
  records: { type: 'string', default: '100000' }, reads: { type: 'string', default: '20000' },
  'in-flight': { type: 'string', default: '1,50' }, rounds: { type: 'string', default: '3' },
} });
const N = Number(values.records);
const READS = Number(values.reads);
const ROUNDS = Number(values.rounds);
const IN_FLIGHT = values['in-flight'].split(',').map(Number);

/** A token record as `TokenService.issue` writes it (fields and sizes; the digest is not a real one). */
const token = (i: number) => ({
  token_id: `7f3a2c1e-0000-4000-8000-${String(i).padStart(12, '0')}`, digest: 'ab'.repeat(32), imsi: `0010100${String(i).padStart(8, '0')}`,
  terminal_id: '358240051111110', app_name: null, binding: `b${i}`, created_at: 1764000000, expires_at: 1790000000, replaced: null,
});

const dir = mkdtempSync(join(tmpdir(), 'omnisep-slot-read-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const open = () => createEmbeddedStore({ dataDir: dir, activity: { retentionIntervalMs: 0 }, compaction: { minBytes: 1 << 30 } });
let store = await open();
let tokens = openCollection<ReturnType<typeof token>>(store, 'tokens');
for (let i = 0; i < N; i += 1000) await tokens.putMany(Array.from({ length: Math.min(1000, N - i) }, (_, j) => [token(i + j).token_id, token(i + j)] as const));
await store.compactAll();
await store.close();
store = await open();
tokens = openCollection<ReturnType<typeof token>>(store, 'tokens');

// A spread order (a stride coprime with N): consecutive reads are far apart in the file and in the cache.
const keys = Array.from({ length: N }, (_, i) => token((i * 7919) % N).token_id);
let at = 0;

console.log(`slot-read bench: ${N.toLocaleString('en-US')} token records read from the embedded store's snapshot file (in-process, no daemon), ${READS.toLocaleString('en-US')} reads a round, ${ROUNDS} rounds; node ${process.version}, ${new Date().toISOString()}`);
console.log('');
console.log('| method | reads in flight | wall µs a read, best / median | CPU µs a read (every thread), best / median |');
console.log('|---|---:|---:|---:|');
for (const method of ['get', 'getShared'] as const) {
  for (const inFlight of IN_FLIGHT) {
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = performance.now();
      const u0 = process.cpuUsage();
      for (let i = 0; i < READS; i += inFlight) {
        const batch = Array.from({ length: Math.min(inFlight, READS - i) }, () => keys[at++ % N]!);
        const got = await Promise.all(batch.map((k) => tokens[method](k)));
        if (got.some((g, j) => g?.token_id !== batch[j])) throw new Error('slot-read: a read gave another record');
      }
      const u = process.cpuUsage(u0);
      wall.push(((performance.now() - t0) * 1000) / READS);
      cpu.push((u.user + u.system) / READS);
    }
    const w = medianOf(wall);
    const c = medianOf(cpu);
    console.log(`| ${method} | ${inFlight} | ${w.min.toFixed(1)} / ${w.median.toFixed(1)} | ${c.min.toFixed(1)} / ${c.median.toFixed(1)} |`);
  }
}
await store.close();
