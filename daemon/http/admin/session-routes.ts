/** EAP sessions (ADMIN-API.md § EAP sessions) over the `sessions` collection the TS.43 area fills. */
import type { FastifyInstance } from 'fastify';
import { routes as R } from '../../../src/contracts/routes.js';
import type { SessionView } from '../../../src/contracts/sessions.js';
import { openCollection } from '../../../src/store/collections.js';
import type { DaemonContext } from '../../context.js';
import { defineRoute, notFound } from './route-kit.js';
import { auditAdmin } from './entitlement-routes.js';

export default async function routes(app: FastifyInstance, opts: { ctx: DaemonContext }) {
  const { ctx } = opts;
  const coll = () => openCollection<SessionView>(ctx.store, 'sessions');
  defineRoute(app, R.listSessions, async () => {
    const sessions = (await coll().scan({ limit: 1000 })).map(([, v]) => v).sort((a, b) => b.created_at - a.created_at);
    return { count: sessions.length, sessions };
  });
  defineRoute(app, R.getSession, async (req) => {
    const { id } = req.params as { id: string };
    const s = await coll().get(id);
    if (!s) throw notFound('OMNISEP_SESSION_NOT_FOUND', `no EAP session ${id}`);
    return s;
  });
  defineRoute(app, R.deleteSession, async (req) => {
    const { id } = req.params as { id: string };
    const s = await coll().get(id);
    if (!s) throw notFound('OMNISEP_SESSION_NOT_FOUND', `no EAP session ${id}`);
    await coll().delete(id);
    ctx.events.emit({ kind: 'session', at: new Date(ctx.clock.now()).toISOString(), change: 'deleted', session: s });
    await auditAdmin(ctx, req, { imsi: s.imsi, status: 200, summary: { action: 'session_delete', session_id: id } });
    return { status: 'ok' as const, session_id: id };
  });
}
