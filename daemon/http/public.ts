/**
 * The public HTTP listener (default 127.0.0.1:9014): `GET /health` here;
 * the TS.43 entitlement server, XCAP and the websheet register as plugins.
 */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { DaemonContext } from '../context.js';
import type { HealthResponse } from '../../src/contracts/status.js';
import { baseServerOptions, onResponseSteps } from './common.js';
import { limitedServerFactory, securityHeaders } from './security.js';
import { httpMetrics, observeRequest } from './admin/metrics-routes.js';
import type { RateMeter } from '../events/rates.js';
import type { ReloadableTls } from './tls-listener.js';
import { LeanPaths } from './lean.js';

/** Why the daemon is not healthy now; empty = healthy (ADMIN-API.md: 503 with the reason). */
export function healthReasons(ctx: DaemonContext): string[] {
  const reasons: string[] = [];
  if (ctx.lifecycle.stopping) reasons.push('the daemon is stopping');
  if (!ctx.store.writable()) reasons.push(`storage is not writable (${ctx.config.storage.driver} at ${ctx.dataDir})`);
  for (const [name, check] of ctx.healthChecks) {
    try {
      const r = check();
      if (r) reasons.push(`${name}: ${r}`);
    } catch (e) {
      reasons.push(`${name}: check failed: ${(e as Error).message}`);
    }
  }
  return reasons;
}

export function servicesList(ctx: DaemonContext): string[] {
  const s = ['entitlements'];
  if (ctx.config.eap_aka.enabled) s.push('eap-aka');
  if (ctx.config.xcap.enabled) s.push('xcap');
  if (ctx.listeners.imap && ctx.listeners.imaps) s.push('vvm'); // only once the IMAP listeners are up
  if (ctx.config.aaa.enabled) s.push('aaa');
  return s;
}

/**
 * The public listener's access log: one `request completed` line per request at debug level
 * (`log.level=debug`), with the fields fastify's own line has. At info and above it costs one level check.
 */
function accessLog(req: FastifyRequest, reply: FastifyReply): void {
  if (!(req.log as Logger).isLevelEnabled('debug')) return;
  req.log.debug({ req, res: reply, responseTime: reply.elapsedTime }, 'request completed');
}

/** `tls` (from `http.tls_cert`/`tls_key`, daemon/http/tls-listener.ts) serves HTTPS with the same limits. */
export async function buildPublicApp(ctx: DaemonContext, rates?: RateMeter, tls?: ReloadableTls): Promise<FastifyInstance> {
  const h = ctx.config.http;
  const observe = observeRequest(httpMetrics(ctx.metrics), 'http');
  /** Every answer, fastify's (the onResponse hook below) or the lean path's: the request metrics and the monitor's rates. */
  const counted = (req: Parameters<typeof observe>[0], reply: Parameters<typeof observe>[1]): void => {
    observe(req, reply);
    rates?.request(reply.statusCode);
  };
  // The lean path (./lean.ts): the token query and the XCAP GET answered before fastify. Off while the access log is
  // on (its lines carry fastify's request and reply fields) and behind a trusted proxy (fastify reads the forwarded address).
  const lean = new LeanPaths(counted, () => !h.trust_proxy && !(app.log as Logger).isLevelEnabled('debug'));
  ctx.leanPaths = lean;
  const factory = tls ? tls.factory : limitedServerFactory(h, 'http', ctx.metrics);
  const app = Fastify({
    // No per-request info lines on the phones' listener (docs/architecture.md § Logging): every request is in the
    // activity log already; the access log below is written at debug level.
    ...baseServerOptions(ctx, 'http', { requestLogging: false }), trustProxy: h.trust_proxy,
    // docs/security.md § Limits: header/request/keep-alive timeouts and connection caps on the listener phones reach.
    serverFactory: (handler) => factory(lean.wrap(handler)),
  }) as unknown as FastifyInstance;
  lean.log = app.log;
  // From the first step of closing, fastify answers every request (503 with Connection: close).
  app.addHook('preClose', (done) => {
    lean.closing = true;
    done();
  });
  securityHeaders(app);
  // One synchronous hook for the access log, the metrics and the monitor's rates (onResponseSteps).
  app.addHook('onResponse', onResponseSteps(accessLog, counted));

  await app.register(async (health) => {
    health.setErrorHandler((err: FastifyError, _req, reply) => reply.code(err.statusCode ?? 500).send({ error: err.message }));
    health.get('/health', async (_req, reply): Promise<HealthResponse> => {
      const reasons = healthReasons(ctx);
      const body: HealthResponse = { status: reasons.length ? 'unavailable' : 'ok', service: 'omni-sep', version: ctx.version, services: servicesList(ctx) };
      if (reasons.length) {
        reply.code(503).header('retry-after', '5');
        body.reasons = reasons;
      }
      return body;
    });
  });

  // ── registration point: public plugins (each brings its own setErrorHandler) ──
  //   TS.43 entitlement server + websheet:  await app.register(ts43Plugin, { ctx });   // daemon/http/ts43/index.ts
  //   XCAP (when ctx.config.xcap.enabled):   await app.register(xcapPlugin, { ctx });   // daemon/http/xcap/index.ts
  for (const p of ctx.publicPlugins) await app.register(p, { ctx });
  return app;
}
