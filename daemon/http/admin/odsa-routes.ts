/**
 * ODSA subscriptions and companion devices (docs/odsa.md; `omnisep odsa ls|show|rm`). Never an activation
 * code or a token. `ls` lists one IMSI's by index, or the first page of all in key order.
 */
import type { FastifyInstance } from 'fastify';
import { routes as R } from '../../../src/contracts/routes.js';
import type { DaemonContext } from '../../context.js';
import { defineRoute, notFound } from './route-kit.js';
import { auditAdmin } from './entitlement-routes.js';

export default async function routes(app: FastifyInstance, opts: { ctx: DaemonContext }) {
  const { ctx } = opts;
  const { odsa } = ctx.services;

  defineRoute(app, R.listOdsa, async (req) => {
    const { imsi } = req.query;
    const subscriptions = imsi ? await odsa.listByImsi(imsi) : await odsa.list({ limit: 1000 });
    return { count: subscriptions.length, subscriptions, operator: odsa.operatorName };
  });
  defineRoute(app, R.getOdsa, async (req) => {
    const s = await odsa.get(req.params.id);
    if (!s) throw notFound('OMNISEP_ODSA_NOT_FOUND', `no ODSA subscription ${req.params.id}`);
    return s;
  });
  defineRoute(app, R.removeOdsa, async (req) => {
    const s = await odsa.remove(req.params.id);
    if (!s) throw notFound('OMNISEP_ODSA_NOT_FOUND', `no ODSA subscription ${req.params.id}`);
    await auditAdmin(ctx, req, { imsi: s.imsi, status: 200, summary: { action: 'odsa_remove', id: s.id, app: s.app } });
    return { status: 'ok' as const, id: s.id };
  });
}
