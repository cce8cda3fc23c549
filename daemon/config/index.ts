/**
 * Loading the configuration: read the file (YAML; JSON is YAML too), then
 * defaults ← file ← environment ← --set, validated by the schema. Errors name
 * the key and the file (ConfigError).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, resolveConfig, redactConfig, defaultSocketPath, type OmnisepConfig } from '../../src/contracts/config.js';

export { ConfigError, redactConfig, type OmnisepConfig };
export { configSchema } from '../../src/contracts/config.js';

export interface LoadConfigInput {
  /** Config file; absent = defaults only. */
  file?: string;
  env?: Record<string, string | undefined>;
  /** `key.path=value`, applied last (serve's per-listener flags become sets too). */
  sets?: readonly string[];
}

export function loadConfig(input: LoadConfigInput = {}): OmnisepConfig {
  let text: string | undefined;
  if (input.file) {
    try {
      text = readFileSync(input.file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ConfigError([code === 'ENOENT' ? 'file not found' : `cannot read: ${code ?? (e as Error).message}`], input.file);
    }
  }
  return resolveConfig({ text, file: input.file, env: input.env ?? {}, sets: input.sets ?? [] });
}

/** Absolute data dir and control socket path for a config. */
export function resolvePaths(config: OmnisepConfig, env: Record<string, string | undefined> = {}): { dataDir: string; socket: string } {
  const dataDir = resolve(config.storage.data_dir);
  return { dataDir, socket: resolve(defaultSocketPath({ socket: config.control.socket, env, dataDir })) };
}
