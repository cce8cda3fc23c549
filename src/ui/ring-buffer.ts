/**
 * A fixed-capacity ring of the newest items: `push` is O(1) and overwrites the
 * oldest item once full, so memory stays bounded however fast events arrive.
 * The TUI queues incoming events here between two frames; `newest-first`
 * lists in the monitor state are cut with `prependBounded`.
 */
export class RingBuffer<T> {
  readonly capacity: number;
  #items: (T | undefined)[];
  #start = 0;
  #size = 0;
  /** Items pushed out by newer ones since the last `drain()`. */
  overwritten = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring buffer capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.#items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  push(item: T): void {
    const end = (this.#start + this.#size) % this.capacity;
    this.#items[end] = item;
    if (this.#size < this.capacity) this.#size += 1;
    else {
      this.#start = (this.#start + 1) % this.capacity;
      this.overwritten += 1;
    }
  }

  /** Oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.#size; i++) out.push(this.#items[(this.#start + i) % this.capacity] as T);
    return out;
  }

  /** Take everything (oldest first) and empty the ring. */
  drain(): T[] {
    const out = this.toArray();
    this.#items = new Array<T | undefined>(this.capacity);
    this.#start = 0;
    this.#size = 0;
    this.overwritten = 0;
    return out;
  }
}

/**
 * `fresh` (oldest first, as they arrived) put in front of a newest-first
 * `list`, keeping at most `capacity` items. Pure: returns a new array.
 */
export function prependBounded<T>(list: readonly T[], fresh: readonly T[], capacity: number): T[] {
  const out: T[] = [];
  for (let i = fresh.length - 1; i >= 0 && out.length < capacity; i--) out.push(fresh[i]!);
  for (let i = 0; i < list.length && out.length < capacity; i++) out.push(list[i]!);
  return out;
}
