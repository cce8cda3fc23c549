/**
 * The thin HTTP layer of the simulator: sends one `HttpRequestSpec` with
 * undici and returns what the flow needs. Asks for gzip and unpacks it, as
 * Android does (TS43.md § Client contract). Repeated header names (one
 * `Cookie:` line per cookie) are sent as separate lines.
 */
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import { Agent, request, type Dispatcher } from 'undici';
import type { HttpRequestSpec } from './request.js';

const gunzipAsync = promisify(gunzip);

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

/** A keep-alive connection pool for a run (`connections` = load concurrency); `insecure` accepts self-signed TLS. */
export function createDispatcher(opts: { connections?: number; insecure?: boolean } = {}): Agent {
  return new Agent({
    connections: opts.connections ?? 8,
    pipelining: 1,
    connect: opts.insecure ? { rejectUnauthorized: false } : undefined,
  });
}

export async function sendRequest(spec: HttpRequestSpec, opts: HttpOptions = {}): Promise<HttpAnswer> {
  const t0 = performance.now();
  const headers: string[] = spec.headers.flatMap(([k, v]) => [k, v]);
  const res = await request(spec.url, {
    method: spec.method,
    headers,
    body: spec.body,
    dispatcher: opts.dispatcher,
    headersTimeout: opts.timeoutMs ?? 30_000,
    bodyTimeout: opts.timeoutMs ?? 30_000,
  });
  const raw = Buffer.from(await res.body.arrayBuffer());
  const encoding = String(res.headers['content-encoding'] ?? '').toLowerCase();
  const gzip = encoding === 'gzip' || encoding === 'x-gzip';
  const body = gzip ? (await gunzipAsync(raw)).toString('utf8') : raw.toString('utf8');
  const setCookie = res.headers['set-cookie'];
  return {
    status: res.statusCode,
    contentType: res.headers['content-type'] as string | undefined,
    setCookie: setCookie === undefined ? undefined : Array.isArray(setCookie) ? setCookie : [setCookie],
    headers: res.headers,
    body,
    wireBytes: raw.length,
    gzip,
    ms: performance.now() - t0,
  };
}
