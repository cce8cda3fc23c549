/**
 * Applies the migrations of migrations.ts: one transaction, under a transaction-level advisory lock, so two
 * daemons (or `omnisep db migrate` and a daemon) starting together serialise here and the second one finds
 * the work done. A schema newer than this binary knows is refused before anything is touched.
 */
import type pg from 'pg';
import type { CollectionSpec } from '../../../src/ports.js';
import { COLLECTIONS } from '../../../src/store/collections.js';
import { declaredIndexSql, LATEST_SCHEMA_VERSION, MIGRATION_LOCK_KEY, MIGRATIONS, SchemaTooNewError } from './migrations.js';

export { declaredIndexSql, LATEST_SCHEMA_VERSION, tableFor } from './migrations.js';

type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

async function currentVersion(q: Queryable): Promise<number> {
  const t = await q.query<{ t: string | null }>("SELECT to_regclass('schema_version')::text AS t");
  if (!t.rows[0]!.t) return 0;
  const v = await q.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_version');
  return v.rows[0]!.v ?? 0;
}

/** The database's schema version without changing anything; refuses a newer one. */
export async function readSchemaVersion(pool: pg.Pool, location: string): Promise<number> {
  const v = await currentVersion(pool);
  if (v > LATEST_SCHEMA_VERSION) throw new SchemaTooNewError(location, v, LATEST_SCHEMA_VERSION);
  return v;
}

export interface MigrateReport {
  from: number;
  to: number;
  applied: Array<{ version: number; name: string }>;
}

/** Brings the schema to LATEST_SCHEMA_VERSION; returns the version now in the database. */
export async function migrate(pool: pg.Pool, opts: { location: string; nodeName: string; report?: (r: MigrateReport) => void }): Promise<number> {
  const client = await pool.connect();
  const onError = () => {}; // reported by the failing statement; without a listener it would be uncaught
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    const from = await currentVersion(client);
    if (from > LATEST_SCHEMA_VERSION) throw new SchemaTooNewError(opts.location, from, LATEST_SCHEMA_VERSION);
    const applied: MigrateReport['applied'] = [];
    for (const m of MIGRATIONS) {
      if (m.version <= from) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_version (version, name, applied_by) VALUES ($1, $2, $3)', [m.version, m.name, opts.nodeName]);
      applied.push({ version: m.version, name: m.name });
    }
    for (const [name, spec] of Object.entries(COLLECTIONS) as Array<[string, CollectionSpec]>)
      for (const sql of declaredIndexSql(name, spec)) await client.query(sql);
    await client.query('COMMIT');
    opts.report?.({ from, to: LATEST_SCHEMA_VERSION, applied });
    return LATEST_SCHEMA_VERSION;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.removeListener('error', onError);
    client.release();
  }
}
