/**
 * The thin HTTP layer of the simulator: sends one `HttpRequestSpec` with
 * undici and returns what the flow needs. Asks for gzip and unpacks it, as
 * Android does (TS43.md § Client contract). Repeated header names (one
 * `Cookie:` line per cookie) are sent as separate lines.
 */
import { gunzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { Agent, getGlobalDispatcher, util, type Dispatcher } from 'undici';
import type { HttpRequestSpec } from './request.js';

export interface HttpAnswer {
  status: number;
  contentType?: string;
  setCookie?: string[];
  /** Other headers the printer shows (Content-Encoding, Retry-After). */
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Bytes on the wire (before gunzip). */
  wireBytes: number;
  gzip: boolean;
  ms: number;
}

export interface HttpOptions {
  dispatcher?: Dispatcher;
  /** Give up on one request after this long (ms). */
  timeoutMs?: number;
}

/**
 * A keep-alive connection pool for a run (`connections` = load concurrency); `insecure` accepts
 * any TLS certificate; `ca` (PEM, from `--cacert`) is the CA bundle trusted instead of the system
 * CAs, as with curl's `--cacert`.
 */
export function createDispatcher(opts: { connections?: number; insecure?: boolean; ca?: string } = {}): Agent {
  return new Agent({
    connections: opts.connections ?? 8,
    pipelining: 1,
    connect: opts.insecure ? { rejectUnauthorized: false } : opts.ca ? { ca: opts.ca } : undefined,
  });
}

/** Error codes that mean the server could not be reached at all (nothing was asked of it). */
const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host name not found (DNS)',
  EAI_AGAIN: 'host name lookup failed (DNS)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  UND_ERR_BODY_TIMEOUT: 'answer body not received in time',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CLOSED: 'connection closed',
};

/**
 * What went wrong on the way to the server, said as what it is (refused, DNS, timeout, TLS) with
 * the error code; a TLS check failure hints at `--cacert FILE` and `--insecure`. Pure.
 */
export function describeTransportError(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown } } | undefined;
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (code && UNREACHABLE[code]) return `${UNREACHABLE[code]} (${code})`;
  if ((code && /CERT|SELF_SIGNED|TLS|SSL|ALTNAME/i.test(code)) || /certificate/i.test(message)) {
    return `TLS check failed (${code ?? message}) — pass --cacert FILE with the server's certificate or its CA, or --insecure to accept any certificate (test servers only)`;
  }
  return code ? `${message} (${code})` : message;
}

/** The status, headers and body bytes of one exchange, straight from undici's dispatch (no body stream). */
function exchange(spec: HttpRequestSpec, headers: string[], opts: HttpOptions): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; raw: Buffer }> {
  const url = new URL(spec.url);
  const dispatcher = opts.dispatcher ?? getGlobalDispatcher();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let status = 0;
    let parsed: Record<string, string | string[] | undefined> = {};
    dispatcher.dispatch({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: spec.method as Dispatcher.HttpMethod,
      headers,
      body: spec.body ?? null,
      headersTimeout: opts.timeoutMs ?? 30_000,
      bodyTimeout: opts.timeoutMs ?? 30_000,
    }, {
      onConnect: () => undefined,
      onHeaders: (statusCode: number, rawHeaders: Buffer[]) => {
        status = statusCode;
        parsed = util.parseHeaders(rawHeaders) as Record<string, string | string[] | undefined>;
        return true;
      },
      onData: (chunk: Buffer) => { chunks.push(chunk); return true; },
      onComplete: () => resolve({ status, headers: parsed, raw: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) }),
      onError: reject,
    } as unknown as Dispatcher.DispatchHandler);
  });
}

/**
 * One request. Through the dispatcher's `dispatch` with a handler that collects the body, not undici's `request`
 * (whose body stream, consumed at once here, was most of the simulator's per-request cost in the load mode:
 * docs/performance.md § Fourth round). Status, headers and body are the same; so are the transport errors.
 */
export async function sendRequest(spec: HttpRequestSpec, opts: HttpOptions = {}): Promise<HttpAnswer> {
  const t0 = performance.now();
  const headers: string[] = spec.headers.flatMap(([k, v]) => [k, v]);
  const res = await exchange(spec, headers, opts);
  const raw = res.raw;
  const encoding = String(res.headers['content-encoding'] ?? '').toLowerCase();
  const gzip = encoding === 'gzip' || encoding === 'x-gzip';
  // Synchronous: a TS.43 answer is a few KiB; the thread-pool round trip of async gunzip cost the load mode more than
  // the inflate itself (issue 14, docs/performance.md § Third round).
  const body = gzip ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  const setCookie = res.headers['set-cookie'];
  return {
    status: res.status,
    contentType: res.headers['content-type'] as string | undefined,
    setCookie: setCookie === undefined ? undefined : Array.isArray(setCookie) ? setCookie : [setCookie],
    headers: res.headers,
    body,
    wireBytes: raw.length,
    gzip,
    ms: performance.now() - t0,
  };
}
