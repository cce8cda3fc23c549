/**
 * The VoWiFi websheet in a real headless browser (Debian chromium through
 * playwright-core): the phone's WebView POSTs ServiceFlow_UserData to
 * ServiceFlow_URL, the user enters the E911 address and accepts the terms,
 * the page calls VoWiFiWebServiceFlow.entitlementChanged(); AddrStatus and
 * TC_Status flip to 1 in the next answer. Cancel calls dismissFlow().
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { EntitlementRecord } from '../src/contracts/entitlements.js';
import type { WebsheetRecord } from '../daemon/http/ts43/websheet.js';
import { SIM1, runUe, startHarness, type Harness } from './ts43-harness.js';
import { openCollection } from './store-helpers.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

async function provision(h: Harness) {
  await openCollection<EntitlementRecord>(h.ctx.store, 'entitlements').put(SIM1.imsi, { imsi: SIM1.imsi, apps: { ap2004: { addr_status: 0, tc_status: 0 } }, updated_at: new Date().toISOString() });
  const r = await runUe({ url: h.url, ...SIM1, apps: ['ap2004'] });
  assert.equal(r.final.status, 200);
  const parm = (name: string) => new RegExp(`<parm name="${name}" value="([^"]*)"`).exec(r.final.body)![1]!;
  return { url: parm('ServiceFlow_URL'), userData: parm('ServiceFlow_UserData').replace(/&amp;/g, '&'), addr: parm('AddrStatus'), tc: parm('TC_Status'), vers: parm('version'), token: parm('token') };
}

/** Open the websheet as Android's WebView does: POST the user data, with the JS bridge object in place. */
async function openSheet(browser: Browser, url: string, userData: string): Promise<Page> {
  const page = await browser.newPage();
  // A string, not a function: a transpiled function may reference helpers that do not exist in the page.
  await page.addInitScript(`
    window.__calls = [];
    window.VoWiFiWebServiceFlow = {
      entitlementChanged: function () { window.__calls.push('entitlementChanged'); },
      dismissFlow: function () { window.__calls.push('dismissFlow'); },
    };`);
  let first = true;
  await page.route(url, async (route) => {
    if (!first) return route.continue();
    first = false;
    await route.continue({ method: 'POST', postData: userData, headers: { ...route.request().headers(), 'content-type': 'application/x-www-form-urlencoded' } });
  });
  const resp = await page.goto(url);
  assert.equal(resp?.status(), 200);
  return page;
}

test('websheet in headless chromium: address + terms recorded, AddrStatus/TC_Status flip, entitlementChanged() called', async (t) => {
  assert.ok(CHROMIUM, 'chromium is installed (Debian package chromium; .ci/run installs it)');
  const h = await startHarness();
  const browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const before = await provision(h);
    assert.equal(before.addr, '0');
    assert.equal(before.tc, '0');
    assert.match(before.url, /^http:\/\/127\.0\.0\.1:\d+\/websheet\/vowifi$/);

    const page = await openSheet(browser, before.url, before.userData);
    // refusing without the terms
    await page.fill('#street', 'Main Street');
    await page.fill('#house_number', '1');
    await page.fill('#city', 'Springfield');
    await page.fill('#postal_code', '12345');
    await page.fill('#country', 'us');
    await page.click('#save');
    await page.waitForFunction(`document.getElementById('status').textContent.includes('accept')`);
    assert.equal((await openCollection(h.ctx.store, 'websheet').count()), 0);
    await page.check('#accept_terms');
    await page.click('#save');
    await page.waitForFunction(`(window.__calls || []).includes('entitlementChanged')`, undefined, { timeout: 10_000 }).catch(async (e) => { throw new Error(`${(e as Error).message}; status: ${await page.textContent('#status')}`); });

    const rec = (await openCollection<WebsheetRecord>(h.ctx.store, 'websheet').get(SIM1.imsi))!;
    assert.equal(rec.address.street, 'Main Street');
    assert.equal(rec.address.country, 'US');
    assert.equal(rec.terms_accepted, true);
    const ent = (await openCollection<EntitlementRecord>(h.ctx.store, 'entitlements').get(SIM1.imsi))!;
    assert.equal(ent.apps.ap2004!.addr_status, 1);
    assert.equal(ent.apps.ap2004!.tc_status, 1);

    // the phone asks again (token re-auth): AddrStatus/TC_Status are 1 and VERS moved
    const again = await fetch(`${h.url}?IMSI=${SIM1.imsi}&token=${before.token}&terminal_id=356938035643809&app=ap2004&entitlement_version=2.0&app_name=com.google.android.ims`);
    const body = await again.text();
    assert.match(body, /<parm name="AddrStatus" value="1"\/>/);
    assert.match(body, /<parm name="TC_Status" value="1"\/>/);
    assert.notEqual(/<parm name="version" value="(\d+)"/.exec(body)![1], before.vers);

    await t.test('cancel calls dismissFlow()', async () => {
      const p2 = await openSheet(browser, before.url, before.userData);
      assert.equal(await p2.inputValue('#street'), 'Main Street', 'the recorded address is shown again');
      await p2.click('#cancel');
      await p2.waitForFunction(`(window.__calls || []).includes('dismissFlow')`, undefined, { timeout: 10_000 });
    });

    await t.test('a forged or missing user data token gets 403', async () => {
      const forged = before.userData.replace(/token=([^.]+)\.([A-Za-z0-9_-]+)/, (_m, p: string, s: string) => `token=${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`);
      const r = await fetch(before.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: forged });
      assert.equal(r.status, 403);
      const s = await fetch(`${before.url}/submit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'x.y', address: {}, accept_terms: true }) });
      assert.equal(s.status, 403);
    });
    const acts = (await h.ctx.store.activity.query({ type: 'websheet', limit: 20 })).records;
    assert.ok(acts.length >= 3);
    assert.ok(!JSON.stringify(acts).includes(before.userData.split('token=')[1]!.split('&')[0]!), 'websheet token never stored');
  } finally {
    await browser.close();
    await h.close();
  }
});
