/**
 * What an id prefix lookup (docs/cli.md § IDs) costs as the data grows, beside a bare Map.get in the same
 * run: the activity log's id index — `RowIdIndex` (typed columns; the embedded store's log, what users run) and
 * `IdPrefixIndex` (a Map with buckets; the memory store's log, and the embedded log's ids that are not UUIDs) —
 * each filled and then asked by prefix, and a collection's `scan({prefix})` on the memory driver (`MapCollection`, which the embedded driver's
 * collections extend; the memory store's figures, which users do not run, are marked so in every column it prints) — the latter twice: on a quiet collection, and right after one write (which used to
 * re-sort every key; src/store/sorted-keys.ts merges the changes instead). In-process, no daemon, no HTTP: the store's part only.
 *
 *   node --import tsx bench/id-prefix.bench.ts [sizes, default 10000,100000,1000000]
 */
import { randomUUID } from 'node:crypto';
import { IdPrefixIndex } from '../src/store/id-prefix-index.js';
import { RowIdIndex } from '../src/store/row-id-index.js';
import { createMemoryStore } from '../src/store/memory-store.js';
import { openCollection } from '../src/store/collections.js';

const sizes = (process.argv[2] ?? '10000,100000,1000000').split(',').map(Number);

function perOp(fn: () => unknown, minMs = 400): number {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) { fn(); n++; }
  return ((performance.now() - t0) * 1000) / n; // µs per op
}

async function perOpAsync(fn: () => Promise<unknown>, minMs = 400): Promise<number> {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) { await fn(); n++; }
  return ((performance.now() - t0) * 1000) / n;
}

console.log('id-prefix bench: in-process, no daemon. RowIdIndex is the embedded (default) store\'s activity log index; IdPrefixIndex and MapCollection are memory store structures (users run the embedded store, whose collection scan also reads the page from disk)');
console.log('n, Map.get µs (baseline), RowIdIndex.withPrefix(8 chars) µs [embedded], ratio, IdPrefixIndex.withPrefix µs [memory store, not what users run], scan({prefix}) quiet µs [memory store, not what users run], scan after one put µs [memory store, not what users run], Map.set µs per new id (baseline), RowIdIndex.set µs per new id [embedded: the activity log\'s append], IdPrefixIndex.set µs per new id [memory store, not what users run]');
for (const n of sizes) {
  const ids = Array.from({ length: n }, () => randomUUID());
  const idx = new IdPrefixIndex<number>();
  const rows = new RowIdIndex();
  const map = new Map<string, number>();
  // Filling each, timed apart: what each append to the activity log pays for its id (new keys only).
  const fill = (set: (id: string, i: number) => unknown) => {
    const t = performance.now();
    ids.forEach((id, i) => set(id, i));
    return ((performance.now() - t) * 1000) / n;
  };
  const mapSet = fill((id, i) => map.set(id, i));
  const rowSet = fill((id, i) => rows.set(id, i));
  const idxSet = fill((id, i) => idx.set(id, i));
  let k = 0;
  const pick = () => ids[(k = (k + 7919) % n)]!;
  const get = perOp(() => map.get(pick()));
  const rowPre = perOp(() => rows.withPrefix(pick().slice(0, 8), 11));
  const pre = perOp(() => idx.withPrefix(pick().slice(0, 8), 11));
  const store = createMemoryStore();
  const coll = openCollection<{ imsi: string }>(store, 'tokens');
  await coll.putMany(ids.map((id) => [id, { imsi: '001010000000001' }] as const));
  await coll.scan({ prefix: 'f', limit: 1 }); // build the sorted key list once
  const quiet = await perOpAsync(() => coll.scan({ prefix: pick().slice(0, 8), limit: 11 }));
  let w = 0;
  const afterPut = await perOpAsync(async () => {
    await coll.put(`zz-${w++}`, { imsi: '001010000000001' });
    return coll.scan({ prefix: pick().slice(0, 8), limit: 11 });
  }, 1000);
  console.log([n, get.toFixed(3), rowPre.toFixed(3), (rowPre / get).toFixed(1) + '×', pre.toFixed(3), quiet.toFixed(2), afterPut.toFixed(0), mapSet.toFixed(3), rowSet.toFixed(3), idxSet.toFixed(3)].join(', '));
}
