import { Type, type Static } from '@sinclair/typebox';

/** Activity record types (ADMIN-API.md § Activity log). */
export const ACTIVITY_TYPES = [
  'entitlement_query',
  'eap_challenge',
  'eap_response',
  'token_auth',
  'xcap',
  'websheet',
  'admin',
  'odsa',
] as const;

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

/** One activity record, exactly the fields of ADMIN-API.md. Never holds tokens, keys, PINs or passwords. */
export const ActivityRecord = Type.Object({
  id: Type.String(),
  timestamp: Type.String({ description: 'ISO 8601 UTC' }),
  request_type: Type.String(),
  request_method: Type.String(),
  request_path: Type.String(),
  imsi: Nullable(Type.String()),
  msisdn: Nullable(Type.String()),
  terminal_id: Nullable(Type.String()),
  terminal_vendor: Nullable(Type.String()),
  terminal_model: Nullable(Type.String()),
  terminal_sw_version: Nullable(Type.String()),
  client_ip: Nullable(Type.String()),
  user_agent: Nullable(Type.String()),
  auth_method: Nullable(Type.String()),
  response_status: Type.Integer(),
  response_code: Type.Integer(),
  app_ids: Type.Array(Type.String()),
  request_headers: Type.Record(Type.String(), Type.String()),
  request_body: Type.Union([Type.String(), Type.Null()]),
  response_body: Type.Union([Type.String(), Type.Null()]),
  response_summary: Type.Record(Type.String(), Type.Unknown()),
  /** The daemon that served the request (`server.node_name`), on drivers shared by several daemons (PostgreSQL). */
  node: Type.Optional(Nullable(Type.String())),
});
export type ActivityRecord = Static<typeof ActivityRecord>;

/**
 * What a record carries besides its fields, under a symbol and not enumerable (JSON, the API schemas and deep
 * comparisons never see it): its JSON text and, once a log committed it, those bytes. One property, defined once
 * per record: a second `defineProperty` for the bytes cost ≈ 1 µs per token query (docs/performance.md § Eleventh round).
 */
const KEPT = Symbol('omnisep.activity.kept');
interface Kept { text: string; bytes: Buffer | undefined }

const keptOf = (record: ActivityRecord): Kept | undefined => (record as { [KEPT]?: Kept })[KEPT];

/**
 * The record's JSON text, serialised on the first call and kept on the record, so the log driver that stores it
 * (the file log's line, PostgreSQL's jsonb parameter) and the live event stream's line share one serialisation
 * (docs/performance.md § Fifth round). A driver that keeps the object itself (memory) never asks.
 */
export function recordJson(record: ActivityRecord): string {
  const kept = keptOf(record);
  if (kept !== undefined) return kept.text;
  const text = JSON.stringify(record);
  Object.defineProperty(record, KEPT, { value: { text, bytes: undefined } satisfies Kept, enumerable: false, configurable: true });
  return text;
}

/**
 * The record's JSON as the log committed it (UTF-8, without the newline): a view into the commit's buffer, kept on
 * the record by a log driver that has it (the file log), so the event stream copies bytes instead of re-encoding
 * the text (docs/performance.md § Tenth round). Undefined when no driver kept it.
 */
export function recordBytes(record: ActivityRecord): Buffer | undefined {
  return keptOf(record)?.bytes;
}

/**
 * Keeps `bytes` (the record's committed JSON, as `recordBytes` returns it) beside the text `recordJson` kept, which
 * they were encoded from; a record whose text was never made keeps nothing (the stream then serialises it).
 */
export function keepRecordBytes(record: ActivityRecord, bytes: Buffer): void {
  const kept = keptOf(record);
  if (kept !== undefined) kept.bytes = bytes;
}

export const ActivityList = Type.Object({
  count: Type.Integer(),
  total: Type.Integer({ description: 'matches counted; with total_capped a lower bound' }),
  /** Present (true) when the count stopped at its limit (10,000, or past the page asked for): there are more than `total`. */
  total_capped: Type.Optional(Type.Boolean({ description: 'the count stopped at 10,000 (or past the page asked for): more than total match' })),
  page: Type.Integer(),
  page_size: Type.Integer(),
  activities: Type.Array(ActivityRecord),
});
export type ActivityList = Static<typeof ActivityList>;
