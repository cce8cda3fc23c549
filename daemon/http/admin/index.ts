/**
 * The admin plugin: ONE set of routes served twice — on TCP (TLS by default,
 * bearer token from `admin.api_keys`: 401 without, 403 wrong) and on the
 * control socket (no token: the socket's 0600 mode is the access control).
 * Route modules (`*-routes.ts`) are mounted under `/api`; `/metrics` at the root.
 */
import { StoreUnavailableError } from '../../../src/ports.js';
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { VERSION_HEADER } from '../../../src/contracts/common.js';
import type { DaemonContext } from '../../context.js';
import { baseServerOptions, onResponseSteps } from '../common.js';
import { adminLockout } from '../../security/lockouts.js';
import { limitedServerFactory } from '../security.js';
import { secretParamsInUrl } from '../../../src/util/secret-params.js';
import { AdminError } from './route-kit.js';
import fastifySwagger from '@fastify/swagger';
import { openApiInfo } from '../../../src/contracts/openapi-markdown.js';
import metricsRoutes, { httpMetrics, observeRequest } from './metrics-routes.js';
import statusRoutes from './status-routes.js';
import entitlementRoutes from './entitlement-routes.js';
import activityRoutes from './activity-routes.js';
import sessionRoutes from './session-routes.js';
import tokenRoutes from './token-routes.js';
import eventRoutes from './event-routes.js';
import diameterRoutes from './diameter-routes.js';
import subscriberRoutes from './subscriber-routes.js';
import xcapRoutes from './xcap-routes.js';
import importRoutes from './import-routes.js';
import odsaRoutes from './odsa-routes.js';
import pushRoutes from './push-routes.js';
import vvmRoutes from './vvm-routes.js';
import enterpriseRoutes from './enterprise-routes.js';

export type AdminTransport = 'tcp' | 'socket';
type RouteModule = FastifyPluginAsync<{ ctx: DaemonContext }>;

/**
 * Admin route modules, each `export default async function routes(app, { ctx })`, mounted under /api.
 * ── registration point: an area adds its module here (one import + one line) ──
 *   diameter-routes.ts (GET /api/diameter), subscriber-routes.ts (/api/subscribers), xcap-routes.ts (/api/xcap)
 */
export const ADMIN_ROUTE_MODULES: RouteModule[] = [
  statusRoutes,
  entitlementRoutes,
  activityRoutes,
  sessionRoutes,
  tokenRoutes,
  eventRoutes,
  diameterRoutes,
  subscriberRoutes,
  xcapRoutes,
  importRoutes,
  odsaRoutes,
  pushRoutes,
  vvmRoutes,
  enterpriseRoutes,
];

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time check of a bearer token against the configured keys (read per request: SIGHUP reloads them). */
export function bearerAllowed(keys: readonly string[], presented: string): boolean {
  const p = digest(presented);
  let ok = false;
  for (const k of keys) ok = timingSafeEqual(digest(k), p) || ok;
  return ok;
}

export function adminPlugin(transport: AdminTransport): FastifyPluginAsync<{ ctx: DaemonContext }> {
  return async (app, { ctx }) => {
    app.decorate('omnisepTransport', transport);
    const lockout = transport === 'tcp' ? adminLockout(ctx) : null;

    app.addHook('onRequest', async (req, reply) => {
      reply.header(VERSION_HEADER, ctx.version);
      // A credential in the query string is refused on both transports (docs/security.md § Secrets in requests).
      if (secretParamsInUrl(req.raw.url ?? '').length) {
        throw new AdminError(400, 'OMNISEP_CREDENTIAL_IN_QUERY', 'credentials are not accepted in the query string (they end up in logs and proxies); send the key as Authorization: Bearer KEY');
      }
      if (transport === 'tcp') {
        const wait = lockout!.limiter.lockedFor(req.ip, ctx.clock.now());
        if (wait > 0) {
          lockout!.onRefused();
          reply.header('retry-after', String(Math.ceil(wait / 1000)));
          throw new AdminError(429, 'OMNISEP_ADMIN_LOCKED_OUT', 'too many failed authentications from this address: try again later');
        }
        const h = req.headers.authorization;
        if (!h) {
          reply.header('www-authenticate', 'Bearer realm="omnisep-admin"');
          throw new AdminError(401, 'OMNISEP_ADMIN_UNAUTHENTICATED', 'authentication required: send Authorization: Bearer <key from admin.api_keys>');
        }
        const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
        if (!m || !bearerAllowed(ctx.config.admin.api_keys, m[1]!)) {
          lockout!.onFailure(lockout!.limiter.fail(req.ip, ctx.clock.now()));
          throw new AdminError(403, 'OMNISEP_ADMIN_FORBIDDEN', 'the bearer token is not one of admin.api_keys');
        }
        lockout!.limiter.succeed(req.ip);
      }
      if (ctx.lifecycle.stopping) {
        reply.header('retry-after', '5');
        throw new AdminError(503, 'OMNISEP_DAEMON_STOPPING', 'the daemon is stopping');
      }
    });

    app.setErrorHandler((err: FastifyError | AdminError, req, reply) => {
      if (err instanceof AdminError) return reply.code(err.statusCode).send({ error: err.message, code: err.code, ...err.extra });
      if (err instanceof StoreUnavailableError) {
        req.log.warn({ err: err.message }, 'admin: store unavailable');
        return reply.code(503).header('retry-after', String(err.retryAfterSeconds)).send({ error: err.message, code: 'OMNISEP_STORE_UNAVAILABLE' });
      }
      if (err.validation) {
        const where = err.validationContext ?? 'request';
        const msg = err.validation.map((v) => `${where}${v.instancePath.replaceAll('/', '.')} ${v.message ?? 'is invalid'}`).join('; ');
        return reply.code(400).send({ error: msg, code: 'OMNISEP_ADMIN_BAD_REQUEST' });
      }
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      if (status === 500) {
        req.log.error({ err }, 'admin route failed');
        return reply.code(500).send({ error: 'internal error (see the daemon log for request_id ' + String(req.id) + ')', code: 'OMNISEP_ADMIN_INTERNAL' });
      }
      return reply.code(status).send({ error: err.message, code: err.code ? `OMNISEP_HTTP_${err.code.replace(/^FST_ERR_/, '')}` : 'OMNISEP_ADMIN_BAD_REQUEST' });
    });

    app.setNotFoundHandler((req, reply) => {
      reply.code(404).send({ error: `no route ${req.method} ${req.url.split('?')[0]}`, code: 'OMNISEP_ADMIN_NO_ROUTE' });
    });

    // OpenAPI from the routes' own TypeBox schemas (@fastify/swagger collects them as they register):
    // GET /api/openapi.json, and docs/admin-api.md rendered from it (src/contracts/openapi-markdown.ts).
    await app.register(fastifySwagger, { openapi: openApiInfo(ctx.version) });
    for (const mod of ADMIN_ROUTE_MODULES) await app.register(mod, { prefix: '/api', ctx });
    app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    await app.register(metricsRoutes, { ctx });
  };
}

/** A fastify instance serving the admin plugin on one listener. */
export async function buildAdminApp(ctx: DaemonContext, opts: { transport: AdminTransport; https?: { cert: string; key: string } }): Promise<FastifyInstance> {
  const listener = opts.transport === 'tcp' ? 'admin' : 'control';
  // TCP: docs/security.md § Limits — handshake/header/request/keep-alive timeouts and connection caps (admin.*).
  // The control socket is guarded by its file mode and has none.
  const app = Fastify({
    ...baseServerOptions(ctx, listener),
    ...(opts.transport === 'tcp' ? { serverFactory: limitedServerFactory(ctx.config.admin, 'admin', ctx.metrics, opts.https) } : {}),
  }) as unknown as FastifyInstance;
  app.addHook('onResponse', onResponseSteps(observeRequest(httpMetrics(ctx.metrics), listener)));
  // Encapsulation off for the error/not-found handlers: the plugin owns this whole listener.
  const plugin = adminPlugin(opts.transport);
  (plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
  await app.register(plugin, { ctx });
  return app;
}
