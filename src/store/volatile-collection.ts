/**
 * A `volatile` collection of the memory and embedded drivers (docs/storage.md § Kinds): records that live in
 * this process only (an EAP session in flight), so nothing is written anywhere and every operation is
 * synchronous underneath its promise.
 *
 * Records are held as objects, not as JSON text: a write stores a `plainCopy` of the value (what a JSON round
 * trip would give, so the semantics are those of every other collection), and a read hands out a fresh
 * `plainCopy`, so neither the writer nor a reader can change the stored record by changing what it holds. An
 * EAP-AKA authentication makes about ten reads and writes here (docs/performance.md § Ninth round); a copy
 * costs a fraction of the JSON.parse and JSON.stringify the text-holding MapCollection pays for each.
 *
 * `update` hands its function a copy too, and stores a copy of what it puts.
 *
 * `update` runs its function between no awaits at all, so it is atomic; a write resolves at once (there is no
 * durability to wait for). `onChange` is called with each key written or deleted (the driver's change feed).
 */
import type { Change, Collection, CollectionSpec, Tally } from '../ports.js';
import { FieldIndex, noIndex } from './field-index.js';
import { deletable, deletionTargets, takeChange, takeEach } from './map-collection.js';
import { plainCopy } from './plain-copy.js';
import { SortedKeys } from './sorted-keys.js';
import { ShardedMap } from './sharded-map.js';

export class VolatileCollection<T> implements Collection<T> {
  readonly #map = new ShardedMap<T>();
  readonly #indexes = new Map<string, FieldIndex>();
  readonly #sorted = new SortedKeys(() => this.#map.keys());

  constructor(readonly name: string, readonly spec: CollectionSpec, private readonly onChange: (key: string) => void = () => {}) {
    for (const f of spec.indexes ?? []) this.#indexes.set(f, new FieldIndex());
  }

  get(key: string): Promise<T | undefined> {
    const v = this.#map.get(key);
    return Promise.resolve(v === undefined ? undefined : plainCopy(v));
  }

  /** A copy as `get` gives (the port's `getShared`): volatile records are held as objects, not parsed from text. */
  getShared(key: string): Promise<Readonly<T> | undefined> {
    return this.get(key);
  }

  put(key: string, value: T): Promise<void> {
    try { this.#set(key, this.#stored(key, value)); } catch (e) { return Promise.reject(e); }
    return Promise.resolve();
  }

  putMany(entries: ReadonlyArray<readonly [string, T]>, deletes: readonly string[] = []): Promise<void> {
    let copies: T[];
    try { copies = entries.map(([key, value]) => this.#stored(key, value)); } catch (e) { return Promise.reject(e); }
    entries.forEach(([key], i) => this.#set(key, copies[i]!));
    if (deletes.length) {
      const put = new Set(entries.map(([k]) => k));
      for (const key of deletes) if (!put.has(key)) this.#remove(key);
    }
    return Promise.resolve();
  }

  insertMany(entries: ReadonlyArray<readonly [string, T]>): Promise<string[]> {
    const conflicts: string[] = [];
    const fresh = new Map<string, T>();
    try {
      for (const [key, value] of entries) {
        if (fresh.has(key) || this.#map.has(key)) conflicts.push(key);
        else fresh.set(key, this.#stored(key, value));
      }
    } catch (e) { return Promise.reject(e); }
    for (const [key, v] of fresh) this.#set(key, v);
    return Promise.resolve(conflicts);
  }

  delete(key: string): Promise<boolean> {
    return Promise.resolve(this.#remove(key));
  }

  take(key: string): Promise<T | undefined> {
    return this.update(key, takeChange<T>);
  }

  takeMany(keys: readonly string[]): Promise<Array<[string, T]>> {
    return takeEach(keys, (k) => this.take(k));
  }

  deleteMany(keys: readonly string[], match?: { field: string; values: readonly string[] }): Promise<string[]> {
    let targets: Map<string, Set<string> | null>;
    try { targets = deletionTargets(keys, match); } catch (e) { return Promise.reject(e); }
    const gone: string[] = [];
    for (const [key, want] of targets) {
      const v = this.#map.get(key);
      if (v !== undefined && deletable(v, match?.field, want) && this.#remove(key)) gone.push(key);
    }
    return Promise.resolve(gone);
  }

  update<R>(key: string, fn: (current: T | undefined) => Change<T, R>): Promise<R> {
    try {
      const v = this.#map.get(key);
      const change = fn(v === undefined ? undefined : plainCopy(v));
      if (change.delete) this.#remove(key);
      else if (change.put !== undefined) this.#set(key, this.#stored(key, change.put));
      return Promise.resolve(change.result);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  find(field: string, value: string): Promise<T[]> {
    const idx = this.#indexes.get(field);
    if (!idx) return Promise.reject(noIndex(this.name, field));
    return Promise.resolve(idx.keys(value).map((k) => plainCopy(this.#map.get(k)!)));
  }

  findKeys(field: string, value: string): Promise<string[]> {
    const idx = this.#indexes.get(field);
    if (!idx) return Promise.reject(noIndex(this.name, field));
    return Promise.resolve(idx.keys(value).sort()); // the index moves with the Map (#set, #remove)
  }

  async findPage(field: string, value: string, opts: { after?: string; limit?: number } = {}): Promise<Array<[string, T]>> {
    const idx = this.#indexes.get(field);
    if (!idx) throw noIndex(this.name, field);
    const out: Array<[string, T]> = [];
    for (const k of await idx.page(value, opts.after, opts.limit ?? 1000)) {
      const v = this.#map.get(k); // gone since the page was read: left out, as a driver reading a database would
      if (v !== undefined) out.push([k, plainCopy(v)]);
    }
    return out;
  }

  async scan(opts: { after?: string; limit?: number; prefix?: string; contains?: string } = {}): Promise<Array<[string, T]>> {
    const out: Array<[string, T]> = [];
    for (const k of await this.#sorted.search({ ...opts, limit: opts.limit ?? 1000 })) {
      const v = this.#map.get(k); // a search pauses between turns: a key it found may have gone since
      if (v !== undefined) out.push([k, plainCopy(v)]);
    }
    return out;
  }

  count(): Promise<number> {
    return Promise.resolve(this.#map.size);
  }

  tally(): Promise<Tally> {
    return Promise.resolve({ n: this.#map.size, estimated: false });
  }

  /** The copy of `value` to hold; a value JSON cannot write (undefined, a function) is refused as the other drivers refuse it. */
  #stored(key: string, value: T): T {
    const v = plainCopy(value);
    if (v === undefined) throw new TypeError(`storage: the record for ${JSON.stringify(key)} is not JSON (${typeof value})`);
    return v;
  }

  #set(key: string, value: T): void {
    const old = this.#map.get(key);
    if (old === undefined) this.#sorted.added(key);
    this.#map.set(key, value);
    // An index whose value the write leaves as it was is not touched (an EAP session's transitions keep its IMSI).
    for (const [f, idx] of this.#indexes) {
      const before = old === undefined ? undefined : (old as Record<string, unknown> | null)?.[f];
      const x = (value as Record<string, unknown> | null)?.[f];
      if (before === x) continue;
      if (typeof before === 'string') idx.remove(before, key);
      if (typeof x === 'string') idx.add(x, key);
    }
    this.onChange(key);
  }

  #remove(key: string): boolean {
    const old = this.#map.get(key);
    if (old === undefined) return false;
    this.#unindex(key, old);
    this.#map.delete(key);
    this.#sorted.removed(key);
    this.onChange(key);
    return true;
  }

  #unindex(key: string, old: T): void {
    for (const [f, idx] of this.#indexes) {
      const x = (old as Record<string, unknown> | null)?.[f];
      if (typeof x === 'string') idx.remove(x, key);
    }
  }
}
