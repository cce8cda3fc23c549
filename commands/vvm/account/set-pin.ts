import { BaseCommand } from '../../../src/cli/base-command.js';
import { imsiArg } from '../../../src/cli/args.js';
import { UsageError } from '../../../src/cli/errors.js';
import { readSecretLine } from '../../../src/cli/secret-input.js';
import { vvmRoutes, type VvmAccount } from '../../../src/contracts/vvm.js';

export default class VvmAccountSetPin extends BaseCommand<typeof VvmAccountSetPin, VvmAccount> {
  static override summary = 'Set a visual-voicemail account\'s PIN (the IMAP password), read from stdin.';
  static override description =
    'POST /api/vvm/accounts/:imsi/pin. The PIN is read from stdin (the first line) or, on a terminal, typed at a prompt that does not echo; it is never a command-line argument (shell history) and never printed. Digits only, vvm.min_pin_length to vvm.max_pin_length long; stored as a hash. Ends a PIN lock-out. Note: a STATUS SMS with credentials (omnisep vvm sms status, or the phone\'s Activate or Status request) issues a new password and replaces this PIN.';
  static override examples = [
    { description: 'At a prompt (not echoed)', command: '<%= config.bin %> <%= command.id %> 505010000000001' },
    { description: 'From a file or a secret store', command: 'pass show vvm/505010000000001 | <%= config.bin %> <%= command.id %> 505010000000001' },
  ];
  static override args = { imsi: imsiArg({ required: true }) };

  async run(): Promise<VvmAccount> {
    const pin = (await readSecretLine('new PIN: ')).trim();
    if (!pin) throw new UsageError('no PIN given on stdin (give the PIN as the first line of stdin, e.g. from a file: < pin.txt)');
    if (!/^[0-9]+$/.test(pin)) throw new UsageError('the PIN must be digits only');
    return this.client.call(vvmRoutes.setAccountPin, { params: { imsi: this.args.imsi }, body: { pin } });
  }

  protected render(a: VvmAccount): string {
    return `PIN set for ${a.imsi}`;
  }
}
