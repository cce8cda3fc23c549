/**
 * The parsed records a collection's `getShared` handed out (src/store/map-collection.ts; docs/storage.md § Shared
 * reads), by key, each with the entry it was parsed from: the record's JSON text, or a slot number with the snapshot
 * file it is a slot of. A record is found again only while its key's entry is that same entry, so a write of the key
 * is never hidden; and it is deep-frozen, so no reader can change what the next one gets.
 *
 * A record is kept from the second time its key is read, not the first. A record kept costs more than a record parsed
 * and dropped (it outlives the young generation and is copied into the old one: ≈ 2.5 µs a record, measured), so a
 * key read once — most of a fleet's, on most days — costs little more than `get` does (a freeze and a note that it was
 * seen); a key read again soon (the bursts of a phone's XCAP client) is parsed twice, then found. The keys read once
 * are remembered, the last `SEEN_KEYS` / 2 of them at least and `SEEN_KEYS` at most.
 *
 * Bounded by the JSON text the kept records were parsed from (`budget` characters in all, about as much again for
 * the parsed objects): the records read least recently go first, and a record of more than a sixty-fourth of the
 * budget is parsed and handed out but not kept. Pure: no I/O.
 */
import { RecentMap } from '../util/recent-map.js';

export const SHARED_RECORDS_BUDGET = 2 * 1024 * 1024;
/** Keys read once and not (yet) kept, remembered (at most; at least half) so that their second read keeps the record. */
export const SEEN_KEYS = 8192;

interface Kept { entry: string | number; source: object | null; value: unknown; chars: number }

/**
 * Both bounds are kept by generations (src/util/recent-map.ts), not by evicting the oldest entry one at a time, which
 * walks past every entry deleted before it (≈ 3 µs a read at 8,192 keys, measured): a record read from the older
 * generation moves to the newer one, so a record read often stays.
 */
export class SharedRecords {
  readonly #kept: RecentMap<string, Kept>;
  readonly #seen = new RecentMap<string, true>(SEEN_KEYS / 2);

  constructor(readonly budget = SHARED_RECORDS_BUDGET) {
    this.#kept = new RecentMap<string, Kept>(Infinity, budget / 2, (k) => k.chars);
  }

  /** The record kept for `key` if it was parsed from this entry (and source), else undefined. */
  find(key: string, entry: string | number, source: object | null): unknown {
    const kept = this.#kept.get(key);
    // Two texts compare by content: an equal text (the same record written again) is the same record.
    return kept !== undefined && kept.entry === entry && kept.source === source ? kept.value : undefined;
  }

  /**
   * Parses `text` (the record of `entry`) and freezes it; keeps it for `key`, within the budget, if the key was read
   * before (its record is kept, or it was seen), else notes the key as seen. Returns the record.
   */
  parse(key: string, entry: string | number, source: object | null, text: string): unknown {
    return this.adopt(key, entry, source, JSON.parse(text) as unknown, text.length);
  }

  /** As `parse`, for a record already parsed (`value`, the caller's own, from JSON text of `chars` characters). */
  adopt(key: string, entry: string | number, source: object | null, value: unknown, chars: number): unknown {
    deepFreeze(value);
    const again = this.#kept.delete(key) || this.#seen.delete(key);
    if (!again) this.#seen.set(key, true);
    else if (chars <= this.budget / 64) this.#kept.set(key, { entry, source, value, chars });
    return value;
  }

  /** Drops what is kept for `key` (its record was deleted); a key seen stays seen. */
  forget(key: string): void {
    this.#kept.delete(key);
  }

  /** Records kept, keys seen once, and the characters of JSON text the kept records were parsed from (tests). */
  get size(): number {
    return this.#kept.size;
  }

  get seen(): number {
    return this.#seen.size;
  }

  get chars(): number {
    return this.#kept.weight;
  }
}

/** Freezes a parsed JSON value and everything in it. */
export function deepFreeze<V>(value: V): V {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    // Only objects are walked into, by index or for…in: no array of values per object (a parsed record has no
    // inherited enumerable keys).
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) if (typeof value[i] === 'object') deepFreeze(value[i]);
    } else {
      for (const k in value) if (typeof value[k] === 'object') deepFreeze(value[k]);
    }
  }
  return value;
}
