import { Flags } from '@oclif/core';
import { BaseCommand } from '../../../src/cli/base-command.js';
import { imsiArg } from '../../../src/cli/args.js';
import { OperationalError } from '../../../src/cli/errors.js';
import { renderVvmSms } from '../../../src/cli/vvm-render.js';
import { vvmRoutes, type VvmSms } from '../../../src/contracts/vvm.js';

export default class VvmSmsSync extends BaseCommand<typeof VvmSmsSync, VvmSms> {
  static override summary = 'Send a SYNC SMS to the phone now (ev=MBU: the phone syncs the whole mailbox).';
  static override description =
    'POST /api/vvm/accounts/:imsi/sms/sync. MBU (default) makes Android do a full sync; NM with --uid names one INBOX message; GU says a greeting changed. The account must be ready and have an MSISDN. Answers after the first gateway attempt.';
  static override examples = [
    { description: 'Make the phone sync', command: '<%= config.bin %> <%= command.id %> 505010000000001' },
    { description: 'Announce INBOX message 7 again', command: '<%= config.bin %> <%= command.id %> 505010000000001 --ev NM --uid 7' },
  ];
  static override args = { imsi: imsiArg({ required: true }) };
  static override flags = {
    ev: Flags.option({ options: ['MBU', 'NM', 'GU'] as const, summary: 'The SYNC event.', default: 'MBU' })(),
    uid: Flags.integer({ summary: 'With --ev NM: the INBOX message UID.', min: 1 }),
  };

  async run(): Promise<VvmSms> {
    return this.client.call(vvmRoutes.sendSync, { params: { imsi: this.args.imsi }, body: { ev: this.flags.ev, ...(this.flags.uid !== undefined ? { uid: this.flags.uid } : {}) } });
  }

  protected render(s: VvmSms): string {
    return renderVvmSms(s, this.chalk);
  }

  protected override failure(s: VvmSms): OperationalError | undefined {
    return s.state === 'failed' ? new OperationalError(`the SMS gateway did not take the SYNC: ${s.last_error ?? 'failed'}`) : undefined;
  }
}
