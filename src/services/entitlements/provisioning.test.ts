import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../../store/memory-store.js';
import { SubscriberService } from '../subscribers.js';
import { EntitlementService } from './overrides.js';
import { WebsheetGrants } from './websheet-grants.js';
import { ProvisioningRenderer, buildProvisioning, joinParts, type ProvisioningInput, type ProvisioningSources } from './provisioning.js';
import { renderDocument } from '../../codec/ts43/document.js';
import { Secret } from '../../util/secret.js';
import type { EntitlementData } from '../../contracts/entitlements.js';
import { bigStringsWith } from '../../../test/heap-strings.js';

const IMSI_A = '001010000000101';
const IMSI_B = '001010000000102';
const KEY = '465b5ce8b199b49faa5f0a2ee238a6bc';

async function sources(): Promise<ProvisioningSources & { entitlements: EntitlementService }> {
  const store = createMemoryStore();
  const clock = { now: () => 1_800_000_000_000 };
  let n = 0;
  const subscribers = new SubscriberService(store, clock);
  await subscribers.add({ imsi: IMSI_A, msisdn: '+15551230001', ki: KEY, opc: KEY });
  await subscribers.add({ imsi: IMSI_B, msisdn: '15551230002', ki: KEY, opc: KEY });
  return { entitlements: new EntitlementService(store, clock), subscribers, websheetGrants: new WebsheetGrants(store, clock, () => `jti-${++n}`) };
}

const input = (imsi: string, over: Partial<ProvisioningInput> = {}): ProvisioningInput => ({
  imsi, apps: ['ap2004', 'ap2003', 'ap2014'], defaults: {}, versValidity: 86400, websheetBase: 'https://sep.example.com/websheet',
  signingSecret: new Secret('provisioning-test-secret'), nowMs: 1_800_000_000_000, ...over,
});

/** The reference: build the document and render it, every time. */
async function reference(src: ProvisioningSources, i: ProvisioningInput, format: 'xml' | 'json') {
  const { doc } = await buildProvisioning(src, i);
  return { body: renderDocument(doc, format), vers: doc.vers.version };
}

test('the reused rendering is byte for byte the document built afresh, for every subscriber, token and format', async () => {
  const src = await sources();
  const r = new ProvisioningRenderer(renderDocument);
  const token = { value: 'AAECAwQFBgcICQoLDA0ODw-_AAECAwQFBgcICQoLDA0', validity: 3599 };
  await src.entitlements.mergeApp(IMSI_B, 'ap2003', { entitlement_status: 0 } as EntitlementData);
  for (const format of ['xml', 'json'] as const) {
    for (const imsi of [IMSI_A, IMSI_B, IMSI_A]) {
      for (const tok of [token, undefined, { ...token, validity: 12 }]) {
        const i = input(imsi, { token: tok });
        const got = await r.render(src, i, format);
        assert.deepEqual(got, await reference(src, i, format), `${format} ${imsi} token=${!!tok}`);
      }
    }
  }
  // The websheet link's user data (with `&`, escaped in XML) and the MSISDN differ per subscriber.
  const a = await r.render(src, input(IMSI_A), 'xml');
  const b = await r.render(src, input(IMSI_B), 'xml');
  assert.match(a.body, /ServiceFlow_UserData" value="token=[^"]+&amp;entitlement_name=VoWiFi"/);
  assert.match(a.body, /value="15551230001"/);
  assert.match(b.body, /value="15551230002"/);
});

test('a change of overrides, of the configured defaults (reload) or of the app list is rendered anew', async () => {
  const src = await sources();
  const r = new ProvisioningRenderer(renderDocument);
  const before = await r.render(src, input(IMSI_A), 'xml');
  await src.entitlements.mergeApp(IMSI_A, 'ap2004', { service_flow_url: 'https://other.example.com/ws' } as EntitlementData);
  const after = await r.render(src, input(IMSI_A), 'xml');
  assert.notEqual(after.vers, before.vers);
  assert.match(after.body, /https:\/\/other\.example\.com\/ws/);
  assert.deepEqual(after, await reference(src, input(IMSI_A), 'xml'));
  const reloaded = { ap2003: { entries: [{ access_type: 1, home_roaming_nw_type: 1, entitlement_status: 0 }] } } as Record<string, EntitlementData>;
  const withDefaults = await r.render(src, input(IMSI_A, { defaults: reloaded }), 'xml');
  assert.notEqual(withDefaults.vers, after.vers);
  assert.deepEqual(withDefaults, await reference(src, input(IMSI_A, { defaults: reloaded }), 'xml'));
  const fewer = await r.render(src, input(IMSI_A, { apps: ['ap2003'] }), 'json');
  assert.deepEqual(fewer, await reference(src, input(IMSI_A, { apps: ['ap2003'] }), 'json'));
});

test('configured text that looks like a placeholder stays as configured', async () => {
  const src = await sources();
  const r = new ProvisioningRenderer(renderDocument, 16, 'fixed');
  await src.entitlements.mergeApp(IMSI_A, 'ap2004', { service_flow_url: 'https://x.example.com/OMNISEPxTOKENxother' } as EntitlementData);
  const i = input(IMSI_A, { token: { value: 'tok', validity: 5 } });
  assert.deepEqual(await r.render(src, i, 'xml'), await reference(src, i, 'xml'));
});

test('the parts of a rendering join to its body; one template hands every request the same fixed pieces', async () => {
  const src = await sources();
  const r = new ProvisioningRenderer(renderDocument);
  const token = { value: 'zq9<&">zq', validity: 59 };
  const defaults = {}; // one configuration, as the daemon holds it
  for (const format of ['xml', 'json'] as const) {
    const a = await r.renderParts(src, input(IMSI_A, { token, defaults }), format);
    const b = await r.renderParts(src, input(IMSI_B, { token: { value: 'other', validity: 7 }, defaults }), format);
    assert.equal(joinParts(a.parts), (await reference(src, input(IMSI_A, { token }), format)).body, `${format}: joined = built afresh`);
    assert.equal(a.parts.statics, b.parts.statics, `${format}: same template, same pieces`);
    assert.equal(a.parts.values.length, a.parts.statics.length - 1);
    assert.ok(a.parts.values.some((v) => v.startsWith('zq9')), `${format}: the token is a value, not a fixed piece`);
    assert.ok(!a.parts.statics.some((s) => s.includes('15551230001') || s.includes('zq9')), `${format}: nothing of the subscriber in the fixed pieces`);
  }
});

test('a rendering keeps no slice of the query URL its IMSI was cut from (the signed link memo), heap snapshot', async () => {
  const src = await sources();
  // Memos of 2 keys a generation: the third query moves A's entries up a generation, under that query's key.
  const r = new ProvisioningRenderer(renderDocument, 2);
  const marker = `zqProvUrl${process.pid}`;
  // Each query in a frame of its own, which ends: what stays alive is what the renderer and the store keep.
  const query = async (imsi: string) => {
    const url = `/?IMSI=${imsi}&token=x&pad=${marker}${'x'.repeat(4000)}`;
    const cut = url.slice(url.indexOf('IMSI=') + 5, url.indexOf('&'));
    return (await r.render(src, input(cut), 'xml')).body;
  };
  const a = await query(IMSI_A);
  await query(IMSI_B);
  assert.match(a, /ServiceFlow_UserData" value="token=[^"]+&amp;entitlement_name=VoWiFi"/);
  assert.equal(await query(IMSI_A), a, 'the memo answers the same link');
  // A RecentMap remembers its last missed key (one, whatever the load): a read of another subscriber moves it on.
  await r.render(src, input('001010000000103'), 'xml');
  /x/.test('x'); // V8 keeps the subject of the last regular-expression match: one string, whatever the load
  assert.equal(bigStringsWith(marker, 900), 0, 'no query URL kept alive');
});
