/**
 * The TS.43 request as the entitlement plugin (daemon/http/ts43/index.ts) reads it: query string → folded
 * parameters → typed request, required-parameter check, EAP_ID, entitlement_version range, User-Agent,
 * Accept negotiation, and the credential-parameter redaction every logged URL goes through. None of these
 * may throw: there is no typed error, every input must give a result.
 *
 * Input: `<query>\n<User-Agent>\n<Accept>`. The query is split as node:querystring does (repeated names
 * become arrays: the shape fastify's own parser gives).
 */
import { parse as parseQuery } from 'node:querystring';
import {
  entitlementVersionSupported, foldParams, missingParams, negotiateFormat, parseAccept, parseEapId, parseTs43Request, parseUserAgent,
} from '../../../src/codec/ts43/index.js';
import { isEntitlementAppId } from '../../../src/contracts/entitlement-apps.js';
import { redactSecretParams, secretParamsInUrl } from '../../../src/util/secret-params.js';
import { storableText, terminalSafe } from '../../../src/util/terminal-text.js';
import type { FuzzTarget } from '../engine.js';
import { text } from './seeds.js';

const UA = 'PRD-TS43 term-Goog/Pixel 8 client-Goog/14 OS-Android/14';
const RELAY = 'application/vnd.gsma.eap-relay.v1.0+json';

const target: FuzzTarget = {
  name: 'ts43-query',
  describe: 'query string → foldParams → parseTs43Request, missingParams, parseEapId, versions, parseUserAgent, Accept, redaction',
  seeds: () => text(
    `EAP_ID=0001010000000001%40nai.epc.mnc001.mcc001.3gppnetwork.org&terminal_id=356938035643809&terminal_vendor=Goog&terminal_model=Pixel%208&terminal_sw_version=UP1A.231005.007&app=ap2004&app=ap2003&vers=0&entitlement_version=2\n${UA}\n${RELAY}`,
    `IMSI=001010000000001&token=abc.def&terminal_id=356938035643809&app=%5Bap2003%2Cap2004%5D&vers=1816172139&entitlement_version=12.0\n${UA}\ntext/vnd.wap.connectivity-xml, application/json;q=0.5`,
    `app=ap2004&terminal_id=${'A'.repeat(300)}&%74oken=x&api_key=y&notif_action=1&notif_token=n&operation=SubscribeService&companion_terminal_id=1\nPRD-TS43 term-Omni/TestPhone /1.0 OS-Android/14\n*/*`,
    `requestor_id=r&app=["ap2005","ap2016"]&entitlement_version=v8.1.2&gid1=ff&boost_type=x\nMozilla/5.0\napplication/json`,
  ),
  tokens: ['&', '=', '%', '%00', '%1b', '[', ']', ',', '"', 'app=', 'EAP_ID=', 'IMSI=', 'token=', 'vers=', 'entitlement_version=', '\n', ';q=', 'term-', 'client-', 'OS-', ' /', '@', '\u202e'],
  maxLength: 8192,
  expected: () => false,
  run(input) {
    const [query = '', ua = '', accept = ''] = input.toString('utf8').split('\n');
    const r = parseTs43Request(foldParams(parseQuery(query)));
    missingParams(r);
    missingParams(r, { authOptional: true });
    if (r.eap_id !== null) parseEapId(r.eap_id);
    if (r.entitlement_version !== null) entitlementVersionSupported(r.entitlement_version, { min: '2.0', max: '12.0' });
    for (const a of r.apps) isEntitlementAppId(a);
    const u = parseUserAgent(ua);
    storableText(u.raw);
    terminalSafe(u.raw);
    parseAccept(accept);
    negotiateFormat(accept);
    redactSecretParams(`/?${query}`);
    secretParamsInUrl(`/?${query}`);
  },
};
export default target;
