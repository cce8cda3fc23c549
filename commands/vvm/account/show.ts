import { BaseCommand } from '../../../src/cli/base-command.js';
import { imsiArg } from '../../../src/cli/args.js';
import { renderVvmAccountDetail } from '../../../src/cli/vvm-render.js';
import { vvmRoutes, type VvmAccountDetail } from '../../../src/contracts/vvm.js';

export default class VvmAccountShow extends BaseCommand<typeof VvmAccountShow, VvmAccountDetail> {
  static override summary = 'Show one visual-voicemail account: status, mailbox and quota figures, greetings.';
  static override description = 'GET /api/vvm/accounts/:imsi. The quota lines say when the mailbox is full (a deposit is then refused).';
  static override examples = [{ description: 'One account', command: '<%= config.bin %> <%= command.id %> 505010000000001' }];
  static override args = { imsi: imsiArg({ required: true }) };

  async run(): Promise<VvmAccountDetail> {
    return this.client.call(vvmRoutes.getAccount, { params: { imsi: this.args.imsi } });
  }

  protected render(d: VvmAccountDetail): string {
    return renderVvmAccountDetail(d, this.chalk);
  }
}
