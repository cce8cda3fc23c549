import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { renderEntitlementDefaults, renderEntitlementDetail } from '../../src/cli/render.js';
import { parseImsi } from '../../src/cli/validate.js';
import { UsageError } from '../../src/cli/errors.js';
import { routes } from '../../src/contracts/routes.js';

export default class EntitlementGet extends BaseCommand {
  static override summary = 'Show a subscriber\'s entitlements (overrides, or with --effective the defaults merged).';
  static override description =
    'Without --effective only the custom overrides of the IMSI are shown, and an IMSI without any is an error (exit 1). With --effective every served app is listed with its source (custom or default). --defaults shows the configured defaults alone (no IMSI).';
  static override examples = [
    { description: 'Overrides of one SIM', command: '<%= config.bin %> <%= command.id %> 001010000000001' },
    { description: 'What the phone will be told, defaults merged', command: '<%= config.bin %> <%= command.id %> 001010000000001 --effective' },
    { description: 'The configured defaults (default_entitlements)', command: '<%= config.bin %> <%= command.id %> --defaults --json' },
  ];
  static override args = {
    imsi: Args.string({ description: 'IMSI, 15 digits', required: false }),
  };
  static override flags = {
    effective: Flags.boolean({ summary: 'Merge the configured defaults (every served app, with its source).', default: false }),
    defaults: Flags.boolean({ summary: 'Show the configured defaults instead of one IMSI.', default: false, exclusive: ['effective'] }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(EntitlementGet);
    this.setup(flags);
    if (flags.defaults) {
      if (args.imsi) throw new UsageError('--defaults takes no IMSI; use --effective IMSI to see one subscriber with defaults merged');
      const body = await this.client.call(routes.entitlementDefaults);
      this.output(body, () => renderEntitlementDefaults(body, this.chalk, { maxWidth: this.termWidth }));
      return;
    }
    if (!args.imsi) throw new UsageError('missing IMSI; expected e.g. omnisep entitlement get 001010000000001 (or --defaults)');
    const imsi = parseImsi(args.imsi);
    const body = await this.client.call(routes.getEntitlement, { params: { imsi }, query: flags.effective ? { effective: '1' } : {} });
    this.output(body, () => renderEntitlementDetail(body, this.chalk, { maxWidth: this.termWidth }));
  }
}
