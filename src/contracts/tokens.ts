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
});
export type TokenView = Static<typeof TokenView>;

export const TokenList = Type.Object({ count: Type.Integer(), tokens: Type.Array(TokenView) });
export type TokenList = Static<typeof TokenList>;
