import { BaseCommand } from '../../src/cli/base-command.js';
import { idArg } from '../../src/cli/args.js';
import { routes, type TokenRevokeResult } from '../../src/contracts/routes.js';

export default class TokensRevoke extends BaseCommand<typeof TokensRevoke, TokenRevokeResult> {
  static override summary = 'Revoke a token: the phone\'s next request must authenticate with EAP-AKA again.';
  static override description = 'DELETE /api/tokens/:id. Exit 1 when it does not exist.';
  static override examples = [{ description: 'Revoke one token', command: '<%= config.bin %> <%= command.id %> tok_5b0e9d7c' }];
  static override args = { id: idArg('token_id')({ description: 'token_id (from tokens ls)', required: true }) };

  async run(): Promise<TokenRevokeResult> {
    return this.client.call(routes.revokeToken, { params: { id: this.args.id } });
  }

  protected render(body: TokenRevokeResult): string {
    return `${this.chalk.green('revoked')} token ${body.token_id}`;
  }
}
