import { Flags } from '@oclif/core';
import { BaseCommand } from '../../../src/cli/base-command.js';
import { renderVvmAccounts } from '../../../src/cli/vvm-render.js';
import { vvmRoutes, type VvmAccountList } from '../../../src/contracts/vvm.js';

export default class VvmAccountLs extends BaseCommand<typeof VvmAccountLs, VvmAccountList> {
  static override summary = 'List visual-voicemail accounts (never their PINs).';
  static override description = 'GET /api/vvm/accounts: IMSI, MSISDN, status, whether a PIN is set, language and client type, in IMSI order, a page at a time.';
  static override examples = [
    { description: 'The first 100 accounts', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'The next page', command: '<%= config.bin %> <%= command.id %> --after 505010000000100' },
  ];
  static override flags = {
    after: Flags.string({ summary: 'Start after this IMSI (the last one of the previous page).' }),
    limit: Flags.integer({ summary: 'Accounts per page.', min: 1, max: 1000, default: 100 }),
  };

  async run(): Promise<VvmAccountList> {
    return this.client.call(vvmRoutes.listAccounts, { query: { limit: this.flags.limit, ...(this.flags.after ? { after: this.flags.after } : {}) } });
  }

  protected render(body: VvmAccountList): string {
    return renderVvmAccounts(body, this.chalk, this.termWidth);
  }
}
