/** What every fastify instance of the daemon shares: logger, request ids, limits. */
import { randomUUID } from 'node:crypto';
import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { DaemonContext } from '../context.js';
import { lazySerializerFactory } from './lazy-serializers.js';
import { lazyValidatorFactory } from './lazy-validators.js';

/**
 * One callback-style `onResponse` hook running `steps` in order: an async hook per concern cost a promise and a
 * microtask turn each on every request (docs/performance.md § Tenth round). A step that throws ends the hook
 * with its error (fastify logs it), as a rejected async hook would.
 */
export function onResponseSteps(...steps: Array<(req: FastifyRequest, reply: FastifyReply) => void>) {
  return (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void => {
    try {
      for (const step of steps) step(req, reply);
    } catch (e) {
      done(e as Error);
      return;
    }
    done();
  };
}

/** `requestLogging: false`: no per-request lines from fastify (the public listener logs its own at debug). */
export function baseServerOptions(ctx: DaemonContext, listener: string, opts: { requestLogging?: boolean } = {}): FastifyServerOptions {
  return {
    loggerInstance: ctx.logger.child({ listener }),
    logController: new LogController({ requestIdLogLabel: 'request_id', disableRequestLogging: opts.requestLogging === false }),
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    childLoggerFactory: lazyChildLogger,
    bodyLimit: ctx.config.http.body_limit_bytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } },
    // Response serializers compiled on each route's first answer (./lazy-serializers.ts): idle memory; request
    // validators on each route's first request (./lazy-validators.ts): a quarter of a second of every start.
    schemaController: { compilersFactory: { buildSerializer: lazySerializerFactory, buildValidator: lazyValidatorFactory } },
  };
}

/**
 * A request's logger (`req.log`, carrying `request_id`), made only when the request logs something: pino
 * builds a child's bindings through the redaction paths, which cost more than the rest of a token query's
 * logging. Most requests log nothing at the default level (docs/architecture.md § Logging).
 */
class LazyChildLogger {
  #real: FastifyBaseLogger | undefined;
  constructor(private readonly parent: FastifyBaseLogger, private readonly bindings: Record<string, unknown>) {}
  #logger(): FastifyBaseLogger {
    return (this.#real ??= this.parent.child(this.bindings));
  }
  get level(): string {
    return this.#real?.level ?? this.parent.level;
  }
  set level(l: string) {
    this.#logger().level = l;
  }
  isLevelEnabled(l: string): boolean {
    return ((this.#real ?? this.parent) as unknown as { isLevelEnabled(l: string): boolean }).isLevelEnabled(l);
  }
  child(b: Record<string, unknown>, o?: Record<string, unknown>): FastifyBaseLogger {
    return this.#logger().child(b, o);
  }
  #at(l: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace', args: unknown[]): void {
    if (this.isLevelEnabled(l)) (this.#logger()[l] as (...a: unknown[]) => void)(...args);
  }
  fatal(...a: unknown[]): void { this.#at('fatal', a); }
  error(...a: unknown[]): void { this.#at('error', a); }
  warn(...a: unknown[]): void { this.#at('warn', a); }
  info(...a: unknown[]): void { this.#at('info', a); }
  debug(...a: unknown[]): void { this.#at('debug', a); }
  trace(...a: unknown[]): void { this.#at('trace', a); }
  silent(): void {}
}

/** fastify `childLoggerFactory`: eager only when the route sets its own level or serializers. */
export function lazyChildLogger(this: unknown, logger: FastifyBaseLogger, bindings: Record<string, unknown>, opts: object): FastifyBaseLogger {
  if (Object.keys(opts).length) return logger.child(bindings, opts as Record<string, unknown>);
  return new LazyChildLogger(logger, bindings) as unknown as FastifyBaseLogger;
}
