import { Type, type Static } from '@sinclair/typebox';

/** The public view of a token: never the token value itself (ADMIN-API.md § Tokens). */
export const TokenView = Type.Object({
  token_id: Type.String(),
  imsi: Type.String(),
  created_at: Type.Integer({ description: 'unix seconds' }),
  expires_at: Type.Integer({ description: 'unix seconds' }),
  expires_in_seconds: Type.Integer(),
  validity: Type.Integer(),
  terminal_id: Type.Union([Type.String(), Type.Null()]),
  app_name: Type.Union([Type.String(), Type.Null()]),
  auth_method: Type.String(),
  /** reauth: TS.43 fast re-authentication token (§2.8.5); temporary: ODSA temporary token (§2.8.6). Absent = reauth. */
  kind: Type.Optional(Type.Union([Type.Literal('reauth'), Type.Literal('temporary')])),
  /** Temporary tokens: the operations they open (AcquireTemporaryToken operation_targets). */
  operation_targets: Type.Optional(Type.Array(Type.String())),
});
export type TokenView = Static<typeof TokenView>;

export const TokenList = Type.Object({ count: Type.Integer(), tokens: Type.Array(TokenView) });
export type TokenList = Static<typeof TokenList>;
