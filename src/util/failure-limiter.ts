/**
 * Lock-out where a secret can be guessed (docs/security.md § Lock-outs): after `maxFailures`
 * failures for one key (an admin client address, an XCAP Digest user) within `windowMs`, that key
 * is refused for `windowMs` from the failure that locked it. A success clears the key. Memory is bounded:
 * the `maxKeys` keys that failed or were asked about most recently are tracked, and at most twice as many
 * (src/util/recent-map.ts); the others are dropped (keys sprayed by an attacker can push older entries out but
 * cannot grow memory).
 *
 * Pure: time comes from the caller.
 */
import { RecentMap } from './recent-map.js';

export interface FailureLimiterOptions {
  maxFailures: number;
  windowMs: number;
  /** Keys tracked at least (the most recent; default 100 000), and at most twice as many. */
  maxKeys?: number;
}

interface Entry {
  failures: number;
  since: number;
  lockedUntil: number;
}

export class FailureLimiter {
  readonly #entries: RecentMap<string, Entry>;
  constructor(private readonly opts: FailureLimiterOptions) {
    this.#entries = new RecentMap(opts.maxKeys ?? 100_000);
  }

  /** Milliseconds until `key` may try again; 0 = it may try now. */
  lockedFor(key: string, now: number): number {
    const e = this.#entries.get(key);
    if (!e) return 0;
    if (e.lockedUntil > now) return e.lockedUntil - now;
    if (e.lockedUntil > 0 || now - e.since >= this.opts.windowMs) this.#entries.delete(key);
    return 0;
  }

  /** Counts a failure; returns true when this failure locked the key out. */
  fail(key: string, now: number): boolean {
    let e = this.#entries.get(key);
    if (!e || now - e.since >= this.opts.windowMs) e = { failures: 0, since: now, lockedUntil: 0 };
    e.failures++;
    const locked = e.failures >= this.opts.maxFailures && e.lockedUntil <= now;
    if (locked) e.lockedUntil = now + this.opts.windowMs;
    this.#entries.set(key, e);
    return locked;
  }

  succeed(key: string): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
