import { Args, Flags } from '@oclif/core';
import { stringify } from 'yaml';
import { BaseCommand } from '../../src/cli/base-command.js';
import { ConfigRefusedError } from '../../src/cli/errors.js';
import { ConfigError, ENV_OVERRIDES, redactConfig } from '../../src/contracts/config.js';
// The daemon's own loader (read-only use): the check is exactly what `serve` does.
import { loadConfigWithNotes } from '../../daemon/config/index.js';

interface CheckResult {
  status: 'ok';
  file: string | null;
  env_overrides: Array<{ env: string; key: string }>;
  /** The seed's configuration names found in the file and the keys they were mapped to. */
  seed_names: string[];
  config: unknown;
}

export default class ConfigCheck extends BaseCommand<typeof ConfigCheck, CheckResult> {
  static override summary = 'Validate a configuration file locally, without a daemon.';
  static override description =
    'Applies what `omnisep serve` would: defaults, then FILE (YAML; JSON is valid YAML), then the environment overrides (OMNI_SEP_FQDN, OMNI_SEP_TOKEN_SECRET, DIAMETER_HOST, DIAMETER_REALM, AAA_PEER_HOST, AAA_PEER_IP), then every --set. The seed\'s configuration names (default_entitlements keyed by service: vowifi, volte, smsoip, data_plan, dcb, satmode; a top-level entitlement_version) are accepted and each mapping is printed. Every problem is listed at once, each naming the key, the file and the allowed values; exit 78 (EX_CONFIG, as `serve`) when there is one. Without FILE the defaults and the environment are checked. --print shows the effective configuration, secrets redacted.';
  static override examples = [
    { description: 'Check the production file before a restart', command: '<%= config.bin %> <%= command.id %> /etc/omnisep/omnisep.yaml' },
    { description: 'Would this override be accepted?', command: '<%= config.bin %> <%= command.id %> omnisep.yaml --set token.validity_seconds=3600' },
    { description: 'The effective configuration, secrets redacted', command: '<%= config.bin %> <%= command.id %> omnisep.yaml --print' },
  ];
  static override args = { file: Args.string({ description: 'configuration file (YAML)', required: false }) };
  static override flags = {
    set: Flags.string({ summary: 'Override a key as serve would: key.path=value (repeatable).', multiple: true, helpValue: 'KEY=VALUE' }),
    print: Flags.boolean({ summary: 'Print the effective configuration (YAML; secrets redacted).', default: false }),
  };

  async run(): Promise<CheckResult> {
    const { file } = this.args;
    let config;
    let seedNames: string[];
    try {
      ({ config, seedNames } = loadConfigWithNotes({ file, env: process.env, sets: this.flags.set ?? [] }));
    } catch (e) {
      if (e instanceof ConfigError) throw new ConfigRefusedError(e.message);
      throw e;
    }
    const env = ENV_OVERRIDES.filter(([name]) => process.env[name]).map(([name, key]) => ({ env: name, key }));
    return { status: 'ok', file: file ?? null, env_overrides: env, seed_names: seedNames, config: redactConfig(config) };
  }

  protected render(body: CheckResult): string {
    const sets = this.flags.set?.length;
    const lines = [`${this.chalk.green('ok')} ${body.file ?? '(defaults)'}${body.env_overrides.length ? ` + ${body.env_overrides.map((e) => e.env).join(', ')}` : ''}${sets ? ` + ${sets} --set` : ''}`];
    for (const m of body.seed_names) lines.push(`  mapped ${m}`);
    if (this.flags.print) lines.push(stringify(body.config).trimEnd());
    return lines.join('\n');
  }
}
