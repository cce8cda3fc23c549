/**
 * ODSA through the TS.43 listener (real fastify on loopback, EAP-AKA with the peer state machine):
 * the token request with no operation, every operation after token auth in XML and JSON, a tokenless
 * ODSA request that runs its operation once EAP-AKA succeeds, and temporary tokens with the HTTP
 * statuses of TS.43 §2.8.6.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { ACCEPT_ANDROID, SIM1, SIM2, runUe, startHarness, type Harness } from './ts43-harness.js';

const XML = 'text/vnd.wap.connectivity-xml';
const WATCH = { companion_terminal_id: '356938035643809', companion_terminal_eid: '89049032000001000000012345678901', companion_terminal_vendor: 'Omni', companion_terminal_model: 'W1', companion_terminal_friendly_name: 'My watch' };

type Parms = Record<string, string> & { children: Record<string, Parms> };
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (n) => n === 'characteristic' || n === 'parm' });
/** Characteristics by type, parms case-insensitively merged as AOSP's Ts43XmlDoc does. */
function xmlDoc(xml: string): Record<string, Parms> {
  const conv = (nodes: Array<Record<string, unknown>> = []): Record<string, Parms> => {
    const out: Record<string, Parms> = {};
    for (const n of nodes) {
      const p = { children: conv(n.characteristic as Array<Record<string, unknown>>) } as Parms;
      for (const parm of (n.parm as Array<Record<string, string>>) ?? []) p[parm['@_name']!] = parm['@_value']!;
      out[n['@_type'] as string] = p;
    }
    return out;
  };
  return conv((parser.parse(xml) as { 'wap-provisioningdoc': { characteristic: Array<Record<string, unknown>> } })['wap-provisioningdoc'].characteristic);
}

describe('ODSA on the TS.43 listener', () => {
  let h: Harness;
  let token = '';
  const ask = async (params: Record<string, string>, accept = XML, imsi = SIM1.imsi, tok: string | null = token) => {
    const u = new URL(h.url);
    const all = { terminal_id: '356938035643809', entitlement_version: '2.0', ...(tok ? { IMSI: imsi, token: tok } : {}), ...params };
    for (const [k, v] of Object.entries(all)) u.searchParams.set(k, v);
    const r = await fetch(u, { headers: { accept } });
    return { status: r.status, type: r.headers.get('content-type') ?? '', body: await r.text() };
  };

  before(async () => {
    h = await startHarness();
    await h.ctx.services.subscribers.add({ imsi: SIM1.imsi, ki: SIM1.k.toString('hex'), opc: SIM1.opc.toString('hex'), msisdn: '447700900123' });
  });
  after(() => h.close());

  it('the token request (app=ap2006, no operation) answers VERS + TOKEN + APPLICATION AppID only (AOSP getAuthToken)', async () => {
    const r = await runUe({ url: h.url, ...SIM1, apps: ['ap2006'], accept: ACCEPT_ANDROID, appName: 'com.android.odsa' });
    assert.equal(r.final.status, 200);
    assert.match(r.final.contentType, /connectivity-xml/);
    const doc = xmlDoc(r.final.body);
    token = doc.TOKEN!.token!;
    assert.ok(token.length > 20);
    assert.deepEqual(Object.keys(doc.APPLICATION!).filter((k) => k !== 'children'), ['AppID']);
  });

  it('CheckEligibility (XML), ManageSubscription 0 → DownloadInfo, AcquireConfiguration (JSON) → ServiceStatus 1 once the ICCID is reported', async () => {
    const ask2 = (p: Record<string, string>, accept = XML) => ask({ app: 'ap2006', app_name: 'com.android.odsa', ...p }, accept);
    const e = await ask2({ operation: 'CheckEligibility', companion_terminal_id: WATCH.companion_terminal_id });
    assert.equal(e.status, 200);
    const app = xmlDoc(e.body).APPLICATION!;
    assert.equal(app.OperationResult, '1');
    assert.equal(app.CompanionAppEligibility, '1');
    assert.equal(xmlDoc(e.body).TOKEN!.token, token, 'the token is echoed');
    const s = await ask2({ operation: 'ManageSubscription', operation_type: '0', ...WATCH });
    const sub = xmlDoc(s.body).APPLICATION!;
    assert.equal(sub.SubscriptionResult, '2');
    const iccid = sub.children.DownloadInfo!.ProfileIccid!;
    assert.match(sub.children.DownloadInfo!.ProfileActivationCode!, /^[A-Za-z0-9+/]+={0,2}$/);
    const c = await ask2({ operation: 'AcquireConfiguration', companion_terminal_id: WATCH.companion_terminal_id, companion_terminal_iccid: iccid }, 'application/json');
    assert.match(c.type, /application\/json/);
    const j = JSON.parse(c.body) as { ap2006: { OperationResult: string; CompanionConfigurations: Array<{ CompanionConfiguration: Record<string, string> }> } };
    assert.equal(j.ap2006.OperationResult, '1');
    assert.equal(j.ap2006.CompanionConfigurations[0]!.CompanionConfiguration.ServiceStatus, '1');
    assert.equal(j.ap2006.CompanionConfigurations[0]!.CompanionConfiguration.ICCID, iccid);
  });

  it('unknown operation → 200 with OperationResult 101; missing parameters → 102 naming them', async () => {
    const bad = await ask({ app: 'ap2006', app_name: 'com.android.odsa', operation: 'Teleport' });
    assert.equal(bad.status, 200);
    assert.equal(xmlDoc(bad.body).APPLICATION!.OperationResult, '101');
    const miss = await ask({ app: 'ap2006', app_name: 'com.android.odsa', operation: 'ManageSubscription', operation_type: '0', companion_terminal_id: 'w1' }, 'application/json');
    const j = JSON.parse(miss.body) as { ap2006: Record<string, string> };
    assert.equal(j.ap2006.OperationResult, '102');
    assert.match(j.ap2006.GeneralErrorText!, /companion_terminal_eid, companion_terminal_vendor, companion_terminal_friendly_name/);
  });

  it('a tokenless ODSA request runs its operation once EAP-AKA succeeds (ap2009 CheckEligibility)', async () => {
    const r = await runUe({ url: `${h.url}?operation=CheckEligibility`, ...SIM2, apps: ['ap2009'], accept: ACCEPT_ANDROID });
    assert.equal(r.final.status, 200);
    const doc = xmlDoc(r.final.body);
    assert.ok(doc.TOKEN!.token);
    assert.equal(doc.APPLICATION!.AppID, 'ap2009');
    assert.equal(doc.APPLICATION!.PrimaryAppEligibility, '1');
  });

  it('temporary token (§2.8.6): 200 inside its targets, 403 outside or for another IMSI, 404 unknown, 401 expired', async () => {
    const t = await ask({ app: 'ap2009', app_name: 'com.android.odsa', operation: 'AcquireTemporaryToken', operation_targets: 'ManageSubscription,AcquireConfiguration' });
    const a = xmlDoc(t.body).APPLICATION!;
    assert.match(a.TemporaryTokenExpiry!, /Z$/);
    const temp = a.TemporaryToken!;
    const use = (p: Record<string, string>) => ask({ app: 'ap2009', temporary_token: temp, terminal_id: 'NEW-PHONE', ...p }, XML, SIM1.imsi, null);
    const ok = await use({ operation: 'AcquireConfiguration' });
    assert.equal(ok.status, 200);
    assert.equal(xmlDoc(ok.body).APPLICATION!.OperationResult, '1');
    assert.equal(xmlDoc(ok.body).TOKEN, undefined, 'no TOKEN for a temporary token');
    assert.equal((await use({ operation: 'GetSubscriberInfo' })).status, 403);
    assert.equal((await use({ operation: 'AcquireConfiguration', IMSI: SIM2.imsi })).status, 403);
    assert.equal((await use({ operation: 'AcquireConfiguration', app: 'ap2004' })).status, 403);
    assert.equal((await ask({ app: 'ap2009', temporary_token: Buffer.alloc(32, 1).toString('base64url'), operation: 'AcquireConfiguration' }, XML, SIM1.imsi, null)).status, 404);
    assert.equal((await ask({ app: 'ap2009', temporary_token: 'garbage', operation: 'AcquireConfiguration' }, XML, SIM1.imsi, null)).status, 401);
    const bad = await use({ operation: 'Teleport' });
    assert.equal(bad.status, 200, 'a good token with no operation at all: OperationResult 101');
    assert.equal(xmlDoc(bad.body).APPLICATION!.OperationResult, '101');
    h.clock.advance((h.ctx.config.odsa.temporary_token_seconds + 1) * 1000);
    assert.equal((await use({ operation: 'AcquireConfiguration' })).status, 401);
  });

  it('GetPhoneNumber and GetSubscriberInfo read the subscriber store', async () => {
    const g = await ask({ app: 'ap2009', app_name: 'com.android.odsa', operation: 'GetPhoneNumber' });
    assert.equal(xmlDoc(g.body).APPLICATION!.MSISDN, '+447700900123');
  });

  it('every ODSA request lands in the activity log as odsa, with the operation and its result, never a token value', async () => {
    const page = await h.ctx.store.activity.query({ type: 'odsa', limit: 200 });
    const recs = page.records as unknown as Array<Record<string, unknown>>;
    assert.ok(recs.length >= 8, `odsa records: ${recs.length}`);
    const summaries = recs.map((r) => r.response_summary as Record<string, unknown>);
    assert.ok(summaries.some((s) => s.operation === 'ManageSubscription' && s.subscription_result === 2));
    assert.ok(summaries.some((s) => s.operation === 'Teleport' && s.operation_result === 101));
    const text = JSON.stringify(recs);
    assert.ok(!text.includes(token), 'no token value in the activity log');
    assert.ok(!JSON.stringify(h.events).includes(token), 'nor in the events');
  });
});
