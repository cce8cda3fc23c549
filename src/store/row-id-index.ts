/**
 * The activity log's record id → row index, sized for millions of rows: no string and no map entry per record.
 *
 * The log's ids are canonical UUIDs (`crypto.randomUUID`): each is kept as four 32-bit words in a paged typed
 * column (paged-column.ts: growing it copies nothing), found through an open-addressing table of row numbers (an
 * Int32Array that grows a step at a time, stepped-table.ts), and chained by its first four hex digits
 * into one of 65,536 prefix buckets (a head array and a `next` column), so `activity show 7e4050ac` walks n / 65,536
 * rows and never every id. Per record that is 16 bytes of words, 4 of chain and 8 of table, where a Map from id
 * string to row cost a string, a table entry and a bucket slot on the JavaScript heap: the major GC traced them all,
 * and `activity.bench` at 1,000,000 records held ≈ 340 bytes of heap per record. An id that is not a lowercase
 * canonical UUID (a record imported with its own id) goes to a plain `IdPrefixIndex` beside it.
 *
 * `set(id, row)` makes `get(id)` answer `row` (a later row with the same id takes its place, as in a Map);
 * `idAt(row)` gives back the text of any row's id; `withPrefix` answers what `IdPrefixIndex.withPrefix` does.
 * Pure data structure: no I/O.
 */
import { IdPrefixIndex, MIN_ID_PREFIX } from './id-prefix-index.js';
import { PagedColumn } from './paged-column.js';
import { SteppedTable } from './stepped-table.js';

const EMPTY = -1;
const KIND_NONE = 0;
const KIND_UUID = 1;
const KIND_OTHER = 2;
const HEX = '0123456789abcdef';

/** Value of a lowercase hex digit, or -1. */
function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** The four words of a lowercase canonical UUID (8-4-4-4-12), or false. `out` receives them. */
export function uuidWords(id: string, out: Uint32Array): boolean {
  if (id.length !== 36) return false;
  let w = 0;
  let word = 0;
  let digits = 0;
  for (let i = 0; i < 36; i++) {
    const c = id.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
      continue;
    }
    const v = hexVal(c);
    if (v < 0) return false;
    word = ((word << 4) | v) >>> 0;
    if (++digits === 8) {
      out[w++] = word;
      word = 0;
      digits = 0;
    }
  }
  return true;
}

/** The canonical text of four words (the inverse of `uuidWords`). */
export function uuidText(w0: number, w1: number, w2: number, w3: number): string {
  let s = '';
  const words = [w0, w1, w2, w3];
  for (let k = 0; k < 4; k++) {
    const x = words[k]!;
    for (let sh = 28; sh >= 0; sh -= 4) {
      const pos = s.length;
      if (pos === 8 || pos === 13 || pos === 18 || pos === 23) s += '-';
      s += HEX[(x >>> sh) & 15];
    }
  }
  return s;
}

const mix = (w0: number, w1: number, w2: number, w3: number): number =>
  Math.imul(w0 ^ Math.imul(w1, 0x9e3779b1) ^ Math.imul(w2, 0x85ebca6b) ^ Math.imul(w3, 0xc2b2ae35), 0x27d4eb2f) >>> 0;

export class RowIdIndex {
  /** Four words per row (UUID rows), the row's kind, and the next row in the same prefix bucket (-1 at the end). */
  #words = new PagedColumn<Uint32Array>((n) => new Uint32Array(n), 0, 4096);
  #kind = new PagedColumn<Uint8Array>((n) => new Uint8Array(n));
  #next = new PagedColumn((n) => new Int32Array(n), EMPTY);
  #heads = new Int32Array(65536).fill(EMPTY);
  /** Open addressing, row + 1 of each UUID id, growing a step at a time (stepped-table.ts). */
  #ids = this.#table(1024);
  /** Ids that are not canonical UUIDs, and their text by row. */
  #other = new IdPrefixIndex<number>();
  #otherText = new Map<number, string>();
  readonly #q = new Uint32Array(4);

  /** Rows the columns hold room for. */
  get #cap(): number {
    return this.#kind.capacity;
  }

  #ensure(row: number): void {
    if (row < this.#cap) return;
    this.#kind.ensure(row + 1);
    this.#fit();
  }

  /** The other columns as far as the kinds reach: `#cap` (the kinds') is the one bound checked. */
  #fit(): void {
    this.#next.ensure(this.#cap);
    this.#words.ensure(this.#cap * 4);
  }

  /** The slot of `t` holding the row whose words equal `q`, or the empty slot where it would go. */
  #slot(t: Int32Array, q: Uint32Array): number {
    const mask = t.length - 1;
    let s = mix(q[0]!, q[1]!, q[2]!, q[3]!) & mask;
    const w = this.#words;
    for (;;) {
      const e = t[s]!;
      if (e === 0) return s;
      const b = (e - 1) * 4;
      if (w.get(b) === q[0] && w.get(b + 1) === q[1] && w.get(b + 2) === q[2] && w.get(b + 3) === q[3]) return s;
      s = (s + 1) & mask;
    }
  }

  /** A table whose entries (rows) hash as `#slot` probes them. */
  #table(size: number): SteppedTable {
    return new SteppedTable(size, (row) => {
      const w = this.#words;
      const b = row * 4;
      return mix(w.get(b), w.get(b + 1), w.get(b + 2), w.get(b + 3));
    });
  }

  /** The row `q` answers with, or EMPTY. */
  #lookup(q: Uint32Array): number {
    const { table, old } = this.#ids;
    let e = table[this.#slot(table, q)]!;
    if (e === 0 && old !== null) e = old[this.#slot(old, q)]!;
    return e - 1;
  }

  set(id: string, row: number): void {
    this.#ensure(row);
    const q = this.#q;
    if (!uuidWords(id, q)) {
      this.#kind.set(row, KIND_OTHER);
      this.#otherText.set(row, id);
      this.#other.set(id, row);
      return;
    }
    this.#setWords(row, q);
  }

  /** `set` of a UUID already in words (`q` is this index's scratch or another's). */
  #setWords(row: number, q: Uint32Array): void {
    this.#ensure(row);
    const b = row * 4;
    const w = this.#words;
    w.set(b, q[0]!);
    w.set(b + 1, q[1]!);
    w.set(b + 2, q[2]!);
    w.set(b + 3, q[3]!);
    this.#kind.set(row, KIND_UUID);
    this.#link(row);
  }

  /** Enter a UUID row whose words are in place into the table and its prefix bucket. */
  #link(row: number): void {
    const q = this.#q;
    const b = row * 4;
    const w = this.#words;
    q[0] = w.get(b);
    q[1] = w.get(b + 1);
    q[2] = w.get(b + 2);
    q[3] = w.get(b + 3);
    const { table, old } = this.#ids;
    const s = this.#slot(table, q);
    if (table[s] !== 0) table[s] = row + 1; // the same id again: the later row answers
    else {
      const so = old === null ? -1 : this.#slot(old, q);
      if (so >= 0 && old![so] !== 0) old![so] = row + 1; // waiting in the old table: changed there, moved later
      else {
        table[s] = row + 1;
        this.#ids.added();
      }
    }
    const bucket = q[0]! >>> 16;
    this.#next.set(row, this.#heads[bucket]!);
    this.#heads[bucket] = row;
  }

  /**
   * Rows 0 … n - 1 as they are kept, for `restore`: each row's kind (0 never set, 1 a UUID, 2 another id) and the
   * UUID rows' four words, as views of this index's pages (valid until the next `set`), and the other ids as
   * `[row, id]` pairs.
   */
  saved(n: number): { kinds: Uint8Array[]; words: Uint32Array[]; others: Array<[number, string]> } {
    this.#ensure(Math.max(0, n - 1));
    const others: Array<[number, string]> = [];
    for (const [row, id] of this.#otherText) if (row < n) others.push([row, id]);
    others.sort((a, b) => a[0] - b[0]);
    return { kinds: this.#kind.views(n), words: this.#words.views(n * 4), others };
  }

  /**
   * An index answering as the one `saved` described for rows 0 … n - 1, made from columns it takes as its own (no
   * copy; `kinds` holds room for n rows, `words` for four entries each): every UUID row linked in order (so a
   * repeated id still answers with its last row), no id made into text. Entries past n must be zero, as a new
   * column's are. Throws a RangeError on columns too short, a kind it does not know, or other ids that do not match
   * their rows.
   */
  static restore(n: number, kinds: PagedColumn<Uint8Array>, words: PagedColumn<Uint32Array>, others: ReadonlyArray<readonly [number, string]>): RowIdIndex {
    const out = new RowIdIndex();
    if (!Number.isSafeInteger(n) || n < 0 || kinds.capacity < n || words.capacity < n * 4) throw new RangeError('id index: words and kinds disagree');
    if (n === 0) return out;
    out.#kind = kinds;
    out.#words = words;
    out.#fit();
    let size = 1024;
    while (size < n * 2) size *= 2;
    out.#ids = out.#table(size);
    let otherRows = 0;
    for (let row = 0; row < n; row++) {
      const k = kinds.get(row);
      if (k === KIND_UUID) out.#link(row);
      else if (k === KIND_OTHER) otherRows++;
      else if (k !== KIND_NONE) throw new RangeError(`id index: row ${row} has kind ${k}`);
    }
    if (otherRows !== others.length) throw new RangeError('id index: the other ids do not match their rows');
    for (const [row, id] of others) {
      if (row >= n || kinds.get(row) !== KIND_OTHER) throw new RangeError(`id index: row ${row} is not an other id`);
      out.#otherText.set(row, id);
      out.#other.set(id, row);
    }
    return out;
  }

  get(id: string): number | undefined {
    const q = this.#q;
    if (!uuidWords(id, q)) return this.#other.get(id);
    const r = this.#lookup(q);
    return r === EMPTY ? undefined : r;
  }

  /** The id of a row that was `set`, as text. */
  idAt(row: number): string | undefined {
    const k = row < this.#cap ? this.#kind.get(row) : KIND_NONE;
    if (k === KIND_UUID) {
      const b = row * 4;
      const w = this.#words;
      return uuidText(w.get(b), w.get(b + 1), w.get(b + 2), w.get(b + 3));
    }
    return k === KIND_OTHER ? this.#otherText.get(row) : undefined;
  }

  /** Ids that start with `prefix`, sorted, at most `limit`; none for a prefix shorter than MIN_ID_PREFIX. */
  withPrefix(prefix: string, limit: number): string[] {
    if (prefix.length < MIN_ID_PREFIX) return [];
    const out = this.#other.withPrefix(prefix, limit);
    // The prefix's leading hex digits (up to 8) as the top bits of the first word: rows are compared on that
    // number before any text is made.
    let want = 0;
    let digits = 0;
    for (; digits < Math.min(8, prefix.length); digits++) {
      const v = hexVal(prefix.charCodeAt(digits));
      if (v < 0) break;
      want = ((want << 4) | v) >>> 0;
    }
    if (digits < 4) return out; // not lowercase hex: no UUID starts so
    const shift = 32 - 4 * digits;
    const bucket = want >>> (4 * digits - 16);
    const seen = new Set<string>();
    for (let r = this.#heads[bucket]!; r !== EMPTY; r = this.#next.get(r)) {
      if (this.#words.get(r * 4) >>> shift !== want) continue;
      const id = this.idAt(r)!;
      if (!id.startsWith(prefix) || seen.has(id)) continue;
      seen.add(id);
      if (this.get(id) === r) out.push(id); // only the row that answers for the id (a re-set id is listed once)
    }
    return out.sort().slice(0, limit);
  }

  /**
   * Set `out`'s row `outRow` to this index's row `row`'s id (nothing for a row never set): a compaction builds the new
   * index row by row as it copies records, and a UUID row goes across as its words, never made into text and parsed.
   * As with `set`, for an id copied into several rows the last one answers.
   */
  copyRowTo(row: number, out: RowIdIndex, outRow: number): void {
    const k = row < this.#cap ? this.#kind.get(row) : KIND_NONE;
    if (k === KIND_UUID) {
      const q = out.#q;
      const b = row * 4;
      const w = this.#words;
      q[0] = w.get(b); q[1] = w.get(b + 1); q[2] = w.get(b + 2); q[3] = w.get(b + 3);
      out.#setWords(outRow, q);
    }
    else if (k === KIND_OTHER) out.set(this.#otherText.get(row)!, outRow);
  }
}
