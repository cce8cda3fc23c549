/**
 * EnterpriseService (ap2011, docs/odsa.md § ap2011) over the memory store and the lab operator: the
 * delayed order path (SubscriptionResult 4, then the profile on a later AcquireConfiguration poll),
 * re-subscribing, a different plan refused, installation by ICCID, authentication outcomes with a real
 * jose verifier, and removing an enterprise ending its subscriptions and its TOKENs.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import type { Characteristic } from '../../codec/ts43/document.js';
import { createMemoryStore } from '../../store/memory-store.js';
import { parseEnterpriseOperation } from '../../fsm/odsa-enterprise.js';
import { EnterpriseService, type EnterprisePrincipal } from './enterprise-service.js';
import { JwtIssuerVerifier } from './jwt-issuer.js';
import { LabOperator, type LabOperatorConfig } from './operator.js';

const SECRET = 'enterprise-issuer-shared-secret-0123456789abcdef';
const EID = '89049032000000000000000000000789';
const MDM = 'mdm.acme.example';

function setup(lab: Partial<LabOperatorConfig> = {}) {
  const store = createMemoryStore();
  let now = Date.UTC(2026, 10, 23, 12, 0, 0);
  const clock = { now: () => now };
  const random = { bytes: (n: number) => randomBytes(n), uuid: () => randomUUID() };
  const operator = new LabOperator({ store, clock, random, config: () => ({ smdp_address: 'smdp.example.net', iccid_prefix: '8900101', delay_polls: 0, plans: [], ...lab }) });
  const accessTokens = new JwtIssuerVerifier({ policy: () => ({ issuer: 'iss', audience: 'aud', hmac_secret: SECRET, jwks_file: '', clock_skew_seconds: 0 }), clock, readJwks: async () => '{}' });
  const svc = new EnterpriseService({ store, clock, operator, accessTokens, signingSecret: () => 'token-signing-secret-0123456789abcdef', policy: () => ({ token_seconds: 600, polling_interval_seconds: 45 }) });
  const who: EnterprisePrincipal = { requestor_id: MDM, enterprise_id: 'acme', method: 'TOKEN' };
  const run = async (operation: string, params: Record<string, string>) => {
    const p = parseEnterpriseOperation(operation, params, 'token');
    assert.ok(p.ok, p.ok ? '' : p.text);
    return (await svc.run(who, p.op, p.opType, p.params)).application;
  };
  const jwt = (sub: string, expSeconds = now / 1000 + 60) => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer('iss').setAudience('aud').setSubject(sub).setExpirationTime(Math.floor(expSeconds)).sign(new TextEncoder().encode(SECRET));
  return { svc, run, jwt, advance: (ms: number) => void (now += ms) };
}

const parm = (c: Characteristic | undefined, name: string): string | undefined => c?.parms.find(([k]) => k === name)?.[1];
const child = (c: Characteristic | undefined, type: string): Characteristic | undefined => c?.children.find((x) => x.type === type);
const PLANS = [{ plan_id: 'ent-basic', plan_name: 'Basic', plan_description: '' }, { plan_id: 'ent-plus', plan_name: 'Plus', plan_description: '' }];
const SUB = { operation_type: '0', enterprise_terminal_id: 'Tab-1', enterprise_terminal_eid: EID, plan_id: 'ent-basic' };

describe('EnterpriseService over the lab operator', () => {
  it('a delayed order: SubscriptionResult 4 + polling, then DownloadInfo on a later AcquireConfiguration, installed by ICCID', async () => {
    const { svc, run } = setup({ delay_polls: 2 });
    await svc.put('acme', { requestor_ids: [MDM], plans: PLANS });
    const first = await run('ManageSubscription', SUB);
    assert.equal(parm(first, 'SubscriptionResult'), '4');
    assert.equal(parm(first, 'PollingInterval'), '45');
    const poll1 = child(await run('AcquireConfiguration', { enterprise_terminal_id: 'tab-1' }), 'EnterpriseConfiguration');
    assert.equal(parm(poll1, 'ServiceStatus'), '2');
    assert.equal(child(poll1, 'DownloadInfo'), undefined, 'not ready yet');
    const poll2 = child(await run('AcquireConfiguration', { enterprise_terminal_id: 'TAB-1' }), 'EnterpriseConfiguration');
    const iccid = parm(poll2, 'ICCID')!;
    assert.match(iccid, /^8900101[0-9]{12}$/);
    assert.ok(child(poll2, 'DownloadInfo'), 'ready: DownloadInfo');
    // Subscribing again while ready: the same profile (2), no new order.
    const again = await run('ManageSubscription', SUB);
    assert.equal(parm(again, 'SubscriptionResult'), '2');
    assert.equal(parm(child(again, 'DownloadInfo'), 'ProfileIccid'), iccid);
    // Another plan while it has one: 100.
    assert.equal(parm(await run('ManageSubscription', { ...SUB, plan_id: 'ent-plus' }), 'OperationResult'), '100');
    const installed = child(await run('AcquireConfiguration', { enterprise_terminal_id: 'tab-1', enterprise_terminal_iccid: iccid }), 'EnterpriseConfiguration');
    assert.equal(parm(installed, 'ServiceStatus'), '1');
    assert.equal(parm(await run('ManageSubscription', SUB), 'SubscriptionResult'), '3', 'already active: DONE');
    const [view] = await svc.subscriptions('acme');
    assert.equal(view!.state, 'active');
    assert.equal(view!.terminal_id, 'Tab-1', 'the id as first sent; lookups ignore case');
  });

  it('authentication: access token by sub, TOKEN round trip, 401/403 reasons; rm ends subscriptions and TOKENs', async () => {
    const { svc, run, jwt, advance } = setup();
    await svc.put('acme', { requestor_ids: [MDM], plans: PLANS });
    await svc.put('globex', { requestor_ids: ['mdm.globex.example'] });
    const ok = await svc.authenticate({ requestor_id: MDM, access_token: await jwt(MDM), token: null, enterprise_id: 'acme' });
    assert.ok(ok.ok);
    const out = await svc.run(ok.principal, 'CheckEligibility', null, { enterprise_id: 'acme' });
    assert.equal(parm(out.application, 'EnterpriseAppEligibility'), '1');
    assert.equal(out.token?.validity, 600);
    assert.equal(out.summary.token_issued, true);
    assert.ok(!JSON.stringify(out.summary).includes(out.token!.value), 'the summary never holds the token');
    const byToken = await svc.authenticate({ requestor_id: MDM, access_token: null, token: out.token!.value, enterprise_id: null });
    assert.deepEqual(byToken.ok && byToken.principal.enterprise_id, 'acme');

    assert.deepEqual(await svc.authenticate({ requestor_id: MDM, access_token: await jwt('someone-else'), token: null, enterprise_id: 'acme' }), { ok: false, status: 401, reason: 'subject' });
    assert.deepEqual(await svc.authenticate({ requestor_id: MDM, access_token: await jwt(MDM), token: null, enterprise_id: 'globex' }), { ok: false, status: 403, reason: 'not_allowed' });
    assert.deepEqual(await svc.authenticate({ requestor_id: MDM, access_token: await jwt(MDM), token: null, enterprise_id: 'initech' }), { ok: false, status: 403, reason: 'unknown_enterprise' });
    assert.deepEqual(await svc.authenticate({ requestor_id: MDM, access_token: null, token: out.token!.value, enterprise_id: 'globex' }), { ok: false, status: 403, reason: 'wrong_enterprise' });

    assert.equal(parm(await run('ManageSubscription', SUB), 'SubscriptionResult'), '2');
    const removed = await svc.remove('acme');
    assert.equal(removed?.subscriptions_removed, 1);
    assert.deepEqual(await svc.subscriptions('acme'), []);
    assert.deepEqual(await svc.authenticate({ requestor_id: MDM, access_token: null, token: out.token!.value, enterprise_id: null }), { ok: false, status: 403, reason: 'unknown_enterprise' });
    advance(601_000);
    assert.deepEqual(await svc.authenticate({ requestor_id: MDM, access_token: null, token: out.token!.value, enterprise_id: null }), { ok: false, status: 401, reason: 'expired' });
  });
});
