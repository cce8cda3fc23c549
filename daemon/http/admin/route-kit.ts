/**
 * Registering an admin route from the shared route table (src/contracts/routes.ts)
 * so the fastify schema and the CLI client cannot drift, plus the one error
 * type route handlers throw. The TypeBox type provider types each handler from
 * the same table: `req.params`, `req.query` and `req.body` are the Static types
 * of the route's schemas, and the handler must return the route's response type.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault, RouteGenericInterface } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Static, TSchema } from '@sinclair/typebox';
import { fastifySchema, type RouteDef } from '../../../src/contracts/routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Which admin listener this instance serves (decorated in admin/index.ts): the bearer-token TCP API or the 0600 socket. */
    omnisepTransport?: 'tcp' | 'socket';
  }
}

/** An admin error: `{"error": message, "code": "OMNISEP_<AREA>_<WHAT>"}` with this status. */
export class AdminError extends Error {
  override readonly name = 'AdminError';
  /** `extra`: more fields of the error body (an ambiguous id's `candidates`). */
  constructor(readonly statusCode: number, readonly code: string, message: string, readonly extra?: Record<string, unknown>) {
    super(message);
  }
}

export const notFound = (code: string, message: string) => new AdminError(404, code, message);
export const badRequest = (code: string, message: string) => new AdminError(400, code, message);

/** Route modules are mounted under `/api`; the table holds full paths. */
const underApi = (path: string) => path.replace(/^\/api(?=\/|$)/, '') || '/';

/** The schema fastify sees for a route, as a type: what the type provider resolves the request from. */
interface SchemaOf<D extends RouteDef> {
  params: D['params'];
  querystring: D['querystring'];
  body: D['body'];
}

/** A request typed from the route's contract (params, query, body). */
export type RouteRequest<D extends RouteDef> = FastifyRequest<RouteGenericInterface, RawServerDefault, RawRequestDefaultExpression, SchemaOf<D>, TypeBoxTypeProvider>;
export type RouteReply<D extends RouteDef> = FastifyReply<RouteGenericInterface, RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, unknown, SchemaOf<D>, TypeBoxTypeProvider>;
/** What the handler answers: the route's response (stream routes answer through the raw reply). */
export type RouteResult<D extends RouteDef> = D['stream'] extends true ? unknown : D['response'] extends TSchema ? Static<D['response']> : unknown;

export function defineRoute<D extends RouteDef>(app: FastifyInstance, def: D, handler: (req: RouteRequest<D>, reply: RouteReply<D>) => Promise<RouteResult<D>>): void {
  // fastifySchema builds the schema fastify validates and serialises with (absent parts left out, as fastify
  // wants); SchemaOf<D> is what the type provider reads the request types from.
  const schema = fastifySchema(def) as unknown as SchemaOf<D>;
  app.withTypeProvider<TypeBoxTypeProvider>().route<RouteGenericInterface, unknown, SchemaOf<D>>({
    method: def.method,
    url: underApi(def.path),
    schema,
    ...(def.bodyLimit ? { bodyLimit: def.bodyLimit } : {}),
    handler: async (req, reply) => {
      const out = await handler(req, reply);
      if (def.status && !reply.sent) reply.code(def.status);
      return out;
    },
  });
}
