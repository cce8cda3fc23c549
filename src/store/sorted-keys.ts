/**
 * The sorted key order `scan` pages through, kept up to date as keys come and go: the keys in sorted chunks of at
 * most CHUNK_MAX, with each chunk's last key beside it, so that a key is added or removed with two binary searches
 * and a splice within one chunk (O(log n + CHUNK_MAX)), and a page is found with two binary searches and read in
 * order (O(log n + page)). Nothing is built until the first page is asked for (a collection nobody scans pays
 * nothing per insert).
 *
 * The order is built in slices (`ready()`): the keys are collected, sorted in runs and merged a few milliseconds at
 * a time, and the event loop serves requests between the slices; keys added or removed meanwhile are noted and
 * applied at the end. Until 2026-12-06 the first page sorted every key in one step (630 ms at a million IMSIs,
 * 1.0–1.6 s at a million UUIDs), taken by the first token purge after every start (docs/performance.md § Twenty-fifth
 * round).
 *
 * Until 2026-12-05 a page merged a sorted snapshot with the changes since and took a new snapshot — a sort of every
 * key — once the changes passed 1/64 of them: at 1,000,000 keys a 630 ms stall on the event loop, and the EAP
 * session sweep, which pages the sessions every second while a storm adds thousands a second, met one every few
 * seconds (docs/performance.md § Twenty-fourth round). Pure data structure: no I/O.
 */
const CHUNK_MAX = 1024;
/** Keys sorted in one step of the sliced build (≈ 1 ms). */
const RUN = 4096;
/** How long one slice of the sliced build may run before it yields to the event loop, ms. */
const SLICE_MS = 5;

/** A build abandoned by `reset` (or by a synchronous page) while it waited between slices. */
const ABANDONED = Symbol('abandoned');
/** Keys a substring search looks at per turn of the event loop (≈ 1–2 ms of `includes`). */
const EXAMINE_PER_TURN = 65_536;

export class SortedKeys {
  /** Sorted chunks, in order, none empty; null until the first page (and after `reset`). */
  #chunks: string[][] | null = null;
  /** The last key of each chunk. */
  #last: string[] = [];
  /** The sliced build in flight, and the changes made since it started (true: added), applied when it ends. */
  #building: Promise<void> | null = null;
  #pending: Array<[boolean, string]> | null = null;
  /** Bumped by `reset` and by a synchronous build: a sliced build that sees it change gives up. */
  #generation = 0;

  /** `all` lists every key (read when the first page is asked for, and after `reset`). */
  constructor(private readonly all: () => Iterable<string>) {}

  /** Forget the order (a bulk load): the next page sorts every key. */
  reset(): void {
    this.#chunks = null;
    this.#last = [];
    this.#abandon();
  }

  /**
   * Resolves once the order is built, building it in slices if it is not (null when it already is: no turn
   * waited). The callers that page for a request or a sweep await it first, so no one step sorts every key.
   */
  ready(): Promise<void> | null {
    if (this.#chunks !== null) return null;
    return (this.#building ??= this.#buildInSlices().then(() => this.ready() ?? undefined));
  }

  /** A key that was not there now is. */
  added(key: string): void {
    if (this.#pending !== null) { this.#pending.push([true, key]); return; }
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
    if (this.#pending !== null) { this.#pending.push([false, key]); return; }
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

  /**
   * Up to `limit` keys in order: after `after`, or from the first starting with `prefix` while they do. Not built
   * yet (`ready()` not awaited): every key is sorted in this one step, and a sliced build in flight is dropped.
   */
  page(opts: { after?: string; prefix?: string; limit: number }): string[] {
    return this.walk({ ...opts, examine: Infinity }).keys;
  }

  /**
   * `page`, and with `contains` only the keys holding it as a substring: looked at EXAMINE_PER_TURN keys a turn of
   * the event loop, on from the last one after each pause (the keys may change between turns), until `limit` are
   * found or the keys end. Builds the order first (in slices) when it is not.
   */
  async search(opts: { after?: string; prefix?: string; contains?: string; limit: number }): Promise<string[]> {
    await this.ready();
    if (!opts.contains) return this.page(opts);
    const out: string[] = [];
    for (let after = opts.after; ;) {
      const { keys, resume } = this.walk({ ...opts, after, limit: opts.limit - out.length, examine: EXAMINE_PER_TURN });
      out.push(...keys);
      if (resume === undefined || out.length >= opts.limit) return out;
      after = resume;
      await new Promise<void>((r) => setImmediate(r));
      await this.ready(); // a reset meanwhile (a sync page of the store) drops the order: built again, in slices
    }
  }

  /**
   * As `page`, counting only keys that contain `contains` (when given) and looking at no more than `examine` keys:
   * `resume` is the last key looked at when that budget ran out first (walk on after it), else undefined (the end,
   * or `limit` keys found). A substring search of the keys pages through them this way, a budget per turn of the
   * event loop, reading no record that does not match.
   */
  walk(opts: { after?: string; prefix?: string; contains?: string; limit: number; examine: number }): { keys: string[]; resume: string | undefined } {
    if (this.#chunks === null) { this.#abandon(); this.#chunks = this.#chunked([...this.all()].sort()); }
    const chunks = this.#chunks;
    const last = this.#last;
    let c: number;
    let i: number;
    // After `after`, and not before the first key with the prefix (`after` may lie before it).
    const from = opts.prefix && (opts.after === undefined || opts.after < opts.prefix) ? undefined : opts.after;
    if (from !== undefined) {
      c = upperBound(last, from);
      i = c < chunks.length ? upperBound(chunks[c]!, from) : 0;
    } else if (opts.prefix) {
      c = lowerBound(last, opts.prefix);
      i = c < chunks.length ? lowerBound(chunks[c]!, opts.prefix) : 0;
    } else {
      c = 0;
      i = 0;
    }
    const out: string[] = [];
    const { contains, prefix, limit } = opts;
    let budget = opts.examine;
    for (; c < chunks.length && out.length < limit; c++, i = 0) {
      const chunk = chunks[c]!;
      for (; i < chunk.length && out.length < limit; i++) {
        const k = chunk[i]!;
        if (prefix !== undefined && !k.startsWith(prefix)) return { keys: out, resume: undefined };
        if (budget-- <= 0) return { keys: out, resume: chunk[i - 1] ?? chunks[c - 1]![chunks[c - 1]!.length - 1] };
        if (contains === undefined || k.includes(contains)) out.push(k);
      }
    }
    return { keys: out, resume: undefined };
  }

  /** Chunks of a sorted array (no repeats: one pass of a Map's keys), half full (room for inserts before the first splits); sets `#last`. */
  #chunked(sorted: readonly string[]): string[][] {
    const chunks: string[][] = [];
    const step = CHUNK_MAX >>> 1;
    for (let at = 0; at < sorted.length; at += step) chunks.push(sorted.slice(at, at + step));
    this.#last = chunks.map((ch) => ch[ch.length - 1]!);
    return chunks;
  }

  #abandon(): void {
    this.#generation++;
    this.#building = null;
    this.#pending = null;
  }

  /**
   * Collects the keys, sorts them in runs of RUN and merges the runs pairwise, yielding to the event loop whenever
   * a slice has run SLICE_MS. The key iterator is live across the pauses (a Map's is): a key added meanwhile may be
   * collected and is also in `#pending`, a key removed and added again may be collected twice; the merge drops
   * repeats and the pending changes are applied in order at the end, so the result is the keys as they are then.
   */
  async #buildInSlices(): Promise<void> {
    const generation = this.#generation;
    this.#pending = [];
    let started = performance.now();
    const pause = async (): Promise<void> => {
      if (performance.now() - started < SLICE_MS) return;
      await new Promise<void>((r) => setImmediate(r));
      if (this.#generation !== generation) throw ABANDONED;
      started = performance.now();
    };
    try {
      const keys: string[] = [];
      for (const k of this.all()) { if (keys.push(k) % 1024 === 0) await pause(); }
      let runs: string[][] = [];
      for (let at = 0; at < keys.length; at += RUN) { runs.push(keys.slice(at, at + RUN).sort()); await pause(); }
      while (runs.length > 1) {
        const next: string[][] = [];
        for (let r = 0; r < runs.length; r += 2) next.push(r + 1 < runs.length ? await merge(runs[r]!, runs[r + 1]!, pause) : runs[r]!);
        runs = next;
      }
      // Chunks half full, without repeats, a slice at a time.
      const sorted = runs[0] ?? [];
      const chunks: string[][] = [];
      const step = CHUNK_MAX >>> 1;
      let chunk: string[] = [];
      for (let i = 0; i < sorted.length; i++) {
        const k = sorted[i]!;
        if (i > 0 && k === sorted[i - 1]) continue;
        if (chunk.push(k) === step) { chunks.push(chunk); chunk = []; if (chunks.length % 64 === 0) await pause(); }
      }
      if (chunk.length) chunks.push(chunk);
      this.#last = chunks.map((ch) => ch[ch.length - 1]!);
      const pending = this.#pending;
      this.#pending = null;
      this.#building = null;
      this.#chunks = chunks;
      for (const [add, k] of pending) { if (add) this.added(k); else this.removed(k); }
    } catch (e) {
      if (e !== ABANDONED) { if (this.#generation === generation) this.#abandon(); throw e; }
    }
  }
}

/** `a` and `b` (sorted) merged, pausing every 4,096 keys for the caller's slice clock. */
async function merge(a: readonly string[], b: readonly string[], pause: () => Promise<void>): Promise<string[]> {
  const out = new Array<string>(a.length + b.length);
  let i = 0, j = 0, o = 0;
  while (i < a.length && j < b.length) {
    const end = Math.min(out.length, o + 4096);
    while (o < end && i < a.length && j < b.length) out[o++] = a[i]! <= b[j]! ? a[i++]! : b[j++]!;
    await pause();
  }
  while (i < a.length) out[o++] = a[i++]!;
  while (j < b.length) out[o++] = b[j++]!;
  return out;
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
