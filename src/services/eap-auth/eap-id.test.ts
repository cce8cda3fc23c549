import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyEapId } from './eap-id.js';

const REALM = 'nai.epc.mnc001.mcc001.3gppnetwork.org';

test('EAP_ID classes: permanent root NAIs, pseudonym / re-auth prefixes never permanent, other NAIs temporary, junk invalid', () => {
  assert.deepEqual(classifyEapId(`0001010000000001@${REALM}`), { kind: 'permanent', imsi: '001010000000001' });
  assert.deepEqual(classifyEapId(`6001010000000001@${REALM}`), { kind: 'permanent', imsi: '001010000000001' });
  assert.deepEqual(classifyEapId(` 0001010000000001@wlan.example `), { kind: 'permanent', imsi: '001010000000001' });
  // TS 23.003 §19.3.2: 2/7 pseudonym, 4/8 re-auth — even when digits follow that look like an IMSI
  assert.deepEqual(classifyEapId(`2001010000000001@${REALM}`), { kind: 'temporary', identity: 'pseudonym' });
  assert.deepEqual(classifyEapId(`4${'ab'.repeat(16)}@${REALM}`), { kind: 'temporary', identity: 'reauth' });
  assert.deepEqual(classifyEapId(`7${'0'.repeat(32)}@${REALM}`), { kind: 'temporary', identity: 'pseudonym' });
  assert.deepEqual(classifyEapId(`8${'f'.repeat(32)}@${REALM}`), { kind: 'temporary', identity: 'reauth' });
  assert.deepEqual(classifyEapId('alice.pseudo@aaa.example'), { kind: 'temporary', identity: 'other' });
  for (const junk of ['', 'alice', '@realm', 'a b@realm', 'a@b@realm', 'a@realm/x', `a@${'r'.repeat(125)}`, `${'u'.repeat(129)}@realm`, 'a\u0000@realm']) {
    assert.deepEqual(classifyEapId(junk), { kind: 'invalid' }, JSON.stringify(junk));
  }
});
