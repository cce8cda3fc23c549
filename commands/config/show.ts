import { Args } from '@oclif/core';
import { stringify } from 'yaml';
import { BaseCommand } from '../../src/cli/base-command.js';
import { UsageError } from '../../src/cli/errors.js';
import { routes } from '../../src/contracts/route-paths.js';
import type { ConfigView } from '../../src/contracts/config.js';
import { schemaAt } from '../../src/contracts/config.js';

/** The whole view, or with KEY the value at that path (any JSON value). */
type Result = ConfigView | unknown;

export default class ConfigShow extends BaseCommand<typeof ConfigShow, Result> {
  static override summary = 'Show the running daemon\'s effective configuration, secrets redacted.';
  static override description =
    'What the daemon runs with after defaults, its file, the environment and --set (GET /api/config). Secret keys (token.signing_secret, admin.api_keys) print as [REDACTED]. Give KEY (a dotted path) to see one key or section.';
  static override examples = [
    { description: 'Everything, as YAML', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'One section', command: '<%= config.bin %> <%= command.id %> diameter' },
    { description: 'The API answer unchanged', command: '<%= config.bin %> <%= command.id %> --json' },
  ];
  static override args = {
    key: Args.custom<string>({
      parse: async (raw) => {
        if (!schemaAt(raw)) throw new UsageError(`unknown key ${JSON.stringify(raw)}; expected a dotted path such as token.validity_seconds (see omnisep.conf(5))`);
        return raw;
      },
    })({ description: 'dotted key path, e.g. token.validity_seconds or eap_aka', required: false }),
  };

  async run(): Promise<Result> {
    const body = await this.client.call(routes.config);
    const { key } = this.args;
    if (key === undefined) return body;
    let cur: unknown = body.config;
    for (const seg of key.split('.')) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
    return cur ?? null;
  }

  protected render(result: Result): string {
    if (this.args.key === undefined) {
      const body = result as ConfigView;
      return `${this.chalk.dim(`# ${body.file ?? 'no config file: defaults, environment and --set'}`)}\n${stringify(body.config).trimEnd()}`;
    }
    return result !== null && typeof result === 'object' ? stringify(result).trimEnd() : String(result);
  }
}
