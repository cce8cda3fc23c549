import { BaseCommand } from '../../../src/cli/base-command.js';
import { imsiArg } from '../../../src/cli/args.js';
import { vvmRoutes } from '../../../src/contracts/vvm.js';
import type { ResponseOf } from '../../../src/client/control-client.js';

type Removed = ResponseOf<typeof vvmRoutes.removeAccount>;

export default class VvmAccountRm extends BaseCommand<typeof VvmAccountRm, Removed> {
  static override summary = 'Remove a visual-voicemail account with all its messages and greetings.';
  static override description = 'DELETE /api/vvm/accounts/:imsi. The phone\'s next IMAP login is refused (unknown user); its next Activate creates a new account.';
  static override examples = [{ description: 'Remove one account', command: '<%= config.bin %> <%= command.id %> 505010000000001' }];
  static override args = { imsi: imsiArg({ required: true }) };

  async run(): Promise<Removed> {
    return this.client.call(vvmRoutes.removeAccount, { params: { imsi: this.args.imsi } });
  }

  protected render(b: Removed): string {
    return `removed the VVM account ${b.imsi} (${b.messages_removed} message${b.messages_removed === 1 ? '' : 's'})`;
  }
}
