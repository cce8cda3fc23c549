import * as fs from 'node:fs';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { UsageError } from '../../src/cli/errors.js';
import { openExportSink } from '../../src/cli/export-command.js';
import { subscriberCsvHeaderLine, subscriberCsvLines } from '../../src/cli/import-formats.js';
import { EXPORT_PAGE_MAX, importRoutes } from '../../src/contracts/imports.js';

interface ExportSummary {
  status: 'ok';
  count: number;
  with_keys?: boolean;
  output: string;
}

export default class SubscriberExport extends BaseCommand<typeof SubscriberExport, ExportSummary> {
  static override summary = 'Export the subscriber store as CSV, streamed page by page (keys only with --with-keys).';
  static override description =
    'GET /api/export/subscribers in IMSI order, one page at a time. Columns imsi,msisdn,amf,sqn — the layout `subscriber import` reads. ' +
    'With --with-keys the columns ki,opc follow in plain hex (OPc also for SIMs given with OP: OP is not kept); the daemon serves keys on its control socket only, ' +
    'records the export in the activity log, and this command warns on stderr and creates the file with mode 0600. Without it, no key leaves the daemon.';
  static override examples = [
    { description: 'IMSI, MSISDN, AMF and SQN of every SIM', command: '<%= config.bin %> <%= command.id %> > sims.csv' },
    { description: 'A full backup that `subscriber import` restores (holds the keys: keep it safe)', command: '<%= config.bin %> <%= command.id %> --with-keys -o sims-with-keys.csv' },
  ];
  static override flags = {
    'with-keys': Flags.boolean({ summary: 'Include Ki and OPc in plain hex (control socket only).' }),
    output: Flags.string({ char: 'o', summary: 'Write to this file instead of stdout.', helpValue: 'FILE' }),
    'page-size': Flags.integer({ summary: `Subscribers per request (1-${EXPORT_PAGE_MAX}).`, default: 2000, min: 1, max: EXPORT_PAGE_MAX }),
  };

  async run(): Promise<ExportSummary> {
    const { flags } = this;
    const withKeys = flags['with-keys'];
    if (this.jsonMode && !flags.output) throw new UsageError('--json prints a summary: give --output FILE for the CSV');
    if (withKeys) process.stderr.write('warning: this export holds every Ki and OPc in plain hex — keep it mode 0600, move it only over encrypted channels, delete it when done\n');
    const sink = openExportSink(flags.output, { secret: withKeys }, fs);
    let after: string | undefined;
    let count = 0;
    await sink.write(subscriberCsvHeaderLine(withKeys));
    for (;;) {
      const page = await this.client.call(importRoutes.exportSubscribers, { query: { limit: flags['page-size'], ...(after ? { after } : {}), ...(withKeys ? { with_keys: '1' as const } : {}) } });
      await sink.write(subscriberCsvLines(page.rows, withKeys));
      count += page.rows.length;
      if (!page.next) break;
      after = page.next;
    }
    await sink.close();
    return { status: 'ok' as const, count, with_keys: withKeys, output: sink.where };
  }

  /** The CSV went to stdout or the file; the human summary is a note on stderr (only when a file was written). */
  protected render(r: ExportSummary): string {
    if (this.flags.output) this.note(`exported ${r.count} subscribers to ${r.output}`);
    return '';
  }
}
