/**
 * What one `update` of an indexed collection costs in the store's read side (src/store/map-collection.ts), the
 * step every EAP-AKA authentication, token issue and XCAP PUT takes several times: a tokens-shaped record (three
 * indexes: imsi, binding, expires_slot) changed in one indexed field, 1,000 keys, no journal (the embedded
 * driver adds its group commit and fdatasync on top: this figure is the memory part only, not what a request
 * costs). With `--root DIR` the same loop runs against another build first (an export of an older commit,
 * built), side by side in one run.
 *
 *   npx tsc && node dist/bench/collection-update.bench.js [--root DIR] [--updates 100000] [--rounds 3]
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { join, resolve } from 'node:path';

const { values } = parseArgs({ options: { root: { type: 'string' }, updates: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '3' } } });
const UPDATES = Number(values.updates);
const ROUNDS = Number(values.rounds);

type Rec = Record<string, string | number>;
const rec = (i: number): Rec => ({
  imsi: `00101000000${i % 1000}`, binding: `b${i}`, expires_slot: String(29_000_000 + (i % 60)), terminal_id: '356938035643809',
  app_name: 'com.google.android.ims', issued_at: 1_764_000_000, expires_at: 1_764_003_600, auth_method: 'EAP-AKA', hash: 'x'.repeat(43),
});

/** µs per update, one figure per round, of the MapCollection in `dist` (a built tree's dist/ directory). */
async function run(dist: string): Promise<number[]> {
  const { MapCollection } = await import(pathToFileURL(join(dist, 'src/store/map-collection.js')).href) as typeof import('../src/store/map-collection.js');
  const c = new MapCollection<Rec>('tokens', { kind: 'state', indexes: ['imsi', 'binding', 'expires_slot'] });
  for (let i = 0; i < 1000; i++) await c.put(`k${i}`, rec(i));
  const out: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < UPDATES; i++) await c.update(`k${i % 1000}`, (cur) => ({ result: null, put: { ...cur, expires_slot: String(29_000_000 + (i % 97)) } }));
    out.push(Number(process.hrtime.bigint() - t0) / UPDATES / 1000);
  }
  // The index still answers exactly (a wrong index would make this figure meaningless).
  const hits = await c.find('imsi', '001010000007');
  if (hits.length !== 1) throw new Error(`index lookup returned ${hits.length} records, expected 1`);
  return out;
}

const builds: Array<[string, string]> = [];
if (values.root) builds.push(['root', join(resolve(values.root), 'dist')]);
builds.push(['this', resolve(import.meta.dirname, '..')]);
console.log(`collection update, memory store structures only (MapCollection, no journal, no fdatasync; users run the embedded store, which adds its commit): ${UPDATES} updates per round, ${ROUNDS} rounds, 1,000 keys, 3 indexes, node ${process.version}`);
console.log('| build | µs per update, each round | last round |');
console.log('|---|---|---:|');
for (const [name, dist] of builds) {
  const r = await run(dist);
  console.log(`| ${name} | ${r.map((x) => x.toFixed(2)).join(', ')} | ${r.at(-1)!.toFixed(2)} |`);
}
