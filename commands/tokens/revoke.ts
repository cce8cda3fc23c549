import { BaseCommand } from '../../src/cli/base-command.js';
import { ID_PREFIX_NOTE, idArg, idHelp } from '../../src/cli/args.js';
import { routes } from '../../src/contracts/route-paths.js';
import type { TokenRevokeResult } from '../../src/contracts/routes.js';

export default class TokensRevoke extends BaseCommand<typeof TokensRevoke, TokenRevokeResult> {
  static override summary = 'Revoke a token: the phone\'s next request must authenticate with EAP-AKA again.';
  static override description = `DELETE /api/tokens/:id. Exit 3 when it does not exist. ${ID_PREFIX_NOTE}`;
  static override examples = [{ description: 'Revoke one token', command: '<%= config.bin %> <%= command.id %> tok_5b0e9d7c' }, { description: 'Revoke by a prefix of the token_id', command: '<%= config.bin %> <%= command.id %> tok_5b0e' }];
  static override args = { id: idArg('token_id')({ description: idHelp('token_id', 'tokens ls'), required: true }) };

  async run(): Promise<TokenRevokeResult> {
    return this.client.call(routes.revokeToken, { params: { id: this.args.id } });
  }

  protected render(body: TokenRevokeResult): string {
    return `${this.chalk.green('revoked')} token ${body.token_id}`;
  }
}
