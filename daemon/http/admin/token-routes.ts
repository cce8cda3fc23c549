/** Tokens (ADMIN-API.md § Tokens): never the value; revoke = remove the record, so the next use re-authenticates. */
import type { FastifyInstance } from 'fastify';
import { routes as R } from '../../../src/contracts/routes.js';
import { tokenView, type TokenRecord } from '../../../src/services/tokens.js';
import { openCollection } from '../../../src/store/collections.js';
import type { DaemonContext } from '../../context.js';
import { defineRoute, notFound } from './route-kit.js';
import { auditAdmin } from './entitlement-routes.js';

export default async function routes(app: FastifyInstance, opts: { ctx: DaemonContext }) {
  const { ctx } = opts;
  const coll = () => openCollection<TokenRecord>(ctx.store, 'tokens');
  const live = (t: TokenRecord | undefined, nowS: number) => (t && t.expires_at > nowS ? t : undefined);

  defineRoute(app, R.listTokens, async () => {
    const now = ctx.clock.now();
    const nowS = Math.floor(now / 1000);
    const tokens = (await coll().scan({ limit: 1000 })).map(([, t]) => t).filter((t) => t.expires_at > nowS).sort((a, b) => b.created_at - a.created_at).map((t) => tokenView(t, now));
    return { count: tokens.length, tokens };
  });
  defineRoute(app, R.getToken, async (req) => {
    const { id } = req.params as { id: string };
    const now = ctx.clock.now();
    const t = live(await coll().get(id), Math.floor(now / 1000));
    if (!t) throw notFound('OMNISEP_TOKEN_NOT_FOUND', `no live token ${id} (never issued, revoked or expired)`);
    return tokenView(t, now);
  });
  defineRoute(app, R.revokeToken, async (req) => {
    const { id } = req.params as { id: string };
    const now = ctx.clock.now();
    const t = await coll().get(id);
    if (!t) throw notFound('OMNISEP_TOKEN_NOT_FOUND', `no token ${id}`);
    await coll().delete(id);
    ctx.events.emit({ kind: 'token', at: new Date(now).toISOString(), change: 'revoked', token: tokenView(t, now) });
    await auditAdmin(ctx, req, { imsi: t.imsi, status: 200, summary: { action: 'token_revoke', token_id: id } });
    return { status: 'ok' as const, token_id: id };
  });
}
