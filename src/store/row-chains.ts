/**
 * Per-key lists of rows in the order they were added, kept in typed arrays: the activity log's rows of each IMSI
 * (daemon/store/activity-log.ts), sized for millions of subscribers.
 *
 * Each key (a small whole number: the log's interned string id) has a head row, a tail row and a count; each row
 * has the next row of its key. A list is a chain through the `next` column, so adding a row, and taking the oldest
 * off (the per-subscriber cap), cost O(1) and allocate nothing. A JavaScript array and an object per subscriber, as
 * before, held ≈ 240 bytes of heap each (a pushed array's backing store has room for 17 numbers) that every full
 * collection marked: at 500,000 IMSIs ≈ 120 MB, and the largest part of the index's GC pause
 * (docs/performance.md § Twenty-second round). Here they are 12 bytes a key and 4 a row, off the heap.
 *
 * Rows are added in increasing order (`push` does not check it); a row is in at most one list. Pure data
 * structure: no I/O.
 */
import { grown } from './typed-grow.js';

const NONE = -1;

export class RowChains {
  /** Next row of the same key, NONE at the end; one slot per row. */
  #next = new Int32Array(1024);
  #head = new Int32Array(1024).fill(NONE);
  #tail = new Int32Array(1024).fill(NONE);
  #count = new Int32Array(1024);

  /** One more than the highest key that was ever given a row (keys below it may have a list). */
  get keySpan(): number {
    return this.#span;
  }
  #span = 0;

  /** Add `row` at the end of the list of `key`; returns the list's length. */
  push(key: number, row: number): number {
    if (key >= this.#head.length) this.#growKeys(key + 1);
    if (row >= this.#next.length) this.#next = grown(this.#next, row + 1, 0);
    if (key >= this.#span) this.#span = key + 1;
    this.#next[row] = NONE;
    const tail = this.#tail[key]!;
    if (tail === NONE) this.#head[key] = row;
    else this.#next[tail] = row;
    this.#tail[key] = row;
    return ++this.#count[key]!;
  }

  /** How many rows the list of `key` holds. */
  count(key: number): number {
    return key >= 0 && key < this.#span ? this.#count[key]! : 0;
  }

  /** The oldest row of `key`'s list, or -1 when it is empty. */
  first(key: number): number {
    return key >= 0 && key < this.#span ? this.#head[key]! : NONE;
  }

  /** Take the oldest row off `key`'s list and return it; -1 when the list is empty. */
  shift(key: number): number {
    if (key < 0 || key >= this.#span) return NONE;
    const row = this.#head[key]!;
    if (row === NONE) return NONE;
    const next = this.#next[row]!;
    this.#head[key] = next;
    if (next === NONE) this.#tail[key] = NONE;
    this.#count[key]!--;
    return row;
  }

  /** The rows of `key`'s list, oldest first (a new array of `count(key)` numbers). */
  rows(key: number): number[] {
    const out: number[] = [];
    for (let r = this.first(key); r !== NONE; r = this.#next[r]!) out.push(r);
    return out;
  }

  #growKeys(n: number): void {
    this.#head = grown(this.#head, n, NONE);
    this.#tail = grown(this.#tail, n, NONE);
    this.#count = grown(this.#count, n, 0);
  }
}
