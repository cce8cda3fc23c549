/**
 * The subscriber store of the `local` back-end and the built-in AAA/HSS
 * (ADMIN-API.md § VVM, subscribers; EAP-AKA.md § back-ends). Keys (Ki, OPc,
 * OP) are write-only: they appear in request bodies and in no response
 * schema, so fastify's serializer cannot emit them even by mistake.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Imsi, OkStatus } from './common.js';
import type { RouteDef } from './routes.js';

const Hex128 = Type.String({ pattern: '^[0-9a-fA-F]{32}$', description: '128-bit key, 32 hex digits' });

/** What the API shows of a subscriber: never Ki, OPc or OP. */
export const SubscriberView = Type.Object({
  imsi: Type.String(),
  msisdn: Type.Union([Type.String(), Type.Null()]),
  amf: Type.String({ description: '4 hex digits' }),
  sqn: Type.Integer({ description: 'SQN_HE: the SQN of the last vector issued (48 bits, SEQ‖IND)' }),
  opc_source: Type.Union([Type.Literal('opc'), Type.Literal('op')], { description: 'whether OPc was given or computed from OP' }),
  created_at: Type.Integer({ description: 'ms since epoch' }),
  updated_at: Type.Integer({ description: 'ms since epoch' }),
});
export type SubscriberView = Static<typeof SubscriberView>;

export const SubscriberList = Type.Object({ count: Type.Integer(), subscribers: Type.Array(SubscriberView) });
export type SubscriberList = Static<typeof SubscriberList>;

export const SubscriberAddBody = Type.Object(
  {
    imsi: Imsi,
    ki: Hex128,
    opc: Type.Optional(Hex128),
    op: Type.Optional(Hex128),
    amf: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{4}$', description: 'default 8000' })),
    sqn: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 48 - 1, description: 'SQN_HE to start from (default 0)' })),
    msisdn: Type.Optional(Type.String({ pattern: '^\\+?[0-9]{3,15}$' })),
    replace: Type.Optional(Type.Boolean({ description: 'overwrite an existing subscriber (default: 409)' })),
  },
  { additionalProperties: false },
);
export type SubscriberAddBody = Static<typeof SubscriberAddBody>;

export const SubscriberImportBody = Type.Object(
  {
    csv: Type.String({ description: 'header line imsi,msisdn,ki,opc[,op][,amf][,sqn]; # comments allowed' }),
    replace: Type.Optional(Type.Boolean({ description: 'overwrite existing subscribers (default: keep them)' })),
  },
  { additionalProperties: false },
);
export type SubscriberImportBody = Static<typeof SubscriberImportBody>;

export const SubscriberImportResult = Type.Object({
  status: OkStatus,
  added: Type.Integer(),
  replaced: Type.Integer(),
  skipped: Type.Integer(),
  errors: Type.Array(Type.Object({ line: Type.Integer(), error: Type.String() })),
});
export type SubscriberImportResult = Static<typeof SubscriberImportResult>;

export const SubscriberDeleteResult = Type.Object({ status: OkStatus, imsi: Type.String() });
export type SubscriberDeleteResult = Static<typeof SubscriberDeleteResult>;

const ImsiParams = Type.Object({ imsi: Imsi });

/** The subscriber routes (served by daemon/http/admin/subscriber-routes.ts, called by commands/subscriber/). */
export const subscriberRoutes = {
  listSubscribers: { method: 'GET', path: '/api/subscribers', summary: 'subscribers of the local store (never their keys)', response: SubscriberList },
  getSubscriber: { method: 'GET', path: '/api/subscribers/:imsi', summary: 'one subscriber (never its keys)', params: ImsiParams, response: SubscriberView },
  addSubscriber: { method: 'POST', path: '/api/subscribers', summary: 'add a subscriber (Ki, OPc/OP are write-only)', body: SubscriberAddBody, response: SubscriberView, status: 201 },
  deleteSubscriber: { method: 'DELETE', path: '/api/subscribers/:imsi', summary: 'remove a subscriber and its keys', params: ImsiParams, response: SubscriberDeleteResult },
  importSubscribers: { method: 'POST', path: '/api/subscribers/import', summary: 'import subscribers from CSV (JSON {csv} or a text/csv body)', body: SubscriberImportBody, response: SubscriberImportResult },
} as const satisfies Record<string, RouteDef>;
