import { Args } from '@oclif/core';
import { BaseCommand } from '../../../src/cli/base-command.js';
import { imsiArg } from '../../../src/cli/args.js';
import { VVM_GREETING_KINDS, vvmRoutes } from '../../../src/contracts/vvm.js';
import type { ResponseOf } from '../../../src/client/control-client.js';

type Removed = ResponseOf<typeof vvmRoutes.removeGreeting>;

export default class VvmGreetingRm extends BaseCommand<typeof VvmGreetingRm, Removed> {
  static override summary = 'Remove a greeting of one kind (the phone is told with SYNC ev=GU).';
  static override description = 'DELETE /api/vvm/accounts/:imsi/greetings/:kind.';
  static override examples = [{ description: 'Drop the busy greeting', command: '<%= config.bin %> <%= command.id %> 505010000000001 busy' }];
  static override args = {
    imsi: imsiArg({ required: true }),
    kind: Args.string({ description: `greeting kind: ${VVM_GREETING_KINDS.join(', ')}`, required: true, options: [...VVM_GREETING_KINDS] }),
  };

  async run(): Promise<Removed> {
    return this.client.call(vvmRoutes.removeGreeting, { params: { imsi: this.args.imsi, kind: this.args.kind as (typeof VVM_GREETING_KINDS)[number] } });
  }

  protected render(b: Removed): string {
    return `removed the ${b.kind} greeting of ${b.imsi}`;
  }
}
