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

describe('postgres driver: prepared statements', () => {
  // One connection in the pool: the statements its queries prepared are that connection's pg_prepared_statements.
  test('queries go out as named statements, prepared once per connection; none with prepared_statements off', async () => {
    for (const preparedStatements of [true, false]) {
      const store = await createPgStore({ url: await freshDb(), poolMax: 1, preparedStatements });
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

  test('info() shows the driver, the URL without its password, the schema version and the pool', async () => {
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
