/** Store selection: `storage.driver` → a Store. The PostgreSQL driver plugs in here too. */
import type { Store } from '../../src/ports.js';
import type { OmnisepConfig } from '../../src/contracts/config.js';
import { createMemoryStore } from './memory-store.js';
import { createEmbeddedStore } from './embedded-store.js';
import { PgStartError } from './pg/errors.js';

export { StoreCorruptError, StoreLockedError } from './errors.js';
export { createMemoryStore } from './memory-store.js';
export { createEmbeddedStore } from './embedded-store.js';

export interface RetentionTunable {
  maxPerSubscriber: number;
  retentionSeconds: number;
  enforceRetention(): number;
}

/**
 * `onCommitWait`: told, for every write of the embedded store (its journals and its activity log), how long it waited
 * for its durable commit (the daemon's `omnisep_store_commit_wait_seconds`); the other drivers do not measure it.
 */
export async function createStore(config: OmnisepConfig, dataDir: string, warn: (msg: string) => void, onCommitWait?: (log: string, waitMs: number) => void): Promise<Store> {
  if (config.storage.driver === 'memory')
    return createMemoryStore({ maxPerSubscriber: config.activity.max_records_per_subscriber, retentionSeconds: config.activity.retention_seconds });
  if (config.storage.driver === 'postgres') {
    // PostgreSQL (daemon/store/pg/): shared by every daemon of a cluster; migrations applied here.
    if (!config.storage.url) throw new PgStartError('OMNISEP_STORE_CONFIG', 'storage: storage.driver is postgres but storage.url is empty; set it to postgres://user:password@host:port/database');
    if (config.server.environment === 'production' && !config.storage.cluster_secret)
      throw new PgStartError('OMNISEP_STORE_CONFIG', 'storage: storage.cluster_secret is empty; with storage.driver postgres in production every daemon of the cluster needs the same secret (it seals EAP session secrets in the database)');
    if (!config.storage.cluster_secret)
      warn('storage.cluster_secret is empty: each daemon seals EAP sessions with its own random key, so an EAP exchange cannot move between daemons; set the same secret on every daemon');
    // Imported here: `pg` and the driver (≈ 30 modules) are loaded only by a daemon that uses PostgreSQL
    // (docs/performance.md § Third round).
    const { createPgStore } = await import('./pg/pg-store.js');
    return createPgStore({
      url: config.storage.url,
      poolMax: config.storage.pool_max,
      preparedStatements: config.storage.prepared_statements,
      pipelines: config.storage.pipelines,
      nodeName: config.server.node_name,
      activity: { maxPerSubscriber: config.activity.max_records_per_subscriber, retentionSeconds: config.activity.retention_seconds },
      warn,
    });
  }
  // 'embedded', and 'lowdb': its old name (a data directory of the lowdb driver is imported on first start).
  return createEmbeddedStore({
    dataDir,
    commitIntervalMs: config.storage.activity_commit_interval_ms,
    warn,
    ...(onCommitWait ? { onCommitWait } : {}),
    activity: {
      maxPerSubscriber: config.activity.max_records_per_subscriber,
      retentionSeconds: config.activity.retention_seconds,
      maxBytes: config.activity.max_bytes,
      commitIntervalMs: config.storage.activity_commit_interval_ms,
      warn,
    },
  });
}

/** The activity log's retention knobs when the driver has them (SIGHUP reload). */
export function retentionOf(store: Store): RetentionTunable | null {
  const a = store.activity as Partial<RetentionTunable>;
  return typeof a.enforceRetention === 'function' ? (a as RetentionTunable) : null;
}
