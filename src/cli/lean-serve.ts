/**
 * `omnisep serve` without oclif, for a plain argv (`bin/run.js`; docs/performance.md § Fourth round (helper rss)).
 * oclif is 66 modules, its manifest (≈ 380 KB of JSON) parsed and kept, and a command class around the daemon: a few
 * MB of an idle daemon's resident memory for a frame that only parses flags. Taken only for argv oclif would parse
 * the same way: `serve` followed by its own flags in the forms `--name value`, `--name=value`, `-c value` (string
 * and port flags), `--tls`/`--no-tls`, `--pretty`/`--no-pretty`, `--ephemeral`; each flag at most once but `--set`;
 * ports as digits within 0–65535; `--log-level` one of its options; no empty value and no value starting with `-`;
 * nothing in the environment that changes oclif's behaviour (`DEBUG`, `OMNISEP_DEBUG`). Anything else — `--help`,
 * an unknown or malformed flag, a bad port, an argument — goes to oclif unchanged, which parses, helps or refuses
 * exactly as before. Nothing has run when that decision is made.
 *
 * A refused start is reported as `BaseCommand.catch` reports it (the message in red on stderr, the error's exit
 * code); any other error goes to oclif's own handler, as under oclif.
 */
import { CliError } from './errors.js';
import { colorEnabled, makeChalk } from './output.js';

/** The flags `commands/serve.ts` declares, as oclif hands them to `run()`. */
export interface ServeFlags {
  config?: string;
  'data-dir'?: string;
  socket?: string;
  set: string[];
  'http-port'?: number;
  'api-port'?: number;
  'diameter-port'?: number;
  'aaa-port'?: number;
  'imap-port'?: number;
  tls?: boolean;
  pretty?: boolean;
  'log-level'?: string;
  ephemeral?: boolean;
}

const STRING_FLAGS = ['config', 'data-dir', 'socket', 'set', 'log-level'] as const;
const PORT_FLAGS = ['http-port', 'api-port', 'diameter-port', 'aaa-port', 'imap-port'] as const;
const NEGATABLE = ['tls', 'pretty'] as const;
/** `--log-level`'s options: commands/serve.ts declares the flag with this list. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
/** Variables that change what oclif does (its debug output). */
const OCLIF_ENV = ['DEBUG', 'OMNISEP_DEBUG'];

/** The flags of a plain `omnisep serve` call, or undefined when oclif must parse this argv. */
export function plainServeCall(argv: readonly string[], env: Record<string, string | undefined>): ServeFlags | undefined {
  if (argv[0] !== 'serve') return undefined;
  if (OCLIF_ENV.some((name) => env[name] !== undefined)) return undefined;
  const flags: ServeFlags = { set: [] };
  const seen = new Set<string>();
  const once = (name: string) => {
    if (seen.has(name)) return false;
    seen.add(name);
    return true;
  };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    const bool = /^--(no-)?(tls|pretty|ephemeral)$/.exec(a);
    if (bool) {
      const name = bool[2] as 'tls' | 'pretty' | 'ephemeral';
      if (bool[1] && !(NEGATABLE as readonly string[]).includes(name)) return undefined;
      if (!once(name)) return undefined;
      flags[name] = !bool[1];
      continue;
    }
    const m = /^(?:--([a-z-]+)|-(c))(?:=(.*))?$/s.exec(a);
    if (!m) return undefined;
    if (m[2] && m[3] !== undefined) return undefined; // -c=FILE: left to oclif
    const name = m[1] ?? 'config';
    const value = m[3] ?? argv[++i];
    if (value === undefined || value === '' || value.startsWith('-')) return undefined;
    if ((PORT_FLAGS as readonly string[]).includes(name)) {
      if (!/^\d+$/.test(value) || Number(value) > 65535 || !once(name)) return undefined;
      flags[name as (typeof PORT_FLAGS)[number]] = Number(value);
    } else if ((STRING_FLAGS as readonly string[]).includes(name)) {
      if (name === 'set') {
        flags.set.push(value);
        continue;
      }
      if (!once(name) || (name === 'log-level' && !LOG_LEVELS.includes(value))) return undefined;
      flags[name as 'config' | 'data-dir' | 'socket' | 'log-level'] = value;
    } else return undefined;
  }
  // --config's environment fallback, as oclif applies it (a non-empty variable, when the flag is absent).
  if (flags.config === undefined && env.OMNISEP_CONFIG) flags.config = env.OMNISEP_CONFIG;
  return flags;
}

/**
 * Run the daemon with `run` (daemon/serve-run.ts's `runServe`; src/ does not import daemon/) and report a refused
 * start as the oclif command does: a CliError's message in red on stderr and its exit code; anything else through
 * oclif's handler (loaded then), which prints and exits as `execute` would.
 */
export async function leanServe(flags: ServeFlags, run: (flags: ServeFlags) => Promise<void>): Promise<void> {
  try {
    await run(flags);
  } catch (err) {
    if (err instanceof CliError) {
      const c = makeChalk(colorEnabled({ isTTY: Boolean(process.stderr.isTTY), env: process.env }));
      process.stderr.write(`${c.red(err.message)}\n`);
      process.exit(err.exitCode);
    }
    const { handle } = await import('@oclif/core');
    await handle(err as Error);
  }
}
