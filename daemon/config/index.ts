/**
 * Loading the configuration: read the file (YAML; JSON is YAML too), then
 * defaults ← file ← environment ← --set, validated by the schema. Errors name
 * the key and the file (ConfigError).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { validateEntitlement } from '../../src/services/entitlements/catalog.js';
import { countryProblem } from '../../src/util/msisdn.js';
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
  return loadConfigWithNotes(input).config;
}

/** loadConfig, and how the seed's configuration names in the file were mapped (`config check` prints them). */
export function loadConfigWithNotes(input: LoadConfigInput = {}): { config: OmnisepConfig; seedNames: string[] } {
  let text: string | undefined;
  if (input.file) {
    try {
      text = readFileSync(input.file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ConfigError([code === 'ENOENT' ? 'file not found' : `cannot read: ${code ?? (e as Error).message}`], input.file);
    }
  }
  let seedNames: string[] = [];
  const config = resolveConfig({ text, file: input.file, env: input.env ?? {}, sets: input.sets ?? [], extraChecks: defaultEntitlementProblems, onSeedNames: (m) => void (seedNames = [...m]) });
  return { config, seedNames };
}

/** `default_entitlements.<app>` validated per app by the TS.43 catalog (the schema only knows they are objects); `subscribers.country_code` by libphonenumber. */
export function defaultEntitlementProblems(config: OmnisepConfig): string[] {
  const out: string[] = [];
  const country = countryProblem(config.subscribers.country_code);
  if (country) out.push(`subscribers.country_code: ${country}`);
  for (const [app, data] of Object.entries(config.default_entitlements)) {
    const v = validateEntitlement(app, data);
    if (!v.ok) out.push(...v.errors.map((e) => `default_entitlements.${app}: ${e}`));
  }
  return out;
}

/** Absolute data dir and control socket path for a config. */
export function resolvePaths(config: OmnisepConfig, env: Record<string, string | undefined> = {}): { dataDir: string; socket: string } {
  const dataDir = resolve(config.storage.data_dir);
  return { dataDir, socket: resolve(defaultSocketPath({ socket: config.control.socket, env, dataDir })) };
}
