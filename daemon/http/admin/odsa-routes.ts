/**
 * ODSA subscriptions and companion devices (docs/odsa.md; `omnisep odsa ls|show|rm`). Never an activation
 * code or a token. `ls` lists one IMSI's by index, or the first page of all in key order.
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
  const { odsa } = ctx.services;
  // An id by unique prefix (docs/cli.md § IDs): `001010000000001.ap2006` when the IMSI has one companion device.
  const subscriptionIds = [keysWithPrefix(openCollection(ctx.store, 'odsa_subscriptions'))];

  defineRoute(app, R.listOdsa, async (req) => {
    const { imsi } = req.query;
    const subscriptions = imsi ? await odsa.listByImsi(imsi) : await odsa.list({ limit: 1000 });
    return { count: subscriptions.length, subscriptions, operator: odsa.operatorName };
  });
  defineRoute(app, R.getOdsa, async (req) => {
    const id = await resolveIdPrefix(req.params.id, 'subscription id', subscriptionIds);
    const s = await odsa.get(id);
    if (!s) throw notFound('OMNISEP_ODSA_NOT_FOUND', `no ODSA subscription ${id}`);
    return s;
  });
  defineRoute(app, R.removeOdsa, async (req) => {
    const id = await resolveIdPrefix(req.params.id, 'subscription id', subscriptionIds);
    const s = await odsa.remove(id);
    if (!s) throw notFound('OMNISEP_ODSA_NOT_FOUND', `no ODSA subscription ${id}`);
    await auditAdmin(ctx, req, { imsi: s.imsi, status: 200, summary: { action: 'odsa_remove', id: s.id, app: s.app } });
    return { status: 'ok' as const, id: s.id };
  });
}
