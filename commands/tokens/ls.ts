import { BaseCommand } from '../../src/cli/base-command.js';
import { imsiFlag } from '../../src/cli/args.js';
import { renderTokens } from '../../src/cli/render.js';
import { UsageError } from '../../src/cli/errors.js';
import { routes } from '../../src/contracts/route-paths.js';
import type { TokenList } from '../../src/contracts/tokens.js';

export default class TokensLs extends BaseCommand<typeof TokensLs, TokenList> {
  static override summary = 'List issued TS.43 re-authentication tokens (never their values).';
  static override description = 'One row per live token: subscriber, terminal, how it was earned and when it expires (GET /api/tokens). The token value itself is never stored in clear nor shown.';
  static override examples = [
    { description: 'Every token', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Tokens of one SIM', command: '<%= config.bin %> <%= command.id %> --imsi 001010000000001' },
  ];
  static override flags = {
    imsi: imsiFlag({ summary: 'Only tokens of this IMSI.' }),
  };

  async run(): Promise<TokenList> {
    if (this.jsonMode && this.flags.imsi) throw new UsageError('--imsi filters the table only; with --json filter the output, e.g. with jq');
    return this.client.call(routes.listTokens);
  }

  protected render(body: TokenList): string {
    const { imsi } = this.flags;
    const tokens = body.tokens.filter((t) => !imsi || t.imsi === imsi);
    return renderTokens({ count: tokens.length, tokens }, this.chalk, { maxWidth: this.termWidth });
  }
}
