import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ODSA_OPERATIONS } from '../contracts/entitlement-apps.js';
import { activationCode, parseOdsaOperation, requiredParams, temporaryTokenAnswer, OperationResult } from './odsa-operations.js';
import { SUBSCRIPTION_TRANSITIONS, transition, type SubscriptionEvent, type SubscriptionState } from './odsa-subscription.js';

const COMPANION = { companion_terminal_id: '356938035643809', companion_terminal_eid: '89049032000001000000012345678901', companion_terminal_vendor: 'Omni', companion_terminal_friendly_name: 'My watch' };

describe('parseOdsaOperation: OperationResult 101/102/103 (TS.43 §6.5)', () => {
  it('every operation is known to both apps, case-insensitively (§1.7)', () => {
    for (const app of ['ap2006', 'ap2009'] as const)
      for (const op of ODSA_OPERATIONS) {
        const r = parseOdsaOperation(app, op.toLowerCase(), { ...COMPANION, operation_type: op === 'ManageService' ? '10' : '0', operation_targets: 'ManageSubscription', msisdn: '447700900123' });
        assert.ok(r.ok, `${app} ${op}: ${r.ok ? '' : r.text}`);
        assert.equal(r.ok && r.op, op);
      }
  });
  it('an unknown operation is 101 and names the known ones', () => {
    const r = parseOdsaOperation('ap2009', 'Teleport', {});
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.result, OperationResult.INVALID_OPERATION);
    assert.match(!r.ok ? r.text : '', /Teleport.*CheckEligibility/);
  });
  it('missing parameters are 102 naming each', () => {
    const r = parseOdsaOperation('ap2006', 'ManageSubscription', { operation_type: '0', companion_terminal_id: 'abc' });
    assert.equal(!r.ok && r.result, OperationResult.INVALID_PARAMETER);
    assert.equal(!r.ok && r.text, 'invalid parameter: missing companion_terminal_eid, companion_terminal_vendor, companion_terminal_friendly_name');
    const t = parseOdsaOperation('ap2009', 'ManageSubscription', {});
    assert.equal(!t.ok && t.text, 'invalid parameter: missing operation_type');
    const x = parseOdsaOperation('ap2009', 'ManageSubscription', { operation_type: '3' });
    assert.equal(!x.ok && x.text, 'invalid parameter: missing old_terminal_id|old_terminal_iccid');
  });
  it('malformed parameters are 102 naming each: EID, ICCID, operation_type out of range, device ids with spaces', () => {
    const r = parseOdsaOperation('ap2006', 'ManageSubscription', { ...COMPANION, operation_type: '0', companion_terminal_eid: '1234', companion_terminal_iccid: 'x89' });
    assert.equal(!r.ok && r.text, 'invalid parameter: malformed companion_terminal_iccid, companion_terminal_eid');
    const s = parseOdsaOperation('ap2009', 'ManageService', { operation_type: '3' });
    assert.equal(!s.ok && s.text, 'invalid parameter: malformed operation_type');
    const d = parseOdsaOperation('ap2006', 'CheckEligibility', { companion_terminal_id: 'my watch' });
    assert.equal(!d.ok && d.text, 'invalid parameter: malformed companion_terminal_id');
    const m = parseOdsaOperation('ap2009', 'ManageSubscription', { operation_type: '0', msg_btn: '2' });
    assert.equal(!m.ok && m.text, 'invalid parameter: malformed msg_btn');
  });
  it('operation_targets naming no operation is 102', () => {
    const r = parseOdsaOperation('ap2009', 'AcquireTemporaryToken', { operation_targets: 'ManageSubscription,Nope' });
    assert.equal(!r.ok && r.result, 102);
    assert.match(!r.ok ? r.text : '', /Nope/);
  });
  it('ManageSubscription 5–7 (v12 additions) are 103: the client continues', () => {
    for (const t of ['5', '6', '7']) {
      const r = parseOdsaOperation('ap2009', 'ManageSubscription', { operation_type: t });
      assert.equal(!r.ok && r.result, OperationResult.UNSUPPORTED_OPERATION);
    }
  });
  it('AOSP-only parameters (target_terminal_imeis…) are accepted and ignored', () => {
    assert.ok(parseOdsaOperation('ap2009', 'CheckEligibility', { target_terminal_imeis: '1,2', target_terminal_sn: 'x y' }).ok);
  });
  it('required parameters: companion needs its id for CheckEligibility, primary needs nothing', () => {
    assert.deepEqual(requiredParams('ap2006', 'CheckEligibility', null), ['companion_terminal_id']);
    assert.deepEqual(requiredParams('ap2009', 'CheckEligibility', null), []);
  });
});

describe('answers the AOSP client can parse (ODSA.md)', () => {
  it('ProfileActivationCode is strict base64 of the SGP.22 code: standard alphabet, padded, no line breaks', () => {
    const code = activationCode({ iccid: '8944000000000000017', smdp_address: 'smdp.example.net,backup.example.net', matching_id: 'ABC-123??>>' });
    assert.match(code, /^[A-Za-z0-9+/]+={0,2}$/);
    assert.equal(code.length % 4, 0);
    assert.equal(Buffer.from(code, 'base64').toString(), 'LPA:1$smdp.example.net$ABC-123??>>');
  });
  it('TemporaryTokenExpiry always carries the zone (Z)', () => {
    const c = temporaryTokenAnswer('ap2009', 't', Date.UTC(2026, 0, 2, 3, 4, 5, 678), ['ManageSubscription']);
    assert.equal(c.parms.find(([k]) => k === 'TemporaryTokenExpiry')?.[1], '2026-01-02T03:04:05Z');
  });
});

describe('the subscription state machine (declared table)', () => {
  const states = Object.keys(SUBSCRIPTION_TRANSITIONS) as SubscriptionState[];
  const events: SubscriptionEvent[] = ['subscribe', 'transfer', 'change', 'unsubscribe', 'profile_ready', 'profile_delayed', 'refused', 'installed', 'activate', 'deactivate'];
  it('every pair is either declared or refused with a reason, and the state stays on refusal', () => {
    for (const s of states)
      for (const e of events) {
        const t = transition(s, e);
        if (SUBSCRIPTION_TRANSITIONS[s][e] !== undefined) assert.deepEqual(t, { ok: true, state: SUBSCRIPTION_TRANSITIONS[s][e] });
        else {
          assert.equal(t.ok, false);
          assert.equal(t.state, s);
        }
      }
  });
  it('the companion path: none → pending → ready → active → deactivated → active → none', () => {
    let s: SubscriptionState = 'none';
    for (const [e, want] of [['subscribe', 'pending'], ['profile_ready', 'ready'], ['installed', 'active'], ['deactivate', 'deactivated'], ['activate', 'active'], ['unsubscribe', 'none']] as const) {
      const t = transition(s, e);
      assert.ok(t.ok, `${s} --${e}`);
      s = t.state;
      assert.equal(s, want);
    }
  });
  it('nothing is installed or activated before it exists', () => {
    assert.equal(transition('none', 'installed').ok, false);
    assert.equal(transition('none', 'activate').ok, false);
    assert.equal(transition('pending', 'installed').ok, false);
  });
});
