import { BaseCommand } from '../../src/cli/base-command.js';
import { ID_PREFIX_NOTE, idArg, idHelp } from '../../src/cli/args.js';
import { renderToken } from '../../src/cli/render.js';
import { routes } from '../../src/contracts/route-paths.js';
import type { TokenView } from '../../src/contracts/tokens.js';

export default class TokensShow extends BaseCommand<typeof TokensShow, TokenView> {
  static override summary = 'Show one token (not its value).';
  static override description = `GET /api/tokens/:id. Exit 3 when it does not exist or has expired. ${ID_PREFIX_NOTE}`;
  static override examples = [{ description: 'One token', command: '<%= config.bin %> <%= command.id %> tok_5b0e9d7c' }, { description: 'One token, by a prefix of its token_id', command: '<%= config.bin %> <%= command.id %> tok_5b0e' }];
  static override args = { id: idArg('token_id')({ description: idHelp('token_id', 'tokens ls'), required: true }) };

  async run(): Promise<TokenView> {
    return this.client.call(routes.getToken, { params: { id: this.args.id } });
  }

  protected render(body: TokenView): string {
    return renderToken(body, this.chalk);
  }
}
