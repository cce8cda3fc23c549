/**
 * The token purge at a fleet's size (docs/performance.md § Twenty-fifth round), in this process on the embedded store
 * users run (`createEmbeddedStore` in a temporary directory, the daemon's `TokenService`), one build after the other
 * (`--root`: another build's, e.g. an export of an older commit, built):
 *
 *   1. an expiry minute of `--minute` tokens (issued 1,000 at a time, as a storm's phones would get them), then the
 *      purge that drops them: tokens a second, and the longest the event loop waited meanwhile (a request arriving
 *      then waits as long);
 *   2. a store of `--tokens` tokens, none expired, purged once (as a running daemon has), closed, opened again: the
 *      first purge of the restarted process, its wall time, its CPU (main thread and the commit threads, of this
 *      process) and the longest event-loop wait;
 *   3. the same with the purge's progress record deleted (a store from a build before it): the one scan of every token
 *      such a store gets (the builds before it scanned at every start, as in 2);
 *   4. with `--postgres`: an expiry minute of `--pg-minute` tokens on PostgreSQL (a real cluster, test/pg-cluster.ts,
 *      a database per run, pool of 10), purged while a request's read (`tokens.get`) runs every 2 ms: tokens a
 *      second, and the reads' p50 / p99 / longest (they wait behind the purge's statements in the pool).
 *
 * The event loop's wait is sampled by a 1 ms timer (the longest gap between its runs). Two rounds per build,
 * alternating.
 *
 *   npx tsc && node dist/bench/token-purge.bench.js [--minute 200000] [--tokens 300000] [--rounds 2] [--root DIR]
 *     [--postgres] [--pg-minute 20000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { watched } from './watched.js';
import { randomBytes, randomUUID } from 'node:crypto';
import type { createEmbeddedStore as CreateStore } from '../daemon/store/embedded-store.js';
import type { TokenService as TokenServiceClass } from '../src/services/tokens.js';
import type { createPgStore as CreatePgStore } from '../daemon/store/pg/pg-store.js';
import type { Store } from '../src/ports.js';
import { startPgCluster, type PgCluster } from '../test/pg-cluster.js';

const { values } = parseArgs({ options: { minute: { type: 'string', default: '200000' }, tokens: { type: 'string', default: '300000' }, rounds: { type: 'string', default: '2' }, root: { type: 'string' }, postgres: { type: 'boolean', default: false }, 'pg-minute': { type: 'string', default: '20000' } } });
const PG_MINUTE = Number(values['pg-minute']);
const MINUTE = Number(values.minute);
const TOKENS = Number(values.tokens);
const here = resolve(import.meta.dirname, '..', '..');
const builds = [['this build', here], ...(values.root ? [['--root', resolve(values.root)]] : [])] as const;

interface Build { createEmbeddedStore: typeof CreateStore; createPgStore: typeof CreatePgStore; TokenService: typeof TokenServiceClass }
const load = async (root: string): Promise<Build> => ({
  ...(await import(pathToFileURL(join(root, 'dist/daemon/store/embedded-store.js')).href) as { createEmbeddedStore: typeof CreateStore }),
  ...(await import(pathToFileURL(join(root, 'dist/daemon/store/pg/pg-store.js')).href) as { createPgStore: typeof CreatePgStore }),
  ...(await import(pathToFileURL(join(root, 'dist/src/services/tokens.js')).href) as { TokenService: typeof TokenServiceClass }),
});

const service = (b: Build, store: Store, clock: { now: () => number }): TokenServiceClass =>
  new b.TokenService({ store, clock, random: { bytes: (n) => randomBytes(n), uuid: () => randomUUID() }, signingSecret: 'bench-secret-0123456789abcdef', validitySeconds: 3600 });

async function withService<R>(b: Build, dir: string, clock: { now: () => number }, fn: (svc: TokenServiceClass, store: Awaited<ReturnType<typeof CreateStore>>) => Promise<R>): Promise<R> {
  const store = await b.createEmbeddedStore({ dataDir: dir });
  try {
    return await fn(service(b, store, clock), store);
  } finally {
    await store.close();
  }
}

async function issue(svc: TokenServiceClass, n: number, from = 0): Promise<void> {
  for (let i = 0; i < n; i += 1000) {
    await Promise.all(Array.from({ length: Math.min(1000, n - i) }, (_, k) =>
      svc.issue({ imsi: String(1010000000000 + from + i + k).padStart(15, '0'), terminal_id: `35693803${String(from + i + k).padStart(7, '0')}`, app_name: 'ap2004', auth_method: 'EAP-AKA' })));
  }
}

async function minuteOfTokens(b: Build): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-purge-bench-'));
  try {
    let now = 1_700_000_040_000;
    return await withService(b, dir, { now: () => now }, async (svc) => {
      await svc.purgeExpired();
      await issue(svc, MINUTE);
      now += 3600_000 + 60_000;
      const w = await watched(() => svc.purgeExpired());
      return `minute of ${MINUTE.toLocaleString('en')}: ${w.result} purged in ${w.wallS.toFixed(2)} s = ${Math.round(w.result / w.wallS).toLocaleString('en')}/s; longest event-loop wait ${w.gapMs.toFixed(0)} ms`;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function restart(b: Build, forgetProgress: boolean): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-purge-bench-'));
  try {
    let now = 1_700_000_040_000;
    const clock = { now: () => now };
    await withService(b, dir, clock, async (svc, store) => {
      await issue(svc, TOKENS);
      await svc.purgeExpired();
      await (store as unknown as { compactAll(): Promise<void> }).compactAll();
      // A build without the record has no such collection: nothing to forget.
      if (forgetProgress) await store.collection('job_progress', { kind: 'state' }).delete('tokens.purge').catch(() => false);
    });
    now += 5 * 60_000;
    return await withService(b, dir, clock, async (svc) => {
      const w = await watched(() => svc.purgeExpired());
      return `restart at ${TOKENS.toLocaleString('en')} tokens${forgetProgress ? ', no progress record' : ''}: first purge ${w.wallS.toFixed(2)} s, CPU ${w.cpuS.toFixed(2)} s; longest event-loop wait ${w.gapMs.toFixed(0)} ms`;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let pgRuns = 0;
async function onPostgres(b: Build, cluster: PgCluster): Promise<string> {
  const store = await b.createPgStore({ url: await cluster.createDatabase(`purge_${pgRuns++}`), poolMax: 10 });
  try {
    let now = 1_700_000_040_000;
    const svc = service(b, store, { now: () => now });
    await svc.purgeExpired();
    await issue(svc, PG_MINUTE);
    const tokens = store.collection('tokens', { kind: 'state', indexes: ['imsi', 'binding', 'expires_slot'] });
    const one = (await tokens.scan({ limit: 1 }))[0]![0];
    now += 3600_000 + 60_000;
    const reads: number[] = [];
    let done = false;
    const reader = (async () => {
      while (!done) {
        const t = performance.now();
        await tokens.get(one);
        reads.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const t = performance.now();
    const n = await svc.purgeExpired();
    const s = (performance.now() - t) / 1000;
    done = true;
    await reader;
    reads.sort((x, y) => x - y);
    const at = (q: number) => reads[Math.min(reads.length - 1, Math.floor(reads.length * q))]!.toFixed(1);
    return `PostgreSQL, minute of ${PG_MINUTE.toLocaleString('en')}: ${n} purged in ${s.toFixed(2)} s = ${Math.round(n / s).toLocaleString('en')}/s; a read meanwhile p50 ${at(0.5)} / p99 ${at(0.99)} / longest ${at(1)} ms (${reads.length} reads)`;
  } finally {
    await store.close();
  }
}

const loaded = await Promise.all(builds.map(async ([name, root]) => [name, await load(root)] as const));
const cluster = values.postgres ? await startPgCluster() : null;
try {
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const [name, b] of round % 2 ? loaded : [...loaded].reverse()) {
      console.log(`round ${round}, ${name}: ${await minuteOfTokens(b)}`);
      console.log(`round ${round}, ${name}: ${await restart(b, false)}`);
      console.log(`round ${round}, ${name}: ${await restart(b, true)}`);
      if (cluster) console.log(`round ${round}, ${name}: ${await onPostgres(b, cluster)}`);
    }
  }
} finally {
  await cluster?.destroy();
}
