import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../../src/cli/base-command.js';
import { UsageError } from '../../../src/cli/errors.js';
import { renderVvmSmsList } from '../../../src/cli/vvm-render.js';
import { vvmRoutes, type VvmSmsList } from '../../../src/contracts/vvm.js';

export default class VvmSmsRetry extends BaseCommand<typeof VvmSmsRetry, VvmSmsList> {
  static override summary = 'Send backlog SMS again now: one by id, or every failed and waiting one with --all.';
  static override description =
    'POST /api/vvm/sms/retry. The SMS gets a fresh count of attempts (vvm.sms_gateway_max_attempts) and is sent at once; use it after fixing the gateway or its credentials. An SMS whose attempt is in flight is left alone. Lists the SMS retried, as they stand once queued again (omnisep vvm sms ls shows how they went).';
  static override examples = [
    { description: 'Retry one SMS (its id from omnisep vvm sms ls)', command: '<%= config.bin %> <%= command.id %> 1737801000000-a1b2c3d4e5f6' },
    { description: 'Retry everything given up after the gateway came back', command: '<%= config.bin %> <%= command.id %> --all' },
  ];
  static override args = { id: Args.string({ description: 'The backlog id of the SMS (omnisep vvm sms ls).' }) };
  static override flags = {
    all: Flags.boolean({ summary: 'Every failed or waiting SMS of the backlog.', default: false }),
  };

  async run(): Promise<VvmSmsList> {
    const { id } = this.args;
    if ((id === undefined) === !this.flags.all) throw new UsageError('give an SMS id or --all (not both)');
    return this.client.call(vvmRoutes.retrySms, { body: id !== undefined ? { id } : { all: true } });
  }

  protected render(b: VvmSmsList): string {
    return `${b.count} SMS queued again\n${renderVvmSmsList(b, this.chalk, this.termWidth)}`;
  }
}
