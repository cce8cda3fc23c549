import { BaseCommand } from '../../../src/cli/base-command.js';
import { imsiArg } from '../../../src/cli/args.js';
import { renderVvmAccount } from '../../../src/cli/vvm-render.js';
import { vvmRoutes, type VvmAccount } from '../../../src/contracts/vvm.js';

export default class VvmAccountUnblock extends BaseCommand<typeof VvmAccountUnblock, VvmAccount> {
  static override summary = "Unblock a visual-voicemail account (status ready; a PIN lock-out ends too).";
  static override description = "POST /api/vvm/accounts/:imsi/status with status ready. Send the phone its credentials again with: omnisep vvm sms status IMSI.";
  static override examples = [{ description: 'Unblock one account', command: '<%= config.bin %> <%= command.id %> 505010000000001' }];
  static override args = { imsi: imsiArg({ required: true }) };

  async run(): Promise<VvmAccount> {
    return this.client.call(vvmRoutes.setAccountStatus, { params: { imsi: this.args.imsi }, body: { status: 'ready' } });
  }

  protected render(a: VvmAccount): string {
    return renderVvmAccount(a, this.chalk);
  }
}
