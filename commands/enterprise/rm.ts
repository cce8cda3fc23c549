import { Args } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { enterpriseRoutes, type EnterpriseRemoveResult } from '../../src/contracts/enterprise.js';

export default class EnterpriseRm extends BaseCommand<typeof EnterpriseRm, EnterpriseRemoveResult> {
  static override summary = 'Remove an enterprise: its subscriptions end (profiles go back to the operator), its app servers\' TOKENs stop working.';
  static override description = 'DELETE /api/enterprises/:id. Exit 3 when it does not exist.';
  static override examples = [{ description: 'Remove an enterprise', command: '<%= config.bin %> <%= command.id %> acme' }];
  static override args = { id: Args.string({ description: 'the enterprise_id', required: true }) };

  async run(): Promise<EnterpriseRemoveResult> {
    return this.client.call(enterpriseRoutes.removeEnterprise, { params: { id: this.args.id } });
  }

  protected render(body: EnterpriseRemoveResult): string {
    return `${this.chalk.green('removed')} enterprise ${body.id} (${body.subscriptions_removed} subscription${body.subscriptions_removed === 1 ? '' : 's'} ended)`;
  }
}
