import { Args } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { parseImsi } from '../../src/cli/validate.js';
import { subscriberRoutes } from '../../src/contracts/subscribers.js';

export default class SubscriberRm extends BaseCommand {
  static override summary = 'Remove a SIM and its keys from the local subscriber store.';
  static override description = 'DELETE /api/subscribers/:imsi. Exit 1 when it does not exist.';
  static override examples = [{ description: 'Remove one subscriber', command: '<%= config.bin %> <%= command.id %> 001010000000001' }];
  static override args = { imsi: Args.string({ description: 'IMSI, 15 digits', required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(SubscriberRm);
    this.setup(flags);
    const body = await this.client.call(subscriberRoutes.deleteSubscriber, { params: { imsi: parseImsi(args.imsi) } });
    this.output(body, () => `${this.chalk.green('removed')} subscriber ${body.imsi}`);
  }
}
