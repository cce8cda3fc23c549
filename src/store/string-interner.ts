/**
 * String interning off the JavaScript heap: the activity log's distinct IMSIs, request paths, MSISDNs, terminals and
 * addresses (daemon/store/activity-log.ts), sized for millions of subscribers.
 *
 * Each distinct string gets the next id (0, 1, 2, …) and is kept once, as its UTF-8 bytes in chunks of 1 MiB, found
 * through an open-addressing table of ids (an Int32Array, at most half full) by a hash of those bytes. Nothing grows
 * by copying what it holds (chunks and paged columns are added, the table grows a step at a time): interning one
 * more string never costs in proportion to those before it. A `Map`
 * from each string to its id, as before, kept a string object and a table entry per value on the heap: at 500,000
 * subscribers (an IMSI and a path each) ≈ 130 MB that every major collection marked (docs/performance.md
 * § Twenty-second round). Here the heap holds a handful of buffers whatever the count.
 *
 * The hash is seeded with random bytes (once per process, as V8 seeds its own string hashes, unless an interner is
 * made with the seed of another), so the table's probe lengths cannot be chosen from outside (the paths come from
 * requests). `saved`/`restore` carry the seed and the hashes with the strings, so a restored interner hashes
 * nothing; the seed then lives in the activity log's index snapshot (a file as private as the log). Strings are
 * compared as UTF-8: two strings that differ only in unpaired surrogates (which UTF-8 cannot carry) share an id,
 * and `value` gives the one with U+FFFD in their place. Pure data structure: no I/O.
 */
import { randomBytes } from 'node:crypto';
import { PagedColumn } from './paged-column.js';
import { SteppedTable } from './stepped-table.js';

/** Ids of `null` and `undefined`, and of a string `find` does not know. */
export const NULL_ID = -1;
export const UNKNOWN_ID = -2;

const SEED = randomBytes(4).readInt32LE(0);
/** Printable ASCII but letters: what `matching` searches for as bytes. */
const ASCII_NON_LETTERS = /^[\x20-\x40\x5b-\x60\x7b-\x7e]+$/;

/**
 * The strings' bytes are kept in chunks of at least CHUNK_BYTES (the first grows by doubling up to it; a restored
 * interner's first is the snapshot's, whatever its size), a string never split across two, so that interning one
 * more never copies those before it (at 500,000 subscribers ≈ 60 MB: docs/performance.md § Twenty-fourth round). A
 * string's start is an offset in a space where each chunk begins on a multiple of CHUNK_BYTES.
 */
const CHUNK_BITS = 20;
/** How many callers' columns `id` remembers the last string of. */
export const RECENT_SLOTS = 8;
const CHUNK_BYTES = 1 << CHUNK_BITS;

export class StringInterner {
  /** The hash's seed: the process's, or the one this interner was made or restored with. */
  readonly seed: number;
  /** The byte chunks, where each begins (in the offsets' space), and which chunk holds each CHUNK_BYTES of that space. */
  #chunks: Buffer[] = [Buffer.allocUnsafe(1 << 16)];
  #chunkAt: number[] = [0];
  #chunkOf: number[] = [0];
  /** Bytes used of the last chunk. */
  #used = 0;
  #count = 0;
  /** Per id: where its bytes start, how many, and their hash (pages: growth copies nothing, paged-column.ts). */
  #start = new PagedColumn((n) => new Float64Array(n));
  #len = new PagedColumn<Int32Array>((n) => new Int32Array(n));
  #hash = new PagedColumn<Int32Array>((n) => new Int32Array(n));
  /** Open addressing, id + 1 of each string, growing a step at a time (stepped-table.ts). */
  #ids = new SteppedTable(2048, (id) => this.#hash.get(id));
  /** The bytes of the string being looked up. */
  #scratch = Buffer.allocUnsafe(1024);
  /** Where `#locate` found a string: its chunk and the offset in it. */
  #at: Buffer = this.#chunks[0]!;
  #off = 0;

  constructor(seed: number = SEED) {
    this.seed = seed | 0;
  }

  /** How many distinct strings are interned (ids are 0 … size - 1). */
  get size(): number {
    return this.#count;
  }

  /**
   * The last string looked up through each of `RECENT_SLOTS` slots (a caller's column: the activity log's IMSI, path,
   * address …) and its id. A slot's string asked for again (one phone's requests in a row, a proxy's address on every
   * XCAP request) is answered by a string comparison, without encoding, hashing or probing; a different one costs that
   * comparison more (docs/performance.md § Thirty-sixth round). Ids never change in an interner, so nothing goes stale.
   */
  readonly #recent: (string | null)[] = new Array<string | null>(RECENT_SLOTS).fill(null);
  readonly #recentId = new Int32Array(RECENT_SLOTS);

  /** The id of `s`, interning it if new; `NULL_ID` for null and undefined. `slot` (0 … RECENT_SLOTS - 1): see `#recent`. */
  id(s: string | null | undefined, slot = -1): number {
    if (s == null) return NULL_ID;
    if (slot >= 0 && this.#recent[slot] === s) return this.#recentId[slot]!;
    const n = this.#encode(s);
    const h = hashBytes(this.seed, this.#scratch, 0, n);
    const found = this.#find(this.#scratch, 0, n, h);
    const id = found >= 0 ? found : this.#add(this.#scratch, 0, n, h);
    if (slot >= 0) {
      this.#recent[slot] = s;
      this.#recentId[slot] = id;
    }
    return id;
  }

  /** The id of `s` if interned, else `UNKNOWN_ID`. */
  find(s: string): number {
    const n = this.#encode(s);
    const found = this.#find(this.#scratch, 0, n, hashBytes(this.seed, this.#scratch, 0, n));
    return found >= 0 ? found : UNKNOWN_ID;
  }

  /** The id in this interner of the string `id` names in `other`, interning it if new: its bytes copied, not decoded. */
  adopt(other: StringInterner, id: number): number {
    if (id < 0) return id;
    other.#locate(id);
    const src = other.#at;
    const start = other.#off;
    const n = other.#len.get(id);
    const h = other.seed === this.seed ? other.#hash.get(id) : hashBytes(this.seed, src, start, n);
    const found = this.#find(src, start, n, h);
    return found >= 0 ? found : this.#add(src, start, n, h);
  }

  /** The string of `id`. */
  value(id: number): string {
    if (id < 0 || id >= this.#count) throw new RangeError(`no interned string ${id}`);
    this.#locate(id);
    return this.#at.toString('utf8', this.#off, this.#off + this.#len.get(id));
  }

  /**
   * What `restore` takes (the activity log's index snapshot writes it as it is): the seed; every string's UTF-8
   * bytes back to back in id order; each one's byte length and hash. The arrays are views of this interner's own
   * memory, one per page or chunk in order, valid until it interns another string.
   */
  saved(): { seed: number; count: number; lengths: Int32Array[]; hashes: Int32Array[]; bytes: Buffer[]; byteLength: number } {
    const bytes = this.#chunks.map((_, c) => this.#usedBytes(c));
    return {
      seed: this.seed, count: this.#count, lengths: this.#len.views(this.#count), hashes: this.#hash.views(this.#count),
      bytes, byteLength: bytes.reduce((n, b) => n + b.length, 0),
    };
  }

  /** Bytes used of each chunk but the last (`#used`). */
  #chunkUsed: number[] = [];

  /** The part of chunk `c` that holds strings. */
  #usedBytes(c: number): Buffer {
    return this.#chunks[c]!.subarray(0, c === this.#chunks.length - 1 ? this.#used : this.#chunkUsed[c]!);
  }

  /**
   * An interner holding what `saved` gave, with the same ids and seed, made from columns and a buffer it takes as its
   * own (no copy): `lengths` and `hashes` hold `count` entries, and `bytes` holds the strings from its start and may
   * be longer (room to grow). The table is sized once and filled from the hashes: no string is hashed or compared
   * (what `saved` gave holds no string twice). Throws a RangeError when the columns are too short or the lengths do
   * not fit the bytes.
   */
  static restore(seed: number, count: number, lengths: PagedColumn<Int32Array>, hashes: PagedColumn<Int32Array>, bytes: Buffer): StringInterner {
    const out = new StringInterner(seed);
    if (!Number.isSafeInteger(count) || count < 0 || lengths.capacity < count || hashes.capacity < count) throw new RangeError('interned strings: lengths and hashes disagree');
    const start = new PagedColumn((n) => new Float64Array(n), 0, count);
    start.ensure(count);
    let size = 2048;
    while (size < count * 2) size *= 2;
    const ids = new SteppedTable(size, (id) => out.#hash.get(id), count);
    const table = ids.table;
    const mask = size - 1;
    let at = 0;
    for (let id = 0; id < count; id++) {
      const n = lengths.get(id);
      if (n < 0) throw new RangeError('interned strings: a negative length');
      start.set(id, at);
      at += n;
      let slot = hashes.get(id) & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = id + 1;
    }
    if (at > bytes.length) throw new RangeError('interned strings: the lengths run past the bytes');
    out.#start = start;
    out.#len = lengths;
    out.#hash = hashes;
    const first = bytes.length > 0 ? bytes : Buffer.allocUnsafe(1 << 16);
    out.#chunks = [first];
    out.#chunkOf = Array.from({ length: Math.max(1, Math.ceil(first.length / CHUNK_BYTES)) }, () => 0);
    out.#at = first;
    out.#used = at;
    out.#count = count;
    out.#ids = ids;
    return out;
  }

  /** Every string, in id order. */
  values(): string[] {
    const out = new Array<string>(this.#count);
    for (let i = 0; i < this.#count; i++) out[i] = this.value(i);
    return out;
  }

  /**
   * A flag per id (1: the string contains `needle`, given in lower case, once lower-cased) and how many are set: the
   * activity log's `query=` search, tested once per distinct string rather than per record.
   *
   * A needle of ASCII characters that are not letters (an IMSI or MSISDN fragment, an address) is searched for in the
   * strings' bytes with `Buffer#indexOf`, one chunk at a time, and each hit is mapped to its string by the starts:
   * no string is decoded. For such a needle, lower-casing changes nothing it could match (it maps letters to
   * letters), and an ASCII byte never occurs inside a multi-byte UTF-8 sequence, so the answers are those of the
   * decoding path, which every other needle takes (at 1,000,000 strings it took 110–170 ms of the event loop:
   * docs/performance.md § Twenty-fourth round).
   */
  matching(needle: string): { flags: Uint8Array; count: number } {
    const flags = new Uint8Array(this.#count);
    let count = 0;
    if (needle.length > 0 && ASCII_NON_LETTERS.test(needle)) {
      const nb = Buffer.from(needle, 'latin1');
      for (let c = 0; c < this.#chunks.length; c++) {
        const bytes = this.#usedBytes(c);
        const base = this.#chunkAt[c]!;
        for (let o = bytes.indexOf(nb); o !== -1; ) {
          const id = this.#idAt(base + o);
          const end = this.#start.get(id) + this.#len.get(id) - base;
          if (o + nb.length <= end && flags[id] === 0) { flags[id] = 1; count++; }
          // One flag a string: go on from the end of the string hit, or from the next byte when the hit ran past it.
          o = bytes.indexOf(nb, o + nb.length <= end ? end : o + 1);
        }
      }
      return { flags, count };
    }
    for (let i = 0; i < this.#count; i++) if (this.value(i).toLowerCase().includes(needle)) { flags[i] = 1; count++; }
    return { flags, count };
  }

  /** The id of the string whose bytes hold offset `at` (the largest id starting at or before it; starts ascend with ids). */
  #idAt(at: number): number {
    let lo = 0;
    let hi = this.#count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.#start.get(mid) <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** `s` as UTF-8 in the scratch buffer; returns its length. */
  #encode(s: string): number {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (s.length * 3 > this.#scratch.length) this.#scratch = Buffer.allocUnsafe(Math.max(s.length * 3, this.#scratch.length * 2));
    return this.#scratch.write(s, 0, 'utf8');
  }

  /** Sets `#at` and `#off` to where the bytes of `id` are. */
  #locate(id: number): void {
    const start = this.#start.get(id);
    const c = this.#chunkOf[Math.floor(start / CHUNK_BYTES)]!;
    this.#at = this.#chunks[c]!;
    this.#off = start - this.#chunkAt[c]!;
  }

  /** The slot of `t` that holds these bytes' id + 1, or the empty slot where they would go. */
  #slotOf(t: Int32Array, src: Buffer, at: number, n: number, h: number): number {
    const mask = t.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const e = t[slot]!;
      if (e === 0) return slot;
      const id = e - 1;
      if (this.#hash.get(id) !== h || this.#len.get(id) !== n) continue;
      this.#locate(id);
      const bytes = this.#at;
      const start = this.#off;
      let i = 0;
      while (i < n && bytes[start + i] === src[at + i]) i++;
      if (i === n) return slot;
    }
  }

  /** The id of these bytes, or -1. */
  #find(src: Buffer, at: number, n: number, h: number): number {
    const { table, old } = this.#ids;
    let e = table[this.#slotOf(table, src, at, n, h)]!;
    if (e === 0 && old !== null) e = old[this.#slotOf(old, src, at, n, h)]!;
    return e - 1;
  }

  #add(src: Buffer, at: number, n: number, h: number): number {
    const id = this.#count++;
    this.#start.ensure(this.#count);
    this.#len.ensure(this.#count);
    this.#hash.ensure(this.#count);
    let dst = this.#chunks[this.#chunks.length - 1]!;
    if (this.#used + n > dst.length) dst = this.#room(n);
    // A byte loop for the strings interned here (a field is at most a few KB): Buffer#copy cost 0.6–1.4 µs a call in
    // the log's open and appends (its profiles, docs/performance.md § Twenty-third round), a loop of 120 bytes ≈ 0.1.
    const to = this.#used;
    if (n <= 4096) for (let i = 0; i < n; i++) dst[to + i] = src[at + i]!;
    else src.copy(dst, to, at, at + n);
    this.#start.set(id, this.#chunkAt[this.#chunks.length - 1]! + to);
    this.#len.set(id, n);
    this.#hash.set(id, h);
    this.#used += n;
    const t = this.#ids.table;
    t[this.#slotOf(t, dst, to, n, h)] = id + 1; // new: an empty slot (the old table, if any, does not hold it either)
    this.#ids.added();
    return id;
  }

  /** A chunk with room for `n` more bytes after `#used`: the first doubled while it is small, else a new one. */
  #room(n: number): Buffer {
    const last = this.#chunks.length - 1;
    const cur = this.#chunks[last]!;
    if (last === 0 && cur.length < CHUNK_BYTES && this.#used + n <= CHUNK_BYTES) {
      let cap = cur.length * 2;
      while (cap < this.#used + n) cap *= 2;
      const b = Buffer.allocUnsafe(Math.min(cap, CHUNK_BYTES));
      cur.copy(b, 0, 0, this.#used);
      this.#chunks[0] = b;
      return b;
    }
    // A new chunk where the last one's space ends (on a multiple of CHUNK_BYTES), its own size for a larger string.
    const at = this.#chunkAt[last]! + Math.ceil(Math.max(cur.length, 1) / CHUNK_BYTES) * CHUNK_BYTES;
    const b = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, n));
    this.#chunkUsed[last] = this.#used;
    this.#chunks.push(b);
    this.#chunkAt.push(at);
    for (let k = 0; k < Math.ceil(b.length / CHUNK_BYTES); k++) this.#chunkOf[at / CHUNK_BYTES + k] = last + 1;
    this.#used = 0;
    return b;
  }
}

/** FNV-1a over the bytes from the process's seed, then a final mix (MurmurHash3's) so every bit moves the low ones. */
function hashBytes(seed: number, b: Buffer, at: number, n: number): number {
  let h = seed;
  for (let i = at, end = at + n; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
