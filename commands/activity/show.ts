import { BaseCommand } from '../../src/cli/base-command.js';
import { ID_PREFIX_NOTE, idArg, idHelp } from '../../src/cli/args.js';
import { renderActivity } from '../../src/cli/render.js';
import { routes } from '../../src/contracts/route-paths.js';
import type { ActivityRecord } from '../../src/contracts/activity.js';

export default class ActivityShow extends BaseCommand<typeof ActivityShow, ActivityRecord> {
  static override summary = 'Show one activity record in full.';
  static override description = `Every stored field of the record, headers and bodies included (secrets were stripped before storing) (GET /api/activity/:id). Exit 3 when it does not exist. ${ID_PREFIX_NOTE}`;
  static override examples = [{ description: 'One record', command: '<%= config.bin %> <%= command.id %> 72420db8-c328-46bd-9878-2a9f3f0d2b88' }, { description: 'By a prefix of the id', command: '<%= config.bin %> <%= command.id %> 72420db8' }];
  static override args = { id: idArg('activity id')({ description: idHelp('record id', 'activity ls'), required: true }) };

  async run(): Promise<ActivityRecord> {
    return this.client.call(routes.getActivity, { params: { id: this.args.id } });
  }

  protected render(body: ActivityRecord): string {
    return renderActivity(body, this.chalk);
  }
}
