import { Args } from '@oclif/core';
import { stringify } from 'yaml';
import { BaseCommand } from '../../src/cli/base-command.js';
import { UsageError } from '../../src/cli/errors.js';
import { routes } from '../../src/contracts/routes.js';
import { schemaAt } from '../../src/contracts/config.js';

export default class ConfigShow extends BaseCommand {
  static override summary = 'Show the running daemon\'s effective configuration, secrets redacted.';
  static override description =
    'What the daemon runs with after defaults, its file, the environment and --set (GET /api/config). Secret keys (token.signing_secret, admin.api_keys) print as [REDACTED]. Give KEY (a dotted path) to see one key or section.';
  static override examples = [
    { description: 'Everything, as YAML', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'One section', command: '<%= config.bin %> <%= command.id %> diameter' },
    { description: 'The API answer unchanged', command: '<%= config.bin %> <%= command.id %> --json' },
  ];
  static override args = { key: Args.string({ description: 'dotted key path, e.g. token.validity_seconds or eap_aka', required: false }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ConfigShow);
    this.setup(flags);
    if (args.key !== undefined && !schemaAt(args.key))
      throw new UsageError(`unknown key ${JSON.stringify(args.key)}; expected a dotted path such as token.validity_seconds (see omnisep.conf(5))`);
    const body = await this.client.call(routes.config);
    if (args.key === undefined) {
      this.output(body, () => `${this.chalk.dim(`# ${body.file ?? 'no config file: defaults, environment and --set'}`)}\n${stringify(body.config).trimEnd()}`);
      return;
    }
    let cur: unknown = body.config;
    for (const seg of args.key.split('.')) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
    this.output(cur ?? null, () => (cur !== null && typeof cur === 'object' ? stringify(cur).trimEnd() : String(cur)));
  }
}
