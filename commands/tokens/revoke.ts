import { Args } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { routes } from '../../src/contracts/routes.js';
import { parseId } from '../../src/cli/validate.js';

export default class TokensRevoke extends BaseCommand {
  static override summary = 'Revoke a token: the phone\'s next request must authenticate with EAP-AKA again.';
  static override description = 'DELETE /api/tokens/:id. Exit 1 when it does not exist.';
  static override examples = [{ description: 'Revoke one token', command: '<%= config.bin %> <%= command.id %> tok_5b0e9d7c' }];
  static override args = { id: Args.string({ description: 'token_id (from tokens ls)', required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(TokensRevoke);
    this.setup(flags);
    const body = await this.client.call(routes.revokeToken, { params: { id: parseId(args.id, 'token_id') } });
    this.output(body, () => `${this.chalk.green('revoked')} token ${body.token_id}`);
  }
}
