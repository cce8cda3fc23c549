/**
 * Typed errors of the control client and the CLI. The client throws
 * `DaemonUnreachableError`, `ApiError` and `OperationalError`; commands and the
 * UE simulator's option checks throw `UsageError`. Every command throws one of
 * these instead of calling oclif's `this.error()` (which defaults to exit 2 for
 * everything): the BaseCommand maps each class to its exit code and prints one
 * line. They live here, beside the client, so `src/client` imports nothing of
 * `src/cli` (the CLI sits above the client: docs/architecture.md).
 *
 * Exit codes (docs/cli.md § Exit codes), one per kind of outcome a script must tell apart:
 *   0  ok
 *   1  operational failure (a 5xx from the daemon, a local file that does not load, anything unexpected)
 *   2  bad input, caught before anything was sent (usage)
 *   3  refused or rejected: the daemon or server answered no (not found, conflict, 401/403, an
 *      authentication the network rejected)
 *  65  EX_DATAERR: `serve` refuses a damaged store (systemd does not restart it)
 *  69  EX_UNAVAILABLE: cannot reach (no daemon on the socket, connection refused, TLS check failed,
 *      no answer in time); `serve`: a port in use or the database unreachable (systemd restarts it)
 *  78  EX_CONFIG: a refused configuration (systemd does not restart it)
 */

export type ExitCode = 1 | 2 | 3 | 65 | 69 | 78;

export const EXIT = { ok: 0, failure: 1, usage: 2, rejected: 3, dataError: 65, unavailable: 69, config: 78 } as const;

export abstract class CliError extends Error {
  abstract readonly exitCode: ExitCode;
}

/** Bad input caught before anything was sent: says what is wrong and what would be right. Exit 2. */
export class UsageError extends CliError {
  readonly exitCode = 2 as const;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Nothing answers on the control socket (or the admin URL). Exit 69, one line naming the path. */
export class DaemonUnreachableError extends CliError {
  readonly exitCode = 69 as const;
  constructor(
    readonly target: string,
    override readonly cause?: unknown,
  ) {
    super(`no daemon at ${target} — start one with: omnisep serve`);
    this.name = 'DaemonUnreachableError';
  }
}

/** The daemon answered with an error body `{"error", "code"}`: exit 3 for a 4xx (refused), 1 for a 5xx. */
export class ApiError extends CliError {
  get exitCode(): 1 | 3 {
    return this.status >= 400 && this.status < 500 ? 3 : 1;
  }
  constructor(
    readonly status: number,
    readonly error: string,
    readonly code?: string,
    readonly body?: unknown,
  ) {
    super(`${error} (HTTP ${status}${code ? `, ${code}` : ''})`);
    this.name = 'ApiError';
  }
}

/** Any other operational failure with a hint (a local file that does not load, a timeout). Exit 1. */
export class OperationalError extends CliError {
  readonly exitCode = 1 as const;
  constructor(message: string) {
    super(message);
    this.name = 'OperationalError';
  }
}

/** The other side answered no outside the admin API (e.g. the network rejected a simulated authentication). Exit 3. */
export class RejectedError extends CliError {
  readonly exitCode = 3 as const;
  constructor(message: string) {
    super(message);
    this.name = 'RejectedError';
  }
}

/** The daemon (or server) could be addressed but not used: TLS check failed, no answer in time. Exit 69, as unreachable. */
export class UnavailableError extends CliError {
  readonly exitCode = 69 as const;
  constructor(message: string) {
    super(message);
    this.name = 'UnavailableError';
  }
}

/** `serve` refuses a damaged store (a corrupt journal, a schema newer than this binary). Exit 65, EX_DATAERR. */
export class DataRefusedError extends CliError {
  readonly exitCode = 65 as const;
  constructor(message: string) {
    super(message);
    this.name = 'DataRefusedError';
  }
}

/** A configuration `serve` would refuse (every problem listed, docs/security.md). Exit 78, EX_CONFIG, as `serve`. */
export class ConfigRefusedError extends CliError {
  readonly exitCode = 78 as const;
  constructor(message: string) {
    super(message);
    this.name = 'ConfigRefusedError';
  }
}
