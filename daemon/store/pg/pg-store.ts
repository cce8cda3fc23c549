/**
 * The PostgreSQL driver of the Store port (src/ports.ts), for production and for several daemons sharing
 * one database (docs/storage.md § PostgreSQL).
 *
 * - Every read goes to the database: no cache, so what one daemon wrote is what the next query on any
 *   other daemon sees (token revoke, entitlement set).
 * - `update(key, fn)` is an optimistic compare-and-set on `rev` (`UPDATE … WHERE rev = $old RETURNING`):
 *   on a lost race the function runs again on the fresh value. Calls on one key inside this process are
 *   chained first, so only another daemon's write makes us retry. Two daemons advancing one SIM's SQN
 *   therefore never issue the same one. On volatile collections (an EAP session in flight, changed several times
 *   within a second by the daemon that serves it) the first try skips the read: the record as this daemon last
 *   wrote it is compared with the row's whole value (`UPDATE … WHERE value = $seen`), and a row another daemon
 *   changed since fails the compare and is read as above (docs/storage.md § Round trips).
 * - Every write carries its `pg_notify` in the same statement (or transaction), so the change feed fires
 *   on every daemon (LISTEN) exactly when the write commits.
 * - A database that cannot be reached turns every call into `StoreUnavailableError` (→ 503 + Retry-After);
 *   the pool reconnects by itself, the listener connection is re-made with a backoff.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import type { ActivityRecord } from '../../../src/contracts/activity.js';
import type {
  ActivityLog, ActivityPage, ActivityQuery, Change, Collection, CollectionSpec, Store, StoreChange, StoreInfo,
} from '../../../src/ports.js';
import { activityCountLimit, activityPageWindow, countedPage, EXACT_TALLY_UP_TO, type Tally } from '../../../src/ports.js';
import { COLLECTIONS } from '../../../src/store/collections.js';
import { CollectionRegistry } from '../../../src/store/memory-store.js';
import { KeyChains } from '../../../src/store/key-chains.js';
import { deletionTargets } from '../../../src/store/map-collection.js';
import { noIndex } from '../../../src/store/field-index.js';
import { isUnavailable, redactUrl, startError, unavailable } from './errors.js';
import { declaredIndexSql, LATEST_SCHEMA_VERSION, migrate, readSchemaVersion, tableFor } from './migrate.js';
import { RecentMap } from '../../../src/util/recent-map.js';
import { Pipelines } from './pipelines.js';
import { Reopener } from './reopen.js';

export const CHANGE_CHANNEL = 'omnisep_change';
/** NOTIFY payloads must stay under 8000 bytes; keys are packed into chunks below this. */
const NOTIFY_BYTES = 7000;
const PUT_CHUNK = 5000;
/** `takeMany` of up to this many keys goes out pipelined (§ Pipelined statements of docs/storage.md); more through the pool. */
const TAKE_PIPELINED = 16;
/** Volatile records remembered per collection for update()'s first try (the oldest forgotten first). */
const SEEN_MAX = 2048;

export interface PgStoreOptions {
  url: string;
  poolMax?: number;
  /**
   * `storage.prepared_statements` (default true): the driver's parameterised queries go out as named prepared
   * statements, parsed and planned once per connection instead of on every call.
   */
  preparedStatements?: boolean;
  /**
   * `storage.pipelines` (default 2): connections beside the pool on which the per-record statements go out pipelined
   * (`./pipelines.ts`); 0 sends every statement through the pool.
   */
  pipelines?: number;
  /** `server.node_name`; empty = the host name. Put on activity records and change notifications. */
  nodeName?: string;
  activity?: { maxPerSubscriber?: number; retentionSeconds?: number };
  /** Apply pending migrations at open (default true); false only checks the version. */
  migrate?: boolean;
  connectTimeoutMs?: number;
  warn?: (msg: string) => void;
}

interface Notice { i: string; o: string; c: string; k: string[] }

export interface PgStore extends Store {
  readonly activity: PgActivity;
  readonly pool: pg.Pool;
  readonly pipelines: Pipelines;
  readonly nodeName: string;
}

export async function createPgStore(opts: PgStoreOptions): Promise<PgStore> {
  if (!/^postgres(ql)?:\/\//.test(opts.url))
    throw startError({ message: 'storage.url must be a postgres:// URL' }, redactUrl(opts.url), 0);
  const location = redactUrl(opts.url);
  const nodeName = opts.nodeName || hostname();
  const instance = randomUUID();
  const timeoutMs = opts.connectTimeoutMs ?? 5000;
  const max = opts.poolMax ?? 10;
  const warn = opts.warn ?? (() => {});
  const pool = new pg.Pool({
    connectionString: opts.url,
    max,
    connectionTimeoutMillis: timeoutMs,
    idleTimeoutMillis: 30_000,
    query_timeout: 30_000,
    application_name: `omnisep ${nodeName}`.slice(0, 63),
  });
  // An idle connection that the server drops (restart) emits here; without a listener it would crash the process.
  pool.on('error', () => { health.down(); });

  const health = new Health(pool, warn);
  const pipelines = new Pipelines({
    connectionString: opts.url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: 30_000,
    application_name: `omnisep ${nodeName} pipelined`.slice(0, 63),
  }, opts.pipelines ?? 2, warn);
  let schemaVersion: number;
  try {
    await pool.query('SELECT 1');
    schemaVersion = opts.migrate === false ? await readSchemaVersion(pool, location) : await migrate(pool, { location, nodeName });
    await pipelines.start();
  } catch (e) {
    await pipelines.stop();
    await pool.end().catch(() => {});
    if ((e as { code?: string }).code?.startsWith('OMNISEP_')) throw e;
    throw startError(e, location, timeoutMs);
  }

  const listeners = new Set<(c: StoreChange) => void>();
  const emit = (c: StoreChange) => { for (const l of listeners) { try { l(c); } catch { /* a listener's bug is not the store's */ } } };
  /** Per collection, a one-key payload's text up to its key: most writes name one key (≈ 10 per authentication). */
  const heads = new Map<string, string>();
  const notify = (collection: string, keys: readonly string[]): string[] => {
    const base = { i: instance, o: nodeName, c: collection, k: [] };
    if (keys.length === 1) {
      let head = heads.get(collection);
      if (head === undefined) heads.set(collection, (head = JSON.stringify(base).slice(0, -2)));
      const one = `${head}${JSON.stringify(keys[0])}]}`;
      if (one.length <= NOTIFY_BYTES) return [one];
    }
    return notices(base, keys);
  };
  const local = (collection: string, keys: readonly string[]) => { for (const key of keys) emit({ collection, key, origin: nodeName }); };
  // Every payload begins with the writer's instance (`notify` above, `notices`): the listener drops this daemon's own
  // unparsed (they were emitted when the write resolved), so what reaches here is another daemon's.
  const feed = new Listener(opts.url, timeoutMs, JSON.stringify({ i: instance }).slice(0, -1), (n) => {
    for (const key of n.k) emit({ collection: n.c, key, origin: n.o });
  }, warn);
  try {
    await feed.start();
  } catch (e) {
    await pipelines.stop();
    await pool.end().catch(() => {});
    throw startError(e, location, timeoutMs);
  }

  const db = new Db(pool, pipelines, health, opts.preparedStatements ?? true);
  const pendingIndexes = new Map<string, Promise<void>>();
  const registry = new CollectionRegistry((name, spec) => {
    const known = (COLLECTIONS as Record<string, CollectionSpec>)[name];
    // A collection outside the registry with indexes gets them now (the registry's are made by migrate).
    if (!known && spec.indexes?.length) {
      const p = Promise.all(declaredIndexSql(name, spec).map((sql) => db.q(sql))).then(() => {});
      p.catch(() => {});
      pendingIndexes.set(name, p);
    }
    return new PgCollection<unknown>(name, spec, db, { notify, local, ready: () => pendingIndexes.get(name) });
  });
  const activity = new PgActivity(db, nodeName, opts.activity ?? {});
  activity.startRetention();

  return {
    pool,
    pipelines,
    nodeName,
    activity,
    collection<T>(name: string, spec?: CollectionSpec): Collection<T> {
      return registry.open(name, spec) as Collection<T>;
    },
    onChange(l) {
      listeners.add(l);
      return () => { listeners.delete(l); };
    },
    writable: () => health.up,
    info: (): StoreInfo => ({
      driver: 'postgres',
      location,
      schema_version: schemaVersion,
      pool: { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max },
      pipelines: { open: pipelines.open, max: pipelines.max },
    }),
    async close() {
      activity.stopRetention();
      await activity.flush().catch(() => {});
      health.stop();
      await feed.stop();
      await pipelines.stop();
      await pool.end();
    },
  };
}

/** Packs keys into NOTIFY payloads below the size limit. */
function notices(base: Notice, keys: readonly string[]): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  let size = JSON.stringify(base).length;
  for (const k of keys) {
    const add = JSON.stringify(k).length + 1;
    if (cur.length && size + add > NOTIFY_BYTES) {
      out.push(JSON.stringify({ ...base, k: cur }));
      cur = [];
      size = JSON.stringify(base).length;
    }
    cur.push(k);
    size += add;
  }
  if (cur.length) out.push(JSON.stringify({ ...base, k: cur }));
  return out;
}

/** Whether the database answers; while it does not, a probe runs every half second until it does. */
class Health {
  up = true;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  constructor(private readonly pool: pg.Pool, private readonly warn: (m: string) => void) {}
  down(): void {
    if (this.#stopped) return;
    if (this.up && !this.#timer) this.warn('storage: PostgreSQL is unavailable; requests answer 503 until it is back');
    this.up = false;
    if (this.#timer) return;
    const probe = () => {
      this.#timer = setTimeout(() => {
        this.pool.query('SELECT 1').then(() => {
          this.#timer = null;
          this.warn('storage: PostgreSQL is back');
          this.up = true;
        }, () => { if (!this.#stopped) probe(); });
      }, 500);
      this.#timer.unref();
    };
    probe();
  }
  ok(): void {
    this.up = true;
  }
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }
}

/**
 * Statement names by query text, for every pool of the process (the same text always gets the same name, so a name
 * means one statement on any connection). The driver's texts are a bounded set — collection and field names, the
 * activity filters' combinations — and past `MAX_NAMED` texts the rest go unnamed rather than grow the servers'
 * per-connection statement caches without bound.
 */
const statementNames = new Map<string, string>();
const MAX_NAMED = 1000;

function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_NAMED) statementNames.set(text, (name = `omnisep_${statementNames.size}`));
  return name;
}

/** Queries through the pool or the pipelined connections, with connection failures turned into StoreUnavailableError. */
class Db {
  constructor(readonly pool: pg.Pool, private readonly pipes: Pipelines, private readonly health: Health, private readonly prepared: boolean) {}

  /**
   * The rows `select` (a `SELECT 1 FROM … WHERE …` without parameters) returns, for a status line: counted up to
   * EXACT_TALLY_UP_TO and no further, then the planner's estimate of the whole (`EXPLAIN`, no row read; at least the
   * count made). docs/storage.md § Counts.
   */
  async tally(select: string): Promise<Tally> {
    const r = await this.q<{ n: string }>(`SELECT count(*) AS n FROM (${select} LIMIT ${EXACT_TALLY_UP_TO + 1}) m`);
    const n = Number(r.rows[0]!.n);
    if (n <= EXACT_TALLY_UP_TO) return { n, estimated: false };
    const plan = await this.q<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>(`EXPLAIN (FORMAT JSON) ${select}`);
    const rows = Math.round(Number(plan.rows[0]?.['QUERY PLAN'][0]?.Plan['Plan Rows'] ?? 0));
    return { n: Math.max(n, rows), estimated: true };
  }

  /**
   * A parameterised query as a named prepared statement (docs/storage.md § Prepared statements: parsed and planned once per
   * connection, ≈ a quarter of the database's CPU per authentication), or as is with `storage.prepared_statements`
   * off or no parameters.
   */
  statement(text: string, values?: unknown[]): pg.QueryConfig {
    const name = this.prepared && values?.length ? statementName(text) : undefined;
    return name === undefined ? { text, values: values ?? [] } : { name, text, values };
  }

  q<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.#sent(this.statement(text, values), false);
  }

  /**
   * A per-record statement (one row by its key; no transaction): on a pipelined connection (`./pipelines.ts`), or
   * through the pool while none is open.
   */
  one<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    return this.#sent(this.statement(text, values), true);
  }

  async #sent<R extends pg.QueryResultRow>(config: pg.QueryConfig, pipelined: boolean): Promise<pg.QueryResult<R>> {
    try {
      const r = await ((pipelined ? this.pipes.query<R>(config) : undefined) ?? this.pool.query<R>(config));
      this.health.ok();
      return r;
    } catch (e) {
      throw this.#map(e);
    }
  }
  /** Runs `fn` inside BEGIN … COMMIT on one connection. */
  async tx<R>(fn: (c: pg.PoolClient) => Promise<R>): Promise<R> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw this.#map(e);
    }
    let broken = false;
    // A checked-out client has no pool listener: a connection killed between two statements would emit
    // 'error' with nobody listening (an uncaught exception). The failing statement reports it anyway.
    const onError = () => { broken = true; };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const r = await fn(client);
      await client.query('COMMIT');
      this.health.ok();
      return r;
    } catch (e) {
      broken = isUnavailable(e);
      if (!broken) await client.query('ROLLBACK').catch(() => { broken = true; });
      throw this.#map(e);
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  }
  #map(e: unknown): Error {
    if (isUnavailable(e)) {
      this.health.down();
      return unavailable(e);
    }
    return e as Error;
  }
}

interface Hooks {
  notify(collection: string, keys: readonly string[]): string[];
  local(collection: string, keys: readonly string[]): void;
  ready(): Promise<void> | undefined;
}

const IDENT = /^[a-z][a-z0-9_]{0,63}$/;

class PgCollection<T> implements Collection<T> {
  readonly #table: string;
  readonly #chains = new KeyChains();
  /**
   * Volatile collections: each record's JSON text as this daemon last wrote it, so that `update()` tries its
   * compare-and-set on the whole value without reading first. Never read from otherwise: `get` always asks the
   * database. A record another daemon changed since only costs the failed try.
   */
  readonly #seen: RecentMap<string, string> | null;
  constructor(readonly name: string, readonly spec: CollectionSpec, private readonly db: Db, private readonly hooks: Hooks) {
    this.#table = tableFor(spec);
    this.#seen = spec.kind === 'volatile' ? new RecentMap(SEEN_MAX) : null;
  }

  #remember(key: string, text: string): void {
    const seen = this.#seen;
    if (!seen) return;
    seen.set(key, text);
  }

  #forget(key: string): void {
    this.#seen?.delete(key);
  }

  async get(key: string): Promise<T | undefined> {
    const r = await this.db.one<{ value: T }>(`SELECT value FROM ${this.#table} WHERE collection = $1 AND key = $2`, [this.name, key]);
    return r.rows[0]?.value;
  }

  /** `get` (the port's `getShared`): another daemon may have changed the record, so the database is asked every time. */
  getShared(key: string): Promise<Readonly<T> | undefined> {
    return this.get(key);
  }

  async put(key: string, value: T): Promise<void> {
    const [payload] = this.hooks.notify(this.name, [key]);
    const text = toJson(value);
    this.#forget(key);
    await this.db.one(
      `WITH w AS (INSERT INTO ${this.#table} AS t (collection, key, value) VALUES ($1, $2, $3::jsonb)
         ON CONFLICT (collection, key) DO UPDATE SET value = EXCLUDED.value, rev = t.rev + 1, updated_at = now() RETURNING 1)
       SELECT pg_notify($4, $5) FROM w`,
      [this.name, key, text, CHANGE_CHANNEL, payload]);
    this.#remember(key, text);
    this.hooks.local(this.name, [key]);
  }

  async putMany(entries: ReadonlyArray<readonly [string, T]>, deletes: readonly string[] = []): Promise<void> {
    // The last value of a key wins (one INSERT … ON CONFLICT may not touch a row twice).
    const last = new Map<string, T>();
    for (const [k, v] of entries) last.set(k, v);
    const keys = [...last.keys()];
    const gone = [...new Set(deletes)].filter((k) => !last.has(k));
    if (!keys.length && !gone.length) return;
    const changed = gone.length ? [...keys, ...gone] : keys;
    for (const k of changed) this.#forget(k);
    const payloads = this.hooks.notify(this.name, changed);
    if (keys.length <= PUT_CHUNK && gone.length <= PUT_CHUNK && payloads.length === 1) {
      // One statement, atomic without BEGIN/COMMIT: the upsert, the deletes and the notification (a few keys: an
      // authentication's new pseudonym and re-authentication identity, the superseded ones deleted). Data-modifying
      // WITHs run whether or not they are read.
      await this.db.one(
        `WITH w AS (INSERT INTO ${this.#table} AS t (collection, key, value)
             SELECT $1, k, v::jsonb FROM unnest($2::text[], $3::text[]) AS u(k, v)
           ON CONFLICT (collection, key) DO UPDATE SET value = EXCLUDED.value, rev = t.rev + 1, updated_at = now()),
              d AS (DELETE FROM ${this.#table} WHERE collection = $1 AND key = ANY($6::text[]))
         SELECT pg_notify($4, $5)`,
        [this.name, keys, keys.map((k) => toJson(last.get(k))), CHANGE_CHANNEL, payloads[0], gone]);
      this.hooks.local(this.name, changed);
      return;
    }
    await this.db.tx(async (c) => {
      for (let i = 0; i < keys.length; i += PUT_CHUNK) {
        const ks = keys.slice(i, i + PUT_CHUNK);
        await c.query(this.db.statement(
          `INSERT INTO ${this.#table} AS t (collection, key, value)
             SELECT $1, k, v::jsonb FROM unnest($2::text[], $3::text[]) AS u(k, v)
           ON CONFLICT (collection, key) DO UPDATE SET value = EXCLUDED.value, rev = t.rev + 1, updated_at = now()`,
          [this.name, ks, ks.map((k) => toJson(last.get(k)))]));
      }
      for (let i = 0; i < gone.length; i += PUT_CHUNK) {
        await c.query(this.db.statement(`DELETE FROM ${this.#table} WHERE collection = $1 AND key = ANY($2::text[])`, [this.name, gone.slice(i, i + PUT_CHUNK)]));
      }
      for (const payload of payloads) await c.query(this.db.statement('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, payload]));
    });
    this.hooks.local(this.name, changed);
  }

  /** `INSERT … ON CONFLICT DO NOTHING RETURNING key` in one transaction: the unique key arbitrates between daemons. */
  async insertMany(entries: ReadonlyArray<readonly [string, T]>): Promise<string[]> {
    if (!entries.length) return [];
    const first = new Map<string, T>();
    const conflicts: string[] = [];
    for (const [k, v] of entries) { if (first.has(k)) conflicts.push(k); else first.set(k, v); }
    const keys = [...first.keys()];
    for (const k of keys) this.#forget(k);
    const written = await this.db.tx(async (c) => {
      const out: string[] = [];
      for (let i = 0; i < keys.length; i += PUT_CHUNK) {
        const ks = keys.slice(i, i + PUT_CHUNK);
        const r = await c.query<{ key: string }>(this.db.statement(
          `INSERT INTO ${this.#table} (collection, key, value)
             SELECT $1, k, v::jsonb FROM unnest($2::text[], $3::text[]) AS u(k, v)
           ON CONFLICT (collection, key) DO NOTHING RETURNING key`,
          [this.name, ks, ks.map((k) => toJson(first.get(k)))]));
        for (const row of r.rows) out.push(row.key);
      }
      for (const payload of this.hooks.notify(this.name, out)) await c.query(this.db.statement('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, payload]));
      return out;
    });
    const got = new Set(written);
    for (const k of keys) if (!got.has(k)) conflicts.push(k);
    this.hooks.local(this.name, written);
    return conflicts;
  }

  async delete(key: string): Promise<boolean> {
    const [payload] = this.hooks.notify(this.name, [key]);
    this.#forget(key);
    const r = await this.db.one(
      `WITH d AS (DELETE FROM ${this.#table} WHERE collection = $1 AND key = $2 RETURNING 1) SELECT pg_notify($3, $4) FROM d`,
      [this.name, key, CHANGE_CHANNEL, payload]);
    if (!r.rowCount) return false;
    this.hooks.local(this.name, [key]);
    return true;
  }

  /**
   * One transaction: the deletes (with `match`, joined with the values each key must still hold), `RETURNING` the keys
   * this call took, and the notification of those. Row locks decide between daemons, as for `take`; this daemon's
   * own writes of the keys keep call order by the key chains.
   */
  async deleteMany(keys: readonly string[], match?: { field: string; values: readonly string[] }): Promise<string[]> {
    const targets = deletionTargets(keys, match);
    if (!targets.size) return [];
    const ks: string[] = [];
    const vs: string[] = [];
    for (const [k, want] of targets) {
      this.#forget(k);
      if (want === null) ks.push(k);
      else for (const v of want) { ks.push(k); vs.push(v); }
    }
    // Chained on the keys, as `take` and `update` are: after this daemon's writes of them called before it.
    const gone = await this.#chains.run([...targets.keys()], () => this.db.tx(async (c) => {
      const out = new Set<string>();
      for (let i = 0; i < ks.length; i += PUT_CHUNK) {
        const r = await c.query<{ key: string }>(match
          ? this.db.statement(
            `DELETE FROM ${this.#table} AS t USING unnest($2::text[], $3::text[]) AS m(k, v)
             WHERE t.collection = $1 AND t.key = m.k AND t.value->$4 = to_jsonb(m.v) RETURNING t.key`,
            [this.name, ks.slice(i, i + PUT_CHUNK), vs.slice(i, i + PUT_CHUNK), match.field])
          : this.db.statement(`DELETE FROM ${this.#table} WHERE collection = $1 AND key = ANY($2::text[]) RETURNING key`,
            [this.name, ks.slice(i, i + PUT_CHUNK)]));
        for (const row of r.rows) out.add(row.key);
      }
      const taken = [...out];
      if (taken.length) await c.query(this.db.statement('SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p', [CHANGE_CHANNEL, this.hooks.notify(this.name, taken)]));
      return taken;
    }));
    if (gone.length) this.hooks.local(this.name, gone);
    return gone;
  }

  update<R>(key: string, fn: (current: T | undefined) => Change<T, R>): Promise<R> {
    return this.#serial(key, () => this.#cas(key, fn));
  }

  /** One statement: the delete returns the row it removed (an `update` that deletes would read it first). */
  take(key: string): Promise<T | undefined> {
    return this.#serial(key, async () => {
      const [payload] = this.hooks.notify(this.name, [key]);
      this.#forget(key);
      const r = await this.db.one<{ value: T }>(
        `WITH d AS (DELETE FROM ${this.#table} WHERE collection = $1 AND key = $2 RETURNING value) SELECT d.value, pg_notify($3, $4) FROM d`,
        [this.name, key, CHANGE_CHANNEL, payload]);
      const row = r.rows[0];
      if (!row) return undefined;
      this.hooks.local(this.name, [key]);
      return row.value;
    });
  }

  /**
   * One statement for up to PUT_CHUNK keys (a `take` each was a statement each): the delete returns the rows it
   * removed, and each taken key's notification goes out with it (one payload a key, joined to the rows deleted, so
   * a key that held nothing is not announced). Chained on the keys, as `take` is.
   */
  takeMany(keys: readonly string[]): Promise<Array<[string, T]>> {
    const uniq = [...new Set(keys)];
    if (!uniq.length) return Promise.resolve([]);
    return this.#chains.run(uniq, async () => {
      const held = new Map<string, T>();
      for (let i = 0; i < uniq.length; i += PUT_CHUNK) {
        const ks = uniq.slice(i, i + PUT_CHUNK);
        for (const k of ks) this.#forget(k);
        // A few keys (a token's issue: two) are per-record statements, pipelined; a long list goes through the pool.
        const text = `WITH d AS (DELETE FROM ${this.#table} WHERE collection = $1 AND key = ANY($2::text[]) RETURNING key, value)
           SELECT d.key, d.value, pg_notify($3, n.payload) FROM d JOIN unnest($2::text[], $4::text[]) AS n(k, payload) ON n.k = d.key`;
        const values = [this.name, ks, CHANGE_CHANNEL, ks.map((k) => this.hooks.notify(this.name, [k])[0]!)];
        const r = ks.length <= TAKE_PIPELINED ? await this.db.one<{ key: string; value: T }>(text, values) : await this.db.q<{ key: string; value: T }>(text, values);
        for (const row of r.rows) held.set(row.key, row.value);
      }
      const taken = uniq.filter((k) => held.has(k));
      if (taken.length) this.hooks.local(this.name, taken);
      return taken.map((k): [string, T] => [k, held.get(k)!]);
    });
  }

  /**
   * Read, decide, write only if `rev` is still what was read; else read again (another daemon won). A volatile
   * record is first tried without the read (`#casBlind`).
   */
  async #cas<R>(key: string, fn: (current: T | undefined) => Change<T, R>): Promise<R> {
    const [payload] = this.hooks.notify(this.name, [key]);
    if (this.#seen) {
      const won = await this.#casBlind(key, this.#seen.get(key), fn, payload!);
      if (won) return won.result;
    }
    for (let attempt = 0; ; attempt++) {
      const cur = await this.db.one<{ value: T; rev: string }>(`SELECT value, rev FROM ${this.#table} WHERE collection = $1 AND key = $2`, [this.name, key]);
      const row = cur.rows[0];
      const change = fn(row?.value);
      let won: boolean;
      if (change.delete) {
        if (!row) return change.result;
        const r = await this.db.one(
          `WITH d AS (DELETE FROM ${this.#table} WHERE collection = $1 AND key = $2 AND rev = $3 RETURNING 1) SELECT pg_notify($4, $5) FROM d`,
          [this.name, key, row.rev, CHANGE_CHANNEL, payload]);
        won = r.rowCount === 1;
        if (won) this.#forget(key);
      } else if (change.put !== undefined) {
        const text = toJson(change.put);
        const r = row
          ? await this.db.one(
            `WITH w AS (UPDATE ${this.#table} SET value = $3::jsonb, rev = rev + 1, updated_at = now()
               WHERE collection = $1 AND key = $2 AND rev = $4 RETURNING 1) SELECT pg_notify($5, $6) FROM w`,
            [this.name, key, text, row.rev, CHANGE_CHANNEL, payload])
          : await this.db.one(
            `WITH w AS (INSERT INTO ${this.#table} (collection, key, value) VALUES ($1, $2, $3::jsonb)
               ON CONFLICT (collection, key) DO NOTHING RETURNING 1) SELECT pg_notify($4, $5) FROM w`,
            [this.name, key, text, CHANGE_CHANNEL, payload]);
        won = r.rowCount === 1;
        if (won) this.#remember(key, text);
      } else {
        return change.result;
      }
      if (won) {
        this.hooks.local(this.name, [key]);
        return change.result;
      }
      // Lost to another daemon: back off a little (jittered, growing) so a hot key does not spin.
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** Math.min(attempt, 6))));
    }
  }

  /**
   * One try of a volatile record's `update` without reading the row first. With `seen` (the record as this daemon
   * last wrote it): a compare-and-set on the whole value, so the write lands only if the row still holds that value
   * and `fn` decided on what the row held. Without it (this daemon remembers nothing of the key, most likely absent:
   * these records are short-lived and written by the daemon serving them, e.g. a SIM's session slot before its first
   * session): `fn` is asked on `undefined`, and only a create is tried, as `INSERT … ON CONFLICT DO NOTHING`, which a
   * row already there (another daemon's) makes fail. Undefined when the try did not land, or `fn` wrote nothing or
   * threw: the caller then reads and asks `fn` again on the database's value, so nothing is decided on a value this
   * daemon only remembers.
   */
  async #casBlind<R>(key: string, seen: string | undefined, fn: (current: T | undefined) => Change<T, R>, payload: string): Promise<{ result: R } | undefined> {
    let change: Change<T, R>;
    try {
      change = fn(seen === undefined ? undefined : JSON.parse(seen) as T);
    } catch {
      this.#forget(key);
      return undefined;
    }
    const text = change.delete || change.put === undefined ? undefined : toJson(change.put);
    let r: pg.QueryResult;
    if (seen === undefined) {
      if (text === undefined) return undefined;
      r = await this.db.one(
        `WITH w AS (INSERT INTO ${this.#table} (collection, key, value) VALUES ($1, $2, $3::jsonb)
           ON CONFLICT (collection, key) DO NOTHING RETURNING 1) SELECT pg_notify($4, $5) FROM w`,
        [this.name, key, text, CHANGE_CHANNEL, payload]);
    } else if (change.delete) {
      r = await this.db.one(
        `WITH d AS (DELETE FROM ${this.#table} WHERE collection = $1 AND key = $2 AND value = $3::jsonb RETURNING 1) SELECT pg_notify($4, $5) FROM d`,
        [this.name, key, seen, CHANGE_CHANNEL, payload]);
    } else if (text !== undefined) {
      r = await this.db.one(
        `WITH w AS (UPDATE ${this.#table} SET value = $3::jsonb, rev = rev + 1, updated_at = now()
           WHERE collection = $1 AND key = $2 AND value = $4::jsonb RETURNING 1) SELECT pg_notify($5, $6) FROM w`,
        [this.name, key, text, seen, CHANGE_CHANNEL, payload]);
    } else {
      return undefined;
    }
    if (r.rowCount !== 1) {
      this.#forget(key);
      return undefined;
    }
    if (text === undefined) this.#forget(key); else this.#remember(key, text);
    this.hooks.local(this.name, [key]);
    return { result: change.result };
  }

  /** A find's field: declared (else the drivers' one error) and a plain identifier (it is written into the SQL). */
  async #indexed(field: string): Promise<void> {
    if (!this.spec.indexes?.includes(field)) throw noIndex(this.name, field);
    if (!IDENT.test(field)) throw new Error(`storage: bad index field ${field}`);
    await this.hooks.ready();
  }

  async find(field: string, value: string): Promise<T[]> {
    await this.#indexed(field);
    // Literal collection and field: the planner matches the partial expression index idx_<collection>__<field>.
    const r = await this.db.q<{ value: T }>(
      `SELECT value FROM ${this.#table} WHERE collection = '${this.name}' AND (value->>'${field}') = $1 ORDER BY key`, [value]);
    return r.rows.map((x) => x.value);
  }

  async findKeys(field: string, value: string): Promise<string[]> {
    await this.#indexed(field);
    const r = await this.db.q<{ key: string }>(
      `SELECT key FROM ${this.#table} WHERE collection = '${this.name}' AND (value->>'${field}') = $1 ORDER BY key`, [value]);
    return r.rows.map((x) => x.key);
  }

  async findPage(field: string, value: string, opts: { after?: string; limit?: number } = {}): Promise<Array<[string, T]>> {
    await this.#indexed(field);
    const limit = Math.max(0, Math.min(opts.limit ?? 1000, 100_000));
    // The index is on (value->>field, key): a page is a range of it, however many records share the value.
    const args: unknown[] = [value, limit];
    if (opts.after !== undefined) args.push(opts.after);
    const r = await this.db.q<{ key: string; value: T }>(
      `SELECT key, value FROM ${this.#table} WHERE collection = '${this.name}' AND (value->>'${field}') = $1` +
      `${opts.after !== undefined ? ' AND key > $3' : ''} ORDER BY key LIMIT $2`, args);
    return r.rows.map((x) => [x.key, x.value]);
  }

  async scan(opts: { after?: string; limit?: number; prefix?: string; contains?: string } = {}): Promise<Array<[string, T]>> {
    const limit = Math.max(0, Math.min(opts.limit ?? 1000, 100_000));
    const where = ['collection = $1'];
    const args: unknown[] = [this.name];
    if (opts.after !== undefined) { args.push(opts.after); where.push(`key > $${args.length}`); }
    if (opts.prefix) {
      args.push(opts.prefix);
      where.push(`key >= $${args.length}`, `starts_with(key, $${args.length})`);
    }
    // Tested on the key in the index scan's filter: only matching rows' values are read and sent.
    if (opts.contains) { args.push(opts.contains); where.push(`strpos(key, $${args.length}) > 0`); }
    args.push(limit);
    const r = await this.db.q<{ key: string; value: T }>(
      `SELECT key, value FROM ${this.#table} WHERE ${where.join(' AND ')} ORDER BY key LIMIT $${args.length}`, args);
    return r.rows.map((x) => [x.key, x.value]);
  }

  async count(): Promise<number> {
    const r = await this.db.q<{ n: string }>(`SELECT count(*) AS n FROM ${this.#table} WHERE collection = $1`, [this.name]);
    return Number(r.rows[0]!.n);
  }

  async tally(): Promise<Tally> {
    // The collection's name is one of the registry's identifiers (as in `find`): literal, so the plan's estimate is its own.
    return this.db.tally(`SELECT 1 FROM ${this.#table} WHERE collection = '${this.name}'`);
  }

  #serial<R>(key: string, fn: () => Promise<R>): Promise<R> {
    return this.#chains.run([key], fn);
  }
}

function toJson(v: unknown): string {
  const s = JSON.stringify(v);
  if (s === undefined) throw new TypeError('storage: a record must be a JSON value');
  return s;
}

/**
 * The activity log in its own table. Appends are group-committed: those that arrive while a batch is being
 * written share the next INSERT (one statement, one fsync). Retention: the per-subscriber cap in the same
 * statement as the append; the age limit filters every read at once and a timer deletes old rows.
 */
/** A batch of activity records, one array parameter per column ($1 … $10: PgActivity#columns). */
const ACTIVITY_INSERT = `INSERT INTO activity (id, ts, node, request_type, imsi, msisdn, terminal_id, client_ip, request_path, record)
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::jsonb[])
       ON CONFLICT (id) DO NOTHING`;

export class PgActivity implements ActivityLog {
  maxPerSubscriber: number;
  retentionSeconds: number;
  #queue: Array<{ record: ActivityRecord; json: string; resolve: (json: string) => void; reject: (e: unknown) => void }> = [];
  #writing: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(private readonly db: Db, readonly nodeName: string, opts: { maxPerSubscriber?: number; retentionSeconds?: number }) {
    this.maxPerSubscriber = opts.maxPerSubscriber ?? Infinity;
    this.retentionSeconds = opts.retentionSeconds ?? Infinity;
  }

  /** Resolves, once committed, with the record's JSON text as the jsonb parameter carried it (the event stream sends it). */
  append(record: ActivityRecord): Promise<string> {
    // Serialised now: the text stored is the record as recorded, whatever the caller does with the object later.
    const json = JSON.stringify(record);
    return new Promise((resolve, reject) => {
      this.#queue.push({ record, json, resolve, reject });
      this.#kick();
    });
  }

  /** Appends in the given order as one transaction (`db copy`); keeps a record's own `node`. */
  async appendMany(records: readonly ActivityRecord[]): Promise<void> {
    if (records.length) await this.db.tx((c) => this.#insert(c, records, records.map((r) => JSON.stringify(r))));
  }

  #kick(): void {
    if (this.#writing || !this.#queue.length) return;
    const batch = this.#queue.splice(0, 5000);
    const records = batch.map((b) => b.record);
    const jsons = batch.map((b) => b.json);
    this.#writing = (this.#capFits(records) ? this.#insertCapped(records, jsons) : this.db.tx((c) => this.#insert(c, records, jsons))).then(
      () => { for (const b of batch) b.resolve(b.json); },
      (e) => { for (const b of batch) b.reject(e); },
    ).finally(() => {
      this.#writing = null;
      this.#kick();
    });
  }

  async flush(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  /** The ten columns of the INSERT for `records` (`jsons` their JSON texts), as the statements below take them ($1 … $10). */
  #columns(records: readonly ActivityRecord[], jsons: readonly string[]): unknown[] {
    const col = <K extends keyof ActivityRecord>(k: K) => records.map((r) => r[k] ?? null);
    return [col('id'), col('timestamp'), records.map((r) => (r as { node?: string }).node ?? this.nodeName), col('request_type'), col('imsi'), col('msisdn'),
      col('terminal_id'), col('client_ip'), col('request_path'), jsons];
  }

  /** Whether no subscriber has more records in this batch than the cap keeps (the one-statement append's condition). */
  #capFits(records: readonly ActivityRecord[]): boolean {
    if (!Number.isFinite(this.maxPerSubscriber)) return true;
    if (records.length <= this.maxPerSubscriber) return true;
    const n = new Map<string, number>();
    for (const r of records) if (r.imsi) { const c = (n.get(r.imsi) ?? 0) + 1; if (c > this.maxPerSubscriber) return false; n.set(r.imsi, c); }
    return true;
  }

  /**
   * A batch of appends as one statement, atomic without BEGIN/COMMIT: the insert, and the per-subscriber cap
   * applied to each subscriber the batch wrote for. The statement's own new rows are not visible to its DELETE
   * (one snapshot), so of the older rows it keeps the cap less the new ones, newest first by (ts, seq) through the
   * `activity_imsi` index — no sort, and no more rows read than the subscriber has. Only when `#capFits`.
   */
  async #insertCapped(records: readonly ActivityRecord[], jsons: readonly string[]): Promise<void> {
    if (!Number.isFinite(this.maxPerSubscriber)) {
      await this.db.q(ACTIVITY_INSERT, this.#columns(records, jsons));
      return;
    }
    await this.db.q(
      `WITH ins AS (${ACTIVITY_INSERT} RETURNING imsi),
            n AS (SELECT imsi, count(*) AS c FROM ins WHERE imsi IS NOT NULL GROUP BY imsi)
       DELETE FROM activity a USING (
         SELECT old.seq FROM n CROSS JOIN LATERAL (
           SELECT seq FROM activity WHERE imsi = n.imsi ORDER BY ts DESC, seq DESC OFFSET greatest(0, $11 - n.c)) old) d
       WHERE a.seq = d.seq`,
      [...this.#columns(records, jsons), this.maxPerSubscriber]);
  }

  async #insert(c: pg.PoolClient, records: readonly ActivityRecord[], jsons: readonly string[]): Promise<void> {
    await c.query(this.db.statement(ACTIVITY_INSERT, this.#columns(records, jsons)));
    const imsis = [...new Set(records.map((r) => r.imsi).filter((i): i is string => !!i))];
    if (imsis.length && Number.isFinite(this.maxPerSubscriber)) {
      await c.query(this.db.statement(
        `DELETE FROM activity a USING (
           SELECT seq FROM (SELECT seq, row_number() OVER (PARTITION BY imsi ORDER BY ts DESC, seq DESC) AS rn
                            FROM activity WHERE imsi = ANY($1::text[])) x WHERE rn > $2) d
         WHERE a.seq = d.seq`,
        [imsis, this.maxPerSubscriber]));
    }
  }

  #cutoff(): Date | null {
    return Number.isFinite(this.retentionSeconds) ? new Date(Date.now() - this.retentionSeconds * 1000) : null;
  }

  async get(id: string): Promise<ActivityRecord | undefined> {
    const cutoff = this.#cutoff();
    const r = await this.db.q<{ record: ActivityRecord; node: string | null }>(
      `SELECT record, node FROM activity WHERE id = $1${cutoff ? ' AND ts >= $2' : ''}`, cutoff ? [id, cutoff] : [id]);
    const row = r.rows[0];
    return row ? { ...row.record, node: row.node } as ActivityRecord : undefined;
  }

  /**
   * Ids starting with `prefix`, through the unique index on id: a bounded range [prefix, prefix with its last
   * character raised), then the exact starts_with check (a collation that orders the range differently only
   * narrows what the range finds).
   */
  async idsWithPrefix(prefix: string, limit: number): Promise<string[]> {
    if (prefix.length < 4) return [];
    const upper = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    const cutoff = this.#cutoff();
    const r = await this.db.q<{ id: string }>(
      `SELECT id FROM activity WHERE id >= $1 AND id < $2 AND starts_with(id, $1)${cutoff ? ' AND ts >= $4' : ''} ORDER BY id LIMIT $3`,
      cutoff ? [prefix, upper, limit, cutoff] : [prefix, upper, limit]);
    return r.rows.map((x) => x.id);
  }

  async query(q: ActivityQuery): Promise<ActivityPage> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (sql: (p: string) => string, v: unknown) => { args.push(v); where.push(sql(`$${args.length}`)); };
    const cutoff = this.#cutoff();
    if (cutoff) add((p) => `ts >= ${p}`, cutoff);
    if (q.type) add((p) => `request_type = ${p}`, q.type);
    if (q.imsi) add((p) => `imsi = ${p}`, q.imsi);
    if (q.terminal_id) add((p) => `terminal_id = ${p}`, q.terminal_id);
    if (q.from !== undefined) add((p) => `ts >= ${p}`, new Date(q.from * 1000));
    if (q.to !== undefined) add((p) => `ts <= ${p}`, new Date(q.to * 1000));
    if (q.query) add((p) => `(imsi ILIKE ${p} OR msisdn ILIKE ${p} OR terminal_id ILIKE ${p} OR request_path ILIKE ${p} OR client_ip ILIKE ${p})`,
      `%${q.query.replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const { limit, start: offset } = activityPageWindow(q);
    // The count stops one past its limit (ports.ts activityCountLimit): an exact count(*) read every row within
    // retention for each admin page, 0.2–0.3 s at two million (docs/storage.md § Activity).
    const upTo = activityCountLimit(q);
    const [total, page] = await Promise.all([
      this.db.q<{ n: string }>(`SELECT count(*) AS n FROM (SELECT 1 FROM activity ${w} LIMIT $${args.length + 1}) m`, [...args, upTo + 1]),
      this.db.q<{ record: ActivityRecord; node: string | null }>(
        `SELECT record, node FROM activity ${w} ORDER BY ts DESC, seq DESC LIMIT $${args.length + 1} OFFSET $${args.length + 2}`, [...args, limit, offset]),
    ]);
    return countedPage(page.rows.map((r) => ({ ...r.record, node: r.node }) as ActivityRecord), Number(total.rows[0]!.n), upTo);
  }

  async count(): Promise<number> {
    const cutoff = this.#cutoff();
    const r = await this.db.q<{ n: string }>(`SELECT count(*) AS n FROM activity${cutoff ? ' WHERE ts >= $1' : ''}`, cutoff ? [cutoff] : []);
    return Number(r.rows[0]!.n);
  }

  async tally(): Promise<Tally> {
    const cutoff = this.#cutoff();
    return this.db.tally(`SELECT 1 FROM activity${cutoff ? ` WHERE ts >= '${cutoff.toISOString()}'::timestamptz` : ''}`);
  }

  /** Oldest first by insertion, keyset-paged (`db copy`): [seq, record] after `afterSeq`. */
  async scanOldestFirst(afterSeq: string | null, limit: number): Promise<Array<[string, ActivityRecord]>> {
    const r = await this.db.q<{ seq: string; record: ActivityRecord; node: string | null }>(
      'SELECT seq, record, node FROM activity WHERE seq > $1 ORDER BY seq LIMIT $2', [afterSeq ?? '0', limit]);
    return r.rows.map((x) => [x.seq, { ...x.record, node: x.node } as ActivityRecord]);
  }

  /**
   * Deletes what retention no longer keeps (age, and the per-subscriber cap after a lowered setting).
   * Reads already skip aged records, so this only reclaims space; it runs in the background and
   * returns 0 (the count is not known synchronously).
   */
  enforceRetention(): number {
    void this.#sweep().catch(() => {});
    return 0;
  }

  async #sweep(): Promise<void> {
    const cutoff = this.#cutoff();
    if (cutoff) {
      for (;;) {
        const r = await this.db.q('DELETE FROM activity WHERE seq IN (SELECT seq FROM activity WHERE ts < $1 ORDER BY ts LIMIT 10000)', [cutoff]);
        if ((r.rowCount ?? 0) < 10000) break;
      }
    }
  }

  startRetention(): void {
    this.#timer = setInterval(() => this.enforceRetention(), 10_000);
    this.#timer.unref();
    this.enforceRetention();
  }

  stopRetention(): void {
    if (this.#timer) clearInterval(this.#timer);
  }
}

/**
 * The LISTEN connection: one client outside the pool, re-made with a backoff when it drops. While it is
 * down other daemons' changes are not seen by listeners; nothing reads through a cache, so only
 * change-driven extras (none today) would be late.
 */
class Listener {
  #client: pg.Client | null = null;
  #stopped = false;
  readonly #reopen = new Reopener(() => this.start());
  /**
   * `own`: how this daemon's own payloads begin. Each of its writes comes back on this connection too (≈ 14 an
   * authentication); they were announced when the write resolved, so they are dropped unparsed.
   */
  constructor(private readonly url: string, private readonly timeoutMs: number, private readonly own: string, private readonly onNotice: (n: Notice) => void, private readonly warn: (m: string) => void) {}

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: this.timeoutMs, application_name: 'omnisep listen' });
    client.on('error', () => this.#lost(client));
    client.on('end', () => this.#lost(client));
    client.on('notification', (m) => {
      if (m.channel !== CHANGE_CHANNEL || !m.payload || m.payload.startsWith(this.own)) return;
      try { this.onNotice(JSON.parse(m.payload) as Notice); } catch { /* not ours */ }
    });
    await client.connect();
    await client.query(`LISTEN ${CHANGE_CHANNEL}`);
    this.#client = client;
    this.#reopen.opened();
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client || this.#stopped) return;
    this.#client = null;
    client.end().catch(() => {});
    this.warn('storage: the PostgreSQL change feed connection dropped; reconnecting');
    this.#reopen.schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#reopen.stop();
    const c = this.#client;
    this.#client = null;
    if (c) await c.end().catch(() => {});
  }
}

export { LATEST_SCHEMA_VERSION };
