import { BaseCommand } from '../../src/cli/base-command.js';
import { appIdArg, imsiArg } from '../../src/cli/args.js';
import { routes } from '../../src/contracts/route-paths.js';
import type { EntitlementDeleteResult } from '../../src/contracts/entitlements.js';

export default class EntitlementRm extends BaseCommand<typeof EntitlementRm, EntitlementDeleteResult> {
  static override summary = 'Remove a subscriber\'s overrides: all of them, or one app\'s.';
  static override description = 'The subscriber falls back to the configured defaults (DELETE /api/entitlements/:imsi[/:app_id]).';
  static override examples = [
    { description: 'Drop every override of one SIM', command: '<%= config.bin %> <%= command.id %> 001010000000001' },
    { description: 'Drop only the VoWiFi override', command: '<%= config.bin %> <%= command.id %> 001010000000001 ap2004' },
  ];
  static override args = {
    imsi: imsiArg({ required: true }),
    app: appIdArg({ description: 'TS.43 app id; omit to remove every override', required: false }),
  };

  async run(): Promise<EntitlementDeleteResult> {
    const { imsi, app } = this.args;
    return app
      ? this.client.call(routes.deleteEntitlementApp, { params: { imsi, app_id: app } })
      : this.client.call(routes.deleteEntitlement, { params: { imsi } });
  }

  protected render(body: EntitlementDeleteResult): string {
    return `${this.chalk.green('removed')} ${body.app_id ? `${body.app_id} override` : 'every override'} of ${body.imsi}`;
  }
}
