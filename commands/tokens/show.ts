import { Args } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { renderToken } from '../../src/cli/render.js';
import { routes } from '../../src/contracts/routes.js';
import { parseId } from '../../src/cli/validate.js';

export default class TokensShow extends BaseCommand {
  static override summary = 'Show one token (not its value).';
  static override description = 'GET /api/tokens/:id. Exit 1 when it does not exist or has expired.';
  static override examples = [{ description: 'One token', command: '<%= config.bin %> <%= command.id %> tok_5b0e9d7c' }];
  static override args = { id: Args.string({ description: 'token_id (from tokens ls)', required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(TokensShow);
    this.setup(flags);
    const body = await this.client.call(routes.getToken, { params: { id: parseId(args.id, 'token_id') } });
    this.output(body, () => renderToken(body, this.chalk));
  }
}
