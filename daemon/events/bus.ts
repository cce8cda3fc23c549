/**
 * The live event bus: every DaemonEvent goes to every subscriber whose filter
 * matches. Each subscriber has a bounded buffer; a slow reader loses events
 * (counted, reported as one `dropped` event once it catches up) and never
 * blocks the emitter — the daemon answers phones before it feeds terminals.
 * A subscriber may also ask for a sample of the activity records (`sample`, a
 * rate a second): those left out are counted and reported as `sampled`, and
 * its session and token events are buffered as each object's net change since
 * the last drain (see `SubscribeOptions.sample`).
 */
import type { EventSink } from '../../src/ports.js';
import type { DaemonEvent, DaemonEventKind } from '../../src/contracts/events.js';

export interface EventFilter {
  /** Only events about this IMSI (activity records, sessions, tokens). Others (rates, peers) still pass. */
  imsi?: string;
  /** Event kinds to receive; empty = all. */
  kinds?: readonly DaemonEventKind[];
  /** Activity request types to receive (`entitlement_query`, ...); empty = all. */
  types?: readonly string[];
}

/**
 * What a subscription buffers: the events themselves, or each event as `encode` made it when it was pushed (the
 * event stream's NDJSON line). Encoding at once lets the event and its activity record die young: held in the buffer
 * for the stream's gathering window they outlived a scavenge and were promoted, ≈ 6 µs of GC per request with one
 * reader (docs/performance.md § Ninth round). The exception is a sampled subscription's session and token events, kept
 * as they are until the drain (a few small views a batch, most replaced before then: `Unencoded`).
 */
export interface Subscription<T = DaemonEvent> extends AsyncIterable<T> {
  /** Take what is buffered now (a `dropped` event first if any were lost, then a `sampled` one if any were left out). */
  drain(): T[];
  /** Resolves when there is something to drain or the subscription ended. */
  wait(): Promise<void>;
  /**
   * Resolves after `ms`, or sooner once `count` events are buffered or the subscription ends: a writer gathers a
   * batch this way without letting the bounded buffer overflow while it waits.
   */
  gather(ms: number, count: number): Promise<void>;
  readonly closed: boolean;
  readonly dropped: number;
  /** Activity records left out by the subscription's `sample` rate (never buffered, so never dropped). */
  readonly sampledOut: number;
  close(): void;
}

export interface SubscribeOptions<T> {
  /** Events buffered before losses are counted (default 1000). */
  max?: number;
  /** Buffer each matching event as this makes it when it is emitted (with `sample`, a session or token event when it is drained). */
  encode?: (e: DaemonEvent) => T;
  /**
   * Most activity records a second this subscriber is given, spread evenly (a bucket of one second's worth, refilled
   * continuously); the rest are counted and reported as one `sampled` event at the next drain. 0 or absent: all.
   * For a person's terminal: a TUI cannot show thousands of rows a second, and reading them cost it a core's tenth
   * (docs/performance.md § Thirtieth round).
   *
   * Such a subscriber's session and token events are not sampled (the monitor keeps the live sessions and tokens from
   * them) but merged per object until the next drain: a later change of a session or token replaces the one buffered
   * for it, and an object that came and went in between (a session created then deleted, a token issued then revoked
   * or expired) is not sent at all. The sessions, their states and the active tokens a reader holds after each batch
   * are the same; the steps between two batches are left out (and with them a token issued and revoked within one, from
   * a list of revoked tokens). Without this an EAP-AKA storm sent the monitor ≈ 6 such events an authentication,
   * 4,000–5,600 a second, for two frames a second (docs/performance.md § Thirty-second round).
   */
  sample?: number;
}

/** Where a subscription's buffer had an event it no longer sends (its object came and went before the drain). */
const HOLE: unique symbol = Symbol('omnisep.events.hole');

/**
 * A merged session or token event, encoded only when the buffer is drained: most are replaced by a later change of
 * their object before that (≈ 4 of an EAP-AKA authentication's 6), and encoding each on arrival was most of what a
 * sampled reader cost the daemon per authentication (docs/performance.md § Thirty-second round).
 */
class Unencoded {
  constructor(readonly event: DaemonEvent) {}
}

/**
 * The object a session or token event is about, and whether its change ends it: an object whose first change in a
 * batch began it (`BEGINS`) and which ends within the batch leaves nothing to send. Undefined for every other kind.
 */
function objectOf(e: DaemonEvent): { key: string; change: string; ends: boolean } | undefined {
  if (e.kind === 'session') return { key: `s${e.session.session_id}`, change: e.change, ends: e.change === 'deleted' };
  if (e.kind === 'token') return { key: `t${e.token.token_id}`, change: e.change, ends: e.change !== 'issued' };
  return undefined;
}
const BEGINS = new Set(['created', 'issued']);

export function matches(filter: EventFilter, e: DaemonEvent): boolean {
  if (filter.kinds?.length && !filter.kinds.includes(e.kind)) return false;
  if (filter.imsi) {
    const imsi = e.kind === 'activity' ? e.record.imsi : e.kind === 'session' ? e.session.imsi : e.kind === 'token' ? e.token.imsi : undefined;
    if (imsi !== undefined && imsi !== filter.imsi) return false;
  }
  if (filter.types?.length && e.kind === 'activity' && !filter.types.includes(e.record.request_type)) return false;
  return true;
}

class BufferedSubscription<T> implements Subscription<T> {
  #buf: Array<T | typeof HOLE | Unencoded> = [];
  /** Events in `#buf` that are not holes. */
  #size = 0;
  /** Of them, merged events not encoded yet. */
  #unencoded = 0;
  /** A sampled subscription's buffered session and token events, by object: the slot of its latest, and its first change since the drain. */
  readonly #objects = new Map<string, { slot: number; first: string }>();
  #dropped = 0;
  #unreported = 0;
  #sampledOut = 0;
  #unreportedSampled = 0;
  /** The sampling bucket: records that may be sent now, and when it was last refilled. */
  #allowance: number;
  #refilled: number;
  #closed = false;
  #wake: (() => void) | undefined;
  #gathering: { count: number; done: () => void } | undefined;
  constructor(
    readonly filter: EventFilter,
    readonly max: number,
    private readonly onClose: (s: BufferedSubscription<T>) => void,
    private readonly now: () => number,
    private readonly encode: (e: DaemonEvent) => T,
    readonly sample: number,
  ) {
    this.#allowance = sample;
    this.#refilled = sample > 0 ? now() : 0;
  }
  get closed() { return this.#closed; }
  get dropped() { return this.#dropped; }
  get sampledOut() { return this.#sampledOut; }
  push(e: DaemonEvent): void {
    if (this.#closed || !matches(this.filter, e)) return;
    const obj = this.sample > 0 ? objectOf(e) : undefined;
    if (this.sample > 0 && e.kind === 'activity' && !this.#take()) {
      this.#sampledOut++;
      this.#unreportedSampled++;
      this.#wakeUp();
      return;
    }
    const held = obj && this.#objects.get(obj.key);
    if (held) {
      // Its object has an event buffered: this one takes its place, or both go if the object came and went.
      if (obj.ends && BEGINS.has(held.first)) {
        this.#buf[held.slot] = HOLE;
        this.#size--;
        this.#unencoded--;
        this.#objects.delete(obj.key);
      } else this.#buf[held.slot] = new Unencoded(e);
      return;
    }
    if (this.#size >= this.max) {
      this.#dropped++;
      this.#unreported++;
    } else {
      if (obj) {
        this.#objects.set(obj.key, { slot: this.#buf.length, first: obj.change });
        this.#buf.push(new Unencoded(e));
        this.#unencoded++;
      } else this.#buf.push(this.encode(e));
      this.#size++;
    }
    this.#wakeUp();
    if (this.#gathering && this.#size >= this.#gathering.count) this.#gathering.done();
  }
  /** One record's worth from the sampling bucket, if there is one. */
  #take(): boolean {
    const t = this.now();
    if (t > this.#refilled) {
      this.#allowance = Math.min(this.sample, this.#allowance + ((t - this.#refilled) * this.sample) / 1000);
      this.#refilled = t;
    }
    if (this.#allowance < 1) return false;
    this.#allowance -= 1;
    return true;
  }
  drain(): T[] {
    let out: T[];
    if (this.#size === this.#buf.length && this.#unencoded === 0) out = this.#buf as T[];
    else {
      out = [];
      for (const x of this.#buf) if (x !== HOLE) out.push(x instanceof Unencoded ? this.encode(x.event) : x);
    }
    this.#buf = [];
    this.#size = 0;
    this.#unencoded = 0;
    this.#objects.clear();
    if (this.#unreportedSampled) {
      out.unshift(this.encode({ kind: 'sampled', at: new Date(this.now()).toISOString(), count: this.#unreportedSampled, per_second: this.sample }));
      this.#unreportedSampled = 0;
    }
    if (this.#unreported) {
      out.unshift(this.encode({ kind: 'dropped', at: new Date(this.now()).toISOString(), count: this.#unreported }));
      this.#unreported = 0;
    }
    return out;
  }
  wait(): Promise<void> {
    if (this.#closed || this.#size || this.#unreported || this.#unreportedSampled) return Promise.resolve();
    return new Promise((resolve) => { this.#wake = resolve; });
  }
  gather(ms: number, count: number): Promise<void> {
    if (this.#closed || this.#size >= count) return Promise.resolve();
    this.#gathering?.done();
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(), ms);
      const done = () => {
        clearTimeout(timer);
        if (this.#gathering === g) this.#gathering = undefined;
        resolve();
      };
      const g = { count, done };
      this.#gathering = g;
    });
  }
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.onClose(this);
    this.#wakeUp();
    this.#gathering?.done();
  }
  #wakeUp() {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (true) {
      await this.wait();
      const batch = this.drain();
      for (const e of batch) yield e;
      if (this.#closed && !batch.length) return;
    }
  }
}

export class EventBus implements EventSink {
  readonly #subs = new Set<BufferedSubscription<unknown>>();
  #emitted = 0;
  constructor(private readonly now: () => number = Date.now) {}

  readonly #observers: Array<(e: DaemonEvent) => void> = [];

  emit(event: DaemonEvent): void {
    this.#emitted++;
    for (const o of this.#observers) o(event);
    for (const s of this.#subs) s.push(event);
  }

  /** A synchronous observer of every event (metrics, rates). Must not throw or block. */
  observe(fn: (e: DaemonEvent) => void): void {
    this.#observers.push(fn);
  }

  /** A bounded subscription (default 1000 events buffered). Close it when the client goes away. */
  subscribe(filter?: EventFilter, opts?: Omit<SubscribeOptions<DaemonEvent>, 'encode'>): Subscription;
  /** The same, buffering each matching event as `encode` makes it when it is emitted. */
  subscribe<T>(filter: EventFilter, opts: SubscribeOptions<T> & { encode: (e: DaemonEvent) => T }): Subscription<T>;
  subscribe<T>(filter: EventFilter = {}, opts: SubscribeOptions<T> = {}): Subscription<T> {
    const encode = opts.encode ?? ((e: DaemonEvent) => e as unknown as T);
    const sample = Math.max(0, Math.floor(opts.sample ?? 0));
    const s = new BufferedSubscription<T>(filter, opts.max ?? 1000, (x) => this.#subs.delete(x as BufferedSubscription<unknown>), this.now, encode, sample);
    this.#subs.add(s as BufferedSubscription<unknown>);
    return s;
  }

  get subscriberCount(): number { return this.#subs.size; }
  get emittedCount(): number { return this.#emitted; }

  /** End every stream (graceful stop: readers see the end, not a reset). */
  closeAll(): void {
    for (const s of [...this.#subs]) s.close();
  }
}
