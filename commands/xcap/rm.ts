import { Args } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { xcapRoutes } from '../../src/contracts/xcap.js';
import { parseMsisdnArg } from '../../src/cli/xcap-render.js';

export default class XcapRm extends BaseCommand {
  static override summary = 'Remove a subscriber\'s XCAP profile (document and Digest password).';
  static override description =
    'DELETE /api/xcap/:msisdn. A subscriber still known to the subscriber store is served the default document afterwards; one known only through its XCAP profile is no longer provisioned for XCAP.';
  static override examples = [{ description: 'Reset one subscriber', command: '<%= config.bin %> <%= command.id %> 15551234567' }];
  static override args = { msisdn: Args.string({ description: 'MSISDN (digits, + allowed)', required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(XcapRm);
    this.setup(flags);
    const body = await this.client.call(xcapRoutes.removeXcap, { params: { msisdn: parseMsisdnArg(args.msisdn) } });
    this.output(body, () => `removed the XCAP profile of ${body.msisdn}`);
  }
}
