/** GET /api/diameter (ADMIN-API.md § Diameter): every configured and connected peer with its counters. */
import type { FastifyInstance } from 'fastify';
import { routes as R } from '../../../src/contracts/routes.js';
import type { DiameterStatus } from '../../../src/contracts/diameter.js';
import type { DaemonContext } from '../../context.js';
import { defineRoute } from './route-kit.js';

export default async function routes(app: FastifyInstance, opts: { ctx: DaemonContext }) {
  const { ctx } = opts;
  defineRoute(app, R.diameterPeers, async (): Promise<DiameterStatus> => {
    const node = ctx.services.backends.diameter;
    if (!node) return { status: 'disabled', connected_count: 0, disconnected_count: 0, peers: [] };
    return node.status();
  });
}
