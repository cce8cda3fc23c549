import { Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { renderEntitlementList } from '../../src/cli/render.js';
import { UsageError } from '../../src/cli/errors.js';
import { routes } from '../../src/contracts/routes.js';

export default class EntitlementLs extends BaseCommand {
  static override summary = 'List subscribers with custom entitlements.';
  static override description = 'One row per IMSI that has at least one override, with its apps and their service names (GET /api/entitlements).';
  static override examples = [
    { description: 'Every subscriber with overrides', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Only IMSIs containing 31038', command: '<%= config.bin %> <%= command.id %> --query 31038' },
  ];
  static override flags = {
    query: Flags.string({ char: 'q', summary: 'Only IMSIs containing these digits.', helpValue: 'DIGITS' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(EntitlementLs);
    this.setup(flags);
    if (flags.query !== undefined && !/^[0-9]{1,15}$/.test(flags.query))
      throw new UsageError(`--query ${JSON.stringify(flags.query)}: expected 1-15 digits of an IMSI, e.g. --query 31038`);
    const body = await this.client.call(routes.listEntitlements, { query: { query: flags.query } });
    this.output(body, () => renderEntitlementList(body, this.chalk, { maxWidth: this.termWidth }));
  }
}
