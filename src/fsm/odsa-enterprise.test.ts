/**
 * ap2011 (TS.43 §10; docs/odsa.md § ap2011), the pure parts: which parameters each operation needs and
 * the OperationResult that refuses them (101/102/103), the answers' shapes, and the app server's TOKEN
 * (bound to requestor_id + enterprise_id, expiring). The golden documents are in odsa-golden.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { enterpriseConfigurationAnswer, enterpriseEligibilityAnswer, mintEnterpriseToken, parseEnterpriseOperation, verifyEnterpriseToken } from './odsa-enterprise.js';

const result = (p: ReturnType<typeof parseEnterpriseOperation>) => (p.ok ? 1 : p.result);
const text = (p: ReturnType<typeof parseEnterpriseOperation>) => (p.ok ? '' : p.text);
const EID = '89049032000000000000000000000123';

describe('parseEnterpriseOperation', () => {
  it('serves the four ap2011 operations, case-insensitively; anything else is 101', () => {
    assert.equal(result(parseEnterpriseOperation('acquireplan', {}, 'token')), 1);
    assert.equal(parseEnterpriseOperation('ACQUIREPLAN', {}, 'token').ok && (parseEnterpriseOperation('ACQUIREPLAN', {}, 'token') as { op: string }).op, 'AcquirePlan');
    for (const op of ['ManageService', 'AcquireTemporaryToken', 'GetPhoneNumber', 'FlyToTheMoon', '']) assert.equal(result(parseEnterpriseOperation(op, {}, 'token')), 101, op);
  });

  it('102 names every missing and malformed parameter', () => {
    const p = parseEnterpriseOperation('ManageSubscription', { operation_type: '0', enterprise_terminal_id: 'tab 7' }, 'token');
    assert.equal(result(p), 102);
    assert.equal(text(p), 'invalid parameter: missing enterprise_terminal_eid, plan_id; malformed enterprise_terminal_id');
    assert.equal(text(parseEnterpriseOperation('ManageSubscription', {}, 'token')), 'invalid parameter: missing operation_type');
    assert.equal(text(parseEnterpriseOperation('AcquireConfiguration', {}, 'token')), 'invalid parameter: missing enterprise_terminal_id');
    assert.equal(text(parseEnterpriseOperation('AcquireConfiguration', { enterprise_terminal_id: 'x', enterprise_terminal_iccid: '12' }, 'token')), 'invalid parameter: malformed enterprise_terminal_iccid');
    assert.equal(text(parseEnterpriseOperation('ManageSubscription', { operation_type: '0', enterprise_terminal_id: 'x', enterprise_terminal_eid: EID, plan_id: 'a<b' }, 'token')), 'invalid parameter: malformed plan_id');
  });

  it('with an access token every operation needs enterprise_id; CheckEligibility needs the access token', () => {
    assert.equal(text(parseEnterpriseOperation('AcquirePlan', {}, 'access_token')), 'invalid parameter: missing enterprise_id');
    assert.equal(result(parseEnterpriseOperation('AcquirePlan', { enterprise_id: 'acme' }, 'access_token')), 1);
    assert.equal(text(parseEnterpriseOperation('CheckEligibility', {}, 'token')), 'invalid parameter: missing enterprise_id, access_token');
    assert.equal(text(parseEnterpriseOperation('CheckEligibility', { enterprise_id: 'acme corp' }, 'access_token')), 'invalid parameter: malformed enterprise_id');
  });

  it('ManageSubscription: 0 and 1 served, 2–7 are 103, above 7 malformed', () => {
    assert.equal(result(parseEnterpriseOperation('ManageSubscription', { operation_type: '0', enterprise_terminal_id: 'x', enterprise_terminal_eid: EID, plan_id: 'p' }, 'token')), 1);
    assert.equal(result(parseEnterpriseOperation('ManageSubscription', { operation_type: '1', enterprise_terminal_id: 'x' }, 'token')), 1);
    for (const t of ['2', '3', '4', '5', '6', '7']) assert.equal(result(parseEnterpriseOperation('ManageSubscription', { operation_type: t, enterprise_terminal_id: 'x' }, 'token')), 103, t);
    assert.equal(text(parseEnterpriseOperation('ManageSubscription', { operation_type: '10', enterprise_terminal_id: 'x' }, 'token')), 'invalid parameter: malformed operation_type');
  });
});

describe('answers', () => {
  it('EnterpriseAppEligibility carries 0, 1 or 2', () => {
    for (const e of [0, 1, 2] as const) assert.deepEqual(enterpriseEligibilityAnswer(e).parms, [['AppID', 'ap2011'], ['OperationResult', '1'], ['EnterpriseAppEligibility', String(e)]]);
  });
  it('AcquireConfiguration: none → OperationResult 1 alone; active → ServiceStatus 1 and no polling', () => {
    assert.deepEqual(enterpriseConfigurationAnswer(null, 60).children, []);
    const active = enterpriseConfigurationAnswer({ state: 'active', companion_service: null, profile: { iccid: '8944000000000000033', smdp_address: 's.example', matching_id: 'M1' }, eid: null }, 60);
    const entry = active.children[0]!;
    assert.equal(entry.type, 'EnterpriseConfiguration');
    assert.deepEqual(entry.parms, [['ICCID', '8944000000000000033'], ['ServiceStatus', '1']]);
    const pending = enterpriseConfigurationAnswer({ state: 'pending', companion_service: null, profile: null, eid: EID }, 90).children[0]!;
    assert.deepEqual(pending.parms, [['ServiceStatus', '2'], ['PollingInterval', '90'], ['PollingIntervalUnit', '1']]);
    assert.deepEqual(pending.children, [], 'no DownloadInfo before the profile is ready');
  });
});

describe('the app server TOKEN', () => {
  const SECRET = 'a-signing-secret-of-sufficient-length-0123456789';
  const token = mintEnterpriseToken(SECRET, { requestor_id: 'mdm.acme.example', enterprise_id: 'acme', expires_at: 2_000_000_000 });

  it('verifies for its requestor before it expires, naming its enterprise', () => {
    assert.match(token, /^[A-Za-z0-9_-]+$/, 'base64url: safe in a query string');
    assert.deepEqual(verifyEnterpriseToken(SECRET, token, 'mdm.acme.example', 1_999_999_999), { ok: true, enterprise_id: 'acme', expires_at: 2_000_000_000 });
  });
  it('is refused for another requestor, under another secret, expired, tampered or malformed', () => {
    assert.deepEqual(verifyEnterpriseToken(SECRET, token, 'mdm.globex.example', 1_000), { ok: false, reason: 'forged' });
    assert.deepEqual(verifyEnterpriseToken('another-secret-of-sufficient-length-0123456789', token, 'mdm.acme.example', 1_000), { ok: false, reason: 'forged' });
    assert.deepEqual(verifyEnterpriseToken(SECRET, token, 'mdm.acme.example', 2_000_000_000), { ok: false, reason: 'expired' });
    // Another enterprise id in the same token: the tag no longer matches.
    const raw = Buffer.from(token, 'base64url');
    const other = Buffer.concat([raw.subarray(0, 21), Buffer.from('globex')]).toString('base64url');
    assert.deepEqual(verifyEnterpriseToken(SECRET, other, 'mdm.acme.example', 1_000), { ok: false, reason: 'forged' });
    // A later expiry: forged too.
    const later = Buffer.from(raw);
    later.writeUInt32BE(2_100_000_000, 1);
    assert.deepEqual(verifyEnterpriseToken(SECRET, later.toString('base64url'), 'mdm.acme.example', 1_000), { ok: false, reason: 'forged' });
    for (const bad of ['', 'not a token', 'AAAA', 'x'.repeat(300)]) assert.equal(verifyEnterpriseToken(SECRET, bad, 'mdm.acme.example', 1_000).ok, false, bad);
  });
});
