/**
 * What an id prefix lookup (docs/cli.md § IDs) costs as the data grows, beside a bare Map.get in the same
 * run: the activity log's bucketed id index (`IdPrefixIndex.withPrefix`, the embedded and memory logs) and a
 * collection's `scan({prefix})` on the memory driver (`MapCollection`, which the embedded driver's
 * collections extend) — the latter twice: on a quiet collection, and right after one write (which used to
 * re-sort every key; src/store/sorted-keys.ts merges the changes instead). In-process, no daemon, no HTTP: the store's part only.
 *
 *   node --import tsx bench/id-prefix.bench.ts [sizes, default 10000,100000,1000000]
 */
import { randomUUID } from 'node:crypto';
import { IdPrefixIndex } from '../src/store/id-prefix-index.js';
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

console.log('id-prefix bench: in-process, memory store structures (MapCollection, which the embedded driver extends; users run the embedded store, whose scan also reads the page from disk)');
console.log('n, Map.get µs (baseline), withPrefix(8 chars) µs, ratio, scan({prefix}) quiet µs (memory store), scan after one put µs (memory store), Map.set µs per new id (baseline), IdPrefixIndex.set µs per new id (the activity log\'s append)');
for (const n of sizes) {
  const ids = Array.from({ length: n }, () => randomUUID());
  const idx = new IdPrefixIndex<number>();
  const map = new Map<string, number>();
  // Filling both, timed apart: what each append to the activity log pays for its id (new keys only).
  let t = performance.now();
  ids.forEach((id, i) => map.set(id, i));
  const mapSet = ((performance.now() - t) * 1000) / n;
  t = performance.now();
  ids.forEach((id, i) => idx.set(id, i));
  const idxSet = ((performance.now() - t) * 1000) / n;
  let k = 0;
  const pick = () => ids[(k = (k + 7919) % n)]!;
  const get = perOp(() => map.get(pick()));
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
  console.log([n, get.toFixed(3), pre.toFixed(3), (pre / get).toFixed(1) + '×', quiet.toFixed(2), afterPut.toFixed(0), mapSet.toFixed(3), idxSet.toFixed(3)].join(', '));
}
