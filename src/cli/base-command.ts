/**
 * The one base class of every command (in the manner of Salesforce's
 * `SfCommand<T>`): the base parses (flags and args are declared, and custom
 * Args/Flags from ./args.ts validate them), the command's `run()` returns its
 * typed result, and the base prints it — the API body as JSON with `--json`
 * (oclif's `enableJsonFlag`), else through the command's `render(result)`.
 *
 *   export default class SessionsShow extends BaseCommand<typeof SessionsShow, SessionView> {
 *     static override args = { id: idArg('session_id') };
 *     async run() { return this.client.call(routes.getSession, { params: { id: this.args.id } }); }
 *     render(s: SessionView) { return renderSession(s, this.chalk); }
 *   }
 *
 * Typed errors map to exit codes and one line on stderr (with `--json`, also
 * `{"error", "code"}` on stdout, so a script can parse either outcome):
 *
 *   UsageError and oclif's parse errors  exit 2   what is wrong and what would be right
 *   ApiError (4xx)                       exit 3   refused: the API's `error` (and its code)
 *   DaemonUnreachableError               exit 69  `no daemon at PATH — start one with: omnisep serve`
 *   UnavailableError                     exit 69  TLS check failed (hint: --cacert/--insecure), no answer in time
 *   ApiError (5xx) / OperationalError    exit 1   the API's `error` or a hint
 * (the table of every code: src/client/errors.ts, docs/cli.md § Exit codes)
 *
 * A result that is printed and still a failure (an import with bad lines, a
 * failed simulation) says so in `failure(result)`: the base prints the result,
 * then exits with that error's code.
 */
import { Command, Errors, type Interfaces } from '@oclif/core';
import type { ChalkInstance } from 'chalk';
import { setFlagsFromString } from 'node:v8';
import { ControlClient, type Target } from '../client/control-client.js';
import { ApiError, CliError, DaemonUnreachableError, UnavailableError, UsageError } from './errors.js';
import { baseFlags } from './flags.js';
import { loadConfigReader, locateSocket, type ConfigReader } from './socket-path.js';
import { readSmallFile } from './local-file.js';
import { colorEnabled, makeChalk } from './output.js';

/** The command's own flags, then the base flags it does not redefine. */
export type FlagsOf<C extends typeof Command> = Interfaces.InferredFlags<C['flags']> &
  Omit<Interfaces.InferredFlags<typeof baseFlags>, keyof Interfaces.InferredFlags<C['flags']>>;
export type ArgsOf<C extends typeof Command> = Interfaces.InferredArgs<C['args']>;

type TargetFlags = Partial<Interfaces.InferredFlags<typeof baseFlags>>;

export abstract class BaseCommand<C extends typeof Command, R> extends Command {
  static override baseFlags = baseFlags;
  static override enableJsonFlag = true;

  /** Parsed and validated flags (base flags included), set before `run()`. */
  protected flags!: FlagsOf<C>;
  /** Parsed and validated arguments, set before `run()`. */
  protected args!: ArgsOf<C>;

  #client: ControlClient | undefined;
  /** Loaded in init() only when a config file names the daemon (--config / OMNISEP_CONFIG): it costs TypeBox. */
  #configReader: ConfigReader | undefined;
  #chalk: ChalkInstance | undefined;

  /** Do the work and return the result; the base prints it. */
  abstract override run(): Promise<R>;

  /** Human output of the result for stdout ('' prints nothing). */
  protected abstract render(result: R): string;

  /** A result that is printed and is still a failure: the error whose code the process exits with. */
  protected failure(_result: R): CliError | undefined {
    return undefined;
  }

  override async init(): Promise<void> {
    await super.init();
    // The command class itself is the parser input: its flags, baseFlags, enableJsonFlag, args and strict.
    const { flags, args } = (await this.parse(this.ctor as never)) as { flags: unknown; args: unknown };
    this.flags = flags as FlagsOf<C>;
    this.args = args as ArgsOf<C>;
    if ((flags as TargetFlags).config) this.#configReader = await loadConfigReader();
  }

  /** oclif runs init → run → catch/finally and prints the JSON; the human rendering and `failure()` follow here. */
  override async _run<T>(): Promise<T> {
    const result = (await super._run<T>()) as unknown as R;
    const json = this.jsonEnabled();
    // oclif prints only truthy results: `config show KEY` may be 0, false or null.
    if (json && !result && result !== undefined) this.logJson(this.toSuccessJson(result));
    if (!json && result !== undefined) {
      const text = this.render(result);
      if (text) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    }
    const failed = result === undefined ? undefined : this.failure(result);
    if (failed) {
      // With --json the printed result is the answer (it says what failed); only the exit code is added.
      if (!json) this.printError(failed.message);
      throw new Errors.ExitError(failed.exitCode);
    }
    return result as unknown as T;
  }

  /** The API body unchanged: plain JSON, never coloured (scripts parse it). */
  override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  }

  protected get jsonMode(): boolean {
    return this.jsonEnabled();
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

  /** Where the daemon is: --url, else the socket located as src/cli/socket-path.ts says. */
  protected target(): Target {
    const f = (this.flags ?? {}) as TargetFlags;
    if (f.url) {
      try {
        new URL(f.url);
      } catch {
        throw new UsageError(`--url "${f.url}" is not a URL: give the admin listener, e.g. https://127.0.0.1:8443`);
      }
      return { kind: 'url', url: f.url, apiKey: f['api-key'], insecure: Boolean(f.insecure), ca: f.cacert ? readCaFile(f.cacert) : undefined };
    }
    const at = locateSocket({ socket: f.socket, config: f.config, configReader: this.#configReader, env: process.env, cwd: process.cwd() });
    return { kind: 'socket', path: at.path, ...(at.source ? { source: at.source } : {}) };
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

  /** A one-line note on stderr (kept out of stdout so pipes stay clean; silent with --json). */
  protected note(message: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${message}\n`);
  }

  #errorJson(body: unknown): void {
    if (this.jsonEnabled()) this.logJson(body);
  }

  private printError(message: string): void {
    const c = makeChalk(colorEnabled({ isTTY: Boolean(process.stderr.isTTY), env: process.env }));
    process.stderr.write(`${c.red(message)}\n`);
  }

  protected override async catch(err: Interfaces.CommandError): Promise<unknown> {
    // `this.exit(n)` and a failure already reported: only the exit code.
    if (err instanceof Errors.ExitError) throw err;
    if (err instanceof CliError) {
      const message = withoutParserFrame(err.message);
      this.#errorJson(err instanceof ApiError && err.body && typeof err.body === 'object' ? err.body : { error: message, code: errorCode(err) });
      this.printError(message);
      // ExitError is not printed again by oclif's handler; it only sets the exit code.
      throw new Errors.ExitError(err.exitCode);
    }
    if (err instanceof Errors.CLIError && this.jsonEnabled()) {
      // oclif's own parse errors (unknown flag, missing argument, bad option): usage, exit 2.
      const exit = err.oclif?.exit ?? 2;
      this.logJson({ error: err.message, code: exit === 2 ? 'OMNISEP_CLI_USAGE' : 'OMNISEP_CLI_FAILED' });
      this.printError(err.message);
      throw new Errors.ExitError(exit);
    }
    if (this.jsonEnabled()) {
      this.logJson({ error: err.message, code: 'OMNISEP_CLI_FAILED' });
      this.printError(err.message);
      throw new Errors.ExitError(1);
    }
    throw err;
  }

  protected override async finally(err: Error | undefined): Promise<unknown> {
    if (this.#client) await this.#client.close();
    return super.finally(err);
  }
}

/** `--cacert FILE`: the PEM text, or a UsageError (exit 2) naming the file and what is wrong. */
export function readCaFile(file: string): string {
  const r = readSmallFile(file);
  if ('error' in r) throw new UsageError(`--cacert ${file}: ${r.error}; give a PEM file (e.g. DATA_DIR/tls/admin-cert.pem)`);
  const pem = r.text;
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`--cacert ${file}: not a PEM certificate (no BEGIN CERTIFICATE line)`);
  return pem;
}

/** oclif wraps a flag's parse error as "Parsing --x \n\t<message>\nSee more help with --help": keep the message. */
function withoutParserFrame(message: string): string {
  const m = /^Parsing --\S+ \n\t([\s\S]*)\nSee more help with --help$/.exec(message);
  return m ? m[1]! : message;
}

function errorCode(err: CliError): string {
  if (err instanceof UsageError) return 'OMNISEP_CLI_USAGE';
  if (err instanceof DaemonUnreachableError) return 'OMNISEP_CLI_NO_DAEMON';
  if (err instanceof UnavailableError) return 'OMNISEP_CLI_UNAVAILABLE';
  if (err instanceof ApiError) return err.code ?? `HTTP_${err.status}`;
  return 'OMNISEP_CLI_FAILED';
}
