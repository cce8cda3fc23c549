import { BaseCommand } from '../../src/cli/base-command.js';
import { ID_PREFIX_NOTE, idArg, idHelp } from '../../src/cli/args.js';
import { routes } from '../../src/contracts/route-paths.js';
import type { SessionDeleteResult } from '../../src/contracts/routes.js';

export default class SessionsRm extends BaseCommand<typeof SessionsRm, SessionDeleteResult> {
  static override summary = 'Drop an EAP-AKA session; the phone must start authentication over.';
  static override description = `DELETE /api/sessions/:id. Exit 3 when it does not exist. ${ID_PREFIX_NOTE}`;
  static override examples = [{ description: 'Drop one session', command: '<%= config.bin %> <%= command.id %> 6f1c2a9e-0d4b-4f57-9a43-1b2c3d4e5f60' }, { description: 'By a prefix of the session_id', command: '<%= config.bin %> <%= command.id %> 6f1c2a9e' }];
  static override args = { id: idArg('session_id')({ description: idHelp('session_id', 'sessions ls'), required: true }) };

  async run(): Promise<SessionDeleteResult> {
    return this.client.call(routes.deleteSession, { params: { id: this.args.id } });
  }

  protected render(body: SessionDeleteResult): string {
    return `${this.chalk.green('removed')} session ${body.session_id}`;
  }
}
