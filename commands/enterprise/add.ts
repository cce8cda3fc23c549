import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { UsageError } from '../../src/cli/errors.js';
import { enterpriseRoutes, type EnterprisePlan, type EnterpriseView } from '../../src/contracts/enterprise.js';

/** `ID:NAME[:DESCRIPTION]` (the description may hold colons). */
export function parsePlanFlag(raw: string): EnterprisePlan {
  const [id, name, ...rest] = raw.split(':');
  if (!id || name === undefined) throw new UsageError(`--plan ${raw}: expected ID:NAME[:DESCRIPTION], e.g. ent-basic:Basic:5 GB a month`);
  return { plan_id: id, plan_name: name, plan_description: rest.join(':') };
}

export default class EnterpriseAdd extends BaseCommand<typeof EnterpriseAdd, EnterpriseView> {
  static override summary = 'Add or replace an enterprise of server-initiated ODSA (ap2011): the app servers allowed to act for it, its plans.';
  static override description = 'PUT /api/enterprises/:id. An app server (an MDM) whose access token names one of the --requestor ids may then run CheckEligibility, AcquirePlan, ManageSubscription and AcquireConfiguration for the enterprise\'s devices (docs/odsa.md § ap2011). Replacing an enterprise keeps its subscriptions; a requestor left out loses access at once. --plan and --eligibility are what the lab operator answers (odsa.operator lab); with odsa.operator http the operator\'s systems answer them.';
  static override examples = [
    { description: 'An enterprise with one MDM and two plans', command: '<%= config.bin %> <%= command.id %> acme --name "ACME Corp" --requestor mdm.acme.example --plan "ent-basic:Basic:5 GB a month" --plan "ent-plus:Plus:Unlimited data"' },
    { description: 'Switched off (CheckEligibility answers EnterpriseAppEligibility 0)', command: '<%= config.bin %> <%= command.id %> acme --requestor mdm.acme.example --eligibility 0' },
  ];
  static override args = { id: Args.string({ description: 'the enterprise_id app servers send', required: true }) };
  static override flags = {
    requestor: Flags.string({ summary: 'An app server (OAuth client id: the sub or client_id of its access token) allowed to act for the enterprise; repeat for several.', required: true, multiple: true }),
    plan: Flags.string({ summary: 'A plan offered by AcquirePlan, as ID:NAME[:DESCRIPTION]; repeat for several (lab operator).', multiple: true }),
    name: Flags.string({ summary: 'A name for people (not sent to devices).' }),
    eligibility: Flags.integer({ summary: 'EnterpriseAppEligibility the lab operator answers: 0 disabled, 1 enabled, 2 incompatible.', min: 0, max: 2, default: 1 }),
  };

  async run(): Promise<EnterpriseView> {
    const { requestor, plan, name, eligibility } = this.flags;
    return this.client.call(enterpriseRoutes.putEnterprise, {
      params: { id: this.args.id },
      body: { requestor_ids: [...new Set(requestor)], plans: (plan ?? []).map(parsePlanFlag), eligibility: eligibility as 0 | 1 | 2, ...(name !== undefined ? { name } : {}) },
    });
  }

  protected render(body: EnterpriseView): string {
    return `${this.chalk.green('saved')} enterprise ${body.id} (${body.requestor_ids.length} requestor${body.requestor_ids.length === 1 ? '' : 's'}, ${body.plans.length} plan${body.plans.length === 1 ? '' : 's'})`;
  }
}
