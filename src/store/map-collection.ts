/**
 * A collection held in a Map, with the indexes its spec declares and a lazily sorted key list for `scan`.
 * The memory driver uses it as is; the embedded driver uses it as its read side and journals each change
 * before applying it (`commit`), so a write resolves only once the journal holds it.
 *
 * Each key maps to an *entry*: the record's JSON text (held in memory), or a slot number in a
 * `RecordSource` (the embedded driver's snapshot file: the record is read from disk on demand,
 * docs/storage.md § Records on demand). Either way a read hands out a record parsed fresh from its JSON,
 * so a caller that mutates what it got cannot change the store, and no read pays a `structuredClone`;
 * the memory driver has the same JSON semantics as the file and PostgreSQL drivers.
 *
 * Costs: get/put/delete/find O(1) (plus the index entries and, for a slot, one positional read), update
 * O(1) and atomic because the function runs between two awaits on one event loop (and after the writes
 * chained before it on the key; insertMany chains on each of its keys the same way); scan sorts the keys
 * once after a change (admin paths only).
 */
import type { Change, Collection, CollectionSpec } from '../ports.js';

/** One change as the journal writes it: the record's JSON text, or a delete. */
export type JournalOp = { key: string; text: string } | { key: string; deleted: true };

export interface MapCollectionHooks {
  /** Make the changes durable; the Map is updated only after it resolves (absent: memory only). */
  commit?(ops: ReadonlyArray<JournalOp>): Promise<void>;
}

/** Where records that are not held in memory are read from (the embedded driver's snapshot file). */
export interface RecordSource {
  /** The JSON text of the record in `slot` (checked by the source), stored under `key`. */
  read(slot: number, key: string): Promise<string>;
  /** The value of the indexed `field` of the record in `slot` (kept in memory by the source). */
  indexValue(slot: number, field: string): string | undefined;
}

/** JSON text in memory, or a slot of the collection's RecordSource. */
export type Entry = string | number;

const toText = (key: string, value: unknown): string => {
  const t = JSON.stringify(value);
  if (t === undefined) throw new TypeError(`storage: the record for ${JSON.stringify(key)} is not JSON (${typeof value})`);
  return t;
};

export class MapCollection<T> implements Collection<T> {
  readonly #map = new Map<string, Entry>();
  /** field → value → the one key holding it, or a Set when several do (most indexed values are unique: no Set each). */
  readonly #indexes = new Map<string, Map<string, string | Set<string>>>();
  #sorted: string[] | null = null;
  /** Per-key chain: an update waits for the writes before it on the same key. */
  readonly #chains = new Map<string, Promise<unknown>>();
  /** Where slot entries are read from (null: every record is held in memory). */
  protected source: RecordSource | null = null;

  constructor(readonly name: string, readonly spec: CollectionSpec, private readonly hooks: MapCollectionHooks = {}) {
    for (const f of spec.indexes ?? []) this.#indexes.set(f, new Map());
  }

  /** Load without journalling (the embedded driver's replay): the record's value and its JSON text, or a delete. */
  load(key: string, value: unknown, text?: string): void {
    if (value === undefined) this.#remove(key);
    else this.#set(key, text ?? toText(key, value), value as T);
  }

  /** Load a record that stays in the source (the embedded driver's snapshot), without reading it. */
  loadSlot(key: string, slot: number): void {
    this.#set(key, slot, undefined);
  }

  /**
   * At load, into an empty collection: every record of `source` as a slot (`keys[i]` in slot i), the index
   * of field f from `values[f][i]` — one pass over plain arrays, no record read.
   */
  loadSource(source: RecordSource, keys: readonly string[], fields: readonly string[], values: ReadonlyArray<ReadonlyArray<string | undefined>>): void {
    this.source = source;
    if (this.#map.size) { for (let i = 0; i < keys.length; i++) this.loadSlot(keys[i]!, i); return; }
    this.#sorted = null;
    const map = this.#map;
    for (let i = 0; i < keys.length; i++) map.set(keys[i]!, i);
    fields.forEach((f, fi) => {
      const idx = this.#indexes.get(f);
      const col = values[fi]!;
      if (!idx) return;
      for (let i = 0; i < keys.length; i++) {
        const v = col[i];
        if (typeof v !== 'string') continue;
        const key = keys[i]!;
        const have = idx.get(v);
        if (have === undefined) idx.set(v, key);
        else if (typeof have === 'string') { if (have !== key) idx.set(v, new Set([have, key])); }
        else have.add(key);
      }
    });
  }

  /** The entry of `key` (compaction). */
  entryOf(key: string): Entry | undefined {
    return this.#map.get(key);
  }

  /** Every record held as JSON text, at this instant (compaction). */
  textEntries(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const [k, e] of this.#map) if (typeof e === 'string') out.push([k, e]);
    return out;
  }

  /**
   * Point `keys[i]` at slot `i` of `source` wherever its entry is still `was[i]` (the record compaction
   * wrote into the new snapshot has not changed since); every other entry is left alone. Index entries are
   * unchanged: the record is the same.
   */
  retarget(source: RecordSource, keys: readonly string[], was: readonly Entry[]): void {
    for (let i = 0; i < keys.length; i++) if (this.#map.get(keys[i]!) === was[i]) this.#map.set(keys[i]!, i);
    this.source = source;
  }

  get size(): number {
    return this.#map.size;
  }

  #text(key: string): string | Promise<string> | undefined {
    const e = this.#map.get(key);
    return typeof e === 'number' ? this.source!.read(e, key) : e;
  }

  async get(key: string): Promise<T | undefined> {
    const t = this.#text(key);
    if (t === undefined) return undefined;
    return JSON.parse(typeof t === 'string' ? t : await t) as T;
  }

  put(key: string, value: T): Promise<void> {
    let op: JournalOp;
    try { op = { key, text: toText(key, value) }; } catch (e) { return Promise.reject(e); }
    return this.#serial(key, () => this.#apply([op]));
  }

  async putMany(entries: ReadonlyArray<readonly [string, T]>): Promise<void> {
    if (!entries.length) return;
    await this.#apply(entries.map(([key, value]) => ({ key, text: toText(key, value) })));
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
      const ops: JournalOp[] = [];
      for (const [key, value] of entries) {
        if (seen.has(key) || this.#map.has(key)) { conflicts.push(key); continue; }
        seen.add(key);
        ops.push({ key, text: toText(key, value) });
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
      const t = this.#text(key);
      const cur = t === undefined ? undefined : JSON.parse(typeof t === 'string' ? t : await t) as T;
      const change = fn(cur);
      if (change.delete) { if (cur !== undefined) await this.#apply([{ key, deleted: true }]); }
      else if (change.put !== undefined) await this.#apply([{ key, text: toText(key, change.put) }]);
      return change.result;
    });
  }

  async find(field: string, value: string): Promise<T[]> {
    const idx = this.#indexes.get(field);
    if (!idx) throw new Error(`storage: ${this.name}.${field} has no index (declare it in the collection spec)`);
    const hit = idx.get(value);
    if (hit === undefined) return [];
    return this.#values(typeof hit === 'string' ? [hit] : [...hit]);
  }

  async #values(keys: readonly string[]): Promise<T[]> {
    const texts = await Promise.all(keys.map((k) => this.#text(k)));
    return texts.filter((t): t is string => t !== undefined).map((t) => JSON.parse(t) as T);
  }

  async scan(opts: { after?: string; limit?: number; prefix?: string } = {}): Promise<Array<[string, T]>> {
    const keys = (this.#sorted ??= [...this.#map.keys()].sort());
    const limit = opts.limit ?? 1000;
    const from = opts.after !== undefined ? upperBound(keys, opts.after) : opts.prefix ? lowerBound(keys, opts.prefix) : 0;
    const page: string[] = [];
    for (let i = from; i < keys.length && page.length < limit; i++) {
      const k = keys[i]!;
      if (opts.prefix !== undefined && !k.startsWith(opts.prefix)) break;
      page.push(k);
    }
    const texts = await Promise.all(page.map((k) => this.#text(k)));
    const out: Array<[string, T]> = [];
    texts.forEach((t, i) => { if (t !== undefined) out.push([page[i]!, JSON.parse(t) as T]); });
    return out;
  }

  async count(): Promise<number> {
    return this.#map.size;
  }

  async #apply(ops: ReadonlyArray<JournalOp>): Promise<void> {
    if (this.hooks.commit) await this.hooks.commit(ops);
    // Indexes are taken from the text written, not from the caller's object (which it may change meanwhile).
    for (const op of ops) {
      if ('deleted' in op) this.#remove(op.key);
      else this.#set(op.key, op.text, undefined);
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

  /** The indexed fields of an entry (`value` when the caller has it parsed already). */
  #fields(entry: Entry, value: T | undefined): (field: string) => unknown {
    if (typeof entry === 'number') return (f) => this.source!.indexValue(entry, f);
    const v = (value ?? JSON.parse(entry)) as Record<string, unknown> | null;
    return (f) => (v !== null && typeof v === 'object' ? v[f] : undefined);
  }

  #set(key: string, entry: Entry, value: T | undefined): void {
    const old = this.#map.get(key);
    if (old !== undefined) this.#unindex(key, old);
    else this.#sorted = null;
    this.#map.set(key, entry);
    if (!this.#indexes.size) return;
    const field = this.#fields(entry, value);
    for (const [f, idx] of this.#indexes) {
      const v = field(f);
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

  #unindex(key: string, old: Entry): void {
    if (!this.#indexes.size) return;
    const field = this.#fields(old, undefined);
    for (const [f, idx] of this.#indexes) {
      const v = field(f);
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
