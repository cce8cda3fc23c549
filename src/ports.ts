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

// ---------------------------------------------------------------------------
// Authentication back-ends (EAP-AKA.md): who supplies vectors, who relays EAP.

import type { AuthVector } from './aka/types.js';
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
  /** Result-Code, or the Experimental-Result-Code (then `experimental` is true). */
  resultCode: number;
  experimental: boolean;
  eapPayload: Buffer | null;
  msk: Secret<Buffer> | null;
  /** The Diameter Session-Id: the `aaa_session_id` of the admin API. */
  sessionId: string;
}

/** Thrown by AaaRelaySession.exchange when no peer answered (timeout, all down): TS.43 maps it to 503/511. */
export class AaaUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AaaUnavailableError';
  }
}

/** SWm relay (DER/DEA): one Diameter session per EAP session. */
export interface AaaRelaySession {
  readonly sessionId: string;
  exchange(eapPacket: Buffer): Promise<AaaAnswer>;
  close(): void;
}

export interface AaaRelay {
  open(opts: { userName: string; serviceSelection?: string }): AaaRelaySession;
}
