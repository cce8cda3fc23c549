import { Type, type Static } from '@sinclair/typebox';
import { Imsi } from './common.js';
import type { AnyAppEntitlementData } from './entitlement-apps.js';

/**
 * Entitlement contracts of the admin/control API (docs/admin-api.md § Entitlements).
 * The per-app fields are TypeBox schemas in ./entitlement-apps.ts, which type
 * `EntitlementData` and validate the set body (in the route and in the CLI).
 */

/** App ID as it appears on the wire: `ap2003` … `ap2016` (TS43.md § App IDs). */
export const AppId = Type.String({ pattern: '^ap20[0-9]{2}$', description: 'TS.43 app id, e.g. ap2004' });

/**
 * One app's validated entitlement fields, snake_case (`entitlement_status`, `addr_status`, ...):
 * statically the union of the per-app schemas; on the wire an object (the app id next to it says which).
 */
export const EntitlementData = Type.Unsafe<AnyAppEntitlementData>({
  type: 'object',
  additionalProperties: true,
  description: 'snake_case TS.43 parameters of one app (schemas in src/contracts/entitlement-apps.ts), e.g. {"entitlement_status": 1, "addr_status": 2}',
});
export type EntitlementData = Static<typeof EntitlementData>;

/** A set body's fields as sent, before validation (digit strings, "+" on an MSISDN, any case on enumerations). */
export const EntitlementInput = Type.Record(Type.String(), Type.Unknown(), {
  description: 'snake_case TS.43 parameters of the app named by app_id; checked against its schema (src/contracts/entitlement-apps.ts)',
});
export type EntitlementInput = Static<typeof EntitlementInput>;

/** What the `entitlements` collection holds per IMSI (key = IMSI). */
export const EntitlementRecord = Type.Object({
  imsi: Imsi,
  apps: Type.Record(Type.String(), EntitlementData),
  updated_at: Type.String({ description: 'ISO 8601 UTC' }),
});
export type EntitlementRecord = Static<typeof EntitlementRecord>;

/** `GET /api/entitlements?query=` — subscribers with custom entitlements. */
export const EntitlementListQuery = Type.Object({
  query: Type.Optional(Type.String({ description: 'IMSI substring' })),
});
export type EntitlementListQuery = Static<typeof EntitlementListQuery>;

export const EntitlementSummary = Type.Object({
  imsi: Type.String(),
  app_ids: Type.Array(Type.String()),
  services: Type.Array(Type.String()),
  updated_at: Type.Optional(Type.String()),
});
export type EntitlementSummary = Static<typeof EntitlementSummary>;

export const EntitlementList = Type.Object({
  count: Type.Integer(),
  entitlements: Type.Array(EntitlementSummary),
});
export type EntitlementList = Static<typeof EntitlementList>;

export const ImsiParams = Type.Object({ imsi: Imsi });
export type ImsiParams = Static<typeof ImsiParams>;
/** Requests take any short string as app id so the catalog can answer "unsupported app …; expected one of …". */
const AppIdInput = Type.String({ minLength: 1, maxLength: 32, description: 'TS.43 app id, e.g. ap2004' });
export const ImsiAppParams = Type.Object({ imsi: Imsi, app_id: AppIdInput });
export type ImsiAppParams = Static<typeof ImsiAppParams>;

/** `GET /api/entitlements/:imsi?effective=1` */
export const EntitlementGetQuery = Type.Object({
  effective: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('0'), Type.Literal('true'), Type.Literal('false')])),
});
export type EntitlementGetQuery = Static<typeof EntitlementGetQuery>;

export const AppEntitlement = Type.Object({
  service_name: Type.String(),
  data: EntitlementData,
  /** `custom` when the IMSI has an override for this app, `default` when it comes from config. */
  source: Type.Optional(Type.Union([Type.Literal('custom'), Type.Literal('default')])),
});
export type AppEntitlement = Static<typeof AppEntitlement>;

export const EntitlementDetail = Type.Object({
  imsi: Type.String(),
  entitlements: Type.Record(Type.String(), AppEntitlement),
  updated_at: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});
export type EntitlementDetail = Static<typeof EntitlementDetail>;

/** `POST /api/entitlements/:imsi` body. */
export const EntitlementSetBody = Type.Object({
  app_id: AppIdInput,
  entitlement: EntitlementInput,
});
export type EntitlementSetBody = Static<typeof EntitlementSetBody>;

export const EntitlementSetResult = Type.Object({
  status: Type.Literal('ok'),
  imsi: Type.String(),
  app_id: Type.String(),
  /** The stored (validated, normalised) data of that app. */
  entitlement: EntitlementData,
});
export type EntitlementSetResult = Static<typeof EntitlementSetResult>;

export const EntitlementDeleteResult = Type.Object({
  status: Type.Literal('ok'),
  imsi: Type.String(),
  app_id: Type.Optional(Type.String()),
});
export type EntitlementDeleteResult = Static<typeof EntitlementDeleteResult>;

/** `GET /api/entitlements/defaults` — config `default_entitlements`, per app. */
export const EntitlementDefaults = Type.Object({
  defaults: Type.Record(Type.String(), AppEntitlement),
});
export type EntitlementDefaults = Static<typeof EntitlementDefaults>;
