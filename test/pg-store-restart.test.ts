/**
 * The PostgreSQL driver while its database restarts under write load (real PostgreSQL 15, test/pg-cluster.ts):
 * calls in the gap reject with StoreUnavailableError (→ 503 + Retry-After), no acknowledged write is lost, no SQN
 * is issued twice, work resumes by itself.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPgStore, type PgStore } from '../daemon/store/pg/pg-store.js';
import { StoreUnavailableError } from '../src/ports.js';
import { openCollection } from '../src/store/collections.js';
import { startPgCluster, type PgCluster } from './pg-cluster.js';

let cluster: PgCluster;
before(async () => { cluster = await startPgCluster(); }, { timeout: 300_000 });
after(async () => { await cluster?.destroy(); });
const freshDb = async () => cluster.createDatabase('restart');

describe('postgres driver: database restart under load', () => {
  test('calls in the gap reject with StoreUnavailableError, nothing acknowledged is lost, work resumes', { timeout: 600_000 }, async () => {
    const url = await freshDb();
    const warnings: string[] = [];
    const s: PgStore = await createPgStore({ url, poolMax: 4, warn: (m) => warnings.push(m) });
    const c = openCollection<{ n: number }>(s, 'entitlements');
    const sqn = openCollection<{ sqn: number }>(s, 'sqn');
    const acked = new Set<string>();
    const issued = new Set<number>();
    let unavailable = 0, other = 0, stop = false, n = 0;
    const worker = async (w: number) => {
      while (!stop) {
        const key = `w${w}-${n++}`;
        try {
          await c.put(key, { n });
          acked.add(key);
          const v = await sqn.update('001', (cur) => { const x = (cur?.sqn ?? 0) + 1; return { result: x, put: { sqn: x } }; });
          assert.ok(!issued.has(v), `SQN ${v} issued twice`);
          issued.add(v);
        } catch (e) {
          if (e instanceof StoreUnavailableError) { unavailable++; assert.equal(e.retryAfterSeconds, 1); await new Promise((r) => setTimeout(r, 20)); }
          else { other++; console.error('worker error', e); throw e; }
        }
      }
    };
    try {
      const workers = Array.from({ length: 8 }, (_, w) => worker(w));
      const until = async (what: string, ok: () => boolean) => {
        const end = Date.now() + 60_000;
        while (!ok()) { if (Date.now() > end) throw new Error(`timed out: ${what}`); await new Promise((r) => setTimeout(r, 20)); }
      };
      await until('writes before the restart', () => acked.size >= 200);
      await cluster.stop('fast');
      await until('503s while the database is down', () => unavailable >= 10 && !s.writable());
      const before = acked.size;
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(acked.size, before, 'nothing is acknowledged while the database is down');
      await cluster.start();
      await until('writes after the restart', () => acked.size >= before + 200);
      await until('health back', () => s.writable());
      stop = true;
      await Promise.all(workers);
      assert.equal(other, 0);
      const stored = new Set<string>();
      for (let after: string | undefined; ;) {
        const page = await c.scan({ after, limit: 1000 });
        if (!page.length) break;
        for (const [k] of page) stored.add(k);
        after = page[page.length - 1]![0];
      }
      for (const k of acked) assert.ok(stored.has(k), `acknowledged write ${k} lost`);
      assert.equal((await sqn.get('001'))!.sqn >= issued.size, true);
      assert.ok(warnings.some((w) => /unavailable/.test(w)), 'the outage was logged');
    } finally {
      stop = true;
      await s.close();
    }
  });
});

