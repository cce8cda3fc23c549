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
