/**
 * A Store held in memory only: for `--ephemeral` runs and for tests of code
 * that does not care about durability. The lowdb driver is the default.
 */
import type { ActivityLog, ActivityPage, ActivityQuery, Collection, Store } from '../../src/ports.js';
import type { ActivityRecord } from '../../src/contracts/activity.js';

class MemoryCollection<T> implements Collection<T> {
  readonly #map = new Map<string, T>();
  get(key: string) { return this.#map.get(key); }
  has(key: string) { return this.#map.has(key); }
  keys() { return [...this.#map.keys()]; }
  values() { return [...this.#map.values()]; }
  get size() { return this.#map.size; }
  async put(key: string, value: T) { this.#map.set(key, value); }
  async delete(key: string) { return this.#map.delete(key); }
}

/** Newest-first filtering shared by the drivers that keep records in memory. */
export function queryActivity(all: readonly ActivityRecord[], q: ActivityQuery): ActivityPage {
  const needle = q.query?.toLowerCase();
  const fromMs = q.from !== undefined ? q.from * 1000 : undefined;
  const toMs = q.to !== undefined ? q.to * 1000 : undefined;
  const hits: ActivityRecord[] = [];
  for (let i = all.length - 1; i >= 0; i--) {
    const r = all[i]!;
    if (q.type && r.request_type !== q.type) continue;
    if (q.imsi && r.imsi !== q.imsi) continue;
    if (q.terminal_id && r.terminal_id !== q.terminal_id) continue;
    if (fromMs !== undefined || toMs !== undefined) {
      const t = Date.parse(r.timestamp);
      if (fromMs !== undefined && t < fromMs) continue;
      if (toMs !== undefined && t > toMs) continue;
    }
    if (needle && ![r.imsi, r.msisdn, r.terminal_id, r.request_path, r.client_ip].some((f) => f?.toLowerCase().includes(needle))) continue;
    hits.push(r);
  }
  const limit = q.limit ?? 25;
  const start = q.offset ?? ((q.page ?? 1) - 1) * limit;
  return { total: hits.length, records: hits.slice(start, start + limit) };
}

class MemoryActivity implements ActivityLog {
  readonly #records: ActivityRecord[] = [];
  readonly #byId = new Map<string, ActivityRecord>();
  async append(record: ActivityRecord) { this.#records.push(record); this.#byId.set(record.id, record); }
  get(id: string) { return this.#byId.get(id); }
  query(q: ActivityQuery) { return queryActivity(this.#records, q); }
  count() { return this.#records.length; }
}

export function createMemoryStore(): Store {
  const collections = new Map<string, MemoryCollection<unknown>>();
  return {
    collection<T>(name: string): Collection<T> {
      let c = collections.get(name);
      if (!c) collections.set(name, (c = new MemoryCollection<unknown>()));
      return c as Collection<T>;
    },
    activity: new MemoryActivity(),
    writable: () => true,
    close: async () => {},
  };
}
