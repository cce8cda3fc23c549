/** What every fastify instance of the daemon shares: logger, request ids, limits. */
import { randomUUID } from 'node:crypto';
import { LogController, type FastifyServerOptions } from 'fastify';
import type { DaemonContext } from '../context.js';

export function baseServerOptions(ctx: DaemonContext, listener: string): FastifyServerOptions {
  return {
    loggerInstance: ctx.logger.child({ listener }),
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    bodyLimit: ctx.config.http.body_limit_bytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } },
  };
}
