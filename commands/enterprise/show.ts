import { Args } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { renderEnterprise } from '../../src/cli/render-enterprise.js';
import { enterpriseRoutes, type EnterpriseDetail } from '../../src/contracts/enterprise.js';

export default class EnterpriseShow extends BaseCommand<typeof EnterpriseShow, EnterpriseDetail> {
  static override summary = 'Show one enterprise and its devices\' subscriptions (never an activation code).';
  static override description = 'GET /api/enterprises/:id. Exit 3 when it does not exist.';
  static override examples = [{ description: 'One enterprise', command: '<%= config.bin %> <%= command.id %> acme' }];
  static override args = { id: Args.string({ description: 'the enterprise_id', required: true }) };

  async run(): Promise<EnterpriseDetail> {
    return this.client.call(enterpriseRoutes.getEnterprise, { params: { id: this.args.id } });
  }

  protected render(body: EnterpriseDetail): string {
    return renderEnterprise(body, this.chalk, { maxWidth: this.termWidth });
  }
}
