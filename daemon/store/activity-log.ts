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
import { closeSync, fstatSync, ftruncateSync, fsyncSync, openSync, readSync, writeSync, renameSync, existsSync, unlinkSync, readFileSync } from 'node:fs';
import { open as openAsync, type FileHandle } from 'node:fs/promises';
import { openForCommits, writeDurable } from './durable-write.js';
import { dirname, basename, join } from 'node:path';
import type { ActivityLog, ActivityPage, ActivityQuery } from '../../src/ports.js';
import { keepRecordBytes, recordJson, type ActivityRecord } from '../../src/contracts/activity.js';
import { StoreCorruptError } from './errors.js';
import { LineSplitter } from '../../src/util/line-splitter.js';
import { fsyncDir } from './atomic-file.js';
import { RowIdIndex } from '../../src/store/row-id-index.js';
import { CommitTimer, reportCommitWaits, type CommitWaitObserver } from './commit-timer.js';

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
}

/** Compaction reads the log in windows of this many bytes (1 MiB). */
const COMPACT_READ = 1 << 20;

/** A growable typed-array column. */
class Col<A extends Float64Array | Int32Array | Uint8Array> {
  a: A;
  constructor(private readonly make: (n: number) => A, cap = 1024) { this.a = make(cap); }
  ensure(n: number) {
    if (n <= this.a.length) return;
    let cap = this.a.length * 2;
    while (cap < n) cap *= 2;
    const b = this.make(cap);
    b.set(this.a as never);
    this.a = b;
  }
}

/** String interning: each distinct value stored once; -1 = null. */
class Interner {
  readonly values: string[] = [];
  readonly #ids = new Map<string, number>();
  id(s: string | null | undefined): number {
    if (s == null) return -1;
    let i = this.#ids.get(s);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(s);
      this.#ids.set(s, i);
    }
    return i;
  }
  find(s: string): number { return this.#ids.get(s) ?? -2; }
  /** ids of every value containing the needle (lower-case). */
  matching(needle: string): Set<number> {
    const out = new Set<number>();
    this.values.forEach((v, i) => { if (v.toLowerCase().includes(needle)) out.add(i); });
    return out;
  }
}

/** A record waiting for its commit: its line as text (with the `\n`). */
interface Pending { line: string; rec: ActivityRecord; at: number; resolve: () => void; reject: (e: unknown) => void }

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
  #ts = new Col((n) => new Float64Array(n));
  #off = new Col((n) => new Float64Array(n));
  #len = new Col((n) => new Int32Array(n));
  #imsi = new Col((n) => new Int32Array(n));
  #msisdn = new Col((n) => new Int32Array(n));
  #term = new Col((n) => new Int32Array(n));
  #ip = new Col((n) => new Int32Array(n));
  #path = new Col((n) => new Int32Array(n));
  #type = new Col((n) => new Int32Array(n));
  #alive = new Col((n) => new Uint8Array(n));
  #strings = new Interner();
  #types = new Interner();
  /** imsi id → positions (ascending); `#head` = first possibly-live index in it. */
  #byImsi = new Map<number, { pos: number[]; head: number }>();
  /** Record id → position: typed columns, not a string and a map entry per record (src/store/row-id-index.ts). */
  #byId = new RowIdIndex();
  #live = 0;
  /** Positions below this are all dead by age (age retention walks forward). */
  #ageHead = 0;
  #pending: Pending[] = [];
  #flushing: Promise<void> | null = null;
  #failed: unknown = null;
  #compacting: Promise<void> | null = null;
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
    this.#now = opts.now ?? Date.now;
    this.#observeWait = opts.onCommitWait;
    this.#fd = fd;
  }

  static async open(opts: ActivityLogOptions): Promise<ActivityFileLog> {
    const tmp = ActivityFileLog.#tmpName(opts.file);
    if (existsSync(tmp)) unlinkSync(tmp); // an unfinished compaction: the old file is intact
    const fd = openSync(opts.file, 'a+', 0o600);
    const log = new ActivityFileLog(opts, fd);
    await log.#load(opts.warn ?? (() => {}));
    log.enforceRetention();
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
  async #load(warn: (msg: string) => void): Promise<void> {
    const size = fstatSync(this.#fd).size;
    const from = this.#loadIndexSnapshot(size, warn);
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
    try {
      let readAt = from;
      while (readAt < size) {
        const chunk = Buffer.allocUnsafe(Math.min(CHUNK, size - readAt));
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
   * The index snapshot (`.activity.jsonl.index`, written at a clean close): the columns, the interned
   * strings and the ids as they were, and how many bytes of the log they cover. At open it replaces parsing
   * those bytes; only what was appended after it (e.g. before a crash) is parsed. Retention is re-applied
   * at open as always. It is trusted only if the log still has, at the
   * last indexed offset, the record with the last indexed id (a compaction or a restore changes that);
   * otherwise the whole log is parsed as before. Returns the offset to parse from.
   */
  #loadIndexSnapshot(size: number, warn: (msg: string) => void): number {
    const file = ActivityFileLog.#indexName(this.file);
    if (!existsSync(file)) return 0;
    try {
      const buf = readFileSync(file);
      const hlen = buf.readUInt32LE(0);
      const h = JSON.parse(buf.toString('utf8', 4, 4 + hlen)) as { format: number; n: number; covered: number; strings: string[]; types: string[]; ids: string[] };
      if (h.format !== 1 || h.covered > size || h.ids.length !== h.n) throw new Error('does not match the log');
      const n = h.n;
      let at = 4 + hlen;
      const cols = this.#columns();
      for (const c of cols) c.ensure(Math.max(n, 1));
      for (const c of cols) {
        const bytes = n * c.a.BYTES_PER_ELEMENT;
        if (at + bytes > buf.length) throw new Error('truncated');
        Buffer.from(c.a.buffer, c.a.byteOffset, bytes).set(buf.subarray(at, at + bytes));
        at += bytes;
      }
      if (n > 0) { // the last indexed record must still be where the index says
        const last = this.#readAt(this.#off.a[n - 1]!, this.#len.a[n - 1]!);
        if (last.id !== h.ids[n - 1] || this.#off.a[n - 1]! + this.#len.a[n - 1]! !== h.covered) throw new Error('the log changed since');
      }
      for (const v of h.strings) this.#strings.id(v);
      for (const v of h.types) this.#types.id(v);
      this.#n = n;
      let live = 0;
      for (let i = 0; i < n; i++) {
        this.#byId.set(h.ids[i]!, i);
        if (!this.#alive.a[i]) continue;
        live++;
        const imsiId = this.#imsi.a[i]!;
        if (imsiId < 0) continue;
        let l = this.#byImsi.get(imsiId);
        if (!l) this.#byImsi.set(imsiId, (l = { pos: [], head: 0 }));
        l.pos.push(i);
      }
      this.#live = live;
      return h.covered;
    } catch (e) {
      // Start over from the log itself: the index is only a cache.
      this.#n = 0; this.#live = 0; this.#byId = new RowIdIndex(); this.#byImsi.clear();
      this.#strings = new Interner(); this.#types = new Interner();
      warn(`activity log ${this.file}: index snapshot ignored (${(e as Error).message}); rebuilding the index from the log`);
      try { unlinkSync(file); } catch { /* gone */ }
      return 0;
    }
  }

  /** Write the index snapshot (at close: the log is not changing any more). */
  #saveIndexSnapshot(): void {
    const n = this.#n;
    const ids: string[] = new Array(n);
    for (let i = 0; i < n; i++) ids[i] = this.#byId.idAt(i) ?? this.#readAt(this.#off.a[i]!, this.#len.a[i]!).id;
    const head = Buffer.from(JSON.stringify({ format: 1, n, covered: this.#size, strings: this.#strings.values, types: this.#types.values, ids }));
    const parts: Buffer[] = [Buffer.alloc(4), head];
    parts[0]!.writeUInt32LE(head.length, 0);
    for (const c of this.#columns()) parts.push(Buffer.from(c.a.buffer, c.a.byteOffset, n * c.a.BYTES_PER_ELEMENT));
    const file = ActivityFileLog.#indexName(this.file);
    const tmp = `${file}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      for (const b of parts) { let w = 0; while (w < b.length) w += writeSync(fd, b, w, b.length - w); }
      fsyncSync(fd);
    } finally { closeSync(fd); }
    renameSync(tmp, file);
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
    if (this.#n > this.#alive.a.length) for (const c of this.#columns()) c.ensure(this.#n);
    this.#ts.a[i] = this.#parseTs(rec.timestamp);
    this.#off.a[i] = off;
    this.#len.a[i] = len;
    const imsiId = this.#strings.id(rec.imsi);
    this.#imsi.a[i] = imsiId;
    this.#msisdn.a[i] = this.#strings.id(rec.msisdn);
    this.#term.a[i] = this.#strings.id(rec.terminal_id);
    this.#ip.a[i] = this.#strings.id(rec.client_ip);
    this.#path.a[i] = this.#strings.id(rec.request_path);
    this.#type.a[i] = this.#types.id(rec.request_type);
    this.#alive.a[i] = 1;
    this.#live++;
    this.#liveBytes += len;
    this.#byId.set(rec.id, i);
    if (imsiId >= 0) {
      let l = this.#byImsi.get(imsiId);
      if (!l) this.#byImsi.set(imsiId, (l = { pos: [], head: 0 }));
      l.pos.push(i);
      // per-subscriber cap, enforced on every append
      while (l.pos.length - l.head > this.maxPerSubscriber) this.#kill(l.pos[l.head++]!);
      if (l.head > 1024 && l.head > l.pos.length / 2) { l.pos = l.pos.slice(l.head); l.head = 0; }
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
    return [this.#ts, this.#off, this.#len, this.#imsi, this.#msisdn, this.#term, this.#ip, this.#path, this.#type, this.#alive] as Array<Col<Float64Array | Int32Array | Uint8Array>>;
  }

  #kill(i: number): void {
    if (!this.#alive.a[i]) return;
    this.#alive.a[i] = 0;
    this.#live--;
    this.#liveBytes -= this.#len.a[i]!;
  }

  append(record: ActivityRecord): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('activity log is closed'));
    // The line stays text until its commit: one buffer per batch instead of one per record and a concat.
    const line = `${recordJson(record)}\n`;
    return new Promise((resolve, reject) => {
      this.#pending.push({ line, rec: record, at: performance.now(), resolve, reject });
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

  /** One group commit: write every pending line, one fsync, then index and acknowledge. */
  async #flush(): Promise<void> {
    if (this.#compacting) await this.#compacting.catch(() => {});
    const batch = this.#pending;
    this.#pending = [];
    this.#flushTimer.committed(batch.length);
    if (!batch.length) return;
    const start = this.#size;
    let text = '';
    for (const p of batch) text += p.line;
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
      const bytes = ascii ? p.line.length : Buffer.byteLength(p.line);
      this.#index(p.rec, off, bytes);
      // The event stream sends these bytes as they are (without the newline): event-routes.ts.
      keepRecordBytes(p.rec, buf.subarray(off - start, off - start + bytes - 1));
      off += bytes;
    }
    reportCommitWaits(this.#observeWait, batch);
    for (const p of batch) p.resolve();
    this.#enforceBytes();
    this.#maybeCompact();
  }

  #fh: FileHandle | null = null;
  /** Bumped when compaction swaps the file: the write handle must follow. */
  #generation = 0;
  #fhGeneration = -1;
  async #handle(): Promise<FileHandle> {
    if (this.#fh && this.#fhGeneration === this.#generation) return this.#fh;
    await this.#fh?.close().catch(() => {});
    // Positional writes on an O_APPEND fd go to the end anyway; this handle is opened read-write (O_DSYNC where the
    // platform has it: durable-write.ts) for the commits' positional writes.
    this.#fh = await openForCommits(this.file);
    this.#fhGeneration = this.#generation;
    return this.#fh;
  }

  /** Apply the age limit now (the timer calls this; so do tests and the SIGHUP reload). */
  enforceRetention(): number {
    const cutoff = this.#now() - this.retentionSeconds * 1000;
    let killed = 0;
    let i = this.#ageHead;
    // Append order is time order for records made by this daemon; stop at the first young one.
    while (i < this.#n && this.#ts.a[i]! < cutoff) {
      if (this.#alive.a[i]) { this.#kill(i); killed++; }
      i++;
    }
    this.#ageHead = i;
    // Per-subscriber cap may have been lowered by a reload.
    for (const l of this.#byImsi.values()) {
      while (l.head < l.pos.length && !this.#alive.a[l.pos[l.head]!]) l.head++;
      let liveCount = 0;
      for (let k = l.head; k < l.pos.length; k++) if (this.#alive.a[l.pos[k]!]) liveCount++;
      for (let k = l.head; k < l.pos.length && liveCount > this.maxPerSubscriber; k++) {
        if (this.#alive.a[l.pos[k]!]) { this.#kill(l.pos[k]!); liveCount--; killed++; }
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
      if (this.#alive.a[i]) { this.#kill(i); killed++; }
      i++;
    }
    this.#bytesHead = i;
    return killed;
  }

  get dead(): number { return this.#n - this.#live; }

  #maybeCompact() {
    const dead = this.dead;
    if (!this.#compacting && dead >= this.#minDead && dead >= this.#n * this.#deadRatio) void this.compact();
    else if (!this.#compacting && this.maxBytes && this.#size >= this.maxBytes && dead > 0) void this.compact();
  }

  /**
   * Rewrite the live records to a new file and swap it in atomically. Appends
   * wait for the swap (the flush awaits the compaction), reads keep working
   * on the old file until the swap.
   */
  compact(): Promise<void> {
    if (this.#compacting) return this.#compacting;
    this.#compacting = (async () => {
      if (this.#flushing) await this.#flushing.catch(() => {});
      const tmp = ActivityFileLog.#tmpName(this.file);
      const out = openSync(tmp, 'w', 0o600);
      const keep: number[] = [];
      const newOff: number[] = [];
      let pos = 0;
      try {
        const chunk: Buffer[] = [];
        let chunkBytes = 0;
        const readLive = this.#sequentialReader();
        for (let i = 0; i < this.#n; i++) {
          if (!this.#alive.a[i]) continue;
          const b = readLive(i);
          keep.push(i);
          newOff.push(pos);
          pos += b.length;
          chunk.push(b);
          chunkBytes += b.length;
          if (chunkBytes > 1 << 20) { writeSync(out, Buffer.concat(chunk)); chunk.length = 0; chunkBytes = 0; }
          if ((keep.length & 0x3fff) === 0) await new Promise((r) => setImmediate(r)); // stay responsive
        }
        if (chunk.length) writeSync(out, Buffer.concat(chunk));
        fsyncSync(out);
      } finally {
        closeSync(out);
      }
      // Swap: everything below is synchronous, so no append or read interleaves.
      try { unlinkSync(ActivityFileLog.#indexName(this.file)); } catch { /* none */ }
      renameSync(tmp, this.file);
      await fsyncDir(dirname(this.file));
      const oldFd = this.#fd;
      this.#fd = openSync(this.file, 'a+', 0o600);
      closeSync(oldFd);
      this.#generation++;
      this.#rebuild(keep, newOff, pos);
    })().finally(() => { this.#compacting = null; });
    return this.#compacting;
  }

  #rebuild(keep: number[], newOff: number[], size: number) {
    const m = keep.length;
    const take = <A extends Float64Array | Int32Array | Uint8Array>(c: Col<A>) => {
      const b = new (c.a.constructor as { new (n: number): A })(Math.max(1024, m * 2));
      for (let k = 0; k < m; k++) b[k] = c.a[keep[k]!]!;
      c.a = b;
    };
    for (const c of [this.#ts, this.#len, this.#imsi, this.#msisdn, this.#term, this.#ip, this.#path, this.#type, this.#alive]) take(c as Col<Float64Array>);
    const off = new Float64Array(Math.max(1024, m * 2));
    newOff.forEach((o, k) => { off[k] = o; });
    this.#off.a = off;
    const remap = new Int32Array(this.#n).fill(-1);
    keep.forEach((old, k) => { remap[old] = k; });
    this.#byId = this.#byId.remap(remap, this.#n);
    const newId = this.#forgetStrings(m);
    const byImsi = new Map<number, { pos: number[]; head: number }>();
    for (const [imsi, l] of this.#byImsi) {
      // One array per IMSI, not three (slice, map, filter): a fleet's log has an entry per subscriber.
      const pos: number[] = [];
      for (let k = l.head; k < l.pos.length; k++) {
        const p = remap[l.pos[k]!]!;
        if (p >= 0) pos.push(p);
      }
      if (pos.length) byImsi.set(newId[imsi]!, { pos, head: 0 });
    }
    this.#byImsi = byImsi;
    this.#n = m;
    let live = 0;
    for (let k = 0; k < m; k++) live += this.#alive.a[k]!; // retention may have struck during the copy
    this.#live = live;
    let liveBytes = 0;
    for (let k = 0; k < m; k++) if (this.#alive.a[k]) liveBytes += this.#len.a[k]!;
    this.#liveBytes = liveBytes;
    this.#bytesHead = 0;
    this.#ageHead = 0;
    this.#size = size;
  }

  /**
   * After compaction kept `m` rows: a new interner of the strings those rows name, the string columns renumbered to
   * it; returns old id → new id (-1: forgotten). Before, every path, IMSI, terminal and address ever seen stayed
   * interned for good; now the interner holds what the kept records use, bounded by retention like the columns
   * (docs/performance.md § Eleventh round). The request type interner (a handful of values) is left as it is.
   */
  #forgetStrings(m: number): Int32Array {
    const old = this.#strings.values;
    const newId = new Int32Array(old.length).fill(-1);
    const strings = new Interner();
    for (const c of [this.#imsi, this.#msisdn, this.#term, this.#ip, this.#path]) {
      const a = c.a;
      for (let k = 0; k < m; k++) {
        const id = a[k]!;
        if (id < 0) continue;
        let n = newId[id]!;
        if (n < 0) newId[id] = n = strings.id(old[id]!);
        a[k] = n;
      }
    }
    this.#strings = strings;
    return newId;
  }

  /** How many distinct strings (paths, IMSIs, MSISDNs, terminals, addresses) the index holds (tests). */
  get internedStrings(): number { return this.#strings.values.length; }

  /**
   * Reads records in file order (ascending positions, as compaction asks for them) through a window of at least
   * COMPACT_READ bytes: one read per window, not one per record. A live record's bytes are copied out (a view would
   * keep its whole window alive while the output chunk fills). The dead records between live ones are read over,
   * never more than the file once. A compaction of a million live records made a million `pread`s on the event
   * loop (docs/performance.md § Twentieth round).
   */
  #sequentialReader(): (i: number) => Buffer {
    let win = Buffer.alloc(0);
    let winStart = 0;
    return (i) => {
      const off = this.#off.a[i]!;
      const len = this.#len.a[i]!;
      if (off < winStart || off + len > winStart + win.length) {
        const want = Math.max(len, COMPACT_READ);
        const buf = Buffer.allocUnsafe(want);
        let got = 0;
        while (got < want) {
          const n = readSync(this.#fd, buf, got, want - got, off + got);
          if (n === 0) break;
          got += n;
        }
        win = buf.subarray(0, got);
        winStart = off;
      }
      // Short only when the file ends early: what is there.
      return Buffer.from(win.subarray(off - winStart, Math.min(off - winStart + len, win.length)));
    };
  }

  #read(i: number): ActivityRecord {
    const len = this.#len.a[i]!;
    const buf = len <= this.#readBuf.length ? this.#readBuf : Buffer.alloc(len);
    readSync(this.#fd, buf, 0, len, this.#off.a[i]!);
    return JSON.parse(buf.toString('utf8', 0, len)) as ActivityRecord;
  }

  async get(id: string): Promise<ActivityRecord | undefined> {
    return this.getSync(id);
  }

  getSync(id: string): ActivityRecord | undefined {
    const i = this.#byId.get(id);
    return i === undefined || !this.#alive.a[i] ? undefined : this.#read(i);
  }

  async idsWithPrefix(prefix: string, limit: number): Promise<string[]> {
    return this.#byId.withPrefix(prefix, limit).filter((id) => this.#alive.a[this.#byId.get(id)!]);
  }

  async count(): Promise<number> { return this.#live; }

  async query(q: ActivityQuery): Promise<ActivityPage> {
    return this.querySync(q);
  }

  querySync(q: ActivityQuery): ActivityPage {
    const limit = q.limit ?? 25;
    const start = q.offset ?? ((q.page ?? 1) - 1) * limit;
    const typeId = q.type ? this.#types.find(q.type) : -1;
    if (q.type && typeId < 0) return { total: 0, records: [] };
    const termId = q.terminal_id ? this.#strings.find(q.terminal_id) : -1;
    if (q.terminal_id && termId < 0) return { total: 0, records: [] };
    const fromMs = q.from !== undefined ? q.from * 1000 : -Infinity;
    const toMs = q.to !== undefined ? q.to * 1000 + 999 : Infinity;
    const needle = q.query ? this.#strings.matching(q.query.toLowerCase()) : null;
    const hits: number[] = [];
    let total = 0;
    const consider = (i: number) => {
      if (!this.#alive.a[i]) return;
      if (q.type && this.#type.a[i] !== typeId) return;
      if (q.terminal_id && this.#term.a[i] !== termId) return;
      const t = this.#ts.a[i]!;
      if (t < fromMs || t > toMs) return;
      if (needle && !(needle.has(this.#imsi.a[i]!) || needle.has(this.#msisdn.a[i]!) || needle.has(this.#term.a[i]!) || needle.has(this.#path.a[i]!) || needle.has(this.#ip.a[i]!))) return;
      if (total >= start && hits.length < limit) hits.push(i);
      total++;
    };
    if (q.imsi) {
      const l = this.#byImsi.get(this.#strings.find(q.imsi));
      if (l) for (let k = l.pos.length - 1; k >= l.head; k--) consider(l.pos[k]!);
    } else {
      for (let i = this.#n - 1; i >= 0; i--) consider(i);
    }
    return { total, records: hits.map((i) => this.#read(i)) };
  }

  writable(): boolean { return this.#failed === null; }

  /** Flush what is pending, stop timers, close the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#retentionTimer) clearInterval(this.#retentionTimer);
    this.#flushTimer.cancel();
    if (this.#flushing) await this.#flushing.catch(() => {});
    if (this.#compacting) await this.#compacting.catch(() => {});
    if (this.#pending.length) await this.#flush();
    await this.#fh?.close().catch(() => {});
    if (this.#failed === null) {
      try { this.#saveIndexSnapshot(); } catch { /* only a cache: the next start parses the log */ }
    }
    closeSync(this.#fd);
  }
}
