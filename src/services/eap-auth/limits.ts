/**
 * Admission of new EAP sessions (issue 13 item 3; docs/eap-aka.md § Limits). Pure: time comes in as `now`.
 *
 * ClientRateLimiter is a token bucket per client address: `burst` sessions at once, refilled at
 * `ratePerS`. It lives in each daemon's memory (a flood reaches the daemon it is aimed at; a load
 * balancer spreading one address over N daemons gives it N buckets, which the operator sizes for).
 * The map is bounded: the `maxClients` addresses seen most recently are kept, and at most twice as many
 * (src/util/recent-map.ts); an address forgotten comes back with a full bucket, so a flood from many addresses
 * cannot grow memory.
 */
import { RecentMap } from '../../util/recent-map.js';

export interface RateDecision {
  ok: boolean;
  /** When refused: whole seconds until one session may start (≥ 1). */
  retryAfterS: number;
}

export class ClientRateLimiter {
  readonly #buckets: RecentMap<string, { tokens: number; at: number }>;
  constructor(private readonly opts: { ratePerS: number; burst: number; maxClients?: number }) {
    if (!(opts.ratePerS > 0) || !(opts.burst >= 1)) throw new RangeError('rate limiter: ratePerS > 0 and burst >= 1');
    this.#buckets = new RecentMap(opts.maxClients ?? 100_000);
  }

  get size(): number {
    return this.#buckets.size;
  }

  take(client: string, now: number): RateDecision {
    const { ratePerS, burst } = this.opts;
    const b = this.#buckets.get(client) ?? { tokens: burst, at: now };
    const tokens = Math.min(burst, b.tokens + (Math.max(0, now - b.at) / 1000) * ratePerS);
    const ok = tokens >= 1;
    this.#buckets.set(client, { tokens: ok ? tokens - 1 : tokens, at: now });
    return { ok, retryAfterS: ok ? 0 : Math.max(1, Math.ceil((1 - tokens) / ratePerS)) };
  }
}

/**
 * The sessions in flight of one IMSI, kept in `eap_state` under `imsi:<IMSI>` and changed only with
 * Collection.update (atomic per key across daemons). Entries past their deadline drop out on every
 * change, so a crashed daemon's sessions free their slots when they would have timed out anyway.
 */
export interface ImsiSlots {
  kind: 'imsi';
  /** session_id → deadline (ms) */
  live: Record<string, number>;
}

/**
 * Drops from `live` (in place) the entries past their deadline at `now`, and `except`; returns how many are left
 * and the earliest deadline among them. `live` is the caller's own copy (Collection.update hands its function a
 * fresh one): a benchmark keeps hundreds of sessions of one SIM in flight, and building a new object of them on
 * every claim and release cost ≈ 20 µs an authentication (docs/performance.md § Tenth round).
 */
function prune(live: Record<string, number>, now: number, except?: string): { n: number; earliest: number } {
  let n = 0;
  let earliest = Infinity;
  for (const id in live) {
    const d = live[id]!;
    if (d > now && id !== except) {
      n++;
      if (d < earliest) earliest = d;
    } else {
      delete live[id];
    }
  }
  return { n, earliest };
}

/**
 * Claim a slot for `sessionId`; null = the IMSI is at its cap (`retryAfterS` until the earliest slot frees).
 * `cur` is the caller's copy of the record and is changed in place (`next` is it, or a new record when absent).
 */
export function claimSlot(cur: ImsiSlots | undefined, sessionId: string, deadline: number, now: number, cap: number): { next: ImsiSlots; ok: boolean; retryAfterS: number } {
  const next: ImsiSlots = cur ?? { kind: 'imsi', live: {} };
  const { n, earliest } = prune(next.live, now);
  if (n >= cap) return { next, ok: false, retryAfterS: Math.max(1, Math.ceil((earliest - now) / 1000)) };
  next.live[sessionId] = deadline;
  return { next, ok: true, retryAfterS: 0 };
}

/** Release `sessionId`'s slot (and the expired ones); null when none is left. `cur` is changed in place. */
export function releaseSlot(cur: ImsiSlots | undefined, sessionId: string, now: number): ImsiSlots | null {
  if (!cur) return null;
  return prune(cur.live, now, sessionId).n ? cur : null;
}
