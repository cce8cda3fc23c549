import { BaseCommand } from '../../src/cli/base-command.js';
import { idArg } from '../../src/cli/args.js';
import { routes, type SessionDeleteResult } from '../../src/contracts/routes.js';

export default class SessionsRm extends BaseCommand<typeof SessionsRm, SessionDeleteResult> {
  static override summary = 'Drop an EAP-AKA session; the phone must start authentication over.';
  static override description = 'DELETE /api/sessions/:id. Exit 1 when it does not exist.';
  static override examples = [{ description: 'Drop one session', command: '<%= config.bin %> <%= command.id %> 6f1c2a9e-0d4b-4f57-9a43-1b2c3d4e5f60' }];
  static override args = { id: idArg('session_id')({ description: 'session_id (from sessions ls)', required: true }) };

  async run(): Promise<SessionDeleteResult> {
    return this.client.call(routes.deleteSession, { params: { id: this.args.id } });
  }

  protected render(body: SessionDeleteResult): string {
    return `${this.chalk.green('removed')} session ${body.session_id}`;
  }
}
