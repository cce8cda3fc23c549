import { BaseCommand } from '../../src/cli/base-command.js';
import { ID_PREFIX_NOTE, idArg, idHelp } from '../../src/cli/args.js';
import { renderSession } from '../../src/cli/render.js';
import { routes } from '../../src/contracts/route-paths.js';
import type { SessionView } from '../../src/contracts/sessions.js';

export default class SessionsShow extends BaseCommand<typeof SessionsShow, SessionView> {
  static override summary = 'Show one EAP-AKA session.';
  static override description = `Its state, EAP identifier, AAA session and timing; never keys or RES (GET /api/sessions/:id). Exit 3 when it does not exist. ${ID_PREFIX_NOTE}`;
  static override examples = [{ description: 'One session', command: '<%= config.bin %> <%= command.id %> 6f1c2a9e-0d4b-4f57-9a43-1b2c3d4e5f60' }, { description: 'By a prefix of the session_id', command: '<%= config.bin %> <%= command.id %> 6f1c2a9e' }];
  static override args = { id: idArg('session_id')({ description: idHelp('session_id', 'sessions ls'), required: true }) };

  async run(): Promise<SessionView> {
    return this.client.call(routes.getSession, { params: { id: this.args.id } });
  }

  protected render(body: SessionView): string {
    return renderSession(body, this.chalk);
  }
}
