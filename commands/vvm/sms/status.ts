import { BaseCommand } from '../../../src/cli/base-command.js';
import { imsiArg } from '../../../src/cli/args.js';
import { OperationalError } from '../../../src/cli/errors.js';
import { renderVvmSms } from '../../../src/cli/vvm-render.js';
import { vvmRoutes, type VvmSms } from '../../../src/contracts/vvm.js';

export default class VvmSmsStatus extends BaseCommand<typeof VvmSmsStatus, VvmSms> {
  static override summary = 'Send a STATUS SMS to the phone now (with fresh IMAP credentials when the account is ready).';
  static override description =
    'POST /api/vvm/accounts/:imsi/sms/status. A ready account gets st=R with u= and a newly issued pw= (the PIN is stored hashed, so an old one cannot be repeated); the password goes to the SMS gateway only and is never shown. Other states send st=N, P, B or U without credentials. Answers after the first gateway attempt: sent, or pending with the next retry.';
  static override examples = [{ description: 'Re-send a phone its settings', command: '<%= config.bin %> <%= command.id %> 505010000000001' }];
  static override args = { imsi: imsiArg({ required: true }) };

  async run(): Promise<VvmSms> {
    return this.client.call(vvmRoutes.sendStatus, { params: { imsi: this.args.imsi } });
  }

  protected render(s: VvmSms): string {
    return renderVvmSms(s, this.chalk);
  }

  protected override failure(s: VvmSms): OperationalError | undefined {
    return s.state === 'failed' ? new OperationalError(`the SMS gateway did not take the STATUS: ${s.last_error ?? 'failed'}`) : undefined;
  }
}
