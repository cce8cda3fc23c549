/**
 * Authentication headers on the public listener: XCAP `Authorization: Digest …` (parseAuthorization, nonce
 * check, response check) and `X-3GPP-Asserted-Identity` (assertedIdentities → xuiToMsisdn). None has a
 * typed error: a bad header is "no credentials" (null), so every input must give a result.
 */
import { assertedIdentities } from '../../../daemon/http/xcap/identity.js';
import { checkNonce, ha1, makeNonce, parseAuthorization, verifyResponse } from '../../../src/services/xcap/digest.js';
import { xuiToMsisdn } from '../../../src/codec/xcap/uri.js';
import type { FuzzTarget } from '../engine.js';
import { text } from './seeds.js';

const key = Buffer.alloc(32, 7);
const now = 1_800_000_000_000;
const nonce = makeNonce(key, now);

const target: FuzzTarget = {
  name: 'http-auth',
  describe: 'Authorization: Digest (parseAuthorization, checkNonce, verifyResponse) and X-3GPP-Asserted-Identity (assertedIdentities, xuiToMsisdn)',
  seeds: () => text(
    `Digest username="+15551234567", realm="omnisep", uri="/simservs.ngn.etsi.org/users/tel:+15551234567/simservs.xml", algorithm=SHA-256, nonce="${nonce}", nc=00000001, cnonce="0a4f113b", qop=auth, response="6629fae49393a05397450978507c4ef1", opaque="x"`,
    `Digest username="tel:+15551234567",realm="omnisep",nonce="${nonce}",uri="/",response="00",qop=auth,nc=00000002,cnonce="c",userhash=true`,
    '"Alice" <sip:+15551234567@ims.example.com;user=phone>, <tel:+15551234567>',
    'sip:+15551234567@ims.example.com, tel:+1-555-123-4567;phone-context=x',
  ),
  tokens: ['Digest ', '=', '"', '\\"', ',', ' ', 'algorithm=', 'MD5', 'SHA-256', 'qop=auth', 'nc=', 'nonce="', '<', '>', 'tel:+', 'sip:', 'sips:', ';', '@'],
  maxLength: 8192,
  expected: () => false,
  run(input) {
    const h = input.toString('latin1');
    const c = parseAuthorization(h);
    if (c) {
      checkNonce(key, c.nonce, now, 300_000);
      verifyResponse(c, 'PUT', ha1(c.algorithm, c.username, c.realm, 'secret'));
    }
    for (const uri of assertedIdentities(h)) xuiToMsisdn(uri);
  },
};
export default target;
