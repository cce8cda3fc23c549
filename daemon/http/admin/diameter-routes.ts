/**
 * GET /api/diameter (ADMIN-API.md § Diameter): every configured and connected peer with its counters;
 * GET /api/diameter/routes: the realm routing table (docs/diameter.md § Realm routing).
 */
import type { FastifyInstance } from 'fastify';
import { routes as R } from '../../../src/contracts/routes.js';
import type { DiameterRoutes, DiameterStatus } from '../../../src/contracts/diameter.js';
import type { DaemonContext } from '../../context.js';
import { defineRoute } from './route-kit.js';

export default async function routes(app: FastifyInstance, opts: { ctx: DaemonContext }) {
  const { ctx } = opts;
  defineRoute(app, R.diameterPeers, async (): Promise<DiameterStatus> => {
    const node = ctx.services.backends.diameter;
    const sh_backlog = ctx.config.xcap.hss_sync ? await ctx.services.xcap.hssBacklogCount() : null;
    if (!node) return { status: 'disabled', connected_count: 0, disconnected_count: 0, peers: [], sh_backlog };
    return { ...node.status(), sh_backlog };
  });
  defineRoute(app, R.diameterRoutes, async (): Promise<DiameterRoutes> => {
    const node = ctx.services.backends.diameter;
    // Without the node, what the configuration says (nothing routes it).
    if (!node) return { max_redirects: ctx.config.diameter.max_redirects, implicit_default: ctx.config.diameter.routes.length === 0, routes: [] };
    return node.routes();
  });
}
