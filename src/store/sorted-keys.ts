/**
 * The sorted key order `scan` pages through, kept up to date as keys come and go: the keys in sorted chunks of at
 * most CHUNK_MAX, with each chunk's last key beside it, so that a key is added or removed with two binary searches
 * and a splice within one chunk (O(log n + CHUNK_MAX)), and a page is found with two binary searches and read in
 * order (O(log n + page)). Nothing is built until the first page is asked for (a collection nobody scans pays
 * nothing per insert); that first page sorts every key once.
 *
 * Until 2026-12-05 a page merged a sorted snapshot with the changes since and took a new snapshot — a sort of every
 * key — once the changes passed 1/64 of them: at 1,000,000 keys a 630 ms stall on the event loop, and the EAP
 * session sweep, which pages the sessions every second while a storm adds thousands a second, met one every few
 * seconds (docs/performance.md § Twenty-fourth round). Pure data structure: no I/O.
 */
const CHUNK_MAX = 1024;

export class SortedKeys {
  /** Sorted chunks, in order, none empty; null until the first page (and after `reset`). */
  #chunks: string[][] | null = null;
  /** The last key of each chunk. */
  #last: string[] = [];

  /** `all` lists every key (read when the first page is asked for, and after `reset`). */
  constructor(private readonly all: () => Iterable<string>) {}

  /** Forget the order (a bulk load): the next page sorts every key. */
  reset(): void {
    this.#chunks = null;
    this.#last = [];
  }

  /** A key that was not there now is. */
  added(key: string): void {
    const chunks = this.#chunks;
    if (chunks === null) return;
    if (chunks.length === 0) {
      chunks.push([key]);
      this.#last.push(key);
      return;
    }
    const c = Math.min(lowerBound(this.#last, key), chunks.length - 1);
    const chunk = chunks[c]!;
    const i = lowerBound(chunk, key);
    if (chunk[i] === key) return;
    chunk.splice(i, 0, key);
    if (i === chunk.length - 1) this.#last[c] = key;
    if (chunk.length > CHUNK_MAX) {
      const right = chunk.splice(chunk.length >>> 1);
      chunks.splice(c + 1, 0, right);
      this.#last.splice(c, 0, chunk[chunk.length - 1]!);
    }
  }

  /** A key that was there is gone. */
  removed(key: string): void {
    const chunks = this.#chunks;
    if (chunks === null) return;
    const c = lowerBound(this.#last, key);
    const chunk = chunks[c];
    if (chunk === undefined) return;
    const i = lowerBound(chunk, key);
    if (chunk[i] !== key) return;
    chunk.splice(i, 1);
    if (chunk.length === 0) {
      chunks.splice(c, 1);
      this.#last.splice(c, 1);
    } else if (i === chunk.length) this.#last[c] = chunk[i - 1]!;
  }

  /** Up to `limit` keys in order: after `after`, or from the first starting with `prefix` while they do. */
  page(opts: { after?: string; prefix?: string; limit: number }): string[] {
    const chunks = (this.#chunks ??= this.#build());
    const last = this.#last;
    let c: number;
    let i: number;
    if (opts.after !== undefined) {
      c = upperBound(last, opts.after);
      i = c < chunks.length ? upperBound(chunks[c]!, opts.after) : 0;
    } else if (opts.prefix) {
      c = lowerBound(last, opts.prefix);
      i = c < chunks.length ? lowerBound(chunks[c]!, opts.prefix) : 0;
    } else {
      c = 0;
      i = 0;
    }
    const out: string[] = [];
    for (; c < chunks.length && out.length < opts.limit; c++, i = 0) {
      const chunk = chunks[c]!;
      for (; i < chunk.length && out.length < opts.limit; i++) {
        const k = chunk[i]!;
        if (opts.prefix !== undefined && !k.startsWith(opts.prefix)) return out;
        out.push(k);
      }
    }
    return out;
  }

  #build(): string[][] {
    const sorted = [...this.all()].sort();
    const chunks: string[][] = [];
    // Half full: room for inserts before the first splits.
    const step = CHUNK_MAX >>> 1;
    for (let at = 0; at < sorted.length; at += step) chunks.push(sorted.slice(at, at + step));
    this.#last = chunks.map((ch) => ch[ch.length - 1]!);
    return chunks;
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
