/** Push on change (docs/odsa.md § Push; `omnisep push ls`): the backlog and counts, never a device's push token. */
import type { FastifyInstance } from 'fastify';
import { routes as R } from '../../../src/contracts/routes.js';
import type { DaemonContext } from '../../context.js';
import { defineRoute } from './route-kit.js';

export default async function routes(app: FastifyInstance, opts: { ctx: DaemonContext }) {
  const { ctx } = opts;
  defineRoute(app, R.pushStatus, async () => {
    const l = await ctx.services.push.list(1000);
    return { mode: ctx.config.push.mode, registrations: l.registrations, ...(l.registrationsEstimated ? { registrations_estimated: true } : {}), pending: l.pending, failed: l.failed, sent_total: ctx.pushWorker?.sentTotal ?? 0, backlog: l.backlog };
  });
}
