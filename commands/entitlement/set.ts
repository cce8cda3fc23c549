import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { renderEntitlementSet } from '../../src/cli/render.js';
import { buildEntitlement, describeFieldFlag, FIELD_FLAGS, parseAppId, parseImsi } from '../../src/cli/validate.js';
import { routes } from '../../src/contracts/routes.js';
import { SUPPORTED_APP_IDS } from '../../src/services/entitlements/catalog.js';

// Flag summaries come from the TS.43 catalog, like the validation itself.
const int = (flag: string) => Flags.integer({ summary: describeFieldFlag(FIELD_FLAGS[flag]!), helpGroup: 'FIELD' });
const str = (flag: string) => Flags.string({ summary: describeFieldFlag(FIELD_FLAGS[flag]!), helpGroup: 'FIELD' });

export default class EntitlementSet extends BaseCommand {
  static override summary = 'Set one app\'s entitlement override for a subscriber.';
  static override description = `Fields are given as flags (--status, --addr-status, --tc-status, --prov-status, ...), as --field name=value for any other field of the app, or all at once as --data '{...}' (snake_case names as in the admin API). Flags win over --data. The values are checked against the TS.43 catalog before anything is sent (exit 2 with what would be right); the daemon stores the override durably before it answers (POST /api/entitlements/:imsi). Fields not given keep their defaults (see: omnisep entitlement get IMSI --effective).`;
  static override examples = [
    { description: 'Provision VoWiFi fully for one SIM', command: '<%= config.bin %> <%= command.id %> 001010000000001 ap2004 --status 1 --addr-status 1 --tc-status 1 --prov-status 1' },
    {
      description: 'Send the phone to a websheet to enter its emergency address',
      command: '<%= config.bin %> <%= command.id %> 001010000000001 ap2004 --status 3 --addr-status 2 --service-flow-url https://sep.example.net/websheet/vowifi',
    },
    { description: 'The same as JSON', command: `<%= config.bin %> <%= command.id %> 001010000000001 ap2004 --data '{"entitlement_status": 0, "message_for_incompatible": "Not on this plan"}'` },
    { description: 'Satellite PLMNs (a list field)', command: `<%= config.bin %> <%= command.id %> 001010000000001 ap2016 --status 1 --field 'plmn_allowed=[{"plmn":"310830","data_plan_type":"Metered"}]'` },
  ];
  static override args = {
    imsi: Args.string({ description: 'IMSI, 15 digits', required: true }),
    app: Args.string({ description: `TS.43 app id: ${SUPPORTED_APP_IDS.join(' ')}`, required: true }),
  };
  static override flags = {
    status: int('status'),
    'addr-status': int('addr-status'),
    'tc-status': int('tc-status'),
    'prov-status': int('prov-status'),
    'service-flow-url': str('service-flow-url'),
    'service-flow-user-data': str('service-flow-user-data'),
    'message-for-incompatible': str('message-for-incompatible'),
    msisdn: str('msisdn'),
    'tc-operation': str('tc-operation'),
    msg: str('msg'),
    'five-g-sa-status': int('five-g-sa-status'),
    'data-boost-info': str('data-boost-info'),
    field: Flags.string({ summary: 'Any other field as name=value (JSON for lists); repeatable.', multiple: true, helpValue: 'NAME=VALUE', helpGroup: 'FIELD' }),
    data: Flags.string({ summary: 'All fields as one JSON object (not --json, which is the output flag).', helpValue: 'JSON', helpGroup: 'FIELD' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(EntitlementSet);
    this.setup(flags);
    const imsi = parseImsi(args.imsi);
    const app = parseAppId(args.app);
    const entitlement = buildEntitlement(app, {
      data: flags.data,
      extra: flags.field,
      fields: {
        status: flags.status,
        'addr-status': flags['addr-status'],
        'tc-status': flags['tc-status'],
        'prov-status': flags['prov-status'],
        'service-flow-url': flags['service-flow-url'],
        'service-flow-user-data': flags['service-flow-user-data'],
        'message-for-incompatible': flags['message-for-incompatible'],
        msisdn: flags.msisdn,
        'tc-operation': flags['tc-operation'],
        msg: flags.msg,
        'five-g-sa-status': flags['five-g-sa-status'],
        'data-boost-info': flags['data-boost-info'],
      },
    });
    const body = await this.client.call(routes.setEntitlement, { params: { imsi }, body: { app_id: app, entitlement } });
    this.output(body, () => renderEntitlementSet(body, this.chalk));
  }
}
