import { BaseCommand } from '../../../src/cli/base-command.js';
import { imsiArg } from '../../../src/cli/args.js';
import { renderVvmAccount } from '../../../src/cli/vvm-render.js';
import { vvmRoutes, type VvmAccount } from '../../../src/contracts/vvm.js';

export default class VvmAccountBlock extends BaseCommand<typeof VvmAccountBlock, VvmAccount> {
  static override summary = "Block a visual-voicemail account: IMAP login is refused ('user is blocked').";
  static override description = "POST /api/vvm/accounts/:imsi/status with status blocked. The phone's next STATUS says st=B (no credentials). Undo with: omnisep vvm account unblock IMSI.";
  static override examples = [{ description: 'Block one account', command: '<%= config.bin %> <%= command.id %> 505010000000001' }];
  static override args = { imsi: imsiArg({ required: true }) };

  async run(): Promise<VvmAccount> {
    return this.client.call(vvmRoutes.setAccountStatus, { params: { imsi: this.args.imsi }, body: { status: 'blocked' } });
  }

  protected render(a: VvmAccount): string {
    return renderVvmAccount(a, this.chalk);
  }
}
