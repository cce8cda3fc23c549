import * as fs from 'node:fs';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { OperationalError } from '../../src/cli/errors.js';
import type { ImportSummary } from '../../src/cli/bulk-import.js';
import { entitlementJsonFormat } from '../../src/cli/import-formats.js';
import { importFailure, importFile, renderImportSummary } from '../../src/cli/import-command.js';
import { BATCH_MAX_ROWS, importRoutes } from '../../src/contracts/imports.js';

export default class EntitlementImport extends BaseCommand<typeof EntitlementImport, ImportSummary> {
  static override summary = 'Import entitlement overrides from JSON lines (what `entitlement export` writes).';
  static override description =
    'One JSON object per line: {"imsi": "001010000000001", "apps": {"ap2004": {"entitlement_status": 1, "addr_status": 1}}} (an "updated_at" field is accepted and ignored). ' +
    'A line sets the IMSI\'s whole override record; every app\'s fields are validated by the TS.43 catalog as `entitlement set` does. ' +
    'The file is streamed and sent in batches (POST /api/import/entitlements), each one durable commit. Lines not applied are reported by number and reason: ' +
    'not JSON, a bad field, an IMSI already on an earlier line, or an IMSI with other overrides already (unless --replace); identical overrides count as unchanged, ' +
    'so an interrupted import is finished by running it again. Exit 1 if any line was not applied.';
  static override examples = [
    { description: 'Restore a backup', command: '<%= config.bin %> <%= command.id %> overrides.jsonl --replace' },
    { description: 'Check first, writing nothing', command: '<%= config.bin %> <%= command.id %> overrides.jsonl --dry-run' },
  ];
  static override args = { file: Args.string({ description: 'JSON-lines file (- for stdin)', required: true }) };
  static override flags = {
    replace: Flags.boolean({ summary: 'Overwrite the overrides of IMSIs that have other ones.' }),
    'dry-run': Flags.boolean({ summary: 'Validate every line against the store; write nothing.' }),
    'batch-size': Flags.integer({ summary: `Lines per batch (1-${BATCH_MAX_ROWS}).`, default: 1000, min: 1, max: BATCH_MAX_ROWS }),
    'max-line-bytes': Flags.integer({ summary: 'Longer lines are reported and skipped without being read whole.', default: 65536, min: 64, max: 1 << 20 }),
  };

  async run(): Promise<ImportSummary> {
    const { args, flags } = this;
    const dryRun = flags['dry-run'];
    return importFile({
      file: args.file, fs, format: entitlementJsonFormat(), maxLineBytes: flags['max-line-bytes'], batchSize: flags['batch-size'], dryRun,
      showBar: !this.jsonMode && Boolean(process.stderr.isTTY),
      send: (rows) => this.client.call(importRoutes.importEntitlementBatch, { body: { rows, ...(flags.replace ? { replace: true } : {}), ...(dryRun ? { dry_run: true } : {}) } }),
    });
  }

  protected render(summary: ImportSummary): string {
    return renderImportSummary(summary, this.chalk, 'JSON');
  }

  protected override failure(summary: ImportSummary): OperationalError | undefined {
    return importFailure(summary);
  }
}
