/**
 * EAP sessions (ADMIN-API.md § EAP sessions) through EapAuthService, which owns them: a delete drops a
 * live session at once (its phone's next POST gets 511) and emits the `deleted` event.
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
  const { eapAuth } = ctx.services;
  const sessionIds = [keysWithPrefix(openCollection(ctx.store, 'sessions'))];
  defineRoute(app, R.listSessions, async () => {
    const sessions = await eapAuth.list({ limit: 1000 });
    return { count: sessions.length, sessions };
  });
  defineRoute(app, R.getSession, async (req) => {
    const id = await resolveIdPrefix(req.params.id, 'session_id', sessionIds);
    const s = await eapAuth.get(id);
    if (!s) throw notFound('OMNISEP_SESSION_NOT_FOUND', `no EAP session ${id}`);
    return s;
  });
  defineRoute(app, R.deleteSession, async (req) => {
    const id = await resolveIdPrefix(req.params.id, 'session_id', sessionIds);
    const s = await eapAuth.delete(id);
    if (!s) throw notFound('OMNISEP_SESSION_NOT_FOUND', `no EAP session ${id}`);
    await auditAdmin(ctx, req, { imsi: s.imsi, status: 200, summary: { action: 'session_delete', session_id: id } });
    return { status: 'ok' as const, session_id: id };
  });
}
