/**
 * A collection held in a Map, with the indexes its spec declares and a lazily sorted key list for `scan`.
 * The memory driver uses it as is; the embedded driver uses it as its read side and journals each change
 * before applying it (`commit`), so a write resolves only once the journal holds it.
 *
 * Each key maps to an *entry*: the record's JSON text (held in memory), or a slot number in a
 * `RecordSource` (the embedded driver's snapshot file: the record is read from disk on demand,
 * docs/storage.md § Records on demand). Either way a read hands out a record parsed fresh from its JSON,
 * so a caller that mutates what it got cannot change the store, and no read pays a `structuredClone`;
 * the memory driver has the same JSON semantics as the file and PostgreSQL drivers.
 *
 * Costs: get/put/delete/find O(1) (plus the index entries and, for a slot, one positional read), update
 * O(1) and atomic because the function runs between two awaits on one event loop (and after the writes
 * chained before it on the key; insertMany chains on each of its keys the same way); scan pages through a sorted key
 * order kept current by inserts and deletes (src/store/sorted-keys.ts; admin paths only).
 *
 * Pipelined commits (docs/storage.md § Writes of one key in flight): a change is handed to `commit` and
 * applied to the Map at once, and the key's chain moves on without waiting for the journal's fsync; the
 * write's own promise still resolves only once `commit` has made it durable. So the next update of a hot
 * key (the one benchmark SIM's SQN, a token binding) builds on it while both wait in the same group commit,
 * instead of one fsync per write of the key. The journal keeps call order, so a durable write implies every
 * earlier write of the key is durable too. A `get` of a key with a write in flight waits for that write's
 * commit (an acknowledged read never shows what a crash could take back); `update` functions see the
 * staged value. A failed commit puts a key back to its last durable entry unless a later write of the key
 * is still in flight (whose own commit then decides).
 */
import type { Change, Collection, CollectionSpec, Tally } from '../ports.js';
import { FieldIndex, noIndex } from './field-index.js';
import { KeyChains } from './key-chains.js';
import { SortedKeys } from './sorted-keys.js';
import { ShardedMap } from './sharded-map.js';
import { SharedRecords } from './shared-records.js';
import { Slices } from '../util/slices.js';
import { flatText, ownString } from '../util/own-string.js';

/** One change as the journal writes it: the record's JSON text, or a delete. */
/** `take(key)` as an `update`: delete what is there and return it (the in-process drivers' take; PostgreSQL has one statement). */
export const takeChange = <T>(cur: T | undefined): Change<T, T | undefined> => (cur === undefined ? { result: undefined } : { result: cur, delete: true });

/** `takeMany` of a collection whose `take` has no round trip to save: each key (once) by `take`, side by side. */
export function takeEach<T>(keys: readonly string[], take: (key: string) => Promise<T | undefined>): Promise<Array<[string, T]>> {
  const uniq = [...new Set(keys)];
  return Promise.all(uniq.map(take)).then((got) => {
    const out: Array<[string, T]> = [];
    got.forEach((v, i) => { if (v !== undefined) out.push([uniq[i]!, v]); });
    return out;
  });
}

/**
 * `deleteMany`'s keys, each once, with the values of `match.field` that let it go (null: any record). A key given
 * twice with two values goes if its record holds either.
 */
export function deletionTargets(keys: readonly string[], match?: { field: string; values: readonly string[] }): Map<string, Set<string> | null> {
  if (match && match.values.length !== keys.length) throw new TypeError(`storage: deleteMany got ${keys.length} keys and ${match.values.length} values to match`);
  const out = new Map<string, Set<string> | null>();
  keys.forEach((key, i) => {
    if (!match) { out.set(key, null); return; }
    const want = out.get(key) ?? new Set<string>();
    want.add(match.values[i]!);
    out.set(key, want);
  });
  return out;
}

/** Whether `record` may go under `deletionTargets`' `want` for it (its top-level `field` one of the values). */
export function deletable(record: unknown, field: string | undefined, want: Set<string> | null): boolean {
  if (want === null || field === undefined) return true;
  const v = record !== null && typeof record === 'object' ? (record as Record<string, unknown>)[field] : undefined;
  return typeof v === 'string' && want.has(v);
}

export type JournalOp = { key: string; text: string } | { key: string; deleted: true };

export interface MapCollectionHooks {
  /**
   * Make the changes durable, in call order (the Map is updated when it is called; the write's promise
   * resolves only after this one does). Absent: memory only.
   */
  commit?(ops: ReadonlyArray<JournalOp>): Promise<void>;
}

/** Where records that are not held in memory are read from (the embedded driver's snapshot file). */
export interface RecordSource {
  /** The JSON text of the record in `slot` (checked by the source), stored under `key`. */
  read(slot: number, key: string): Promise<string>;
  /**
   * The record in `slot` parsed, an object of the caller's own, and the length of its JSON text: what `read` then
   * `JSON.parse` give, with one parse where the source had to parse the record to check it (a read from disk).
   */
  readParsed(slot: number, key: string): Promise<{ value: unknown; chars: number }>;
  /** The value of the indexed `field` of the record in `slot` (kept in memory by the source). */
  indexValue(slot: number, field: string): string | undefined;
  /**
   * `read` in one step: the rare revert of a failed write to a record of a source a compaction has switched from
   * (MapCollection.#revertEntry), which must not leave the key's entry to a later turn.
   */
  readSync(slot: number, key: string): string;
  /** Keep the source readable after it is retired, till `release` (a write in flight may revert to one of its records). */
  hold(): void;
  release(): void;
}

/** JSON text in memory, or a slot of the collection's RecordSource. */
export type Entry = string | number;

/**
 * What a write already knows, so that keeping the indexes needs no JSON.parse: the object its text was made from
 * (in the same synchronous step), and the indexed fields of the entry it replaces (`oldEntry`, as read).
 */
interface StageHint {
  value?: unknown;
  oldEntry?: Entry;
  oldFields?: Record<string, string | undefined>;
}

const toText = (key: string, value: unknown): string => {
  const t = JSON.stringify(value);
  if (t === undefined) throw new TypeError(`storage: the record for ${JSON.stringify(key)} is not JSON (${typeof value})`);
  return flatText(t); // held until the next compaction: one flat string, not JSON.stringify's joined pieces
};

/**
 * A key with writes staged whose commits have not settled: how many, the entry a crash would leave (`durable`,
 * updated as commits succeed; null = no record) and, where that entry is a slot, the source it is a slot of (`from`,
 * held till the key settles: a compaction may switch to another source meanwhile), and the newest commit to wait for.
 */
interface Staged {
  n: number;
  durable: Entry | null;
  from: RecordSource | null;
  failedLast: boolean;
  last: Promise<void>;
}

export class MapCollection<T> implements Collection<T> {
  readonly #map = new ShardedMap<Entry>();
  /** field → its index. */
  readonly #indexes = new Map<string, FieldIndex>();
  /** The key order `scan` pages through (kept current by inserts and deletes, not re-sorted per change). */
  readonly #sorted = new SortedKeys(() => this.#map.keys());
  /** Per-key chain: an update waits for the writes before it on the same key. */
  readonly #chains = new KeyChains();
  /** Where slot entries are read from (null: every record is held in memory). */
  protected source: RecordSource | null = null;
  /** The records `getShared` parsed, by key, with the entry each was parsed from. */
  readonly #shared = new SharedRecords();
  /** Keys with a change staged whose commit has not settled (Staged). */
  readonly #staged = new Map<string, Staged>();
  /** The characters of the JSON texts the key map holds (records not in the source): `heldTextChars`. */
  #heldChars = 0;

  constructor(readonly name: string, readonly spec: CollectionSpec, private readonly hooks: MapCollectionHooks = {}) {
    for (const f of spec.indexes ?? []) this.#indexes.set(f, new FieldIndex());
  }

  /** Load without journalling (the embedded driver's replay): the record's value and its JSON text, or a delete. */
  load(key: string, value: unknown, text?: string): void {
    if (value === undefined) this.#remove(key);
    else this.#set(key, text ?? toText(key, value), value as T);
  }

  /** Load a record that stays in the source (the embedded driver's snapshot), without reading it. */
  loadSlot(key: string, slot: number): void {
    this.#set(key, slot, undefined);
  }

  /**
   * At load, into an empty collection: every record of `source` as a slot (`keys[i]` in slot i), the index
   * of field f from `values[f][i]` — one pass over plain arrays, no record read.
   */
  loadSource(source: RecordSource, keys: readonly string[], fields: readonly string[], values: Array<Array<string | undefined>>): void {
    this.source = source;
    if (this.#map.size) { for (let i = 0; i < keys.length; i++) this.loadSlot(keys[i]!, i); return; }
    this.#sorted.reset();
    const map = this.#map;
    for (let i = 0; i < keys.length; i++) map.set(keys[i]!, i);
    fields.forEach((f, fi) => {
      const idx = this.#indexes.get(f);
      const col = values[fi]!;
      if (!idx) return;
      for (let i = 0; i < keys.length; i++) {
        const v = col[i];
        if (typeof v !== 'string') continue;
        // A value several records hold is kept once: the source's column takes the index's copy.
        const kept = idx.add(v, keys[i]!);
        if (kept !== v) col[i] = kept;
      }
    });
  }

  /** The entry of `key` (compaction). */
  entryOf(key: string): Entry | undefined {
    return this.#map.get(key);
  }

  /**
   * Every record a compaction's snapshot takes as JSON text: the records held as text, read a shard of the key map at
   * a time, in slices of `sliceMs` between which requests are served (one step over every key held the event loop
   * ≈ 0.5 µs a key). The snapshot is fuzzy: a change committed meanwhile is in the new journal too, and the
   * compaction retargets only records whose entry is still the one it wrote.
   *
   * It takes what a crash would leave, never a write still in flight: for a key with writes staged, its last durable
   * entry (a text; a slot of the source being compacted is copied from there instead, `durableSlotOf`; a slot of an
   * older one is read from it), also when the staged write is a delete and the key is gone from the map. The keys of
   * one shard, held or staged, are taken in one step. Before 2026-12-07 the staged record itself went into the
   * snapshot, and a key deleted in flight was left out: a write whose commit then failed came back at the next start,
   * and a delete that failed lost its record there (docs/storage.md § Writes of one key in flight).
   */
  async textEntries(sliceMs = 5): Promise<Array<[string, string]>> {
    const out: Array<[string, string]> = [];
    const map = this.#map;
    const staged = this.#staged;
    const slices = new Slices(sliceMs, 1);
    for (let s = 0; s < map.shardCount; s++) {
      const shard = map.shard(s);
      if (shard !== undefined) {
        for (const [k, e] of shard) if (typeof e === 'string' && (staged.size === 0 || !staged.has(k))) out.push([k, e]);
      }
      if (staged.size) {
        for (const [k, st] of staged) {
          if (map.shardIndex(k) !== s) continue;
          const text = this.#durableText(k, st);
          if (text !== undefined) out.push([k, text]);
        }
      }
      if (slices.due()) await slices.next();
    }
    return out;
  }

  /** The text of the record a crash would leave for a key with writes in flight; undefined when none, or a slot of the source (copied from there). */
  #durableText(key: string, st: Staged): string | undefined {
    const d = st.durable;
    if (d === null || typeof d === 'string') return d ?? undefined;
    if (st.from === this.source) return undefined;
    // A slot of a source before the one being compacted (every write of the key since then has failed): its text.
    return st.from!.readSync(d, key);
  }

  /**
   * The slot of the collection's source that a crash would leave `key` at now (a compaction copies that record from
   * the source), or undefined: a key with writes in flight answers with its last durable entry, not the staged one.
   */
  durableSlotOf(key: string): number | undefined {
    const st = this.#staged.get(key);
    const e = st === undefined ? this.#map.get(key) : st.from === this.source ? st.durable : null;
    return typeof e === 'number' ? e : undefined;
  }

  /**
   * A compaction's switch to a new source in progress (`retarget`): `source` is already the new one, and an entry
   * that is a slot number is a slot of it only once `retarget` has set it (`done[i]`, for `keys[i]`); until then it is
   * still a slot of `prev`, the source before.
   */
  #switching: { prev: RecordSource | null; keys: readonly string[]; done: Uint8Array } | null = null;

  /** The source the slot entry `slot` of `key` is read from (the one source, but while a compaction switches). */
  #sourceOf(key: string, slot: number): RecordSource {
    const s = this.#switching;
    if (s === null || (s.done[slot] === 1 && s.keys[slot] === key)) return this.source!;
    return s.prev ?? this.source!;
  }

  /**
   * Point `keys[i]` at slot `i` of `source` wherever its entry is still `was[i]` (the record compaction
   * wrote into the new snapshot has not changed since); every other entry is left alone. Index entries are
   * unchanged: the record is the same. One key after another in slices of `sliceMs`, between which requests are
   * served (each read of a slot entry asks `#sourceOf` which source it is of); before 2026-12-07 one step held the
   * event loop ≈ 1 µs a key (170–290 ms at 200,000 records, docs/performance.md § Thirty-seventh round).
   *
   * `values[f][i]`, the source's copy of indexed field `fields[f]` of the record in slot `i`, was parsed again from
   * the text of a record held in memory where `was[i]` is a string: the index and the source then keep one copy of it
   * between them (FieldIndex.adopt), not one each (≈ 100 bytes a token record, docs/storage.md § Records on demand).
   * A record copied from the last snapshot has the values the index holds already.
   */
  async retarget(source: RecordSource, keys: readonly string[], was: readonly Entry[], opts: { fields?: readonly string[]; values?: Array<Array<string | undefined>>; sliceMs?: number } = {}): Promise<void> {
    const indexes = (opts.fields ?? []).map((f) => this.#indexes.get(f));
    const values = opts.values ?? [];
    const done = new Uint8Array(keys.length);
    const slices = new Slices(opts.sliceMs ?? 5);
    this.#switching = { prev: this.source, keys, done };
    this.source = source;
    try {
      for (let i = 0; i < keys.length; i++) {
        if (slices.due()) await slices.next();
        const key = keys[i]!;
        const from = was[i];
        if (this.#map.get(key) !== from) continue;
        done[i] = 1;
        this.#map.set(key, i);
        if (typeof from === 'string') {
          this.#heldChars -= from.length;
          this.#shareIndexValues(key, i, indexes, values);
        }
      }
    } finally {
      this.#switching = null;
    }
  }

  /** `retarget`'s one copy of the indexed values of `key`, in `slot` (FieldIndex.adopt). */
  #shareIndexValues(key: string, slot: number, indexes: ReadonlyArray<FieldIndex | undefined>, values: Array<Array<string | undefined>>): void {
    for (let f = 0; f < indexes.length; f++) {
      const idx = indexes[f];
      const col = values[f];
      const v = col?.[slot];
      if (idx === undefined || typeof v !== 'string') continue;
      const kept = idx.adopt(v, key);
      if (kept !== v) col![slot] = kept;
    }
  }

  get size(): number {
    return this.#map.size;
  }

  /**
   * The characters of the records held in memory as JSON text (every record written since the source's snapshot, the
   * memory driver's all): what a compaction would free. Kept as entries change, O(1) a write; the embedded driver
   * compacts the largest holder once its collections hold more than their budget (docs/storage.md § Heap per SIM).
   */
  get heldTextChars(): number {
    return this.#heldChars;
  }

  #text(key: string): string | Promise<string> | undefined {
    const e = this.#map.get(key);
    return typeof e === 'number' ? this.#sourceOf(key, e).read(e, key) : e;
  }

  async get(key: string): Promise<T | undefined> {
    const staged = this.#staged.get(key);
    if (staged) await staged.last.catch(() => undefined);
    const e = this.#map.get(key);
    if (e === undefined) return undefined;
    return (typeof e === 'string' ? JSON.parse(e) : (await this.#sourceOf(key, e).readParsed(e, key)).value) as T;
  }

  /**
   * `get` for a reader that changes nothing (the port's `getShared`): the record parsed and deep-frozen, and from its
   * key's second read on kept and handed out again while the key's entry is the one it was parsed from. An entry is
   * the record's JSON text (any write of the key replaces it; equal text is an equal record) or a slot of `source` (a
   * snapshot file, which never changes: the slot and the source together name one record). Like `get`, it waits for
   * a write of the key in flight.
   */
  async getShared(key: string): Promise<Readonly<T> | undefined> {
    const staged = this.#staged.get(key);
    if (staged) await staged.last.catch(() => undefined);
    const entry = this.#map.get(key);
    const shared = this.#shared;
    if (entry === undefined) {
      shared.forget(key);
      return undefined;
    }
    const source = typeof entry === 'number' ? this.#sourceOf(key, entry) : null;
    const hit = shared.find(key, entry, source);
    if (hit !== undefined) return hit as Readonly<T>;
    if (source === null) return shared.parse(key, entry, null, entry as string) as Readonly<T>;
    const { value, chars } = await source.readParsed(entry as number, key);
    return shared.adopt(key, entry, source, value, chars) as Readonly<T>;
  }

  put(key: string, value: T): Promise<void> {
    let op: JournalOp;
    try { op = { key, text: toText(key, value) }; } catch (e) { return Promise.reject(e); }
    // The step returns the commit wrapped: returned bare, the chain would wait for it (see #stage).
    // No hint: the chain may run this later, after the caller changed `value`; the indexes come from the text.
    return this.#serial(key, async () => ({ durable: this.#stage([op]) })).then(({ durable }) => durable);
  }

  async putMany(entries: ReadonlyArray<readonly [string, T]>, deletes: readonly string[] = []): Promise<void> {
    const ops: JournalOp[] = entries.map(([key, value]) => ({ key, text: toText(key, value) }));
    if (deletes.length) {
      const put = new Set(entries.map(([k]) => k));
      for (const key of new Set(deletes)) if (!put.has(key) && this.#map.has(key)) ops.push({ key, deleted: true });
    }
    if (!ops.length) return;
    await this.#stage(ops);
  }

  /**
   * Runs after every write already chained on any of its keys, and chains the writes that come later on
   * them behind it, so the existence check and the commit are one step for each key.
   */
  insertMany(entries: ReadonlyArray<readonly [string, T]>): Promise<string[]> {
    const keys = [...new Set(entries.map(([k]) => k))];
    return this.#serialMany(keys, async () => {
      let durable: Promise<void> | undefined;
      const conflicts: string[] = [];
      const seen = new Set<string>();
      const ops: JournalOp[] = [];
      for (const [key, value] of entries) {
        if (seen.has(key) || this.#map.has(key)) { conflicts.push(key); continue; }
        seen.add(key);
        ops.push({ key, text: toText(key, value) });
      }
      if (ops.length) durable = this.#stage(ops);
      return { conflicts, durable };
    }).then(async ({ conflicts, durable }) => { await durable; return conflicts; });
  }

  delete(key: string): Promise<boolean> {
    return this.#serial(key, async () => ({ durable: this.#map.has(key) ? this.#stage([{ key, deleted: true }]) : null }))
      .then(async ({ durable }) => { if (durable === null) return false; await durable; return true; });
  }

  take(key: string): Promise<T | undefined> {
    return this.update(key, takeChange<T>);
  }

  takeMany(keys: readonly string[]): Promise<Array<[string, T]>> {
    return takeEach(keys, (k) => this.take(k));
  }

  /**
   * Chained on every key (as `insertMany`), so what is read and what is deleted are one step for each; the deletes
   * go to the journal as one commit. Only a `match` reads the records.
   */
  deleteMany(keys: readonly string[], match?: { field: string; values: readonly string[] }): Promise<string[]> {
    let targets: Map<string, Set<string> | null>;
    try { targets = deletionTargets(keys, match); } catch (e) { return Promise.reject(e); }
    const all = [...targets.keys()];
    if (!all.length) return Promise.resolve([]);
    return this.#serialMany(all, async () => {
      const held = all.filter((k) => this.#map.has(k));
      const texts = match ? await Promise.all(held.map((k) => this.#text(k))) : [];
      const ops: JournalOp[] = [];
      const hints: StageHint[] = [];
      const gone: string[] = [];
      held.forEach((key, i) => {
        const oldEntry = this.#map.get(key);
        if (oldEntry === undefined) return;
        const hint: StageHint = { oldEntry };
        if (match) {
          const t = texts[i];
          if (t === undefined) return;
          const cur = JSON.parse(t) as T;
          if (!deletable(cur, match.field, targets.get(key)!)) return;
          if (this.#indexes.size) hint.oldFields = this.#indexFields(cur);
        }
        ops.push({ key, deleted: true });
        hints.push(hint);
        gone.push(key);
      });
      return { gone, durable: ops.length ? this.#stage(ops, hints) : undefined };
    }).then(async ({ gone, durable }) => { await durable; return gone; });
  }

  update<R>(key: string, fn: (current: T | undefined) => Change<T, R>): Promise<R> {
    return this.#serial(key, async () => {
      const oldEntry = this.#map.get(key);
      const t = this.#text(key);
      const cur = t === undefined ? undefined : JSON.parse(typeof t === 'string' ? t : await t) as T;
      // The indexed fields of the record replaced, taken before `fn` (which may change `cur` in place): the index
      // update then parses neither the old text nor the new one (#fields).
      const hint: StageHint = { oldEntry, oldFields: cur !== undefined && this.#indexes.size ? this.#indexFields(cur) : undefined };
      const change = fn(cur);
      let durable: Promise<void> | undefined;
      if (change.delete) { if (cur !== undefined) durable = this.#stage([{ key, deleted: true }], [hint]); }
      else if (change.put !== undefined) { hint.value = change.put; durable = this.#stage([{ key, text: toText(key, change.put) }], [hint]); }
      return { result: change.result, durable };
    }).then(async ({ result, durable }) => { await durable; return result; });
  }

  #index(field: string): FieldIndex {
    const idx = this.#indexes.get(field);
    if (!idx) throw noIndex(this.name, field);
    return idx;
  }

  async find(field: string, value: string): Promise<T[]> {
    const keys = this.#index(field).keys(value);
    return keys.length ? (await this.#entries(keys)).map(([, v]) => v) : [];
  }

  async findKeys(field: string, value: string): Promise<string[]> {
    // The index moves with the Map (#set, #remove: a delete takes its key out as it is staged, as `find` sees it).
    return this.#index(field).keys(value).sort();
  }

  async findPage(field: string, value: string, opts: { after?: string; limit?: number } = {}): Promise<Array<[string, T]>> {
    return this.#entries(await this.#index(field).page(value, opts.after, opts.limit ?? 1000));
  }

  /** The records of `keys` with their keys, in that order (a key without a record left out). */
  async #entries(keys: readonly string[]): Promise<Array<[string, T]>> {
    const texts = await Promise.all(keys.map((k) => this.#text(k)));
    const out: Array<[string, T]> = [];
    texts.forEach((t, i) => { if (t !== undefined) out.push([keys[i]!, JSON.parse(t) as T]); });
    return out;
  }

  async scan(opts: { after?: string; limit?: number; prefix?: string; contains?: string } = {}): Promise<Array<[string, T]>> {
    return this.#entries(await this.#sorted.search({ ...opts, limit: opts.limit ?? 1000 }));
  }

  async count(): Promise<number> {
    return this.#map.size;
  }

  async tally(): Promise<Tally> {
    return { n: this.#map.size, estimated: false };
  }

  /**
   * Hand `ops` to the commit hook and apply them to the Map now (pipelined commits, see the head comment);
   * the promise settles with the commit. Indexes come from the text written, or from `hints` (an update's: the
   * fields it read and the object it serialised in this same step), never from an object a caller may change meanwhile.
   */
  #stage(ops: ReadonlyArray<JournalOp>, hints?: ReadonlyArray<StageHint>): Promise<void> {
    const commit = this.hooks.commit;
    if (!commit) { ops.forEach((op, i) => this.#put(op, hints?.[i])); return Promise.resolve(); }
    let durable: Promise<void>;
    try { durable = commit(ops); } catch (e) { return Promise.reject(e); }
    // Per key: how many of `ops` write it and the entry the last of them leaves.
    const mine = new Map<string, { n: number; left: Entry | null }>();
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      const s = this.#staged.get(op.key);
      if (s) { s.n++; s.last = durable; } else this.#staged.set(op.key, this.#stagedFrom(op.key, durable));
      const m = mine.get(op.key);
      const left = 'deleted' in op ? null : op.text;
      if (m) { m.n++; m.left = left; } else mine.set(op.key, { n: 1, left });
      this.#put(op, hints?.[i]);
    }
    const settle = (ok: boolean) => {
      for (const [key, m] of mine) {
        const s = this.#staged.get(key);
        if (!s) continue;
        if (ok) s.durable = m.left;
        s.failedLast = !ok;
        s.n -= m.n;
        if (s.n > 0) continue;
        this.#staged.delete(key);
        // The newest write of the key failed and none is in flight: back to what the journal holds.
        if (s.failedLast) this.#put(s.durable === null ? { key, deleted: true } : { key, text: '', entry: this.#revertEntry(key, s) });
        s.from?.release();
      }
    };
    const settled = durable.then(() => settle(true), (e: unknown) => { settle(false); throw e; });
    settled.catch(() => undefined); // the caller awaits it a step later (after the key's chain): not unhandled meanwhile
    return settled;
  }

  /** The Staged of `key`'s first write in flight: its entry now is what the journal holds. */
  #stagedFrom(key: string, last: Promise<void>): Staged {
    const durable = this.#map.get(key) ?? null;
    const from = typeof durable === 'number' ? this.#sourceOf(key, durable) : null;
    from?.hold();
    return { n: 1, durable, from, failedLast: false, last };
  }

  /**
   * The entry a failed write puts back. A slot entry is put back as it is where it is a slot of the collection's
   * source. A slot of the source a compaction is switching from, or has switched from, is put back as the record's
   * text, read from that source (which `from` keeps open): the switch does not move a key whose entry is not the one
   * the snapshot wrote (a write was in flight), so a slot number of the old source put back would, once the switch is
   * over, name another record of the new one.
   */
  #revertEntry(key: string, s: Staged): Entry {
    const e = s.durable!;
    if (typeof e === 'string' || (s.from === this.source && this.#sourceOf(key, e) === this.source)) return e;
    try {
      return s.from!.readSync(e, key);
    } catch {
      // A damaged line in the old source as well as the failed write: the slot number is put back, and its reads fail
      // the new source's check that the line is the key's record (the store is unwritable already: the journal failed).
      return e;
    }
  }

  #put(op: JournalOp | { key: string; text: string; entry: Entry }, hint?: StageHint): void {
    if ('deleted' in op) this.#remove(op.key, hint);
    else this.#set(op.key, 'entry' in op ? op.entry : op.text, hint?.value as T | undefined, hint, true);
  }

  #serial<R>(key: string, fn: () => Promise<R>): Promise<R> {
    return this.#chains.run([key], fn);
  }

  #serialMany<R>(keys: readonly string[], fn: () => Promise<R>): Promise<R> {
    return this.#chains.run(keys, fn);
  }

  /**
   * The indexed fields of an entry. With `value`, the object the text was made from (or parsed from it), a string
   * field is read from it (only strings are indexed, and a string is the same in the text); a field holding an
   * object, which a toJSON could turn into a string, and a value that is not a plain object are read from the text.
   */
  #fields(key: string, entry: Entry, value: T | undefined): (field: string) => unknown {
    if (typeof entry === 'number') {
      const source = this.#sourceOf(key, entry);
      return (f) => source.indexValue(entry, f);
    }
    const v = value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype && !('toJSON' in value)
      ? (value as Record<string, unknown>) : undefined;
    let parsed: Record<string, unknown> | null | undefined;
    return (f) => {
      const x = v?.[f];
      if (typeof x === 'string') return x;
      if (v && (x === null || (typeof x !== 'object' && typeof x !== 'function'))) return undefined;
      parsed ??= JSON.parse(entry) as Record<string, unknown> | null;
      return parsed !== null && typeof parsed === 'object' ? parsed[f] : undefined;
    };
  }

  /** The string values of the indexed fields of a record parsed from its text (the old side of an update). */
  #indexFields(record: T): Record<string, string | undefined> {
    const out: Record<string, string | undefined> = {};
    const r = record as Record<string, unknown> | null;
    for (const f of this.#indexes.keys()) {
      const x = r !== null && typeof r === 'object' ? r[f] : undefined;
      out[f] = typeof x === 'string' ? x : undefined;
    }
    return out;
  }

  /**
   * `fromCaller`: a write's key and record, whose strings may be slices of a request (an IMSI cut from a URL keeps the
   * whole URL alive: src/util/own-string.ts). What the collection keeps for good is then a copy of its own: a new key
   * (a Map keeps the key object it first got; the indexes take that one too), an indexed value the index takes new,
   * and the key an index keeps for an existing record whose indexed value changed. A load's strings are the store's
   * own already.
   *
   * An index whose value the write leaves as it was is not touched (before 2026-12-07 every write took the key out of
   * each index and put it back).
   */
  #set(key: string, entry: Entry, value: T | undefined, hint?: StageHint, fromCaller = false): void {
    const old = this.#map.get(key);
    if (old === undefined) {
      if (fromCaller) key = ownString(key);
      this.#sorted.added(key);
    }
    this.#map.set(key, entry);
    this.#heldChars += (typeof entry === 'string' ? entry.length : 0) - (typeof old === 'string' ? old.length : 0);
    if (!this.#indexes.size) return;
    const was = old === undefined ? undefined : this.#oldFields(key, old, hint);
    const field = this.#fields(key, entry, value);
    // The key an index keeps: the Map's own (new) key, or a copy of the caller's made once an index needs it.
    let indexKey = fromCaller && old !== undefined ? undefined : key;
    for (const [f, idx] of this.#indexes) {
      const before = was?.(f);
      const v = field(f);
      if (before === v) continue;
      if (typeof before === 'string') idx.remove(before, key);
      if (typeof v === 'string') idx.add(v, (indexKey ??= ownString(key)), fromCaller);
    }
  }

  #remove(key: string, hint?: StageHint): void {
    const old = this.#map.get(key);
    if (old === undefined) return;
    this.#unindex(key, old, hint);
    this.#map.delete(key);
    if (typeof old === 'string') this.#heldChars -= old.length;
    this.#sorted.removed(key);
  }

  #unindex(key: string, old: Entry, hint?: StageHint): void {
    if (!this.#indexes.size) return;
    const field = this.#oldFields(key, old, hint);
    for (const [f, idx] of this.#indexes) {
      const v = field(f);
      if (typeof v === 'string') idx.remove(v, key);
    }
  }

  /** The indexed fields of `key`'s entry `old`, being replaced. The hint's are those of the entry the update read; anything else (a revert meanwhile) is parsed. */
  #oldFields(key: string, old: Entry, hint?: StageHint): (field: string) => unknown {
    const known = hint?.oldFields !== undefined && hint.oldEntry === old ? hint.oldFields : undefined;
    return known ? (f: string) => known[f] : this.#fields(key, old, undefined);
  }
}
