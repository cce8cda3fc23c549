import { BaseCommand } from '../../src/cli/base-command.js';
import { imsiArg } from '../../src/cli/args.js';
import { isoTime, renderKeyValue } from '../../src/cli/output.js';
import { subscriberRoutes, type SubscriberView } from '../../src/contracts/subscribers.js';

export default class SubscriberShow extends BaseCommand<typeof SubscriberShow, SubscriberView> {
  static override summary = 'Show one SIM of the local subscriber store (never its keys).';
  static override description = 'GET /api/subscribers/:imsi. Exit 3 when it does not exist.';
  static override examples = [{ description: 'One subscriber', command: '<%= config.bin %> <%= command.id %> 001010000000001' }];
  static override args = { imsi: imsiArg({ required: true }) };

  async run(): Promise<SubscriberView> {
    return this.client.call(subscriberRoutes.getSubscriber, { params: { imsi: this.args.imsi } });
  }

  protected render(s: SubscriberView): string {
    return renderKeyValue([
      ['imsi', s.imsi], ['msisdn', s.msisdn], ['amf', s.amf], ['sqn', s.sqn], ['opc', s.opc_source === 'op' ? 'computed from OP' : 'given'],
      ['created_at', isoTime(s.created_at)], ['updated_at', isoTime(s.updated_at)],
    ], { chalk: this.chalk });
  }
}
