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
import { PagedColumn } from './paged-column.js';

const NONE = -1;

export class RowChains {
  /** Next row of the same key, NONE at the end; one slot per row. Pages: growth copies nothing (paged-column.ts). */
  #next = new PagedColumn((n) => new Int32Array(n), NONE);
  #head = new PagedColumn((n) => new Int32Array(n), NONE);
  #tail = new PagedColumn((n) => new Int32Array(n), NONE);
  #count = new PagedColumn((n) => new Int32Array(n));

  /** One more than the highest key that was ever given a row (keys below it may have a list). */
  get keySpan(): number {
    return this.#span;
  }
  #span = 0;

  /** Add `row` at the end of the list of `key`; returns the list's length. */
  push(key: number, row: number): number {
    if (key >= this.#span) {
      this.#head.ensure(key + 1);
      this.#tail.ensure(key + 1);
      this.#count.ensure(key + 1);
      this.#span = key + 1;
    }
    this.#next.ensure(row + 1);
    this.#next.set(row, NONE);
    const tail = this.#tail.get(key);
    if (tail === NONE) this.#head.set(key, row);
    else this.#next.set(tail, row);
    this.#tail.set(key, row);
    const n = this.#count.get(key) + 1;
    this.#count.set(key, n);
    return n;
  }

  /** How many rows the list of `key` holds. */
  count(key: number): number {
    return key >= 0 && key < this.#span ? this.#count.get(key) : 0;
  }

  /** The oldest row of `key`'s list, or -1 when it is empty. */
  first(key: number): number {
    return key >= 0 && key < this.#span ? this.#head.get(key) : NONE;
  }

  /** Take the oldest row off `key`'s list and return it; -1 when the list is empty. */
  shift(key: number): number {
    if (key < 0 || key >= this.#span) return NONE;
    const row = this.#head.get(key);
    if (row === NONE) return NONE;
    const next = this.#next.get(row);
    this.#head.set(key, next);
    if (next === NONE) this.#tail.set(key, NONE);
    this.#count.set(key, this.#count.get(key) - 1);
    return row;
  }

  /** The rows of `key`'s list, oldest first (a new array of `count(key)` numbers). */
  rows(key: number): number[] {
    const out: number[] = [];
    for (let r = this.first(key); r !== NONE; r = this.#next.get(r)) out.push(r);
    return out;
  }
}
