/**
 * Pipelined connections of the postgres driver (docs/storage.md § Pipelined statements). Beside the pool, a few
 * connections in `pg`'s pipeline mode carry the per-record statements of requests (a get, a put, an update's
 * compare-and-set, a take): each statement is written as soon as it is asked for, without waiting for the answers of
 * those before it on the same connection, and the server answers them in order. Each keeps its own `Sync`, so each is
 * its own implicit transaction and one's error fails only that one.
 *
 * Why (docs/performance.md § Forty-fifth round): through the pool every statement is one request–answer turn on a
 * connection whose server process sleeps between statements, and waking it costs the daemon a socket write and the
 * host a context switch per statement; a full authentication sends ≈ 23. On a pipelined connection that is busy the
 * next statement is already queued when the server finishes one.
 *
 * A connection that drops is opened again with a backoff; meanwhile, and with `storage.pipelines: 0`, the statements
 * go through the pool as before. Transactions and the statements that can run long (scans, searches, counts, the
 * activity log's batches and purges) always use the pool: behind them a pipelined connection would stall.
 */
import pg from 'pg';
import { Reopener } from './reopen.js';

type Callback = (err: Error | null, result: pg.QueryResult) => void;
/**
 * `pg`'s query object. Made from the text (a string is taken as is) with the name set after, so `pg` does not copy a
 * config object through its property descriptors for every statement (`cloneQueryConfig`: ≈ 300 µs of an
 * authentication's daemon CPU under the profiler, its largest item after the socket writes; docs/performance.md
 * § Forty-fifth round). Its `name` is a public field that `pg` reads only when it submits the query.
 */
const Query = (pg as unknown as { Query: new (text: string, values: unknown[], callback: Callback) => { name?: string } }).Query;

interface Slot {
  client: pg.Client | null;
  /** Statements sent on `client` and not yet answered: the next statement goes to the least busy. */
  inFlight: number;
  reopen: Reopener;
}

export class Pipelines {
  readonly #slots: Slot[];
  #stopped = false;

  constructor(private readonly config: pg.ClientConfig, readonly max: number, private readonly warn: (m: string) => void) {
    this.#slots = Array.from({ length: max }, () => {
      const slot: Slot = { client: null, inFlight: 0, reopen: new Reopener(() => this.#open(slot)) };
      return slot;
    });
  }

  /** Opens every connection; throws as `pg` does when one cannot be opened (the caller turns it into a start error). */
  async start(): Promise<void> {
    await Promise.all(this.#slots.map((s) => this.#open(s)));
  }

  /** The connections (null: being reopened), for inspection in tests. */
  get clients(): ReadonlyArray<pg.Client | null> {
    return this.#slots.map((s) => s.client);
  }

  /** Connections open now. */
  get open(): number {
    let n = 0;
    for (const s of this.#slots) if (s.client) n++;
    return n;
  }

  /**
   * Sends `config` on the open connection with the fewest statements in flight; undefined when none is open (none
   * configured, or all being reopened): the caller sends it through the pool.
   */
  query<R extends pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<R>> | undefined {
    let best: Slot | undefined;
    for (const s of this.#slots) if (s.client && (!best || s.inFlight < best.inFlight)) best = s;
    if (!best) return undefined;
    const slot = best;
    const client = slot.client!;
    slot.inFlight++;
    return new Promise<pg.QueryResult<R>>((resolve, reject) => {
      const q = new Query(config.text, config.values ?? [], (err, result) => {
        // A dropped connection's statements are answered (with its error) against it, not against its replacement,
        // whose count starts at 0.
        if (slot.client === client) slot.inFlight--;
        if (err) reject(err);
        else resolve(result as pg.QueryResult<R>);
      });
      if (config.name !== undefined) q.name = config.name;
      client.query(q as unknown as pg.Submittable);
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#slots.map(async (s) => {
      s.reopen.stop();
      const c = s.client;
      s.client = null;
      if (c) await c.end().catch(() => {});
    }));
  }

  async #open(slot: Slot): Promise<void> {
    const client = new pg.Client({ ...this.config, pipeline: true, keepAlive: true } as pg.ClientConfig);
    client.on('error', () => this.#lost(slot, client));
    client.on('end', () => this.#lost(slot, client));
    await client.connect();
    if (this.#stopped) {
      await client.end().catch(() => {});
      return;
    }
    slot.client = client;
    slot.inFlight = 0;
    slot.reopen.opened();
  }

  #lost(slot: Slot, client: pg.Client): void {
    if (slot.client !== client || this.#stopped) return;
    // Its statements in flight fail (as the connection's error: StoreUnavailableError for the callers); new ones use
    // another open connection, or the pool.
    slot.client = null;
    client.end().catch(() => {});
    this.warn('storage: a pipelined PostgreSQL connection dropped; reconnecting (meanwhile the other pipelined connections, or the pool, take its statements)');
    slot.reopen.schedule();
  }
}
