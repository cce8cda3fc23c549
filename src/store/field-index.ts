/**
 * The lookup index of one field of a collection: value → the one key holding it, or the set of keys when several do
 * (most indexed values are unique, so most values cost no Set). Used by the in-memory collections
 * (map-collection.ts, volatile-collection.ts) for `find(field, value)` and `findPage`.
 *
 * A value many keys share (a token expiry minute holds every token issued in that minute) is paged in key order
 * through a SortedKeys of its own, built in slices at its first page and kept up to date after (sorted-keys.ts).
 */
import { ShardedMap } from './sharded-map.js';
import { SortedKeys } from './sorted-keys.js';
import { ownString } from '../util/own-string.js';

/**
 * Past this many keys a value's keys move from one Set to a ShardedMap: a Set grows by rehashing every key in one
 * step on the event loop (4 ms at 131,072 keys, 7–10 ms at 262,144, 15–18 ms at 524,288, docs/performance.md
 * § Twenty-sixth round), and a storm's expiry minute holds 166,000 tokens. Below it, a Set costs less memory.
 */
const SHARD_FROM = 1024;

/**
 * A value's keys when there are several; `order` once a page of them was asked for. `value` is the one copy of the
 * value's text the index hands out for every key holding it (`add`, `adopt`): a million tokens of one expiry minute
 * then keep one string, not a million equal ones.
 */
class SharedValue {
  constructor(readonly value: string) {}
  #set: Set<string> | null = new Set<string>();
  #sharded: ShardedMap<true> | null = null;
  order: SortedKeys | null = null;

  get size(): number {
    return this.#set?.size ?? this.#sharded!.size;
  }

  has(key: string): boolean {
    return this.#set?.has(key) ?? this.#sharded!.has(key);
  }

  add(key: string): void {
    const set = this.#set;
    if (set === null) { this.#sharded!.set(key, true); return; }
    set.add(key);
    if (set.size < SHARD_FROM) return;
    const sharded = new ShardedMap<true>();
    for (const k of set) sharded.set(k, true);
    this.#sharded = sharded;
    this.#set = null;
  }

  delete(key: string): boolean {
    return this.#set?.delete(key) ?? this.#sharded!.delete(key);
  }

  keys(): IterableIterator<string> {
    return this.#set?.values() ?? this.#sharded!.keys();
  }
}

/** The error of a find on a field the collection's spec declares no index for (every driver's). */
export const noIndex = (collection: string, field: string): Error =>
  new Error(`storage: ${collection}.${field} has no index (declare it in the collection spec)`);

/** Up to this many keys of one value are paged by sorting them per page; more get a kept order. */
const SORT_PER_PAGE = 64;

export class FieldIndex {
  readonly #byValue = new ShardedMap<string | SharedValue>();

  /**
   * `key` holds `value`. Returns the copy of the value's text to keep for it: the index's own where several keys hold
   * the value, else `value` itself (a caller that keeps the index values beside it keeps no second copy). `own`: the
   * value may be a slice of a longer string (a request's): the index keeps a copy of its own (src/util/own-string.ts).
   */
  add(value: string, key: string, own = false): string {
    const have = this.#byValue.get(value);
    if (have === undefined) this.#byValue.set(own ? ownString(value) : value, key);
    else if (typeof have === 'string') {
      if (have === key) return value;
      const shared = new SharedValue(own ? ownString(value) : value);
      shared.add(have);
      shared.add(key);
      this.#byValue.set(value, shared);
    } else {
      if (!have.has(key)) {
        have.add(key);
        have.order?.added(key);
      }
      return have.value;
    }
    return value;
  }

  /**
   * After a compaction wrote `key`'s record to a snapshot that keeps its index values (snapshot-file.ts), and parsed
   * `value` again to do so: the index takes that copy where the value is `key`'s alone (the entry is set again under
   * it, and the copy the index held goes), and returns it; where several keys hold the value it returns the index's
   * own copy for the snapshot to keep instead. Either way one string is kept per value, not one per holder
   * (docs/storage.md § Records on demand). The keys the index answers are unchanged.
   */
  adopt(value: string, key: string): string {
    const have = this.#byValue.get(value);
    if (have === undefined) return value;
    if (typeof have !== 'string') return have.value;
    if (have === key) {
      this.#byValue.delete(value);
      this.#byValue.set(value, key);
    }
    return value;
  }

  remove(value: string, key: string): void {
    const have = this.#byValue.get(value);
    if (have === undefined) return;
    if (typeof have === 'string') { if (have === key) this.#byValue.delete(value); return; }
    if (!have.delete(key)) return;
    have.order?.removed(key);
    if (have.size === 1) this.#byValue.set(value, have.keys().next().value as string);
    else if (!have.size) this.#byValue.delete(value);
  }

  /** The keys holding `value` (a new array). */
  keys(value: string): string[] {
    const hit = this.#byValue.get(value);
    return hit === undefined ? [] : typeof hit === 'string' ? [hit] : [...hit.keys()];
  }

  /** Up to `limit` keys holding `value`, in key order, after `after`. */
  async page(value: string, after: string | undefined, limit: number): Promise<string[]> {
    for (;;) {
      const hit = this.#byValue.get(value);
      if (hit === undefined || limit <= 0) return [];
      if (typeof hit === 'string') return after === undefined || hit > after ? [hit] : [];
      if (hit.order === null && hit.size <= SORT_PER_PAGE) {
        const sorted = [...hit.keys()].sort();
        const from = after === undefined ? 0 : sorted.findIndex((k) => k > after);
        return from < 0 ? [] : sorted.slice(from, from + limit);
      }
      const order = (hit.order ??= new SortedKeys(() => hit.keys()));
      await order.ready();
      // While the order was built the value may have gone, or come back as another set: ask again.
      if (this.#byValue.get(value) === hit) return order.page({ after, limit });
    }
  }

  clear(): void {
    this.#byValue.clear();
  }
}
