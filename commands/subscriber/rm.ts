import { BaseCommand } from '../../src/cli/base-command.js';
import { imsiArg } from '../../src/cli/args.js';
import { subscriberRoutes, type SubscriberDeleteResult } from '../../src/contracts/subscribers.js';

export default class SubscriberRm extends BaseCommand<typeof SubscriberRm, SubscriberDeleteResult> {
  static override summary = 'Remove a SIM and its keys from the local subscriber store.';
  static override description = 'DELETE /api/subscribers/:imsi. Exit 3 when it does not exist.';
  static override examples = [{ description: 'Remove one subscriber', command: '<%= config.bin %> <%= command.id %> 001010000000001' }];
  static override args = { imsi: imsiArg({ required: true }) };

  async run(): Promise<SubscriberDeleteResult> {
    return this.client.call(subscriberRoutes.deleteSubscriber, { params: { imsi: this.args.imsi } });
  }

  protected render(body: SubscriberDeleteResult): string {
    return `${this.chalk.green('removed')} subscriber ${body.imsi}`;
  }
}
