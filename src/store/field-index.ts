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

/** A value's keys when there are several; `order` once a page of them was asked for. */
class SharedValue {
  readonly keys = new Set<string>();
  order: SortedKeys | null = null;
}

/** The error of a find on a field the collection's spec declares no index for (every driver's). */
export const noIndex = (collection: string, field: string): Error =>
  new Error(`storage: ${collection}.${field} has no index (declare it in the collection spec)`);

/** Up to this many keys of one value are paged by sorting them per page; more get a kept order. */
const SORT_PER_PAGE = 64;

export class FieldIndex {
  readonly #byValue = new ShardedMap<string | SharedValue>();

  add(value: string, key: string): void {
    const have = this.#byValue.get(value);
    if (have === undefined) this.#byValue.set(value, key);
    else if (typeof have === 'string') {
      if (have === key) return;
      const shared = new SharedValue();
      shared.keys.add(have).add(key);
      this.#byValue.set(value, shared);
    } else if (!have.keys.has(key)) {
      have.keys.add(key);
      have.order?.added(key);
    }
  }

  remove(value: string, key: string): void {
    const have = this.#byValue.get(value);
    if (have === undefined) return;
    if (typeof have === 'string') { if (have === key) this.#byValue.delete(value); return; }
    if (!have.keys.delete(key)) return;
    have.order?.removed(key);
    if (have.keys.size === 1) this.#byValue.set(value, have.keys.values().next().value as string);
    else if (!have.keys.size) this.#byValue.delete(value);
  }

  /** The keys holding `value` (a new array). */
  keys(value: string): string[] {
    const hit = this.#byValue.get(value);
    return hit === undefined ? [] : typeof hit === 'string' ? [hit] : [...hit.keys];
  }

  /** Up to `limit` keys holding `value`, in key order, after `after`. */
  async page(value: string, after: string | undefined, limit: number): Promise<string[]> {
    for (;;) {
      const hit = this.#byValue.get(value);
      if (hit === undefined || limit <= 0) return [];
      if (typeof hit === 'string') return after === undefined || hit > after ? [hit] : [];
      if (hit.order === null && hit.keys.size <= SORT_PER_PAGE) {
        const sorted = [...hit.keys].sort();
        const from = after === undefined ? 0 : sorted.findIndex((k) => k > after);
        return from < 0 ? [] : sorted.slice(from, from + limit);
      }
      const order = (hit.order ??= new SortedKeys(() => hit.keys));
      await order.ready();
      // While the order was built the value may have gone, or come back as another set: ask again.
      if (this.#byValue.get(value) === hit) return order.page({ after, limit });
    }
  }

  clear(): void {
    this.#byValue.clear();
  }
}
