/**
 * How the postgres driver names what went wrong: at start, one clear error per cause (exit 1, no stack,
 * `commands/serve.ts` prints any `OMNISEP_*` error as is); at run time, a database that cannot be reached
 * becomes the port's `StoreUnavailableError` (routes answer 503 + Retry-After).
 */
import { StoreUnavailableError } from '../../../src/ports.js';

export class PgStartError extends Error {
  override readonly name = 'PgStartError';
  constructor(readonly code: 'OMNISEP_STORE_UNREACHABLE' | 'OMNISEP_STORE_AUTH' | 'OMNISEP_STORE_NO_DATABASE' | 'OMNISEP_STORE_PG' | 'OMNISEP_STORE_CONFIG', message: string) {
    super(message);
  }
}

/** postgres://user:secret@host/db → postgres://user@host/db (never print a password). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString().replace(/^(postgres(?:ql)?:\/\/[^@/]*?):?@/, '$1@');
  } catch {
    return '(unparsable storage.url)';
  }
}

const NET_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED']);
/** SQLSTATEs that mean "the server is not there now" (class 08, shutdown, starting up, too many clients). */
const PG_DOWN = new Set(['57P01', '57P02', '57P03', '53300', '53400']);
const DOWN_TEXT = /Connection terminated|connection error|timeout exceeded when trying to connect|Query read timeout|not queryable|Connection closed|the database system is (starting up|shutting down|in recovery)/i;

export function isUnavailable(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  if (!err || typeof err !== 'object') return false;
  if (e instanceof StoreUnavailableError) return true;
  if (err.code && (NET_CODES.has(err.code) || PG_DOWN.has(err.code) || err.code.startsWith('08'))) return true;
  return DOWN_TEXT.test(err.message ?? '');
}

export function unavailable(e: unknown): StoreUnavailableError {
  if (e instanceof StoreUnavailableError) return e;
  const err = e as { code?: string; message?: string };
  return new StoreUnavailableError(`storage: PostgreSQL is unavailable (${err.code ?? ''}${err.code ? ': ' : ''}${err.message ?? String(e)})`, 1);
}

/** The start-up error for a failure to reach or log in to the database. */
export function startError(e: unknown, location: string, timeoutMs: number): Error {
  const err = e as { code?: string; message?: string };
  const msg = err.message ?? String(e);
  if (err.code === '28P01' || err.code === '28000')
    return new PgStartError('OMNISEP_STORE_AUTH', `storage: PostgreSQL at ${location} refused the login (${msg}).\n  Check the user and password in storage.url.`);
  if (err.code === '3D000')
    return new PgStartError('OMNISEP_STORE_NO_DATABASE', `storage: ${msg} at ${location}.\n  Create it first (createdb), or fix the database name in storage.url.`);
  if (isUnavailable(e) || /timeout/i.test(msg))
    return new PgStartError('OMNISEP_STORE_UNREACHABLE', `storage: PostgreSQL at ${location} does not answer (${/timeout/i.test(msg) ? `no answer within ${timeoutMs / 1000} s` : msg}).\n  Check storage.url and that the database server is running and reachable from this host.`);
  return new PgStartError('OMNISEP_STORE_PG', `storage: PostgreSQL at ${location}: ${msg}${err.code ? ` (SQLSTATE ${err.code})` : ''}`);
}
