/**
 * Per-app entitlement data as the admin API and `entitlement set` send it (src/contracts/entitlement-apps.ts
 * parseAppEntitlement): a JSON object `{appId: data}`. JSON.parse's SyntaxError is the typed refusal; the
 * check itself answers `{ok:false, errors}` and must never throw.
 */
import { resolveConfig } from '../../../src/contracts/config.js';
import { ENTITLEMENT_APP_IDS, fieldsNotSent, isEntitlementAppId, parseAppEntitlement } from '../../../src/contracts/entitlement-apps.js';
import type { FuzzTarget } from '../engine.js';
import { text } from './seeds.js';

const target: FuzzTarget = {
  name: 'entitlement-apps',
  describe: 'JSON {app: data} → parseAppEntitlement for each app (admin API / entitlement set bodies), fieldsNotSent',
  seeds: () => {
    const defaults = resolveConfig().default_entitlements as Record<string, unknown>;
    return [
      ...Object.entries(defaults).map(([k, v]) => Buffer.from(JSON.stringify({ [k]: v }))),
      ...text('{"ap2004":{"entitlement_status":2,"message_for_incompatible":"x\\u001b[2J","addr_status":7}}', '{"ap2003":{"entries":[{}]}}'),
    ];
  },
  tokens: ['{', '}', '[', ']', '"', ':', ',', 'null', '-1', '1e309', '"entitlement_status"', '"entries"', '"ap2004"', '\\u202e', '4294967296'],
  maxLength: 8192,
  expected: (e) => e instanceof SyntaxError,
  run(input) {
    const v: unknown = JSON.parse(input.toString('utf8'));
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return;
    for (const [k, data] of Object.entries(v)) {
      for (const app of isEntitlementAppId(k) ? [k] : ENTITLEMENT_APP_IDS) {
        const r = parseAppEntitlement(app, data);
        if (r.ok) fieldsNotSent(app, r.value as Record<string, unknown>);
      }
    }
  },
};
export default target;
