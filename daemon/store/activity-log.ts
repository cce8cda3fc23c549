/**
 * The activity log: an append-only JSONL file with group-commit fsync, and a
 * compact in-memory index (typed-array columns + interned strings) so that
 * 1,000,000 records cost tens of MB, `?imsi=` is a per-IMSI list walk, and a
 * page is read from the file by offset. Never rewrites the database per request.
 *
 * Retention (ADMIN-API.md § Activity log) is enforced continuously: the
 * per-subscriber cap on every append, the age limit by a timer; dead records
 * are skipped at once and dropped from the file by a background compaction
 * (rewrite live lines to a temp file, fsync, rename, fsync dir) when enough
 * of the file is dead. Retention only ever removes, and it is a function of
 * the record sequence and the clock, so a restart re-applies it on load: the
 * file need not record deletions.
 *
 * Crash safety: an append is acknowledged only after its bytes are fsynced;
 * a crash can leave at most a torn last line, which no one was told about —
 * the loader cuts it off (and says so). A bad line anywhere else is damage,
 * and the start refuses with the file, the line and the recovery step.
 */
import { closeSync, fstatSync, ftruncateSync, fsyncSync, openSync, readSync, writeSync, renameSync, existsSync, unlinkSync } from 'node:fs';
import { open as openAsync, type FileHandle } from 'node:fs/promises';
import { openForCommits, writeAll, writeDurable } from './durable-write.js';
import { dirname, basename, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { activityCountLimit, activityPageWindow, countedPage, type ActivityLog, type ActivityPage, type ActivityQuery, type Tally } from '../../src/ports.js';
import type { ActivityRecord } from '../../src/contracts/activity.js';
import { StoreCorruptError } from './errors.js';
import { LineSplitter } from '../../src/util/line-splitter.js';
import { fsyncDir } from './atomic-file.js';
import { RowChains } from '../../src/store/row-chains.js';
import { StringInterner } from '../../src/store/string-interner.js';
import { RowIdIndex } from '../../src/store/row-id-index.js';
import { PagedColumn, type TypedColumn } from '../../src/store/paged-column.js';
import { CommitTimer, reportCommitWaits, type CommitWaitObserver } from './commit-timer.js';

/** The index snapshot's JSON header: format 1 (earlier builds) or 2 (`#writeSnapshot`). */
type IndexSnapshotHeader = { n: number; covered: number; types: string[] } & (
  | { format: 1; strings: string[]; ids: string[] }
  | { format: 2; lastId: string; seed: number; strings: number; stringBytes: number; others: Array<[number, string]> }
);

export interface ActivityLogOptions {
  file: string;
  maxPerSubscriber?: number;
  retentionSeconds?: number;
  /** Group commit window, ms (appends within it share one fsync). */
  commitIntervalMs?: number;
  /** Compact when at least this fraction of the file is dead (and `compactMinDead` records). */
  compactDeadRatio?: number;
  compactMinDead?: number;
  /** How often the age limit is applied, ms (0 = never by timer; tests call enforceRetention). */
  retentionIntervalMs?: number;
  /** activity.max_bytes: live records are trimmed (oldest first) to half of it and the file compacted when it reaches it; 0 = no bound. */
  maxBytes?: number;
  now?: () => number;
  /** Called with a message when the loader repaired something (torn tail). */
  warn?: (msg: string) => void;
  /** Told, per append, how long it waited for its durable commit (ms): the daemon's commit-wait metric. */
  onCommitWait?: CommitWaitObserver;
  /** Write the index snapshot in the background once at least this many rows, and as many as it covers, are not covered by one (default SNAPSHOT_EVERY_ROWS). */
  snapshotEveryRows?: number;
  /** After a start that parsed at least `snapshotEveryRows` records, no snapshot is written for this long, ms (default SNAPSHOT_AFTER_START_MS). */
  snapshotAfterStartMs?: number;
  /** Records a filtered query looks at between two turns of the event loop (default QUERY_SLICE_ROWS; tests make it small). */
  querySliceRows?: number;
}

/** Compaction reads the log in windows of this many bytes (1 MiB). */
const COMPACT_READ = 1 << 20;
/** Compaction copies with commits going on until at most this many rows were committed since its last pass… */
const COMPACT_HELD_ROWS = 4096;
/** …or it has made this many passes; then it holds commits for the rest and the swap. */
const COMPACT_PASSES = 8;
/** Compaction flushes the new file each time this many bytes were written to it (8 MiB). */
const COMPACT_SYNC_BYTES = 8 << 20;
/**
 * After a compaction the old file's blocks are freed this many bytes at a time, with a pause between: freed all at
 * once (the last handle's close), an 839 MiB file held the file system's journal, and so every commit's `O_DSYNC`
 * write, for 100-250 ms on a disk mounted with `discard` (docs/performance.md § Twenty-second round).
 */
const COMPACT_FREE_STEP = 16 << 20;
const COMPACT_FREE_PAUSE_MS = 10;
/** After a compaction fails (a full disk), the next is not tried for this long. */
const COMPACT_RETRY_MS = 60_000;
/** Records a filtered query looks at between two turns of the event loop (≈ 2 ms; `query`). */
const QUERY_SLICE_ROWS = 262_144;
/** The index snapshot is written in the background once at least this many rows are not covered by one (≈ 0.8 s of parsing at a crash restart here), and as many as it covers. */
const SNAPSHOT_EVERY_ROWS = 100_000;
/**
 * …through the thread pool, this many bytes a write, each flushed and followed by a pause (none once closing): on
 * ext4 a commit's O_DSYNC append waits for the journal, and the journal for the data a flush allocated, so small
 * flushes spread out keep the commits' waits short (docs/performance.md § Twenty-third round).
 */
const SNAPSHOT_CHUNK = 2 << 20;
const SNAPSHOT_PAUSE_MS = 10;
/** A start that parsed the log writes its snapshot this long after it (60 s): not while the phones come back. */
const SNAPSHOT_AFTER_START_MS = 60_000;

/** A column of the index: typed-array pages, so that growing it copies nothing (src/store/paged-column.ts). */
type Column = PagedColumn<Float64Array | Int32Array | Uint8Array>;

/**
 * The index a compaction builds beside the live one as it copies records: one row per copied record, in the new
 * file's order. Its strings: when the live records name at least half of the interner's strings, the interner is
 * kept as it is and the ids carry over; otherwise a new interner of what the kept records name, so paths, IMSIs and
 * terminals no kept record uses are forgotten, bounded by retention like the columns (docs/performance.md
 * § Eleventh round). Re-interning every kept string (into a `Map`, then) was most of the copy's main-thread time at a
 * fleet's size (1.4 of 2.4 s at 500,000 live records of 500,000 IMSIs: § Twenty-first round), and it frees nothing
 * when most strings are still named. The request type ids are the old interner's, kept as it is (a handful of
 * values). Liveness is taken at the swap (`#install`).
 */
class NextIndex {
  rows = 0;
  /** Bytes written to the new file, and of them flushed to the disk. */
  size = 0;
  synced = 0;
  readonly keep = new PagedColumn((n) => new Int32Array(n));
  readonly ts = new PagedColumn((n) => new Float64Array(n));
  readonly off = new PagedColumn((n) => new Float64Array(n));
  readonly len = new PagedColumn((n) => new Int32Array(n));
  readonly imsi = new PagedColumn((n) => new Int32Array(n));
  readonly msisdn = new PagedColumn((n) => new Int32Array(n));
  readonly term = new PagedColumn((n) => new Int32Array(n));
  readonly ip = new PagedColumn((n) => new Int32Array(n));
  readonly path = new PagedColumn((n) => new Int32Array(n));
  readonly type = new PagedColumn((n) => new Int32Array(n));
  readonly strings: StringInterner;
  /** The copied rows of each IMSI (by its id in `strings`). */
  readonly byImsi = new RowChains();
  readonly byId = new RowIdIndex();
  /** The copy's read window and write chunk, reused window after window. */
  readonly readBuf = Buffer.allocUnsafe(COMPACT_READ);
  readonly writeBuf = Buffer.allocUnsafe(COMPACT_READ);
  /** Old string id → new id + 1 (0: not yet interned); the old interner grows while the copy runs. Null: ids carry over. */
  readonly #ids: PagedColumn<Int32Array> | null;
  /** `kept`: the old interner, kept with its ids; null: a new one. */
  constructor(kept: StringInterner | null, strings: number, seed: number) {
    // A new interner hashes as the old one does (its seed), so adopting a string copies its hash too.
    this.strings = kept ?? new StringInterner(seed);
    this.#ids = kept ? null : new PagedColumn((n) => new Int32Array(n), 0, Math.max(1024, strings));
  }

  columns(): Column[] { return [this.keep, this.ts, this.off, this.len, this.imsi, this.msisdn, this.term, this.ip, this.path, this.type]; }

  /** The new id of the old interner's string `id` (-1 stays null). */
  string(id: number, old: StringInterner): number {
    const ids = this.#ids;
    if (id < 0 || ids === null) return id;
    ids.ensure(id + 1);
    const n = ids.get(id);
    if (n > 0) return n - 1;
    const fresh = this.strings.adopt(old, id);
    ids.set(id, fresh + 1);
    return fresh;
  }
}

/** A record waiting for its commit: its JSON text (the line without its `\n`). */
interface Pending { json: string; rec: ActivityRecord; at: number; resolve: (json: string) => void; reject: (e: unknown) => void }

export class ActivityFileLog implements ActivityLog {
  readonly file: string;
  maxPerSubscriber: number;
  retentionSeconds: number;
  maxBytes: number;
  #liveBytes = 0;
  /** Positions below this were looked at by the byte bound (oldest first). */
  #bytesHead = 0;
  readonly #flushTimer: CommitTimer;
  readonly #deadRatio: number;
  readonly #minDead: number;
  readonly #now: () => number;
  readonly #observeWait: CommitWaitObserver | undefined;
  #fd: number;
  #size = 0;
  // columns, one slot per record in append order (position)
  #n = 0;
  /** Records a filtered query looks at per turn of the event loop. */
  readonly #sliceRows: number;
  #ts = new PagedColumn((n) => new Float64Array(n));
  #off = new PagedColumn((n) => new Float64Array(n));
  #len = new PagedColumn((n) => new Int32Array(n));
  #imsi = new PagedColumn((n) => new Int32Array(n));
  #msisdn = new PagedColumn((n) => new Int32Array(n));
  #term = new PagedColumn((n) => new Int32Array(n));
  #ip = new PagedColumn((n) => new Int32Array(n));
  #path = new PagedColumn((n) => new Int32Array(n));
  #type = new PagedColumn((n) => new Int32Array(n));
  #alive = new PagedColumn((n) => new Uint8Array(n));
  #strings = new StringInterner();
  #types = new StringInterner();
  /** The positions of each IMSI (by its interned id), oldest first: chains in typed arrays (src/store/row-chains.ts). */
  #byImsi = new RowChains();
  /** Record id → position: typed columns, not a string and a map entry per record (src/store/row-id-index.ts). */
  #byId = new RowIdIndex();
  #live = 0;
  /**
   * The per-subscriber cap the lists were last brought under (`enforceRetention` walks them when it is lowered).
   * None at first: the index snapshot's lists were made under the cap of their day, so open's pass walks them once.
   */
  #capApplied = Infinity;
  /** Positions below this are all dead by age (age retention walks forward). */
  #ageHead = 0;
  #pending: Pending[] = [];
  #flushing: Promise<void> | null = null;
  #failed: unknown = null;
  #compacting: Promise<void> | null = null;
  /** Set while a compaction's last step runs: a commit waits for it before it starts. */
  #held: Promise<void> | null = null;
  /** The commit being written and indexed, once past `#held`. */
  #committing: Promise<void> | null = null;
  #compactAfter = 0;
  /** Rows the index snapshot on disk covers (0: none); see `#maybeSnapshot` for when one is written in the background. */
  #snapshotRows = 0;
  readonly #snapshotEvery: number;
  #snapshotting: Promise<void> | null = null;
  #snapshotAfter = 0;
  #snapshotTimer: NodeJS.Timeout | null = null;
  /** How the last open got its index: rows from the index snapshot and rows parsed from the log (`loaded`). */
  #loaded = { fromSnapshot: 0, parsed: 0 };
  readonly #warn: (msg: string) => void;
  #retentionTimer: NodeJS.Timeout | null = null;
  #closed = false;
  #readBuf = Buffer.alloc(64 * 1024);

  private constructor(opts: ActivityLogOptions, fd: number) {
    this.file = opts.file;
    this.maxPerSubscriber = opts.maxPerSubscriber ?? 1000;
    this.retentionSeconds = opts.retentionSeconds ?? 2592000;
    this.maxBytes = opts.maxBytes ?? 0;
    this.#flushTimer = new CommitTimer(opts.commitIntervalMs ?? 2);
    this.#deadRatio = opts.compactDeadRatio ?? 0.5;
    this.#minDead = opts.compactMinDead ?? 10000;
    this.#sliceRows = opts.querySliceRows ?? QUERY_SLICE_ROWS;
    this.#snapshotEvery = opts.snapshotEveryRows ?? SNAPSHOT_EVERY_ROWS;
    this.#now = opts.now ?? Date.now;
    this.#observeWait = opts.onCommitWait;
    this.#warn = opts.warn ?? (() => {});
    this.#fd = fd;
  }

  static async open(opts: ActivityLogOptions): Promise<ActivityFileLog> {
    const tmp = ActivityFileLog.#tmpName(opts.file);
    if (existsSync(tmp)) unlinkSync(tmp); // an unfinished compaction: the old file is intact
    const snapshotTmp = `${ActivityFileLog.#indexName(opts.file)}.tmp`;
    if (existsSync(snapshotTmp)) unlinkSync(snapshotTmp); // an index snapshot a crash cut short
    const fd = openSync(opts.file, 'a+', 0o600);
    const log = new ActivityFileLog(opts, fd);
    const started = performance.now();
    await log.#load();
    log.enforceRetention();
    if (log.#loaded.parsed >= log.#snapshotEvery) {
      const delay = opts.snapshotAfterStartMs ?? SNAPSHOT_AFTER_START_MS;
      log.#warn(`activity log ${opts.file}: ${log.#loaded.parsed} records parsed at start (${((performance.now() - started) / 1000).toFixed(1)} s; ${log.#loaded.fromSnapshot} from the index snapshot): none covered them (a crash since the last snapshot, or it was deleted or damaged). A new one is written in ${delay / 1000} s`);
      // A start that parsed many records (a crash after a compaction) covers them with a snapshot, but not while the
      // daemon starts and the phones come back: its writes would hold the commits then (docs/performance.md
      // § Twenty-third round).
      log.#snapshotAfter = performance.now() + delay;
      // The timer may fire a little before `performance.now()` passes `#snapshotAfter` (timers round to the
      // millisecond): the delay is over when it fires, or an idle log would never write it (a test waited 20 s).
      log.#snapshotTimer = setTimeout(() => { log.#snapshotAfter = 0; log.#maybeSnapshot(); }, delay);
      log.#snapshotTimer.unref();
    }
    const every = opts.retentionIntervalMs ?? 10_000;
    if (every > 0) {
      log.#retentionTimer = setInterval(() => log.enforceRetention(), every);
      log.#retentionTimer.unref();
    }
    return log;
  }

  static #tmpName(file: string) { return join(dirname(file), `.${basename(file)}.compact.tmp`); }

  /**
   * Rebuild the index from the file: read in large chunks, split on newlines,
   * parse each line (readline is several times slower at a million lines).
   */
  async #load(): Promise<void> {
    const size = fstatSync(this.#fd).size;
    const from = this.#loadIndexSnapshot(size);
    this.#loaded = { fromSnapshot: this.#n, parsed: 0 };
    try {
      await this.#parseFrom(from, size);
    } finally {
      this.#loaded.parsed = this.#n - this.#loaded.fromSnapshot;
    }
  }

  /** Resolves once no compaction and no background index snapshot is running (tests and benches wait on it). */
  async settled(): Promise<void> {
    while (this.#compacting || this.#snapshotting) {
      if (this.#compacting) await this.#compacting.catch(() => {});
      if (this.#snapshotting) await this.#snapshotting;
    }
  }

  /** How the last open got its index: rows from the index snapshot, rows parsed from the log after it. */
  get loaded(): { fromSnapshot: number; parsed: number } { return { ...this.#loaded }; }

  async #parseFrom(from: number, size: number): Promise<void> {
    const warn = this.#warn;
    if (size === 0 || from === size) { this.#size = size; return; }
    const fh = await openAsync(this.file, 'r');
    const CHUNK = 8 << 20;
    let lineNo = this.#n;
    let bad: { lineNo: number; off: number; reason: string } | null = null;
    const take = (line: Buffer, off: number) => {
      lineNo++;
      if (bad) throw new StoreCorruptError(this.file, `line ${bad.lineNo} is not a valid record (${bad.reason})`, this.#recovery(bad.lineNo, bad.off));
      if (line.length === 0) return;
      let rec: ActivityRecord;
      try {
        rec = JSON.parse(line.toString('utf8')) as ActivityRecord;
        if (typeof rec !== 'object' || rec === null || typeof rec.id !== 'string' || typeof rec.timestamp !== 'string') throw new Error('missing id or timestamp');
      } catch (e) {
        bad = { lineNo, off, reason: (e as Error).message };
        return;
      }
      this.#index(rec, off, line.length + 1);
    };
    const lines = new LineSplitter(from, take);
    // One buffer for every chunk (the splitter copies what it holds across chunks): a new 8 MiB buffer per chunk
    // counted as external memory and set off a major collection every few chunks (docs/performance.md § Twenty-third round).
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, size - from));
    try {
      let readAt = from;
      while (readAt < size) {
        const chunk = buf.subarray(0, Math.min(CHUNK, size - readAt));
        const { bytesRead } = await fh.read(chunk, 0, chunk.length, readAt);
        if (bytesRead === 0) break;
        readAt += bytesRead;
        lines.push(chunk.subarray(0, bytesRead));
      }
    } finally {
      await fh.close();
    }
    // What is left without a newline is the last line; parse it to tell a torn write from a missing newline.
    if (lines.rest.length) {
      take(lines.rest, lines.restOffset);
      if (!bad) {
        // A complete record whose newline never made it: keep the record, add the newline.
        writeSync(this.#fd, '\n');
        fsyncSync(this.#fd);
        this.#size = size + 1;
        warn(`activity log ${this.file}: added the missing final newline`);
        return;
      }
    }
    if (bad) {
      // Only a torn LAST line is a crash artefact (never acknowledged): cut it off. Anything else threw above.
      const keep = (bad as { off: number }).off;
      ftruncateSync(this.#fd, keep);
      fsyncSync(this.#fd);
      warn(`activity log ${this.file}: cut a torn last line (${size - keep} bytes) left by a crash mid-append; no acknowledged record was lost`);
      this.#size = keep;
      return;
    }
    this.#size = size;
  }

  static #indexName(file: string) { return join(dirname(file), `.${basename(file)}.index`); }

  /**
   * The index snapshot (`.activity.jsonl.index`, written at a clean close; docs/storage.md § Activity log): the
   * columns, the interned strings and the record ids as they were, and how many bytes of the log they cover. At
   * open it replaces parsing those bytes; only what was appended after it (e.g. before a crash) is parsed. Retention
   * is re-applied at open as always. It is trusted only if its CRC-32 holds and the log still has, at the
   * last indexed offset, the record with the last indexed id (a compaction or a restore changes that); otherwise the
   * whole log is parsed as before. Returns the offset to parse from.
   *
   * Format 2 (this build writes it): a 4-byte header length, a JSON header, then the body as the index keeps it in
   * memory: the columns, the interned strings' byte lengths and hashes (the interner's seed is in the header), the
   * id kinds, the ids' words and the strings' UTF-8 bytes; last, the CRC-32 of all before it. Opening copies them;
   * nothing is decoded and no id is made into text. Format 1 (earlier builds: strings and ids in the JSON header) is
   * still read, so an upgrade does not parse its whole log once.
   */
  #loadIndexSnapshot(size: number): number {
    const file = ActivityFileLog.#indexName(this.file);
    if (!existsSync(file)) return 0;
    let fd = -1;
    try {
      fd = openSync(file, 'r');
      const fileSize = fstatSync(fd).size;
      // Each part is read straight into the array that keeps it (on a VM, touching fresh memory is most of the cost).
      let pos = 0;
      let end = fileSize;
      let crc = 0;
      const read = <V extends Uint8Array | Int32Array | Uint32Array | Float64Array>(view: V, bytes = view.byteLength): V => {
        if (pos + bytes > end) throw new Error('truncated');
        const into = new Uint8Array(view.buffer, view.byteOffset, bytes);
        for (let got = 0; got < bytes;) {
          const k = readSync(fd, into, got, bytes - got, pos + got);
          if (k === 0) throw new Error('truncated');
          got += k;
        }
        pos += bytes;
        crc = crc32(into, crc);
        return view;
      };
      const hlen = read(Buffer.alloc(4)).readUInt32LE(0);
      const h = JSON.parse(read(Buffer.allocUnsafe(hlen)).toString('utf8')) as IndexSnapshotHeader;
      if ((h.format !== 1 && h.format !== 2) || !Number.isSafeInteger(h.n) || h.n < 0 || h.covered > size) throw new Error('does not match the log');
      const n = h.n;
      if (h.format === 2) end = fileSize - 4; // format 2 ends with the CRC-32 of everything before it
      const cols = this.#columns();
      for (const c of cols) c.ensure(Math.max(n, 1));
      for (const c of cols) for (const v of c.views(n)) read(v);
      let lastId: string;
      if (h.format === 1) {
        if (h.ids.length !== n) throw new Error('does not match the log');
        for (const v of h.strings) this.#strings.id(v);
        for (const i of h.ids.keys()) this.#byId.set(h.ids[i]!, i);
        lastId = h.ids[n - 1]!;
      } else {
        // Read into the columns the interner and the id index take as their own.
        const column = <A extends TypedColumn>(make: (k: number) => A, entries: number): PagedColumn<A> => {
          const c = new PagedColumn(make, 0, entries);
          for (const v of c.views(entries)) read(v);
          return c;
        };
        const lengths = column((k) => new Int32Array(k), h.strings);
        const hashes = column((k) => new Int32Array(k), h.strings);
        const kinds = column((k) => new Uint8Array(k), n);
        const words = column((k) => new Uint32Array(k), n * 4);
        const bytes = read(Buffer.allocUnsafe(Math.max(1 << 16, h.stringBytes)), h.stringBytes);
        if (pos !== end) throw new Error('longer than its header says');
        const sum = crc;
        end = fileSize;
        if (read(Buffer.alloc(4)).readUInt32LE(0) !== sum) throw new Error('its checksum does not match');
        this.#strings = StringInterner.restore(h.seed, h.strings, lengths, hashes, bytes);
        this.#byId = RowIdIndex.restore(n, kinds, words, h.others);
        lastId = h.lastId;
      }
      for (const v of h.types) this.#types.id(v);
      // Every interned id a column names must exist: a request would otherwise meet the damage, not the open.
      for (const [c, count] of [[this.#imsi, this.#strings.size], [this.#msisdn, this.#strings.size], [this.#term, this.#strings.size], [this.#ip, this.#strings.size], [this.#path, this.#strings.size], [this.#type, this.#types.size]] as const) {
        let row = 0;
        for (const a of c.views(n)) {
          for (let i = 0; i < a.length; i++) if (a[i]! < -1 || a[i]! >= count) throw new Error(`row ${row + i} names string ${a[i]} of ${count}`);
          row += a.length;
        }
      }
      if (n > 0) { // the last indexed record must still be where the index says
        const last = this.#readAt(this.#off.get(n - 1), this.#len.get(n - 1));
        if (last.id !== lastId || this.#off.get(n - 1) + this.#len.get(n - 1) !== h.covered) throw new Error('the log changed since');
      }
      this.#n = n;
      let live = 0;
      let liveBytes = 0;
      for (let i = 0; i < n; i++) {
        if (!this.#alive.get(i)) continue;
        live++;
        liveBytes += this.#len.get(i);
        const imsiId = this.#imsi.get(i);
        if (imsiId < 0) continue;
        this.#byImsi.push(imsiId, i);
      }
      this.#live = live;
      this.#liveBytes = liveBytes; // activity.max_bytes counts them (it counted none before 2026-12-05)
      this.#snapshotRows = n;
      return h.covered;
    } catch (e) {
      // Start over from the log itself: the index is only a cache.
      this.#n = 0; this.#live = 0; this.#byId = new RowIdIndex(); this.#byImsi = new RowChains();
      this.#strings = new StringInterner(); this.#types = new StringInterner();
      this.#warn(`activity log ${this.file}: index snapshot ignored (${(e as Error).message}); rebuilding the index from the log`);
      try { unlinkSync(file); } catch { /* gone */ }
      return 0;
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  }

  /**
   * The index snapshot's parts (format 2, `#loadIndexSnapshot`) for rows 0 … n - 1 as they are now, without the CRC
   * trailer. The parts are views of the index's arrays: rows below n never change, except their liveness, so the
   * snapshot takes a copy of that column (it is written while the log runs). A record killed after the copy is
   * killed again at open (retention is a function of the records and the clock: the cap, the age and max_bytes are
   * applied at every open).
   */
  #snapshotParts(): { n: number; parts: Uint8Array[] } {
    const n = this.#n;
    const strings = this.#strings.saved();
    const ids = this.#byId.saved(n);
    const bytesOf = (a: Int32Array | Uint32Array | Float64Array | Uint8Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const body: Uint8Array[] = [];
    for (const c of this.#columns()) {
      for (const rows of c.views(n)) body.push(bytesOf(c === this.#alive ? rows.slice() : rows));
    }
    body.push(...strings.lengths.map(bytesOf), ...strings.hashes.map(bytesOf), ...ids.kinds, ...ids.words.map(bytesOf), ...strings.bytes);
    const covered = n > 0 ? this.#off.get(n - 1) + this.#len.get(n - 1) : 0;
    const header: IndexSnapshotHeader = {
      format: 2, n, covered, lastId: n > 0 ? this.#byId.idAt(n - 1) ?? this.#readAt(this.#off.get(n - 1), this.#len.get(n - 1)).id : '',
      seed: strings.seed, strings: strings.count, stringBytes: strings.byteLength, types: this.#types.values(), others: ids.others,
    };
    const head = Buffer.from(JSON.stringify(header));
    const size = Buffer.alloc(4);
    size.writeUInt32LE(head.length, 0);
    return { n, parts: [size, head, ...body] };
  }

  /**
   * Write the index snapshot while the log runs, when at least SNAPSHOT_EVERY_ROWS rows, and as many as it covers,
   * are not covered by one (after a compaction, which deletes it; after a start that parsed the log, once
   * SNAPSHOT_AFTER_START_MS passed; when the log has doubled since the last one): a crash restart then parses only
   * what came after it, not the whole log (8.2 s at a million records here). Through the thread pool, SNAPSHOT_CHUNK
   * at a time (the CRC taken chunk by chunk on the event loop), each flushed and followed by a pause; never beside a
   * compaction (which waits for it) or after close begins. A failure leaves the last snapshot, warns, and is tried
   * again after COMPACT_RETRY_MS.
   */
  #maybeSnapshot(): void {
    // Rows not covered: at least SNAPSHOT_EVERY_ROWS and as many as are covered (a snapshot costs in proportion to the
    // whole index, so one per doubling of the log keeps its writes a fraction of the log's own).
    const uncovered = this.#n - this.#snapshotRows;
    if (uncovered < this.#snapshotEvery || uncovered < this.#snapshotRows || this.#snapshotting || this.#compacting || this.#closed
      || this.#failed !== null || performance.now() < this.#snapshotAfter) return;
    this.#snapshotting = this.#writeSnapshot()
      .catch((e: unknown) => {
        this.#snapshotAfter = performance.now() + COMPACT_RETRY_MS;
        this.#warn(`activity log ${this.file}: index snapshot not written (a crash restart parses the log since the last one; tried again in ${COMPACT_RETRY_MS / 1000} s): ${(e as Error).message}`);
      })
      .finally(() => { this.#snapshotting = null; });
  }

  /**
   * Write the index snapshot: a temporary file, renamed over the last one once it is durable. While the log runs,
   * each SNAPSHOT_CHUNK is flushed and followed by a pause; at close, one flush at the end.
   */
  async #writeSnapshot(): Promise<void> {
    const { n, parts } = this.#snapshotParts();
    const file = ActivityFileLog.#indexName(this.file);
    const tmp = `${file}.tmp`;
    const fh = await openAsync(tmp, 'w', 0o600);
    let done = false;
    try {
      let crc = 0;
      let unsynced = 0;
      for (const p of parts) {
        for (let at = 0; at < p.length; at += SNAPSHOT_CHUNK) {
          const chunk = Buffer.from(p.buffer, p.byteOffset + at, Math.min(SNAPSHOT_CHUNK, p.length - at));
          crc = crc32(chunk, crc);
          await writeAll(fh, chunk);
          unsynced += chunk.length;
          if (unsynced >= SNAPSHOT_CHUNK && !this.#closed) {
            await fh.datasync();
            unsynced = 0;
            await new Promise((r) => setTimeout(r, SNAPSHOT_PAUSE_MS));
          }
        }
      }
      const trailer = Buffer.alloc(4);
      trailer.writeUInt32LE(crc, 0);
      await writeAll(fh, trailer);
      await fh.datasync();
      done = true;
    } finally {
      await fh.close().catch(() => {});
      if (!done) try { unlinkSync(tmp); } catch { /* gone */ }
    }
    renameSync(tmp, file);
    this.#snapshotRows = n;
  }

  #readAt(off: number, len: number): ActivityRecord {
    const buf = Buffer.alloc(len);
    readSync(this.#fd, buf, 0, len, off);
    return JSON.parse(buf.toString('utf8')) as ActivityRecord;
  }

  #recovery(lineNo: number, off: number) {
    return `the log is damaged at line ${lineNo}. Keep the good part: cp '${this.file}' '${this.file}.damaged' && truncate -s ${off} '${this.file}' (drops line ${lineNo} and after), or move it aside to start a new log: mv '${this.file}' '${this.file}.damaged'`;
  }

  #index(rec: ActivityRecord, off: number, len: number): void {
    const i = this.#n++;
    if (this.#n > this.#alive.capacity) for (const c of this.#columns()) c.ensure(this.#n);
    this.#ts.set(i, this.#parseTs(rec.timestamp));
    this.#off.set(i, off);
    this.#len.set(i, len);
    // Each column through its own slot of the interners' recent strings (string-interner.ts `#recent`).
    const imsiId = this.#strings.id(rec.imsi, 0);
    this.#imsi.set(i, imsiId);
    this.#msisdn.set(i, this.#strings.id(rec.msisdn, 1));
    this.#term.set(i, this.#strings.id(rec.terminal_id, 2));
    this.#ip.set(i, this.#strings.id(rec.client_ip, 3));
    this.#path.set(i, this.#strings.id(rec.request_path, 4));
    this.#type.set(i, this.#types.id(rec.request_type, 0));
    this.#alive.set(i, 1);
    this.#live++;
    this.#liveBytes += len;
    this.#byId.set(rec.id, i);
    if (imsiId >= 0) {
      // per-subscriber cap, enforced on every append (the oldest first, live or killed by age already)
      let count = this.#byImsi.push(imsiId, i);
      while (count-- > this.maxPerSubscriber) this.#kill(this.#byImsi.shift(imsiId));
    }
  }

  /** The last timestamp parsed: records committed together mostly share their millisecond's text. */
  #tsText = '';
  #tsMs = 0;
  #parseTs(text: string): number {
    if (text !== this.#tsText) {
      const ms = Date.parse(text);
      this.#tsText = text;
      this.#tsMs = Number.isNaN(ms) ? 0 : ms;
    }
    return this.#tsMs;
  }

  #columns() {
    return [this.#ts, this.#off, this.#len, this.#imsi, this.#msisdn, this.#term, this.#ip, this.#path, this.#type, this.#alive] as Column[];
  }

  #kill(i: number): void {
    if (!this.#alive.get(i)) return;
    this.#alive.set(i, 0);
    this.#live--;
    this.#liveBytes -= this.#len.get(i);
  }

  /** Resolves, once durable, with the record's JSON text as the line holds it (the event stream sends it). */
  append(record: ActivityRecord): Promise<string> {
    if (this.#closed) return Promise.reject(new Error('activity log is closed'));
    // The line stays text until its commit: one buffer per batch instead of one per record and a concat.
    const json = JSON.stringify(record);
    return new Promise((resolve, reject) => {
      this.#pending.push({ json, rec: record, at: performance.now(), resolve, reject });
      if (!this.#flushing) this.#scheduleFlush();
    });
  }

  #scheduleFlush() {
    this.#flushTimer.arm(() => {
      this.#flushing = this.#flush().finally(() => {
        this.#flushing = null;
        if (this.#pending.length) this.#scheduleFlush();
      });
    }, this.#pending.length);
  }

  /** One group commit, once no compaction holds commits. */
  async #flush(): Promise<void> {
    while (this.#held) await this.#held;
    this.#committing = this.#commit();
    try { await this.#committing; } finally { this.#committing = null; }
  }

  /** Write every pending line, one fsync, then index and acknowledge. */
  async #commit(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    this.#flushTimer.committed(batch.length);
    if (!batch.length) return;
    const start = this.#size;
    let text = '';
    for (const p of batch) { text += p.json; text += '\n'; }
    const buf = Buffer.from(text);
    try {
      // One thread-pool round trip: the write is durable when it returns (durable-write.ts, O_DSYNC).
      await writeDurable(await this.#handle(), buf, start);
      this.#failed = null;
    } catch (e) {
      this.#failed = e;
      try { ftruncateSync(this.#fd, start); } catch { /* keep the error we have */ }
      for (const p of batch) p.reject(e);
      return;
    }
    this.#size = start + buf.length;
    // As many bytes as characters: every line is ASCII (the usual case) and its length is its byte length.
    const ascii = buf.length === text.length;
    let off = start;
    for (const p of batch) {
      const bytes = (ascii ? p.json.length : Buffer.byteLength(p.json)) + 1;
      this.#index(p.rec, off, bytes);
      off += bytes;
    }
    reportCommitWaits(this.#observeWait, batch);
    for (const p of batch) p.resolve(p.json);
    this.#enforceBytes();
    this.#maybeCompact();
    this.#maybeSnapshot();
  }

  /** The commits' handle (opened at the first commit); a compaction's swap closes it and the next commit opens the new file's. */
  #fh: FileHandle | null = null;
  async #handle(): Promise<FileHandle> {
    // Positional writes on an O_APPEND fd go to the end anyway; this handle is opened read-write (O_DSYNC where the
    // platform has it: durable-write.ts) for the commits' positional writes.
    this.#fh ??= await openForCommits(this.file);
    return this.#fh;
  }

  /** Apply the age limit now (the timer calls this; so do tests and the SIGHUP reload). */
  enforceRetention(): number {
    const cutoff = this.#now() - this.retentionSeconds * 1000;
    let killed = 0;
    let i = this.#ageHead;
    // Append order is time order for records made by this daemon; stop at the first young one.
    while (i < this.#n && this.#ts.get(i) < cutoff) {
      if (this.#alive.get(i)) { this.#kill(i); killed++; }
      i++;
    }
    this.#ageHead = i;
    // The cap is enforced on every append; only a reload that lowered it leaves lists above it. Walking every
    // subscriber's list on each tick cost 20–36 ms of event loop every 10 s at 500,000 IMSIs, growing with the fleet
    // (docs/performance.md § Twenty-first round).
    const lowered = this.maxPerSubscriber < this.#capApplied;
    this.#capApplied = this.maxPerSubscriber;
    if (lowered) {
      const lists = this.#byImsi;
      for (let key = 0; key < lists.keySpan; key++) {
        if (lists.count(key) <= this.maxPerSubscriber) continue;
        let live = 0;
        for (const i of lists.rows(key)) live += this.#alive.get(i);
        while (live > this.maxPerSubscriber) {
          const i = lists.shift(key);
          if (this.#alive.get(i)) { this.#kill(i); live--; killed++; }
        }
      }
    }
    killed += this.#enforceBytes();
    this.#maybeCompact();
    return killed;
  }

  /** activity.max_bytes: drop the oldest live records until the live ones take at most half of it. */
  #enforceBytes(): number {
    if (!this.maxBytes) return 0;
    let killed = 0;
    let i = this.#bytesHead;
    while (this.#liveBytes > this.maxBytes / 2 && i < this.#n) {
      if (this.#alive.get(i)) { this.#kill(i); killed++; }
      i++;
    }
    this.#bytesHead = i;
    return killed;
  }

  get dead(): number { return this.#n - this.#live; }

  #maybeCompact() {
    if (this.#compacting || this.#closed || performance.now() < this.#compactAfter) return;
    const dead = this.dead;
    if ((dead >= this.#minDead && dead >= this.#n * this.#deadRatio) || (this.maxBytes && this.#size >= this.maxBytes && dead > 0)) {
      this.compact().catch((e) => {
        this.#compactAfter = performance.now() + COMPACT_RETRY_MS;
        this.#warn(`activity log ${this.file}: compaction failed (the log keeps its dead records and grows; tried again in ${COMPACT_RETRY_MS / 1000} s): ${(e as Error).message}`);
      });
    }
  }

  /**
   * Rewrite the live records to a new file and swap it in atomically. Commits go on into the old file while the
   * records are copied, and the copy builds the new index beside the old one as it goes; reads use the old file and
   * index until the swap. Only the last step holds commits: the records committed since the last pass are copied,
   * the new file is fsynced and renamed over the old one, and the new index is put in place. A compaction that fails
   * (a full disk) leaves the old file and index as they were; the next is tried after COMPACT_RETRY_MS.
   */
  compact(): Promise<void> {
    // One in flight (started by a commit) began before records that are dead now: the caller asked for a compaction
    // of the log as it is, so another follows it when any record is dead (tests had found 6 lines where 5 lived).
    if (this.#compacting) return this.#compacting.then(() => (this.dead > 0 && !this.#closed ? this.compact() : undefined));
    this.#compacting = this.#compactNow().finally(() => {
      this.#compacting = null;
      this.#maybeSnapshot(); // the compaction deleted the snapshot: its rows are covered by none
    });
    return this.#compacting;
  }

  async #compactNow(): Promise<void> {
    // A snapshot being written describes the old file: it is finished first (the swap below deletes it).
    while (this.#snapshotting) await this.#snapshotting;
    const tmp = ActivityFileLog.#tmpName(this.file);
    const out = await openAsync(tmp, 'w', 0o600);
    // Read-write: after the swap this handle, the old file's last, cuts it down step by step (#freeOld).
    const src = await openAsync(this.file, 'r+');
    let renamed = false;
    let oldCommits: FileHandle | null = null;
    let release: (() => void) | null = null;
    try {
      const strings = this.#strings.size;
      const next = new NextIndex((await this.#namedStrings()) * 2 >= strings ? this.#strings : null, strings, this.#strings.seed);
      // Passes over what was committed meanwhile, until what is left is small enough to copy with commits held.
      let done = 0;
      for (let pass = 0; pass < COMPACT_PASSES && this.#n - done > COMPACT_HELD_ROWS; pass++) {
        const upTo = this.#n;
        await this.#copyRows(src, out, next, done, upTo);
        done = upTo;
      }
      await out.sync(); // the bulk, with commits going on
      // The last step: no commit starts until the swap; one that had started finishes (and is indexed) first.
      this.#held = new Promise<void>((r) => { release = r; });
      while (this.#committing) await this.#committing.catch(() => {});
      await this.#copyRows(src, out, next, done, this.#n);
      await out.sync();
      try { unlinkSync(ActivityFileLog.#indexName(this.file)); } catch { /* none */ }
      this.#snapshotRows = 0;
      renameSync(tmp, this.file);
      renamed = true;
      // From the rename on, the new file is the log: the swap is synchronous, so no read or commit sees half of it.
      const oldFd = this.#fd;
      this.#fd = openSync(this.file, 'a+', 0o600);
      closeSync(oldFd);
      // The commit handle of the old file is closed below, once the hold is released (no commit uses it any more).
      oldCommits = this.#fh;
      this.#fh = null;
      this.#install(next);
      // Commits stay held until the rename is durable: one acknowledged after it lives only in the new file.
      await fsyncDir(dirname(this.file));
    } catch (e) {
      if (!renamed) try { unlinkSync(tmp); } catch { /* gone */ }
      throw e;
    } finally {
      this.#held = null;
      (release as (() => void) | null)?.();
      await out.close().catch(() => {});
      await (oldCommits as FileHandle | null)?.close().catch(() => {});
      // After the hold is released; `src` holds the old file open until then, so no other close frees its blocks.
      if (renamed) await this.#freeOld(src).catch(() => {});
      await src.close().catch(() => {});
    }
  }

  /** Free the replaced file's blocks COMPACT_FREE_STEP at a time, from its end, pausing between steps (at once once closing). */
  async #freeOld(old: FileHandle): Promise<void> {
    let size = (await old.stat()).size;
    while (size > 0) {
      size = Math.max(0, size - COMPACT_FREE_STEP);
      await old.truncate(size);
      if (size > 0 && !this.#closed) await new Promise((r) => setTimeout(r, COMPACT_FREE_PAUSE_MS));
    }
  }

  /**
   * Copy the live records among positions [from, to) to `out` and add them to `next`: one read of the old file per
   * window of COMPACT_READ bytes (not one per record), the window's live records written in one piece. Both are on
   * the thread pool, so the event loop runs between windows. Liveness is looked at after each read: a record killed
   * meanwhile is not copied; one killed after it was copied stays as a dead row until the next compaction.
   */
  async #copyRows(src: FileHandle, out: FileHandle, next: NextIndex, from: number, to: number): Promise<void> {
    let i = from;
    while (i < to) {
      while (i < to && !this.#alive.get(i)) i++;
      if (i >= to) return;
      const start = this.#off.get(i);
      let j = i + 1;
      while (j < to && this.#off.get(j) + this.#len.get(j) - start <= COMPACT_READ) j++;
      const end = this.#off.get(j - 1) + this.#len.get(j - 1);
      // The window and the chunk reuse one buffer each per compaction (a record over COMPACT_READ gets its own): a new
      // 1 MiB ArrayBuffer per window was ≈ 1.5 GB of external memory at a million records, and V8 answered it with a
      // full collection every few windows once the heap was small (docs/performance.md § Twenty-second round).
      const span = end - start;
      const win = span <= next.readBuf.length ? next.readBuf : Buffer.allocUnsafe(span);
      let got = 0;
      while (got < span) {
        const { bytesRead } = await src.read(win, got, span - got, start + got);
        if (bytesRead === 0) throw new Error(`the activity log ended at byte ${start + got}, before the records it indexes`);
        got += bytesRead;
      }
      let bytes = 0;
      for (let k = i; k < j; k++) if (this.#alive.get(k)) bytes += this.#len.get(k);
      const chunk = bytes <= next.writeBuf.length ? next.writeBuf : Buffer.allocUnsafe(bytes);
      let at = 0;
      for (let k = i; k < j; k++) {
        if (!this.#alive.get(k)) continue;
        const off = this.#off.get(k) - start;
        const len = this.#len.get(k);
        win.copy(chunk, at, off, off + len);
        this.#addNext(next, k, next.size + at);
        at += len;
      }
      if (bytes) await writeAll(out, chunk.subarray(0, bytes), next.size);
      next.size += bytes;
      // Flushed as it goes (as RocksDB's bytes_per_sync does): a single fsync of hundreds of MiB at the end would put
      // every commit's O_DSYNC write to the same disk behind it.
      if (next.size - next.synced >= COMPACT_SYNC_BYTES) { await out.datasync(); next.synced = next.size; }
      i = j;
    }
  }

  /**
   * How many of the interner's strings the live records name: a bit per string, set from the typed columns, the event
   * loop let run every 65,536 rows (a fleet's log has millions). Records committed meanwhile are not looked at: it
   * only decides whether the interner is worth rebuilding.
   */
  async #namedStrings(): Promise<number> {
    const named = new Uint8Array(this.#strings.size);
    const rows = this.#n;
    let count = 0;
    for (let from = 0; from < rows; from += 65_536) {
      if (from > 0) await new Promise((r) => setImmediate(r));
      const to = Math.min(rows, from + 65_536);
      for (const c of [this.#imsi, this.#msisdn, this.#term, this.#ip, this.#path]) {
        for (let i = from; i < to; i++) {
          const id = c.get(i);
          if (id >= 0 && this.#alive.get(i) && !named[id]) { named[id] = 1; count++; }
        }
      }
    }
    return count;
  }

  /** Add the old row `k`, copied to `off` in the new file, to the new index. */
  #addNext(next: NextIndex, k: number, off: number): void {
    const r = next.rows++;
    if (next.rows > next.keep.capacity) for (const c of next.columns()) c.ensure(next.rows);
    next.keep.set(r, k);
    next.ts.set(r, this.#ts.get(k));
    next.off.set(r, off);
    next.len.set(r, this.#len.get(k));
    next.type.set(r, this.#type.get(k));
    const old = this.#strings;
    const imsi = next.string(this.#imsi.get(k), old);
    next.imsi.set(r, imsi);
    next.msisdn.set(r, next.string(this.#msisdn.get(k), old));
    next.term.set(r, next.string(this.#term.get(k), old));
    next.ip.set(r, next.string(this.#ip.get(k), old));
    next.path.set(r, next.string(this.#path.get(k), old));
    this.#byId.copyRowTo(k, next.byId, r);
    if (imsi >= 0) next.byImsi.push(imsi, r);
  }

  /**
   * The swap's index: the new columns, interner, per-IMSI lists and id index in place of the old ones. The liveness
   * of each row is taken now (retention may have struck during the copy); all else was built as the records were
   * copied, so this is a few loops over typed arrays, not a rebuild.
   */
  #install(next: NextIndex): void {
    const m = next.rows;
    const alive = new PagedColumn((n) => new Uint8Array(n), 0, m);
    alive.ensure(m);
    let live = 0;
    let liveBytes = 0;
    for (let r = 0; r < m; r++) {
      const a = this.#alive.get(next.keep.get(r));
      alive.set(r, a);
      live += a;
      if (a) liveBytes += next.len.get(r);
    }
    this.#ts = next.ts; this.#off = next.off; this.#len = next.len; this.#imsi = next.imsi; this.#msisdn = next.msisdn;
    this.#term = next.term; this.#ip = next.ip; this.#path = next.path; this.#type = next.type; this.#alive = alive;
    this.#strings = next.strings;
    this.#byImsi = next.byImsi;
    this.#byId = next.byId;
    this.#n = m;
    this.#live = live;
    this.#liveBytes = liveBytes;
    this.#bytesHead = 0;
    this.#ageHead = 0;
    this.#size = next.size;
  }

  /** How many distinct strings (paths, IMSIs, MSISDNs, terminals, addresses) the index holds (tests). */
  get internedStrings(): number { return this.#strings.size; }

  #read(i: number): ActivityRecord {
    const len = this.#len.get(i);
    const buf = len <= this.#readBuf.length ? this.#readBuf : Buffer.alloc(len);
    readSync(this.#fd, buf, 0, len, this.#off.get(i));
    return JSON.parse(buf.toString('utf8', 0, len)) as ActivityRecord;
  }

  async get(id: string): Promise<ActivityRecord | undefined> {
    return this.getSync(id);
  }

  getSync(id: string): ActivityRecord | undefined {
    const i = this.#byId.get(id);
    return i === undefined || !this.#alive.get(i) ? undefined : this.#read(i);
  }

  async idsWithPrefix(prefix: string, limit: number): Promise<string[]> {
    return this.#byId.withPrefix(prefix, limit).filter((id) => this.#alive.get(this.#byId.get(id)!));
  }

  async count(): Promise<number> { return this.#live; }

  async tally(): Promise<Tally> { return { n: this.#live, estimated: false }; }

  /**
   * A filtered query's walk of every record yields to the event loop every QUERY_SLICE_ROWS records (≈ 2 ms), so an
   * admin search of a large log does not hold the requests behind it (8–16 ms at a million records in one step, ten
   * times that at ten million). Records appended meanwhile are newer than the walk's start and not in its answer;
   * records retention drops meanwhile are left out from then on. A compaction's swap renumbers the rows: the walk
   * starts again, and after two such restarts runs in one step.
   */
  async query(q: ActivityQuery): Promise<ActivityPage> {
    for (let attempt = 0; ; attempt++) {
      const rows = this.#alive; // replaced at every swap
      const walk = this.#queryWalk(q);
      let step = walk.next();
      while (!step.done) {
        if (attempt < 2) {
          await new Promise<void>((r) => setImmediate(r));
          if (this.#alive !== rows) break;
        }
        step = walk.next();
      }
      if (step.done) return step.value;
    }
  }

  /** `query` in one step (tests, and the third try of a walk two compactions interrupted). */
  querySync(q: ActivityQuery): ActivityPage {
    const walk = this.#queryWalk(q);
    let step = walk.next();
    while (step.done !== true) step = walk.next();
    return step.value;
  }

  /** The query's walk, yielding after every QUERY_SLICE_ROWS records it looked at; its return value is the page. */
  *#queryWalk(q: ActivityQuery): Generator<void, ActivityPage, void> {
    const { limit, start } = activityPageWindow(q);
    if (!q.type && !q.terminal_id && !q.query && !q.imsi && q.from === undefined && q.to === undefined) return this.#newest(start, limit);
    const typeId = q.type ? this.#types.find(q.type) : -1;
    if (q.type && typeId < 0) return { total: 0, records: [] };
    const termId = q.terminal_id ? this.#strings.find(q.terminal_id) : -1;
    if (q.terminal_id && termId < 0) return { total: 0, records: [] };
    const fromMs = q.from !== undefined ? q.from * 1000 : -Infinity;
    const toMs = q.to !== undefined ? q.to * 1000 + 999 : Infinity;
    const matched = q.query ? this.#strings.matching(q.query.toLowerCase()) : null;
    if (matched !== null && matched.count === 0) return { total: 0, records: [] };
    const needle = matched?.flags ?? null;
    const hits: number[] = [];
    let total = 0;
    // The walk stops one match past the count's limit (ports.ts activityCountLimit): the total is then a lower bound.
    const upTo = activityCountLimit(q);
    const consider = (i: number) => {
      if (!this.#alive.get(i)) return;
      if (q.type && this.#type.get(i) !== typeId) return;
      if (q.terminal_id && this.#term.get(i) !== termId) return;
      const t = this.#ts.get(i);
      if (t < fromMs || t > toMs) return;
      // A flag per string id (-1, no string, reads as undefined).
      if (needle && !(needle[this.#imsi.get(i)] || needle[this.#msisdn.get(i)] || needle[this.#term.get(i)] || needle[this.#path.get(i)] || needle[this.#ip.get(i)])) return;
      if (total >= start && hits.length < limit) hits.push(i);
      total++;
    };
    if (q.imsi) {
      const rows = this.#byImsi.rows(this.#strings.find(q.imsi));
      for (let k = rows.length - 1; k >= 0 && total <= upTo; k--) consider(rows[k]!);
    } else {
      for (let i = this.#n - 1; i >= 0 && total <= upTo;) {
        const stop = Math.max(-1, i - this.#sliceRows);
        for (; i > stop && total <= upTo; i--) consider(i);
        if (i >= 0 && total <= upTo) yield;
      }
    }
    return countedPage(hits.map((i) => this.#read(i)), total, upTo);
  }

  /**
   * The page of an unfiltered query: every live record matches, so the total is the live count and the page is found
   * walking from the newest record past `start` live ones — a cost that follows the page asked for, not the log's
   * size (the filtered walk above looks at records until its count's limit, every one when few match: 17–25 ms at a
   * million, docs/performance.md § Twenty-sixth round).
   */
  #newest(start: number, limit: number): ActivityPage {
    const hits: number[] = [];
    let seen = 0;
    for (let i = this.#n - 1; i >= 0 && hits.length < limit; i--) {
      if (!this.#alive.get(i)) continue;
      if (seen++ >= start) hits.push(i);
    }
    return { total: this.#live, records: hits.map((i) => this.#read(i)) };
  }

  writable(): boolean { return this.#failed === null; }

  /** Flush what is pending, stop timers, close the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#retentionTimer) clearInterval(this.#retentionTimer);
    if (this.#snapshotTimer) clearTimeout(this.#snapshotTimer);
    this.#flushTimer.cancel();
    if (this.#flushing) await this.#flushing.catch(() => {});
    if (this.#compacting) await this.#compacting.catch(() => {});
    if (this.#snapshotting) await this.#snapshotting;
    if (this.#pending.length) await this.#flush();
    await this.#fh?.close().catch(() => {});
    if (this.#failed === null) await this.#writeSnapshot().catch(() => { /* only a cache: the next start parses the log */ });
    closeSync(this.#fd);
  }
}
