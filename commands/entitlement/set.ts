import { Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { appIdArg, imsiArg } from '../../src/cli/args.js';
import { buildEntitlement, entitlementFieldFlags, unsentFieldNotes } from '../../src/cli/entitlement-flags.js';
import { renderEntitlementSet } from '../../src/cli/render.js';
import { routes } from '../../src/contracts/route-paths.js';
import type { EntitlementSetResult } from '../../src/contracts/entitlements.js';

export default class EntitlementSet extends BaseCommand<typeof EntitlementSet, EntitlementSetResult> {
  static override summary = 'Set one app\'s entitlement override for a subscriber.';
  static override description = `Fields are given as flags (--status, --addr-status, --tc-status, --prov-status, ...; one per field of the TS.43 app schemas, listed under FIELD FLAGS with the apps that have them), as --field name=value for any field, or all at once as --data '{...}' (snake_case names as in the admin API). Flags win over --data. A list field (ap2003 --entries, ap2010 --data-plan-info, ap2016 --plmn-allowed/--plmn-barred) takes one item per flag, as name=value pairs or a JSON object. The values are checked against the app's schema before anything is sent (exit 2 with what would be right); the daemon checks again and stores the override durably before it answers (POST /api/entitlements/:imsi). Fields not given keep their defaults (see: omnisep entitlement get IMSI --effective). A field that the phone will not be sent as set (message_for_incompatible without --status 2) is noted on stderr.`;
  static override examples = [
    { description: 'Provision VoWiFi fully for one SIM', command: '<%= config.bin %> <%= command.id %> 001010000000001 ap2004 --status 1 --addr-status 1 --tc-status 1 --prov-status 1' },
    {
      description: 'Send the phone to a websheet to enter its emergency address',
      command: '<%= config.bin %> <%= command.id %> 001010000000001 ap2004 --status 3 --addr-status 2 --service-flow-url https://sep.example.net/websheet/vowifi',
    },
    { description: 'Refuse VoWiFi with a message for the user', command: '<%= config.bin %> <%= command.id %> 001010000000001 ap2004 --status 2 --message-for-incompatible "Not on this plan"' },
    {
      description: 'VoLTE on LTE everywhere, VoNR only at home (ap2003 has one entry per access and network type)',
      command: '<%= config.bin %> <%= command.id %> 001010000000001 ap2003 --entries access_type=1,home_roaming_nw_type=1,entitlement_status=1 --entries access_type=2,home_roaming_nw_type=2,entitlement_status=1,network_voice_irat_capability=EPS-Fallback',
    },
    { description: 'The same as JSON', command: `<%= config.bin %> <%= command.id %> 001010000000001 ap2004 --data '{"entitlement_status": 2, "message_for_incompatible": "Not on this plan"}'` },
    { description: 'Satellite PLMNs (a list field)', command: '<%= config.bin %> <%= command.id %> 001010000000001 ap2016 --status 1 --plmn-allowed plmn=310830,data_plan_type=Metered' },
  ];
  static override args = {
    imsi: imsiArg({ required: true }),
    app: appIdArg({ required: true }),
  };
  static override flags = {
    ...entitlementFieldFlags(),
    field: Flags.string({ summary: 'Any field as name=value (JSON for lists); repeatable.', multiple: true, helpValue: 'NAME=VALUE', helpGroup: 'FIELD' }),
    data: Flags.string({ summary: 'All fields as one JSON object (not --json, which is the output flag).', helpValue: 'JSON', helpGroup: 'FIELD' }),
  };

  async run(): Promise<EntitlementSetResult> {
    const { imsi, app } = this.args;
    const entitlement = buildEntitlement(app, { data: this.flags.data, extra: this.flags.field, flags: this.flags });
    const body = await this.client.call(routes.setEntitlement, { params: { imsi }, body: { app_id: app, entitlement } });
    for (const n of unsentFieldNotes(app, body.entitlement)) this.note(n);
    return body;
  }

  protected render(body: EntitlementSetResult): string {
    return renderEntitlementSet(body, this.chalk);
  }
}
