/** Push on change (docs/odsa.md § Push; `omnisep push ls`, GET /api/push). Never a device's push token. */
import { Type, type Static } from '@sinclair/typebox';

export const PUSH_REASONS = ['entitlement', 'odsa', 'vowifi_address'] as const;
export type PushReason = (typeof PUSH_REASONS)[number];

export const PushBacklogView = Type.Object({
  key: Type.String({ description: 'IMSI.<digest of terminal_id and app_name>: one per device and client' }),
  imsi: Type.String(),
  reasons: Type.Array(Type.Union(PUSH_REASONS.map((r) => Type.Literal(r)))),
  apps: Type.Array(Type.String()),
  state: Type.Union([Type.Literal('pending'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  next_at: Type.String(),
  last_error: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
  updated_at: Type.String(),
});
export type PushBacklogView = Static<typeof PushBacklogView>;

export const PushStatus = Type.Object({
  mode: Type.String({ description: 'off, fcm or local (push.mode)' }),
  registrations: Type.Integer({ description: 'devices that registered a notif_token' }),
  registrations_estimated: Type.Optional(Type.Boolean({ description: 'registrations is the database\'s estimate (PostgreSQL past 100,000 rows: docs/storage.md § Counts); absent when exact' })),
  pending: Type.Integer(),
  failed: Type.Integer(),
  sent_total: Type.Integer({ description: 'notifications delivered since this daemon started' }),
  backlog: Type.Array(PushBacklogView),
});
export type PushStatus = Static<typeof PushStatus>;
