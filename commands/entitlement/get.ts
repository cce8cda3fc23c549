import { Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { imsiArg } from '../../src/cli/args.js';
import { renderEntitlementDefaults, renderEntitlementDetail } from '../../src/cli/render.js';
import { ApiError, UsageError } from '../../src/cli/errors.js';
import { routes } from '../../src/contracts/route-paths.js';
import type { EntitlementDefaults, EntitlementDetail } from '../../src/contracts/entitlements.js';

type Result = EntitlementDetail | EntitlementDefaults;

export default class EntitlementGet extends BaseCommand<typeof EntitlementGet, Result> {
  static override summary = 'Show a subscriber\'s entitlements (overrides, or with --effective the defaults merged).';
  static override description =
    'Without --effective only the custom overrides of the IMSI are shown, and an IMSI without any is an error (exit 1) that points at --effective. With --effective every served app is listed with its source (custom or default). --defaults shows the configured defaults alone (no IMSI).';
  static override examples = [
    { description: 'Overrides of one SIM', command: '<%= config.bin %> <%= command.id %> 001010000000001' },
    { description: 'What the phone will be told, defaults merged', command: '<%= config.bin %> <%= command.id %> 001010000000001 --effective' },
    { description: 'The configured defaults (default_entitlements)', command: '<%= config.bin %> <%= command.id %> --defaults --json' },
  ];
  static override args = {
    imsi: imsiArg({ required: false }),
  };
  static override flags = {
    effective: Flags.boolean({ summary: 'Merge the configured defaults (every served app, with its source).', default: false }),
    defaults: Flags.boolean({ summary: 'Show the configured defaults instead of one IMSI.', default: false, exclusive: ['effective'] }),
  };

  async run(): Promise<Result> {
    const { imsi } = this.args;
    if (this.flags.defaults) {
      if (imsi) throw new UsageError('--defaults takes no IMSI; use --effective IMSI to see one subscriber with defaults merged');
      return this.client.call(routes.entitlementDefaults);
    }
    if (!imsi) throw new UsageError('missing IMSI; expected e.g. omnisep entitlement get 001010000000001 (or --defaults)');
    try {
      return await this.client.call(routes.getEntitlement, { params: { imsi }, query: this.flags.effective ? { effective: '1' } : {} });
    } catch (e) {
      // The API's hint names its query (?effective=1); on the command line it is a flag.
      if (e instanceof ApiError && e.status === 404 && !this.flags.effective) {
        const error = `no custom entitlements for IMSI ${imsi} (add --effective for what it gets from the defaults)`;
        // --json prints the body: it says the flag too, not the query.
        throw new ApiError(e.status, error, e.code, e.body && typeof e.body === 'object' ? { ...e.body, error } : e.body);
      }
      throw e;
    }
  }

  protected render(body: Result): string {
    return 'defaults' in body
      ? renderEntitlementDefaults(body, this.chalk, { maxWidth: this.termWidth })
      : renderEntitlementDetail(body, this.chalk, { maxWidth: this.termWidth });
  }
}
