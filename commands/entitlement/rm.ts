import { Args } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { parseAppId, parseImsi } from '../../src/cli/validate.js';
import { routes } from '../../src/contracts/routes.js';

export default class EntitlementRm extends BaseCommand {
  static override summary = 'Remove a subscriber\'s overrides: all of them, or one app\'s.';
  static override description = 'The subscriber falls back to the configured defaults (DELETE /api/entitlements/:imsi[/:app_id]).';
  static override examples = [
    { description: 'Drop every override of one SIM', command: '<%= config.bin %> <%= command.id %> 001010000000001' },
    { description: 'Drop only the VoWiFi override', command: '<%= config.bin %> <%= command.id %> 001010000000001 ap2004' },
  ];
  static override args = {
    imsi: Args.string({ description: 'IMSI, 15 digits', required: true }),
    app: Args.string({ description: 'TS.43 app id; omit to remove every override', required: false }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(EntitlementRm);
    this.setup(flags);
    const imsi = parseImsi(args.imsi);
    const body = args.app
      ? await this.client.call(routes.deleteEntitlementApp, { params: { imsi, app_id: parseAppId(args.app) } })
      : await this.client.call(routes.deleteEntitlement, { params: { imsi } });
    this.output(body, () => `${this.chalk.green('removed')} ${body.app_id ? `${body.app_id} override` : 'every override'} of ${body.imsi}`);
  }
}
