/**
 * What a token record costs the embedded store's heap (docs/storage.md § Records on demand; docs/performance.md
 * § Thirty-seventh round): N token records (the `tokens` collection's real spec: indexes on imsi, binding and
 * expires_slot; records shaped as TokenService writes them) put in batches, then rewritten once (every record
 * held as JSON text until a compaction), then compacted, then the store closed and opened again through its key
 * map. After each step: the heap after two full collections, per record. Also each compaction's wall time and the
 * longest the event loop waited meanwhile (`monitorEventLoopDelay`: what a request arriving then waits). In-process, no
 * daemon; memory and time of the store alone, not of what a daemon holds besides.
 *
 *   npx tsc && node --expose-gc dist/bench/record-heap.bench.js [--records 200000] [--held-budget CHARS] [--root DIR]
 *
 * `--held-budget CHARS`: the store's budget of records held as text (default: its own, node's heap limit over 16),
 * over which it compacts the collection holding the most (docs/storage.md § Heap per SIM); each row says how many
 * characters were held, after waiting for a compaction the budget started.
 * `--root DIR`: the store of another build (e.g. `git archive <commit> | tar -x -C DIR`, node_modules linked,
 * `npx tsc` there), for a before/after in one sitting.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const { values } = parseArgs({ options: { records: { type: 'string', default: '200000' }, 'held-budget': { type: 'string' }, root: { type: 'string' } } });
const N = Number(values.records);
if (!Number.isInteger(N) || N < 1) throw new Error('--records: a whole number, 1 or more');
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const dist = values.root ? join(resolve(values.root), 'dist') : resolve(import.meta.dirname, '..');
const load = async <M>(rel: string): Promise<M> => (await import(pathToFileURL(join(dist, rel)).href)) as M;
type StoreMod = typeof import('../daemon/store/embedded-store.js');
type CollMod = typeof import('../src/store/collections.js');
const { createEmbeddedStore } = await load<StoreMod>('daemon/store/embedded-store.js');
const { COLLECTIONS } = await load<CollMod>('src/store/collections.js');

const heapMb = () => { gc(); gc(); return process.memoryUsage().heapUsed / 1e6; };
const base = heapMb();
const perRecord = (mb: number) => Math.round(((mb - base) * 1e6) / N);
const rows: string[] = [];
const budget = values['held-budget'] === undefined ? undefined : Number(values['held-budget']);
if (budget !== undefined && !(budget > 0)) throw new Error('--held-budget: a number of characters, above 0');
let held = () => 0;
const row = (step: string, extra = '') => {
  const mb = heapMb();
  rows.push(`| ${step} | ${(mb - base).toFixed(1)} | ${perRecord(mb)} | ${(held() / 1e6).toFixed(1)} | ${extra} |`);
};

const dir = mkdtempSync(join(tmpdir(), 'omnisep-record-heap-'));
try {
  const opts = { dataDir: dir, lock: false, activity: { retentionIntervalMs: 0 }, warn: () => {}, ...(budget ? { compaction: { maxHeldChars: budget } } : {}) };
  let store = await createEmbeddedStore(opts);
  // An older build (--root) has no budget and reports nothing held.
  held = () => store.heldText?.().collections.reduce((n, c) => n + c.chars, 0) ?? 0;
  let tokens = store.collection<Record<string, unknown>>('tokens', COLLECTIONS.tokens);
  const write = async (round: number) => {
    for (let i = 0; i < N; i += 500) {
      const batch: Array<Promise<void>> = [];
      for (let j = i; j < Math.min(N, i + 500); j++) {
        // Fresh strings per record, as a request makes them: a UUID-like key, a 15-digit IMSI, a 43-character binding.
        const id = `00000000-0000-4000-8000-${String(j).padStart(12, '0')}`;
        batch.push(tokens.put(id, {
          token_id: id, imsi: String(1_010_000_000_000 + j).padStart(15, '0'), created_at: 1_765_000_000 + round, expires_at: 1_765_086_400,
          validity: 86_400, terminal_id: `terminal-${j}`, app_name: 'vowifi', auth_method: 'EAP-AKA', digest: 'ab'.repeat(32),
          binding: `${'b'.repeat(36)}${String(j).padStart(7, '0')}`, tracked: true, expires_slot: String(29_416_440 + (j % 3)),
        }));
      }
      await Promise.all(batch);
    }
  };
  const compact = async () => {
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const t = performance.now();
    await store.compactAll();
    delay.disable();
    return `compaction ${((performance.now() - t) / 1000).toFixed(2)} s, the event loop held up to ${(delay.max / 1e6).toFixed(0)} ms`;
  };
  await write(0);
  await store.idle?.();
  row('written');
  row('compacted', await compact());
  await write(1);
  // A compaction the budget started: over before the heap is read (what it holds meanwhile is not what stays).
  await store.idle?.();
  row('rewritten (held as text up to the budget)');
  row('compacted again', await compact());
  await store.close();
  store = null as unknown as typeof store;
  tokens = null as unknown as typeof tokens;
  store = await createEmbeddedStore(opts);
  tokens = store.collection<Record<string, unknown>>('tokens', COLLECTIONS.tokens);
  row('closed and opened again (key map)');
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(`record-heap: ${N.toLocaleString('en-US')} token records, embedded store in-process (no daemon), ${values.root ? `build ${values.root}` : 'this build'}, budget of held text ${budget ?? 'the default'}; node ${process.version}`);
console.log('| step | heap MB (over the empty process) | bytes a record | held as text, M characters | |');
console.log('|---|---:|---:|---:|---|');
for (const r of rows) console.log(r);
