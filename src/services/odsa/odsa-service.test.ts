import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Characteristic } from '../../codec/ts43/document.js';
import { createMemoryStore } from '../../store/memory-store.js';
import { parseOdsaOperation } from '../../fsm/odsa-operations.js';
import { OdsaService, type OdsaPolicy } from './odsa-service.js';
import { LabOperator, luhnDigit, type LabOperatorConfig, type OperatorSystems } from './operator.js';
import { TemporaryTokenService } from './temporary-tokens.js';

const IMSI = '001010000000001';
const WATCH = { companion_terminal_id: '356938035643809', companion_terminal_eid: '89049032000001000000012345678901', companion_terminal_vendor: 'Omni', companion_terminal_friendly_name: 'My watch', companion_terminal_model: 'W1' };

function setup(over: { policy?: Partial<OdsaPolicy>; lab?: Partial<LabOperatorConfig>; operator?: OperatorSystems } = {}) {
  const store = createMemoryStore();
  let now = Date.UTC(2026, 10, 23, 12, 0, 0);
  const clock = { now: () => now };
  const random = { bytes: (n: number) => randomBytes(n), uuid: () => randomUUID() };
  const policy: OdsaPolicy = {
    companion_eligibility: 1, primary_eligibility: 1, companion_services: ['SharedNumber'], not_enabled_url: '', not_enabled_user_data: '',
    polling_interval_seconds: 60, transfer_message: '', require_redownloadable_profile: false, mvno_name: '',
    subscription_service_url: '', subscription_service_user_data: '', subscription_service_contents_type: '', delete_profile_in_use: false, max_refresh_requests: 0, ...over.policy,
  };
  const lab: LabOperatorConfig = { smdp_address: 'smdp.example.net', iccid_prefix: '8900101', delay_polls: 0, plans: [{ plan_id: 'p1', plan_name: 'P1', plan_description: 'd' }], ...over.lab };
  const operator = over.operator ?? new LabOperator({ store, clock, random, config: () => lab });
  const temporaryTokens = new TemporaryTokenService({ store, clock, random, signingSecret: 'test-secret-odsa', validitySeconds: 900 });
  const subscribers = { get: async (imsi: string) => (imsi === IMSI ? { msisdn: '447700900123' } : undefined) };
  const odsa = new OdsaService({ store, clock, operator, temporaryTokens, subscribers, policy: () => policy });
  const run = async (app: 'ap2006' | 'ap2009', operation: string, params: Record<string, string>, terminal = '990000000000001', imsi = IMSI) => {
    const p = parseOdsaOperation(app, operation, params);
    assert.ok(p.ok, p.ok ? '' : p.text);
    return odsa.run({ app, imsi, terminal_id: terminal, op: p.op, opType: p.opType, params: p.params });
  };
  return { store, odsa, temporaryTokens, run, advance: (ms: number) => void (now += ms) };
}

const parm = (c: Characteristic, name: string): string | undefined => c.parms.find(([k]) => k === name)?.[1];
const child = (c: Characteristic, type: string): Characteristic | undefined => c.children.find((x) => x.type === type);

describe('OdsaService over the lab operator', () => {
  it('companion: eligibility, no configuration, subscribe → DownloadInfo, installed → ServiceStatus 1 (§7.1–7.4)', async () => {
    const { run, odsa } = setup();
    const elig = await run('ap2006', 'CheckEligibility', { companion_terminal_id: WATCH.companion_terminal_id });
    assert.equal(parm(elig.application, 'CompanionAppEligibility'), '1');
    assert.equal(parm(elig.application, 'CompanionDeviceServices'), 'SharedNumber');
    const before = await run('ap2006', 'AcquireConfiguration', { companion_terminal_id: WATCH.companion_terminal_id });
    assert.equal(before.application.children.length, 0);
    const sub = await run('ap2006', 'ManageSubscription', { ...WATCH, operation_type: '0' });
    assert.equal(parm(sub.application, 'SubscriptionResult'), '2');
    const dl = child(sub.application, 'DownloadInfo')!;
    const iccid = parm(dl, 'ProfileIccid')!;
    assert.match(iccid, /^8900101[0-9]{12}$/);
    assert.equal(iccid.at(-1), luhnDigit(iccid.slice(0, -1)));
    assert.match(Buffer.from(parm(dl, 'ProfileActivationCode')!, 'base64').toString(), /^LPA:1\$smdp\.example\.net\$[0-9A-F]{20}$/);
    assert.equal(parm(dl, 'ProfileSmdpAddress'), 'smdp.example.net', 'the companion gave its EID');
    const pending = await run('ap2006', 'AcquireConfiguration', { companion_terminal_id: WATCH.companion_terminal_id });
    const entry = child(child(pending.application, 'CompanionConfigurations')!, 'CompanionConfiguration')!;
    assert.equal(parm(entry, 'ServiceStatus'), '2');
    assert.equal(parm(entry, 'PollingInterval'), '60');
    const done = await run('ap2006', 'AcquireConfiguration', { companion_terminal_id: WATCH.companion_terminal_id, companion_terminal_iccid: iccid });
    assert.equal(parm(child(child(done.application, 'CompanionConfigurations')!, 'CompanionConfiguration')!, 'ServiceStatus'), '1');
    const [view] = await odsa.listByImsi(IMSI);
    assert.equal(view!.state, 'active');
    assert.equal(view!.friendly_name, 'My watch');
    assert.equal(done.changed.length, 1, 'the change is reported (push)');
  });

  it('delayed download: SubscriptionResult 4 + polling, then the profile on a later poll', async () => {
    const { run } = setup({ lab: { delay_polls: 1 } });
    const sub = await run('ap2006', 'ManageSubscription', { ...WATCH, operation_type: '0' });
    assert.equal(parm(sub.application, 'SubscriptionResult'), '4');
    assert.equal(parm(sub.application, 'PollingInterval'), '60');
    const poll = await run('ap2006', 'AcquireConfiguration', {});
    const entry = child(child(poll.application, 'CompanionConfigurations')!, 'CompanionConfiguration')!;
    assert.ok(child(entry, 'DownloadInfo'), 'ready on the next poll');
  });

  it('ManageService 11 / 10 and unsubscribe; ManageService on an unknown device is 102', async () => {
    const { run, odsa } = setup();
    assert.equal(parm((await run('ap2006', 'ManageService', { operation_type: '10', companion_terminal_id: 'nope' })).application, 'OperationResult'), '102');
    await run('ap2006', 'ManageSubscription', { ...WATCH, operation_type: '0' });
    assert.equal(parm((await run('ap2006', 'ManageService', { operation_type: '11', companion_terminal_id: WATCH.companion_terminal_id })).application, 'OperationResult'), '1');
    assert.equal((await odsa.listByImsi(IMSI))[0]!.service_status, 3);
    assert.equal(parm((await run('ap2006', 'ManageService', { operation_type: '10', companion_terminal_id: WATCH.companion_terminal_id })).application, 'ServiceStatus'), '1');
    const un = await run('ap2006', 'ManageSubscription', { operation_type: '1', companion_terminal_id: WATCH.companion_terminal_id });
    assert.equal(parm(un.application, 'SubscriptionResult'), '3');
    assert.equal((await odsa.listByImsi(IMSI)).length, 0);
  });

  it('change subscription orders a new profile; the old one goes back', async () => {
    const { run } = setup();
    const a = await run('ap2006', 'ManageSubscription', { ...WATCH, operation_type: '0' });
    const iccidA = parm(child(a.application, 'DownloadInfo')!, 'ProfileIccid')!;
    await run('ap2006', 'AcquireConfiguration', { companion_terminal_id: WATCH.companion_terminal_id, companion_terminal_iccid: iccidA });
    const b = await run('ap2006', 'ManageSubscription', { ...WATCH, operation_type: '2' });
    assert.equal(parm(b.application, 'SubscriptionResult'), '2');
    assert.notEqual(parm(child(b.application, 'DownloadInfo')!, 'ProfileIccid'), iccidA);
  });

  it('primary transfer: MSG first (8), reject → 5, free text → 104, accept → new profile, old device dropped (§8.7, §8.9)', async () => {
    const { run, odsa } = setup({ policy: { transfer_message: 'Move your number?' } });
    const old = await run('ap2009', 'ManageSubscription', { operation_type: '0' }, 'OLD-PHONE');
    assert.equal(parm(old.application, 'SubscriptionResult'), '2');
    const transfer = { operation_type: '3', old_terminal_id: 'OLD-PHONE', target_terminal_id: 'NEW-PHONE', target_terminal_eid: '89049032000001000000012345678902' };
    const q = await run('ap2009', 'ManageSubscription', transfer, 'NEW-PHONE');
    assert.equal(parm(q.application, 'SubscriptionResult'), '8');
    assert.deepEqual(child(q.application, 'MSG')!.parms.map(([k]) => k), ['Message', 'Accept_btn', 'Reject_btn', 'Accept_freetext']);
    assert.equal(parm((await run('ap2009', 'ManageSubscription', { ...transfer, msg_btn: '0' }, 'NEW-PHONE')).application, 'SubscriptionResult'), '5');
    assert.equal(parm((await run('ap2009', 'ManageSubscription', { ...transfer, msg_btn: '1', msg_response: 'yes please' }, 'NEW-PHONE')).application, 'OperationResult'), '104');
    const ok = await run('ap2009', 'ManageSubscription', { ...transfer, msg_btn: '1' }, 'NEW-PHONE');
    assert.equal(parm(ok.application, 'SubscriptionResult'), '2');
    const subs = await odsa.listByImsi(IMSI);
    assert.deepEqual(subs.map((s) => [s.device_id, s.transferred_from]), [['NEW-PHONE', 'OLD-PHONE']]);
    const cfg = await run('ap2009', 'AcquireConfiguration', { terminal_iccid: subs[0]!.iccid! }, 'NEW-PHONE');
    const pc = child(cfg.application, 'PrimaryConfiguration')!;
    assert.equal(parm(pc, 'ServiceStatus'), '1', 'the new device reported the ICCID: installed');
    const upd = await run('ap2009', 'ManageSubscription', { operation_type: '4', terminal_iccid: subs[0]!.iccid! }, 'NEW-PHONE');
    assert.equal(parm(upd.application, 'SubscriptionResult'), '3');
  });

  it('SubscriptionResult 1: the operator\'s web view takes the order; AcquireConfiguration then brings the profile (§7.1–7.2)', async () => {
    const { run, odsa } = setup({ policy: { subscription_service_url: 'https://portal.example.net/odsa/subscribe', subscription_service_user_data: 'lang=en', subscription_service_contents_type: 'json' } });
    const sub = await run('ap2006', 'ManageSubscription', { ...WATCH, operation_type: '0' });
    assert.equal(parm(sub.application, 'SubscriptionResult'), '1');
    assert.equal(parm(sub.application, 'SubscriptionServiceURL'), 'https://portal.example.net/odsa/subscribe');
    assert.equal(parm(sub.application, 'SubscriptionServiceUserData'), 'lang=en');
    assert.equal(parm(sub.application, 'SubscriptionServiceContentsType'), 'json');
    assert.equal(child(sub.application, 'DownloadInfo'), undefined, 'no DownloadInfo with 1');
    assert.equal((await odsa.listByImsi(IMSI))[0]!.state, 'pending', 'recorded, not ordered yet');
    const cfg = await run('ap2006', 'AcquireConfiguration', { companion_terminal_id: WATCH.companion_terminal_id });
    const entry = child(child(cfg.application, 'CompanionConfigurations')!, 'CompanionConfiguration')!;
    assert.ok(child(entry, 'DownloadInfo'), 'the poll ordered the profile: DownloadInfo');
  });

  it('SubscriptionResult 6: a transfer asked by the old device deletes the profile in use; the new device downloads with AcquireConfiguration (§8.11)', async () => {
    const { run, odsa } = setup({ policy: { delete_profile_in_use: true } });
    await run('ap2009', 'ManageSubscription', { operation_type: '0' }, 'OLD-PHONE');
    const transfer = { operation_type: '3', old_terminal_id: 'OLD-PHONE', target_terminal_id: 'NEW-PHONE', target_terminal_eid: '89049032000001000000012345678902' };
    const fromOld = await run('ap2009', 'ManageSubscription', transfer, 'OLD-PHONE');
    assert.equal(parm(fromOld.application, 'SubscriptionResult'), '6');
    assert.deepEqual((await odsa.listByImsi(IMSI)).map((x) => x.device_id), ['NEW-PHONE'], 'the old subscription is gone, the new one ordered');
    const cfg = await run('ap2009', 'AcquireConfiguration', {}, 'NEW-PHONE');
    assert.ok(child(child(cfg.application, 'PrimaryConfiguration')!, 'DownloadInfo'));
    // From the new device the same transfer is the ordinary 2 + DownloadInfo.
    const s2 = setup({ policy: { delete_profile_in_use: true } });
    await s2.run('ap2009', 'ManageSubscription', { operation_type: '0' }, 'OLD-PHONE');
    assert.equal(parm((await s2.run('ap2009', 'ManageSubscription', transfer, 'NEW-PHONE')).application, 'SubscriptionResult'), '2');
  });

  it('MaxRefreshRequest: polls while activating past the limit → ServiceStatus 4 and the subscription ends; polls are not subscription changes', async () => {
    const { run, odsa, store } = setup({ policy: { max_refresh_requests: 2 }, lab: { delay_polls: 100 } });
    const changes: string[] = [];
    store.onChange((c) => changes.push(c.collection));
    assert.equal(parm((await run('ap2006', 'ManageSubscription', { ...WATCH, operation_type: '0' })).application, 'SubscriptionResult'), '4');
    const poll = async () => parm(child(child((await run('ap2006', 'AcquireConfiguration', { companion_terminal_id: WATCH.companion_terminal_id })).application, 'CompanionConfigurations')!, 'CompanionConfiguration')!, 'ServiceStatus');
    changes.length = 0;
    assert.equal(await poll(), '2');
    assert.equal(await poll(), '2');
    assert.ok(!changes.includes('odsa_subscriptions'), 'counting a poll changes no subscription (no push)');
    assert.equal(await poll(), '4', 'the third poll is past MaxRefreshRequest 2');
    assert.equal((await odsa.listByImsi(IMSI)).length, 0, 'DEACTIVATED, NO REUSE: the subscription and its order are gone');
    // A new order counts from zero.
    assert.equal(parm((await run('ap2006', 'ManageSubscription', { ...WATCH, operation_type: '0' })).application, 'SubscriptionResult'), '4');
    assert.equal(await poll(), '2');
  });

  it('MaxRefreshRequest for CheckEligibility: a primary device polling while PrimaryAppEligibility is 0 gets 2 (INCOMPATIBLE) past the limit, per device; a long pause starts over', async () => {
    const { run, advance } = setup({ policy: { primary_eligibility: 0, max_refresh_requests: 2, polling_interval_seconds: 60 } });
    const check = async (terminal = 'PHONE-1') => {
      const a = (await run('ap2009', 'CheckEligibility', {}, terminal)).application;
      return [parm(a, 'PrimaryAppEligibility'), parm(a, 'PollingInterval')];
    };
    assert.deepEqual(await check(), ['0', '60']);
    advance(60_000);
    assert.deepEqual(await check(), ['0', '60']);
    advance(60_000);
    assert.deepEqual(await check(), ['2', undefined], 'the third poll is past MaxRefreshRequest 2: INCOMPATIBLE, no PollingInterval');
    assert.deepEqual(await check(), ['2', undefined], 'and stays so while the device keeps asking');
    assert.deepEqual(await check('PHONE-2'), ['0', '60'], 'counted per device');
    advance(2 * 60_000 + 1);
    assert.deepEqual(await check(), ['0', '60'], 'more than max × PollingInterval since the last poll: a new count');
    // Companion eligibility and eligibility 1 are never counted: nothing is stored for them.
    const s2 = setup({ policy: { max_refresh_requests: 1 } });
    const changes: string[] = [];
    s2.store.onChange((c) => changes.push(c.collection));
    for (let i = 0; i < 3; i++) {
      assert.equal(parm((await s2.run('ap2009', 'CheckEligibility', {})).application, 'PrimaryAppEligibility'), '1');
      assert.equal(parm((await s2.run('ap2006', 'CheckEligibility', { companion_terminal_id: WATCH.companion_terminal_id })).application, 'CompanionAppEligibility'), '1');
    }
    assert.deepEqual(changes, []);
  });

  it('MaxRefreshRequest 0 (no limit): CheckEligibility polls are not counted', async () => {
    const { run, store } = setup({ policy: { primary_eligibility: 0 } });
    const changes: string[] = [];
    store.onChange((c) => changes.push(c.collection));
    for (let i = 0; i < 5; i++) assert.equal(parm((await run('ap2009', 'CheckEligibility', {})).application, 'PrimaryAppEligibility'), '0');
    assert.deepEqual(changes, []);
  });

  it('redownloadable profile mandatory → 7', async () => {
    const { run } = setup({ policy: { require_redownloadable_profile: true } });
    assert.equal(parm((await run('ap2009', 'ManageSubscription', { operation_type: '0' })).application, 'SubscriptionResult'), '7');
    assert.equal(parm((await run('ap2009', 'ManageSubscription', { operation_type: '0', redownloadable_profile: '1' })).application, 'SubscriptionResult'), '2');
  });

  it('an operator that refuses → OperationResult 100; one that is down → 100, state unchanged', async () => {
    const { run } = setup({ lab: { plans: [] } });
    const r = await run('ap2006', 'ManageSubscription', { ...WATCH, operation_type: '0', plan_id: 'gold' });
    assert.equal(parm(r.application, 'OperationResult'), '100');
    const down: OperatorSystems = { name: 'http', orderProfile: async () => { const { OperatorUnavailableError } = await import('./operator.js'); throw new OperatorUnavailableError('down'); }, releaseProfile: async () => {}, plans: async () => [] };
    const s = setup({ operator: down });
    const d = await s.run('ap2006', 'ManageSubscription', { ...WATCH, operation_type: '0' });
    assert.equal(parm(d.application, 'OperationResult'), '100');
    assert.equal((await s.odsa.listByImsi(IMSI)).length, 0);
  });

  it('AcquirePlan, GetPhoneNumber, VerifyPhoneNumber, GetSubscriberInfo', async () => {
    const { run } = setup({ policy: { mvno_name: 'Omni Lab' } });
    const plans = await run('ap2006', 'AcquirePlan', {});
    assert.equal(parm(child(child(plans.application, 'PlanOffers')!, 'PlanOffer')!, 'PlanId'), 'p1');
    assert.equal(parm((await run('ap2009', 'GetPhoneNumber', {})).application, 'MSISDN'), '+447700900123');
    assert.equal(parm((await run('ap2009', 'VerifyPhoneNumber', { msisdn: '+447700900123' })).application, 'PhoneNumberVerification'), '1');
    assert.equal(parm((await run('ap2009', 'VerifyPhoneNumber', { msisdn: '447700900999' })).application, 'PhoneNumberVerification'), '0');
    const info = child((await run('ap2009', 'GetSubscriberInfo', {})).application, 'SubscriberInfo')!;
    assert.deepEqual(info.parms, [['MSISDN', '+447700900123'], ['SimIdType', '0'], ['SimID', IMSI], ['MvnoName', 'Omni Lab']]);
    assert.equal(parm((await run('ap2009', 'GetPhoneNumber', {}, 'x', '001010000000009')).application, 'OperationResult'), '100', 'no MSISDN provisioned');
  });
});

describe('temporary tokens (§2.8.6)', () => {
  it('issued by AcquireTemporaryToken; 403 outside targets, another IMSI or app; 401 expired or forged; 404 unknown', async () => {
    const { run, temporaryTokens, advance } = setup();
    const a = await run('ap2009', 'AcquireTemporaryToken', { operation_targets: 'managesubscription,AcquireConfiguration' });
    const token = parm(a.application, 'TemporaryToken')!;
    assert.equal(parm(a.application, 'OperationTargets'), 'ManageSubscription,AcquireConfiguration');
    assert.equal(parm(a.application, 'TemporaryTokenExpiry'), '2026-11-23T12:15:00Z');
    assert.ok((await temporaryTokens.verify(token, { app: 'ap2009', operation: 'ManageSubscription', imsi: null })).ok);
    assert.deepEqual(await temporaryTokens.verify(token, { app: 'ap2009', operation: 'GetSubscriberInfo', imsi: null }), { ok: false, status: 403, reason: 'wrong_operation' });
    assert.deepEqual(await temporaryTokens.verify(token, { app: 'ap2009', operation: 'ManageSubscription', imsi: '001010000000002' }), { ok: false, status: 403, reason: 'wrong_subscriber' });
    assert.deepEqual(await temporaryTokens.verify(token, { app: 'ap2006', operation: 'ManageSubscription', imsi: null }), { ok: false, status: 403, reason: 'wrong_app' });
    const forged = token.slice(0, 30) + (token[30] === 'A' ? 'B' : 'A') + token.slice(31);
    assert.equal((await temporaryTokens.verify(forged, { app: 'ap2009', operation: 'ManageSubscription', imsi: null })).ok, false);
    assert.deepEqual(await temporaryTokens.verify(Buffer.alloc(32, 7).toString('base64url'), { app: 'ap2009', operation: 'ManageSubscription', imsi: null }), { ok: false, status: 404, reason: 'not_found' });
    assert.deepEqual(await temporaryTokens.verify('short', { app: 'ap2009', operation: 'ManageSubscription', imsi: null }), { ok: false, status: 401, reason: 'malformed' });
    const [view] = await temporaryTokens.list();
    assert.equal(view!.kind, 'temporary');
    assert.deepEqual(view!.operation_targets, ['ManageSubscription', 'AcquireConfiguration']);
    assert.ok(!JSON.stringify(view).includes(token), 'never the value');
    advance(600_000);
    const later = parm((await run('ap2009', 'AcquireTemporaryToken', { operation_targets: 'managesubscription' })).application, 'TemporaryToken')!;
    advance(301_000);
    assert.deepEqual(await temporaryTokens.verify(token, { app: 'ap2009', operation: 'ManageSubscription', imsi: null }), { ok: false, status: 401, reason: 'expired' });
    assert.equal(await temporaryTokens.purgeExpired(), 1, 'the expired one; the later one lives');
    assert.equal(await temporaryTokens.purgeExpired(), 0);
    assert.ok((await temporaryTokens.verify(later, { app: 'ap2009', operation: 'ManageSubscription', imsi: null })).ok);
    assert.deepEqual(await temporaryTokens.verify(token, { app: 'ap2009', operation: 'ManageSubscription', imsi: null }), { ok: false, status: 404, reason: 'not_found' });
  });
});
