import * as fs from 'node:fs';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { UsageError } from '../../src/cli/errors.js';
import { openExportSink } from '../../src/cli/export-command.js';
import { entitlementJsonLines } from '../../src/cli/import-formats.js';
import { EXPORT_PAGE_MAX, importRoutes } from '../../src/contracts/imports.js';

interface ExportSummary {
  status: 'ok';
  count: number;
  with_keys?: boolean;
  output: string;
}

export default class EntitlementExport extends BaseCommand<typeof EntitlementExport, ExportSummary> {
  static override summary = 'Export every entitlement override as JSON lines, streamed page by page.';
  static override description =
    'GET /api/export/entitlements in IMSI order. One line per IMSI: {"imsi", "apps": {app id: fields}, "updated_at"} — the lines `entitlement import` reads back.';
  static override examples = [
    { description: 'Back up the overrides', command: '<%= config.bin %> <%= command.id %> -o overrides.jsonl' },
    { description: 'IMSIs with a VoWiFi override', command: '<%= config.bin %> <%= command.id %> | jq -r \'select(.apps.ap2004) | .imsi\'' },
  ];
  static override flags = {
    output: Flags.string({ char: 'o', summary: 'Write to this file instead of stdout.', helpValue: 'FILE' }),
    'page-size': Flags.integer({ summary: `Overrides per request (1-${EXPORT_PAGE_MAX}).`, default: 1000, min: 1, max: EXPORT_PAGE_MAX }),
  };

  async run(): Promise<ExportSummary> {
    const { flags } = this;
    if (this.jsonMode && !flags.output) throw new UsageError('--json prints a summary: give --output FILE for the JSON lines');
    const sink = openExportSink(flags.output, { secret: false }, fs);
    let after: string | undefined;
    let count = 0;
    for (;;) {
      const page = await this.client.call(importRoutes.exportEntitlements, { query: { limit: flags['page-size'], ...(after ? { after } : {}) } });
      await sink.write(entitlementJsonLines(page.rows));
      count += page.rows.length;
      if (!page.next) break;
      after = page.next;
    }
    await sink.close();
    return { status: 'ok' as const, count, output: sink.where };
  }

  /** The JSON lines went to stdout or the file; the human summary is a note on stderr (only when a file was written). */
  protected render(r: ExportSummary): string {
    if (this.flags.output) this.note(`exported ${r.count} entitlement overrides to ${r.output}`);
    return '';
  }
}
