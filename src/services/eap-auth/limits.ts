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
 *
 * `live` holds them as one string, `<session id>,<deadline ms>` pairs joined by commas. A string is shared, not
 * copied, where a map of session ids was copied key by key on every read and update of a volatile record, twice an
 * authentication (claim and release): one SIM with 32 sessions in flight paid ≈ 30 µs a copy in the daemon
 * (docs/performance.md § Forty-second round). A record an older daemon wrote (`live` an object of session id →
 * deadline, during a rolling upgrade on PostgreSQL) is read too, and written back as a string.
 */
export interface ImsiSlots {
  kind: 'imsi';
  live: string | Record<string, number>;
}

/** The `[id, deadline, id, deadline, …]` of `live`, either shape. */
function pairs(live: ImsiSlots['live']): string[] {
  if (typeof live === 'string') return live === '' ? [] : live.split(',');
  const out: string[] = [];
  for (const id in live) out.push(id, String(live[id]));
  return out;
}

/**
 * The entries of `live` still before their deadline at `now`, `except` left out: `kept` as `[id, deadline, …]` (joined
 * by commas, the string to store) and the earliest deadline among them. A pair that does not read as one (a deadline
 * that is not a number) is dropped with the expired ones.
 */
function prune(live: ImsiSlots['live'], now: number, except?: string): { kept: string[]; earliest: number } {
  const all = pairs(live);
  const kept: string[] = [];
  let earliest = Infinity;
  for (let i = 0; i + 1 < all.length; i += 2) {
    const d = Number(all[i + 1]);
    if (d > now && all[i] !== except) {
      kept.push(all[i]!, all[i + 1]!);
      if (d < earliest) earliest = d;
    }
  }
  return { kept, earliest };
}

/** Whether any session of the record is still before its deadline at `now` (the sweep drops records with none). */
export function anyLive(slots: ImsiSlots, now: number): boolean {
  const all = pairs(slots.live);
  for (let i = 1; i < all.length; i += 2) if (Number(all[i]) > now) return true;
  return false;
}

/**
 * Claim a slot for `sessionId` (a session id has no comma: the daemon's are UUIDs); `ok` false = the IMSI is at its
 * cap (`retryAfterS` until the earliest slot frees). `next` is the record to store when `ok`; `cur` is not changed.
 */
export function claimSlot(cur: ImsiSlots | undefined, sessionId: string, deadline: number, now: number, cap: number): { next: ImsiSlots; ok: boolean; retryAfterS: number } {
  if (sessionId.includes(',')) throw new RangeError('claimSlot: a session id with a comma');
  const { kept, earliest } = prune(cur?.live ?? '', now);
  if (kept.length / 2 >= cap) return { next: { kind: 'imsi', live: kept.join(',') }, ok: false, retryAfterS: Math.max(1, Math.ceil((earliest - now) / 1000)) };
  kept.push(sessionId, String(deadline));
  return { next: { kind: 'imsi', live: kept.join(',') }, ok: true, retryAfterS: 0 };
}

/** Release `sessionId`'s slot (and the expired ones): the record to store, or null when none is left. `cur` is not changed. */
export function releaseSlot(cur: ImsiSlots | undefined, sessionId: string, now: number): ImsiSlots | null {
  if (!cur) return null;
  const { kept } = prune(cur.live, now, sessionId);
  return kept.length ? { kind: 'imsi', live: kept.join(',') } : null;
}
