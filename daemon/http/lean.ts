/**
 * The lean path of the public listener (docs/performance.md § Fifteenth round): a request a route claims is
 * answered from node's `http` request handler before fastify sees it, so the phone's daily poll (a token query),
 * its EAP-AKA exchange (§ Forty-first round) and its XCAP GETs and PUTs (§ Forty-second) do not pay fastify's
 * per-request machinery (request and reply objects, hook runs per stage, the router, the plugins' request hooks).
 * Everything those did for it is done here or by the route: the security headers (security.ts), the request metrics
 * and the monitor's rates (the listener's `onResponse` steps), the same bytes on the wire. A route declines (returns
 * false) anything it does not answer the same way fastify would, and fastify serves it as before; so does the
 * listener while it closes, and while the access log is on (debug).
 *
 * Tests compare the two paths answer for answer by turning `enabled` off (test/ts43-lean-path.test.ts).
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { preParsingHookHandler } from 'fastify';
import { Readable } from 'node:stream';
import { fastifyCookie } from '@fastify/cookie';
import { NON_HTML_POLICY } from './security.js';
import { endAtOnce, endAtTurnEnd } from './turn-end.js';

/** What the TS.43 handlers read of a request: a FastifyRequest has it, and so does a lean request. */
export interface RequestLike {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly ip: string | undefined;
  readonly protocol: 'http' | 'https';
}

/** What the TS.43 and XCAP handlers do with a reply: a FastifyReply does it, and so does LeanReply. */
export interface ReplyLike {
  code(status: number): ReplyLike;
  /** An array: one header line per value (e.g. a WWW-Authenticate challenge per algorithm). */
  header(name: string, value: string | string[]): ReplyLike;
  type(contentType: string): ReplyLike;
  /** No payload: an empty answer (Content-Length 0, none on 204 and 304). */
  send(payload?: string | Buffer): ReplyLike;
  /** A Set-Cookie header as @fastify/cookie's `reply.setCookie` writes it (its defaults: SameSite=Lax). */
  setCookie(name: string, value: string, options: LeanCookieOptions): ReplyLike;
}

/** The cookie attributes the TS.43 handler sets (the EAP session cookie). */
export interface LeanCookieOptions {
  path: string;
  httpOnly: boolean;
  secure: boolean;
  expires: Date;
}

/** The logger a lean request logs through (the listener's; fastify's requests have a child with their id). */
export interface LeanLog {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * A route of the lean path: takes the request (`LeanPaths.answer`) and returns true, or returns false (fastify serves
 * it). Only bodiless requests reach a route (lean requests carry no body); `startedAt` is when the request was offered.
 */
export type LeanRoute = (req: IncomingMessage, res: ServerResponse, startedAt: number) => boolean;

/**
 * A route of the lean path for a request with a body. From the request's head alone it returns null (fastify serves
 * the request, its body unread) or what to do with the body once read: answer it (`LeanPaths.answer`) and return
 * true, or return false, and fastify serves the request, reading the body already read (`leanBodyHook`). The route
 * bounds the body: a Content-Length within its limit, no chunked encoding.
 */
export type LeanBodyRoute = (req: IncomingMessage) => ((body: Buffer, res: ServerResponse, startedAt: number) => boolean) | null;

/** Whether a request's head announces a body a lean body route may read: a Content-Length of 1 byte to `limit`, not chunked. */
export function boundedBody(h: IncomingHttpHeaders, limit: number): boolean {
  const length = h['content-length'];
  return h['transfer-encoding'] === undefined && length !== undefined && /^[1-9][0-9]{0,8}$/.test(length) && Number(length) <= limit;
}

/** The body a lean body route read and left to fastify, on the raw request until `leanBodyHook` takes it. */
const LEAN_BODY = Symbol('omnisep.leanBody');
type WithLeanBody = IncomingMessage & { [LEAN_BODY]?: Buffer };

/**
 * A fastify `preParsing` hook (callback style): the body a lean body route read and declined becomes the payload
 * fastify's content-type parser reads, in place of the request stream it already came from. Register it where the
 * routes that may get such a request are.
 */
export const leanBodyHook: preParsingHookHandler = (req, _reply, payload, done) => {
  const raw = req.raw as WithLeanBody;
  const body = raw[LEAN_BODY];
  if (body === undefined) return done(null, payload);
  raw[LEAN_BODY] = undefined;
  done(null, Readable.from([body], { objectMode: false }));
};

/** Called once a lean answer is written, as the listener's `onResponse` steps are for fastify's answers. */
export type LeanFinished = (req: LeanRequest, reply: LeanReply) => void;

export class LeanPaths {
  /** Off: every request goes to fastify (the tests' reference path). */
  enabled = true;
  /** Set when the listener starts closing: fastify then answers 503 with `Connection: close` (return503OnClosing). */
  closing = false;
  /** Requests the lean path answered (tests; the request metrics count them with the rest). */
  answered = 0;
  /** The listener's logger, for what a lean request logs (set once the listener's fastify instance exists). */
  log: LeanLog = { warn() {}, error() {} };
  readonly #routes: LeanRoute[] = [];
  readonly #bodyRoutes: LeanBodyRoute[] = [];

  constructor(
    readonly finished: LeanFinished,
    /** False while the lean path must not answer (the access log at debug writes fastify's own fields; a trusted proxy's forwarded address is fastify's to read). */
    private readonly usable: () => boolean,
  ) {}

  add(route: LeanRoute): void {
    this.#routes.push(route);
  }

  /** A route for requests with a body (LeanBodyRoute). */
  addWithBody(route: LeanBodyRoute): void {
    this.#bodyRoutes.push(route);
  }

  /** Wraps fastify's request handler (in the listener's `serverFactory`). */
  wrap(handler: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, res: ServerResponse) => void {
    return (req, res) => {
      // A body is fastify's to read and limit, but for a body route's requests (it bounds them).
      const bodiless = req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined;
      if (this.enabled && !this.closing && (bodiless ? this.#routes : this.#bodyRoutes).length !== 0 && this.usable()) {
        const startedAt = performance.now();
        try {
          if (bodiless) {
            for (const route of this.#routes) {
              if (route(req, res, startedAt)) {
                this.answered++;
                return;
              }
            }
          } else {
            for (const route of this.#bodyRoutes) {
              const take = route(req);
              if (take !== null) return this.#withBody(req, res, take, handler, startedAt);
            }
          }
        } catch {
          // A route that throws before it answers (input it did not expect) leaves the request to fastify, whose
          // handler meets the same input and answers it as it always has (its error handler, its log line).
        }
      }
      handler(req, res);
    };
  }

  /** Reads the body, then hands it to `take`; a body `take` declines (or throws on) goes to fastify with the request. */
  #withBody(
    req: IncomingMessage, res: ServerResponse, take: (body: Buffer, res: ServerResponse, startedAt: number) => boolean,
    handler: (req: IncomingMessage, res: ServerResponse) => void, startedAt: number,
  ): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A client that goes away mid-body gets no answer (its socket is gone), as from fastify.
    req.on('error', () => undefined);
    req.once('end', () => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      try {
        if (take(body, res, startedAt)) {
          this.answered++;
          return;
        }
      } catch {
        // As a bodiless route that throws: fastify answers the request (below).
      }
      (req as WithLeanBody)[LEAN_BODY] = body;
      handler(req, res);
    });
  }

  /**
   * Answers a request a route took: `handle` with a lean request and reply (`route` is the pattern the metrics name).
   * A failure before the answer gets `answerError`'s answer (the route's own, as its fastify error handler gives);
   * one after the answer, or in `answerError`, is logged, and the connection closed when nothing was written.
   * `atTurnEnd` false: the answer's bytes leave as soon as it is sent, not with the turn's other answers — for a step
   * of an exchange the client waits on before its next request (EAP-AKA: § Forty-first round measured the turn's
   * end as latency there, where the daily poll under load gains from the batched writes). `body`: what a body route
   * read, as the request's `body` (fastify's, for the content-type parsers that keep the bytes: XCAP's).
   */
  answer(
    raw: IncomingMessage, res: ServerResponse, route: string, startedAt: number,
    handle: (req: LeanRequest, reply: LeanReply) => Promise<unknown>,
    answerError: (err: Error, req: LeanRequest, reply: LeanReply) => unknown,
    atTurnEnd = true,
    body?: Buffer,
  ): void {
    const req = new LeanRequest(raw, route, startedAt, this.log, body);
    const reply = new LeanReply(req, res, this.finished, atTurnEnd);
    handle(req, reply)
      .then(undefined, async (err: Error) => {
        if (!reply.sent) return void (await answerError(err, req, reply));
        this.log.error({ err, route }, 'lean path: failed after answering');
      })
      .catch((err: unknown) => {
        this.log.error({ err, route }, 'lean path: the error answer failed');
        if (!res.headersSent) res.destroy();
      });
  }
}

/** A request on the lean path, with the fields the handlers and the metrics read (fastify's names). */
export class LeanRequest implements RequestLike {
  readonly raw: IncomingMessage;
  readonly log: LeanLog;
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly ip: string | undefined;
  readonly protocol: 'http' | 'https';
  /** The route pattern the request metrics label it with, as fastify's `routeOptions.url`. */
  readonly routeOptions: { url: string };
  /** When it arrived (performance.now()), for the duration histogram. */
  readonly startedAt: number;
  /** The body a body route read (undefined for a bodiless request, as fastify's `request.body`). */
  readonly body: Buffer | undefined;

  constructor(raw: IncomingMessage, route: string, startedAt: number, log: LeanLog, body?: Buffer) {
    this.raw = raw;
    this.log = log;
    this.method = raw.method!;
    this.url = raw.url!;
    this.headers = raw.headers;
    // As fastify's `request.ip` and `request.protocol` without a trusted proxy (lean routes decline behind one).
    this.ip = raw.socket.remoteAddress;
    this.protocol = (raw.socket as TLSSocket).encrypted ? 'https' : 'http';
    this.routeOptions = { url: route };
    this.startedAt = startedAt;
    this.body = body;
  }
}

/**
 * A reply on the lean path: headers in the order they are set, then on `send` the security headers (as the
 * `onSend` hook of security.ts adds them to a non-HTML answer) and Content-Length, as fastify writes them.
 */
export class LeanReply implements ReplyLike {
  statusCode = 200;
  /** Milliseconds from arrival to the answer handed to its socket, as fastify's `reply.elapsedTime`. */
  elapsedTime = 0;
  sent = false;
  readonly #headers: Record<string, string | string[]> = {};
  /** The Set-Cookie line, written where @fastify/cookie's `onSend` hook puts it. */
  #cookie: string | undefined;

  constructor(
    private readonly req: LeanRequest,
    private readonly res: ServerResponse,
    private readonly finished: LeanFinished,
    /** The answer's bytes leave with the turn's other answers (turn-end.ts); false: at once. */
    private readonly atTurnEnd = true,
  ) {}

  code(status: number): this {
    this.statusCode = status;
    return this;
  }

  header(name: string, value: string | string[]): this {
    this.#headers[name.toLowerCase()] = value;
    return this;
  }

  type(contentType: string): this {
    return this.header('content-type', contentType);
  }

  setCookie(name: string, value: string, options: LeanCookieOptions): this {
    // @fastify/cookie's setCookie: its default SameSite=Lax under the caller's options, serialised by its own
    // `serialize` (the `cookie` package's stringifySetCookie), so the line is the one fastify writes. That `serialize`
    // works once the plugin has been registered (it loads `cookie` then): the TS.43 plugin registers it before it adds
    // the lean routes that set a cookie.
    this.#cookie = fastifyCookie.serialize(name, value, { sameSite: 'lax', ...options });
    return this;
  }

  send(payload?: string | Buffer): this {
    if (this.sent) throw new Error('lean path: the reply was already sent');
    this.sent = true;
    const h = this.#headers;
    const status = this.statusCode;
    // security.ts securityHeaders, in its order (only non-HTML answers take this path).
    h['x-content-type-options'] = 'nosniff';
    h['referrer-policy'] = 'no-referrer';
    h['x-frame-options'] = 'DENY';
    if (h['cache-control'] === undefined) h['cache-control'] = 'no-store';
    h['content-security-policy'] = NON_HTML_POLICY;
    if (this.#cookie !== undefined) h['set-cookie'] = this.#cookie;
    // As fastify: no Content-Length on 204 and 304 (RFC 9110 § 8.6), 0 on other empty answers (lean routes take no HEAD).
    if (payload !== undefined) h['content-length'] = String(typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length);
    else if (status !== 204 && status !== 304) h['content-length'] = '0';
    this.res.writeHead(status, h);
    // The bytes leave with the rest of this turn's answers (turn-end.ts), or at once; the answer's time and count once
    // they did.
    (this.atTurnEnd ? endAtTurnEnd : endAtOnce)(this.res, payload, this.req.log, () => {
      this.elapsedTime = performance.now() - this.req.startedAt;
      this.finished(this.req, this);
    });
    return this;
  }
}
