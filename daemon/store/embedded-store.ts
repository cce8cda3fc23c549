/**
 * The embedded default Store (`storage.driver: embedded`; `lowdb` is its old name). docs/storage.md says
 * why each kind of data is kept the way it is; in short:
 *
 * - Each collection is a MapCollection (src/store/map-collection.ts): the key map and the declared indexes in
 *   memory; a snapshot's records stay on disk and are read on demand (snapshot-file.ts: one positional read
 *   of one CRC-checked line, a small LRU cache), the records written since are held as JSON text.
 * - `provisioning` and `state` collections journal every change before it is applied: one framed line per
 *   commit in `db/<name>.<generation>.journal`, group-committed with fdatasync, the write's promise resolving
 *   only after the sync. A request's cost is the bytes of its own change, whatever the collection holds.
 * - Compaction runs in the background when a journal is much larger than the last snapshot: the journal
 *   switches to generation G+1, the live records are written to `db/<name>.<G+1>.snap` (tmp + fsync +
 *   rename + fsync dir), then generation G is deleted. Load = newest snapshot + every journal from its
 *   generation on, in order; redo is idempotent (whole values, last write wins), so the snapshot may hold
 *   changes made after the switch.
 * - `volatile` collections live in memory only (an EAP session in flight is lost on a crash; the phone
 *   starts again).
 * - `manifest.json` (lowdb over DurableJsonFile: small, rewritten only when a collection is first created
 *   or the directory is migrated) records which collections exist, so a missing one refuses the start.
 * - The activity log is the append-only file of activity-log.ts.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, accessSync, constants, writeFileSync, openSync, writeSync, fsyncSync, closeSync, ftruncateSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { Low } from 'lowdb';
import type { ActivityLog, Collection, CollectionSpec, Store } from '../../src/ports.js';
import { MapCollection, type JournalOp } from '../../src/store/map-collection.js';
import { ChangeFeed, CollectionRegistry } from '../../src/store/memory-store.js';
import { COLLECTIONS, checkRecord } from '../../src/store/collections.js';
import { DurableJsonFile } from './atomic-file.js';
import { ActivityFileLog, type ActivityLogOptions } from './activity-log.js';
import { StoreCorruptError, StoreLockedError } from './errors.js';
import { FORMAT, FramedFileDamage, JournalWriter, createFramedFile, frame, fsyncDirSync, journalLine, readFramed, type FileHeader } from './journal.js';
import type { CommitWaitObserver } from './commit-timer.js';
import { RecordCheckFailed, SnapshotFile, keyMapName, openWithKeyMap, scanSnapshot, writeKeyMap, writeSnapshot } from './snapshot-file.js';

export { FORMAT };

const NAME_RE = /^[a-z][a-z0-9_]{0,63}$/;
const FILE_RE = /^([a-z][a-z0-9_]{0,63})\.([0-9]{1,15})\.(journal|snap)$/;
const KEYS_RE = /^([a-z][a-z0-9_]{0,63})\.([0-9]{1,15})\.keys$/;
/** Where the previous driver's files go after they are imported (kept, never deleted by omnisep). */
export const MIGRATED_DIR = 'lowdb-v1';

interface Manifest {
  format: number;
  driver: 'embedded';
  created_at: string;
  /** Every durable collection that has ever been written: each must have its files at start. */
  collections: string[];
  migrated_from?: { driver: 'lowdb'; at: string; moved_to: string };
}

export interface EmbeddedStoreOptions {
  dataDir: string;
  activity?: Omit<ActivityLogOptions, 'file'>;
  /** Take `<data_dir>/omnisep.lock` (default true). */
  lock?: boolean;
  /** Group commit window of the journals, ms (`storage.activity_commit_interval_ms`). */
  commitIntervalMs?: number;
  /**
   * Compact a journal once it holds at least `minBytes` and `ratio` times the last snapshot's size; and compact the
   * collection holding the most records as text once all of them hold more than `maxHeldChars` characters (default:
   * a sixteenth of node's heap limit; docs/storage.md § Heap per SIM).
   */
  compaction?: { minBytes?: number; ratio?: number; maxHeldChars?: number };
  warn?: (msg: string) => void;
  /**
   * Told, for every write to a journal or the activity log, how long it waited for its durable commit (ms; `log`:
   * the collection's name, or `activity`): the daemon's `omnisep_store_commit_wait_seconds`.
   */
  onCommitWait?: (log: string, waitMs: number) => void;
}

export interface EmbeddedStore extends Store {
  readonly dataDir: string;
  readonly activity: ActivityFileLog & ActivityLog;
  /** Compact every durable collection now (tests, benchmarks); resolves when done. */
  compactAll(): Promise<void>;
  /**
   * Per durable collection, the characters of its records held in memory as JSON text until its next compaction
   * (the daemon's `omnisep_store_held_text_chars`), and the budget over which the largest holder is compacted.
   */
  heldText(): { budget: number; collections: Array<{ collection: string; chars: number }> };
  /** Resolves once no compaction is in flight (benchmarks: the heap after one, not during it). */
  idle(): Promise<void>;
}

const journalName = (name: string, gen: number) => `${name}.${gen}.journal`;
const snapName = (name: string, gen: number) => `${name}.${gen}.snap`;
const snapTmp = (name: string, gen: number) => `.${name}.${gen}.snap.tmp`;

export const recoveryFor = (dbDir: string, name: string): string =>
  `restore ${join(dbDir, `${name}.*`)} from your backup, or move the collection's files aside to start it empty: ` +
  `mkdir -p '${join(dbDir, 'damaged')}' && mv '${dbDir}'/${name}.* '${join(dbDir, 'damaged')}/' && remove "${name}" from "collections" in manifest.json (then restart; the activity log and other collections are kept)`;

function takeLock(dataDir: string): string {
  const lockFile = join(dataDir, 'omnisep.lock');
  if (existsSync(lockFile)) {
    const pid = Number(readFileSync(lockFile, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
      let alive = true;
      try { process.kill(pid, 0); } catch (e) { alive = (e as NodeJS.ErrnoException).code === 'EPERM'; }
      if (alive) throw new StoreLockedError(lockFile, pid);
    }
  }
  writeFileSync(lockFile, `${process.pid}\n`, { mode: 0o600 });
  return lockFile;
}

/** Issue 13 item 10: a data directory readable by group or others is tightened to 0700, with a warning. */
function tightenDir(dir: string, warn: (m: string) => void): void {
  const mode = statSync(dir).mode & 0o777;
  if (mode & 0o077) {
    chmodSync(dir, 0o700);
    warn(`storage: ${dir} was mode 0${mode.toString(8)} (readable by other users; it holds subscriber keys): changed to 0700`);
  }
}

interface OnDisk { snaps: number[]; journals: number[]; keys: number[] }

function listDb(dbDir: string): { byName: Map<string, OnDisk>; oldJson: string[] } {
  const byName = new Map<string, OnDisk>();
  const oldJson: string[] = [];
  const keys: Array<[string, number]> = [];
  if (!existsSync(dbDir)) return { byName, oldJson };
  for (const f of readdirSync(dbDir)) {
    const full = join(dbDir, f);
    if (f.endsWith('.tmp')) { unlinkSync(full); continue; } // a write never renamed in: never acknowledged
    const km = KEYS_RE.exec(f);
    if (km) { keys.push([km[1]!, Number(km[2])]); continue; }
    const m = FILE_RE.exec(f);
    if (m) {
      const d = byName.get(m[1]!) ?? { snaps: [], journals: [], keys: [] };
      byName.set(m[1]!, d);
      (m[3] === 'snap' ? d.snaps : d.journals).push(Number(m[2]));
      continue;
    }
    const o = /^(.+)\.json$/.exec(f);
    if (o && NAME_RE.test(o[1]!)) oldJson.push(f);
  }
  for (const [name, g] of keys) {
    const d = byName.get(name);
    if (d) d.keys.push(g);
    else unlinkSync(join(dbDir, keyMapName(name, g))); // the key map of a collection without files: nothing to map
  }
  for (const d of byName.values()) { d.snaps.sort((a, b) => a - b); d.journals.sort((a, b) => a - b); }
  return { byName, oldJson };
}

function checkHeader(file: string, value: unknown, want: FileHeader['omnisep'], name: string, gen: number, recovery: string): void {
  const h = value as Partial<FileHeader> | null;
  if (!h || typeof h !== 'object' || h.omnisep !== want)
    throw new StoreCorruptError(file, `the first line is not an omnisep ${want} header`, recovery);
  if (typeof h.format !== 'number' || h.format > FORMAT)
    throw new StoreCorruptError(file, `written by a newer omnisep (format ${String(h.format)})`, 'run the newer omnisep, or restore a backup made by this version');
  if (h.collection !== name)
    throw new StoreCorruptError(file, `its header names collection ${JSON.stringify(h.collection)}, not ${JSON.stringify(name)} (a file copied or renamed by hand?)`, recovery);
  if (h.generation !== gen)
    throw new StoreCorruptError(file, `its header names generation ${String(h.generation)}, not ${gen}`, recovery);
}

interface Loaded { gen: number; journalSize: number; snapBytes: number; stale: string[] }

/**
 * Load one collection: newest snapshot (its key map only: records stay on disk, read on demand), then each
 * journal from its generation on. A torn last line of the newest journal is cut (never acknowledged); any
 * other bad line refuses the start.
 */
function loadCollection(dbDir: string, name: string, spec: CollectionSpec, disk: OnDisk, onSnapshot: (snap: SnapshotFile) => void, sink: (key: string, value: unknown) => void, warn: (m: string) => void): Loaded {
  const recovery = recoveryFor(dbDir, name);
  const base = disk.snaps.length ? disk.snaps[disk.snaps.length - 1]! : 0;
  const first = Math.max(base, 1);
  const journals = disk.journals.filter((g) => g >= first);
  const last = disk.journals.length ? disk.journals[disk.journals.length - 1]! : first;
  for (let g = first; g <= last; g++) {
    if (!journals.includes(g)) {
      const missing = join(dbDir, journalName(name, g));
      throw new StoreCorruptError(missing, base && g === base
        ? `the journal of snapshot generation ${g} is missing`
        : `journal generation ${g} is missing (present: ${disk.journals.join(', ') || 'none'}${base ? `; snapshot ${base}` : ''}), so changes would be lost`, recovery);
    }
  }
  let snapBytes = 0;
  if (base) {
    const file = join(dbDir, snapName(name, base));
    const fields = spec.indexes ?? [];
    const header = (v: unknown) => checkHeader(file, v, 'snapshot', name, base, recovery);
    try {
      const viaMap = openWithKeyMap(dbDir, file, name, base, fields, header, recovery);
      let snap: SnapshotFile;
      if (typeof viaMap === 'string') {
        if (viaMap !== 'no key map') warn(`storage: ${join(dbDir, keyMapName(name, base))} ignored (${viaMap}); the key map is rebuilt from the snapshot`);
        const r = scanSnapshot(file, name, base, fields, header, recovery);
        snap = r.snap;
        if (r.tornTail) { snap.retire(); throw new FramedFileDamage(r.tornTail.lineNo, r.tornTail.offset, r.tornTail.reason); }
        if (r.end !== snap.count) { snap.retire(); throw new StoreCorruptError(file, `the snapshot is incomplete (${snap.count} records, end marker ${r.end === null ? 'missing' : r.end})`, recovery); }
      } else snap = viaMap;
      snapBytes = snap.identity.size;
      onSnapshot(snap);
    } catch (e) {
      if (e instanceof FramedFileDamage) throw new StoreCorruptError(file, `snapshot ${e.message}`, recovery);
      if (e instanceof RecordCheckFailed) throw new StoreCorruptError(file, e.message, recovery);
      throw e;
    }
  }
  let journalSize = 0;
  for (const g of journals) {
    const file = join(dbDir, journalName(name, g));
    const newest = g === last;
    let r;
    try {
      r = readFramed(file, (v, lineNo) => {
        if (lineNo === 1) return checkHeader(file, v, 'journal', name, g, recovery);
        if (!Array.isArray(v)) throw new FramedFileDamage(lineNo, 0, 'not a list of changes');
        for (const op of v as unknown[]) {
          if (!Array.isArray(op) || typeof op[0] !== 'string' || op.length > 2) throw new FramedFileDamage(lineNo, 0, 'not a [key, value] change');
          sink(op[0], op.length === 2 ? op[1] : undefined);
        }
      });
    } catch (e) {
      if (e instanceof FramedFileDamage) throw new StoreCorruptError(file, `journal ${e.message}`, journalRecovery(file, e.offset, e.lineNo, recovery));
      throw e;
    }
    if (r.tornTail) {
      // Only the newest journal is ever being written: a bad last line anywhere else is damage.
      if (!newest) throw new StoreCorruptError(file, `journal line ${r.tornTail.lineNo} is damaged: ${r.tornTail.reason}`, journalRecovery(file, r.tornTail.offset, r.tornTail.lineNo, recovery));
      const cut = r.tornTail.lineNo === 1 ? 0 : r.tornTail.offset;
      truncateAndHeader(file, cut, cut === 0 ? { omnisep: 'journal', format: FORMAT, collection: name, generation: g } : null);
      warn(`storage: ${file}: cut a torn last record (${r.size - r.tornTail.offset} bytes) left by a crash mid-write; no acknowledged change was lost`);
      r = { ...r, goodBytes: statSync(file).size };
    } else if (r.size === 0) {
      // Created, then the crash came before its header was synced: nothing was ever written to it.
      truncateAndHeader(file, 0, { omnisep: 'journal', format: FORMAT, collection: name, generation: g });
      r = { ...r, goodBytes: statSync(file).size };
    }
    journalSize = r.goodBytes;
  }
  if (!journals.length) { // a snapshot without a journal cannot be written by omnisep; the base chain above refused it
    throw new StoreCorruptError(join(dbDir, journalName(name, first)), 'no journal', recovery);
  }
  const stale = [
    ...disk.snaps.filter((g) => g < base).map((g) => snapName(name, g)),
    ...disk.keys.filter((g) => g !== base).map((g) => keyMapName(name, g)),
    ...disk.journals.filter((g) => g < first).map((g) => journalName(name, g)),
  ];
  return { gen: last, journalSize, snapBytes, stale };
}

function truncateAndHeader(file: string, size: number, header: FileHeader | null): void {
  const fd = openSync(file, 'r+');
  try {
    ftruncateSync(fd, size);
    if (header) { const h = frame(JSON.stringify(header)); writeSync(fd, h, 0, h.length, 0); }
    fsyncSync(fd);
  } finally { closeSync(fd); }
}

const journalRecovery = (file: string, offset: number, lineNo: number, whole: string) =>
  `the journal is damaged at line ${lineNo}. Keep the changes before it: cp '${file}' '${file}.damaged' && truncate -s ${offset} '${file}' (drops line ${lineNo} and after); or ${whole}`;

interface StoreCtx {
  dbDir: string;
  commitMs: number;
  onCommitWait: ((log: string, waitMs: number) => void) | undefined;
  minBytes: number;
  ratio: number;
  /** After every commit and compaction: compact the largest holder of records as text if the store holds more than its budget. */
  relieve(): void;
  warn: (m: string) => void;
  feed: ChangeFeed;
  addToManifest(name: string): Promise<void>;
  onError(e: unknown): void;
}

/**
 * A durable collection: a journal for every change; the records of its snapshot stay on disk and are read on
 * demand (the key map and the indexes are in memory), the records written since the snapshot are held in
 * memory as JSON text until a compaction folds them into the next snapshot.
 */
class JournalCollection<T> extends MapCollection<T> {
  gen: number;
  snapBytes: number;
  #writer: JournalWriter | null = null;
  #creating: Promise<JournalWriter> | null = null;
  #compacting: Promise<void> | null = null;
  #snap: SnapshotFile | null = null;
  #keyMapWrite: Promise<void> | null = null;

  /** This collection's commit waits, for the store's observer (none: not measured). */
  readonly #observeWait: CommitWaitObserver | undefined;

  constructor(name: string, spec: CollectionSpec, private readonly ctx: StoreCtx) {
    super(name, spec, { commit: (ops) => this.#commit(ops) });
    const observe = ctx.onCommitWait;
    this.#observeWait = observe ? (ms) => observe(name, ms) : undefined;
    this.gen = 0;
    this.snapBytes = 0;
  }

  /** At load, before the journals are replayed: the snapshot's records, as slots. */
  useSnapshot(snap: SnapshotFile): void {
    this.#snap = snap;
    this.loadSource(snap, snap.keys, snap.fields, snap.idx);
  }

  /** After the load: append to the newest journal; save the key map if it had to be rebuilt. */
  attach(loaded: Loaded): void {
    this.gen = loaded.gen;
    this.snapBytes = loaded.snapBytes;
    this.#writer = new JournalWriter(join(this.ctx.dbDir, journalName(this.name, loaded.gen)), loaded.journalSize, this.ctx.commitMs, this.#observeWait);
    if (this.#snap && !this.#snap.hasKeyMap) this.#saveKeyMap(this.#snap);
  }

  /** In the background; a failure only means the next start parses the snapshot. */
  #saveKeyMap(snap: SnapshotFile): void {
    const prev = this.#keyMapWrite ?? Promise.resolve();
    this.#keyMapWrite = prev.then(() => (snap === this.#snap ? writeKeyMap(this.ctx.dbDir, snap) : undefined))
      .catch((e) => this.ctx.warn(`storage: could not save the key map of ${this.name} (the next start parses its snapshot): ${(e as Error).message}`));
  }

  /** First write of a collection never written before: its journal, then its line in the manifest. */
  #writerFor(): Promise<JournalWriter> {
    if (this.#writer) return Promise.resolve(this.#writer);
    return (this.#creating ??= (async () => {
      const file = join(this.ctx.dbDir, journalName(this.name, 1));
      // Exists when an earlier first write created it and then failed on the manifest: it holds only its header.
      const size = existsSync(file) ? statSync(file).size : createFramedFile(file, { omnisep: 'journal', format: FORMAT, collection: this.name, generation: 1 });
      fsyncDirSync(this.ctx.dbDir);
      await this.ctx.addToManifest(this.name);
      this.gen = 1;
      return (this.#writer = new JournalWriter(file, size, this.ctx.commitMs, this.#observeWait));
    })().finally(() => { this.#creating = null; }));
  }

  async #commit(ops: ReadonlyArray<JournalOp>): Promise<void> {
    const w = await this.#writerFor();
    const line = journalLine(ops);
    try {
      await w.append(line);
      this.ctx.onError(null);
    } catch (e) {
      this.ctx.onError(e);
      throw e;
    }
    for (const op of ops) this.ctx.feed.emit({ collection: this.name, key: op.key, origin: null });
    if (!this.#compacting && w.size >= this.ctx.minBytes && w.size >= this.ctx.ratio * this.snapBytes) void this.compactInBackground();
    else this.ctx.relieve();
  }

  /** A compaction nothing waits for: a failure is logged, and the next commit that finds it due tries again. */
  compactInBackground(): Promise<void> {
    return this.compact().catch((e) => this.ctx.warn(`storage: compaction of ${this.name} failed (the journal keeps growing and its records stay held in memory; retried at the next write): ${(e as Error).message}`));
  }

  get compacting(): boolean {
    return this.#compacting !== null;
  }

  /** Whether it has a journal to compact (a collection's first write creates it). */
  get journalled(): boolean {
    return this.#writer !== null;
  }

  /** Resolves once the compaction in flight, if any, is over (failed or not). */
  async compacted(): Promise<void> {
    await this.#compacting?.catch(() => {});
  }

  /**
   * 1. switch the journal to generation G+1 (created and synced first); 2. write the snapshot of G+1 to a
   * temp file (the records held in memory, then the old snapshot's unchanged records copied and checked),
   * fsync, rename, fsync the directory; point every unchanged record at its line in the new snapshot (the
   * memory they held is freed) and save the key map; 3. delete generation G's files. A crash before the
   * rename of 2 leaves G's snapshot and journals G and G+1: the load replays both. After it, the load takes
   * snapshot G+1 (with its key map, or parsing it when the crash came before the key map was saved) and
   * journal G+1 and deletes what G left.
   */
  compact(): Promise<void> {
    if (this.#compacting) return this.#compacting;
    return this.#compact();
  }

  /** Compact now: after the compaction in flight, if any, another one (compactAll: tests, benchmarks). */
  async compactNow(): Promise<void> {
    if (this.#compacting) await this.#compacting.catch(() => {});
    await this.compact();
  }

  #compact(): Promise<void> {
    if (!this.#writer) return Promise.resolve();
    const writer = this.#writer;
    const dir = this.ctx.dbDir;
    const run = async () => {
      const next = this.gen + 1;
      await writer.rotate(async () => {
        const file = join(dir, journalName(this.name, next));
        const size = createFramedFile(file, { omnisep: 'journal', format: FORMAT, collection: this.name, generation: next });
        fsyncDirSync(dir);
        return { file, size };
      });
      const old = this.gen;
      this.gen = next;
      await new Promise((r) => setImmediate(r)); // every change of journal G has been applied to the map by now
      // Changes made while the snapshot is written are also in journal G+1 (the snapshot is fuzzy).
      const { snap, was } = await writeSnapshot({
        dbDir: dir, name: this.name, gen: next, fields: this.spec.indexes ?? [], recovery: recoveryFor(dir, this.name),
        texts: await this.textEntries(), src: this.#snap, records: this.size, durableSlotOf: (k) => this.durableSlotOf(k), tmpName: snapTmp(this.name, next), finalName: snapName(this.name, next),
      });
      const prev = this.#snap;
      // In slices: reads meanwhile take each slot entry from the snapshot it is of (the old one is open till then).
      await this.retarget(snap, snap.keys, was, { fields: snap.fields, values: snap.idx });
      this.#snap = snap;
      prev?.retire();
      this.snapBytes = snap.identity.size;
      this.#saveKeyMap(snap);
      await this.#keyMapWrite;
      for (let g = old; g >= 1; g--) {
        let gone = 0;
        for (const f of [snapName(this.name, g), journalName(this.name, g), keyMapName(this.name, g)]) {
          try { await unlink(join(dir, f)); } catch { gone++; }
        }
        if (gone === 3) break;
      }
      fsyncDirSync(dir);
    };
    this.#compacting = run().finally(() => { this.#compacting = null; });
    // Writes made while it ran may leave the store over its budget with no commit to come and notice: look now (not
    // after a failure, which the next commit retries).
    this.#compacting.then(() => this.ctx.relieve(), () => undefined);
    return this.#compacting;
  }

  async close(): Promise<void> {
    if (this.#compacting) await this.#compacting.catch(() => {});
    if (this.#creating) await this.#creating.catch(() => {});
    await this.#keyMapWrite;
    await this.#writer?.close();
    this.#snap?.retire();
  }

  writerFailed(): boolean {
    return !!this.#writer?.failed;
  }
}

/** The previous driver's `db/<name>.json`: checked, written as generation 1, then moved aside (kept). */
function importLowdbFile(dbDir: string, f: string): { name: string; records: number; imported: boolean } {
  const name = f.slice(0, -'.json'.length);
  const file = join(dbDir, f);
  const recovery = `restore ${file} from your backup, or move it aside to start that collection empty: mv '${file}' '${file}.corrupt' (then restart)`;
  let d: { format?: unknown; collection?: unknown; items?: unknown };
  const text = readFileSync(file, 'utf8');
  try { d = JSON.parse(text) as typeof d; } catch (e) {
    throw new StoreCorruptError(file, text.length === 0 ? 'the file is empty' : `not valid JSON: ${(e as Error).message}`, recovery);
  }
  if (!d || typeof d !== 'object' || typeof d.items !== 'object' || d.items === null || Array.isArray(d.items))
    throw new StoreCorruptError(file, 'not an omnisep collection file (no "items" object)', recovery);
  if (typeof d.format === 'number' && d.format > 1)
    throw new StoreCorruptError(file, `written by a newer omnisep (format ${d.format})`, 'run the newer omnisep, or restore a backup made by this version');
  if (d.collection !== undefined && d.collection !== name)
    throw new StoreCorruptError(file, `its header names collection ${JSON.stringify(d.collection)}, not ${JSON.stringify(name)}`, recovery);
  const spec = (COLLECTIONS as Record<string, CollectionSpec | undefined>)[name];
  if (spec?.kind === 'volatile') return { name, records: 0, imported: false }; // kept in memory now: nothing to carry over
  const items = d.items as Record<string, unknown>;
  for (const [k, v] of Object.entries(items)) {
    const why = checkRecord(name, k, v);
    if (why) throw new StoreCorruptError(file, `record ${JSON.stringify(k)}: ${why}`, recovery);
  }
  // Whatever an interrupted import left for this name is redone from scratch.
  for (const g of readdirSync(dbDir)) if (FILE_RE.exec(g)?.[1] === name) unlinkSync(join(dbDir, g));
  const tmp = join(dbDir, snapTmp(name, 1));
  const fd = openSync(tmp, 'w', 0o600);
  let count = 0;
  try {
    const parts: Buffer[] = [frame(JSON.stringify({ omnisep: 'snapshot', format: FORMAT, collection: name, generation: 1 } satisfies FileHeader))];
    for (const [k, v] of Object.entries(items)) { parts.push(frame(JSON.stringify([k, v]))); count++; }
    parts.push(frame(JSON.stringify({ end: count })));
    const b = Buffer.concat(parts);
    let w = 0;
    while (w < b.length) w += writeSync(fd, b, w, b.length - w);
    fsyncSync(fd);
  } finally { closeSync(fd); }
  renameSync(tmp, join(dbDir, snapName(name, 1)));
  createFramedFile(join(dbDir, journalName(name, 1)), { omnisep: 'journal', format: FORMAT, collection: name, generation: 1 });
  return { name, records: count, imported: true };
}

function moveAside(dbDir: string, files: string[], warn: (m: string) => void): string {
  const to = join(dbDir, MIGRATED_DIR);
  mkdirSync(to, { recursive: true, mode: 0o700 });
  for (const f of files) renameSync(join(dbDir, f), join(to, f));
  fsyncDirSync(to);
  fsyncDirSync(dbDir);
  warn(`storage: the previous driver's files (${files.join(', ')}) were imported and moved to ${to}; keep them until you have checked the data, then delete them`);
  return to;
}

export async function createEmbeddedStore(opts: EmbeddedStoreOptions): Promise<EmbeddedStore> {
  const { dataDir } = opts;
  const warn = opts.warn ?? opts.activity?.warn ?? (() => {});
  const fresh = !existsSync(dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (!fresh) tightenDir(dataDir, warn);
  const lockFile = opts.lock === false ? null : takeLock(dataDir);
  try {
    return await open(opts, dataDir, lockFile, warn);
  } catch (e) {
    if (lockFile) try { unlinkSync(lockFile); } catch { /* gone */ }
    throw e;
  }
}

async function open(opts: EmbeddedStoreOptions, dataDir: string, lockFile: string | null, warn: (m: string) => void): Promise<EmbeddedStore> {
  const dbDir = join(dataDir, 'db');
  const manifestFile = join(dataDir, 'manifest.json');
  const activityFile = join(dataDir, 'activity.jsonl');
  // db/ is created only once the checks below pass: a refused start leaves the directory as it found it.
  if (existsSync(dbDir)) tightenDir(dbDir, warn);

  const manifestRecovery = `restore ${manifestFile} from your backup. If ${dbDir} is complete, write a new manifest (the collections found on disk are added to it at start): ` +
    `printf '{"format":${FORMAT},"driver":"embedded","created_at":"%s","collections":[]}' "$(date -u +%FT%TZ)" > '${manifestFile}'`;
  const manifest = new Low<Manifest>(new DurableJsonFile(manifestFile, () => manifestRecovery), { format: FORMAT, driver: 'embedded', created_at: new Date().toISOString(), collections: [] });
  await manifest.read();
  const hadManifest = existsSync(manifestFile);
  if (hadManifest) {
    const m = manifest.data as Partial<Manifest> | null;
    if (!m || typeof m !== 'object' || !Array.isArray(m.collections) || m.collections.some((c) => typeof c !== 'string' || !NAME_RE.test(c)))
      throw new StoreCorruptError(manifestFile, 'not an omnisep store manifest (no "collections" list of names)', manifestRecovery);
    if (typeof m.format !== 'number' || m.format > FORMAT)
      throw new StoreCorruptError(manifestFile, `written by a newer omnisep (format ${String(m.format)})`, 'run the newer omnisep, or restore a backup made by this version');
  }

  let { byName, oldJson } = listDb(dbDir);
  if (!hadManifest) {
    if (oldJson.length) {
      // Migration from the whole-file driver: generation 1 of each collection, then the manifest (the commit
      // point), then the old files moved aside. A crash before the manifest redoes the import.
      const imported = oldJson.map((f) => importLowdbFile(dbDir, f));
      fsyncDirSync(dbDir);
      manifest.data.collections = imported.filter((i) => i.imported).map((i) => i.name);
      manifest.data.migrated_from = { driver: 'lowdb', at: new Date().toISOString(), moved_to: join(dbDir, MIGRATED_DIR) };
      await manifest.write();
      moveAside(dbDir, oldJson, warn);
      warn(`storage: imported ${imported.filter((i) => i.imported).map((i) => `${i.name} (${i.records})`).join(', ') || 'nothing'} from the previous driver's format`);
      ({ byName, oldJson } = listDb(dbDir));
    } else if (byName.size) {
      throw new StoreCorruptError(manifestFile, `missing, while ${dbDir} holds collections (${[...byName.keys()].join(', ')})`, manifestRecovery);
    } else if (existsSync(activityFile) && statSync(activityFile).size > 0) {
      throw new StoreCorruptError(dbDir, `the store is missing (no ${manifestFile}, no collection files) while ${activityFile} holds ${statSync(activityFile).size} bytes of history: ` +
        'the data directory was initialised and its store was deleted or not restored', `restore ${dbDir} and ${manifestFile} from your backup; or, to start with an empty store on purpose, ${manifestRecovery.slice(manifestRecovery.indexOf('write a new manifest'))}`);
    } else {
      await manifest.write(); // a new data directory
    }
  } else if (oldJson.length) {
    if (!manifest.data.migrated_from)
      throw new StoreCorruptError(join(dbDir, oldJson[0]!), `a file of the previous driver's format next to an embedded store (${oldJson.join(', ')})`,
        `if it is a copy left by hand, move it out of ${dbDir}; to import it instead, move the embedded store's files aside and restart`);
    moveAside(dbDir, oldJson, warn); // the import committed, the move did not finish
  }

  // Issue 13 item 4: every collection the manifest knows must have its files.
  const listed = new Set(manifest.data.collections);
  const missing = [...listed].filter((n) => !byName.has(n));
  if (missing.length) {
    const what = missing.map((n) => join(dbDir, `${n}.*.journal`)).join(', ');
    throw new StoreCorruptError(dbDir, `collection${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing: ${manifestFile} records ${missing.length > 1 ? 'them' : 'it'} but there is no ${what}`,
      `restore ${missing.map((n) => `${join(dbDir, n)}.*`).join(' and ')} from your backup; or, to accept the loss and start ${missing.length > 1 ? 'them' : 'it'} empty, remove ${missing.map((n) => JSON.stringify(n)).join(', ')} from "collections" in ${manifestFile}`);
  }
  if (!existsSync(dbDir)) { mkdirSync(dbDir, { mode: 0o700 }); fsyncDirSync(dataDir); }
  const unlisted = [...byName.keys()].filter((n) => !listed.has(n));
  if (unlisted.length) { // a crash between a collection's first journal and its manifest line
    manifest.data.collections = [...manifest.data.collections, ...unlisted];
    await manifest.write();
  }

  let lastError: unknown = null;
  const feed = new ChangeFeed();
  let manifestChain: Promise<void> = Promise.resolve();
  const ctx: StoreCtx = {
    dbDir,
    commitMs: opts.commitIntervalMs ?? 2,
    onCommitWait: opts.onCommitWait,
    minBytes: opts.compaction?.minBytes ?? 16 << 20,
    ratio: opts.compaction?.ratio ?? 2,
    relieve: () => {},
    warn,
    feed,
    onError: (e) => { lastError = e; },
    addToManifest: (name) => (manifestChain = manifestChain.then(async () => {
      if (manifest.data.collections.includes(name)) return;
      manifest.data.collections = [...manifest.data.collections, name];
      await manifest.write();
    })),
  };

  const durable: JournalCollection<unknown>[] = [];
  // The records written since each collection's snapshot are held as text; a storm that rewrites a whole collection
  // (a new token for every SIM) would hold all of it until its journal reaches twice the snapshot. Over the budget,
  // the largest holder is compacted, one at a time and not while another compaction runs: O(collections) a commit.
  // A compaction that ends well looks again (JournalCollection.#compact); one that fails is retried by the next commit.
  const heldBudget = opts.compaction?.maxHeldChars ?? Math.floor(getHeapStatistics().heap_size_limit / 16);
  ctx.relieve = () => {
    let total = 0;
    let top: JournalCollection<unknown> | null = null;
    for (const c of durable) {
      if (c.compacting) return;
      const held = c.heldTextChars;
      total += held;
      // Not one whose first journal is still being created (its compaction would do nothing, and be asked again).
      if (c.journalled && (top === null || held > top.heldTextChars)) top = c;
    }
    if (total <= heldBudget || top === null) return;
    void top.compactInBackground(); // marks it compacting at once: no second one starts meanwhile
  };
  const collections = new CollectionRegistry<Collection<unknown>>((name, spec) => {
    const disk = byName.get(name);
    if (spec.kind === 'volatile' && !disk) return feed.volatile(name, spec);
    const c = new JournalCollection<unknown>(name, spec, ctx);
    if (disk) {
      const loaded = loadCollection(dbDir, name, spec, disk, (snap) => c.useSnapshot(snap), (k, v) => {
        // A journalled record is checked as it is replayed (the snapshot's were checked when it was written,
        // and are again when read).
        if (v !== undefined) {
          const why = checkRecord(name, k, v);
          if (why) throw new StoreCorruptError(join(dbDir, `${name}.*`), `record ${JSON.stringify(k)}: ${why}`, recoveryFor(dbDir, name));
        }
        c.load(k, v);
      }, warn);
      c.attach(loaded);
      for (const f of loaded.stale) { try { unlinkSync(join(dbDir, f)); } catch { /* gone */ } }
    }
    durable.push(c);
    return c;
  });
  // Load every known collection now, so damage refuses the start rather than a later request.
  for (const name of byName.keys()) {
    const spec = (COLLECTIONS as Record<string, CollectionSpec | undefined>)[name];
    if (spec) collections.open(name, spec);
  }
  fsyncDirSync(dbDir);

  const observe = opts.onCommitWait;
  const activity = await ActivityFileLog.open({ ...opts.activity, file: activityFile, warn: opts.activity?.warn ?? warn, ...(observe ? { onCommitWait: (ms: number) => observe('activity', ms) } : {}) });

  let probeAt = 0;
  let probeOk = true;
  const store: EmbeddedStore = {
    dataDir,
    collection<T>(name: string, spec?: CollectionSpec): Collection<T> {
      return collections.open(name, spec) as unknown as Collection<T>;
    },
    onChange: (l) => feed.on(l),
    info: () => ({ driver: 'embedded', location: dataDir, schema_version: FORMAT }),
    activity,
    writable(): boolean {
      const now = Date.now();
      if (now - probeAt > 1000) {
        probeAt = now;
        try { accessSync(dbDir, constants.W_OK); probeOk = true; } catch { probeOk = false; }
      }
      return probeOk && lastError === null && activity.writable() && !durable.some((c) => c.writerFailed());
    },
    async compactAll(): Promise<void> {
      for (const c of durable) await c.compactNow();
    },
    async idle(): Promise<void> {
      while (durable.some((c) => c.compacting)) await Promise.all(durable.map((c) => c.compacted()));
    },
    heldText: () => ({ budget: heldBudget, collections: durable.map((c) => ({ collection: c.name, chars: c.heldTextChars })) }),
    async close(): Promise<void> {
      await Promise.all(durable.map((c) => c.close()));
      await manifestChain.catch(() => {});
      await activity.close();
      if (lockFile) try { unlinkSync(lockFile); } catch { /* already gone */ }
    },
  };
  return store;
}
