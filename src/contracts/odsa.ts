/**
 * The admin view of ODSA subscriptions (docs/odsa.md; `omnisep odsa ls|show|rm`, GET/DELETE /api/odsa).
 * Never an activation code or a token.
 */
import { Type, type Static } from '@sinclair/typebox';
import { OkStatus } from './common.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

/** What a subscription view says of its device and profile (ap2006/ap2009 and ap2011 alike). */
export const ODSA_DEVICE_FIELDS = {
  eid: Nullable(Type.String()),
  vendor: Nullable(Type.String()),
  model: Nullable(Type.String()),
  friendly_name: Nullable(Type.String()),
  iccid: Nullable(Type.String()),
  smdp_address: Nullable(Type.String()),
};

export const OdsaSubscriptionView = Type.Object({
  id: Type.String({ description: 'IMSI.app.device_id' }),
  imsi: Type.String(),
  app: Type.String({ description: 'ap2006 companion or ap2009 primary' }),
  device_id: Type.String({ description: 'companion_terminal_id, or the primary device (target_terminal_id / terminal_id)' }),
  state: Type.Union([Type.Literal('none'), Type.Literal('pending'), Type.Literal('ready'), Type.Literal('active'), Type.Literal('deactivated')]),
  service_status: Type.Integer({ description: 'TS.43 ServiceStatus: 1 activated, 2 activating, 3 deactivated, 4 deactivated no reuse' }),
  companion_service: Nullable(Type.String()),
  ...ODSA_DEVICE_FIELDS,
  transferred_from: Nullable(Type.String({ description: 'the old device of an eSIM transfer' })),
  created_at: Type.String(),
  updated_at: Type.String(),
});
export type OdsaSubscriptionView = Static<typeof OdsaSubscriptionView>;

export const OdsaSubscriptionList = Type.Object({ count: Type.Integer(), subscriptions: Type.Array(OdsaSubscriptionView), operator: Type.String({ description: 'lab or http' }) });
export type OdsaSubscriptionList = Static<typeof OdsaSubscriptionList>;
export const OdsaListQuery = Type.Object({ imsi: Type.Optional(Type.String({ pattern: '^[0-9]{5,15}$' })) });
export const OdsaRemoveResult = Type.Object({ status: OkStatus, id: Type.String() });
export type OdsaRemoveResult = Static<typeof OdsaRemoveResult>;
