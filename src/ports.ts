/**
 * The ports the library (src/) sees; the daemon (daemon/) provides the adapters.
 * Services receive these and never import fs, net, timers, lowdb or fastify.
 */
import type { ActivityRecord } from './contracts/activity.js';
import type { DaemonEvent } from './contracts/events.js';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface Random {
  bytes(n: number): Buffer;
  uuid(): string;
}

/**
 * What a collection holds, which decides how a driver keeps it (docs/storage.md):
 * - `provisioning`: subscribers and keys, entitlement overrides, XCAP documents. Written rarely, read often;
 *   an acknowledged write survives SIGKILL.
 * - `state`: authentication state written on every authentication (SQN, tokens). Durable like provisioning,
 *   but kept in an append-only journal in the embedded driver, never a whole-file rewrite.
 * - `volatile`: state whose loss on a crash is harmless and documented (an EAP session in flight: the phone
 *   starts again). The embedded driver keeps it in memory; PostgreSQL shares it between daemons.
 */
export type CollectionKind = 'provisioning' | 'state' | 'volatile';

export interface CollectionSpec {
  kind: CollectionKind;
  /**
   * Top-level string fields with a lookup index, for `find(field, value)`. A find on any other field
   * throws: nothing on a request path may scan a collection.
   */
  indexes?: readonly string[];
}

/** What an `update` function decides: write `put`, or `delete`, or leave the record as it is; `result` is returned. */
export interface Change<T, R> {
  result: R;
  put?: T;
  delete?: boolean;
}

/**
 * A keyed collection of JSON records. Every read and write is asynchronous: a driver may keep the data in
 * memory (memory, embedded) or in a database shared by several daemons (PostgreSQL). A write's promise
 * resolves only once the write is durable for the collection's kind (survives SIGKILL unless `volatile`),
 * so a route answers 2xx only after awaiting it.
 *
 * `update` is the only atomic read-modify-write: per key, across every daemon sharing the store. Its
 * function may run more than once (a driver may retry after a concurrent change), so it must be pure
 * and must not await. SQN advance and XCAP If-Match rely on it. The `current` it is given is its own copy
 * (parsed or copied for this call): it may change it and return it as `put` (the per-IMSI EAP slots do).
 */
export interface Collection<T> {
  readonly name: string;
  get(key: string): Promise<T | undefined>;
  /**
   * The record as `get` reads it, for a caller that only reads it: possibly the very object an earlier call
   * returned, deep-frozen (a write to it throws). A driver that parses records from JSON text keeps the last records
   * read this way, each for as long as its stored text is unchanged, so a record read again soon (a phone's XCAP
   * client reading its document once per supplementary service) is not parsed again (docs/storage.md § Shared
   * reads). The database driver asks the database every time, as `get` does: another daemon may have changed it.
   */
  getShared(key: string): Promise<Readonly<T> | undefined>;
  put(key: string, value: T): Promise<void>;
  /**
   * Many puts as one durable commit (bulk import). `deletes`: keys removed in the same commit, all or nothing with
   * the puts (a key holding no record is skipped; a key also put is put) — records replaced under new keys, such as
   * an authentication's new pseudonym and re-authentication identity superseding the old ones.
   */
  putMany(entries: ReadonlyArray<readonly [key: string, value: T]>, deletes?: readonly string[]): Promise<void>;
  /**
   * Create-if-absent in bulk: writes each entry whose key holds no record, as one durable commit, and returns
   * the keys that already held one (left as they were). Atomic per key against every other write on any daemon
   * sharing the store (an import racing a `subscriber add` of the same IMSI: exactly one of them writes). A key
   * given twice: the first entry is written, the second returned as a conflict.
   */
  insertMany(entries: ReadonlyArray<readonly [key: string, value: T]>): Promise<string[]>;
  delete(key: string): Promise<boolean>;
  update<R>(key: string, fn: (current: T | undefined) => Change<T, R>): Promise<R>;
  /**
   * Deletes the record and returns what it held (undefined when there was none), atomically as `update` is: of two
   * takes of one key, on any daemons sharing the store, one gets the record. The same as an `update` that deletes
   * what it finds, in one statement on a database (docs/storage.md § Round trips).
   */
  take(key: string): Promise<T | undefined>;
  /**
   * `take` of each of `keys` (a key given twice is taken once): the keys this call took, with what each held, in the
   * order of `keys`. Atomic per key as `take` is, not across keys; on PostgreSQL one statement for up to 5,000 keys
   * where a `take` each was a statement each (a token's issue takes the binding's two replaced tokens:
   * docs/storage.md § Round trips).
   */
  takeMany(keys: readonly string[]): Promise<Array<[key: string, value: T]>>;
  /**
   * Deletes each of `keys` that holds a record and returns the keys this call deleted, each once. With `match`, a
   * key is deleted only while its record's top-level `match.field` is the string `match.values[i]` (`keys[i]`'s; a number
   * whose text it is does not match): a
   * compare-and-delete, such as a token binding that still names the token being purged. Atomic per key as `take`
   * is: of two calls racing for one key, on any daemons sharing the store, one deletes it. One commit for all of
   * them on the embedded driver, one transaction on PostgreSQL (docs/storage.md § Round trips): a page of expired
   * tokens costs what one token did.
   */
  deleteMany(keys: readonly string[], match?: { field: string; values: readonly string[] }): Promise<string[]>;
  /** Records whose indexed top-level field equals `value` (the field must be in the spec's `indexes`). */
  find(field: string, value: string): Promise<T[]>;
  /**
   * The keys of the records `find` would return, in key order, no record read: for a caller that needs only the key
   * (a subscriber's IMSI, its key, by MSISDN: the XCAP request's activity record).
   */
  findKeys(field: string, value: string): Promise<string[]>;
  /**
   * The same records a page at a time, in key order: keys greater than `after`, at most `limit` (default 1000).
   * For a value many records may share (an expiry minute, an enterprise): a caller pages through with the last key
   * and holds one page at a time, where `find` would read them all in one step.
   */
  findPage(field: string, value: string, opts?: { after?: string; limit?: number }): Promise<Array<[key: string, value: T]>>;
  /**
   * Records in key order, keys greater than `after`, at most `limit` (default 1000): page through with the last key.
   * `prefix`: only keys starting with it. `contains`: only keys holding it as a substring, tested on the keys
   * before any record is read (an admin search by IMSI or MSISDN fragment); the in-process drivers look at a bounded
   * number of keys per turn of the event loop.
   */
  scan(opts?: { after?: string; limit?: number; prefix?: string; contains?: string }): Promise<Array<[key: string, value: T]>>;
  count(): Promise<number>;
  /** How many records, for a status line: exact where that costs nothing, else an estimate that reads no rows (`Tally`). */
  tally(): Promise<Tally>;
}

/**
 * A count for `omnisep status` (docs/storage.md § Counts): memory and embedded hold their counts and give them exactly;
 * PostgreSQL counts exactly up to `EXACT_TALLY_UP_TO` and past it gives the planner's estimate (`estimated`), so the
 * status costs the database the same at a hundred thousand rows and at a hundred million (an exact `count(*)` read
 * every row: 156–284 ms for two million activity rows).
 */
export interface Tally { n: number; estimated: boolean }
export const EXACT_TALLY_UP_TO = 100_000;

export interface ActivityQuery {
  page?: number;
  limit?: number;
  offset?: number;
  type?: string;
  /** Substring over imsi, msisdn, terminal_id, request_path, client_ip. */
  query?: string;
  imsi?: string;
  terminal_id?: string;
  /** Unix seconds, inclusive. */
  from?: number;
  to?: number;
  /** How many matches the total counts before it stops (default ACTIVITY_COUNT_CAP; tests make it small). Not an API parameter. */
  countUpTo?: number;
}

export interface ActivityPage {
  /** Matches counted: exact, or with `capped` a lower bound (the count stopped at `activityCountLimit`). */
  total: number;
  records: ActivityRecord[];
  /** True when the count stopped before the last match: there are more than `total`. */
  capped?: boolean;
}

/**
 * The most matches an activity query counts (docs/storage.md § Activity): a page's total costs at most this many
 * matches read, not every record within retention (a PostgreSQL `count(*)` of two million rows took 0.2–0.3 s).
 */
export const ACTIVITY_COUNT_CAP = 10_000;

/** The page of a query whose count stopped at `upTo` or before: `counted` past `upTo` means more than `upTo` match. */
export function countedPage(records: ActivityRecord[], counted: number, upTo: number): ActivityPage {
  return counted > upTo ? { total: upTo, records, capped: true } : { total: counted, records };
}

/** The page a query asks for: `limit` records (default 25) from match `start` (`offset`, else from `page`, 1-based). */
export function activityPageWindow(q: ActivityQuery): { limit: number; start: number } {
  const limit = q.limit ?? 25;
  return { limit, start: q.offset ?? ((q.page ?? 1) - 1) * limit };
}

/** Where a query's count stops: the cap, or past the page asked for (a total never says a page shown does not exist). */
export function activityCountLimit(q: ActivityQuery): number {
  const { limit, start } = activityPageWindow(q);
  return Math.max(q.countUpTo ?? ACTIVITY_COUNT_CAP, start + limit);
}

/** Append-heavy log; never rewrites the whole database per request. */
export interface ActivityLog {
  /**
   * Resolves once the record is durable (group commit is allowed), with the record's JSON text as stored when the
   * driver serialised it (the file log's line, PostgreSQL's jsonb): the event stream sends that text. A driver that
   * keeps the object itself (memory) resolves with nothing.
   */
  append(record: ActivityRecord): Promise<string | void>;
  get(id: string): Promise<ActivityRecord | undefined>;
  /** Ids of live records that start with `prefix` (at least 4 characters), in id order, at most `limit`: through an index, never a walk of the log. */
  idsWithPrefix(prefix: string, limit: number): Promise<string[]>;
  /** Newest first. */
  query(q: ActivityQuery): Promise<ActivityPage>;
  count(): Promise<number>;
  /** As `Collection.tally`: the live records, for a status line. */
  tally(): Promise<Tally>;
}

export type CollectionName =
  | 'entitlements'
  | 'subscribers'
  | 'sessions'
  | 'tokens'
  | 'xcap_profiles'
  | 'websheet'
  | 'vvm_accounts'
  | (string & {});

/** What `status` shows of the store. */
export interface StoreInfo {
  driver: 'memory' | 'embedded' | 'postgres';
  /** Embedded: the data directory; PostgreSQL: the URL without its password. */
  location: string | null;
  schema_version: number;
  /** PostgreSQL only: the connection pool. */
  pool?: { total: number; idle: number; waiting: number; max: number };
  pipelines?: { open: number; max: number };
}

/** A change to a record, seen by every daemon sharing the store (PostgreSQL: LISTEN/NOTIFY), for caches. */
export interface StoreChange {
  collection: string;
  key: string;
  /** The daemon that made it (`server.node_name`), or null when unknown. */
  origin: string | null;
}

/** Thrown when the store cannot serve a request now (database down): routes answer 503 with Retry-After. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(message: string, readonly retryAfterSeconds = 1) {
    super(message);
  }
}

export interface Store {
  /** Opens (or returns) a collection. The first call fixes its spec; a later call with another spec throws. */
  collection<T>(name: CollectionName, spec?: CollectionSpec): Collection<T>;
  readonly activity: ActivityLog;
  /** Subscribe to changes, including other daemons' (returns the unsubscribe function). */
  onChange(listener: (change: StoreChange) => void): () => void;
  /** True while writes can be made durable (health check). */
  writable(): boolean;
  info(): StoreInfo;
  close(): Promise<void>;
}

/** Live events for `activity tail`, the TUI and metrics. Never blocks the caller. */
export interface EventSink {
  emit(event: DaemonEvent): void;
}

// ---------------------------------------------------------------------------
// Authentication back-ends (EAP-AKA.md): who supplies vectors, who relays EAP.

import type { AuthVector } from './aka/types.js';
import type { DiameterResult } from './codec/diameter/result.js';
import type { Secret } from './util/secret.js';

export interface AuthVectorRequest {
  imsi: string;
  variant: 'aka' | 'aka-prime';
  /** Resynchronisation (TS 33.102 §6.3.5): the RAND of the failed challenge and the peer's AUTS. */
  resync?: { rand: Buffer; auts: Buffer };
}

/** Why a vector could not be had: unknown subscriber (→ 403), back-end down (→ 503/511), bad AUTS. */
export class AuthVectorError extends Error {
  constructor(readonly kind: 'user_unknown' | 'unavailable' | 'resync_failed', message: string) {
    super(message);
    this.name = 'AuthVectorError';
  }
}

/** `local` (Milenage store) and `swx` (HSS MAR/MAA) back-ends implement this. Throws AuthVectorError. */
export interface AuthVectorSource {
  getVector(req: AuthVectorRequest): Promise<AuthVector>;
}

/** One answer of the AAA on SWm (DEA), reduced to what the entitlement server needs. */
export interface AaaAnswer {
  /** Result-Code or Experimental-Result, as the DEA carried it (src/codec/diameter/result.ts). */
  result: DiameterResult;
  eapPayload: Buffer | null;
  msk: Secret<Buffer> | null;
  /** The Diameter Session-Id: the `aaa_session_id` of the admin API. */
  sessionId: string;
  /**
   * Mobile-Node-Identifier of a success DEA: the permanent identity the AAA authenticated (TS 29.273
   * §7.1.2.1.1), which a phone that presented a pseudonym or re-auth identity is bound to. Absent when not sent.
   */
  permanentIdentity?: string;
}

/** Thrown by AaaRelaySession.exchange when no answer came (timeout, every peer down, a DEA without a result): TS.43 maps it to 503/511. */
export class AaaUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AaaUnavailableError';
  }
}

/** SWm relay (DER/DEA): one Diameter session per EAP session. */
export interface AaaRelaySession {
  readonly sessionId: string;
  /** The AAA that answered (its Origin-Host), once known: later rounds go to it (the EAP state lives there). */
  readonly server?: string | undefined;
  exchange(eapPacket: Buffer): Promise<AaaAnswer>;
  close(): void;
}

export interface AaaRelay {
  /**
   * A Diameter session for one EAP session. `resume` continues one opened earlier, possibly by another
   * daemon sharing the store (same Session-Id, same AAA).
   */
  open(opts: { userName: string; serviceSelection?: string; resume?: { sessionId: string; server?: string | undefined } }): AaaRelaySession;
}
