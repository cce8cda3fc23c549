/**
 * The open-addressing table of the activity log's id index (row-id-index.ts) and interner (string-interner.ts),
 * growing a step at a time: entries are whole numbers stored + 1 (0 = empty), the table is a power of two and at
 * most half full, and when it fills a table twice its size takes over. Each entry added then moves MOVE_PER_ADD slots
 * of the old table into it, and the old table answers for the entries not yet moved; the move ends long before the
 * new table is half full (it is twice the old one's size). So no insert rehashes the whole table: at 1,000,000 ids
 * that took 250 ms of one commit (docs/performance.md § Twenty-fourth round). A new table is the kernel's zeroed
 * memory, touched as it is used, not filled.
 *
 * The owner probes both tables with its own equality (`table`, then `old`), keeps each entry in one of them (an
 * entry found in `old` is changed there, and moved later), and calls `added` after each entry it adds. Pure data
 * structure: no I/O.
 */
const MOVE_PER_ADD = 16;

export class SteppedTable {
  table: Int32Array;
  /** The table being moved out of, or null. */
  old: Int32Array | null = null;
  /** Slots of `old` already moved (its slots below this). */
  #moved = 0;
  /** Entries held (in both tables). */
  #size = 0;

  /**
   * `size`: a power of two. `hashOf(entry)`: the hash the owner probes an entry's slot from. `entries`: how many the
   * owner puts into `table` itself before any `added` (a restore, sized for them).
   */
  constructor(size: number, private readonly hashOf: (entry: number) => number, entries = 0) {
    this.table = new Int32Array(size);
    this.#size = entries;
  }

  /** After the owner put a new entry into `table`: move a step of the old table, and grow when half full. */
  added(): void {
    this.#size++;
    if (this.old !== null) this.#move(MOVE_PER_ADD);
    if (this.#size * 2 > this.table.length) {
      if (this.old !== null) this.#move(Infinity);
      this.old = this.table;
      this.#moved = 0;
      this.table = new Int32Array(this.old.length * 2);
    }
  }

  #move(k: number): void {
    const old = this.old!;
    const t = this.table;
    const mask = t.length - 1;
    for (; k > 0 && this.#moved < old.length; k--) {
      const e = old[this.#moved++]!;
      if (e === 0) continue;
      // Each entry is in one table only: its slot in the new one is the first empty one from its hash.
      let s = this.hashOf(e - 1) & mask;
      while (t[s] !== 0) s = (s + 1) & mask;
      t[s] = e;
    }
    if (this.#moved === old.length) this.old = null;
  }
}
