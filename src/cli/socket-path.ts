/**
 * Where the CLI looks for the daemon's control socket (docs/cli.md § Where the daemon is). The same
 * answer from any directory, in this order, first that applies:
 *
 *   1. --socket PATH, else OMNISEP_SOCKET (as for `serve`, the environment wins over the file)
 *   2. the daemon's config (--config FILE, else OMNISEP_CONFIG — the variable `serve` reads): its control.socket
 *   3. $XDG_RUNTIME_DIR/omnisep.sock
 *   4. <data dir>/omnisep.sock, the data dir being the config's storage.data_dir (default ./data), made absolute
 *   5. with no config and no $XDG_RUNTIME_DIR, when nothing is at ./data/omnisep.sock: the socket of the last
 *      daemon this user started, from the pointer it leaves (`socketPointerPath`, checked by `followSocketPointer`)
 *
 * This is `serve`'s own rule (`defaultSocketPath` in src/contracts/config.ts) fed with the same file and
 * environment, so the two agree. A relative data dir is relative to the directory `serve` was started in,
 * which the CLI cannot know: it resolves it against the current directory and says so when nothing answers
 * there (give `storage.data_dir` or `control.socket` as an absolute path in a shared config).
 */
import { isAbsolute, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import type { ConfigError, resolveConfig } from '../contracts/config.js';
import { defaultSocketPath, socketPointerPath } from '../contracts/socket-location.js';
import { UsageError } from '../client/errors.js';
import { followSocketPointer, pathExists, readSmallFile } from './local-file.js';

export interface SocketLocation {
  /** Absolute path of the socket. */
  path: string;
  /** Where it came from, for the "no daemon" line; undefined for an explicit --socket/OMNISEP_SOCKET. */
  source?: string;
}

/** What reading a config file needs: the config schema (TypeBox), loaded only when a command is given one. */
export interface ConfigReader {
  resolveConfig: typeof resolveConfig;
  ConfigError: typeof ConfigError;
}

/** The config reader, imported when --config / OMNISEP_CONFIG names a file (docs/performance.md § Third round). */
export function loadConfigReader(): Promise<ConfigReader> {
  return import('../contracts/config.js');
}

export function locateSocket(opts: { socket?: string | undefined; config?: string | undefined; configReader?: ConfigReader; env: Record<string, string | undefined>; cwd: string; tmp?: string }): SocketLocation {
  if (opts.socket) return { path: resolve(opts.cwd, opts.socket) };
  const env: Record<string, string | undefined> = { ...opts.env, OMNISEP_SOCKET: undefined };
  if (opts.config) {
    const file = resolve(opts.cwd, opts.config);
    const r = readSmallFile(file);
    if ('error' in r) throw new UsageError(`--config ${opts.config}: cannot read the daemon's config file (${r.error}); give the file serve was started with, or --socket PATH`);
    if (!opts.configReader) throw new Error('locateSocket: a config file needs the config reader (await loadConfigReader())');
    let config;
    try {
      config = opts.configReader.resolveConfig({ text: r.text, file, env });
    } catch (e) {
      if (e instanceof opts.configReader.ConfigError) throw new UsageError(`--config ${opts.config}: ${e.message}`);
      throw e;
    }
    const dataDir = config.storage.data_dir;
    const path = resolve(opts.cwd, defaultSocketPath({ socket: config.control.socket, env, dataDir }));
    const source = config.control.socket
      ? `control.socket of ${file}`
      : env.XDG_RUNTIME_DIR
        ? `$XDG_RUNTIME_DIR; ${file} names no control.socket`
        : `storage.data_dir of ${file}${isAbsolute(dataDir) ? '' : ` (${dataDir}, relative: resolved against this directory)`}`;
    return { path, source };
  }
  if (env.XDG_RUNTIME_DIR) return { path: resolve(opts.cwd, defaultSocketPath({ env, dataDir: './data' })), source: '$XDG_RUNTIME_DIR' };
  const here = resolve(opts.cwd, defaultSocketPath({ env, dataDir: './data' }));
  const uid = process.getuid?.();
  if (!pathExists(here) && uid !== undefined) {
    const pointer = socketPointerPath(opts.tmp ?? tmpdir(), uid);
    const last = followSocketPointer(pointer, uid);
    if (last) return { path: last, source: `the last daemon this user started (${pointer})` };
  }
  return {
    path: here,
    source: 'the default data dir ./data of this directory; point at the daemon with --config FILE, --socket PATH or OMNISEP_SOCKET',
  };
}
