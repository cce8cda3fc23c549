/** Store selection: `storage.driver` → a Store. Other drivers (PostgreSQL, planned) plug in here only. */
import type { Store } from '../../src/ports.js';
import type { OmnisepConfig } from '../../src/contracts/config.js';
import { createMemoryStore } from './memory-store.js';
import { createLowdbStore } from './lowdb-store.js';

export { StoreCorruptError, StoreLockedError } from './errors.js';
export { createMemoryStore } from './memory-store.js';
export { createLowdbStore } from './lowdb-store.js';

export interface RetentionTunable {
  maxPerSubscriber: number;
  retentionSeconds: number;
  enforceRetention(): number;
}

export async function createStore(config: OmnisepConfig, dataDir: string, warn: (msg: string) => void): Promise<Store> {
  if (config.storage.driver === 'memory')
    return createMemoryStore({ maxPerSubscriber: config.activity.max_records_per_subscriber, retentionSeconds: config.activity.retention_seconds });
  return createLowdbStore({
    dataDir,
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
