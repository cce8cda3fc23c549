/**
 * The durable backlog of VVM SMS (docs/vvm-sms.md § Backlog): every SMS to a phone is written to the
 * `vvm_sms_outbox` collection before the gateway is called, and deleted once the gateway has taken it.
 * A daemon that stops, a gateway that hangs or answers 5xx, leaves the SMS here, visible in
 * `omnisep vvm sms ls`, `GET /api/vvm/sms`, `status` and `vvm_sms_backlog`, and it is retried with
 * exponential back-off until `maxAttempts`; then it stays as `failed` (still visible) for `failedRetentionMs`.
 *
 * No password is ever stored here: a STATUS that carries credentials is kept as `render: 'status'`
 * (no text) and rendered at send time with a freshly issued password (./omtp-service.ts).
 *
 * Several daemons on one store: a record is claimed with an atomic `update` (`claimed_until`) before it
 * is sent, so exactly one daemon sends it at a time. Sees only ports.
 */
import type { Clock, Collection, Random, Store, Tally } from '../../ports.js';
import { openCollection } from '../../store/collections.js';

export type SmsType = 'status' | 'sync';

export interface OutboxRecord {
  id: string;
  imsi: string | null;
  /** Destination number (the phone's MSISDN). */
  to: string;
  type: SmsType;
  /** `text`: send `text` as is (SYNC, a failure STATUS). `status`: render a credential STATUS for `imsi` at send time. */
  render: 'text' | 'status';
  /** The SMS text (never holds a password); null when `render` is `status`. */
  text: string | null;
  /** Why it was sent (deposit, activate, operator, ...), for the backlog view and activity. */
  reason: string;
  state: 'pending' | 'failed';
  attempts: number;
  created_at: number;
  next_attempt_at: number;
  claimed_until: number;
  last_error: string | null;
}

export interface OutboxPolicy {
  /** Attempts in all (first + retries). */
  maxAttempts: number;
  /** Delay before the first retry, ms; doubled each time, capped at `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
  /** A claim lasts this long (longer than one gateway call with its timeout). */
  claimMs: number;
  /** Failed records are dropped after this long, ms. */
  failedRetentionMs: number;
}

export type NewSms = Pick<OutboxRecord, 'imsi' | 'to' | 'type' | 'render' | 'text' | 'reason'>;

/** Keys sort by creation time: `<ms, 13 digits>-<random>`; a scan pages through the oldest first. */
const keyOf = (now: number, rnd: string) => `${String(now).padStart(13, '0')}-${rnd}`;

export class SmsOutbox {
  readonly #coll: Collection<OutboxRecord>;

  constructor(store: Store, private readonly clock: Clock, private readonly random: Random, readonly policy: OutboxPolicy) {
    this.#coll = openCollection<OutboxRecord>(store, 'vvm_sms_outbox');
  }

  async enqueue(sms: NewSms): Promise<OutboxRecord> {
    const now = this.clock.now();
    const id = keyOf(now, this.random.bytes(6).toString('hex'));
    const rec: OutboxRecord = { ...sms, id, state: 'pending', attempts: 0, created_at: now, next_attempt_at: now, claimed_until: 0, last_error: null };
    await this.#coll.put(id, rec);
    return rec;
  }

  get(id: string): Promise<OutboxRecord | undefined> {
    return this.#coll.get(id);
  }

  /** The backlog in creation order (paging: `after` = the last id of the previous page). */
  async list(opts: { after?: string; limit?: number } = {}): Promise<OutboxRecord[]> {
    const rows = await this.#coll.scan({ ...(opts.after !== undefined ? { after: opts.after } : {}), limit: opts.limit ?? 100 });
    return rows.map(([, r]) => r);
  }

  count(): Promise<number> {
    return this.#coll.count();
  }

  /** As count, for a gauge: an estimate past 100,000 on PostgreSQL (src/ports.ts Tally). */
  tally(): Promise<Tally> {
    return this.#coll.tally();
  }

  /**
   * Claims the due records of one page (`after` = cursor, null = from the start): a pending record whose
   * `next_attempt_at` has come and that no daemon holds. Also drops failed records past retention.
   * Returns the claimed records and the cursor for the next page (null at the end).
   */
  async claimDue(after: string | null, limit: number): Promise<{ claimed: OutboxRecord[]; next: string | null }> {
    const now = this.clock.now();
    const page = await this.#coll.scan({ ...(after !== null ? { after } : {}), limit });
    const claimed: OutboxRecord[] = [];
    const expired: string[] = [];
    for (const [key, r] of page) {
      if (r.state === 'failed') {
        if (now - r.next_attempt_at > this.policy.failedRetentionMs) expired.push(key);
        continue;
      }
      if (r.next_attempt_at > now || r.claimed_until > now) continue;
      const got = await this.#coll.update(key, (cur) => {
        if (!cur || cur.state !== 'pending' || cur.next_attempt_at > now || cur.claimed_until > now) return { result: null };
        const next = { ...cur, claimed_until: now + this.policy.claimMs };
        return { result: next, put: next };
      });
      if (got) claimed.push(got);
    }
    // The failed ones past retention, together, each only while still failed (a `retryNow` meanwhile keeps it).
    if (expired.length) await this.#coll.deleteMany(expired, { field: 'state', values: expired.map(() => 'failed') });
    return { claimed, next: page.length < limit ? null : page[page.length - 1]![0] };
  }

  /** The gateway took it: gone from the backlog. */
  async sent(id: string): Promise<void> {
    await this.#coll.delete(id);
  }

  /**
   * An attempt failed. `permanent` (the gateway refused the request itself, 4xx) ends it at once;
   * otherwise it is retried after the back-off until `maxAttempts`. Returns the record as stored.
   */
  async attemptFailed(id: string, error: string, permanent = false): Promise<OutboxRecord | undefined> {
    const now = this.clock.now();
    return this.#coll.update(id, (cur) => {
      if (!cur) return { result: undefined };
      const attempts = cur.attempts + 1;
      const give = permanent || attempts >= this.policy.maxAttempts;
      const delay = Math.min(this.policy.maxBackoffMs, this.policy.backoffMs * 2 ** (attempts - 1));
      const next: OutboxRecord = { ...cur, attempts, last_error: error.slice(0, 300), claimed_until: 0, state: give ? 'failed' : 'pending', next_attempt_at: give ? now : now + delay };
      return { result: next, put: next };
    });
  }

  /**
   * Sends a failed (or waiting) record again now, with a fresh count of attempts. A record a daemon holds
   * right now (an attempt in flight) is left alone and returned as it is, so it is never sent twice at once.
   */
  async retryNow(id: string): Promise<OutboxRecord | undefined> {
    const now = this.clock.now();
    return this.#coll.update(id, (cur) => {
      if (!cur) return { result: undefined };
      if (cur.claimed_until > now) return { result: cur };
      const next: OutboxRecord = { ...cur, state: 'pending', attempts: 0, next_attempt_at: now, claimed_until: 0 };
      return { result: next, put: next };
    });
  }

  /**
   * `vvm sms retry --all`: retryNow on every record that is failed or waiting for a retry, a page at a
   * time in creation order (the backlog is bounded by the gateway back-off and the failed retention).
   * Returns the records retried.
   */
  async retryAll(pageSize = 500): Promise<OutboxRecord[]> {
    const out: OutboxRecord[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.#coll.scan({ ...(after !== undefined ? { after } : {}), limit: pageSize });
      for (const [key, r] of page) {
        if (r.state === 'pending' && r.attempts === 0) continue; // never tried yet: the worker has it
        const got = await this.retryNow(key);
        if (got && got.claimed_until <= this.clock.now()) out.push(got);
      }
      if (page.length < pageSize) return out;
      after = page[page.length - 1]![0];
    }
  }

  remove(id: string): Promise<boolean> {
    return this.#coll.delete(id);
  }
}
