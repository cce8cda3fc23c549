/**
 * The admin/control contract of the XCAP area (XCAP.md § JSON view,
 * ADMIN-API.md § XCAP): the simplified JSON view of a simservs document,
 * the POST body that merges into it, and the route table used by both the
 * fastify routes and `omnisep xcap get|set|rm`.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ErrorBody } from './common.js';
import type { RouteDef } from './routes.js';

export const CF_CONDITIONS = ['unconditional', 'busy', 'no-answer', 'not-reachable', 'not-registered', 'not-logged-in'] as const;
export const BARRING_CONDITIONS = ['all', 'international', 'international-exHC', 'roaming', 'anonymous', 'communication-diverted'] as const;
export const OIR_BEHAVIOURS = ['presentation-restricted', 'presentation-not-restricted'] as const;

const Condition = Type.Union([Type.String(), Type.Array(Type.String())], {
  description: 'one condition name, or several (all must hold); "unconditional" (CF) / "all" (barring) = no condition',
});

export const ForwardingRule = Type.Object({
  enabled: Type.Boolean({ description: 'false = the rule carries <rule-deactivated/> (TS 24.604)' }),
  target: Type.String({ description: 'tel: (E.164) or sip: URI' }),
  condition: Condition,
  notify_caller: Type.Optional(Type.Boolean()),
});
export type ForwardingRule = Static<typeof ForwardingRule>;

export const BarringRule = Type.Object({
  enabled: Type.Boolean(),
  condition: Condition,
  allow: Type.Boolean({ description: 'false = bar the matching communications' }),
});
export type BarringRule = Static<typeof BarringRule>;

/** GET /api/xcap/:msisdn — the document as JSON (plus who and which version). */
export const XcapView = Type.Object({
  msisdn: Type.String(),
  imsi: Type.Union([Type.String(), Type.Null()]),
  etag: Type.String({ description: 'quoted, as in the XCAP ETag header' }),
  is_default: Type.Boolean({ description: 'true when no document is stored and the default is served' }),
  digest_password_set: Type.Boolean(),
  updated_at: Type.Union([Type.String(), Type.Null()]),
  oip: Type.Object({ active: Type.Boolean() }),
  oir: Type.Object({ active: Type.Boolean(), default_behaviour: Type.Union([Type.String(), Type.Null()]) }),
  no_reply_timer: Type.Union([Type.Integer(), Type.Null()]),
  call_forwarding_active: Type.Boolean(),
  call_forwarding: Type.Record(Type.String(), ForwardingRule),
  call_barring_incoming_active: Type.Boolean(),
  call_barring_incoming: Type.Record(Type.String(), BarringRule),
  call_barring_outgoing_active: Type.Boolean(),
  call_barring_outgoing: Type.Record(Type.String(), BarringRule),
});
export type XcapView = Static<typeof XcapView>;

const Nullable = <T extends ReturnType<typeof Type.Object>>(t: T) => Type.Union([t, Type.Null()]);

/**
 * POST /api/xcap/:msisdn — merge: only the keys given change. A rule set to
 * null is removed; a partial rule object changes only its given fields (a new
 * forwarding rule needs a target; its condition defaults from the
 * conventional id: cfu, cfb, cfna, cfnrc, cfnl). `password` sets the HTTP
 * Digest password (stored as HA1 only, never returned); null removes it.
 */
export const XcapPatch = Type.Object(
  {
    imsi: Type.Optional(Type.String({ pattern: '^[0-9]{15}$' })),
    password: Type.Optional(Type.Union([Type.String({ minLength: 8, maxLength: 128 }), Type.Null()])),
    oip: Type.Optional(Type.Object({ active: Type.Boolean() }, { additionalProperties: false })),
    oir: Type.Optional(Type.Object({
      active: Type.Optional(Type.Boolean()),
      default_behaviour: Type.Optional(Type.Union(OIR_BEHAVIOURS.map((b) => Type.Literal(b)))),
    }, { additionalProperties: false })),
    no_reply_timer: Type.Optional(Type.Integer()),
    call_forwarding_active: Type.Optional(Type.Boolean()),
    call_forwarding: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_.-]*$' }), Nullable(Type.Partial(ForwardingRule, { additionalProperties: false })))),
    call_barring_incoming_active: Type.Optional(Type.Boolean()),
    call_barring_incoming: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_.-]*$' }), Nullable(Type.Partial(BarringRule, { additionalProperties: false })))),
    call_barring_outgoing_active: Type.Optional(Type.Boolean()),
    call_barring_outgoing: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_.-]*$' }), Nullable(Type.Partial(BarringRule, { additionalProperties: false })))),
  },
  { additionalProperties: false },
);
export type XcapPatch = Static<typeof XcapPatch>;

export const XcapListItem = Type.Object({
  msisdn: Type.String(),
  imsi: Type.Union([Type.String(), Type.Null()]),
  etag: Type.String(),
  updated_at: Type.String(),
  services: Type.Array(Type.String({ description: 'short names of what is configured: cfu, cfb, oir, icb, ...' })),
});
export const XcapList = Type.Object({ count: Type.Integer(), profiles: Type.Array(XcapListItem) });
export type XcapList = Static<typeof XcapList>;

export const XcapDeleted = Type.Object({ deleted: Type.Boolean(), msisdn: Type.String() });

export const MsisdnParam = Type.Object({ msisdn: Type.String({ pattern: '^\\+?[0-9]{5,15}$' }) });

/** Route table (shared by daemon/http/admin/xcap-routes.ts and commands/xcap/*). */
export const xcapRoutes = {
  listXcap: {
    method: 'GET', path: '/api/xcap', summary: 'XCAP profiles whose MSISDN contains the query',
    querystring: Type.Object({ query: Type.Optional(Type.String({ maxLength: 32 })) }),
    response: XcapList,
  },
  getXcap: { method: 'GET', path: '/api/xcap/:msisdn', summary: 'a subscriber\'s simservs document as JSON', params: MsisdnParam, response: XcapView },
  setXcap: { method: 'POST', path: '/api/xcap/:msisdn', summary: 'merge into a subscriber\'s simservs document (bumps the ETag)', params: MsisdnParam, body: XcapPatch, response: XcapView },
  removeXcap: { method: 'DELETE', path: '/api/xcap/:msisdn', summary: 'remove a subscriber\'s XCAP profile', params: MsisdnParam, response: XcapDeleted },
} as const satisfies Record<string, RouteDef>;

export { ErrorBody };
