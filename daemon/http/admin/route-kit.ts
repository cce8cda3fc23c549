/**
 * Registering an admin route from the shared route table (src/contracts/routes.ts)
 * so the fastify schema and the CLI client cannot drift, plus the one error
 * type route handlers throw.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fastifySchema, type RouteDef } from '../../../src/contracts/routes.js';

/** An admin error: `{"error": message, "code": "OMNISEP_<AREA>_<WHAT>"}` with this status. */
export class AdminError extends Error {
  override readonly name = 'AdminError';
  constructor(readonly statusCode: number, readonly code: string, message: string) {
    super(message);
  }
}

export const notFound = (code: string, message: string) => new AdminError(404, code, message);
export const badRequest = (code: string, message: string) => new AdminError(400, code, message);

/** Route modules are mounted under `/api`; the table holds full paths. */
const underApi = (path: string) => path.replace(/^\/api(?=\/|$)/, '') || '/';

type Handler = (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

export function defineRoute(app: FastifyInstance, def: RouteDef, handler: Handler): void {
  app.route({
    method: def.method,
    url: underApi(def.path),
    schema: fastifySchema(def),
    handler: async (req, reply) => {
      const out = await handler(req, reply);
      if (def.status && !reply.sent) reply.code(def.status);
      return out;
    },
  });
}
