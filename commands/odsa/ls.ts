import { BaseCommand } from '../../src/cli/base-command.js';
import { imsiFlag } from '../../src/cli/args.js';
import { renderOdsaList } from '../../src/cli/render-odsa.js';
import { routes } from '../../src/contracts/route-paths.js';
import type { OdsaSubscriptionList } from '../../src/contracts/odsa.js';

export default class OdsaLs extends BaseCommand<typeof OdsaLs, OdsaSubscriptionList> {
  static override summary = 'List ODSA subscriptions: eSIM companion devices (ap2006) and primary devices (ap2009).';
  static override description = 'One row per device: its state (pending, ready, active, deactivated) and profile ICCID (GET /api/odsa). Never an activation code. Without --imsi, the first 1000 in id order.';
  static override examples = [
    { description: 'Every subscription', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'The devices of one SIM', command: '<%= config.bin %> <%= command.id %> --imsi 001010000000001' },
  ];
  static override flags = {
    imsi: imsiFlag({ summary: 'Only the devices of this IMSI (looked up by index).' }),
  };

  async run(): Promise<OdsaSubscriptionList> {
    return this.client.call(routes.listOdsa, { query: this.flags.imsi ? { imsi: this.flags.imsi } : {} });
  }

  protected render(body: OdsaSubscriptionList): string {
    return renderOdsaList(body, this.chalk, { maxWidth: this.termWidth });
  }
}
