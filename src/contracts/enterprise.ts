/**
 * Server-initiated ODSA (ap2011, TS.43 v12.0 §10, §2.8.3; docs/odsa.md § ap2011): the request parameters an
 * app server (an MDM) sends, and the admin view of enterprises and their subscriptions (`omnisep enterprise
 * add|ls|show|rm`, /api/enterprises). Never a token or an activation code.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Errors } from '@sinclair/typebox/errors';
import { OkStatus } from './common.js';
import type { RouteDef } from './routes.js';
import { TEXT_PATTERN } from './entitlement-apps.js';
import { ODSA_DEVICE_FIELDS } from './odsa.js';

const ICCID = '^[0-9]{18,20}[Ff]?$';
const EID = '^[0-9]{32}$';
/** An enterprise id, a requestor (OAuth client) id, a terminal id: no spaces, 1–64 (requestor 128) characters. */
const ID = '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$';
const REQUESTOR = '^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$';
const param = (pattern: string, description: string, maxLength = 64) => Type.String({ pattern, maxLength, description });
const text = (description: string, maxLength = 64) => Type.String({ maxLength, minLength: 1, pattern: TEXT_PATTERN, description });

/** Operations ap2011 serves; any other `operation` is OperationResult 101. */
export const ENTERPRISE_OPERATIONS = ['CheckEligibility', 'AcquirePlan', 'ManageSubscription', 'AcquireConfiguration'] as const;
export type EnterpriseOperation = (typeof ENTERPRISE_OPERATIONS)[number];

/** ap2011 request parameters (TS.43 §6.2 `enterprise_*`, `plan_id`, `requestor_id`; the access token is checked apart). */
export const OdsaEnterpriseParams = Type.Partial(
  Type.Object({
    operation_type: param('^[0-9]{1,2}$', 'ManageSubscription: 0 subscribe, 1 unsubscribe', 2),
    requestor_id: param(REQUESTOR, 'the app server (the OAuth client id of its access token)', 128),
    enterprise_id: param(ID, 'the enterprise the app server acts for (CheckEligibility, or any request with access_token)'),
    enterprise_terminal_id: param(ID, 'the enterprise device: IMEI or UUID'),
    enterprise_terminal_eid: param(EID, 'the EID of the enterprise device', 32),
    enterprise_terminal_iccid: param(ICCID, 'the ICCID the device holds (reports the profile installed)', 21),
    enterprise_terminal_vendor: text('device vendor'),
    enterprise_terminal_model: text('device model'),
    enterprise_terminal_sw_version: text('device software version'),
    enterprise_terminal_friendly_name: text('the name the enterprise gave the device'),
    plan_id: text('ManageSubscription subscribe: the plan chosen from AcquirePlan'),
  }),
  { description: 'ap2011 server-initiated ODSA request parameters (TS.43 §6.2, §10)' },
);
export type OdsaEnterpriseParams = Static<typeof OdsaEnterpriseParams>;
export const ENTERPRISE_PARAM_NAMES: readonly string[] = Object.keys(OdsaEnterpriseParams.properties);

/** Parameter names that are malformed (one per name). `params`: names lower-cased, only ap2011's are looked at. */
export function malformedEnterpriseParams(params: Readonly<Record<string, string>>): string[] {
  const known: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (ENTERPRISE_PARAM_NAMES.includes(k)) known[k] = v;
  const bad: string[] = [];
  for (const e of Errors(OdsaEnterpriseParams, [], known)) {
    const name = e.path.slice(1);
    if (name && !bad.includes(name)) bad.push(name);
  }
  return bad;
}

// ---------------------------------------------------------------------------
// Admin: enterprises (provisioning) and their subscriptions

export const EnterprisePlan = Type.Object(
  {
    plan_id: Type.String({ minLength: 1, maxLength: 64, pattern: TEXT_PATTERN, description: 'PlanId' }),
    plan_name: Type.String({ maxLength: 128, pattern: TEXT_PATTERN, description: 'PlanName' }),
    plan_description: Type.String({ maxLength: 512, pattern: TEXT_PATTERN, description: 'PlanDescription' }),
  },
  { additionalProperties: false },
);
export type EnterprisePlan = Static<typeof EnterprisePlan>;

const Eligibility = Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)], { description: 'EnterpriseAppEligibility with the lab operator: 0 disabled, 1 enabled, 2 incompatible' });

export const EnterpriseIdParams = Type.Object({ id: Type.String({ pattern: ID, maxLength: 64, description: 'the enterprise_id' }) });

export const EnterpriseBody = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 128, pattern: TEXT_PATTERN, description: 'a name for people; not sent to devices' })),
    requestor_ids: Type.Array(Type.String({ pattern: REQUESTOR, maxLength: 128 }), { minItems: 1, maxItems: 64, uniqueItems: true, description: 'app servers (OAuth client ids) allowed to act for the enterprise' }),
    plans: Type.Optional(Type.Array(EnterprisePlan, { maxItems: 64, description: 'AcquirePlan offers (lab operator)' })),
    eligibility: Type.Optional(Eligibility),
  },
  { additionalProperties: false },
);
export type EnterpriseBody = Static<typeof EnterpriseBody>;

export const EnterpriseView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  requestor_ids: Type.Array(Type.String()),
  plans: Type.Array(EnterprisePlan),
  eligibility: Eligibility,
  created_at: Type.String(),
  updated_at: Type.String(),
});
export type EnterpriseView = Static<typeof EnterpriseView>;

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
export const EnterpriseSubscriptionView = Type.Object({
  id: Type.String({ description: 'enterprise_id.enterprise_terminal_id' }),
  enterprise_id: Type.String(),
  terminal_id: Type.String({ description: 'enterprise_terminal_id' }),
  requestor_id: Type.String({ description: 'the app server that subscribed it' }),
  state: Type.Union([Type.Literal('pending'), Type.Literal('ready'), Type.Literal('active'), Type.Literal('deactivated')]),
  service_status: Type.Integer({ description: 'TS.43 ServiceStatus: 1 activated, 2 activating, 3 deactivated' }),
  plan_id: Nullable(Type.String()),
  ...ODSA_DEVICE_FIELDS,
  created_at: Type.String(),
  updated_at: Type.String(),
});
export type EnterpriseSubscriptionView = Static<typeof EnterpriseSubscriptionView>;

export const EnterpriseList = Type.Object({ count: Type.Integer(), enterprises: Type.Array(EnterpriseView), operator: Type.String({ description: 'lab or http: who answers eligibility and plans' }) });
export type EnterpriseList = Static<typeof EnterpriseList>;
export const EnterpriseDetail = Type.Object({ enterprise: EnterpriseView, subscriptions: Type.Array(EnterpriseSubscriptionView, { description: 'the first 1000, by index' }) });
export type EnterpriseDetail = Static<typeof EnterpriseDetail>;
export const EnterpriseRemoveResult = Type.Object({ status: OkStatus, id: Type.String(), subscriptions_removed: Type.Integer({ description: 'their profiles went back to the operator' }) });
export type EnterpriseRemoveResult = Static<typeof EnterpriseRemoveResult>;

/** The enterprise routes (served by daemon/http/admin/enterprise-routes.ts, called by commands/enterprise/). */
export const enterpriseRoutes = {
  listEnterprises: { method: 'GET', path: '/api/enterprises', summary: 'enterprises of server-initiated ODSA (ap2011): allowed app servers, plans, eligibility', response: EnterpriseList },
  getEnterprise: { method: 'GET', path: '/api/enterprises/:id', summary: 'one enterprise and its devices\' subscriptions (never an activation code)', params: EnterpriseIdParams, response: EnterpriseDetail },
  putEnterprise: { method: 'PUT', path: '/api/enterprises/:id', summary: 'create or replace an enterprise (its subscriptions stay)', params: EnterpriseIdParams, body: EnterpriseBody, response: EnterpriseView },
  removeEnterprise: { method: 'DELETE', path: '/api/enterprises/:id', summary: 'remove an enterprise and its subscriptions (their profiles go back to the operator; its app servers\' TOKENs stop working)', params: EnterpriseIdParams, response: EnterpriseRemoveResult },
} as const satisfies Record<string, RouteDef>;
