/**
 * The embedded default Store: one lowdb database (JSON file) per collection
 * under `<data_dir>/db/`, written with DurableJsonFile (tmp + fsync + rename
 * + fsync dir), and the activity log as a separate append-only JSONL file
 * (activity-log.ts). Reads are served from memory.
 *
 * Writes coalesce: puts that arrive while a write of that collection is in
 * flight share the next write (group commit), so a burst of N puts costs
 * ~2 file writes, not N, and every put still resolves only once durable.
 */
import { mkdirSync, readdirSync, unlinkSync, accessSync, constants, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Low } from 'lowdb';
import type { ActivityLog, Collection, CollectionSpec, Store } from '../../src/ports.js';
import { MapCollection, type JournalOp } from '../../src/store/map-collection.js';
import { ChangeFeed, CollectionRegistry } from '../../src/store/memory-store.js';
import { DurableJsonFile } from './atomic-file.js';
import { ActivityFileLog, type ActivityLogOptions } from './activity-log.js';
import { StoreCorruptError, StoreLockedError } from './errors.js';

const FORMAT = 1;
interface CollectionFile<T> {
  format: number;
  collection: string;
  items: Record<string, T>;
}

const NAME_RE = /^[a-z][a-z0-9_]{0,63}$/;

export const recoveryFor = (file: string): string =>
  `restore ${file} from your backup, or move it aside to start that collection empty: mv '${file}' '${file}.corrupt' (then restart; the activity log and other collections are kept)`;

/**
 * Transitional: each collection is a MapCollection whose commit rewrites the collection's whole file (group
 * commit). The embedded journal driver replaces this.
 */
class LowdbCollection<T> extends MapCollection<T> {
  #writing: Promise<void> | null = null;
  #queued: Promise<void> | null = null;

  constructor(name: string, readonly file: string, private readonly db: Low<CollectionFile<T>>, spec: CollectionSpec, onError: (e: unknown) => void) {
    super(name, spec, { commit: (ops) => this.#flush(ops, onError) });
    for (const [k, v] of Object.entries(db.data.items)) this.load(k, v);
  }

  #flush(ops: ReadonlyArray<JournalOp<T>>, onError: (e: unknown) => void): Promise<void> {
    const pending = new Map<string, T | undefined>(ops.map((o) => [o.key, 'deleted' in o ? undefined : o.value]));
    const run = async () => {
      this.#queued = null;
      const items = Object.fromEntries(this.entries());
      for (const [k, v] of pending) { if (v === undefined) delete items[k]; else items[k] = v; }
      this.db.data = { format: FORMAT, collection: this.name, items };
      try { await this.db.write(); onError(null); } catch (e) { onError(e); throw e; }
    };
    // A queued write snapshots the map when it runs; ops applied after each commit resolves are in it by then.
    const prev = this.#writing;
    const next = (prev ? prev.catch(() => {}).then(run) : run()).finally(() => { if (this.#writing === next) this.#writing = null; });
    this.#writing = next;
    return next;
  }

  async settled(): Promise<void> {
    while (this.#writing) await this.#writing.catch(() => {});
  }
}

export interface LowdbStoreOptions {
  dataDir: string;
  activity?: Omit<ActivityLogOptions, 'file'>;
  /** Take `<data_dir>/omnisep.lock` (default true). */
  lock?: boolean;
}

export interface LowdbStore extends Store {
  readonly dataDir: string;
  readonly activity: ActivityFileLog & ActivityLog;
}

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

export async function createLowdbStore(opts: LowdbStoreOptions): Promise<LowdbStore> {
  const { dataDir } = opts;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lockFile = opts.lock === false ? null : takeLock(dataDir);
  const dbDir = join(dataDir, 'db');
  mkdirSync(dbDir, { recursive: true, mode: 0o700 });

  let lastError: unknown = null;
  const onError = (e: unknown) => { lastError = e; };
  const loaded = new Map<string, Low<CollectionFile<unknown>>>();
  const feed = new ChangeFeed();

  const open = async (name: string, file: string) => {
    const db = new Low<CollectionFile<unknown>>(new DurableJsonFile(file, recoveryFor), { format: FORMAT, collection: name, items: {} });
    await db.read();
    const d = db.data as Partial<CollectionFile<unknown>> | null;
    if (!d || typeof d !== 'object' || typeof d.items !== 'object' || d.items === null || Array.isArray(d.items))
      throw new StoreCorruptError(file, 'not an omnisep collection file (no "items" object)', recoveryFor(file));
    if (typeof d.format === 'number' && d.format > FORMAT)
      throw new StoreCorruptError(file, `written by a newer omnisep (format ${d.format})`, 'run the newer omnisep, or restore a backup made by this version');
    loaded.set(name, db);
  };

  for (const f of readdirSync(dbDir)) {
    if (f.endsWith('.tmp')) { unlinkSync(join(dbDir, f)); continue; } // a write that never got renamed in: never acknowledged
    const m = /^(.+)\.json$/.exec(f);
    if (m && NAME_RE.test(m[1]!)) await open(m[1]!, join(dbDir, f));
  }

  const activity = await ActivityFileLog.open({ ...opts.activity, file: join(dataDir, 'activity.jsonl') });

  let probeAt = 0;
  let probeOk = true;
  const collections = new CollectionRegistry((name, spec) => {
    const file = join(dbDir, `${name}.json`);
    const db = loaded.get(name) ?? new Low<CollectionFile<unknown>>(new DurableJsonFile(file, recoveryFor), { format: FORMAT, collection: name, items: {} });
    const c = new LowdbCollection<unknown>(name, file, db, spec, onError);
    return c;
  });
  const store: LowdbStore = {
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
      return probeOk && lastError === null && activity.writable();
    },
    async close(): Promise<void> {
      await Promise.all([...collections.values()].map((c) => c.settled()));
      await activity.close();
      if (lockFile) try { unlinkSync(lockFile); } catch { /* already gone */ }
    },
  };
  return store;
}
