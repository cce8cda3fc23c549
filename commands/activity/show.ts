import { Args } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { renderActivity } from '../../src/cli/render.js';
import { routes } from '../../src/contracts/routes.js';
import { parseId } from '../../src/cli/validate.js';

export default class ActivityShow extends BaseCommand {
  static override summary = 'Show one activity record in full.';
  static override description = 'Every stored field of the record, headers and bodies included (secrets were stripped before storing) (GET /api/activity/:id).';
  static override examples = [{ description: 'One record', command: '<%= config.bin %> <%= command.id %> 72420db8-c328-46bd-9878-2a9f3f0d2b88' }];
  static override args = { id: Args.string({ description: 'record id (from activity ls)', required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ActivityShow);
    this.setup(flags);
    const body = await this.client.call(routes.getActivity, { params: { id: parseId(args.id, 'activity id') } });
    this.output(body, () => renderActivity(body, this.chalk));
  }
}
