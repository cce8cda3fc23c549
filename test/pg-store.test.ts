/**
 * The PostgreSQL driver on a real PostgreSQL 15 (test/pg-cluster.ts): the conformance suite shared with the
 * memory and embedded drivers (test/store-conformance.test.ts), migrations and the newer-schema refusal, the start-up errors. The database restart under
 * write load is test/pg-store-restart.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPgStore } from '../daemon/store/pg/pg-store.js';
import { LATEST_SCHEMA_VERSION } from '../daemon/store/pg/migrations.js';
import { COLLECTIONS, openCollection } from '../src/store/collections.js';
import { startPgCluster, PG_PASSWORD, type PgCluster } from './pg-cluster.js';
import { conformanceCases, retentionCase, activityRecord } from './pg-conformance.js';
import { until } from './diameter-helpers.js';

let cluster: PgCluster;
let dbSeq = 0;
const freshDb = async () => cluster.createDatabase(`t${++dbSeq}`);

before(async () => { cluster = await startPgCluster(); }, { timeout: 300_000 });
after(async () => { await cluster?.destroy(); });

describe('postgres driver: conformance', () => {
  let url = '';
  const driver = {
    open: async () => { url = await freshDb(); return createPgStore({ url, nodeName: 'node-a' }); },
    second: async () => createPgStore({ url, nodeName: 'node-b' }),
  };
  for (const [name, fn] of conformanceCases(driver)) test(name, fn);
  test('activity retention', async () => retentionCase(async (o) => createPgStore({ url: await freshDb(), activity: o })));
  test('activity records carry the daemon name; both daemons in one query', async () => {
    const u = await freshDb();
    const a = await createPgStore({ url: u, nodeName: 'site-a' });
    const b = await createPgStore({ url: u, nodeName: 'site-b' });
    try {
      await a.activity.append(activityRecord('x1', { imsi: '001' }));
      await b.activity.append(activityRecord('x2', { imsi: '001' }));
      const page = await a.activity.query({ imsi: '001' });
      assert.deepEqual(page.records.map((r) => [r.id, (r as { node?: string }).node]).sort(), [['x1', 'site-a'], ['x2', 'site-b']]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('postgres driver: counts for status (tally)', () => {
  test('exact up to 100,000 rows, then the planner\'s estimate, marked; count() stays exact', async () => {
    const store = await createPgStore({ url: await freshDb() });
    try {
      const tokens = openCollection<{ imsi: string }>(store, 'tokens');
      await tokens.put('t-small', { imsi: '001' });
      assert.deepEqual(await tokens.tally(), { n: 1, estimated: false });
      await store.activity.append(activityRecord('a-small', { imsi: '001' }));
      assert.deepEqual(await store.activity.tally(), { n: 1, estimated: false });
      // 150,000 token rows and 120,000 activity rows made by the database itself, then its statistics.
      await store.pool.query(`INSERT INTO records (collection, key, value) SELECT 'tokens', 't-' || g, jsonb_build_object('imsi', g::text) FROM generate_series(1, 150000) g`);
      await store.pool.query(`INSERT INTO activity (id, ts, request_type, request_path, record) SELECT 'a-' || g, now() - (g || ' ms')::interval, 'token_auth', '/', '{}'::jsonb FROM generate_series(1, 120000) g`);
      await store.pool.query('ANALYZE records; ANALYZE activity');
      const t = await tokens.tally();
      assert.equal(t.estimated, true);
      assert.ok(t.n > 100_000 && Math.abs(t.n - 150_001) < 150_001 * 0.2, `token estimate ${t.n}`);
      assert.equal(await tokens.count(), 150_001, 'count() is exact');
      const a = await store.activity.tally();
      assert.equal(a.estimated, true);
      assert.ok(a.n > 100_000 && Math.abs(a.n - 120_001) < 120_001 * 0.2, `activity estimate ${a.n}`);
      // Another collection of the same table is counted on its own.
      const ents = openCollection<object>(store, 'entitlements');
      await ents.put('001', {});
      assert.deepEqual(await ents.tally(), { n: 1, estimated: false });
    } finally {
      await store.close();
    }
  });
});

describe('postgres driver: prepared statements', () => {
  // One connection in the pool: the statements its queries prepared are that connection's pg_prepared_statements.
  test('queries go out as named statements, prepared once per connection; none with prepared_statements off', async () => {
    for (const preparedStatements of [true, false]) {
      // No pipelined connections: every statement on the pool's one connection (their own are checked below).
      const store = await createPgStore({ url: await freshDb(), poolMax: 1, preparedStatements, pipelines: 0 });
      try {
        const c = openCollection<{ sqn: number }>(store, 'sqn');
        await c.put('001010000000001', { sqn: 1 });
        for (let i = 0; i < 3; i++) await c.update('001010000000001', (cur) => ({ result: null, put: { sqn: (cur?.sqn ?? 0) + 1 } }));
        await store.activity.append(activityRecord('prep-1', { imsi: '001010000000001' }));
        await store.activity.flush();
        assert.deepEqual(await c.get('001010000000001'), { sqn: 4 });
        const names = (await store.pool.query<{ name: string }>('SELECT name FROM pg_prepared_statements ORDER BY name')).rows.map((r) => r.name);
        if (!preparedStatements) assert.deepEqual(names, []);
        else {
          // put, the update's read and write, the activity insert and its per-subscriber cap: each prepared once.
          assert.ok(names.length >= 5, names.join(', '));
          assert.ok(names.every((n) => /^omnisep_\d+$/.test(n)), names.join(', '));
          assert.equal(new Set(names).size, names.length);
        }
      } finally {
        await store.close();
      }
    }
  });
});

/**
 * Counts the statements a call sends outside a transaction, through the pool (Db.q, and Db.one while no pipelined
 * connection is open) and on the pipelined connections (Db.one); `.pool()` only those through the pool. `.tx()` says
 * how many transactions were begun meanwhile (Db.tx checks out a connection itself; `pool.query` does too, so
 * those are the checkouts beyond the queries).
 */
function counting(store: Awaited<ReturnType<typeof createPgStore>>): { (): number; tx(): number; pool(): number } {
  const pool = store.pool as unknown as { query: (...a: unknown[]) => unknown; connect: (...a: unknown[]) => unknown };
  const pipes = store.pipelines as unknown as { query: (...a: unknown[]) => unknown };
  const query = pool.query.bind(pool);
  const connect = pool.connect.bind(pool);
  const piped = pipes.query.bind(pipes);
  let queries = 0;
  let checkouts = 0;
  let pipelined = 0;
  pool.query = (...a: unknown[]) => { queries++; return query(...a); };
  pool.connect = (...a: unknown[]) => { checkouts++; return connect(...a); };
  pipes.query = (...a: unknown[]) => { const r = piped(...a); if (r) pipelined++; return r; };
  let q0 = 0;
  let p0 = 0;
  let t0 = 0;
  let only0 = 0;
  return Object.assign(() => { const n = queries + pipelined - q0 - p0; q0 = queries; p0 = pipelined; return n; }, {
    tx: () => { const n = checkouts - queries - t0; t0 = checkouts - queries; return n; },
    pool: () => { const n = queries - only0; only0 = queries; return n; },
  });
}

describe('postgres driver: activity appends with the per-subscriber cap in the same statement', () => {
  test('batches within the cap are one statement; a batch over it, and ids already stored, keep the cap exact', async () => {
    const store = await createPgStore({ url: await freshDb(), activity: { maxPerSubscriber: 3 } });
    const t = (s: number) => new Date(Date.now() - 60_000 + s * 1000).toISOString();
    const ids = async (imsi: string) => (await store.activity.query({ imsi })).records.map((r) => r.id);
    try {
      await store.activity.append(activityRecord('a0', { imsi: '001', timestamp: t(0) }));
      await store.activity.append(activityRecord('a1', { imsi: '001', timestamp: t(1) }));
      const count = counting(store);
      // Appends that arrive while a batch is being written share the next statement.
      await Promise.all([
        store.activity.append(activityRecord('b0', { imsi: '003', timestamp: t(2) })),
        store.activity.append(activityRecord('a2', { imsi: '001', timestamp: t(3) })),
        store.activity.append(activityRecord('a3', { imsi: '001', timestamp: t(4) })),
        store.activity.append(activityRecord('b1', { imsi: '003', timestamp: t(5) })),
        store.activity.append(activityRecord('x0', { imsi: null, timestamp: t(5) })),
      ]);
      const statements = count();
      assert.ok(statements >= 1 && statements <= 2, `one statement per batch, ${statements} for at most two batches`);
      assert.equal(count.tx(), 0, 'no transaction');
      assert.deepEqual(await ids('001'), ['a3', 'a2', 'a1'], 'a0 dropped: the cap counts the new rows');
      assert.deepEqual(await ids('003'), ['b1', 'b0']);

      // Five of one subscriber in a batch: more than the cap, so the batch goes as a transaction and keeps three.
      await Promise.all(['c0', 'c1', 'c2', 'c3', 'c4', 'c5'].map((id, i) => store.activity.append(activityRecord(id, { imsi: '002', timestamp: t(10 + i) }))));
      assert.ok(count.tx() >= 1, 'a transaction for the batch over the cap');
      assert.deepEqual(await ids('002'), ['c5', 'c4', 'c3']);

      // An id already stored is not inserted again, and drops nothing: a3, a2, a1 stay.
      await store.activity.append(activityRecord('a3', { imsi: '001', timestamp: t(20) }));
      assert.deepEqual(await ids('001'), ['a3', 'a2', 'a1']);
      assert.equal(await store.activity.count(), 3 + 2 + 3 + 1);
    } finally {
      await store.close();
    }
  });
});

describe('postgres driver: volatile records updated without a read first', () => {

  test('a record this daemon wrote last is updated in one statement; one another daemon changed is read first', async () => {
    const url = await freshDb();
    const a = await createPgStore({ url, nodeName: 'node-a' });
    const b = await createPgStore({ url, nodeName: 'node-b' });
    try {
      const ca = a.collection<{ n: number; state?: string }>('eap_state', COLLECTIONS.eap_state);
      const cb = b.collection<{ n: number; state?: string }>('eap_state', COLLECTIONS.eap_state);
      const count = counting(a);
      await ca.put('s:1', { n: 1 });
      count();
      for (let i = 0; i < 3; i++) await ca.update('s:1', (cur) => ({ result: null, put: { n: cur!.n + 1 } }));
      assert.equal(count(), 3, 'three updates of the record it wrote: one statement each');
      assert.deepEqual(await cb.get('s:1'), { n: 4 });

      // Another daemon's write in between: the remembered value fails the compare, the fresh one is used.
      await cb.update('s:1', (cur) => ({ result: null, put: { n: cur!.n + 10 } }));
      const seenByA: number[] = [];
      await ca.update('s:1', (cur) => { seenByA.push(cur!.n); return { result: null, put: { n: cur!.n + 1 } }; });
      assert.deepEqual(seenByA, [4, 14], 'asked on the remembered value, then on the database\'s');
      assert.equal(count(), 3, 'the failed try, the read, the write');
      assert.deepEqual(await cb.get('s:1'), { n: 15 });

      // Deleted and made again by the other daemon with other content: A decides on what is there now.
      await ca.update('s:1', (cur) => ({ result: null, put: { n: cur!.n + 1 } }));
      await cb.delete('s:1');
      await cb.put('s:1', { n: 100 });
      await ca.update('s:1', (cur) => ({ result: null, put: { n: cur!.n + 1 } }));
      assert.deepEqual(await cb.get('s:1'), { n: 101 });

      // Deleted by the other daemon: A's function is handed undefined.
      await cb.delete('s:1');
      const got = await ca.update('s:1', (cur) => ({ result: cur, put: { n: 1 } }));
      assert.equal(got, undefined);
      assert.deepEqual(await cb.get('s:1'), { n: 1 });

      // A function that writes nothing decides on the database's value, never only on the remembered one.
      await ca.put('s:2', { n: 1, state: 'a' });
      await cb.put('s:2', { n: 2, state: 'b' });
      assert.equal(await ca.update('s:2', (cur) => ({ result: cur!.state })), 'b');
      // One that throws on the remembered value is asked again on the database's.
      await ca.put('s:3', { n: 1, state: 'a' });
      await cb.put('s:3', { n: 1, state: 'b' });
      await ca.update('s:3', (cur) => {
        if (cur!.state !== 'b') throw new Error('decided on a stale value');
        return { result: null, put: { n: 2, state: 'c' } };
      });
      assert.deepEqual(await cb.get('s:3'), { n: 2, state: 'c' });

      // A delete through update() in one statement; the next update() of the key, remembered as nothing, creates it
      // in one statement too (tried as an insert).
      await ca.put('s:4', { n: 1 });
      count();
      await ca.update('s:4', () => ({ result: null, delete: true }));
      assert.equal(count(), 1);
      assert.equal(await cb.get('s:4'), undefined);
      count();
      await ca.update('s:4', (cur) => ({ result: null, put: { n: (cur?.n ?? 0) + 1 } }));
      assert.equal(count(), 1, 'the insert alone');
      assert.deepEqual(await cb.get('s:4'), { n: 1 });

      // A key A knows nothing of that B made: the insert fails, then the read and the compare-and-set.
      await cb.put('s:5', { n: 7 });
      count();
      const handed: Array<number | undefined> = [];
      await ca.update('s:5', (cur) => { handed.push(cur?.n); return { result: null, put: { n: (cur?.n ?? 0) + 1 } }; });
      assert.deepEqual(handed, [undefined, 7]);
      assert.equal(count(), 3, 'the failed insert, the read, the write');
      assert.deepEqual(await cb.get('s:5'), { n: 8 });
      // A function that creates nothing on an absent key decides on the database's value.
      await cb.put('s:6', { n: 3 });
      assert.equal(await ca.update('s:6', (cur) => ({ result: cur?.n ?? null })), 3);

      // Durable collections always read first: their records are touched once per authentication, days apart.
      const sqn = a.collection<{ sqn: number }>('sqn', COLLECTIONS.sqn);
      await sqn.put('001010000000001', { sqn: 1 });
      count();
      await sqn.update('001010000000001', (cur) => ({ result: null, put: { sqn: cur!.sqn + 1 } }));
      assert.equal(count(), 2);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('postgres driver: pipelined statements (storage.pipelines)', () => {
  /** pg's client queues: `_sentQueryQueue` holds statements written and not yet answered, `_queryQueue` those not written. */
  type Queues = { _sentQueryQueue: unknown[]; _queryQueue: unknown[] };

  test('per-record statements are written without waiting for answers, spread over the connections; one refused fails alone', async () => {
    const url = await freshDb();
    const store = await createPgStore({ url, nodeName: 'node-p', pipelines: 2 });
    const other = await createPgStore({ url, nodeName: 'node-q', pipelines: 0 });
    try {
      assert.deepEqual(store.info().pipelines, { open: 2, max: 2 });
      assert.deepEqual(other.info().pipelines, { open: 0, max: 0 });
      assert.equal((await cluster.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'omnisep node-p pipelined'")).trim(), '2');
      const sqn = openCollection<{ sqn: number }>(store, 'sqn');
      const state = store.collection<{ n: number; s?: string }>('eap_state', COLLECTIONS.eap_state);
      const count = counting(store);

      // 40 puts asked at once: each connection has written its 20 before any answer came (one of them the statement
      // being answered), and none waits unwritten.
      const puts = Array.from({ length: 40 }, (_, i) => sqn.put(`k${i}`, { sqn: i }));
      for (const c of store.pipelines.clients) {
        const q = c as unknown as Queues;
        assert.equal(q._queryQueue.length, 0, 'nothing held back');
        assert.equal(q._sentQueryQueue.length, 19, 'written ahead of the answers');
      }
      await Promise.all(puts);
      // Updates (the read and the compare-and-set), gets and takes: all on the pipelined connections.
      await Promise.all(Array.from({ length: 40 }, (_, i) => sqn.update(`k${i}`, (cur) => ({ result: null, put: { sqn: cur!.sqn + 1000 } }))));
      assert.deepEqual(await Promise.all([sqn.get('k0'), sqn.get('k39')]), [{ sqn: 1000 }, { sqn: 1039 }]);
      assert.deepEqual(await sqn.take('k5'), { sqn: 1005 });
      assert.deepEqual(await sqn.takeMany(['k6', 'k5', 'k7']), [['k6', { sqn: 1006 }], ['k7', { sqn: 1007 }]], 'a few keys taken in one statement');
      assert.equal(count.pool(), 0, 'none through the pool');
      assert.equal(count(), 40 + 80 + 2 + 1 + 1);

      // A value PostgreSQL refuses (jsonb holds no \u0000) among others on the same connections: that one is refused
      // with the database's error, the others land, and the store stays writable.
      const mixed = await Promise.allSettled([
        state.put('s:1', { n: 1 }), state.put('s:bad', { n: 2, s: '\u0000' }), state.put('s:2', { n: 3 }),
        sqn.update('k1', (cur) => ({ result: null, put: { sqn: cur!.sqn + 1 } })), state.update('s:1', (cur) => ({ result: null, put: { n: (cur?.n ?? 0) + 10 } })),
      ]);
      assert.deepEqual(mixed.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
      const refused = (mixed[1] as PromiseRejectedResult).reason as Error & { code?: string };
      assert.equal(refused.code, '22P05', String(refused));
      assert.notEqual(refused.name, 'StoreUnavailableError');
      assert.equal(store.writable(), true);

      // The other daemon (every statement through its pool) reads what landed.
      const otherSqn = openCollection<{ sqn: number }>(other, 'sqn');
      const otherState = other.collection<{ n: number }>('eap_state', COLLECTIONS.eap_state);
      assert.deepEqual(await otherState.get('s:1'), { n: 11 });
      assert.equal(await otherState.get('s:bad'), undefined);
      assert.deepEqual(await otherState.get('s:2'), { n: 3 });
      assert.deepEqual(await otherSqn.get('k1'), { sqn: 1002 });
      assert.deepEqual(await Promise.all(['k5', 'k6', 'k7'].map((k) => otherSqn.get(k))), [undefined, undefined, undefined]);
      assert.equal(await otherSqn.count(), 37);

      // The pipelined connections prepare their statements as the pool's do.
      const names = await store.pipelines.clients[0]!.query<{ name: string }>({ text: 'SELECT name FROM pg_prepared_statements WHERE $1::int = 1', values: [1] });
      assert.ok(names.rows.length >= 3 && names.rows.every((r) => /^omnisep_\d+$/.test(r.name)), JSON.stringify(names.rows));
    } finally {
      await store.close();
      await other.close();
    }
  });

  test('a pipelined connection that drops is opened again; meanwhile its statements go through the pool', async () => {
    const url = await freshDb();
    const warned: string[] = [];
    const store = await createPgStore({ url, nodeName: 'node-r', pipelines: 2, warn: (m) => warned.push(m) });
    try {
      const sqn = openCollection<{ sqn: number }>(store, 'sqn');
      await sqn.put('a', { sqn: 1 });
      const count = counting(store);
      await cluster.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'omnisep node-r pipelined'");
      const dropped = () => warned.filter((m) => /pipelined PostgreSQL connection dropped/.test(m)).length;
      await until(() => dropped() === 2, 30_000, 'both pipelined connections seen closed');
      // Neither open, or one just reopened (after a backoff of ≥ 250 ms): nothing fails, through the pool meanwhile.
      await sqn.update('a', (cur) => ({ result: null, put: { sqn: cur!.sqn + 1 } }));
      assert.ok(count.pool() >= 2 || store.info().pipelines!.open > 0, 'the read and the write through the pool, unless reopened meanwhile');
      await until(() => store.info().pipelines!.open === 2, 30_000, 'both reopened');
      count.pool();
      await sqn.update('a', (cur) => ({ result: null, put: { sqn: cur!.sqn + 1 } }));
      assert.equal(count.pool(), 0, 'on the reopened connections');
      assert.deepEqual(await sqn.get('a'), { sqn: 3 });
      assert.equal(store.writable(), true);
    } finally {
      await store.close();
    }
  });
});

describe('postgres driver: schema', () => {
  test('migrations make schema_version; two stores starting together apply them once', async () => {
    const url = await freshDb();
    const [a, b] = await Promise.all([createPgStore({ url }), createPgStore({ url })]);
    try {
      assert.equal(a.info().schema_version, LATEST_SCHEMA_VERSION);
      const rows = await a.pool.query('SELECT version, applied_by FROM schema_version ORDER BY version');
      assert.deepEqual(rows.rows.map((r) => r.version), Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1));
      const idx = await a.pool.query("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'idx_%' ORDER BY 1");
      // One partial index per declared index of every collection (src/store/collections.ts).
      const declared = Object.entries(COLLECTIONS).flatMap(([name, spec]) => ('indexes' in spec ? spec.indexes : []).map((f: string) => `idx_${name}__${f}`));
      assert.deepEqual(idx.rows.map((r) => r.indexname as string).sort(), [...declared].sort());
      assert.ok(declared.includes('idx_subscribers__msisdn') && declared.includes('idx_tokens__binding'));
      // The planner uses the declared index for find (no scan on a request path).
      await a.pool.query('SET enable_seqscan = off');
      const plan = await a.pool.query("EXPLAIN SELECT value FROM records WHERE collection = 'subscribers' AND (value->>'msisdn') = '+1'");
      assert.match(plan.rows.map((r) => r['QUERY PLAN']).join('\n'), /idx_subscribers__msisdn/);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('a database whose schema is newer than this omnisep is refused, naming both versions', async () => {
    const url = await freshDb();
    const s = await createPgStore({ url });
    await s.pool.query("INSERT INTO schema_version (version, name, applied_by) VALUES (999, 'from the future', 'x')");
    await s.close();
    await assert.rejects(createPgStore({ url }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'OMNISEP_STORE_SCHEMA_TOO_NEW');
      assert.match(e.message, /schema version 999, newer than this omnisep knows \(1\)/);
      assert.ok(!e.message.includes(PG_PASSWORD));
      return true;
    });
    await assert.rejects(createPgStore({ url, migrate: false }), /schema version 999/);
  });

  test('info() shows the driver, the URL without its password, the schema version, the pool and the pipelined connections', async () => {
    const url = await freshDb();
    const s = await createPgStore({ url, poolMax: 7 });
    try {
      await openCollection(s, 'subscribers').get('x');
      const i = s.info();
      assert.equal(i.driver, 'postgres');
      assert.equal(i.location, url.replace(`:${PG_PASSWORD}`, ''));
      assert.ok(!JSON.stringify(i).includes(PG_PASSWORD));
      assert.equal(i.schema_version, LATEST_SCHEMA_VERSION);
      assert.equal(i.pool!.max, 7);
      assert.deepEqual(i.pipelines, { open: 2, max: 2 }, 'storage.pipelines by default');
      assert.ok(i.pool!.total >= 1 && i.pool!.idle >= 0 && i.pool!.waiting === 0);
    } finally {
      await s.close();
    }
  });
});

describe('postgres driver: bad input at start', () => {
  test('a URL that does not answer, wrong credentials, a missing database: each a clear error', async () => {
    const closed = cluster.url('postgres').replace(`:${cluster.port}/`, ':1/');
    await assert.rejects(createPgStore({ url: closed, connectTimeoutMs: 3000 }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'OMNISEP_STORE_UNREACHABLE');
      assert.match(e.message, /PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/postgres does not answer/);
      assert.ok(!e.message.includes(PG_PASSWORD));
      return true;
    });
    const wrong = cluster.url('postgres').replace(PG_PASSWORD, 'not-the-password');
    await assert.rejects(createPgStore({ url: wrong }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'OMNISEP_STORE_AUTH');
      assert.match(e.message, /refused the login \(password authentication failed for user "postgres"\)/);
      assert.ok(!e.message.includes('not-the-password'));
      return true;
    });
    await assert.rejects(createPgStore({ url: cluster.url('no_such_db') }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'OMNISEP_STORE_NO_DATABASE');
      assert.match(e.message, /database "no_such_db" does not exist/);
      return true;
    });
    await assert.rejects(createPgStore({ url: 'mysql://x' }), /postgres:\/\/ URL/);
  });
});
