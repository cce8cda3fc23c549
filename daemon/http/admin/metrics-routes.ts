/**
 * Prometheus metrics (ADMIN-API.md): the registry every area adds to, the HTTP
 * request metrics shared by all listeners, and `GET /metrics` on the admin API
 * and the control socket (not on the public port).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { DaemonContext } from '../../context.js';
import { LabelledCounter, LabelledHistogram } from './request-metrics.js';

/** Counted per request without prom-client's per-call label hashing; the registry gets the totals on a scrape (./request-metrics.ts). */
export interface HttpMetrics {
  requests: LabelledCounter<'listener' | 'method' | 'route' | 'status'>;
  duration: LabelledHistogram<'listener' | 'route'>;
}

const byRegistry = new WeakMap<Registry, HttpMetrics>();

export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'omnisep' });
  collectDefaultMetrics({ register: registry, prefix: 'omnisep_' });
  return registry;
}

export function httpMetrics(registry: Registry): HttpMetrics {
  let m = byRegistry.get(registry);
  if (!m) {
    m = {
      requests: new LabelledCounter(registry, { name: 'omnisep_http_requests_total', help: 'HTTP requests by listener, route and status', labelNames: ['listener', 'method', 'route', 'status'] }),
      duration: new LabelledHistogram(registry, { name: 'omnisep_http_request_duration_seconds', help: 'HTTP request duration', buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5] }),
    };
    byRegistry.set(registry, m);
  }
  return m;
}

/**
 * `omnisep_store_commit_wait_seconds{log}`: for every write of the embedded store, the time from the write to the end
 * of the durable commit that carried it (group-commit window, a commit already in flight, the O_DSYNC write and the
 * event loop's turn to hear of it) — what a request waiting on that write waits. `log` is the collection (`tokens`,
 * `sqn`, …) or `activity`. Counted without prom-client's per-call work (./request-metrics.ts).
 */
export function commitWaitMetric(registry: Registry): (log: string, waitMs: number) => void {
  const h = new LabelledHistogram<'log'>(registry, {
    name: 'omnisep_store_commit_wait_seconds',
    help: 'time a write of the embedded store waited for its durable commit, by journal (collection) or activity log',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.1, 0.5, 1],
  });
  return (log, waitMs) => h.observe(log, () => ({ log }), waitMs / 1000);
}

/**
 * `omnisep_store_held_text_chars{collection}` and `omnisep_store_held_text_budget_chars`: the characters of the embedded
 * store's records held in memory as JSON text until their collection's next compaction, and the budget over which the
 * largest holder is compacted (docs/storage.md § Heap per SIM). Read on a scrape; the other drivers hold none.
 */
export function heldTextMetric(registry: Registry, read: () => { budget: number; collections: Array<{ collection: string; chars: number }> }): void {
  new Gauge({
    name: 'omnisep_store_held_text_chars', help: 'characters of the embedded store\'s records held in memory as JSON text until the next compaction, by collection',
    labelNames: ['collection'], registers: [registry],
    collect() {
      this.reset();
      for (const c of read().collections) this.set({ collection: c.collection }, c.chars);
    },
  });
  new Gauge({
    name: 'omnisep_store_held_text_budget_chars', help: 'held text over which the embedded store compacts the collection holding the most',
    registers: [registry], collect() { this.set(read().budget); },
  });
}

/**
 * Counts and times one answered request (route = the route pattern, never the raw URL with IMSIs; synchronous: the
 * listeners call it from their one `onResponse` hook).
 */
export function observeRequest(m: HttpMetrics, listener: string) {
  // The keys name the label values, listener first: every listener of a registry shares its metrics ('\0' cannot
  // occur in a listener name, a method, a route pattern or a status).
  const prefix = `${listener}\0`;
  // Structural: fastify's request and reply, or the lean path's (../lean.ts).
  return (req: Pick<FastifyRequest, 'method'> & { routeOptions: { url?: string | undefined } }, reply: Pick<FastifyReply, 'statusCode' | 'elapsedTime'>): void => {
    const route = req.routeOptions.url ?? 'unmatched';
    const method = req.method;
    const status = reply.statusCode;
    m.requests.inc(`${prefix}${method}\0${route}\0${status}`, () => ({ listener, method, route, status: String(status) }));
    m.duration.observe(`${prefix}${route}`, () => ({ listener, route }), reply.elapsedTime / 1000);
  };
}

export default async function routes(app: FastifyInstance, opts: { ctx: DaemonContext }) {
  app.get('/metrics', { schema: { summary: 'Prometheus metrics (text exposition format)' } }, async (_req, reply) => {
    if (!opts.ctx.config.metrics.enabled) {
      reply.code(404);
      return { error: 'metrics are disabled (metrics.enabled: false)', code: 'OMNISEP_METRICS_DISABLED' };
    }
    reply.header('content-type', opts.ctx.metrics.contentType);
    return opts.ctx.metrics.metrics();
  });
}
