/**
 * A growable column of numbers in typed-array pages, for the activity log's index (daemon/store/activity-log.ts) and
 * the structures under it (row-id-index.ts, row-chains.ts, string-interner.ts), sized for millions of rows.
 *
 * A single typed array grown by doubling copies every entry it holds each time it fills: at 1,048,576 rows the log's
 * columns and id index copied ≈ 60 MB into fresh memory inside one commit, and the 16 token queries in flight waited
 * 390–440 ms for their activity records (docs/performance.md § Twenty-fourth round). Here growth adds a page of
 * PAGE entries and copies nothing, so no append costs more as the log grows. The first page starts small and
 * doubles up to PAGE (a small log stays small); past it, every page holds PAGE entries and entry i is entry
 * i & (PAGE - 1) of page i >>> PAGE_BITS. New entries hold `fill`.
 *
 * `views(n)` gives entries 0 … n - 1 as one view per page, in order: what the index snapshot writes, and reads back
 * into. Pure data structure: no I/O.
 */
export type TypedColumn = Float64Array | Int32Array | Uint32Array | Uint8Array;

export const PAGE_BITS = 16;
export const PAGE = 1 << PAGE_BITS;
const MASK = PAGE - 1;

export class PagedColumn<A extends TypedColumn> {
  #pages: A[];
  #cap: number;

  constructor(private readonly make: (n: number) => A, private readonly fill = 0, initial = 1024) {
    const first = make(Math.min(PAGE, Math.max(1, initial)));
    if (fill !== 0) first.fill(fill);
    this.#pages = [first];
    this.#cap = first.length;
  }

  /** Entries the column holds room for (0 … capacity - 1). */
  get capacity(): number {
    return this.#cap;
  }

  /** A column with room for `room` entries (its first page that size, up to a page) holding `views`' entries in order. */
  static of<A extends TypedColumn>(make: (n: number) => A, views: readonly ArrayLike<number>[], room: number): PagedColumn<A> {
    const c = new PagedColumn(make, 0, room);
    c.ensure(room);
    let i = 0;
    for (const v of views) for (let k = 0; k < v.length; k++) c.set(i++, v[k]!);
    return c;
  }

  /** Room for entries 0 … n - 1. */
  ensure(n: number): void {
    if (n <= this.#cap) return;
    const pages = this.#pages;
    if (this.#cap < PAGE) {
      // The first page doubles (copied: at most PAGE entries) until it is a full page.
      let cap = this.#cap * 2;
      while (cap < n && cap < PAGE) cap *= 2;
      cap = Math.min(cap, PAGE);
      const b = this.make(cap);
      b.set(pages[0]! as never);
      if (this.fill !== 0) b.fill(this.fill, this.#cap);
      pages[0] = b;
      this.#cap = cap;
    }
    while (this.#cap < n) {
      const p = this.make(PAGE);
      if (this.fill !== 0) p.fill(this.fill);
      pages.push(p);
      this.#cap += PAGE;
    }
  }

  get(i: number): number {
    return this.#pages[i >>> PAGE_BITS]![i & MASK]!;
  }

  set(i: number, v: number): void {
    this.#pages[i >>> PAGE_BITS]![i & MASK] = v;
  }

  /** Entries 0 … n - 1 (room ensured) as one view per page, in order: valid until the column grows again. */
  views(n: number): A[] {
    this.ensure(n);
    const out: A[] = [];
    for (let p = 0, left = n; left > 0; p++) {
      const page = this.#pages[p]!;
      const k = Math.min(left, page.length);
      out.push(page.subarray(0, k) as A);
      left -= k;
    }
    return out;
  }
}
