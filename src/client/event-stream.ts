/**
 * Client of the daemon's live event stream (`GET /api/events?imsi=&type=`,
 * NDJSON, one `DaemonEvent` per line, first line `hello`; see
 * src/contracts/events.ts). Read by `omnisep activity tail` and by the
 * `omnisep monitor` TUI; plain TypeScript, tested without ink.
 *
 * - every line is checked against the same TypeBox contract the daemon
 *   serialises with; a line that does not match (a newer daemon with a new
 *   event kind, a truncated line) is reported as `invalid`, never thrown;
 * - with `reconnect`, a refused connection or a stream the daemon ended is
 *   retried with exponential back-off, and the caller sees the state change
 *   (`reconnecting`, then `connected` with the new `hello`);
 * - without `reconnect`, a daemon that is not there throws
 *   `DaemonUnreachableError` (exit 1 in the CLI) and a daemon that stops ends
 *   the iteration with a `closed` status.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { DaemonEvent, HelloEvent } from '../contracts/events.js';
import type { Static } from '@sinclair/typebox';
import { ApiError, DaemonUnreachableError } from './errors.js';
import { routes } from '../contracts/routes.js';
import { ControlClient, describeTarget, type QueryValue, type Target } from './control-client.js';
import { startsWithBytes } from './ndjson-lines.js';

export type Hello = Static<typeof HelloEvent>;

/** Server-side filters of the stream. Omitted or empty = everything. */
export interface EventFilter {
  imsi?: string;
  /** Event kinds (`activity,session`) or activity request types (`entitlement_query`). */
  type?: string;
  /** Only these event kinds (the server always sends `hello` and `dropped`, and with `sample` the `sampled` counts). */
  kinds?: readonly string[];
  /** At most this many activity records a second, the rest counted in `sampled` events (0 or absent: all). */
  sample?: number;
}

export interface Backoff {
  /** First retry after this many ms (default 200). */
  initialMs: number;
  /** Never wait longer than this between attempts (default 2000). */
  maxMs: number;
  /** Each failed attempt multiplies the wait (default 2). */
  factor: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 200, maxMs: 2000, factor: 2 };

/** Wait before reconnect attempt `attempt` (1-based): initial·factor^(attempt-1), capped. Pure. */
export function backoffDelay(attempt: number, b: Backoff = DEFAULT_BACKOFF): number {
  const n = Math.max(1, Math.floor(attempt));
  return Math.min(b.maxMs, Math.round(b.initialMs * b.factor ** (n - 1)));
}

export type StreamStatus =
  | { state: 'connecting'; target: string }
  | { state: 'connected'; target: string; hello: Hello }
  | { state: 'reconnecting'; target: string; attempt: number; delay_ms: number; reason: string }
  | { state: 'closed'; target: string; reason: string };

/** What the stream yields: a validated event, a connection state change, or a line that broke the contract. */
export type StreamItem =
  | { type: 'event'; event: DaemonEvent }
  | { type: 'status'; status: StreamStatus }
  | { type: 'invalid'; line: unknown; reason: string }
  /**
   * With `deferActivity`: activity events as the daemon sent them, unparsed and undecoded (UTF-8 bytes, one item
   * per chunk read); the reader decodes and checks the ones it keeps with `parseEventLine`. At thousands of events
   * a second a TUI showing a few hundred rows twice a second would otherwise decode, parse and validate most events
   * only to drop them.
   */
  | { type: 'activity-lines'; lines: Buffer[] };

export interface FollowOptions {
  target: Target;
  filter?: EventFilter;
  /** Retry forever with back-off (true or the back-off to use); default false. */
  reconnect?: boolean | Partial<Backoff>;
  signal?: AbortSignal;
  /** Make a client for the target (tests inject; default a ControlClient). */
  client?: (target: Target) => Pick<ControlClient, 'stream' | 'close'> & Partial<Pick<ControlClient, 'streamLines'>>;
  /**
   * Hand activity events over as raw lines (`activity-lines`) instead of parsed and checked ones; every other kind
   * is parsed as before, and a line that is not JSON is an `invalid` item (without this option it ends the
   * connection, as a broken stream). Needs a client with `streamLines` (else the option does nothing).
   */
  deferActivity?: boolean;
  /** How to wait between attempts (tests shorten it); default setTimeout, aborted by `signal`. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const EVENTS_PATH = routes.events.path;

const checkEvent = TypeCompiler.Compile(DaemonEvent);
/** Per-kind checkers, so a bad line's error names the field rather than "Expected union value". */
const checkByKind = new Map(
  DaemonEvent.anyOf.map((member) => [String(member.properties.kind.const), TypeCompiler.Compile(member)] as const),
);

/** Check one parsed line against the contract; the first error names the path. */
export function parseEvent(line: unknown): { ok: true; event: DaemonEvent } | { ok: false; reason: string } {
  if (checkEvent.Check(line)) return { ok: true, event: line };
  const kind = line && typeof line === 'object' ? (line as { kind?: unknown }).kind : undefined;
  const member = typeof kind === 'string' ? checkByKind.get(kind) : undefined;
  if (!member) return { ok: false, reason: `unknown event kind ${JSON.stringify(kind ?? null)} (a newer daemon?)` };
  const first = member.Errors(line).First();
  return { ok: false, reason: `event "${String(kind)}" does not match the contract${first ? ` at ${first.path || '/'}: ${first.message}` : ''}` };
}

/**
 * How the daemon starts an activity event's line (`JSON.stringify` of `{ kind, at, record }`, in that order):
 * a deferred line is recognised without parsing it. A line from some other writer that does not start so is
 * simply parsed at once.
 */
export const ACTIVITY_LINE_PREFIX = '{"kind":"activity",';
const ACTIVITY_PREFIX_BYTES = Buffer.from(ACTIVITY_LINE_PREFIX, 'utf8');

/** `parseEvent` of one NDJSON line: a line that is not JSON is reported, never thrown. */
export function parseEventLine(line: string): { ok: true; event: DaemonEvent } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'the line is not JSON (truncated?)' };
  }
  return parseEvent(value);
}

export function filterQuery(filter: EventFilter = {}): Record<string, QueryValue> {
  return { imsi: filter.imsi || undefined, type: filter.type || undefined, kinds: filter.kinds?.length ? filter.kinds.join(',') : undefined, sample: filter.sample || undefined };
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Follow the stream: yields items until `signal` aborts, or — without
 * `reconnect` — until the daemon ends the stream. Throws only when the first
 * connection fails without `reconnect` (DaemonUnreachableError, ApiError).
 */
export async function* followEvents(opts: FollowOptions): AsyncGenerator<StreamItem> {
  const target = describeTarget(opts.target);
  const backoff: Backoff | null = opts.reconnect
    ? { ...DEFAULT_BACKOFF, ...(typeof opts.reconnect === 'object' ? opts.reconnect : {}) }
    : null;
  const sleep = opts.sleep ?? abortableSleep;
  const client = (opts.client ?? ((t: Target) => new ControlClient(t)))(opts.target);
  const query = filterQuery(opts.filter);
  let attempt = 0;
  let everConnected = false;
  try {
    yield { type: 'status', status: { state: 'connecting', target } };
    while (!opts.signal?.aborted) {
      let reason = 'the daemon ended the stream';
      let gotHello = false;
      try {
        const checked = (line: unknown, parsed: ReturnType<typeof parseEvent>): StreamItem[] => {
          if (!parsed.ok) return [{ type: 'invalid', line, reason: parsed.reason }];
          if (parsed.event.kind !== 'hello') return [{ type: 'event', event: parsed.event }];
          gotHello = true;
          everConnected = true;
          attempt = 0;
          return [{ type: 'status', status: { state: 'connected', target, hello: parsed.event } }, { type: 'event', event: parsed.event }];
        };
        if (opts.deferActivity && client.streamLines) {
          for await (const lines of client.streamLines(EVENTS_PATH, query, opts.signal)) {
            let raw: Buffer[] = [];
            for (const line of lines) {
              if (startsWithBytes(line, ACTIVITY_PREFIX_BYTES)) {
                raw.push(line);
                continue;
              }
              // Keep the order of the chunk: the deferred lines before this one go first.
              if (raw.length) yield { type: 'activity-lines', lines: raw };
              raw = [];
              const text = line.toString('utf8');
              yield* checked(text, parseEventLine(text));
            }
            if (raw.length) yield { type: 'activity-lines', lines: raw };
          }
        } else {
          for await (const line of client.stream(EVENTS_PATH, query, opts.signal)) yield* checked(line, parseEvent(line));
        }
      } catch (err) {
        if (opts.signal?.aborted) break;
        // Without reconnect, a first connection that fails is the caller's error (exit 1 with the path).
        if (!backoff && !everConnected) throw err;
        if (backoff && err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 404 && !gotHello) throw err;
        reason = err instanceof DaemonUnreachableError ? (gotHello ? 'connection lost' : `no daemon at ${target}`) : err instanceof Error ? err.message : String(err);
      }
      if (opts.signal?.aborted) break;
      if (!backoff) {
        yield { type: 'status', status: { state: 'closed', target, reason } };
        return;
      }
      attempt += 1;
      const delay = backoffDelay(attempt, backoff);
      yield { type: 'status', status: { state: 'reconnecting', target, attempt, delay_ms: delay, reason } };
      await sleep(delay, opts.signal);
    }
    yield { type: 'status', status: { state: 'closed', target, reason: 'stopped by the user' } };
  } finally {
    await client.close();
  }
}

export interface Subscription {
  close(): Promise<void>;
}

/**
 * Callback form of `followEvents` for the TUI hook: runs the loop in the
 * background, hands every item to `onItem`, and stops on `close()`.
 * A fatal error (no reconnect) arrives as a `closed` status.
 */
export function subscribeEvents(opts: Omit<FollowOptions, 'signal'>, onItem: (item: StreamItem) => void): Subscription {
  const ac = new AbortController();
  const done = (async () => {
    try {
      for await (const item of followEvents({ ...opts, signal: ac.signal })) onItem(item);
    } catch (err) {
      onItem({
        type: 'status',
        status: { state: 'closed', target: describeTarget(opts.target), reason: err instanceof Error ? err.message : String(err) },
      });
    }
  })();
  return {
    async close() {
      ac.abort();
      await done;
    },
  };
}
