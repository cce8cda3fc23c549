import { Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { UsageError } from '../../src/cli/errors.js';
import { xcapRoutes, type XcapPatch, type XcapView } from '../../src/contracts/xcap.js';
import { imsiFlag, msisdnArg } from '../../src/cli/args.js';
import { isForwardTarget } from '../../src/services/xcap/schema.js';
import { CONVENTIONAL_CF } from '../../src/services/xcap/document.js';
import { renderXcapView } from '../../src/cli/xcap-render.js';

const CF_IDS = ['cfu', 'cfb', 'cfna', 'cfnrc', 'cfnl'] as const;
const ICB = ['all', 'roaming', 'anonymous', 'international'] as const;
const OCB = ['all', 'international', 'international-exHC', 'roaming'] as const;

const cfFlag = (id: string) =>
  Flags.string({ summary: `Forward when ${CONVENTIONAL_CF[id]} (rule "${id}") to a tel:/sip: URI; "off" removes the rule.`, helpValue: 'URI|off', helpGroup: 'FORWARDING' });

type Flag = Record<string, string | string[] | number | boolean | undefined>;

/** Flags → the merge body of POST /api/xcap/:msisdn. Throws UsageError with what would be right. */
export function patchFromFlags(f: Flag): XcapPatch {
  let patch: XcapPatch = {};
  if (typeof f.data === 'string') {
    try {
      patch = JSON.parse(f.data) as XcapPatch;
    } catch {
      throw new UsageError('--data must be a JSON object, e.g. \'{"no_reply_timer": 25}\'');
    }
    if (!patch || typeof patch !== 'object' || Array.isArray(patch)) throw new UsageError('--data must be a JSON object');
  }
  for (const id of CF_IDS) {
    const v = f[id];
    if (typeof v !== 'string') continue;
    patch.call_forwarding ??= {};
    if (v === 'off') patch.call_forwarding[id] = null;
    else if (!isForwardTarget(v)) throw new UsageError(`--${id} ${v}: not a tel: or sip: URI; expected e.g. tel:+15557654321 or sip:voicemail@ims.example.com (or "off")`);
    else patch.call_forwarding[id] = { target: v, enabled: true, condition: CONVENTIONAL_CF[id]! };
  }
  if (typeof f['no-reply-timer'] === 'number') patch.no_reply_timer = f['no-reply-timer'];
  if (typeof f.oip === 'boolean') patch.oip = { active: f.oip };
  if (typeof f.oir === 'boolean') patch.oir = { active: true, default_behaviour: f.oir ? 'presentation-restricted' : 'presentation-not-restricted' };
  if (typeof f['cf-active'] === 'boolean') patch.call_forwarding_active = f['cf-active'];
  for (const [flag, key, activeKey, prefix] of [
    ['bar-incoming', 'call_barring_incoming', 'call_barring_incoming_active', 'icb'],
    ['bar-outgoing', 'call_barring_outgoing', 'call_barring_outgoing_active', 'ocb'],
  ] as const) {
    const vals = f[flag];
    if (!Array.isArray(vals) || !vals.length) continue;
    if (vals.includes('off')) {
      if (vals.length > 1) throw new UsageError(`--${flag} off cannot be combined with conditions`);
      patch[activeKey] = false;
      continue;
    }
    patch[activeKey] = true;
    const rules = (patch[key] ??= {});
    for (const c of vals) rules[`${prefix}-${c}`] = { condition: c, enabled: true, allow: false };
  }
  if (typeof f.password === 'string') patch.password = f.password;
  if (f['clear-password'] === true) patch.password = null;
  if (typeof f.imsi === 'string') patch.imsi = f.imsi;
  if (!Object.keys(patch).length) throw new UsageError('nothing to set: give at least one flag, e.g. --cfb tel:+15557654321 (see --help)');
  return patch;
}

export default class XcapSet extends BaseCommand<typeof XcapSet, XcapView> {
  static override summary = 'Change a subscriber\'s call forwarding, barring or caller-ID settings (merged; the ETag changes).';
  static override description =
    'Builds a merge for POST /api/xcap/:msisdn: only what is given changes, the rest of the simservs document stays as the phone left it. Forwarding targets are checked before anything is sent (exit 2). An MSISDN unknown to omnisep is provisioned for XCAP by this command. --password sets the HTTP Digest password for direct phone access (stored as HA1 only; usernames: the MSISDN, +MSISDN or tel:+MSISDN).';
  static override examples = [
    { description: 'Forward on busy and on no answer after 25 s', command: '<%= config.bin %> <%= command.id %> 15551234567 --cfb tel:+15557654321 --cfna sip:voicemail@ims.example.com --no-reply-timer 25' },
    { description: 'Hide the caller ID, bar outgoing international calls', command: '<%= config.bin %> <%= command.id %> 15551234567 --oir --bar-outgoing international' },
    { description: 'Remove unconditional forwarding', command: '<%= config.bin %> <%= command.id %> 15551234567 --cfu off' },
    { description: 'Anything else as JSON (the admin API\'s merge body)', command: `<%= config.bin %> <%= command.id %> 15551234567 --data '{"call_forwarding": {"cfb": {"enabled": false}}}'` },
  ];
  static override args = { msisdn: msisdnArg({ required: true }) };
  static override flags = {
    cfu: cfFlag('cfu'),
    cfb: cfFlag('cfb'),
    cfna: cfFlag('cfna'),
    cfnrc: cfFlag('cfnrc'),
    cfnl: cfFlag('cfnl'),
    'no-reply-timer': Flags.integer({ summary: 'Seconds before no-answer forwarding (xcap.no_reply_timer range, default 5-180).', helpGroup: 'FORWARDING' }),
    'cf-active': Flags.boolean({ summary: 'Switch call forwarding as a whole on or off (--no-cf-active).', allowNo: true, helpGroup: 'FORWARDING' }),
    oip: Flags.boolean({ summary: 'Show callers\' numbers (OIP); --no-oip turns it off.', allowNo: true, helpGroup: 'CALLER ID' }),
    oir: Flags.boolean({ summary: 'Hide the own number by default (OIR presentation-restricted); --no-oir shows it.', allowNo: true, helpGroup: 'CALLER ID' }),
    'bar-incoming': Flags.string({ summary: 'Bar incoming calls: all, roaming, anonymous, international; "off" deactivates. Repeatable.', options: [...ICB, 'off'], multiple: true, helpGroup: 'BARRING' }),
    'bar-outgoing': Flags.string({ summary: 'Bar outgoing calls: all, international, international-exHC, roaming; "off" deactivates. Repeatable.', options: [...OCB, 'off'], multiple: true, helpGroup: 'BARRING' }),
    password: Flags.custom<string>({
      parse: async (raw) => {
        if (raw.length < 8 || raw.length > 128) throw new UsageError('--password must be 8 to 128 characters');
        return raw;
      },
    })({ summary: 'HTTP Digest password for direct XCAP access (8-128 characters; never shown again).', helpGroup: 'ACCESS' }),
    'clear-password': Flags.boolean({ summary: 'Remove the Digest password.', exclusive: ['password'], helpGroup: 'ACCESS' }),
    imsi: imsiFlag({ summary: 'Record the IMSI of this MSISDN (when the subscriber store does not know it).', helpGroup: 'ACCESS' }),
    data: Flags.string({ summary: 'The merge body as JSON (snake_case keys of the admin API); flags win.', helpValue: 'JSON' }),
  };

  async run(): Promise<XcapView> {
    return this.client.call(xcapRoutes.setXcap, { params: { msisdn: this.args.msisdn }, body: patchFromFlags(this.flags as Flag) });
  }

  protected render(body: XcapView): string {
    return renderXcapView(body, this.chalk);
  }
}
