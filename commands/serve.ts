/**
 * `omnisep serve`: run the daemon in the foreground (systemd-friendly). The
 * only command that imports daemon/: parse flags → load config → startDaemon
 * → print where each service listens → wait for a signal.
 */
import { Flags } from '@oclif/core';
import { BaseCommand } from '../src/cli/base-command.js';
import { ConfigRefusedError, DataRefusedError, UnavailableError } from '../src/cli/errors.js';
import { ConfigError } from '../src/contracts/config.js';
import { loadConfig } from '../daemon/config/index.js';
import { applyReload } from '../daemon/config/reload.js';
import { listenFailure } from '../daemon/listen-error.js';
import { systemdNotifier } from '../daemon/systemd-notify.js';
import { startDaemon, type RunningDaemon } from '../daemon/main.js';
import { createLogger } from '../daemon/logging.js';
import { formatBanner } from '../daemon/banner.js';
import { releaseYoungGeneration } from '../src/cli/young-generation.js';

/** Per-listener flags → config keys (every listener the daemon has, now or later). */
export const PORT_FLAGS = {
  'http-port': 'http.port',
  'api-port': 'admin.port',
  'diameter-port': 'diameter.listen_port',
  'aaa-port': 'aaa.listen_port',
  'imap-port': 'vvm.imap_port',
} as const;

const port = (key: string) => Flags.integer({ min: 0, max: 65535, description: `listen port (overrides ${key}); 0 picks a free port, shown in the banner and GET /api/status`, helpGroup: 'LISTENERS' });

/**
 * What a refused start exits with (docs/operations.md § Exit codes), so systemd restarts what may
 * pass and not what needs an operator: a damaged store 65, a configuration 78, the rest 69.
 */
function startRefusal(code: string | undefined): (new (message: string) => Error) | undefined {
  if (!code?.startsWith('OMNISEP_')) return undefined;
  if (code === 'OMNISEP_STORE_CORRUPT' || code === 'OMNISEP_STORE_SCHEMA_TOO_NEW') return DataRefusedError;
  if (code === 'OMNISEP_STORE_CONFIG' || code === 'OMNISEP_STORE_AUTH' || code.startsWith('OMNISEP_KEK_')) return ConfigRefusedError;
  return UnavailableError; // OMNISEP_STORE_LOCKED, OMNISEP_CONTROL_IN_USE, OMNISEP_STORE_UNREACHABLE, …
}

export default class Serve extends BaseCommand<typeof Serve, void> {
  // A server, not a client of the control socket: none of the client flags, no --json.
  static override baseFlags = {} as (typeof BaseCommand)['baseFlags'];
  static override enableJsonFlag = false;

  static override summary = 'Run the omnisep daemon in the foreground.';
  static override description = `Starts the public HTTP server (TS.43, XCAP, /health), the admin API (TLS, bearer token), the control socket the CLI talks to, and — per config — the Diameter node and the built-in AAA. Logs JSON lines to stdout (pretty on a TTY or with --pretty) and prints where each service listens on stderr.

A refused configuration (every problem listed at once) exits 78 (EX_CONFIG); other refused starts exit 1.

Configuration: defaults ← the --config file (YAML; JSON is YAML too) ← environment (OMNI_SEP_FQDN, OMNI_SEP_TOKEN_SECRET, DIAMETER_HOST, DIAMETER_REALM, AAA_PEER_HOST, AAA_PEER_IP, OMNISEP_SOCKET) ← --set key.path=value ← the dedicated flags. Every key is described in omnisep.conf(5).

SIGTERM or SIGINT stops gracefully: refuse new work, end event streams, Diameter DPR, drain HTTP, flush storage, remove the socket. SIGHUP reloads the log level, activity retention, entitlement defaults, admin API keys and metrics switch, and says which changed keys need a restart.`;

  static override examples = [
    { description: 'Run on embedded defaults (data under ./data)', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Run with a config file and a production data dir', command: '<%= config.bin %> <%= command.id %> --config /etc/omnisep/omnisep.yaml --data-dir /var/lib/omnisep' },
    { description: 'Pick free ports, no TLS on the admin API (development)', command: '<%= config.bin %> <%= command.id %> --http-port 0 --api-port 0 --no-tls' },
    { description: 'Override any key', command: '<%= config.bin %> <%= command.id %> --set token.validity_seconds=3600 --set admin.api_keys=0123456789abcdef0123' },
  ];

  static override flags = {
    config: Flags.string({ char: 'c', description: 'config file (YAML or JSON); env OMNISEP_CONFIG', env: 'OMNISEP_CONFIG' }),
    'data-dir': Flags.string({ description: 'data directory (overrides storage.data_dir)' }),
    socket: Flags.string({ description: 'control socket path (overrides control.socket; default $XDG_RUNTIME_DIR/omnisep.sock, else <data-dir>/omnisep.sock); env OMNISEP_SOCKET' }),
    set: Flags.string({ description: 'override a config key: key.path=value (repeatable)', multiple: true, default: [] }),
    'http-port': port('http.port'),
    'api-port': port('admin.port'),
    'diameter-port': port('diameter.listen_port'),
    'aaa-port': port('aaa.listen_port'),
    'imap-port': port('vvm.imap_port'),
    tls: Flags.boolean({ allowNo: true, description: 'TLS on the admin API (default on; --no-tls for development)' }),
    pretty: Flags.boolean({ allowNo: true, description: 'human-readable logs (default: when stdout is a TTY)' }),
    'log-level': Flags.string({ options: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], description: 'log level (overrides log.level)' }),
    ephemeral: Flags.boolean({ description: 'keep everything in memory (storage.driver=memory): nothing survives a restart' }),
  };

  /** It logs as it runs; nothing is left to print when it stops. */
  protected render(): string {
    return '';
  }

  async run(): Promise<void> {
    const { flags } = this;
    const sets = [...flags.set];
    for (const [flag, key] of Object.entries(PORT_FLAGS)) {
      const v = flags[flag as keyof typeof PORT_FLAGS];
      if (v !== undefined) sets.push(`${key}=${v}`);
    }
    if (flags['data-dir']) sets.push(`storage.data_dir=${flags['data-dir']}`);
    if (flags.socket) sets.push(`control.socket=${flags.socket}`);
    if (flags.tls !== undefined) sets.push(`admin.tls=${flags.tls}`);
    if (flags.pretty !== undefined) sets.push(`log.pretty=${flags.pretty}`);
    if (flags['log-level']) sets.push(`log.level=${flags['log-level']}`);
    if (flags.ephemeral) sets.push('storage.driver=memory');

    const load = () => loadConfig({ file: flags.config, env: process.env, sets });
    let config;
    try {
      config = load();
    } catch (e) {
      if (e instanceof ConfigError) throw new ConfigRefusedError(`omnisep serve: ${e.message}`);
      throw e;
    }
    const logger = createLogger({ level: config.log.level, pretty: config.log.pretty });
    let daemon: RunningDaemon;
    try {
      daemon = await startDaemon(config, { logger, configFile: flags.config ?? null });
    } catch (e) {
      logger.flush?.();
      const code = (e as { code?: string }).code;
      if (e instanceof ConfigError) throw new ConfigRefusedError(`omnisep serve: ${e.message}`);
      const bind = listenFailure(e, config);
      if (bind) throw new UnavailableError(`omnisep serve: ${bind}`);
      const refusal = startRefusal(code);
      if (refusal) throw new refusal(`omnisep serve: ${(e as Error).message}`);
      throw e;
    }
    releaseYoungGeneration(); // held by bin/run.js while the modules loaded: V8's default growth under load
    process.stderr.write(formatBanner(daemon.ctx, { color: Boolean(process.stderr.isTTY) && !process.env.NO_COLOR }));
    const systemd = systemdNotifier(process.env, logger);
    systemd.ready(`serving ${daemon.ctx.listeners.http?.url ?? ''}`.trim());

    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) {
          logger.warn({ signal }, 'second signal: exiting now');
          process.exit(1);
        }
        stopping = true;
        systemd.stopping();
        systemd.close();
        logger.info({ signal }, 'stopping');
        void daemon.close().then((report) => {
          logger.info({ steps: report.map((r) => `${r.phase}:${r.name}:${r.ok ? 'ok' : r.error}`) }, 'stopped');
          logger.flush?.();
          resolve();
        });
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
      process.on('SIGHUP', () => {
        systemd.reloading();
        try {
          const r = applyReload(daemon.ctx, load());
          logger.info({ reloaded: r.reloaded, restart_needed: r.restart_needed }, r.reloaded.length ? `reloaded: ${r.reloaded.join(', ')}` : 'reload: nothing reloadable changed');
          if (r.restart_needed.length) logger.warn({ keys: r.restart_needed }, `changed but only applied on restart: ${r.restart_needed.join(', ')}`);
        } catch (e) {
          logger.error({ err: e instanceof ConfigError ? e.message : e }, 'reload refused: the running configuration is unchanged');
        }
        systemd.ready('reloaded');
      });
    });
  }
}
