import { BaseCommand } from '../../../src/cli/base-command.js';
import { imsiArg } from '../../../src/cli/args.js';
import { renderVvmGreetings } from '../../../src/cli/vvm-render.js';
import { vvmRoutes } from '../../../src/contracts/vvm.js';
import type { ResponseOf } from '../../../src/client/control-client.js';

type Greetings = ResponseOf<typeof vvmRoutes.listGreetings>;

export default class VvmGreetingLs extends BaseCommand<typeof VvmGreetingLs, Greetings> {
  static override summary = 'List a subscriber\'s greetings (normal, busy, extended absence, voice signature).';
  static override description = 'GET /api/vvm/accounts/:imsi/greetings: kind, whether it is the active one ($CNS-Greeting-On), length and size.';
  static override examples = [{ description: 'One account\'s greetings', command: '<%= config.bin %> <%= command.id %> 505010000000001' }];
  static override args = { imsi: imsiArg({ required: true }) };

  async run(): Promise<Greetings> {
    return this.client.call(vvmRoutes.listGreetings, { params: { imsi: this.args.imsi } });
  }

  protected render(b: Greetings): string {
    return renderVvmGreetings(b.greetings, this.chalk);
  }
}
