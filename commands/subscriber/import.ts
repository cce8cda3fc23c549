import * as fs from 'node:fs';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { countryCodeFlag } from '../../src/cli/args.js';
import { OperationalError } from '../../src/cli/errors.js';
import type { ImportSummary } from '../../src/cli/bulk-import.js';
import { subscriberCsvFormat } from '../../src/cli/import-formats.js';
import { importFailure, importFile, renderImportSummary } from '../../src/cli/import-command.js';
import { BATCH_MAX_ROWS, importRoutes } from '../../src/contracts/imports.js';

export default class SubscriberImport extends BaseCommand<typeof SubscriberImport, ImportSummary> {
  static override summary = 'Import SIMs from a CSV file of any size into the local subscriber store.';
  static override description =
    'The file is streamed (never read whole) and sent in batches (POST /api/import/subscribers), each applied as one durable commit. ' +
    'The first line that is not blank or a # comment names the columns: imsi, ki, and opc or op; optionally msisdn, amf (default 8000), sqn (default 0). ' +
    'MSISDNs are stored in E.164: with --country-code the CLI converts national numbers (a line it cannot convert is reported by number), else the daemon reads them with subscribers.country_code. ' +
    'Every line that is not applied is reported by number and reason, never with its keys: a bad field, a wrong column count, invalid UTF-8, a line over --max-line-bytes, ' +
    'an IMSI already on an earlier line, or a subscriber that exists with other keys (unless --replace). A subscriber that exists with the same keys counts as unchanged, ' +
    'so if the daemon stops midway, running the same command again finishes the job. --replace never moves a subscriber\'s SQN backwards. ' +
    'A progress bar runs on a terminal; the summary gives added, replaced, unchanged, skipped, errors and lines per second. Exit 1 if any line was not applied.';
  static override examples = [
    { description: 'The lab SIMs shipped with omnisep', command: '<%= config.bin %> <%= command.id %> fixtures/subscribers/lab.csv' },
    { description: 'Check a file against the store first, writing nothing', command: '<%= config.bin %> <%= command.id %> sims.csv --dry-run' },
    { description: 'Re-provision: overwrite the keys of subscribers that exist', command: '<%= config.bin %> <%= command.id %> sims.csv --replace' },
    { description: 'National MSISDNs (0170 1234567 → +491701234567)', command: '<%= config.bin %> <%= command.id %> sims.csv --country-code DE' },
    { description: 'From a pipe, summary as JSON', command: 'zcat sims.csv.gz | <%= config.bin %> <%= command.id %> - --json' },
  ];
  static override args = { file: Args.string({ description: 'CSV file (- for stdin)', required: true }) };
  static override flags = {
    replace: Flags.boolean({ summary: 'Overwrite subscribers that exist with other keys.' }),
    'dry-run': Flags.boolean({ summary: 'Validate every line against the store; write nothing.' }),
    'batch-size': Flags.integer({ summary: `Lines per batch (1-${BATCH_MAX_ROWS}).`, default: 2000, min: 1, max: BATCH_MAX_ROWS }),
    'country-code': countryCodeFlag(),
    'max-line-bytes': Flags.integer({ summary: 'Longer lines are reported and skipped without being read whole.', default: 4096, min: 64, max: 1 << 20 }),
  };

  async run(): Promise<ImportSummary> {
    const { args, flags } = this;
    const dryRun = flags['dry-run'];
    const country = flags['country-code'];
    const toE164 = country ? (await import('../../src/util/msisdn.js')).toE164 : undefined;
    return importFile({
      file: args.file, fs, format: subscriberCsvFormat(toE164 ? { toMsisdn: (raw) => toE164(raw, country) } : {}), maxLineBytes: flags['max-line-bytes'], batchSize: flags['batch-size'], dryRun,
      showBar: !this.jsonMode && Boolean(process.stderr.isTTY),
      send: (rows) => this.client.call(importRoutes.importSubscriberBatch, { body: { rows, ...(flags.replace ? { replace: true } : {}), ...(dryRun ? { dry_run: true } : {}) } }),
    });
  }

  protected render(summary: ImportSummary): string {
    return renderImportSummary(summary, this.chalk, 'CSV');
  }

  protected override failure(summary: ImportSummary): OperationalError | undefined {
    return importFailure(summary);
  }
}
