import { BaseCommand } from '../../src/cli/base-command.js';
import { idArg } from '../../src/cli/args.js';
import { routes } from '../../src/contracts/route-paths.js';
import type { OdsaRemoveResult } from '../../src/contracts/odsa.js';

export default class OdsaRm extends BaseCommand<typeof OdsaRm, OdsaRemoveResult> {
  static override summary = 'Remove an ODSA subscription: its profile goes back to the operator, the device sees none.';
  static override description = 'DELETE /api/odsa/:id. The device\'s next AcquireConfiguration has no configuration for it. Exit 3 when it does not exist.';
  static override examples = [{ description: 'Remove a companion watch', command: '<%= config.bin %> <%= command.id %> 001010000000001.ap2006.356938035643809' }];
  static override args = { id: idArg('subscription id')({ description: 'id (from odsa ls): IMSI.app.device_id', required: true }) };

  async run(): Promise<OdsaRemoveResult> {
    return this.client.call(routes.removeOdsa, { params: { id: this.args.id } });
  }

  protected render(body: OdsaRemoveResult): string {
    return `${this.chalk.green('removed')} ODSA subscription ${body.id}`;
  }
}
