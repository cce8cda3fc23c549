/**
 * Typed client of the control/admin API (ADMIN-API.md), used by every CLI
 * command and by the TUI. Speaks HTTP/1.1 with undici over the daemon's Unix
 * socket (CLI.md § The control socket) or, for remote administration, over
 * TCP (+TLS) to the admin listener with a bearer token.
 *
 * It knows nothing about individual routes: callers pass an entry of the
 * route table (`src/contracts/routes.ts`: method, path, schemas), so the CLI
 * and the fastify routes share one contract (STYLE.md "One contract").
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { socketTransport, type Transport, type TransportResponse } from './socket-transport.js';
import { routePath, VERSION_HEADER } from '../contracts/wire.js';
import { ApiError, DaemonUnreachableError, OperationalError, UnavailableError } from './errors.js';
import { LineSplitter } from '../util/line-splitter.js';
import { trimBlanks } from './ndjson-lines.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The part of a route-table entry the client needs. */
export interface RouteLike {
  readonly method: HttpMethod | string;
  /** fastify-style path with `:param` placeholders, e.g. `/api/entitlements/:imsi`. */
  readonly path: string;
}

/**
 * The route-table entry whose schemas type a call: the entry itself (`contracts/routes.ts`), or the schemas an
 * entry of the CLI's schema-free table carries as a type only (`contracts/route-paths.ts`).
 */
type Def<R> = R extends { readonly schemas?: infer D } ? (unknown extends D ? R : NonNullable<D>) : R;

/** The success body type of a route, from its response schema. */
export type ResponseOf<R> = Def<R> extends { response: infer S extends TSchema } ? Static<S> : unknown;

export type QueryValue = string | number | boolean | undefined | null;

type Part<R, K extends string, Fallback> = Def<R> extends { [P in K]: infer S extends TSchema } ? Static<S> : Fallback;

/** What one call sends: path params, query and body typed by the route's schemas. */
export interface CallInput<R = unknown> {
  params?: Part<R, 'params', Record<string, string>>;
  query?: Partial<Part<R, 'querystring', Record<string, QueryValue>>>;
  body?: Part<R, 'body', unknown>;
}

/** Where the daemon is: its control socket, or an admin URL (`https://host:8443`). */
export type Target =
  | { kind: 'socket'; path: string; /** How the path was found (the config, XDG_RUNTIME_DIR, the data dir), said when nothing answers. */ source?: string }
  | { kind: 'url'; url: string; apiKey?: string; insecure?: boolean; /** PEM of the CA (or self-signed certificate) to trust, from --cacert. */ ca?: string };

export interface ClientOptions {
  /** Per request: headers must arrive within this many ms (default 30 s). */
  timeoutMs?: number;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** Codes meaning "nobody is listening there". */
const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTSOCK', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

/** Fill `:name` placeholders, URL-encoding each value; a missing one is a programming error. */
export function buildPath(template: string, params: Record<string, string> = {}, query: Record<string, QueryValue> = {}): string {
  const path = routePath(template, params);
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    qs.append(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

export function describeTarget(t: Target): string {
  return t.kind === 'socket' ? t.path : t.url;
}

function errCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export class ControlClient {
  readonly target: Target;
  /** The daemon's version, from the `x-omnisep-version` header of the last answer. */
  daemonVersion: string | undefined;
  /**
   * The socket transport (node:http) or, for a URL, undici — loaded at the first request, not with this module:
   * `omnisep serve`, `--help` and every socket command never need undici (docs/performance.md § Third round).
   */
  #clientP: Promise<Transport> | undefined;
  readonly #timeoutMs: number;

  constructor(target: Target, opts: ClientOptions = {}) {
    this.target = target;
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
  }

  get #client(): Promise<Transport> {
    const target = this.target;
    if (target.kind === 'socket') return (this.#clientP ??= Promise.resolve(socketTransport(target.path, this.#timeoutMs)));
    return (this.#clientP ??= import('undici').then(({ Client: UndiciClient }) => {
      const client = new UndiciClient(new URL(target.url).origin, {
        connect: target.insecure ? { rejectUnauthorized: false } : target.ca ? { ca: target.ca } : {},
        headersTimeout: this.#timeoutMs,
        bodyTimeout: 0,
      });
      return {
        request: async (req) => (await client.request({ ...req, method: req.method as 'GET' })) as unknown as TransportResponse,
        close: () => client.close(),
      };
    }));
  }

  /** Call one route of the table; resolves to the 2xx body, throws ApiError / DaemonUnreachableError. */
  async call<R extends RouteLike>(route: R, input: CallInput<R> = {}): Promise<ResponseOf<R>> {
    const path = buildPath(route.path, input.params as Record<string, string> | undefined, input.query as Record<string, QueryValue> | undefined);
    const res = await this.request(route.method, path, input.body);
    if (res.status >= 200 && res.status < 300) return res.body as ResponseOf<R>;
    throw toApiError(res);
  }

  /** One request; any HTTP status resolves (the caller decides), transport failures throw. */
  async request(method: string, path: string, body?: unknown): Promise<RawResponse> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.target.kind === 'url' && this.target.apiKey) headers.authorization = `Bearer ${this.target.apiKey}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    let res;
    try {
      res = await (await this.#client).request({ method, path: this.#prefix(path), headers, body: payload });
    } catch (err) {
      throw this.#transportError(err);
    }
    const version = res.headers[VERSION_HEADER];
    if (typeof version === 'string') this.daemonVersion = version;
    const text = await res.body.text();
    let parsed: unknown = text;
    const ctype = String(res.headers['content-type'] ?? '');
    if (text && (ctype.includes('json') || /^[[{]/.test(text))) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    } else if (!text) parsed = null;
    return { status: res.statusCode, headers: res.headers, body: parsed };
  }

  /**
   * Follow an NDJSON stream (`GET /api/events`): yields one parsed object per
   * line until the daemon ends the stream or `signal` aborts.
   */
  async *stream(path: string, query: Record<string, QueryValue> = {}, signal?: AbortSignal): AsyncGenerator<unknown> {
    for await (const lines of this.streamLines(path, query, signal)) {
      for (const line of lines) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(line.toString('utf8'));
        } catch (err) {
          throw this.#transportError(err);
        }
        yield parsed;
      }
    }
  }

  /**
   * The same stream unparsed: the complete, non-empty lines of each chunk that arrived, as UTF-8 bytes (views into
   * the chunk), one array per chunk (the daemon writes a batch of events at a time), so a reader that defers
   * parsing pays one step per chunk and decodes only the lines it keeps.
   */
  async *streamLines(path: string, query: Record<string, QueryValue> = {}, signal?: AbortSignal): AsyncGenerator<Buffer[]> {
    const headers: Record<string, string> = { accept: 'application/x-ndjson' };
    if (this.target.kind === 'url' && this.target.apiKey) headers.authorization = `Bearer ${this.target.apiKey}`;
    let res;
    try {
      res = await (await this.#client).request({ method: 'GET', path: this.#prefix(buildPath(path, {}, query)), headers, signal });
    } catch (err) {
      if (signal?.aborted) return;
      throw this.#transportError(err);
    }
    if (res.statusCode < 200 || res.statusCode >= 300) {
      const text = await res.body.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* keep text */
      }
      throw toApiError({ status: res.statusCode, headers: res.headers, body });
    }
    let lines: Buffer[] = [];
    const split = new LineSplitter(0, (line) => {
      const l = trimBlanks(line);
      if (l.length) lines.push(l);
    });
    try {
      for await (const chunk of res.body) {
        split.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer));
        if (lines.length) yield lines;
        lines = [];
      }
    } catch (err) {
      if (signal?.aborted) return;
      throw this.#transportError(err);
    }
  }

  async close(): Promise<void> {
    if (this.#clientP) await (await this.#clientP).close().catch(() => undefined);
  }

  #prefix(path: string): string {
    if (this.target.kind !== 'url') return path;
    const base = new URL(this.target.url).pathname.replace(/\/+$/, '');
    return base + path;
  }

  #transportError(err: unknown): Error {
    const code = errCode(err);
    if (code && UNREACHABLE.has(code)) {
      const t = this.target;
      return new DaemonUnreachableError(t.kind === 'socket' && t.source ? `${t.path} (from ${t.source})` : describeTarget(t), err);
    }
    if (code === 'EACCES' || code === 'EPERM')
      return new OperationalError(
        `permission denied on ${describeTarget(this.target)} — the control socket is mode 0600: run as the daemon's user`,
      );
    if (code === 'UND_ERR_HEADERS_TIMEOUT')
      return new UnavailableError(`the daemon at ${describeTarget(this.target)} did not answer within ${this.#timeoutMs} ms`);
    if (code && /CERT|SELF_SIGNED|TLS|SSL/i.test(code))
      return new UnavailableError(
        `TLS check failed for ${describeTarget(this.target)} (${code}) — pass --cacert FILE with the daemon's certificate (e.g. DATA_DIR/tls/admin-cert.pem), or --insecure for a development daemon`,
      );
    return new OperationalError(`request to ${describeTarget(this.target)} failed: ${(err as Error)?.message ?? String(err)}`);
  }
}

export function toApiError(res: RawResponse): ApiError {
  const b = res.body as { error?: unknown; code?: unknown } | null;
  const message =
    b && typeof b === 'object' && typeof b.error === 'string'
      ? b.error
      : typeof res.body === 'string' && res.body
        ? res.body.slice(0, 200)
        : `HTTP ${res.status}`;
  const code = b && typeof b === 'object' && typeof b.code === 'string' ? b.code : undefined;
  return new ApiError(res.status, message, code, res.body);
}
