/**
 * The one base class of every client command (STYLE.md: parse → validate →
 * call → render). It owns the shared flags, the control client, the output
 * mode and the mapping of typed errors to exit codes:
 *
 *   UsageError              exit 2  what is wrong and what would be right
 *   DaemonUnreachableError  exit 1  `no daemon at PATH — start one with: omnisep serve`
 *   ApiError / Operational  exit 1  the API's `error` (and its code)
 *
 * With `--json` the success body is printed unchanged, and an error also
 * prints `{"error", "code"}` on stdout so scripts can parse either outcome.
 */
import { Command, Errors, type Interfaces } from '@oclif/core';
import type { ChalkInstance } from 'chalk';
import { setFlagsFromString } from 'node:v8';
import { ControlClient, type Target } from '../client/control-client.js';
import { ApiError, CliError, DaemonUnreachableError, UsageError } from './errors.js';
import { baseFlags, defaultSocketPath } from './flags.js';
import { colorEnabled, makeChalk } from './output.js';

type BaseFlagValues = Interfaces.InferredFlags<typeof baseFlags>;

export abstract class BaseCommand extends Command {
  static override baseFlags = baseFlags;

  #client: ControlClient | undefined;
  #json = false;
  #chalk: ChalkInstance | undefined;

  /** Output mode as parsed; commands call `this.setup(flags)` right after `this.parse()`. */
  protected setup(flags: Partial<BaseFlagValues>): void {
    this.#json = Boolean(flags.json);
    this.#targetFlags = flags;
  }

  #targetFlags: Partial<BaseFlagValues> = {};

  protected get jsonMode(): boolean {
    return this.#json;
  }

  /** chalk for stdout: colour only on a TTY, never with NO_COLOR. */
  protected get chalk(): ChalkInstance {
    this.#chalk ??= makeChalk(colorEnabled({ isTTY: Boolean(process.stdout.isTTY), env: process.env }));
    return this.#chalk;
  }

  /** Terminal width when stdout is a TTY (tables cut their last column to it); undefined in pipes. */
  protected get termWidth(): number | undefined {
    return process.stdout.isTTY ? process.stdout.columns || 80 : undefined;
  }

  /** Where the daemon is, from --url / --socket / OMNISEP_SOCKET / the default path. */
  protected target(): Target {
    const f = this.#targetFlags;
    if (f.url) {
      try {
        new URL(f.url);
      } catch {
        throw new UsageError(`--url "${f.url}" is not a URL: give the admin listener, e.g. https://127.0.0.1:8443`);
      }
      return { kind: 'url', url: f.url, apiKey: f['api-key'], insecure: Boolean(f.insecure) };
    }
    return { kind: 'socket', path: f.socket || defaultSocketPath() };
  }

  protected get client(): ControlClient {
    if (!this.#client) {
      // undici parses HTTP with llhttp compiled to WebAssembly on the first connection; V8
      // then re-compiles it optimised in the background and Node waits for that before
      // exiting (~0.2 s on every command). One request does not need optimised code:
      // keep the baseline compiler only (CLI processes only; the daemon never gets here).
      setFlagsFromString('--liftoff-only');
      this.#client = new ControlClient(this.target());
    }
    return this.#client;
  }

  /** Print a success: the body as JSON with --json, else what `human()` renders. */
  protected output(body: unknown, human: () => string): void {
    if (this.#json) process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    else {
      const text = human();
      if (text) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    }
  }

  /** A one-line note on stderr (kept out of stdout so pipes stay clean). */
  protected note(message: string): void {
    if (!this.#json) process.stderr.write(`${message}\n`);
  }

  protected override async catch(err: Interfaces.CommandError): Promise<unknown> {
    if (err instanceof CliError) {
      if (this.#json) {
        const body =
          err instanceof ApiError && err.body && typeof err.body === 'object'
            ? err.body
            : { error: err.message, code: errorCode(err) };
        process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
      }
      const c = makeChalk(colorEnabled({ isTTY: Boolean(process.stderr.isTTY), env: process.env }));
      process.stderr.write(`${c.red(err.message)}\n`);
      // ExitError is not printed again by oclif's handler; it only sets the exit code.
      throw new Errors.ExitError(err.exitCode);
    }
    return super.catch(err);
  }

  protected override async finally(err: Error | undefined): Promise<unknown> {
    if (this.#client) await this.#client.close();
    return super.finally(err);
  }
}

function errorCode(err: CliError): string {
  if (err instanceof UsageError) return 'OMNISEP_CLI_USAGE';
  if (err instanceof DaemonUnreachableError) return 'OMNISEP_CLI_NO_DAEMON';
  if (err instanceof ApiError) return err.code ?? `HTTP_${err.status}`;
  return 'OMNISEP_CLI_FAILED';
}
