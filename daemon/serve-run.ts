/**
 * What `omnisep serve` does once its flags are parsed: flags → config → startDaemon → banner → wait for a signal.
 * Called by the oclif command (`commands/serve.ts`) and by `bin/run.js`'s lean path for a plain argv
 * (`src/cli/lean-serve.ts`), which parses the same flags without loading oclif (docs/performance.md § Fourth round
 * (helper rss)). Nothing here imports oclif: a refused start throws the CLI's typed error and the caller reports it.
 */
import { ConfigRefusedError, DataRefusedError, UnavailableError } from '../src/cli/errors.js';
import { ConfigError } from '../src/contracts/config.js';
import { releaseYoungGeneration } from '../src/cli/young-generation.js';
import type { ServeFlags } from '../src/cli/lean-serve.js';
import { loadConfig } from './config/index.js';
import { applyReload } from './config/reload.js';
import { listenFailure } from './listen-error.js';
import { systemdNotifier } from './systemd-notify.js';
import { startDaemon, type RunningDaemon } from './main.js';
import { createLogger } from './logging.js';
import { formatBanner } from './banner.js';

/** Per-listener flags → config keys (every listener the daemon has, now or later). */
export const PORT_FLAGS = {
  'http-port': 'http.port',
  'api-port': 'admin.port',
  'diameter-port': 'diameter.listen_port',
  'aaa-port': 'aaa.listen_port',
  'imap-port': 'vvm.imap_port',
} as const;

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

/** Run the daemon until SIGTERM/SIGINT; a refused start throws ConfigRefusedError, DataRefusedError or UnavailableError. */
export async function runServe(flags: ServeFlags): Promise<void> {
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
