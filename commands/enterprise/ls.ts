import { BaseCommand } from '../../src/cli/base-command.js';
import { renderEnterpriseList } from '../../src/cli/render-enterprise.js';
import { enterpriseRoutes, type EnterpriseList } from '../../src/contracts/enterprise.js';

export default class EnterpriseLs extends BaseCommand<typeof EnterpriseLs, EnterpriseList> {
  static override summary = 'List the enterprises of server-initiated ODSA (ap2011).';
  static override description = 'GET /api/enterprises: the first 1000 in id order, with their app servers, plans and eligibility.';
  static override examples = [{ description: 'Every enterprise', command: '<%= config.bin %> <%= command.id %>' }];

  async run(): Promise<EnterpriseList> {
    return this.client.call(enterpriseRoutes.listEnterprises, {});
  }

  protected render(body: EnterpriseList): string {
    return renderEnterpriseList(body, this.chalk, { maxWidth: this.termWidth });
  }
}
