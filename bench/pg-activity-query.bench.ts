/**
 * The admin activity list on PostgreSQL at a fleet's size: a page of `GET /api/activity` (PgActivity.query, the
 * driver the daemon calls) with its total counted up to ACTIVITY_COUNT_CAP, beside the exact `count(*)` the total
 * used to be (the same WHERE, in the same run). Then `status`'s counts: the activity log's and a collection's
 * (N / 2 token records) `tally()` beside the exact `count()` that status used. N records are made by one INSERT … SELECT from generate_series
 * (the store's own schema; 100,000 subscribers, a third of the records `xcap`), then ANALYZE.
 *
 *   npx tsc && node dist/bench/pg-activity-query.bench.js [--records 2000000] [--rounds 3]
 *
 * Needs PostgreSQL's binaries (Debian: postgresql; scripts/system-deps.sh installs them); the cluster is a
 * throw-away one (test/pg-cluster.ts) and is removed at the end.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createPgStore } from '../daemon/store/pg/pg-store.js';
import type { ActivityQuery } from '../src/ports.js';
import { startPgCluster } from '../test/pg-cluster.js';

const { values } = parseArgs({ options: { records: { type: 'string', default: '2000000' }, rounds: { type: 'string', default: '3' } } });
const N = Number(values.records);
const ROUNDS = Number(values.rounds);

// What the exact total read: the WHERE PgActivity.query builds for each case (retention is off in this store).
const CASES: Array<[name: string, q: ActivityQuery, where: string, args: unknown[]]> = [
  ['no filter (the admin list, `activity ls`)', {}, '', []],
  ['type=xcap (a third of the records)', { type: 'xcap' }, 'WHERE request_type = $1', ['xcap']],
  ['imsi= (20 records)', { imsi: '001010000000042' }, 'WHERE imsi = $1', ['001010000000042']],
  ['query= matching every record', { query: '00101' }, "WHERE (imsi ILIKE $1 OR msisdn ILIKE $1 OR terminal_id ILIKE $1 OR request_path ILIKE $1 OR client_ip ILIKE $1)", ['%00101%']],
  ['query= matching 20 records', { query: '0000000042' }, "WHERE (imsi ILIKE $1 OR msisdn ILIKE $1 OR terminal_id ILIKE $1 OR request_path ILIKE $1 OR client_ip ILIKE $1)", ['%0000000042%']],
];

const cluster = await startPgCluster();
try {
  const url = await cluster.createDatabase('activity_query');
  const store = await createPgStore({ url });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let t = performance.now();
  await client.query(`INSERT INTO activity (id, ts, request_type, imsi, terminal_id, client_ip, request_path, record)
    SELECT 'id-' || g, now() - (g || ' ms')::interval, CASE WHEN g % 3 = 0 THEN 'xcap' ELSE 'token_auth' END,
      '00101' || lpad((g % 100000)::text, 10, '0'), 'term' || (g % 50000), '127.0.0.1', '/?app=ap2004',
      jsonb_build_object('id', 'id-' || g, 'request_type', 'token_auth', 'request_headers',
        jsonb_build_object('host', '127.0.0.1', 'accept', 'text/vnd.wap.connectivity-xml', 'user-agent', 'PRD-TS43 term-Google/Pixel_7 swver-UP1A app-1.0'),
        'response_summary', jsonb_build_object('format', 'xml', 'vers', 12))
    FROM generate_series(1, $1::int) g`, [N]);
  await client.query('ANALYZE activity');
  console.log(`pg-activity-query: ${N.toLocaleString('en')} activity records on PostgreSQL (made in ${((performance.now() - t) / 1000).toFixed(1)} s), ${ROUNDS} rounds, node ${process.version}, ${new Date().toISOString()}, load ${loadavg()[0]!.toFixed(2)}`);
  console.log('\n| case | page (this build): total, ms per round | the exact count(*) alone (the old total), ms per round |\n|---|---|---|');
  for (const [name, q, where, args] of CASES) {
    const page: string[] = [];
    const exact: string[] = [];
    let total = '';
    for (let r = 0; r < ROUNDS; r++) {
      t = performance.now();
      const p = await store.activity.query({ ...q, limit: 25 });
      page.push((performance.now() - t).toFixed(1));
      total = `${p.total}${p.capped ? '+' : ''}`;
      t = performance.now();
      const n = await client.query<{ n: string }>(`SELECT count(*) AS n FROM activity ${where}`, args);
      exact.push(`${(performance.now() - t).toFixed(1)}`);
      if (r === 0) total += ` (exact ${Number(n.rows[0]!.n).toLocaleString('en')})`;
    }
    console.log(`| ${name} | ${total}: ${page.join(' / ')} | ${exact.join(' / ')} |`);
  }
  // `status`'s counts: the activity log's and a collection's (a million tokens) tally, beside the exact count.
  t = performance.now();
  await client.query(`INSERT INTO records (collection, key, value) SELECT 'tokens', 't-' || g, jsonb_build_object('imsi', '00101' || lpad(g::text, 10, '0'))
    FROM generate_series(1, $1::int) g`, [Math.round(N / 2)]);
  await client.query('ANALYZE records');
  console.log(`\n\`status\`'s counts (${Math.round(N / 2).toLocaleString('en')} token records made in ${((performance.now() - t) / 1000).toFixed(1)} s):\n`);
  console.log('| count | tally (this build): n, ms per round | count() exact (what status used), ms per round |\n|---|---|---|');
  const tokens = store.collection('tokens');
  for (const [name, tally, count] of [
    ['activity records', () => store.activity.tally(), () => store.activity.count()],
    ['tokens', () => tokens.tally(), () => tokens.count()],
  ] as const) {
    const a: string[] = [];
    const b: string[] = [];
    let shown = '';
    for (let r = 0; r < ROUNDS; r++) {
      t = performance.now();
      const x = await tally();
      a.push((performance.now() - t).toFixed(1));
      t = performance.now();
      const exact = await count();
      b.push((performance.now() - t).toFixed(1));
      if (r === 0) shown = `${x.estimated ? '≈ ' : ''}${x.n.toLocaleString('en')} (exact ${exact.toLocaleString('en')})`;
    }
    console.log(`| ${name} | ${shown}: ${a.join(' / ')} | ${b.join(' / ')} |`);
  }
  await client.end();
  await store.close();
} finally {
  await cluster.destroy();
}
