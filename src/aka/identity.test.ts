import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildPermanentIdentity, epcRealm, isPermanentIdentity, methodOfIdentity, parseIdentity } from './identity.js';

describe('EAP-AKA identities (TS 23.003 §19.3.2)', () => {
  it('methodOfIdentity: 0/2/4 → EAP-AKA, 6/7/8 → EAP-AKA\', anything else → the fallback', () => {
    assert.deepEqual(['0001@x', '2ps', '4ra', '6001@x', '7ps', '8ra'].map((i) => methodOfIdentity(i, 'aka')), ['aka', 'aka', 'aka', 'aka-prime', 'aka-prime', 'aka-prime']);
    assert.deepEqual([methodOfIdentity('alice@x', 'aka-prime'), methodOfIdentity('', 'aka'), methodOfIdentity('9001', 'aka-prime')], ['aka-prime', 'aka', 'aka-prime']);
  });

  it('builds the permanent NAI with a zero-padded 3-digit MNC', () => {
    assert.equal(buildPermanentIdentity('310150123456789', { mncLength: 3 }), '0310150123456789@nai.epc.mnc150.mcc310.3gppnetwork.org');
    assert.equal(buildPermanentIdentity('234150999999999', { mncLength: 2, variant: 'aka-prime' }), '6234150999999999@nai.epc.mnc015.mcc234.3gppnetwork.org');
    assert.equal(epcRealm('001', '01'), 'nai.epc.mnc001.mcc001.3gppnetwork.org');
  });
  it('parses permanent, pseudonym, re-auth and foreign identities', () => {
    const p = parseIdentity('0310150123456789@nai.epc.mnc150.mcc310.3gppnetwork.org');
    assert.deepEqual(
      { kind: p.kind, variant: p.variant, imsi: p.imsi, mcc: p.mcc, mnc: p.mnc },
      { kind: 'permanent', variant: 'aka', imsi: '310150123456789', mcc: '310', mnc: '150' },
    );
    assert.equal(parseIdentity('6001010000000001@x').variant, 'aka-prime');
    assert.equal(parseIdentity('2abcdef@realm').kind, 'pseudonym');
    assert.equal(parseIdentity('8abcdef@realm').kind, 'reauth');
    assert.equal(parseIdentity('alice@example.org').kind, 'unknown');
    assert.equal(parseIdentity('0notdigits@x').kind, 'unknown');
    assert.equal(parseIdentity('').kind, 'unknown');
    assert.ok(isPermanentIdentity('0001010000000001'));
    assert.equal(isPermanentIdentity('0001010000000001', 'aka-prime'), false);
  });
  it('refuses an IMSI that is not 6..15 digits', () => {
    assert.throws(() => buildPermanentIdentity('12a45'), RangeError);
  });
});
