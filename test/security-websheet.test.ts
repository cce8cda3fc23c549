/**
 * Issue 13 items 13 and 16: websheet links are bound to app, IMSI and a live grant; a revoke,
 * subscriber or override removal withdraws them; each token has one spelling; ServiceFlow_URL never
 * follows the Host header.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../src/store/memory-store.js';
import { WebsheetGrants } from '../src/services/entitlements/websheet-grants.js';
import { signServiceFlowToken, verifyServiceFlowToken } from '../src/services/entitlements/service-flow.js';
import { Secret } from '../src/util/secret.js';
import { SIM1, runUe, startHarness } from './ts43-harness.js';
import { openCollection } from './store-helpers.js';

const secret = new Secret('websheet-test-secret-0123456789');
const IMSI = '001010000000001';

test('tokens have one spelling: a changed last character that decodes to the same MAC is refused', () => {
  const t = signServiceFlowToken(secret, { imsi: IMSI, app: 'ap2004', exp: 2_000_000_000, jti: 'j1' });
  assert.ok(verifyServiceFlowToken(secret, t, 1));
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = t.at(-1)!;
  const twins = [...alphabet].filter((c) => c !== last && Buffer.from(`${t.slice(t.indexOf('.') + 1, -1)}${c}`, 'base64url').equals(Buffer.from(t.slice(t.indexOf('.') + 1), 'base64url')));
  assert.ok(twins.length > 0, 'the malleable spellings exist');
  for (const c of twins) assert.equal(verifyServiceFlowToken(secret, `${t.slice(0, -1)}${c}`, 1), null);
});

test('grants: reused while fresh, single-use on consume, withdrawn on revoke', async () => {
  let now = 1_000_000_000_000;
  let n = 0;
  const g = new WebsheetGrants(createMemoryStore(), { now: () => now }, () => `id${++n}`);
  const a = await g.issue(IMSI, 'ap2004', 86_400);
  assert.deepEqual(await g.issue(IMSI, 'ap2004', 86_400), a, 'a re-poll gets the same link');
  assert.ok(await g.check(IMSI, 'ap2004', a.jti));
  assert.ok(!(await g.check(IMSI, 'ap2005', a.jti)), 'bound to the app');
  assert.ok(!(await g.check('001010000000002', 'ap2004', a.jti)), 'bound to the IMSI');
  assert.ok(await g.consume(IMSI, a.jti));
  assert.ok(!(await g.consume(IMSI, a.jti)), 'a replay finds it used');
  const b = await g.issue(IMSI, 'ap2004', 86_400);
  assert.notEqual(b.jti, a.jti);
  await g.revoke(IMSI);
  assert.ok(!(await g.check(IMSI, 'ap2004', b.jti)));
  const c = await g.issue(IMSI, 'ap2004', 86_400);
  now += (86_400 - 3000) * 1000;
  assert.notEqual((await g.issue(IMSI, 'ap2004', 86_400)).jti, c.jti, 'less than an hour left: a new link');
});

test('through the TS.43 server: Host header ignored; subscriber and override removal withdraw the link', async () => {
  const h = await startHarness();
  try {
    const provision = async () => {
      await openCollection(h.ctx.store, 'entitlements').put(SIM1.imsi, { imsi: SIM1.imsi, apps: { ap2004: { addr_status: 0, tc_status: 0 } }, updated_at: new Date().toISOString() });
      const r = await runUe({ url: h.url, ...SIM1, apps: ['ap2004'] });
      const parm = (name: string) => new RegExp(`<parm name="${name}" value="([^"]*)"`).exec(r.final.body)![1]!;
      return { url: parm('ServiceFlow_URL'), userData: parm('ServiceFlow_UserData').replace(/&amp;/g, '&'), token: parm('token') };
    };
    const open = (url: string, userData: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: userData }).then(async (r) => { await r.text(); return r.status; });
    const first = await provision();
    assert.equal(await open(first.url, first.userData), 200);

    // item 16: a token re-auth with a hostile Host header still gets the configured URL.
    const again = await fetch(`${h.url}?IMSI=${SIM1.imsi}&token=${first.token}&terminal_id=356938035643809&app=ap2004&entitlement_version=2.0&app_name=com.google.android.ims`, { headers: { host: 'evil.example/phish?' } });
    const body = await again.text();
    assert.ok(!body.includes('evil.example'), body);
    assert.match(body, /ServiceFlow_URL" value="http:\/\/127\.0\.0\.1:\d+\/websheet\/vowifi"/);

    // Override removal withdraws the link.
    await openCollection(h.ctx.store, 'entitlements').delete(SIM1.imsi);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await open(first.url, first.userData), 403, 'after entitlement rm');

    // Subscriber removal withdraws the link (and a submit cannot re-create the override).
    await openCollection(h.ctx.store, 'subscribers').put(SIM1.imsi, { imsi: SIM1.imsi });
    await new Promise((r) => setTimeout(r, 100));
    const second = await provision();
    assert.equal(await open(second.url, second.userData), 200);
    await openCollection(h.ctx.store, 'subscribers').delete(SIM1.imsi);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await open(second.url, second.userData), 403, 'after subscriber rm');
    const token = new URLSearchParams(second.userData).get('token');
    const submit = await fetch(`${second.url}/submit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, address: { street: 'a', house_number: '1', city: 'b', postal_code: '1', country: 'US' }, accept_terms: true }) });
    assert.equal(submit.status, 403);
    const ap2004 = (await openCollection<{ apps: Record<string, { addr_status?: number }> }>(h.ctx.store, 'entitlements').get(SIM1.imsi))?.apps?.ap2004;
    assert.notEqual(ap2004?.addr_status, 1, 'the refused submit wrote nothing');
  } finally {
    await h.close();
  }
});

test('through the TS.43 server: a re-authentication keeps the link (same grant); a token revoke and expiry end it', async () => {
  const h = await startHarness();
  try {
    await openCollection(h.ctx.store, 'entitlements').put(SIM1.imsi, { imsi: SIM1.imsi, apps: { ap2004: { addr_status: 0, tc_status: 0 } }, updated_at: new Date().toISOString() });
    const provision = async () => {
      const r = await runUe({ url: h.url, ...SIM1, apps: ['ap2004'] });
      const parm = (name: string) => new RegExp(`<parm name="${name}" value="([^"]*)"`).exec(r.final.body)![1]!;
      return { url: parm('ServiceFlow_URL'), userData: parm('ServiceFlow_UserData').replace(/&amp;/g, '&') };
    };
    const open = (url: string, userData: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: userData }).then(async (r) => { await r.text(); return r.status; });
    const settle = () => new Promise((r) => setTimeout(r, 50));
    const grants = () => openCollection(h.ctx.store, 'websheet_grants');
    const first = await provision();
    assert.equal(await open(first.url, first.userData), 200);

    // A full EAP-AKA again on the same binding: the token is replaced (a `revoked` event marked `replaced`), the grant is not.
    const second = await provision();
    await settle();
    const replaced = h.events.filter((e) => e.kind === 'token' && e.change === 'revoked');
    assert.equal(replaced.length, 1);
    assert.equal((replaced[0] as { replaced?: true }).replaced, true);
    assert.equal(second.userData, first.userData, 'the new document carries the same link');
    assert.equal(await open(first.url, first.userData), 200, 'the link of the first document still works');
    assert.equal(await grants().count(), 1);

    // An explicit revoke of the live token withdraws the grant: both documents' link stops working.
    const [live] = await h.ctx.services.tokens.listByImsi(SIM1.imsi);
    await h.ctx.services.tokens.revoke(live!.token_id);
    await settle();
    assert.equal(await open(first.url, first.userData), 403, 'after token revoke');
    assert.equal(await grants().get(SIM1.imsi), undefined);
    const third = await provision();
    assert.notEqual(third.userData, first.userData, 'a fresh grant after the revoke');
    assert.equal(await open(third.url, third.userData), 200);

    // Re-authentications keep a grant only while more than an hour of it is left: then a new one, and the old link expires.
    h.clock.advance((86_400 - 3000) * 1000);
    const fourth = await provision();
    assert.notEqual(fourth.userData, third.userData, 'less than an hour left: a new link');
    h.clock.advance(3001 * 1000);
    assert.equal(await open(third.url, third.userData), 403, 'the old link expired');
  } finally {
    await h.close();
  }
});
