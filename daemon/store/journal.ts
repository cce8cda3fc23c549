/**
 * Framed append-only files for the embedded store (docs/storage.md § The embedded driver).
 *
 * One record per line: `<crc32 of the JSON, 8 hex digits> <JSON>\n`. The CRC tells a torn or damaged line
 * from a good one without trusting the JSON parser (a torn `{"k":"1234` is not always invalid JSON, e.g. a
 * number cut short). A journal and a snapshot share the framing; the first line of each is a header naming
 * what the file is, the collection and the generation.
 *
 * `JournalWriter` appends with group commit: records handed in within the commit window are written with
 * one durable positional write (O_DSYNC: durable-write.ts), and every `append` promise resolves only after it (the
 * same scheme as the activity log). `rotate` switches to a new file between two commits, for compaction.
 */
import { crc32 } from 'node:zlib';
import { closeSync, fsyncSync, openSync, readSync, fstatSync, writeSync } from 'node:fs';
import { LineSplitter } from '../../src/util/line-splitter.js';
import type { FileHandle } from 'node:fs/promises';
import { openForCommits, writeDurable } from './durable-write.js';
import { fsyncStallHook } from '../security/fault-hooks.js';
import { CommitTimer, reportCommitWaits, type CommitWaitObserver } from './commit-timer.js';
import type { JournalOp } from '../../src/store/map-collection.js';

/** Test-only fault hook (OMNISEP_FAULT_FSYNC_STALL_MS, docs/security.md § Test hooks); null in normal runs. */
const fsyncStall = fsyncStallHook();

export const FORMAT = 2;

export interface FileHeader {
  omnisep: 'journal' | 'snapshot';
  format: number;
  collection: string;
  generation: number;
}

export function frame(json: string): Buffer {
  const body = Buffer.from(json, 'utf8');
  const crc = crc32(body).toString(16).padStart(8, '0');
  const out = Buffer.allocUnsafe(body.length + 10);
  out.write(crc, 0, 'latin1');
  out[8] = 0x20;
  body.copy(out, 9);
  out[out.length - 1] = 0x0a;
  return out;
}

/** The framed line of one commit of a journal: `[[key, value], [key], …]` from the records' JSON texts. */
export function journalLine(ops: ReadonlyArray<JournalOp>): Buffer {
  return frame(`[${ops.map((o) => ('deleted' in o ? `[${JSON.stringify(o.key)}]` : `[${JSON.stringify(o.key)},${o.text}]`)).join(',')}]`);
}

/** The framed line of one snapshot record, `[key, value]`, from the record's JSON text. */
export const recordLine = (key: string, text: string): Buffer => frame(`[${JSON.stringify(key)},${text}]`);

/** The JSON of one framed line (without its newline), or why it is not a good line. */
export function unframe(line: Buffer): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (line.length < 10 || line[8] !== 0x20) return { ok: false, reason: 'no frame header' };
  const want = parseInt(line.toString('latin1', 0, 8), 16);
  const body = line.subarray(9);
  if (!Number.isFinite(want) || crc32(body) !== want) return { ok: false, reason: 'checksum mismatch' };
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch (e) {
    return { ok: false, reason: `bad JSON: ${(e as Error).message}` };
  }
}

export interface ReadResult {
  /** Bytes of good lines (where a torn tail starts, if any). */
  goodBytes: number;
  size: number;
  lines: number;
  /** A bad last line (or an unterminated one): the crash artefact a loader may cut. */
  tornTail: { lineNo: number; offset: number; reason: string } | null;
}

/** A bad line followed by good ones: damage, not a crash. */
export class FramedFileDamage extends Error {
  constructor(readonly lineNo: number, readonly offset: number, readonly reason: string) {
    super(`line ${lineNo} (byte ${offset}) is damaged: ${reason}`);
  }
}

/**
 * Read every framed line of `file`, in order, synchronously (start-up only), in 8 MiB chunks. `onLine`
 * receives the decoded JSON, its line number (1-based), its file offset and its length (with the newline). A bad line in the middle throws
 * FramedFileDamage; a bad or unterminated last line is reported in `tornTail`, not passed to `onLine`.
 */
export function readFramed(file: string, onLine: (value: unknown, lineNo: number, offset: number, length: number) => void): ReadResult {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const CHUNK = 8 << 20;
    let lineNo = 0;
    let pendingBad: { lineNo: number; offset: number; reason: string } | null = null;
    let readAt = 0;
    const take = (line: Buffer, off: number) => {
      lineNo++;
      if (pendingBad) throw new FramedFileDamage(pendingBad.lineNo, pendingBad.offset, pendingBad.reason);
      const r = unframe(line);
      if (!r.ok) { pendingBad = { lineNo, offset: off, reason: r.reason }; return; }
      onLine(r.value, lineNo, off, line.length + 1);
    };
    const lines = new LineSplitter(0, take);
    // One buffer for every chunk (the splitter copies what it holds across chunks; `onLine` gets decoded values):
    // a new 8 MiB buffer per chunk set off major collections for external memory.
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, size));
    while (readAt < size) {
      const chunk = buf.subarray(0, Math.min(CHUNK, size - readAt));
      const n = readSync(fd, chunk, 0, chunk.length, readAt);
      if (n === 0) break;
      readAt += n;
      lines.push(chunk.subarray(0, n));
    }
    let tornTail = pendingBad as { lineNo: number; offset: number; reason: string } | null;
    if (lines.rest.length) {
      // An unterminated last line was never fully written: even with a good checksum it was never synced whole.
      if (tornTail) throw new FramedFileDamage(tornTail.lineNo, tornTail.offset, tornTail.reason);
      tornTail = { lineNo: lineNo + 1, offset: lines.restOffset, reason: 'no end of line (cut short)' };
    }
    return { goodBytes: tornTail ? tornTail.offset : size, size, lines: lineNo, tornTail };
  } finally {
    closeSync(fd);
  }
}

/** An append waiting for its commit; `at`: when it was accepted (performance.now(), for the commit-wait metric). */
interface Pending { buf: Buffer; at: number; resolve: () => void; reject: (e: unknown) => void }

/**
 * Group-commit appender over one file at a time. `append` resolves after the bytes are durable.
 * A failed write is cut back off the file and rejects every append of that commit.
 */
export class JournalWriter {
  #fh: FileHandle | null = null;
  #size: number;
  #pending: Pending[] = [];
  readonly #timer: CommitTimer;
  #flushing: Promise<void> | null = null;
  #rotate: { to: () => Promise<{ file: string; size: number }>; done: (e?: unknown) => void } | null = null;
  #closed = false;
  failed: unknown = null;
  /** Durable commits made (group commit: fewer than appends under load). */
  syncs = 0;

  constructor(public file: string, size: number, commitMs: number, private readonly observeWait?: CommitWaitObserver) {
    this.#size = size;
    this.#timer = new CommitTimer(commitMs);
  }

  /** Bytes in the current file. */
  get size(): number { return this.#size; }

  append(buf: Buffer): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`storage: ${this.file} is closed`));
    return new Promise((resolve, reject) => {
      this.#pending.push({ buf, at: performance.now(), resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#flushing) return;
    this.#timer.arm(() => {
      this.#flushing = this.#flush().finally(() => {
        this.#flushing = null;
        if (this.#pending.length || this.#rotate) this.#schedule();
      });
    }, this.#pending.length);
  }

  /**
   * Switch to a new file between two commits: `to()` creates it (durably) and returns its name and size;
   * every append accepted after the returned promise's commit point goes there. Resolves once switched.
   */
  rotate(to: () => Promise<{ file: string; size: number }>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#rotate = { to, done: (e) => (e ? reject(e) : resolve()) };
      this.#schedule();
    });
  }

  async #handle(): Promise<FileHandle> {
    return (this.#fh ??= await openForCommits(this.file));
  }

  async #flush(): Promise<void> {
    if (this.#rotate) {
      const r = this.#rotate;
      this.#rotate = null;
      try {
        const next = await r.to();
        await this.#fh?.close().catch(() => {});
        this.#fh = null;
        this.file = next.file;
        this.#size = next.size;
        r.done();
      } catch (e) {
        r.done(e);
      }
    }
    const batch = this.#pending;
    this.#pending = [];
    this.#timer.committed(batch.length);
    if (!batch.length) return;
    const start = this.#size;
    const buf = batch.length === 1 ? batch[0]!.buf : Buffer.concat(batch.map((p) => p.buf));
    try {
      // One thread-pool round trip: the write is durable when it returns (durable-write.ts, O_DSYNC).
      await writeDurable(await this.#handle(), buf, start);
      if (fsyncStall) await fsyncStall();
      this.syncs++;
      this.failed = null;
    } catch (e) {
      this.failed = e;
      try { await this.#fh?.truncate(start); } catch { /* keep the first error */ }
      for (const p of batch) p.reject(e);
      return;
    }
    this.#size = start + buf.length;
    reportCommitWaits(this.observeWait, batch);
    for (const p of batch) p.resolve();
  }

  /** Wait for every accepted append to be durable. */
  async settle(): Promise<void> {
    // Appends (or a rotation) that arrive while a commit is in flight wait for the next one: with no commit running,
    // this starts it itself rather than waiting for a timer that is not armed (which spun here forever).
    while (this.#timer.armed || this.#flushing || this.#pending.length || this.#rotate) {
      if (!this.#flushing) {
        this.#timer.cancel();
        this.#flushing = this.#flush().finally(() => { this.#flushing = null; });
      }
      await this.#flushing.catch(() => {});
    }
  }

  async close(): Promise<void> {
    await this.settle();
    this.#closed = true;
    await this.#fh?.close().catch(() => {});
    this.#fh = null;
  }
}

/** Create `file` holding only `header`, synced (the caller syncs the directory). */
export function createFramedFile(file: string, header: FileHeader): number {
  const fd = openSync(file, 'wx', 0o600);
  try {
    const b = frame(JSON.stringify(header));
    let w = 0;
    while (w < b.length) w += writeSync(fd, b, w, b.length - w);
    fsyncSync(fd);
    return b.length;
  } finally {
    closeSync(fd);
  }
}

export function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}
