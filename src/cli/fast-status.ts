/**
 * `omnisep status` without oclif, for the plain calls (`bin/run.js`; docs/performance.md § Third round). oclif is
 * 66 modules, its 380 KB manifest parsed and a plugin scan on every start: most of what `status` cost once
 * TypeBox and undici were gone. Taken only for argv oclif would parse the same way — `status` followed by
 * nothing but `--json`, `--socket PATH`/`--socket=PATH` and `--config FILE`/`--config=FILE`, each at most once —
 * and an environment with nothing that changes oclif's behaviour (`OMNISEP_URL`, `OMNISEP_CONTENT_TYPE`, `DEBUG`,
 * `OMNISEP_DEBUG`). It prints what `commands/status.ts` prints on success, through the same renderer, colour
 * rule and JSON form as `BaseCommand`. Anything else — a usage error, a config error, no daemon, a non-2xx
 * answer — is not reported here: it returns false before printing anything and oclif runs the command, which
 * says what went wrong exactly as it always did (status is a GET: asking again changes nothing).
 */
import { ControlClient } from '../client/control-client.js';
import { routes } from '../contracts/route-paths.js';
import { colorEnabled, makeChalk } from './output.js';
import { renderStatus } from './render.js';
import { loadConfigReader, locateSocket } from './socket-path.js';

export interface PlainStatusCall {
  json: boolean;
  socket?: string;
  config?: string;
}

/** Variables that make oclif (or the flags' env fallbacks) do something the fast path does not. */
const OCLIF_ENV = ['OMNISEP_URL', 'OMNISEP_CONTENT_TYPE', 'DEBUG', 'OMNISEP_DEBUG'];

/** The flags of a plain `omnisep status` call, or undefined when oclif must parse this argv. */
export function plainStatusCall(argv: readonly string[], env: Record<string, string | undefined>): PlainStatusCall | undefined {
  if (argv[0] !== 'status') return undefined;
  if (OCLIF_ENV.some((name) => env[name] !== undefined)) return undefined;
  const call: PlainStatusCall = { json: false };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') {
      if (call.json) return undefined;
      call.json = true;
      continue;
    }
    const m = /^--(socket|config)(?:=(.*))?$/s.exec(a);
    if (!m) return undefined;
    const name = m[1] as 'socket' | 'config';
    const value = m[2] ?? argv[++i];
    if (call[name] !== undefined || value === undefined || value === '' || value.startsWith('-')) return undefined;
    call[name] = value;
  }
  // The flags' environment fallbacks, as oclif applies them (a non-empty variable, when the flag is absent).
  if (call.socket === undefined && env.OMNISEP_SOCKET) call.socket = env.OMNISEP_SOCKET;
  if (call.config === undefined && env.OMNISEP_CONFIG) call.config = env.OMNISEP_CONFIG;
  return call;
}

/** Run a plain `status` call; false (nothing printed) when oclif must run it instead. */
export async function fastStatus(argv: readonly string[]): Promise<boolean> {
  const call = plainStatusCall(argv, process.env);
  if (!call) return false;
  let client: ControlClient | undefined;
  try {
    const configReader = call.config ? await loadConfigReader() : undefined;
    const at = locateSocket({ socket: call.socket, config: call.config, configReader, env: process.env, cwd: process.cwd() });
    client = new ControlClient({ kind: 'socket', path: at.path, ...(at.source ? { source: at.source } : {}) });
    const body = await client.call(routes.status);
    const text = call.json
      ? `${JSON.stringify(body, null, 2)}\n`
      : renderStatus(body, makeChalk(colorEnabled({ isTTY: Boolean(process.stdout.isTTY), env: process.env })));
    if (text) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return true;
  } catch {
    return false;
  } finally {
    await client?.close();
  }
}
