import { Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { renderTokens } from '../../src/cli/render.js';
import { parseImsi } from '../../src/cli/validate.js';
import { UsageError } from '../../src/cli/errors.js';
import { routes } from '../../src/contracts/routes.js';

export default class TokensLs extends BaseCommand {
  static override summary = 'List issued TS.43 re-authentication tokens (never their values).';
  static override description = 'One row per live token: subscriber, terminal, how it was earned and when it expires (GET /api/tokens). The token value itself is never stored in clear nor shown.';
  static override examples = [
    { description: 'Every token', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Tokens of one SIM', command: '<%= config.bin %> <%= command.id %> --imsi 001010000000001' },
  ];
  static override flags = {
    imsi: Flags.string({ summary: 'Only tokens of this IMSI.', helpValue: 'IMSI' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(TokensLs);
    this.setup(flags);
    const imsi = flags.imsi === undefined ? undefined : parseImsi(flags.imsi);
    if (this.jsonMode && imsi) throw new UsageError('--imsi filters the table only; with --json filter the output, e.g. with jq');
    const body = await this.client.call(routes.listTokens);
    const tokens = body.tokens.filter((t) => !imsi || t.imsi === imsi);
    this.output(body, () => renderTokens({ count: tokens.length, tokens }, this.chalk, { maxWidth: this.termWidth }));
  }
}
