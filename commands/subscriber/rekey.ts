import { Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { EXPORT_PAGE_MAX, importRoutes } from '../../src/contracts/imports.js';

interface RekeySummary {
  status: 'ok';
  kek_id: string | null;
  resealed: number;
  unchanged: number;
}

export default class SubscriberRekey extends BaseCommand<typeof SubscriberRekey, RekeySummary> {
  static override summary = 'Reseal every subscriber\'s Ki/OPc with the daemon\'s current KEK (KEK rotation).';
  static override description =
    'POST /api/subscribers/rekey page by page in IMSI order. Each record not sealed with the current KEK (subscribers.kek_file or OMNISEP_KEK) is opened — ' +
    'with the current KEK or one of subscribers.previous_kek_files — and sealed again with the current one, in one atomic update per record; ' +
    'records in plain hex are sealed; with no KEK configured, sealed records are turned back into plain hex. Safe to interrupt and run again. ' +
    'The rotation procedure is in docs/operations.md § Rotating the KEK.';
  static override examples = [
    { description: 'After pointing subscribers.kek_file at the new KEK and listing the old one in subscribers.previous_kek_files', command: '<%= config.bin %> <%= command.id %>' },
  ];
  static override flags = {
    'page-size': Flags.integer({ summary: `Records per request (1-${EXPORT_PAGE_MAX}).`, default: 1000, min: 1, max: EXPORT_PAGE_MAX }),
  };

  async run(): Promise<RekeySummary> {
    const { flags } = this;
    let after: string | undefined;
    let resealed = 0;
    let unchanged = 0;
    let kekId: string | null = null;
    for (;;) {
      const r = await this.client.call(importRoutes.rekeySubscribers, { body: { limit: flags['page-size'], ...(after ? { after } : {}) } });
      resealed += r.resealed;
      unchanged += r.unchanged;
      kekId = r.kek_id;
      if (!r.next) break;
      after = r.next;
    }
    return { status: 'ok' as const, kek_id: kekId, resealed, unchanged };
  }

  protected render(r: RekeySummary): string {
    return `${this.chalk.green('rekeyed')} ${r.resealed} resealed, ${r.unchanged} already ${r.kek_id ? `sealed with KEK ${r.kek_id}` : 'in plain hex (no KEK configured)'}`;
  }
}
