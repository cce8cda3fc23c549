/** Store selection: `storage.driver` → a Store. The PostgreSQL driver plugs in here too. */
import type { Store } from '../../src/ports.js';
import type { OmnisepConfig } from '../../src/contracts/config.js';
import { createMemoryStore } from './memory-store.js';
import { createEmbeddedStore } from './embedded-store.js';

export { StoreCorruptError, StoreLockedError } from './errors.js';
export { createMemoryStore } from './memory-store.js';
export { createEmbeddedStore } from './embedded-store.js';

export interface RetentionTunable {
  maxPerSubscriber: number;
  retentionSeconds: number;
  enforceRetention(): number;
}

export async function createStore(config: OmnisepConfig, dataDir: string, warn: (msg: string) => void): Promise<Store> {
  if (config.storage.driver === 'memory')
    return createMemoryStore({ maxPerSubscriber: config.activity.max_records_per_subscriber, retentionSeconds: config.activity.retention_seconds });
  if (config.storage.driver === 'postgres') throw new Error('storage: the postgres driver is not in this build (storage.driver: embedded is the default)');
  // 'embedded', and 'lowdb': its old name (a data directory of the lowdb driver is imported on first start).
  return createEmbeddedStore({
    dataDir,
    commitIntervalMs: config.storage.activity_commit_interval_ms,
    warn,
    activity: {
      maxPerSubscriber: config.activity.max_records_per_subscriber,
      retentionSeconds: config.activity.retention_seconds,
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
