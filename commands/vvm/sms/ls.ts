import { Flags } from '@oclif/core';
import { BaseCommand } from '../../../src/cli/base-command.js';
import { renderVvmSmsList } from '../../../src/cli/vvm-render.js';
import { vvmRoutes, type VvmSmsList } from '../../../src/contracts/vvm.js';

export default class VvmSmsLs extends BaseCommand<typeof VvmSmsLs, VvmSmsList> {
  static override summary = 'List the SMS backlog: VVM SMS waiting for the gateway or a retry, and those given up.';
  static override description =
    'GET /api/vvm/sms. An SMS stays here from the moment it is queued until the gateway takes it; a failed attempt is retried with exponential back-off (vvm.sms_gateway_backoff_ms, vvm.sms_gateway_max_attempts), then kept as failed for vvm.sms_failed_retention_seconds. Texts are shown with pw= redacted; a STATUS with credentials has no stored text.';
  static override examples = [{ description: 'What is waiting', command: '<%= config.bin %> <%= command.id %>' }];
  static override flags = {
    after: Flags.string({ summary: 'Start after this id (the last one of the previous page).' }),
    limit: Flags.integer({ summary: 'SMS per page.', min: 1, max: 1000, default: 100 }),
  };

  async run(): Promise<VvmSmsList> {
    return this.client.call(vvmRoutes.listSms, { query: { limit: this.flags.limit, ...(this.flags.after ? { after: this.flags.after } : {}) } });
  }

  protected render(b: VvmSmsList): string {
    return renderVvmSmsList(b, this.chalk, this.termWidth);
  }
}
