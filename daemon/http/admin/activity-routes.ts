/** The activity log (ADMIN-API.md § Activity log): paging and filters, newest first. */
import type { FastifyInstance } from 'fastify';
import { routes as R } from '../../../src/contracts/routes.js';
import type { DaemonContext } from '../../context.js';
import { defineRoute, notFound } from './route-kit.js';
import { resolveIdPrefix } from './id-prefix.js';

export default async function routes(app: FastifyInstance, opts: { ctx: DaemonContext }) {
  const { ctx } = opts;
  defineRoute(app, R.listActivity, async (req) => {
    const q = req.query;
    const limit = q.limit ?? 25;
    const page = q.page ?? (q.offset !== undefined ? Math.floor(q.offset / limit) + 1 : 1);
    // Named one by one: the driver's own options (`countUpTo`) are not the API's to set.
    const r = await ctx.activity.query({ limit, page, type: q.type, query: q.query, imsi: q.imsi, terminal_id: q.terminal_id, from: q.from, to: q.to });
    return { count: r.records.length, total: r.total, ...(r.capped ? { total_capped: true } : {}), page, page_size: limit, activities: r.records };
  });
  defineRoute(app, R.getActivity, async (req) => {
    const id = await resolveIdPrefix(req.params.id, 'activity id', [(p, n) => ctx.activity.idsWithPrefix(p, n)]);
    const rec = await ctx.activity.get(id);
    if (!rec) throw notFound('OMNISEP_ACTIVITY_NOT_FOUND', `no activity record ${id} (it may have aged out: activity.retention_seconds)`);
    return rec;
  });
}
