/**
 * The lookup index of one field of a collection: value → the one key holding it, or a Set when several do
 * (most indexed values are unique, so most values cost no Set). Used by the in-memory collections
 * (map-collection.ts, volatile-collection.ts) for `find(field, value)`.
 */
import { ShardedMap } from './sharded-map.js';

export class FieldIndex {
  readonly #byValue = new ShardedMap<string | Set<string>>();

  add(value: string, key: string): void {
    const have = this.#byValue.get(value);
    if (have === undefined) this.#byValue.set(value, key);
    else if (typeof have === 'string') { if (have !== key) this.#byValue.set(value, new Set([have, key])); }
    else have.add(key);
  }

  remove(value: string, key: string): void {
    const have = this.#byValue.get(value);
    if (have === undefined) return;
    if (typeof have === 'string') { if (have === key) this.#byValue.delete(value); return; }
    have.delete(key);
    if (have.size === 1) this.#byValue.set(value, have.values().next().value as string);
    else if (!have.size) this.#byValue.delete(value);
  }

  /** The keys holding `value` (a new array). */
  keys(value: string): string[] {
    const hit = this.#byValue.get(value);
    return hit === undefined ? [] : typeof hit === 'string' ? [hit] : [...hit];
  }

  clear(): void {
    this.#byValue.clear();
  }
}
