/**
 * Enterprises of server-initiated ODSA (ap2011, docs/odsa.md § ap2011; `omnisep enterprise add|ls|show|rm`,
 * /api/enterprises). Never a token or an activation code. Each change is an admin activity record.
 */
import type { FastifyInstance } from 'fastify';
import { enterpriseRoutes as R } from '../../../src/contracts/enterprise.js';
import type { DaemonContext } from '../../context.js';
import { defineRoute, notFound } from './route-kit.js';
import { auditAdmin } from './entitlement-routes.js';

export default async function routes(app: FastifyInstance, opts: { ctx: DaemonContext }) {
  const { ctx } = opts;
  const { enterprises } = ctx.services;

  defineRoute(app, R.listEnterprises, async () => {
    const list = await enterprises.list({ limit: 1000 });
    return { count: list.length, enterprises: list, operator: enterprises.operatorName };
  });
  defineRoute(app, R.getEnterprise, async (req) => {
    const e = await enterprises.get(req.params.id);
    if (!e) throw notFound('OMNISEP_ENTERPRISE_NOT_FOUND', `no enterprise ${req.params.id}`);
    return { enterprise: e, subscriptions: await enterprises.subscriptions(e.id) };
  });
  defineRoute(app, R.putEnterprise, async (req) => {
    const { enterprise, created } = await enterprises.put(req.params.id, req.body);
    await auditAdmin(ctx, req, { imsi: null, status: 200, summary: { action: created ? 'enterprise_add' : 'enterprise_update', id: enterprise.id, requestor_ids: enterprise.requestor_ids, plans: enterprise.plans.length } });
    return enterprise;
  });
  defineRoute(app, R.removeEnterprise, async (req) => {
    const out = await enterprises.remove(req.params.id);
    if (!out) throw notFound('OMNISEP_ENTERPRISE_NOT_FOUND', `no enterprise ${req.params.id}`);
    await auditAdmin(ctx, req, { imsi: null, status: 200, summary: { action: 'enterprise_remove', id: out.enterprise.id, subscriptions_removed: out.subscriptions_removed } });
    return { status: 'ok' as const, id: out.enterprise.id, subscriptions_removed: out.subscriptions_removed };
  });
}
