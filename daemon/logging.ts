/**
 * pino for the daemon: JSON lines on stdout (systemd/journald friendly),
 * pretty on a TTY or with --pretty. Secrets are redacted by path, request
 * URLs are scrubbed of token parameters, and every request line carries
 * `request_id` (fastify's requestIdLogLabel); routes add `imsi` and
 * `terminal_id` with `withSubscriber(req, ...)`.
 */
import { createRequire } from 'node:module';
import { pino, type Logger, type LevelWithSilent } from 'pino';
import { scrubText } from '../src/services/activity.js';

export const REDACT_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["proxy-authorization"]', 'res.headers["set-cookie"]',
  'headers.authorization', 'headers.cookie',
  '*.token', '*.temporary_token', '*.notif_token', '*.operator_token', '*.signing_secret', '*.api_keys',
  '*.ki', '*.opc', '*.op', '*.msk', '*.emsk', '*.ck', '*.ik', '*.pin', '*.password',
  'config.token.signing_secret', 'config.admin.api_keys',
];

export interface LoggerOptions {
  level?: LevelWithSilent | string;
  /** true / false / 'auto' (TTY). */
  pretty?: boolean | 'auto';
  /** Where JSON lines go (default stdout). */
  destination?: NodeJS.WritableStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const usePretty = opts.pretty === 'auto' || opts.pretty === undefined ? Boolean(process.stdout.isTTY) && !opts.destination : opts.pretty;
  const base = {
    level: opts.level ?? 'info',
    base: { service: 'omnisep', pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    serializers: {
      req: (req: { method?: string; url?: string; ip?: string; headers?: Record<string, unknown> }) => ({
        method: req.method,
        url: req.url ? scrubText(req.url) : req.url,
        remote: req.ip,
        user_agent: req.headers?.['user-agent'],
      }),
      res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
      err: pino.stdSerializers.err,
    },
  };
  // pino-pretty (30 modules) is loaded only for pretty output (a TTY or --pretty; docs/performance.md § Third round).
  if (usePretty) return pino(base, (createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty'))({ colorize: !process.env.NO_COLOR, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' }));
  return pino(base, (opts.destination as pino.DestinationStream | undefined) ?? pino.destination({ dest: 1, sync: false }));
}

/**
 * Bind subscriber fields to a request's log lines, including fastify's
 * "request completed" line (TS.43, XCAP and admin routes call this once they
 * know them): `withSubscriber(req, reply, { imsi, terminal_id })`.
 */
export function withSubscriber(
  req: { log: unknown },
  reply: { log: unknown } | null,
  fields: { imsi?: string | null; terminal_id?: string | null; msisdn?: string | null },
): void {
  const b: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) if (v) b[k] = v;
  if (!Object.keys(b).length) return;
  const child = (req.log as Logger).child(b);
  req.log = child;
  if (reply) reply.log = child;
}
