import { BaseCommand } from '../../src/cli/base-command.js';
import { msisdnArg } from '../../src/cli/args.js';
import { xcapRoutes } from '../../src/contracts/xcap.js';
import type { ResponseOf } from '../../src/client/control-client.js';

type Removed = ResponseOf<typeof xcapRoutes.removeXcap>;

export default class XcapRm extends BaseCommand<typeof XcapRm, Removed> {
  static override summary = 'Remove a subscriber\'s XCAP profile (document and Digest password).';
  static override description =
    'DELETE /api/xcap/:msisdn. A subscriber still known to the subscriber store is served the default document afterwards; one known only through its XCAP profile is no longer provisioned for XCAP.';
  static override examples = [{ description: 'Reset one subscriber', command: '<%= config.bin %> <%= command.id %> 15551234567' }];
  static override args = { msisdn: msisdnArg({ required: true }) };

  async run(): Promise<Removed> {
    return this.client.call(xcapRoutes.removeXcap, { params: { msisdn: this.args.msisdn } });
  }

  protected render(body: Removed): string {
    return `removed the XCAP profile of ${body.msisdn}`;
  }
}
