import { Type, type Static } from '@sinclair/typebox';

/** EAP session states (ADMIN-API.md § EAP sessions). */
export const SESSION_STATES = ['pending', 'challenge_sent', 'authenticated', 'failed', 'completed'] as const;
export const SessionState = Type.Union(SESSION_STATES.map((s) => Type.Literal(s)));
export type SessionState = Static<typeof SessionState>;

/** The public view of an EAP session: no keys, no RES, no cookie value. */
export const SessionView = Type.Object({
  session_id: Type.String(),
  imsi: Type.Union([Type.String(), Type.Null()]),
  state: SessionState,
  created_at: Type.Integer({ description: 'ms since epoch' }),
  eap_id: Type.Integer(),
  aaa_session_id: Type.Union([Type.String(), Type.Null()]),
  completed_at: Type.Union([Type.Integer(), Type.Null()]),
  backend: Type.Optional(Type.String()),
  terminal_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  app_ids: Type.Optional(Type.Array(Type.String())),
  failure_reason: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});
export type SessionView = Static<typeof SessionView>;

export const SessionList = Type.Object({ count: Type.Integer(), sessions: Type.Array(SessionView) });
export type SessionList = Static<typeof SessionList>;
