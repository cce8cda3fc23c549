import { Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { renderEntitlementList } from '../../src/cli/render.js';
import { UsageError } from '../../src/cli/errors.js';
import { routes } from '../../src/contracts/route-paths.js';
import type { EntitlementList } from '../../src/contracts/entitlements.js';

const imsiDigits = Flags.custom<string>({
  helpValue: 'DIGITS',
  parse: async (raw) => {
    if (!/^[0-9]{1,15}$/.test(raw)) throw new UsageError(`--query ${JSON.stringify(raw)}: expected 1-15 digits of an IMSI, e.g. --query 31038`);
    return raw;
  },
});

export default class EntitlementLs extends BaseCommand<typeof EntitlementLs, EntitlementList> {
  static override summary = 'List subscribers with custom entitlements.';
  static override description = 'One row per IMSI that has at least one override, with its apps and their service names (GET /api/entitlements).';
  static override examples = [
    { description: 'Every subscriber with overrides', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Only IMSIs containing 31038', command: '<%= config.bin %> <%= command.id %> --query 31038' },
  ];
  static override flags = {
    query: imsiDigits({ char: 'q', summary: 'Only IMSIs containing these digits.' }),
  };

  async run(): Promise<EntitlementList> {
    return this.client.call(routes.listEntitlements, { query: { query: this.flags.query } });
  }

  protected render(body: EntitlementList): string {
    return renderEntitlementList(body, this.chalk, { maxWidth: this.termWidth });
  }
}
