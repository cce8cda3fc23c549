/**
 * ap2013 private user identity, pseudonym variant (TS.43 §12; docs/odsa.md § ap2013), end to end: a real
 * daemon relays EAP-AKA over SWm (Diameter on loopback) to its built-in AAA, which issues pseudonyms; the test
 * plays the phone with the peer state machine through the TS.43 listener. The device finds AT_NEXT_PSEUDONYM
 * in the challenge it answered, and the entitlement document says EntitlementStatus 1, PrivateUserIDType 1,
 * PrivateUserID empty — after EAP-AKA and with the TS.43 token. With aaa.pseudonyms off: EntitlementStatus 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestDaemon } from './daemon-helpers.js';
import { LOOPBACK_EAP_LIMITS, SIM1, runUe } from './ts43-harness.js';
import { xmlParms } from './ts43-xml.js';

const XML = 'text/vnd.wap.connectivity-xml';
async function run(sets: string[]) {
  const d = await startTestDaemon(['diameter.enabled=true', 'aaa.enabled=true', 'eap_aka.backend=swm', 'xcap.enabled=false', ...LOOPBACK_EAP_LIMITS, ...sets]);
  try {
    // The built-in AAA loads the lab SIMs (aaa.subscribers_file), SIM1 among them; added here when it does not.
    assert.ok([201, 409].includes((await d.call('POST', '/api/subscribers', { imsi: SIM1.imsi, ki: SIM1.k.toString('hex'), opc: SIM1.opc.toString('hex') })).status));
    const base = d.addresses.http.url.replace(/\/?$/, '/');
    const eap = await runUe({ url: base, ...SIM1, apps: ['ap2013'], accept: XML });
    assert.equal(eap.final.status, 200, eap.final.body);
    const afterEap = xmlParms(eap.final.body);
    const u = new URL(base);
    for (const [k, v] of Object.entries({ terminal_id: '356938035643809', IMSI: SIM1.imsi, token: afterEap.TOKEN!.token!, app_name: 'com.google.android.ims', entitlement_version: '12.0', app: 'ap2013' })) u.searchParams.set(k, v);
    const r = await fetch(u, { headers: { accept: 'application/json' } });
    const withToken = JSON.parse(await r.text()) as Record<string, Record<string, string>>;
    assert.equal(r.status, 200);
    return { afterEap, withToken, pseudonym: eap.peer.pending?.pseudonym };
  } finally {
    await d.stop();
  }
}

test('ap2013 with the built-in AAA issuing pseudonyms: the device holds AT_NEXT_PSEUDONYM and is entitled with PrivateUserIDType 1', async () => {
  const { afterEap, withToken, pseudonym } = await run([]);
  assert.ok(pseudonym && pseudonym.length > 0, 'the relayed challenge carried AT_NEXT_PSEUDONYM');
  assert.deepEqual(afterEap.APPLICATION, { AppID: 'ap2013', EntitlementStatus: '1', PrivateUserID: '', PrivateUserIDType: '1' });
  assert.deepEqual(withToken.ap2013, { EntitlementStatus: '1', PrivateUserID: '', PrivateUserIDType: '1' });
});

test('ap2013 with aaa.pseudonyms off: no pseudonym, EntitlementStatus 2 with its message', async () => {
  const { afterEap, withToken, pseudonym } = await run(['aaa.pseudonyms=false']);
  assert.equal(pseudonym, undefined);
  assert.equal(afterEap.APPLICATION!.EntitlementStatus, '2');
  assert.deepEqual(withToken.ap2013, { EntitlementStatus: '2', MessageForIncompatible: 'Private user identity is not offered by this server' });
});
