import { BaseCommand } from '../../src/cli/base-command.js';
import { isoTime, renderTable } from '../../src/cli/output.js';
import { subscriberRoutes, type SubscriberList } from '../../src/contracts/subscribers.js';

export default class SubscriberLs extends BaseCommand<typeof SubscriberLs, SubscriberList> {
  static override summary = 'List the SIMs of the local subscriber store (never their keys).';
  static override description = 'GET /api/subscribers: IMSI, MSISDN, AMF, SQN_HE (the SQN of the last vector issued) and whether OPc was given or computed from OP.';
  static override examples = [
    { description: 'Every subscriber', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'As JSON, e.g. for jq', command: '<%= config.bin %> <%= command.id %> --json' },
  ];

  async run(): Promise<SubscriberList> {
    return this.client.call(subscriberRoutes.listSubscribers);
  }

  protected render(body: SubscriberList): string {
    if (body.count === 0) return 'no subscribers';
    return renderTable(body.subscribers, [
      { header: 'imsi', get: (r) => r.imsi },
      { header: 'msisdn', get: (r) => r.msisdn },
      { header: 'amf', get: (r) => r.amf },
      { header: 'sqn', get: (r) => r.sqn, align: 'right' },
      { header: 'opc', get: (r) => r.opc_source },
      { header: 'updated_at', get: (r) => isoTime(r.updated_at) },
    ], { chalk: this.chalk, maxWidth: this.termWidth });
  }
}
