import { BaseCommand } from '../../src/cli/base-command.js';
import { idArg } from '../../src/cli/args.js';
import { renderOdsa } from '../../src/cli/render-odsa.js';
import { routes } from '../../src/contracts/route-paths.js';
import type { OdsaSubscriptionView } from '../../src/contracts/odsa.js';

export default class OdsaShow extends BaseCommand<typeof OdsaShow, OdsaSubscriptionView> {
  static override summary = 'Show one ODSA subscription (never its activation code).';
  static override description = 'GET /api/odsa/:id. Exit 3 when it does not exist.';
  static override examples = [{ description: 'One companion watch', command: '<%= config.bin %> <%= command.id %> 001010000000001.ap2006.356938035643809' }];
  static override args = { id: idArg('subscription id')({ description: 'id (from odsa ls): IMSI.app.device_id', required: true }) };

  async run(): Promise<OdsaSubscriptionView> {
    return this.client.call(routes.getOdsa, { params: { id: this.args.id } });
  }

  protected render(body: OdsaSubscriptionView): string {
    return renderOdsa(body, this.chalk);
  }
}
