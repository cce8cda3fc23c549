import { readFileSync } from 'node:fs';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { UsageError } from '../../src/cli/errors.js';
import { subscriberRoutes } from '../../src/contracts/subscribers.js';

export default class SubscriberImport extends BaseCommand {
  static override summary = 'Import SIMs from a CSV file into the local subscriber store.';
  static override description = 'POST /api/subscribers/import. The first non-comment line names the columns: imsi and ki, opc or op, and optionally msisdn, amf (default 8000), sqn (default 0). Lines starting with # are skipped. Existing subscribers are kept unless --replace. Bad lines are reported by number (never with their keys) and the rest is imported; the exit code is 1 if any line failed.';
  static override examples = [
    { description: 'The lab SIMs shipped with omnisep', command: '<%= config.bin %> <%= command.id %> fixtures/subscribers/lab.csv' },
    { description: 'Re-provision: overwrite what exists', command: '<%= config.bin %> <%= command.id %> sims.csv --replace' },
  ];
  static override args = { file: Args.string({ description: 'CSV file (- for stdin)', required: true }) };
  static override flags = { replace: Flags.boolean({ summary: 'Overwrite subscribers that exist.' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(SubscriberImport);
    this.setup(flags);
    let csv: string;
    try {
      csv = readFileSync(args.file === '-' ? 0 : args.file, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read ${args.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const body = await this.client.call(subscriberRoutes.importSubscribers, { body: { csv, ...(flags.replace ? { replace: true } : {}) } });
    this.output(body, () => [
      `${this.chalk.green('imported')} ${body.added} added, ${body.replaced} replaced, ${body.skipped} kept (already present)`,
      ...body.errors.map((e) => `${this.chalk.red('line')} ${e.line}: ${e.error}`),
    ].join('\n'));
    if (body.errors.length) this.exit(1);
  }
}
