/**
 * Records on demand (docs/storage.md § Records on demand): the embedded driver keeps a collection's
 * snapshot on disk and only its *key map* in memory — each record's key, the file offset of its line and
 * the values of the declared indexes. A read is one positional read of one framed line (CRC checked,
 * parsed, checked against RECORD_CHECKS) through a small LRU cache of record texts.
 *
 * The key map is also saved next to the snapshot (`<name>.<gen>.keys`, framed lines like the journal) with
 * the snapshot's identity (its size and the CRC-32 of its last 64 KiB): at start a matching key map replaces
 * parsing every record; a missing, damaged or stale one is ignored (with a warning) and rebuilt from the
 * snapshot. It is a cache: deleting it is always safe.
 *
 * Compaction (`writeSnapshot`) writes the records held in memory and copies, line by line, the records
 * still in the old snapshot (each one's CRC and record check verified on the way: damage is found there,
 * not only when a request reads it).
 */
import { close, fstatSync, openSync, read, readSync, closeSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { checkRecord } from '../../src/store/collections.js';
import type { Entry, RecordSource } from '../../src/store/map-collection.js';
import { replaceFileDurably } from './atomic-file.js';
import { writeAll } from './durable-write.js';
import { StoreRecordDamagedError } from './errors.js';
import { FORMAT, FramedFileDamage, frame, readFramed, recordLine, unframe } from './journal.js';
import { RecentMap } from '../../src/util/recent-map.js';
import { Slices } from '../../src/util/slices.js';

/** What a key map was made for: a snapshot of this size whose last 64 KiB have this CRC. */
export interface SnapshotIdentity { size: number; tailCrc: number }

const TAIL = 64 << 10;
/**
 * Records cached per collection, at most (count and characters; two generations of half each: src/util/recent-map.ts,
 * the records read most recently kept); a record larger than CACHE_ONE is not cached.
 */
const CACHE_COUNT = 4096;
const CACHE_BYTES = 4 << 20;
const CACHE_ONE = 64 << 10;
/**
 * Keys per line of a key map, each line made in one step of the event loop (its JSON and its CRC). 65,536 until
 * 2026-12-07: ≈ 50–100 ms a line on the machine of docs/performance.md § Thirty-seventh round. Any size reads back.
 */
const KEYMAP_CHUNK = 8192;
/** How long a compaction's snapshot writer runs before it writes what it has and lets requests run, ms. */
const SNAPSHOT_SLICE_MS = 5;

export const keyMapName = (name: string, gen: number) => `${name}.${gen}.keys`;
const keyMapTmp = (name: string, gen: number) => `.${name}.${gen}.keys.tmp`;

export function identityOf(fd: number): SnapshotIdentity {
  const size = fstatSync(fd).size;
  const n = Math.min(size, TAIL);
  const b = Buffer.allocUnsafe(n);
  const got = n ? readSync(fd, b, 0, n, size - n) : 0;
  return { size, tailCrc: crc32(b.subarray(0, got)) };
}

const readAt = (fd: number, buf: Buffer, pos: number): Promise<number> =>
  new Promise((resolve, reject) => read(fd, buf, 0, buf.length, pos, (e, n) => (e ? reject(e) : resolve(n))));

/** One snapshot file and its key map: the RecordSource of a collection's slots. */
export class SnapshotFile implements RecordSource {
  readonly #cache = new RecentMap<number, string>(CACHE_COUNT / 2, CACHE_BYTES / 2, (t) => t.length);
  #pending = 0;
  #retired = false;
  #closed = false;

  /**
   * `keys[i]` is the record on the line from `ends[i]` to `ends[i + 1]`; `idx[f][i]` the value of indexed
   * field `fields[f]` of that record.
   */
  constructor(
    readonly file: string,
    readonly collection: string,
    readonly generation: number,
    private readonly fd: number,
    readonly identity: SnapshotIdentity,
    readonly keys: string[],
    readonly ends: Float64Array,
    readonly fields: readonly string[],
    readonly idx: Array<Array<string | undefined>>,
    private readonly recovery: string,
    public hasKeyMap: boolean,
  ) {}

  get count(): number { return this.keys.length; }

  indexValue(slot: number, field: string): string | undefined {
    const f = this.fields.indexOf(field);
    return f < 0 ? undefined : this.idx[f]![slot] ?? undefined;
  }

  async read(slot: number, key: string): Promise<string> {
    const hit = this.#cache.get(slot);
    return hit !== undefined ? hit : (await this.#fromDisk(slot, key)).text;
  }

  /**
   * The record parsed: from the cached text, or the value the check of a line read from disk parsed (a fleet's
   * reads are mostly such misses: one parse of the record instead of two, docs/performance.md § Thirty-fourth round).
   */
  async readParsed(slot: number, key: string): Promise<{ value: unknown; chars: number }> {
    const hit = this.#cache.get(slot);
    if (hit !== undefined) return { value: JSON.parse(hit) as unknown, chars: hit.length };
    const { value, text } = await this.#fromDisk(slot, key);
    return { value, chars: text.length };
  }

  readSync(slot: number, key: string): string {
    const hit = this.#cache.get(slot);
    if (hit !== undefined) return hit;
    const off = this.ends[slot]!;
    const buf = Buffer.allocUnsafe(this.ends[slot + 1]! - off);
    const got = readSync(this.fd, buf, 0, buf.length, off);
    return this.check(buf.subarray(0, got), key, off).text;
  }

  hold(): void {
    this.#pending++;
  }

  release(): void {
    if (--this.#pending === 0 && this.#retired) this.#close();
  }

  async #fromDisk(slot: number, key: string): Promise<{ value: unknown; text: string }> {
    const off = this.ends[slot]!;
    const line = await this.readRaw(off, this.ends[slot + 1]! - off);
    const checked = this.check(line, key, off);
    if (checked.text.length <= CACHE_ONE) this.#cache.set(slot, checked.text);
    return checked;
  }

  /** `len` bytes at `off` (fewer at the end of the file). The fd stays open until every read in flight is done (`hold`). */
  async readRaw(off: number, len: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(len);
    this.hold();
    try {
      return buf.subarray(0, await readAt(this.fd, buf, off));
    } finally {
      this.release();
    }
  }

  /** A record line (with its newline) → its value and JSON text, or StoreRecordDamagedError. */
  check(line: Buffer, key: string, off: number): { value: unknown; text: string } {
    const damaged = (why: string) => new StoreRecordDamagedError(this.file, key, `line at byte ${off}: ${why}`, this.recovery);
    if (line.length < 11 || line[line.length - 1] !== 0x0a) throw damaged('cut short');
    const r = unframe(line.subarray(0, -1));
    if (!r.ok) throw damaged(r.reason);
    const v = r.value;
    if (!Array.isArray(v) || v.length !== 2 || v[0] !== key) throw damaged(`not the record of ${JSON.stringify(key)}`);
    const why = checkRecord(this.collection, key, v[1]);
    if (why) throw damaged(why);
    // The line is `[<key JSON>,<record JSON>]` as written by recordLine: the record's text is a slice of it.
    const body = line.toString('utf8', 9, line.length - 1);
    const head = `[${JSON.stringify(key)},`;
    const text = body.startsWith(head) && body.endsWith(']') ? body.slice(head.length, -1) : JSON.stringify(v[1]);
    return { value: v[1], text };
  }

  /** No longer the collection's source (a newer snapshot replaced it): closed once the reads in flight are done. */
  retire(): void {
    this.#retired = true;
    if (!this.#pending) this.#close();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    close(this.fd, () => {});
  }
}

function fieldValues(value: unknown, fields: readonly string[]): Array<string | undefined> {
  const v = value as Record<string, unknown> | null;
  return fields.map((f) => {
    const x = v !== null && typeof v === 'object' ? v[f] : undefined;
    return typeof x === 'string' ? x : undefined;
  });
}

/** What the caller checks on a header line (the journal module's header rules). */
export type HeaderCheck = (value: unknown) => void;

/**
 * Open snapshot `file` by parsing every line (no usable key map): each record's CRC and record check are
 * verified (a failure refuses the start, as before), its offset and index values kept, the record dropped.
 */
export function scanSnapshot(file: string, name: string, gen: number, fields: readonly string[], header: HeaderCheck, recovery: string): { snap: SnapshotFile; tornTail: ReturnType<typeof readFramed>['tornTail']; end: number | null } {
  const keys: string[] = [];
  const ends: number[] = [];
  const idx: Array<Array<string | undefined>> = fields.map(() => []);
  let end: number | null = null;
  const r = readFramed(file, (v, lineNo, off, len) => {
    if (lineNo === 1) return header(v);
    if (end !== null) throw new FramedFileDamage(lineNo, off, 'a record after the end marker');
    if (Array.isArray(v) && typeof v[0] === 'string' && v.length === 2) {
      const why = checkRecord(name, v[0], v[1]);
      if (why) throw new RecordCheckFailed(v[0], why);
      if (!keys.length) ends.push(off);
      keys.push(v[0]);
      ends.push(off + len);
      const fv = fieldValues(v[1], fields);
      for (let f = 0; f < fields.length; f++) idx[f]!.push(fv[f]);
      return;
    }
    const e = (v as { end?: unknown } | null)?.end;
    if (typeof e === 'number') { end = e; if (!keys.length) ends.push(off); return; }
    throw new FramedFileDamage(lineNo, off, 'not a [key, value] record');
  });
  const fd = openSync(file, 'r');
  const snap = new SnapshotFile(file, name, gen, fd, identityOf(fd), keys, Float64Array.from(ends.length ? ends : [0]), fields, idx, recovery, false);
  return { snap, tornTail: r.tornTail, end };
}

/** A record failing its collection's check while a snapshot is scanned at start. */
export class RecordCheckFailed extends Error {
  constructor(readonly key: string, readonly reason: string) { super(`record ${JSON.stringify(key)}: ${reason}`); }
}

interface KeyMapHeader {
  omnisep: 'keymap';
  format: number;
  collection: string;
  generation: number;
  snapshot: SnapshotIdentity;
  fields: string[];
  first: number;
  count: number;
}

/**
 * Open snapshot `file` through its saved key map: the snapshot's header line is read and checked, the
 * records are not. Returns why the key map cannot be used instead (missing, damaged, another snapshot).
 */
export function openWithKeyMap(dbDir: string, file: string, name: string, gen: number, fields: readonly string[], header: HeaderCheck, recovery: string): SnapshotFile | string {
  const kmFile = join(dbDir, keyMapName(name, gen));
  if (!existsSync(kmFile)) return 'no key map';
  const fd = openSync(file, 'r');
  try {
    const identity = identityOf(fd);
    let h: KeyMapHeader | null = null;
    const keyChunks: string[][] = [];
    const lenChunks: number[][] = [];
    const idxChunks: Array<Array<Array<string | null>>> = fields.map(() => []);
    let end: number | null = null;
    let r: ReturnType<typeof readFramed>;
    try {
      r = readFramed(kmFile, (v, lineNo) => {
      if (lineNo === 1) {
        h = v as KeyMapHeader;
        if (h?.omnisep !== 'keymap' || h.format !== FORMAT || h.collection !== name || h.generation !== gen) throw new Error('not this collection\'s key map');
        if (h.snapshot?.size !== identity.size || h.snapshot.tailCrc !== identity.tailCrc) throw new Error('made for another state of the snapshot');
        if (JSON.stringify(h.fields) !== JSON.stringify(fields)) throw new Error('made for other indexes');
        return;
      }
      if (end !== null) throw new Error('a line after the end marker');
      const e = (v as { end?: unknown } | null)?.end;
      if (typeof e === 'number') { end = e; return; }
      const [k, l, ...f] = v as [string[], number[], ...Array<Array<string | null>>];
      if (!Array.isArray(k) || !Array.isArray(l) || k.length !== l.length || f.length !== fields.length) throw new Error(`line ${lineNo} is not a key map chunk`);
      if (f.some((col) => !Array.isArray(col) || col.length !== k.length)) throw new Error(`line ${lineNo} is not a key map chunk`);
      keyChunks.push(k);
      lenChunks.push(l);
      f.forEach((col, fi) => idxChunks[fi]!.push(col));
      });
    } catch (e) {
      closeSync(fd);
      return e instanceof FramedFileDamage ? `the key map is damaged (${e.message})` : (e as Error).message;
    }
    const keys = ([] as string[]).concat(...keyChunks);
    // null (JSON) for an absent indexed value; the index skips anything that is not a string.
    const idx = idxChunks.map((chunks) => ([] as Array<string | null>).concat(...chunks) as Array<string | undefined>);
    const hd = h as KeyMapHeader | null;
    if (!hd || r.tornTail || end !== keys.length || hd.count !== keys.length) { closeSync(fd); return 'the key map is incomplete'; }
    const ends = new Float64Array(keys.length + 1);
    ends[0] = hd.first;
    let at = 0;
    for (const l of lenChunks) for (let i = 0; i < l.length; i++, at++) ends[at + 1] = ends[at]! + l[i]!;
    if (ends[keys.length]! + frame(JSON.stringify({ end: keys.length })).length !== identity.size) { closeSync(fd); return 'its offsets do not fit the snapshot'; }
    // The snapshot's own header is still checked: a file copied or renamed by hand is refused as before.
    const head = Buffer.allocUnsafe(hd.first);
    readSync(fd, head, 0, hd.first, 0);
    const hv = unframe(head.subarray(0, -1));
    if (!hv.ok) throw new FramedFileDamage(1, 0, hv.reason);
    header(hv.value);
    return new SnapshotFile(file, name, gen, fd, identity, keys, ends, fields, idx, recovery, true);
  } catch (e) {
    closeSync(fd); // the snapshot's header line is damaged or names another file: the caller refuses the start
    throw e;
  }
}

/** Save `snap`'s key map next to it (temp + fsync + rename): the next start opens the snapshot without parsing it. */
export async function writeKeyMap(dbDir: string, snap: SnapshotFile): Promise<void> {
  const tmp = join(dbDir, keyMapTmp(snap.collection, snap.generation));
  await replaceFileDurably(tmp, join(dbDir, keyMapName(snap.collection, snap.generation)), async (fh) => {
    const write = (b: Buffer) => writeAll(fh, b);
    const header: KeyMapHeader = { omnisep: 'keymap', format: FORMAT, collection: snap.collection, generation: snap.generation, snapshot: snap.identity, fields: [...snap.fields], first: snap.ends[0]!, count: snap.count };
    await write(frame(JSON.stringify(header)));
    for (let i = 0; i < snap.count; i += KEYMAP_CHUNK) {
      const to = Math.min(snap.count, i + KEYMAP_CHUNK);
      const lens: number[] = [];
      for (let k = i; k < to; k++) lens.push(snap.ends[k + 1]! - snap.ends[k]!);
      await write(frame(JSON.stringify([snap.keys.slice(i, to), lens, ...snap.idx.map((col) => col.slice(i, to).map((x) => x ?? null))])));
      await new Promise((r) => setImmediate(r)); // let requests run
    }
    await write(frame(JSON.stringify({ end: snap.count })));
  }, { syncDir: false }); // a cache: a start without it rebuilds it
  snap.hasKeyMap = true;
}

export interface SnapshotInput {
  dbDir: string;
  name: string;
  gen: number;
  fields: readonly string[];
  recovery: string;
  /** The records a crash would leave that are held in memory, as the compaction found them (key, JSON text: MapCollection.textEntries). */
  texts: ReadonlyArray<readonly [string, string]>;
  /** The previous snapshot: its records a crash would still leave at their slot are copied. */
  src: SnapshotFile | null;
  /** The slot of `src` a crash would leave `key` at now, if any (MapCollection.durableSlotOf: a write in flight does not count). */
  durableSlotOf(key: string): number | undefined;
  /** The collection's records when the compaction started: what the snapshot's columns are sized for (they grow past it). */
  records?: number;
  /** `.<name>.<gen>.snap.tmp` and `<name>.<gen>.snap`. */
  tmpName: string;
  finalName: string;
}

/**
 * Write snapshot `gen` (temp file in 1 MiB chunks yielding between them, fsync, rename, fsync dir) and open
 * it. Returns it and, per record written, the entry it was written from (to retarget only unchanged ones).
 */
export async function writeSnapshot(x: SnapshotInput): Promise<{ snap: SnapshotFile; was: Entry[] }> {
  const tmp = join(x.dbDir, x.tmpName);
  const file = join(x.dbDir, x.finalName);
  // The columns at the collection's size (an estimate: an array grows past its length as it is filled, `ends` below),
  // each allocated in a turn of the event loop of its own, filled in order and cut to what was written. Grown push by
  // push, every column copied itself whole at the same record count, and at 1,000,000 records those copies held the
  // event loop 35–336 ms at a time; allocated all in one step, 60–110 ms (docs/performance.md § Fortieth round).
  const cap = Math.min(x.records ?? Infinity, x.texts.length + (x.src?.count ?? 0));
  const keys = await column<string>(cap);
  const was = await column<Entry>(cap);
  let ends = new Float64Array(cap + 1);
  const idx: Array<Array<string | undefined>> = [];
  for (let f = 0; f < x.fields.length; f++) idx.push(await column<string | undefined>(cap));
  let n = 0;
  // On failure the temp file goes: journals G and G+1 still hold everything.
  await replaceFileDurably(tmp, file, async (fh) => {
    let pos = 0;
    let chunk: Buffer[] = [];
    let chunkBytes = 0;
    const slices = new Slices(SNAPSHOT_SLICE_MS, 64);
    const flush = async () => {
      const b = Buffer.concat(chunk);
      chunk = [];
      chunkBytes = 0;
      await writeAll(fh, b);
      await slices.next(); // let requests run
    };
    // A write per MiB, or sooner once a slice of the event loop is used up: each record is parsed and checked on the
    // way (≈ 15–40 µs on the machine of docs/performance.md § Thirty-seventh round, where a MiB of token records held
    // the loop 50–160 ms before 2026-12-07).
    const add = async (b: Buffer) => {
      chunk.push(b);
      chunkBytes += b.length;
      pos += b.length;
      if (chunkBytes >= 1 << 20 || slices.due()) await flush();
    };
    await add(frame(JSON.stringify({ omnisep: 'snapshot', format: FORMAT, collection: x.name, generation: x.gen })));
    ends[0] = pos;
    const record = async (key: string, line: Buffer, value: unknown, from: Entry, fv?: Array<string | undefined>) => {
      await add(line);
      keys[n] = key;
      was[n] = from;
      const vals = fv ?? fieldValues(value, x.fields);
      for (let f = 0; f < x.fields.length; f++) idx[f]![n] = vals[f];
      if (++n === ends.length) { const more = new Float64Array(n + (n >> 1) + 16); more.set(ends); ends = more; }
      ends[n] = pos;
    };
    for (const [key, text] of x.texts) {
      const value = JSON.parse(text) as unknown;
      const why = checkRecord(x.name, key, value);
      if (why) throw new StoreRecordDamagedError('memory', key, why, x.recovery);
      await record(key, recordLine(key, text), x.fields.length ? value : null, text);
    }
    const src = x.src;
    if (src) {
      // The old snapshot, sequentially, in windows of 1 MiB; a record written durably since is skipped (it is in
      // memory, and in the new journal); one whose write is still in flight is copied (what a crash would leave).
      let winStart = 0;
      let win: Buffer = Buffer.alloc(0);
      for (let slot = 0; slot < src.count; slot++) {
        // Records skipped (written since) write nothing and so never reach `add`'s slices: a slice of their own.
        if (slices.due()) await slices.next();
        const key = src.keys[slot]!;
        if (x.durableSlotOf(key) !== slot) continue;
        const off = src.ends[slot]!;
        const len = src.ends[slot + 1]! - off;
        if (off < winStart || off + len > winStart + win.length) {
          winStart = off;
          win = await src.readRaw(off, Math.max(len, 1 << 20));
        }
        const line = win.subarray(off - winStart, off - winStart + len);
        src.check(line, key, off); // CRC and record check: damage is found here, not only by a read
        await record(key, line, null, slot, x.fields.map((f) => src.indexValue(slot, f)));
      }
    }
    await add(frame(JSON.stringify({ end: n })));
    await flush();
  });
  keys.length = n;
  was.length = n;
  for (const col of idx) col.length = n;
  const fd = openSync(file, 'r');
  // A copy only where records were skipped (written since), so that `ends` holds no slack.
  return { snap: new SnapshotFile(file, x.name, x.gen, fd, identityOf(fd), keys, n + 1 === ends.length ? ends : ends.slice(0, n + 1), x.fields, idx, x.recovery, false), was };
}

/**
 * An array of `cap` entries allocated at once (≈ 12 ms at 1,000,000 on this project's machines), then a turn of the
 * event loop. V8 keeps one that large in fast, holey elements; past 2^24 entries it may not, so a column that large
 * grows as it is filled instead.
 */
async function column<T>(cap: number): Promise<T[]> {
  const a = cap <= 1 << 24 ? new Array<T>(cap) : [];
  await new Promise((r) => setImmediate(r));
  return a;
}
