import { BaseCommand } from '../../src/cli/base-command.js';
import { idArg } from '../../src/cli/args.js';
import { renderSession } from '../../src/cli/render.js';
import { routes } from '../../src/contracts/routes.js';
import type { SessionView } from '../../src/contracts/sessions.js';

export default class SessionsShow extends BaseCommand<typeof SessionsShow, SessionView> {
  static override summary = 'Show one EAP-AKA session.';
  static override description = 'Its state, EAP identifier, AAA session and timing; never keys or RES (GET /api/sessions/:id). Exit 1 when it does not exist.';
  static override examples = [{ description: 'One session', command: '<%= config.bin %> <%= command.id %> 6f1c2a9e-0d4b-4f57-9a43-1b2c3d4e5f60' }];
  static override args = { id: idArg('session_id')({ description: 'session_id (from sessions ls)', required: true }) };

  async run(): Promise<SessionView> {
    return this.client.call(routes.getSession, { params: { id: this.args.id } });
  }

  protected render(body: SessionView): string {
    return renderSession(body, this.chalk);
  }
}
