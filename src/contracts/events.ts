import { Type, type Static } from '@sinclair/typebox';
import { ActivityRecord } from './activity.js';
import { SessionView } from './sessions.js';
import { TokenView } from './tokens.js';
import { PeerView } from './diameter.js';

/**
 * The live event stream (`GET /api/events`, NDJSON, one event per line) on the
 * control socket and the admin API; read by `activity tail` and `omnisep monitor`.
 * Adding an event kind: add a member here, emit it from the daemon, handle it in
 * the monitor reducer — nothing else changes.
 */
export const ActivityEvent = Type.Object({ kind: Type.Literal('activity'), at: Type.String(), record: ActivityRecord });

/**
 * An activity event may carry its record's JSON text as the log stored it, under a symbol key: JSON, `Object.keys`
 * and the schemas never see it. The event stream sends that text, so a record is serialised once and streamed as
 * recorded (daemon/http/admin/event-routes.ts). On the event, not the record: defining a hidden property on every
 * record cost ≈ 2 µs of main thread per request, streamed or not (docs/performance.md § Thirty-fifth round).
 */
const STORED = Symbol('omnisep.activity.stored');

/** The event announcing `record`, with `stored` (what the log's `append` resolved with) when the log serialised it. */
export function activityEvent(record: ActivityRecord, stored: string | void): Static<typeof ActivityEvent> {
  return stored === undefined ? { kind: 'activity', at: record.timestamp, record } : { kind: 'activity', at: record.timestamp, record, [STORED]: stored } as Static<typeof ActivityEvent>;
}

/** The stored JSON text an activity event carries (`activityEvent`), else undefined. */
export const storedRecordJson = (event: object): string | undefined => (event as { [STORED]?: string })[STORED];
export const SessionEvent = Type.Object({
  kind: Type.Literal('session'),
  at: Type.String(),
  change: Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('deleted')]),
  session: SessionView,
});
export const TokenEvent = Type.Object({
  kind: Type.Literal('token'),
  at: Type.String(),
  change: Type.Union([Type.Literal('issued'), Type.Literal('revoked'), Type.Literal('expired')]),
  token: TokenView,
  /** With `revoked`: a newer token of the same binding (IMSI, terminal, app) took its place — a re-authentication, not a revoke. */
  replaced: Type.Optional(Type.Literal(true)),
});
export const PeerEvent = Type.Object({ kind: Type.Literal('peer'), at: Type.String(), peer: PeerView });
/** Once a second: requests and errors in the last second, EAP outcomes, totals. */
export const RatesEvent = Type.Object({
  kind: Type.Literal('rates'),
  at: Type.String(),
  requests_per_second: Type.Number(),
  errors_per_second: Type.Number(),
  eap_success: Type.Integer(),
  eap_failure: Type.Integer(),
});
/** The server dropped events for this slow reader (bounded buffer; the daemon never blocks). */
export const DroppedEvent = Type.Object({ kind: Type.Literal('dropped'), at: Type.String(), count: Type.Integer() });
/**
 * Activity records this reader asked not to be sent (`sample` on GET /api/events: at most that many a second, spread
 * evenly), counted since the last report. The activity log and `activity ls` keep every one; only this stream is thinned.
 */
export const SampledEvent = Type.Object({ kind: Type.Literal('sampled'), at: Type.String(), count: Type.Integer(), per_second: Type.Integer() });
/** First line of every stream: who is talking. */
export const HelloEvent = Type.Object({
  kind: Type.Literal('hello'),
  at: Type.String(),
  version: Type.String(),
  started_at: Type.String(),
});

export const DaemonEvent = Type.Union([ActivityEvent, SessionEvent, TokenEvent, PeerEvent, RatesEvent, DroppedEvent, SampledEvent, HelloEvent]);
export type DaemonEvent = Static<typeof DaemonEvent>;
export type DaemonEventKind = DaemonEvent['kind'];
/** Every event kind, read from the union above (the stream's route and its test stand-in split `type=` with it). */
export const DAEMON_EVENT_KINDS: readonly DaemonEventKind[] = DaemonEvent.anyOf.map((s) => s.properties.kind.const);
export const isDaemonEventKind = (s: string): s is DaemonEventKind => (DAEMON_EVENT_KINDS as readonly string[]).includes(s);
