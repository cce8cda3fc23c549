/**
 * The admin/control API route table (ADMIN-API.md): one entry per route with
 * its method, path and schemas. The daemon's route modules register from it
 * (validation + serialization), the CLI's control client calls through it —
 * one typed contract (tailscale `apitype` style). Paths use fastify's `:param`.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ErrorBody, OkStatus } from './common.js';
import { StatusResponse } from './status.js';
import { ConfigView } from './config.js';
import {
  EntitlementDefaults, EntitlementDeleteResult, EntitlementDetail, EntitlementGetQuery, EntitlementList,
  EntitlementListQuery, EntitlementSetBody, EntitlementSetResult, ImsiAppParams, ImsiParams,
} from './entitlements.js';
import { ActivityList, ActivityRecord, ACTIVITY_TYPES } from './activity.js';
import { SessionList, SessionView } from './sessions.js';
import { TokenList, TokenView } from './tokens.js';
import { DiameterRoutes, DiameterStatus } from './diameter.js';
import { OdsaListQuery, OdsaRemoveResult, OdsaSubscriptionList, OdsaSubscriptionView } from './odsa.js';
import { PushStatus } from './push.js';

export interface RouteDef {
  method: 'GET' | 'POST' | 'DELETE' | 'PUT';
  path: string;
  summary: string;
  params?: TSchema;
  querystring?: TSchema;
  body?: TSchema;
  /** The 2xx body. */
  response: TSchema;
  /** 2xx status when not 200. */
  status?: number;
  /** NDJSON stream of `response` items (GET /api/events). */
  stream?: true;
  /** Largest request body when above the listener's default (VVM audio uploads). */
  bodyLimit?: number;
}

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
/** Query numbers arrive as strings; fastify's ajv coerces them with these schemas. */
const Int = (o: { minimum?: number; maximum?: number; description?: string } = {}) => Type.Integer(o);

export const ActivityListQuery = Type.Object({
  page: Type.Optional(Int({ minimum: 1 })),
  limit: Type.Optional(Int({ minimum: 1, maximum: 1000 })),
  offset: Type.Optional(Int({ minimum: 0 })),
  type: Type.Optional(Type.String({ description: `one of ${ACTIVITY_TYPES.join(', ')}, vvm_*` })),
  query: Type.Optional(Type.String()),
  imsi: Type.Optional(Type.String()),
  terminal_id: Type.Optional(Type.String()),
  from: Type.Optional(Int({ description: 'unix seconds, inclusive' })),
  to: Type.Optional(Int({ description: 'unix seconds, inclusive' })),
});
export type ActivityListQuery = Static<typeof ActivityListQuery>;

export const EventsQuery = Type.Object({
  imsi: Type.Optional(Type.String()),
  /** Comma-separated event kinds (`activity,session`) or activity request types. */
  type: Type.Optional(Type.String()),
  kinds: Type.Optional(Type.String({ description: 'comma-separated event kinds to receive' })),
  sample: Type.Optional(Int({
    minimum: 0,
    maximum: 1_000_000,
    description: 'most activity records a second sent to this reader, spread evenly; those left out are counted in `sampled` events (the log keeps them all). With it, session and token events are sent as each object\'s net change per batch: a later change replaces one not yet written, and a session created and deleted (a token issued and revoked or expired) within one batch is not sent. 0 or absent: every record and every change',
  })),
});
export type EventsQuery = Static<typeof EventsQuery>;

export const SessionDeleteResult = Type.Object({ status: OkStatus, session_id: Type.String() });
export type SessionDeleteResult = Static<typeof SessionDeleteResult>;
export const TokenRevokeResult = Type.Object({ status: OkStatus, token_id: Type.String() });
export type TokenRevokeResult = Static<typeof TokenRevokeResult>;

export const routes = {
  status: { method: 'GET', path: '/api/status', summary: 'daemon status', response: StatusResponse },
  config: { method: 'GET', path: '/api/config', summary: 'effective configuration, secrets redacted', response: ConfigView },

  listEntitlements: { method: 'GET', path: '/api/entitlements', summary: 'subscribers with custom entitlements', querystring: EntitlementListQuery, response: EntitlementList },
  entitlementDefaults: { method: 'GET', path: '/api/entitlements/defaults', summary: 'default entitlements from config', response: EntitlementDefaults },
  getEntitlement: { method: 'GET', path: '/api/entitlements/:imsi', summary: 'entitlements of one IMSI', params: ImsiParams, querystring: EntitlementGetQuery, response: EntitlementDetail },
  setEntitlement: { method: 'POST', path: '/api/entitlements/:imsi', summary: 'set one app\'s entitlement for an IMSI', params: ImsiParams, body: EntitlementSetBody, response: EntitlementSetResult },
  deleteEntitlement: { method: 'DELETE', path: '/api/entitlements/:imsi', summary: 'remove every override of an IMSI', params: ImsiParams, response: EntitlementDeleteResult },
  deleteEntitlementApp: { method: 'DELETE', path: '/api/entitlements/:imsi/:app_id', summary: 'remove one app\'s override', params: ImsiAppParams, response: EntitlementDeleteResult },

  listActivity: { method: 'GET', path: '/api/activity', summary: 'activity log, newest first', querystring: ActivityListQuery, response: ActivityList },
  getActivity: { method: 'GET', path: '/api/activity/:id', summary: 'one activity record (:id or a unique prefix of 4+ characters; several: 409 OMNISEP_ID_AMBIGUOUS with candidates)', params: IdParams, response: ActivityRecord },

  listSessions: { method: 'GET', path: '/api/sessions', summary: 'EAP sessions', response: SessionList },
  getSession: { method: 'GET', path: '/api/sessions/:id', summary: 'one EAP session (:id or a unique prefix of 4+ characters; several: 409 OMNISEP_ID_AMBIGUOUS with candidates)', params: IdParams, response: SessionView },
  deleteSession: { method: 'DELETE', path: '/api/sessions/:id', summary: 'drop an EAP session (the phone starts over) (:id or a unique prefix of 4+ characters; several: 409 OMNISEP_ID_AMBIGUOUS with candidates)', params: IdParams, response: SessionDeleteResult },

  listTokens: { method: 'GET', path: '/api/tokens', summary: 'issued tokens (never their values)', response: TokenList },
  getToken: { method: 'GET', path: '/api/tokens/:id', summary: 'one token (:id or a unique prefix of 4+ characters; several: 409 OMNISEP_ID_AMBIGUOUS with candidates)', params: IdParams, response: TokenView },
  revokeToken: { method: 'DELETE', path: '/api/tokens/:id', summary: 'revoke a token (:id or a unique prefix of 4+ characters; several: 409 OMNISEP_ID_AMBIGUOUS with candidates)', params: IdParams, response: TokenRevokeResult },

  listOdsa: { method: 'GET', path: '/api/odsa', summary: 'ODSA subscriptions and companion devices', querystring: OdsaListQuery, response: OdsaSubscriptionList },
  getOdsa: { method: 'GET', path: '/api/odsa/:id', summary: 'one ODSA subscription (:id or a unique prefix of 4+ characters; several: 409 OMNISEP_ID_AMBIGUOUS with candidates)', params: IdParams, response: OdsaSubscriptionView },
  pushStatus: { method: 'GET', path: '/api/push', summary: 'push notifications: registrations, backlog (never a push token)', response: PushStatus },
  removeOdsa: { method: 'DELETE', path: '/api/odsa/:id', summary: 'remove an ODSA subscription (its profile goes back to the operator) (:id or a unique prefix of 4+ characters; several: 409 OMNISEP_ID_AMBIGUOUS with candidates)', params: IdParams, response: OdsaRemoveResult },

  /** Served by the Diameter area's daemon/http/admin/diameter-routes.ts. */
  diameterPeers: { method: 'GET', path: '/api/diameter', summary: 'Diameter peers', response: DiameterStatus },
  diameterRoutes: { method: 'GET', path: '/api/diameter/routes', summary: 'Diameter realm routing table', response: DiameterRoutes },

  /** NDJSON: one DaemonEvent (src/contracts/events.ts) per line; the first is `hello`. */
  events: { method: 'GET', path: '/api/events', summary: 'live event stream (NDJSON)', querystring: EventsQuery, response: Type.Unknown(), stream: true },
} as const satisfies Record<string, RouteDef>;

export type Routes = typeof routes;
export type RouteName = keyof Routes;

/** Static types of a route's parts, for the client: `RouteBody<'setEntitlement'>`. */
type S<T> = T extends TSchema ? Static<T> : undefined;
export type RouteParams<N extends RouteName> = Routes[N] extends { params: infer P } ? S<P> : undefined;
export type RouteQuery<N extends RouteName> = Routes[N] extends { querystring: infer Q } ? S<Q> : undefined;
export type RouteBody<N extends RouteName> = Routes[N] extends { body: infer B } ? S<B> : undefined;
export type RouteResponse<N extends RouteName> = S<Routes[N]['response']>;

/** The fastify `schema` object of a route (error responses share ErrorBody). */
export function fastifySchema(def: RouteDef): Record<string, unknown> {
  return {
    summary: def.summary,
    ...(def.params ? { params: def.params } : {}),
    ...(def.querystring ? { querystring: def.querystring } : {}),
    ...(def.body ? { body: def.body } : {}),
    ...(def.stream ? {} : { response: { [def.status ?? 200]: def.response, '4xx': ErrorBody, '5xx': ErrorBody } }),
  };
}

export { ErrorBody };
/** Kept importable from here for the daemon's route modules; it lives in ./wire.ts (no TypeBox). */
export { routePath } from './wire.js';
