/**
 * A bounded map that keeps the keys set or read most recently: every key among the last `keep` distinct keys set or
 * read (`get`) is kept, and at most twice that many (or, with a weight limit, the keys whose values weigh `maxWeight`
 * at most in each of two generations).
 *
 * Why not a Map that deletes its oldest key (`m.delete(m.keys().next().value)`) on each insert past the bound: V8's
 * ordered hash tables leave a deleted entry as a hole until the table is rebuilt, and a new iterator walks past every
 * hole from the start, so each eviction costs in proportion to the map's size: 0.3 µs at 512 keys, 2.6 µs at 8,192
 * and 40 µs at 100,000 per insert (node 20, measured: docs/performance.md § Thirty-third round). Here keys go into the
 * current generation; once it holds `keep` keys (or `maxWeight`) it becomes the previous one and the previous one is
 * dropped whole. A key read from the previous generation moves to the current one, so a key in use is never dropped.
 * Every operation is O(1). Pure: no I/O.
 */
import { ownString } from './own-string.js';

export class RecentMap<K, V> {
  #current = new Map<K, V>();
  #previous = new Map<K, V>();
  #currentWeight = 0;
  #previousWeight = 0;
  /**
   * A key certainly held by neither generation: the last one a `get` missed or a `delete` removed or missed, until a
   * `set` (which may add it) or a `clear`. Its `set` adds it, and its `delete` answers, without looking for it in both
   * generations first. A cache's miss is a `get` then a `set` of the same key, and on a fleet's polls nearly every
   * lookup is one (docs/performance.md § Thirty-fourth round).
   */
  #missed: K | undefined = undefined;

  constructor(
    /** Keys kept at least (the most recent), and the most a generation holds. */
    readonly keep: number,
    /** With `weigh`: the most a generation's values weigh, in all (one value more may tip it over). */
    private readonly maxWeight = Infinity,
    private readonly weigh: (value: V) => number = () => 0,
  ) {
    if (!(keep >= 1)) throw new RangeError(`RecentMap: keep must be at least 1 (got ${keep})`);
  }

  /** The value of `key`, which now counts as read (kept as long as a key just set). */
  get(key: K): V | undefined {
    const v = this.#current.get(key);
    if (v !== undefined) return v;
    const old = this.#previous.get(key);
    if (old === undefined) {
      this.#missed = key;
      return undefined;
    }
    this.#previous.delete(key);
    this.#previousWeight -= this.weigh(old);
    this.#add(key, old);
    return old;
  }

  /** The value of `key` without counting it as read. */
  peek(key: K): V | undefined {
    return this.#current.get(key) ?? this.#previous.get(key);
  }

  has(key: K): boolean {
    return this.#current.has(key) || this.#previous.has(key);
  }

  set(key: K, value: V): this {
    if (key !== this.#missed || key === undefined) this.delete(key);
    this.#missed = undefined; // the key is held from here on
    this.#add(key, value);
    return this;
  }

  delete(key: K): boolean {
    if (key === this.#missed && key !== undefined) return false;
    const v = this.#current.get(key);
    this.#missed = key;
    if (v !== undefined) {
      this.#current.delete(key);
      this.#currentWeight -= this.weigh(v);
      return true;
    }
    const old = this.#previous.get(key);
    if (old === undefined) return false;
    this.#previous.delete(key);
    this.#previousWeight -= this.weigh(old);
    return true;
  }

  clear(): void {
    this.#missed = undefined;
    this.#current = new Map();
    this.#previous = new Map();
    this.#currentWeight = 0;
    this.#previousWeight = 0;
  }

  get size(): number {
    return this.#current.size + this.#previous.size;
  }

  /** What the values held weigh, in all. */
  get weight(): number {
    return this.#currentWeight + this.#previousWeight;
  }

  /**
   * A string key is kept as a copy of its own (src/util/own-string.ts): a caller's key is often cut from a request (a
   * token or an IMSI from a query's URL, or a key joined from such pieces), and a Map keeps the key object it is given,
   * which held that whole request alive for as long as the entry lived (docs/performance.md § Thirty-eighth round).
   * One short copy per set and per key moved up a generation, never per hit in the current one.
   */
  #add(key: K, value: V): void {
    this.#current.set(typeof key === 'string' ? (ownString(key) as K) : key, value);
    this.#currentWeight += this.weigh(value);
    if (this.#current.size >= this.keep || this.#currentWeight > this.maxWeight) {
      this.#previous = this.#current;
      this.#previousWeight = this.#currentWeight;
      this.#current = new Map();
      this.#currentWeight = 0;
    }
  }
}
