/**
 * Typed errors of the control client and the CLI. The client throws
 * `DaemonUnreachableError`, `ApiError` and `OperationalError`; commands and the
 * UE simulator's option checks throw `UsageError`. Every command throws one of
 * these instead of calling oclif's `this.error()` (which defaults to exit 2 for
 * everything): the BaseCommand maps each class to its exit code and prints one
 * line. They live here, beside the client, so `src/client` imports nothing of
 * `src/cli` (the CLI sits above the client: docs/architecture.md).
 *
 * Exit codes (CLI.md): 0 ok, 1 operational failure, 2 usage error, 78 (EX_CONFIG) a refused configuration.
 */

export abstract class CliError extends Error {
  abstract readonly exitCode: 1 | 2 | 78;
}

/** Bad input caught before anything was sent: says what is wrong and what would be right. Exit 2. */
export class UsageError extends CliError {
  readonly exitCode = 2 as const;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Nothing answers on the control socket (or the admin URL). Exit 1, one line naming the path. */
export class DaemonUnreachableError extends CliError {
  readonly exitCode = 1 as const;
  constructor(
    readonly target: string,
    override readonly cause?: unknown,
  ) {
    super(`no daemon at ${target} — start one with: omnisep serve`);
    this.name = 'DaemonUnreachableError';
  }
}

/** The daemon answered with an error body `{"error", "code"}`. Exit 1, shows the API's message. */
export class ApiError extends CliError {
  readonly exitCode = 1 as const;
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

/** A configuration `serve` would refuse (every problem listed, docs/security.md). Exit 78, EX_CONFIG, as `serve`. */
export class ConfigRefusedError extends CliError {
  readonly exitCode = 78 as const;
  constructor(message: string) {
    super(message);
    this.name = 'ConfigRefusedError';
  }
}
