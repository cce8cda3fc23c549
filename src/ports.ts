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
 * A keyed collection. Reads are synchronous (served from memory); a write's
 * promise resolves only once the write is durable (survives SIGKILL), so a
 * route answers 2xx only after awaiting it. A read-check-write with no await
 * in between is atomic (one process, one event loop) — XCAP If-Match relies on it.
 */
export interface Collection<T> {
  get(key: string): T | undefined;
  has(key: string): boolean;
  keys(): string[];
  values(): T[];
  readonly size: number;
  put(key: string, value: T): Promise<void>;
  delete(key: string): Promise<boolean>;
}

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
}

export interface ActivityPage {
  total: number;
  records: ActivityRecord[];
}

/** Append-heavy log; never rewrites the whole database per request. */
export interface ActivityLog {
  /** Resolves once the record is durable (group commit is allowed). */
  append(record: ActivityRecord): Promise<void>;
  get(id: string): ActivityRecord | undefined;
  /** Newest first. */
  query(q: ActivityQuery): ActivityPage;
  count(): number;
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

export interface Store {
  collection<T>(name: CollectionName): Collection<T>;
  readonly activity: ActivityLog;
  /** True while writes can be made durable (health check). */
  writable(): boolean;
  close(): Promise<void>;
}

/** Live events for `activity tail`, the TUI and metrics. Never blocks the caller. */
export interface EventSink {
  emit(event: DaemonEvent): void;
}
