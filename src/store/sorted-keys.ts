/**
 * The sorted key order `scan` pages through, kept up to date without re-sorting every key after each insert or
 * delete: a sorted snapshot of the keys, plus the keys added since (sorted on demand, few) and the snapshot's keys
 * removed since. A page merges the two sorted lists and skips the removed keys, so its cost is
 * O(log n + page + changes since the snapshot) instead of O(n log n). Once the changes pass 1/64 of the keys
 * (at least 1,024), the next read takes a new snapshot, so that cost is spread over as many changes.
 */
export class SortedKeys {
  #base: string[] | null = null;
  readonly #added = new Set<string>();
  #addedSorted: string[] | null = null;
  readonly #removed = new Set<string>();

  /** `all` lists every key (read when a snapshot is taken). */
  constructor(private readonly all: () => Iterable<string>) {}

  /** Forget the snapshot (a bulk load): the next read sorts every key. */
  reset(): void {
    this.#base = null;
    this.#added.clear();
    this.#removed.clear();
    this.#addedSorted = null;
  }

  /** A key that was not there now is. */
  added(key: string): void {
    if (this.#base === null || this.#removed.delete(key)) return;
    this.#added.add(key);
    this.#addedSorted = null;
  }

  /** A key that was there is gone. */
  removed(key: string): void {
    if (this.#base === null) return;
    if (this.#added.delete(key)) this.#addedSorted = null;
    else this.#removed.add(key);
  }

  /** Up to `limit` keys in order: after `after`, or from the first starting with `prefix` while they do. */
  page(opts: { after?: string; prefix?: string; limit: number }): string[] {
    let base = this.#base;
    if (base === null || this.#added.size + this.#removed.size > Math.max(1024, base.length >> 6)) {
      base = this.#base = [...this.all()].sort();
      this.#added.clear();
      this.#removed.clear();
      this.#addedSorted = null;
    }
    const added = (this.#addedSorted ??= [...this.#added].sort());
    const start = (a: readonly string[]): number =>
      opts.after !== undefined ? upperBound(a, opts.after) : opts.prefix ? lowerBound(a, opts.prefix) : 0;
    let i = start(base), j = start(added);
    const out: string[] = [];
    while (out.length < opts.limit) {
      let k: string;
      if (i < base.length && (j >= added.length || base[i]! < added[j]!)) {
        k = base[i++]!;
        if (this.#removed.has(k)) continue;
      } else if (j < added.length) k = added[j++]!;
      else break;
      if (opts.prefix !== undefined && !k.startsWith(opts.prefix)) break;
      out.push(k);
    }
    return out;
  }
}

function lowerBound(a: readonly string[], x: string): number {
  let lo = 0, hi = a.length;
  while (lo < hi) { const m = (lo + hi) >>> 1; if (a[m]! < x) lo = m + 1; else hi = m; }
  return lo;
}
function upperBound(a: readonly string[], x: string): number {
  let lo = 0, hi = a.length;
  while (lo < hi) { const m = (lo + hi) >>> 1; if (a[m]! <= x) lo = m + 1; else hi = m; }
  return lo;
}
