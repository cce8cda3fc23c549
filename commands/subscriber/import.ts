import { readFileSync } from 'node:fs';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { OperationalError, UsageError } from '../../src/cli/errors.js';
import { subscriberRoutes, type SubscriberImportResult } from '../../src/contracts/subscribers.js';

export default class SubscriberImport extends BaseCommand<typeof SubscriberImport, SubscriberImportResult> {
  static override summary = 'Import SIMs from a CSV file into the local subscriber store.';
  static override description = 'POST /api/subscribers/import. The first non-comment line names the columns: imsi and ki, opc or op, and optionally msisdn, amf (default 8000), sqn (default 0). Lines starting with # are skipped. Existing subscribers are kept unless --replace. Bad lines are reported by number (never with their keys) and the rest is imported; the exit code is 1 if any line failed.';
  static override examples = [
    { description: 'The lab SIMs shipped with omnisep', command: '<%= config.bin %> <%= command.id %> fixtures/subscribers/lab.csv' },
    { description: 'Re-provision: overwrite what exists', command: '<%= config.bin %> <%= command.id %> sims.csv --replace' },
  ];
  static override args = { file: Args.string({ description: 'CSV file (- for stdin)', required: true }) };
  static override flags = { replace: Flags.boolean({ summary: 'Overwrite subscribers that exist.' }) };

  async run(): Promise<SubscriberImportResult> {
    const { file } = this.args;
    let csv: string;
    try {
      csv = readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return this.client.call(subscriberRoutes.importSubscribers, { body: { csv, ...(this.flags.replace ? { replace: true } : {}) } });
  }

  protected render(body: SubscriberImportResult): string {
    return [
      `${this.chalk.green('imported')} ${body.added} added, ${body.replaced} replaced, ${body.skipped} kept (already present)`,
      ...body.errors.map((e) => `${this.chalk.red('line')} ${e.line}: ${e.error}`),
    ].join('\n');
  }

  protected override failure(body: SubscriberImportResult): OperationalError | undefined {
    return body.errors.length ? new OperationalError(`${body.errors.length} line${body.errors.length === 1 ? '' : 's'} not imported`) : undefined;
  }
}
