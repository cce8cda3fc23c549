/**
 * Tokens (ADMIN-API.md § Tokens) through TokenService: never the value; revoke = remove the record (the
 * service emits the `revoked` event), so the next use re-authenticates.
 */
import type { FastifyInstance } from 'fastify';
import { routes as R } from '../../../src/contracts/routes.js';
import type { DaemonContext } from '../../context.js';
import { defineRoute, notFound } from './route-kit.js';
import { auditAdmin } from './entitlement-routes.js';
import { keysWithPrefix, resolveIdPrefix } from './id-prefix.js';
import { openCollection } from '../../../src/store/collections.js';

export default async function routes(app: FastifyInstance, opts: { ctx: DaemonContext }) {
  const { ctx } = opts;
  const { tokens, temporaryTokens } = ctx.services;
  // A prefix resolves over both kinds, by token_id (public, the key: never the token value), live ones only.
  const live = (t: { expires_at: number }) => t.expires_at > Math.floor(ctx.clock.now() / 1000);
  const tokenIds = [
    keysWithPrefix(openCollection<{ expires_at: number }>(ctx.store, 'tokens'), live),
    keysWithPrefix(openCollection<{ expires_at: number }>(ctx.store, 'temporary_tokens'), live),
  ];

  // Both kinds (docs/odsa.md § Tokens): re-authentication tokens, then ODSA temporary tokens.
  defineRoute(app, R.listTokens, async () => {
    const list = [...(await tokens.list({ limit: 1000 })).map((t) => ({ ...t, kind: 'reauth' as const })), ...(await temporaryTokens.list({ limit: 1000 }))];
    return { count: list.length, tokens: list };
  });
  defineRoute(app, R.getToken, async (req) => {
    const id = await resolveIdPrefix(req.params.id, 'token_id', tokenIds);
    const t = (await tokens.get(id)) ?? (await temporaryTokens.get(id));
    if (!t) throw notFound('OMNISEP_TOKEN_NOT_FOUND', `no live token ${id} (never issued, revoked or expired)`);
    return t;
  });
  defineRoute(app, R.revokeToken, async (req) => {
    const id = await resolveIdPrefix(req.params.id, 'token_id', tokenIds);
    const t = (await tokens.revoke(id)) ?? (await temporaryTokens.revoke(id));
    if (!t) throw notFound('OMNISEP_TOKEN_NOT_FOUND', `no token ${id}`);
    await auditAdmin(ctx, req, { imsi: t.imsi, status: 200, summary: { action: 'token_revoke', token_id: id } });
    return { status: 'ok' as const, token_id: id };
  });
}
