/**
 * What a bounded map's eviction costs per insert, by size: the pattern the daemon used (a Map that deletes its first
 * key on each insert past its bound) against src/util/recent-map.ts (two generations). In-process, no daemon: the
 * data structure alone (docs/performance.md § Thirty-third round).
 *
 *   npx tsc && node dist/bench/recent-map.bench.js [inserts=400000]
 *
 * V8 leaves a deleted entry of an ordered hash table as a hole until the table is rebuilt, and a new iterator walks
 * past every hole from the start: `m.keys().next()` after many deletes at the front costs in proportion to the size.
 */
import { RecentMap } from '../src/util/recent-map.js';

const INSERTS = Number(process.argv[2] ?? 400_000);
const keys = Array.from({ length: INSERTS }, (_, i) => `x${i}`);

function nsPerInsert(run: () => void): number {
  const t = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - t) / INSERTS;
}

console.log(`recent-map bench: ${INSERTS} inserts of new keys into a full map; node ${process.version}; ns per insert (best of 3)\n`);
console.log('| bound | Map, first key deleted per insert | RecentMap | ratio |');
console.log('|---:|---:|---:|---:|');
for (const n of [512, 4096, 8192, 100_000]) {
  const fifo: number[] = [];
  const gen: number[] = [];
  for (let round = 0; round < 3; round++) {
    const m = new Map<string, number>();
    for (let i = 0; i < n; i++) m.set(`k${i}`, i);
    fifo.push(nsPerInsert(() => {
      for (let i = 0; i < INSERTS; i++) {
        m.set(keys[i]!, i);
        if (m.size > n) m.delete(m.keys().next().value!);
      }
    }));
    const r = new RecentMap<string, number>(n);
    for (let i = 0; i < n; i++) r.set(`k${i}`, i);
    gen.push(nsPerInsert(() => {
      for (let i = 0; i < INSERTS; i++) r.set(keys[i]!, i);
    }));
  }
  const a = Math.min(...fifo);
  const b = Math.min(...gen);
  console.log(`| ${n.toLocaleString('en')} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(a / b).toFixed(1)}× |`);
}
