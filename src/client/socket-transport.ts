/**
 * HTTP/1.1 over the daemon's Unix control socket with `node:http` — what the control client uses for a socket
 * target (every local command). undici, which the client keeps for `--url` (TCP + TLS to the admin listener),
 * is 112 modules and an llhttp WebAssembly build on the first connection; `node:http` is in the node binary
 * (docs/performance.md § Third round: it was about a third of `omnisep status`).
 *
 * Answers the same subset of undici's `Dispatcher.request` the client reads: status, headers (lower-case names,
 * `set-cookie` an array as node gives it), and a body with `text()` and async iteration. Transport failures keep
 * node's error codes (ENOENT, ECONNREFUSED, EACCES, ECONNRESET…), which the client maps to its errors; no
 * headers within `headersTimeout` ms rejects with code `UND_ERR_HEADERS_TIMEOUT`, undici's code for the same case.
 */
import { Agent, request, type IncomingMessage } from 'node:http';

export interface TransportResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<Buffer | string> & { text(): Promise<string> };
}

export interface TransportRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** The part of undici's `Client` the control client uses. */
export interface Transport {
  request(req: TransportRequest): Promise<TransportResponse>;
  close(): Promise<void>;
}

class HeadersTimeoutError extends Error {
  readonly code = 'UND_ERR_HEADERS_TIMEOUT';
  constructor(ms: number) {
    super(`no response headers within ${ms} ms`);
  }
}

function wrap(res: IncomingMessage): TransportResponse {
  const body = Object.assign(res, {
    async text(): Promise<string> {
      res.setEncoding('utf8');
      let s = '';
      for await (const chunk of res) s += chunk as string;
      return s;
    },
  });
  return { statusCode: res.statusCode ?? 0, headers: res.headers, body };
}

/**
 * A transport on `socketPath`. Connections are kept alive between requests of one process (the TUI polls);
 * an idle kept socket does not hold the process open (node's agent unrefs it), `close()` ends them.
 */
export function socketTransport(socketPath: string, headersTimeout: number): Transport {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  return {
    request({ method, path, headers, body, signal }) {
      return new Promise<TransportResponse>((resolve, reject) => {
        const h: Record<string, string> = { host: 'localhost', ...headers };
        if (body !== undefined) h['content-length'] = String(Buffer.byteLength(body));
        const req = request({ socketPath, agent, method, path, headers: h, ...(signal ? { signal } : {}) });
        const timer = setTimeout(() => req.destroy(new HeadersTimeoutError(headersTimeout)), headersTimeout);
        req.once('response', (res) => {
          clearTimeout(timer);
          resolve(wrap(res));
        });
        req.once('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        req.end(body);
      });
    },
    async close() {
      agent.destroy();
    },
  };
}
