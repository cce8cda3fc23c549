import { Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { msisdnArg } from '../../src/cli/args.js';
import { UsageError } from '../../src/cli/errors.js';
import { renderXcapList, renderXcapView } from '../../src/cli/xcap-render.js';
import { xcapRoutes, type XcapList, type XcapView } from '../../src/contracts/xcap.js';

type Result = XcapView | XcapList;

export default class XcapGet extends BaseCommand<typeof XcapGet, Result> {
  static override summary = 'Show a subscriber\'s supplementary services (the simservs document as JSON), or list profiles.';
  static override description =
    'With an MSISDN: call forwarding, barring and caller-ID settings as the phone sees them over XCAP (the default document when none is stored). Without one: the stored profiles, filtered by --query (MSISDN substring). Reads GET /api/xcap/:msisdn or GET /api/xcap?query=. The phone reads the same document over XCAP at http://HOST:9014/simservs.ngn.etsi.org/users/tel:+MSISDN/simservs.xml (curl examples for every operation: docs/xcap-cookbook.md).';
  static override examples = [
    { description: 'One subscriber', command: '<%= config.bin %> <%= command.id %> +15551234567' },
    { description: 'Profiles whose MSISDN contains 555', command: '<%= config.bin %> <%= command.id %> --query 555' },
    { description: 'The JSON view, for scripts', command: '<%= config.bin %> <%= command.id %> 15551234567 --json' },
  ];
  static override args = { msisdn: msisdnArg({ required: false }) };
  static override flags = { query: Flags.string({ summary: 'List profiles whose MSISDN contains this (no MSISDN argument).' }) };

  async run(): Promise<Result> {
    const { msisdn } = this.args;
    if (!msisdn) return this.client.call(xcapRoutes.listXcap, { query: { query: this.flags.query } });
    if (this.flags.query !== undefined) throw new UsageError('--query lists profiles; give either an MSISDN or --query');
    return this.client.call(xcapRoutes.getXcap, { params: { msisdn } });
  }

  protected render(body: Result): string {
    return 'msisdn' in body ? renderXcapView(body, this.chalk) : renderXcapList(body, this.chalk);
  }
}
