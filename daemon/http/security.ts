/**
 * HTTP hardening shared by the listeners (docs/security.md):
 *
 *  - `limitedServerFactory`: a Node HTTP server with header, request and keep-alive timeouts
 *    (slowloris: a client trickling headers is cut after `header_timeout_ms`), checked every
 *    second, and caps on open connections in total and per client address; a connection over a
 *    cap is closed at once and counted (`omnisep_http_connections_refused_total`).
 *  - `securityHeaders`: `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`,
 *    `X-Frame-Options: DENY`, a Content-Security-Policy (HTML pages get hashes of their own inline
 *    script and style, nothing else runs), and `Cache-Control: no-store` on every answer that
 *    does not set its own (TS.43 answers carry tokens and entitlements, XCAP documents and the
 *    websheet personal data).
 *  - `refuseQueryCredentials`: the admin API answers 400 to a credential in the query string
 *    (`?api_key=`, `?%74oken=`, …) before any route or log line of its own sees it; the request
 *    line fastify logs is scrubbed by the logger's serializer (src/util/secret-params.ts).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as NetServer, Socket } from 'node:net';
import { Counter, type Registry } from 'prom-client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { secretParamsInUrl } from '../../src/util/secret-params.js';
import { isHostOrIp } from '../../src/contracts/config-policy.js';
import type { OmnisepConfig } from '../../src/contracts/config.js';

/**
 * The base URL put in what phones are sent (ServiceFlow_URL): `ts43.websheet_base_url` when set;
 * else, behind a trusted proxy (`http.trust_proxy`), the forwarded host and protocol when the host
 * is a well-formed name; else `http(s)://<server.fqdn>:<http.port>` (https when `http.tls_cert` is set). The request's own Host header
 * is never used: anyone can send any Host (issue 13 item 16).
 */
export function publicBaseUrl(cfg: OmnisepConfig, req: Pick<FastifyRequest, 'headers' | 'protocol'>, path: string, listeningPort = cfg.http.port): string {
  if (cfg.ts43.websheet_base_url) return cfg.ts43.websheet_base_url.replace(/\/+$/, '');
  if (cfg.http.trust_proxy) {
    const fwd = String(req.headers['x-forwarded-host'] ?? '').split(',')[0]!.trim();
    const m = /^([^:/?#@\s]+)(?::(\d{1,5}))?$/.exec(fwd);
    if (m && isHostOrIp(m[1]!)) return `${req.protocol === 'https' ? 'https' : 'http'}://${fwd}${path}`;
  }
  const host = cfg.server.fqdn.includes(':') ? `[${cfg.server.fqdn}]` : cfg.server.fqdn;
  return `${cfg.http.tls_cert ? 'https' : 'http'}://${host}:${listeningPort}${path}`;
}

export interface HttpLimits {
  /** Whole request head within this, ms (Node headersTimeout). */
  header_timeout_ms: number;
  /** Whole request (head + body) within this, ms (Node requestTimeout). */
  request_timeout_ms: number;
  /** An idle keep-alive connection is closed after this, ms. */
  keep_alive_timeout_ms: number;
  /** Open connections on this listener, all clients. */
  max_connections: number;
  /** Open connections from one client address. */
  max_connections_per_ip: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  header_timeout_ms: 10_000,
  request_timeout_ms: 30_000,
  keep_alive_timeout_ms: 5_000,
  max_connections: 10_000,
  max_connections_per_ip: 256,
};

/**
 * The admin API's (TCP) defaults: the same timeouts but a whole request may take 10 minutes (bulk imports
 * stream large bodies; a request is authenticated before its body is read), and far fewer connections
 * (operators' tools, not phones).
 */
export const DEFAULT_ADMIN_LIMITS: HttpLimits = {
  header_timeout_ms: 10_000,
  request_timeout_ms: 600_000,
  keep_alive_timeout_ms: 5_000,
  max_connections: 256,
  max_connections_per_ip: 64,
};

function refusedCounter(reg: Registry | undefined): Counter<string> | null {
  if (!reg) return null;
  const name = 'omnisep_http_connections_refused_total';
  return (reg.getSingleMetric(name) as Counter<string> | undefined)
    ?? new Counter({ name, help: 'HTTP connections closed at accept because a connection cap was reached, by listener and cap', labelNames: ['listener', 'reason'], registers: [reg] });
}

/** Applies the caps to a listening server: the connection is destroyed before a byte is read. */
export function capConnections(server: NetServer, limits: HttpLimits, listener: string, metrics?: Registry): { open(): number; byIp(ip: string): number } {
  const perIp = new Map<string, number>();
  let open = 0;
  const refused = refusedCounter(metrics);
  server.on('connection', (socket: Socket) => {
    const ip = socket.remoteAddress ?? '?';
    const mine = perIp.get(ip) ?? 0;
    const reason = open >= limits.max_connections ? 'total' : mine >= limits.max_connections_per_ip ? 'per_ip' : null;
    if (reason) {
      refused?.inc({ listener, reason });
      socket.destroy();
      return;
    }
    open++;
    perIp.set(ip, mine + 1);
    socket.once('close', () => {
      open--;
      const n = (perIp.get(ip) ?? 1) - 1;
      if (n <= 0) perIp.delete(ip);
      else perIp.set(ip, n);
    });
  });
  return { open: () => open, byIp: (ip) => perIp.get(ip) ?? 0 };
}

/**
 * A fastify `serverFactory` for a listener with the limits above: plain HTTP, or HTTPS with `tls` (the admin
 * API), where the TLS handshake must also finish within the header timeout (Node's default is 120 s).
 */
export function limitedServerFactory(limits: HttpLimits, listener: string, metrics?: Registry, tls?: { cert: string; key: string }) {
  return (handler: (req: IncomingMessage, res: ServerResponse) => void): Server => {
    const options = {
      headersTimeout: limits.header_timeout_ms,
      requestTimeout: Math.max(limits.request_timeout_ms, limits.header_timeout_ms),
      keepAliveTimeout: limits.keep_alive_timeout_ms,
      // How often Node checks the two timeouts above (default 30 s would let slow clients linger).
      connectionsCheckingInterval: Math.min(1000, limits.header_timeout_ms),
    };
    // An https.Server is an http.Server to fastify (same request/response API); only the type differs.
    const server = (tls ? createHttpsServer({ ...options, ...tls, handshakeTimeout: limits.header_timeout_ms }, handler) : createServer(options, handler)) as Server;
    server.keepAliveTimeout = limits.keep_alive_timeout_ms;
    capConnections(server, limits, listener, metrics);
    return server;
  };
}

const sha256 = (s: string): string => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

/** CSP for an HTML page: only its own inline <script>/<style> blocks (by hash), same-origin form posts and fetches. */
export function htmlPolicy(html: string): string {
  const hashes = (tag: string) => [...html.matchAll(new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'gi'))].map((m) => sha256(m[1]!));
  const scripts = hashes('script');
  const styles = hashes('style');
  return [
    "default-src 'none'",
    `script-src ${scripts.length ? scripts.join(' ') : "'none'"}`,
    `style-src ${styles.length ? styles.join(' ') : "'none'"}`,
    "connect-src 'self'", "form-action 'self'", "img-src 'self'", "base-uri 'none'", "frame-ancestors 'none'",
  ].join('; ');
}

/** CSP for anything that is not a page (JSON, XML, text): nothing may load or run. */
export const NON_HTML_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/** Adds the security headers to every answer of `app` (register on the root instance, before the routes). */
export function securityHeaders(app: FastifyInstance): void {
  // Callback style, not async: no promise and no microtask turn per answer.
  app.addHook('onSend', (_req: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: Error | null, payload?: unknown) => void) => {
    try {
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      reply.header('x-frame-options', 'DENY');
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
      const type = String(reply.getHeader('content-type') ?? '');
      reply.header('content-security-policy', type.startsWith('text/html') && typeof payload === 'string' ? htmlPolicy(payload) : NON_HTML_POLICY);
    } catch (e) {
      done(e as Error);
      return;
    }
    done(null, payload);
  });
}

/** Admin API: 400 for a credential in the query string; the key must come in Authorization. */
export function refuseQueryCredentials(app: FastifyInstance): void {
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const names = secretParamsInUrl(req.raw.url ?? '');
    if (names.length === 0) return;
    return reply.code(400).send({
      error: 'credentials are not accepted in the query string (they end up in logs and proxies); send the API key as Authorization: Bearer KEY',
      code: 'OMNISEP_CREDENTIAL_IN_QUERY',
    });
  });
}
