/**
 * A Store held in memory only: for `--ephemeral` runs and for tests of code
 * that does not care about durability. The lowdb driver is the default.
 */
import { activityCountLimit, activityPageWindow, countedPage, type ActivityLog, type ActivityPage, type ActivityQuery, type Collection, type CollectionSpec, type Store, type StoreChange } from '../ports.js';
import { MapCollection } from './map-collection.js';
import { VolatileCollection } from './volatile-collection.js';
import type { ActivityRecord } from '../contracts/activity.js';
import { IdPrefixIndex } from './id-prefix-index.js';

/** Newest-first filtering shared by the drivers that keep records in memory. */
export function queryActivity(all: readonly ActivityRecord[], q: ActivityQuery): ActivityPage {
  const needle = q.query?.toLowerCase();
  const fromMs = q.from !== undefined ? q.from * 1000 : undefined;
  const toMs = q.to !== undefined ? q.to * 1000 : undefined;
  const hits: ActivityRecord[] = [];
  // One match past the count's limit and no further (ports.ts activityCountLimit).
  const upTo = activityCountLimit(q);
  for (let i = all.length - 1; i >= 0 && hits.length <= upTo; i--) {
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
  const { limit, start } = activityPageWindow(q);
  return countedPage(hits.slice(start, start + limit), hits.length, upTo);
}

export interface MemoryActivityOptions {
  maxPerSubscriber?: number;
  retentionSeconds?: number;
  now?: () => number;
}

/** In-memory activity with the same retention as the file log (per-subscriber cap on append, age on query/enforce). */
class MemoryActivity implements ActivityLog {
  #records: ActivityRecord[] = [];
  readonly #byId = new IdPrefixIndex<ActivityRecord>();
  readonly #byImsi = new Map<string, ActivityRecord[]>();
  readonly #dead = new Set<ActivityRecord>();
  maxPerSubscriber: number;
  retentionSeconds: number;
  readonly #now: () => number;
  constructor(opts: MemoryActivityOptions = {}) {
    this.maxPerSubscriber = opts.maxPerSubscriber ?? Infinity;
    this.retentionSeconds = opts.retentionSeconds ?? Infinity;
    this.#now = opts.now ?? Date.now;
  }
  async append(record: ActivityRecord) {
    this.#records.push(record);
    this.#byId.set(record.id, record);
    if (record.imsi) {
      let l = this.#byImsi.get(record.imsi);
      if (!l) this.#byImsi.set(record.imsi, (l = []));
      l.push(record);
      while (l.length > this.maxPerSubscriber) this.#kill(l.shift()!);
    }
  }
  #kill(r: ActivityRecord) {
    this.#dead.add(r);
    this.#byId.delete(r.id);
    if (this.#dead.size > 1024 && this.#dead.size > this.#records.length / 2) {
      this.#records = this.#records.filter((x) => !this.#dead.has(x));
      this.#dead.clear();
    }
  }
  enforceRetention(): number {
    const cutoff = this.#now() - this.retentionSeconds * 1000;
    let n = 0;
    if (Number.isFinite(cutoff)) for (const r of this.#records) {
      if (this.#dead.has(r) || Date.parse(r.timestamp) >= cutoff) continue;
      const l = r.imsi ? this.#byImsi.get(r.imsi) : undefined;
      if (l) l.splice(l.indexOf(r), 1);
      this.#kill(r);
      n++;
    }
    for (const l of this.#byImsi.values()) while (l.length > this.maxPerSubscriber) { this.#kill(l.shift()!); n++; }
    return n;
  }
  async get(id: string) { return this.#byId.get(id); }
  async idsWithPrefix(prefix: string, limit: number) { return this.#byId.withPrefix(prefix, limit); }
  async query(q: ActivityQuery): Promise<ActivityPage> {
    this.enforceRetention();
    return queryActivity(this.#dead.size ? this.#records.filter((r) => !this.#dead.has(r)) : this.#records, q);
  }
  async count() { return this.#records.length - this.#dead.size; }
  async tally() { return { n: await this.count(), estimated: false }; }
}

/** Opens collections, checking that every caller agrees on a collection's spec. */
export class CollectionRegistry<C> {
  readonly #open = new Map<string, { spec: CollectionSpec; coll: C }>();
  constructor(private readonly make: (name: string, spec: CollectionSpec) => C) {}
  open(name: string, spec: CollectionSpec | undefined): C {
    const have = this.#open.get(name);
    if (have) {
      if (spec && !sameSpec(spec, have.spec))
        throw new Error(`storage: collection ${name} opened with two specs (${JSON.stringify(have.spec)} and ${JSON.stringify(spec)})`);
      return have.coll;
    }
    if (!/^[a-z][a-z0-9_]{0,63}$/.test(name)) throw new Error(`storage: bad collection name ${JSON.stringify(name)}`);
    const s = spec ?? { kind: 'provisioning' as const };
    const coll = this.make(name, s);
    this.#open.set(name, { spec: s, coll });
    return coll;
  }
  values(): C[] {
    return [...this.#open.values()].map((o) => o.coll);
  }
}

const sameSpec = (a: CollectionSpec, b: CollectionSpec): boolean =>
  a.kind === b.kind && JSON.stringify([...(a.indexes ?? [])].sort()) === JSON.stringify([...(b.indexes ?? [])].sort());

/** Local change listeners: drivers whose changes all happen in this process. */
export class ChangeFeed {
  readonly #listeners = new Set<(c: StoreChange) => void>();
  on(l: (c: StoreChange) => void): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }
  emit(c: StoreChange): void {
    for (const l of this.#listeners) l(c);
  }
  /** A volatile collection of this process (memory and embedded drivers) whose writes this feed announces. */
  volatile(name: string, spec: CollectionSpec): VolatileCollection<unknown> {
    return new VolatileCollection<unknown>(name, spec, (key) => this.emit({ collection: name, key, origin: null }));
  }
}

export function createMemoryStore(activity: MemoryActivityOptions = {}): Store {
  const feed = new ChangeFeed();
  const registry = new CollectionRegistry<Collection<unknown>>((name, spec) => spec.kind === 'volatile'
    ? feed.volatile(name, spec)
    : new MapCollection<unknown>(name, spec, {
      commit: async (ops) => { for (const op of ops) feed.emit({ collection: name, key: op.key, origin: null }); },
    }));
  return {
    collection<T>(name: string, spec?: CollectionSpec): Collection<T> {
      return registry.open(name, spec) as Collection<T>;
    },
    activity: new MemoryActivity(activity),
    onChange: (l) => feed.on(l),
    writable: () => true,
    info: () => ({ driver: 'memory', location: null, schema_version: 1 }),
    close: async () => {},
  };
}
