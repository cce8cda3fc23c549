/**
 * ap2011 server-initiated ODSA (TS.43 §10, §2.8.3; docs/odsa.md § ap2011) against a real daemon over HTTP:
 * an enterprise provisioned through the admin API, an app server (MDM) with an access token minted here
 * with jose (HMAC issuer, then a JWKS file), CheckEligibility → TOKEN → AcquirePlan → ManageSubscription →
 * AcquireConfiguration in XML and JSON, and the refusals: bad/expired/foreign access token or TOKEN → 401,
 * another enterprise → 403, missing parameters → 102, unknown operation → 101.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, importPKCS8, importSPKI } from 'jose';
import { XMLParser } from 'fast-xml-parser';
import { startTestDaemon, type TestDaemon } from './daemon-helpers.js';

const SECRET = 'enterprise-issuer-shared-secret-0123456789abcdef';
const ISS = 'https://auth.operator.example';
const AUD = 'omnisep-ecs';
const MDM = 'mdm.acme.example';
const EID = '89049032000000000000000000000123';
const now = () => Math.floor(Date.now() / 1000);
type Doc = Record<string, Record<string, unknown>>;

const accessToken = (claims: Record<string, unknown> = {}, opts: { secret?: string; sub?: string; exp?: number; aud?: string } = {}) =>
  new SignJWT({ scope: 'odsa', ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISS)
    .setAudience(opts.aud ?? AUD)
    .setSubject(opts.sub ?? MDM)
    .setExpirationTime(opts.exp ?? now() + 300)
    .sign(new TextEncoder().encode(opts.secret ?? SECRET));

async function ask(d: TestDaemon, params: Record<string, string>, accept = 'application/json') {
  const u = new URL(d.addresses.http.url);
  for (const [k, v] of Object.entries({ requestor_id: MDM, entitlement_version: '12.0', app: 'ap2011', ...params })) u.searchParams.set(k, v);
  const r = await fetch(u, { headers: { accept } });
  return { status: r.status, type: r.headers.get('content-type') ?? '', text: await r.text() };
}
const json = async (d: TestDaemon, params: Record<string, string>) => {
  const r = await ask(d, params);
  assert.equal(r.status, 200, r.text);
  return JSON.parse(r.text) as Doc;
};

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (n) => n === 'characteristic' || n === 'parm' });
type Ch = { '@_type': string; parm?: Array<{ '@_name': string; '@_value': string }>; characteristic?: Ch[] };
const chars = (text: string): Ch[] => (xml.parse(text) as { 'wap-provisioningdoc': { characteristic: Ch[] } })['wap-provisioningdoc'].characteristic;
const parm = (c: Ch | undefined, name: string) => c?.parm?.find((p) => p['@_name'] === name)?.['@_value'];

async function provision(d: TestDaemon) {
  const put = await d.call('PUT', '/api/enterprises/acme', {
    name: 'ACME Corp',
    requestor_ids: [MDM],
    plans: [{ plan_id: 'ent-basic', plan_name: 'Basic', plan_description: '5 GB a month' }, { plan_id: 'ent-plus', plan_name: 'Plus', plan_description: 'Unlimited data' }],
  });
  assert.equal(put.status, 200, put.text);
  assert.equal((await d.call('PUT', '/api/enterprises/globex', { requestor_ids: ['mdm.globex.example'], plans: [] })).status, 200);
}

test('ap2011: an MDM runs CheckEligibility → AcquirePlan → ManageSubscription → AcquireConfiguration (XML and JSON)', async () => {
  const d = await startTestDaemon([`enterprise.issuer=${ISS}`, `enterprise.audience=${AUD}`, `enterprise.hmac_secret=${SECRET}`, 'enterprise.clock_skew_seconds=5']);
  try {
    await provision(d);
    const at = await accessToken();

    // CheckEligibility with the access token: EnterpriseAppEligibility 1 and a TOKEN (XML: what AOSP-style clients parse).
    const ce = await ask(d, { access_token: at, enterprise_id: 'acme', operation: 'CheckEligibility' }, 'text/vnd.wap.connectivity-xml');
    assert.equal(ce.status, 200, ce.text);
    assert.match(ce.type, /xml/);
    const ceDoc = chars(ce.text);
    const token = parm(ceDoc.find((c) => c['@_type'] === 'TOKEN'), 'token');
    assert.ok(token, 'a TOKEN after a good CheckEligibility');
    const app = ceDoc.find((c) => c['@_type'] === 'APPLICATION');
    assert.equal(parm(app, 'AppID'), 'ap2011');
    assert.equal(parm(app, 'OperationResult'), '1');
    assert.equal(parm(app, 'EnterpriseAppEligibility'), '1');

    // Later requests: requestor_id + token, no IMSI, no enterprise_id.
    const plans = await json(d, { token: token!, operation: 'AcquirePlan' });
    assert.deepEqual(plans.ap2011, {
      OperationResult: '1',
      PlanOffers: [{ PlanOffer: { PlanId: 'ent-basic', PlanName: 'Basic', PlanDescription: '5 GB a month' } }, { PlanOffer: { PlanId: 'ent-plus', PlanName: 'Plus', PlanDescription: 'Unlimited data' } }],
    });
    assert.equal((plans.Token as Record<string, string>).token, token, 'the TOKEN is echoed');

    const none = await json(d, { token: token!, operation: 'AcquireConfiguration', enterprise_terminal_id: '356938035643809' });
    assert.deepEqual(none.ap2011, { OperationResult: '1' }, 'no subscription yet: no configuration');

    const sub = await ask(d, { token: token!, operation: 'ManageSubscription', operation_type: '0', plan_id: 'ent-plus', enterprise_terminal_id: '356938035643809', enterprise_terminal_eid: EID, enterprise_terminal_friendly_name: 'Field tablet 7' }, 'text/vnd.wap.connectivity-xml');
    assert.equal(sub.status, 200, sub.text);
    const subApp = chars(sub.text).find((c) => c['@_type'] === 'APPLICATION');
    assert.equal(parm(subApp, 'SubscriptionResult'), '2');
    const dl = subApp?.characteristic?.find((c) => c['@_type'] === 'DownloadInfo');
    const code = Buffer.from(parm(dl, 'ProfileActivationCode')!, 'base64').toString('utf8');
    assert.match(code, /^LPA:1\$smdp\.example\.net\$[0-9A-F]{20}$/);
    const iccid = parm(dl, 'ProfileIccid')!;
    assert.match(iccid, /^8900101[0-9]{12}$/);
    assert.equal(parm(dl, 'ProfileSmdpAddress'), 'smdp.example.net', 'the EID was given: default SM-DP+ too');

    const cfg = await json(d, { token: token!, operation: 'AcquireConfiguration', enterprise_terminal_id: '356938035643809' });
    const entry = (cfg.ap2011 as Record<string, Record<string, unknown>>).EnterpriseConfiguration!;
    assert.equal(entry.ICCID, iccid);
    assert.equal(entry.ServiceStatus, '2', 'ready, not yet installed');
    assert.ok(entry.DownloadInfo);
    // The device reports the ICCID: installed, ServiceStatus 1.
    const installed = await json(d, { token: token!, operation: 'AcquireConfiguration', enterprise_terminal_id: '356938035643809', enterprise_terminal_iccid: iccid });
    assert.equal((installed.ap2011 as Record<string, Record<string, unknown>>).EnterpriseConfiguration!.ServiceStatus, '1');

    const shown = await d.call('GET', '/api/enterprises/acme');
    assert.equal(shown.status, 200);
    assert.equal(shown.json.subscriptions.length, 1);
    assert.equal(shown.json.subscriptions[0].state, 'active');
    assert.equal(shown.json.subscriptions[0].plan_id, 'ent-plus');
    assert.ok(!shown.text.includes(parm(dl, 'ProfileActivationCode')!), 'never an activation code');

    // Missing parameters → 102 naming them; unknown operation → 101; ManageSubscription 2 → 103.
    const miss = await json(d, { token: token!, operation: 'ManageSubscription', operation_type: '0', enterprise_terminal_id: 'tab-2' });
    assert.equal((miss.ap2011 as Record<string, string>).OperationResult, '102');
    assert.match((miss.ap2011 as Record<string, string>).GeneralErrorText!, /missing enterprise_terminal_eid, plan_id/);
    const bad = await json(d, { token: token!, operation: 'ManageSubscription', operation_type: '0', enterprise_terminal_id: 'tab 2', enterprise_terminal_eid: '123', plan_id: 'ent-basic' });
    assert.match((bad.ap2011 as Record<string, string>).GeneralErrorText!, /malformed enterprise_terminal_id, enterprise_terminal_eid/);
    assert.equal(((await json(d, { token: token!, operation: 'FlyToTheMoon' })).ap2011 as Record<string, string>).OperationResult, '101');
    assert.equal(((await json(d, { token: token!, operation: 'ManageSubscription', operation_type: '2', enterprise_terminal_id: 'tab-2' })).ap2011 as Record<string, string>).OperationResult, '103');
    const unknownPlan = await json(d, { token: token!, operation: 'ManageSubscription', operation_type: '0', enterprise_terminal_id: 'tab-3', enterprise_terminal_eid: EID, plan_id: 'gold' });
    assert.equal((unknownPlan.ap2011 as Record<string, string>).OperationResult, '100', 'the operator refuses a plan it does not offer');

    // 401: a forged, expired (beyond the skew), wrong-audience or foreign access token; a TOKEN of another requestor.
    for (const t of [await accessToken({}, { secret: 'another-secret-of-enough-length-0123456789' }), await accessToken({}, { exp: now() - 60 }), await accessToken({}, { aud: 'someone-else' }), await accessToken({}, { sub: 'mdm.evil.example' }), 'garbage'])
      assert.equal((await ask(d, { access_token: t, enterprise_id: 'acme', operation: 'CheckEligibility' })).status, 401);
    assert.equal((await ask(d, { requestor_id: 'mdm.globex.example', token: token!, operation: 'AcquirePlan' })).status, 401, 'a TOKEN is bound to its requestor');
    assert.equal((await ask(d, { token: `${token!.slice(0, -2)}AA`, operation: 'AcquirePlan' })).status, 401);
    // client_id instead of sub names the requestor too.
    assert.equal((await ask(d, { access_token: await accessToken({ client_id: MDM }, { sub: 'svc-account-17' }), enterprise_id: 'acme', operation: 'AcquirePlan' })).status, 200);
    // 403: another enterprise, an unknown one, a TOKEN used for another enterprise_id, an app other than ap2011.
    assert.equal((await ask(d, { access_token: at, enterprise_id: 'globex', operation: 'CheckEligibility' })).status, 403);
    assert.equal((await ask(d, { access_token: at, enterprise_id: 'initech', operation: 'CheckEligibility' })).status, 403);
    assert.equal((await ask(d, { token: token!, enterprise_id: 'globex', operation: 'AcquirePlan' })).status, 403);
    assert.equal((await ask(d, { access_token: at, enterprise_id: 'acme', operation: 'CheckEligibility', app: 'ap2009' })).status, 403);

    // Unsubscribe: SubscriptionResult 3, the subscription is gone.
    const un = await json(d, { token: token!, operation: 'ManageSubscription', operation_type: '1', enterprise_terminal_id: '356938035643809' });
    assert.equal((un.ap2011 as Record<string, string>).SubscriptionResult, '3');
    assert.equal((await d.call('GET', '/api/enterprises/acme')).json.subscriptions.length, 0);

    // Removing the requestor from the enterprise: its TOKEN stops working at once (403).
    assert.equal((await d.call('PUT', '/api/enterprises/acme', { requestor_ids: ['mdm.other.example'] })).status, 200);
    assert.equal((await ask(d, { token: token!, operation: 'AcquirePlan' })).status, 403);

    const activity = await d.call('GET', '/api/activity?limit=200');
    const odsa = (activity.json.activities as Array<Record<string, any>>).filter((r) => r.request_type === 'odsa');
    assert.ok(odsa.some((r) => r.app_ids?.includes('ap2011') && r.response_summary?.operation === 'ManageSubscription' && r.response_summary?.enterprise_id === 'acme'), 'ap2011 requests are activity records');
    assert.ok(odsa.some((r) => r.response_status === 401 && r.response_summary?.reason === 'expired'), 'the reason of a refusal is recorded');
    assert.ok(!activity.text.includes(token!) && !activity.text.includes(at.split('.')[2]!), 'never a token');
    assert.ok(!d.logs.some((l) => l.includes(SECRET) || l.includes(token!)), 'never the secret or a token in the logs');
  } finally {
    await d.stop();
  }
});

test('ap2011 access tokens checked against a JWKS file (ES256); no issuer configured → 401', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-ent-jwks-'));
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pub = await importSPKI(publicKey.export({ type: 'spki', format: 'pem' }).toString(), 'ES256');
  const priv = await importPKCS8(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'ES256');
  const file = join(dir, 'as.jwks.json');
  writeFileSync(file, JSON.stringify({ keys: [{ ...(await exportJWK(pub)), kid: 'as-1', alg: 'ES256', use: 'sig' }] }));
  const es = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'as-1' }).setIssuer(ISS).setAudience(AUD).setSubject(MDM).setExpirationTime(now() + 300).sign(priv);
  const d = await startTestDaemon([`enterprise.issuer=${ISS}`, `enterprise.audience=${AUD}`, `enterprise.jwks_file=${file}`]);
  try {
    await provision(d);
    const ok = await json(d, { access_token: es, enterprise_id: 'acme', operation: 'CheckEligibility' });
    assert.equal((ok.ap2011 as Record<string, string>).EnterpriseAppEligibility, '1');
    // An HMAC token is not accepted where the authorization server publishes keys.
    assert.equal((await ask(d, { access_token: await accessToken(), enterprise_id: 'acme', operation: 'CheckEligibility' })).status, 401);
    // Eligibility 0 (switched off in the lab): no TOKEN.
    assert.equal((await d.call('PUT', '/api/enterprises/acme', { requestor_ids: [MDM], eligibility: 0 })).status, 200);
    const off = await json(d, { access_token: es, enterprise_id: 'acme', operation: 'CheckEligibility' });
    assert.equal((off.ap2011 as Record<string, string>).EnterpriseAppEligibility, '0');
    assert.equal(off.Token, undefined);
  } finally {
    await d.stop();
  }
  const bare = await startTestDaemon();
  try {
    await provision(bare);
    const r = await ask(bare, { access_token: await accessToken(), enterprise_id: 'acme', operation: 'CheckEligibility' });
    assert.equal(r.status, 401, 'no enterprise issuer configured');
  } finally {
    await bare.stop();
  }
});
