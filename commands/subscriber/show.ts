import { Args } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { isoTime, renderKeyValue } from '../../src/cli/output.js';
import { parseImsi } from '../../src/cli/validate.js';
import { subscriberRoutes } from '../../src/contracts/subscribers.js';

export default class SubscriberShow extends BaseCommand {
  static override summary = 'Show one SIM of the local subscriber store (never its keys).';
  static override description = 'GET /api/subscribers/:imsi. Exit 1 when it does not exist.';
  static override examples = [{ description: 'One subscriber', command: '<%= config.bin %> <%= command.id %> 001010000000001' }];
  static override args = { imsi: Args.string({ description: 'IMSI, 15 digits', required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(SubscriberShow);
    this.setup(flags);
    const s = await this.client.call(subscriberRoutes.getSubscriber, { params: { imsi: parseImsi(args.imsi) } });
    this.output(s, () => renderKeyValue([
      ['imsi', s.imsi], ['msisdn', s.msisdn], ['amf', s.amf], ['sqn', s.sqn], ['opc', s.opc_source === 'op' ? 'computed from OP' : 'given'],
      ['created_at', isoTime(s.created_at)], ['updated_at', isoTime(s.updated_at)],
    ], { chalk: this.chalk }));
  }
}
