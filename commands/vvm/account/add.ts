import { Flags } from '@oclif/core';
import { BaseCommand } from '../../../src/cli/base-command.js';
import { imsiArg, msisdnFlag } from '../../../src/cli/args.js';
import { readSecretLine } from '../../../src/cli/secret-input.js';
import { renderVvmAccount } from '../../../src/cli/vvm-render.js';
import { VVM_ACCOUNT_STATUSES, vvmRoutes, type VvmAccount } from '../../../src/contracts/vvm.js';

export default class VvmAccountAdd extends BaseCommand<typeof VvmAccountAdd, VvmAccount> {
  static override summary = 'Create a visual-voicemail account for a subscriber.';
  static override description =
    'POST /api/vvm/accounts. The account starts provisioned: the phone\'s Activate SMS makes it ready and gets a STATUS with its IMAP credentials. The MSISDN is where STATUS and SYNC SMS go. A PIN (the IMAP password, stored hashed) is read from stdin with --pin-stdin, never from the command line.';
  static override examples = [
    { description: 'An account the phone activates itself', command: '<%= config.bin %> <%= command.id %> 505010000000001 --msisdn +61400123456' },
    { description: 'Ready at once, with a PIN from a file', command: '<%= config.bin %> <%= command.id %> 505010000000001 --msisdn +61400123456 --status ready --pin-stdin < pin.txt' },
  ];
  static override args = { imsi: imsiArg({ required: true }) };
  static override flags = {
    msisdn: msisdnFlag({ summary: 'The phone\'s number (digits, optional +): where VVM SMS are sent.' }),
    language: Flags.string({ summary: 'OMTP language number (1 to 2 digits).', default: undefined }),
    status: Flags.option({ options: VVM_ACCOUNT_STATUSES, summary: 'Initial status (default provisioned).' })(),
    'pin-stdin': Flags.boolean({ summary: 'Read the PIN from stdin (first line; a hidden prompt on a terminal).' }),
  };

  async run(): Promise<VvmAccount> {
    const { msisdn, language, status } = this.flags;
    const pin = this.flags['pin-stdin'] ? await readSecretLine('PIN: ') : undefined;
    return this.client.call(vvmRoutes.createAccount, {
      body: { imsi: this.args.imsi, ...(msisdn ? { msisdn } : {}), ...(language ? { language } : {}), ...(status ? { status } : {}), ...(pin !== undefined ? { pin } : {}) },
    });
  }

  protected render(a: VvmAccount): string {
    return `${this.chalk.green('created')} VVM account ${a.imsi}\n${renderVvmAccount(a, this.chalk)}`;
  }
}
