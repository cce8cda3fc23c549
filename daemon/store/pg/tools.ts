/**
 * What `omnisep db migrate` and `omnisep db copy` do (commands/db/), kept here beside the drivers so the
 * commands only parse and render.
 *
 * A location is either a PostgreSQL URL (`postgres://…`) or an embedded data directory. `copyStore` pages
 * through every collection of src/store/collections.ts in key order (`scan`) and writes each page with one
 * `putMany` (one commit per page), then the activity log oldest first, so the target ends up with the same
 * records, keys (Ki/OPc) included. A target that already holds data is refused unless `force`.
 */
import pg from 'pg';
import type { ActivityRecord } from '../../../src/contracts/activity.js';
import { ConfigError, type OmnisepConfig } from '../../../src/contracts/config.js';
import { OperationalError } from '../../../src/cli/errors.js';
import { loadConfig } from '../../config/index.js';
import type { ActivityLog, Store } from '../../../src/ports.js';
import { COLLECTIONS, openCollection, type CollectionId } from '../../../src/store/collections.js';
import { createStore } from '../index.js';
import { redactUrl, startError } from './errors.js';
import { migrate as runMigrations, type MigrateReport } from './migrate.js';
import { PgActivity } from './pg-store.js';

/** The configuration a `db` command runs with (the file, else the defaults): a bad one is one message, exit 1. */
export function loadToolConfig(file: string | undefined): OmnisepConfig {
  try {
    return loadConfig({ file, env: process.env });
  } catch (e) {
    if (e instanceof ConfigError) throw new OperationalError(e.message);
    throw e;
  }
}

export const isPgUrl = (loc: string): boolean => /^postgres(ql)?:\/\//.test(loc);

/** Opens the store at a location with the daemon's own driver code (embedded data dir, or PostgreSQL). */
export async function openStoreAt(location: string, config: OmnisepConfig, warn: (m: string) => void = () => {}): Promise<Store> {
  const storage = isPgUrl(location)
    ? { ...config.storage, driver: 'postgres' as const, url: location }
    : { ...config.storage, driver: 'embedded' as const, data_dir: location };
  // Copying is no cluster member: the cluster-secret check of production starts does not apply.
  const server = { ...config.server, environment: 'development' as const };
  return createStore({ ...config, server, storage }, storage.data_dir, warn);
}

/** `db migrate`: applies pending migrations to the database at `url`. */
export async function migrateDatabase(url: string, nodeName: string): Promise<MigrateReport & { location: string }> {
  const location = redactUrl(url);
  const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 5000 });
  pool.on('error', () => {});
  try {
    let report: MigrateReport | undefined;
    try {
      await pool.query('SELECT 1');
    } catch (e) {
      throw startError(e, location, 5000);
    }
    await runMigrations(pool, { location, nodeName, report: (r) => { report = r; } });
    return { location, ...report! };
  } finally {
    await pool.end().catch(() => {});
  }
}

export interface CopyProgress {
  what: string;
  copied: number;
  total: number;
}

export interface CopySummary {
  from: string;
  to: string;
  collections: Array<{ name: string; records: number }>;
  activity: number;
  seconds: number;
}

export class TargetNotEmptyError extends Error {
  override readonly name = 'TargetNotEmptyError';
  readonly code = 'OMNISEP_DB_TARGET_NOT_EMPTY';
  constructor(readonly target: string, readonly what: string[]) {
    super(`db copy: ${target} already holds data (${what.join(', ')}); copy into an empty store, or pass --force to write over it (records with the same key are replaced, others are kept)`);
  }
}

const describe = (loc: string): string => (isPgUrl(loc) ? redactUrl(loc) : loc);

export async function copyStore(opts: {
  from: string;
  to: string;
  config: OmnisepConfig;
  force?: boolean;
  batch?: number;
  progress?: (p: CopyProgress) => void;
  warn?: (m: string) => void;
}): Promise<CopySummary> {
  const started = Date.now();
  const batch = opts.batch ?? 1000;
  const names = Object.keys(COLLECTIONS) as CollectionId[];
  const source = await openStoreAt(opts.from, opts.config, opts.warn);
  let target: Store | undefined;
  try {
    target = await openStoreAt(opts.to, opts.config, opts.warn);
    const held: string[] = [];
    for (const n of names) {
      const c = await openCollection(target, n).count();
      if (c) held.push(`${c} ${n}`);
    }
    const act = await target.activity.count();
    if (act) held.push(`${act} activity records`);
    if (held.length && !opts.force) throw new TargetNotEmptyError(describe(opts.to), held);

    const collections: CopySummary['collections'] = [];
    for (const name of names) {
      const src = openCollection<unknown>(source, name);
      const dst = openCollection<unknown>(target, name);
      const total = await src.count();
      let copied = 0;
      for (let after: string | undefined; ;) {
        const page = await src.scan({ after, limit: batch });
        if (!page.length) break;
        await dst.putMany(page);
        copied += page.length;
        after = page[page.length - 1]![0];
        opts.progress?.({ what: name, copied, total });
      }
      collections.push({ name, records: copied });
    }
    const activity = await copyActivity(source.activity, target.activity, batch, (copied, total) => opts.progress?.({ what: 'activity', copied, total }));
    return { from: describe(opts.from), to: describe(opts.to), collections, activity, seconds: (Date.now() - started) / 1000 };
  } finally {
    await target?.close().catch(() => {});
    await source.close().catch(() => {});
  }
}

/** Oldest first, so the target's newest-first order and per-subscriber retention match the source's. */
async function copyActivity(src: ActivityLog, dst: ActivityLog, batch: number, progress: (copied: number, total: number) => void): Promise<number> {
  const total = await src.count();
  const write = async (records: ActivityRecord[]) => {
    if (dst instanceof PgActivity) await dst.appendMany(records);
    else await Promise.all(records.map((r) => dst.append(r)));
  };
  let copied = 0;
  if (src instanceof PgActivity) {
    // Keyset paging on the insertion order: each page costs the same however far in.
    for (let after: string | null = null; ;) {
      const page = await src.scanOldestFirst(after, batch);
      if (!page.length) break;
      await write(page.map(([, r]) => r));
      copied += page.length;
      after = page[page.length - 1]![0];
      progress(copied, total);
    }
    return copied;
  }
  // The port's query is newest first with an offset: walk the pages from the oldest end.
  for (let end = total; end > 0; end -= batch) {
    const start = Math.max(0, end - batch);
    const page = await src.query({ offset: start, limit: end - start });
    await write(page.records.reverse());
    copied += page.records.length;
    progress(copied, total);
  }
  return copied;
}
