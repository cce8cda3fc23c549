/**
 * A collection held in a Map, with the indexes its spec declares and a lazily
 * sorted key list for `scan`. The memory driver uses it as is; the embedded
 * driver uses it as its read side and journals each change before applying it
 * (`beforeCommit`), so a write resolves only once the journal holds it.
 *
 * Costs: get/put/delete/find O(1) (plus the index entries), update O(1) and
 * atomic because the function runs between two awaits on one event loop (and
 * after the writes chained before it on the key; insertMany chains on each of
 * its keys the same way);
 * scan sorts the keys once after a change (admin paths only).
 */
import type { Change, Collection, CollectionSpec } from '../ports.js';

export type JournalOp<T> = { key: string; value: T } | { key: string; deleted: true };

export interface MapCollectionHooks<T> {
  /** Make the changes durable; the Map is updated only after it resolves (absent: memory only). */
  commit?(ops: ReadonlyArray<JournalOp<T>>): Promise<void>;
}

const clone = <T>(v: T): T => structuredClone(v);

export class MapCollection<T> implements Collection<T> {
  readonly #map = new Map<string, T>();
  /** field → value → the one key holding it, or a Set when several do (most indexed values are unique: no Set each). */
  readonly #indexes = new Map<string, Map<string, string | Set<string>>>();
  #sorted: string[] | null = null;
  /** Per-key chain: an update waits for the writes before it on the same key. */
  readonly #chains = new Map<string, Promise<unknown>>();

  constructor(readonly name: string, readonly spec: CollectionSpec, private readonly hooks: MapCollectionHooks<T> = {}) {
    for (const f of spec.indexes ?? []) this.#indexes.set(f, new Map());
  }

  /** Load without journalling (the embedded driver's replay). */
  load(key: string, value: T | undefined): void {
    if (value === undefined) this.#remove(key);
    else this.#set(key, value);
  }

  /** Everything held, for compaction (not a request path). */
  entries(): IterableIterator<[string, T]> {
    return this.#map.entries();
  }

  get size(): number {
    return this.#map.size;
  }

  async get(key: string): Promise<T | undefined> {
    const v = this.#map.get(key);
    return v === undefined ? undefined : clone(v);
  }

  put(key: string, value: T): Promise<void> {
    return this.#serial(key, () => this.#apply([{ key, value: clone(value) }]));
  }

  async putMany(entries: ReadonlyArray<readonly [string, T]>): Promise<void> {
    if (!entries.length) return;
    const ops = entries.map(([key, value]) => ({ key, value: clone(value) }));
    await this.#apply(ops);
  }

  /**
   * Runs after every write already chained on any of its keys, and chains the writes that come later on
   * them behind it, so the existence check and the commit are one step for each key.
   */
  insertMany(entries: ReadonlyArray<readonly [string, T]>): Promise<string[]> {
    const keys = [...new Set(entries.map(([k]) => k))];
    return this.#serialMany(keys, async () => {
      const conflicts: string[] = [];
      const seen = new Set<string>();
      const ops: JournalOp<T>[] = [];
      for (const [key, value] of entries) {
        if (seen.has(key) || this.#map.has(key)) { conflicts.push(key); continue; }
        seen.add(key);
        ops.push({ key, value: clone(value) });
      }
      if (ops.length) await this.#apply(ops);
      return conflicts;
    });
  }

  delete(key: string): Promise<boolean> {
    return this.#serial(key, async () => {
      if (!this.#map.has(key)) return false;
      await this.#apply([{ key, deleted: true }]);
      return true;
    });
  }

  update<R>(key: string, fn: (current: T | undefined) => Change<T, R>): Promise<R> {
    return this.#serial(key, async () => {
      const cur = this.#map.get(key);
      const change = fn(cur === undefined ? undefined : clone(cur));
      if (change.delete) { if (cur !== undefined) await this.#apply([{ key, deleted: true }]); }
      else if (change.put !== undefined) await this.#apply([{ key, value: clone(change.put) }]);
      return change.result;
    });
  }

  async find(field: string, value: string): Promise<T[]> {
    const idx = this.#indexes.get(field);
    if (!idx) throw new Error(`storage: ${this.name}.${field} has no index (declare it in the collection spec)`);
    const hit = idx.get(value);
    if (hit === undefined) return [];
    return (typeof hit === 'string' ? [hit] : [...hit]).map((k) => clone(this.#map.get(k)!));
  }

  async scan(opts: { after?: string; limit?: number; prefix?: string } = {}): Promise<Array<[string, T]>> {
    const keys = (this.#sorted ??= [...this.#map.keys()].sort());
    const limit = opts.limit ?? 1000;
    const from = opts.after !== undefined ? upperBound(keys, opts.after) : opts.prefix ? lowerBound(keys, opts.prefix) : 0;
    const out: Array<[string, T]> = [];
    for (let i = from; i < keys.length && out.length < limit; i++) {
      const k = keys[i]!;
      if (opts.prefix !== undefined && !k.startsWith(opts.prefix)) break;
      out.push([k, clone(this.#map.get(k)!)]);
    }
    return out;
  }

  async count(): Promise<number> {
    return this.#map.size;
  }

  async #apply(ops: ReadonlyArray<JournalOp<T>>): Promise<void> {
    if (this.hooks.commit) await this.hooks.commit(ops);
    for (const op of ops) {
      if ('deleted' in op) this.#remove(op.key);
      else this.#set(op.key, op.value);
    }
  }

  #serial<R>(key: string, fn: () => Promise<R>): Promise<R> {
    return this.#serialMany([key], fn);
  }

  #serialMany<R>(keys: readonly string[], fn: () => Promise<R>): Promise<R> {
    const prev: Promise<unknown>[] = [];
    for (const k of keys) { const p = this.#chains.get(k); if (p) prev.push(p); }
    const run = !prev.length ? fn() : prev.length === 1 ? prev[0]!.then(fn, fn) : Promise.all(prev).then(fn, fn);
    const tail = run.catch(() => undefined);
    for (const k of keys) this.#chains.set(k, tail);
    void tail.then(() => { for (const k of keys) if (this.#chains.get(k) === tail) this.#chains.delete(k); });
    return run;
  }

  #set(key: string, value: T): void {
    const old = this.#map.get(key);
    if (old !== undefined) this.#unindex(key, old);
    else this.#sorted = null;
    this.#map.set(key, value);
    for (const [field, idx] of this.#indexes) {
      const v = (value as Record<string, unknown>)[field];
      if (typeof v !== 'string') continue;
      const have = idx.get(v);
      if (have === undefined) idx.set(v, key);
      else if (typeof have === 'string') { if (have !== key) idx.set(v, new Set([have, key])); }
      else have.add(key);
    }
  }

  #remove(key: string): void {
    const old = this.#map.get(key);
    if (old === undefined) return;
    this.#unindex(key, old);
    this.#map.delete(key);
    this.#sorted = null;
  }

  #unindex(key: string, value: T): void {
    for (const [field, idx] of this.#indexes) {
      const v = (value as Record<string, unknown>)[field];
      if (typeof v !== 'string') continue;
      const have = idx.get(v);
      if (have === undefined) continue;
      if (typeof have === 'string') { if (have === key) idx.delete(v); continue; }
      have.delete(key);
      if (have.size === 1) idx.set(v, have.values().next().value as string);
      else if (!have.size) idx.delete(v);
    }
  }
}

function lowerBound(a: readonly string[], x: string): number {
  let lo = 0, hi = a.length;
  while (lo < hi) { const m = (lo + hi) >>> 1; if (a[m]! < x) lo = m + 1; else hi = m; }
  return lo;
}
function upperBound(a: readonly string[], x: string): number {
  let lo = 0, hi = a.length;
  while (lo < hi) { const m = (lo + hi) >>> 1; if (a[m]! <= x) lo = m + 1; else hi = m; }
  return lo;
}
