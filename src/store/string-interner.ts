/**
 * String interning off the JavaScript heap: the activity log's distinct IMSIs, request paths, MSISDNs, terminals and
 * addresses (daemon/store/activity-log.ts), sized for millions of subscribers.
 *
 * Each distinct string gets the next id (0, 1, 2, …) and is kept once, as its UTF-8 bytes in one growing buffer,
 * found through an open-addressing table of ids (an Int32Array, at most half full) by a hash of those bytes. A `Map`
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
import { grown } from './typed-grow.js';

const EMPTY = -1;
/** Ids of `null` and `undefined`, and of a string `find` does not know. */
export const NULL_ID = -1;
export const UNKNOWN_ID = -2;

const SEED = randomBytes(4).readInt32LE(0);

export class StringInterner {
  /** The hash's seed: the process's, or the one this interner was made or restored with. */
  readonly seed: number;
  #bytes: Buffer = Buffer.allocUnsafe(1 << 16);
  #used = 0;
  #count = 0;
  /** Per id: where its bytes start, how many, and their hash. */
  #start = new Float64Array(1024);
  #len = new Int32Array(1024);
  #hash = new Int32Array(1024);
  #table = new Int32Array(2048).fill(EMPTY);
  #mask = 2047;
  /** The bytes of the string being looked up. */
  #scratch = Buffer.allocUnsafe(1024);

  constructor(seed: number = SEED) {
    this.seed = seed | 0;
  }

  /** How many distinct strings are interned (ids are 0 … size - 1). */
  get size(): number {
    return this.#count;
  }

  /** The id of `s`, interning it if new; `NULL_ID` for null and undefined. */
  id(s: string | null | undefined): number {
    if (s == null) return NULL_ID;
    const n = this.#encode(s);
    const h = hashBytes(this.seed, this.#scratch, 0, n);
    const slot = this.#slotOf(this.#scratch, 0, n, h);
    const found = this.#table[slot]!;
    return found !== EMPTY ? found : this.#add(this.#scratch, 0, n, h, slot);
  }

  /** The id of `s` if interned, else `UNKNOWN_ID`. */
  find(s: string): number {
    const n = this.#encode(s);
    const found = this.#table[this.#slotOf(this.#scratch, 0, n, hashBytes(this.seed, this.#scratch, 0, n))]!;
    return found === EMPTY ? UNKNOWN_ID : found;
  }

  /** The id in this interner of the string `id` names in `other`, interning it if new: its bytes copied, not decoded. */
  adopt(other: StringInterner, id: number): number {
    if (id < 0) return id;
    const start = other.#start[id]!;
    const n = other.#len[id]!;
    const h = other.seed === this.seed ? other.#hash[id]! : hashBytes(this.seed, other.#bytes, start, n);
    const slot = this.#slotOf(other.#bytes, start, n, h);
    const found = this.#table[slot]!;
    return found !== EMPTY ? found : this.#add(other.#bytes, start, n, h, slot);
  }

  /** The string of `id`. */
  value(id: number): string {
    if (id < 0 || id >= this.#count) throw new RangeError(`no interned string ${id}`);
    const start = this.#start[id]!;
    return this.#bytes.toString('utf8', start, start + this.#len[id]!);
  }

  /**
   * What `restore` takes (the activity log's index snapshot writes it as it is): the seed; every string's UTF-8
   * bytes back to back in id order; each one's byte length and hash. The arrays are views of this interner's own
   * memory, valid until it interns another string.
   */
  saved(): { seed: number; lengths: Int32Array; hashes: Int32Array; bytes: Buffer } {
    return { seed: this.seed, lengths: this.#len.subarray(0, this.#count), hashes: this.#hash.subarray(0, this.#count), bytes: this.#bytes.subarray(0, this.#used) };
  }

  /**
   * An interner holding what `saved` gave, with the same ids and seed, made from arrays it takes as its own (no
   * copy): `lengths` and `hashes` hold `count` entries and may be longer (room for more strings), and `bytes` holds
   * the strings from its start and may be longer too (room to grow). The table is sized once and filled from the
   * hashes: no string is hashed or compared (what `saved` gave holds no string twice). Throws a RangeError when
   * the arrays are too short or the lengths do not fit the bytes.
   */
  static restore(seed: number, count: number, lengths: Int32Array<ArrayBuffer>, hashes: Int32Array<ArrayBuffer>, bytes: Buffer): StringInterner {
    const out = new StringInterner(seed);
    if (!Number.isSafeInteger(count) || count < 0 || lengths.length < count || hashes.length !== lengths.length) throw new RangeError('interned strings: lengths and hashes disagree');
    const len = lengths.length >= 1024 ? lengths : grown(lengths, 1024);
    const hash = hashes.length >= 1024 ? hashes : grown(hashes, 1024);
    const start = new Float64Array(len.length); // the three columns grow together (`#add`)
    let size = 2048;
    while (size < count * 2) size *= 2;
    const table = new Int32Array(size).fill(EMPTY);
    const mask = size - 1;
    let at = 0;
    for (let id = 0; id < count; id++) {
      const n = lengths[id]!;
      if (n < 0) throw new RangeError('interned strings: a negative length');
      start[id] = at;
      at += n;
      let slot = hashes[id]! & mask;
      while (table[slot] !== EMPTY) slot = (slot + 1) & mask;
      table[slot] = id;
    }
    if (at > bytes.length) throw new RangeError('interned strings: the lengths run past the bytes');
    out.#start = start;
    out.#len = len;
    out.#hash = hash;
    out.#bytes = bytes.length > 0 ? bytes : Buffer.allocUnsafe(1 << 16);
    out.#used = at;
    out.#count = count;
    out.#table = table;
    out.#mask = mask;
    return out;
  }

  /** Every string, in id order. */
  values(): string[] {
    const out = new Array<string>(this.#count);
    for (let i = 0; i < this.#count; i++) out[i] = this.value(i);
    return out;
  }

  /** Ids of every string containing `needle` (lower-case) once lower-cased. */
  matching(needle: string): Set<number> {
    const out = new Set<number>();
    for (let i = 0; i < this.#count; i++) if (this.value(i).toLowerCase().includes(needle)) out.add(i);
    return out;
  }

  /** `s` as UTF-8 in the scratch buffer; returns its length. */
  #encode(s: string): number {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (s.length * 3 > this.#scratch.length) this.#scratch = Buffer.allocUnsafe(Math.max(s.length * 3, this.#scratch.length * 2));
    return this.#scratch.write(s, 0, 'utf8');
  }

  /** The table slot that holds the id of these bytes, or the empty slot where they would go. */
  #slotOf(src: Buffer, at: number, n: number, h: number): number {
    const table = this.#table;
    const bytes = this.#bytes;
    const mask = this.#mask;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const id = table[slot]!;
      if (id === EMPTY) return slot;
      if (this.#hash[id] !== h || this.#len[id] !== n) continue;
      const start = this.#start[id]!;
      let i = 0;
      while (i < n && bytes[start + i] === src[at + i]) i++;
      if (i === n) return slot;
    }
  }

  #add(src: Buffer, at: number, n: number, h: number, slot: number): number {
    const id = this.#count++;
    if (this.#count > this.#len.length) {
      this.#start = grown(this.#start, this.#count);
      this.#len = grown(this.#len, this.#count);
      this.#hash = grown(this.#hash, this.#count);
    }
    if (this.#used + n > this.#bytes.length) {
      let cap = this.#bytes.length * 2;
      while (cap < this.#used + n) cap *= 2;
      const b = Buffer.allocUnsafe(cap);
      this.#bytes.copy(b, 0, 0, this.#used);
      this.#bytes = b;
    }
    // A byte loop for the strings interned here (a field is at most a few KB): Buffer#copy cost 0.6–1.4 µs a call in
    // the log's open and appends (its profiles, docs/performance.md § Twenty-third round), a loop of 120 bytes ≈ 0.1.
    const dst = this.#bytes;
    const to = this.#used;
    if (n <= 4096) for (let i = 0; i < n; i++) dst[to + i] = src[at + i]!;
    else src.copy(dst, to, at, at + n);
    this.#start[id] = this.#used;
    this.#len[id] = n;
    this.#hash[id] = h;
    this.#used += n;
    this.#table[slot] = id;
    if (this.#count * 2 > this.#table.length) this.#rehash();
    return id;
  }

  #rehash(): void {
    const table = new Int32Array(this.#table.length * 2).fill(EMPTY);
    const mask = table.length - 1;
    for (let id = 0; id < this.#count; id++) {
      let slot = this.#hash[id]! & mask;
      while (table[slot] !== EMPTY) slot = (slot + 1) & mask;
      table[slot] = id;
    }
    this.#table = table;
    this.#mask = mask;
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
