/**
 * A Map of string keys split over 256 Maps by a hash of the key, for the in-memory collections that hold a fleet's
 * records (map-collection.ts, volatile-collection.ts, field-index.ts).
 *
 * V8 grows a Map by rehashing every entry into a table twice the size, in one go on the event loop: measured here
 * (node 20), the `set` that crossed 1,048,576 entries took 170 ms, 2,097,152 took 357 ms and 4,194,304 took 748 ms
 * (docs/performance.md § Twenty-fourth round), and a Map holds at most 2^24 entries. Split 256 ways, a growth
 * rehashes 1/256 of the entries (≈ 3 ms at 4,000,000) and the bound is 256 times higher. The hash (`shardOf`)
 * decides only which Map a key is in, so it needs no seed: keys chosen to crowd one Map make it grow as one unsplit
 * Map would, no worse.
 *
 * The order of iteration is by shard, then by insertion within each: callers that need an order sort (SortedKeys).
 * Pure data structure: no I/O.
 */
const SHARD_BITS = 8;
const SHARDS = 1 << SHARD_BITS;

/**
 * FNV-1a over the key's UTF-16 units taken two at a time (half the multiplications of one at a time; a lookup hashes
 * its key on every call, V8 keeping its own hash out of reach). Every unit counts: sampling some of them crowded the
 * NAIs of sequential IMSIs into 20 of the 256 Maps (sharded-map.test.ts).
 */
function shardOf(key: string): number {
  let h = 0x811c9dc5;
  const n = key.length;
  let i = 0;
  for (; i + 1 < n; i += 2) h = Math.imul(h ^ (key.charCodeAt(i) | (key.charCodeAt(i + 1) << 16)), 0x01000193);
  if (i < n) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> SHARD_BITS) ^ (h >>> 16) ^ (h >>> 24)) & (SHARDS - 1);
}

export class ShardedMap<V> implements Iterable<[string, V]> {
  /** Made on first use: a small collection costs a few Maps, not 256. */
  readonly #shards: Array<Map<string, V> | undefined> = new Array<Map<string, V> | undefined>(SHARDS).fill(undefined);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(key: string): V | undefined {
    return this.#shards[shardOf(key)]?.get(key);
  }

  has(key: string): boolean {
    return this.#shards[shardOf(key)]?.has(key) ?? false;
  }

  set(key: string, value: V): this {
    const i = shardOf(key);
    const m = (this.#shards[i] ??= new Map<string, V>());
    const before = m.size;
    m.set(key, value);
    this.#size += m.size - before;
    return this;
  }

  delete(key: string): boolean {
    const m = this.#shards[shardOf(key)];
    if (m === undefined || !m.delete(key)) return false;
    this.#size--;
    return true;
  }

  clear(): void {
    this.#shards.fill(undefined);
    this.#size = 0;
  }

  /** How many shards there are (`shard(i)` for i below it). */
  get shardCount(): number {
    return SHARDS;
  }

  /** The shard `key` is in, or would be (a caller walking the map a shard per step). */
  shardIndex(key: string): number {
    return shardOf(key);
  }

  /** Shard `i` (undefined while no key ever went to it): a caller that walks the map a shard per step, in slices. */
  shard(i: number): ReadonlyMap<string, V> | undefined {
    return this.#shards[i];
  }

  *keys(): IterableIterator<string> {
    for (const m of this.#shards) if (m !== undefined) yield* m.keys();
  }

  *entries(): IterableIterator<[string, V]> {
    for (const m of this.#shards) if (m !== undefined) yield* m.entries();
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }
}
