import { Args } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { renderSession } from '../../src/cli/render.js';
import { routes } from '../../src/contracts/routes.js';
import { parseId } from '../../src/cli/validate.js';

export default class SessionsShow extends BaseCommand {
  static override summary = 'Show one EAP-AKA session.';
  static override description = 'Its state, EAP identifier, AAA session and timing; never keys or RES (GET /api/sessions/:id). Exit 1 when it does not exist.';
  static override examples = [{ description: 'One session', command: '<%= config.bin %> <%= command.id %> 6f1c2a9e-0d4b-4f57-9a43-1b2c3d4e5f60' }];
  static override args = { id: Args.string({ description: 'session_id (from sessions ls)', required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(SessionsShow);
    this.setup(flags);
    const body = await this.client.call(routes.getSession, { params: { id: parseId(args.id, 'session_id') } });
    this.output(body, () => renderSession(body, this.chalk));
  }
}
