/**
 * ap2015's pure answers (TS.43 §14.1): AcquireOperatorToken's parameters and answer (Table 116, Table 117),
 * GetSubscriberDeviceInfo (§14.1.6.2, Table 126), and the refusals. Golden documents: src/fsm/odsa-golden.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { acquireOperatorTokenAnswer, isAcquireOperatorToken, isOperatorTokenDeviceOperation, mintRefusalAnswer, operatorTokenAnswer, parseAcquireOperatorToken, parseOperatorTokenTargets } from './odsa-operator-token.js';

const CLAIMS = { imsi: '214990011223344', client_id: 'com.example.bank', scopes: ['openid', 'phone'] };

describe('AcquireOperatorToken', () => {
  it('is matched case-insensitively (§1.7)', () => {
    assert.ok(isAcquireOperatorToken('acquireoperatortoken'));
    assert.ok(!isAcquireOperatorToken('AcquireTemporaryToken'));
    assert.ok(!isAcquireOperatorToken(undefined));
  });

  it('parameters: client_id required, scope optional (quotes stripped, commas → spaces)', () => {
    assert.deepEqual(parseAcquireOperatorToken({ client_id: '08723459340765ß91', scope: 'openid profile' }), { ok: true, client_id: '08723459340765ß91', scope: 'openid profile' });
    assert.deepEqual(parseAcquireOperatorToken({ client_id: 'a', scope: '"openid,phone"' }), { ok: true, client_id: 'a', scope: 'openid phone' });
    assert.deepEqual(parseAcquireOperatorToken({ client_id: 'a' }), { ok: true, client_id: 'a', scope: null });
    const bad = (p: Record<string, string>) => {
      const r = parseAcquireOperatorToken(p);
      assert.equal(r.ok, false);
      return r.ok ? [] : r.answer.parms;
    };
    assert.deepEqual(bad({ scope: 'openid' }), [['AppID', 'ap2015'], ['OperationResult', '102'], ['GeneralErrorText', 'invalid parameter: missing client_id']]);
    assert.deepEqual(bad({ client_id: 'x<script>', scope: '""' }), [['AppID', 'ap2015'], ['OperationResult', '102'], ['GeneralErrorText', 'invalid parameter: malformed client_id; malformed scope']]);
    assert.match(bad({ client_id: 'x'.repeat(257) })[2]![1], /malformed client_id/);
  });

  it('the answer: Table 117 in the §14.1.4 order, expiry ISO 8601 with Z, OperatorTokenAuthURL only when configured', () => {
    const exp = Date.UTC(2019, 0, 29, 21, 15, 31) / 1000;
    assert.deepEqual(acquireOperatorTokenAnswer({ token: 'h.p.s', expires_at: exp }, 'app-1', 'http://verifyurl.example.net').parms, [
      ['AppID', 'ap2015'], ['OperationResult', '1'], ['OperatorToken', 'h.p.s'], ['OperatorTokenExpiry', '2019-01-29T21:15:31Z'], ['OperatorTokenAuthURL', 'http://verifyurl.example.net'], ['ClientID', 'app-1'],
    ]);
    assert.deepEqual(acquireOperatorTokenAnswer({ token: 'h.p.s', expires_at: exp }, 'app-1', '').parms.map(([k]) => k), ['AppID', 'OperationResult', 'OperatorToken', 'OperatorTokenExpiry', 'ClientID']);
  });

  it('nothing to sign with: OperationResult 100 naming the missing key, never a token', () => {
    assert.deepEqual(mintRefusalAnswer('no_signing_key').parms.slice(0, 2), [['AppID', 'ap2015'], ['OperationResult', '100']]);
    assert.match(mintRefusalAnswer('no_signing_key').parms[2]![1], /operator_token\.signing_key_file/);
    assert.match(mintRefusalAnswer('not_configured').parms[2]![1], /not configured/);
  });
});

describe('AcquireTemporaryToken under ap2015 (§14.1.5 steps 6–8)', () => {
  it('is a device-side ap2015 operation, as AcquireOperatorToken; the consumption operations are not', () => {
    assert.ok(isOperatorTokenDeviceOperation('AcquireTemporaryToken'));
    assert.ok(isOperatorTokenDeviceOperation('ACQUIREOPERATORTOKEN'));
    assert.ok(!isOperatorTokenDeviceOperation('ValidateOperatorToken'));
    assert.ok(!isOperatorTokenDeviceOperation(undefined));
  });
  it('operation_targets: AcquireOperatorToken only (case-insensitive), else 102', () => {
    assert.deepEqual(parseOperatorTokenTargets('AcquireOperatorToken'), { ok: true });
    assert.deepEqual(parseOperatorTokenTargets(' acquireoperatortoken , AcquireOperatorToken'), { ok: true });
    const text = (t: string | undefined) => {
      const r = parseOperatorTokenTargets(t);
      return r.ok ? '' : r.answer.parms.find(([k]) => k === 'GeneralErrorText')![1];
    };
    assert.equal(text(undefined), 'invalid parameter: missing operation_targets');
    assert.match(text('AcquireOperatorToken,ManageSubscription'), /malformed operation_targets/);
    assert.match(text(''), /malformed operation_targets/);
  });
});

describe('GetSubscriberDeviceInfo (§14.1.6.2)', () => {
  it('MSISDN in E.164 and the IMSI of the token', () => {
    assert.deepEqual(operatorTokenAnswer('GetSubscriberDeviceInfo', CLAIMS, {}, '34616210000').parms, [['AppID', 'ap2015'], ['OperationResult', '1'], ['MSISDN', '+34616210000'], ['IMSI', '214990011223344']]);
    assert.deepEqual(operatorTokenAnswer('GetSubscriberDeviceInfo', CLAIMS, {}, '+34616210000').parms[2], ['MSISDN', '+34616210000']);
  });
  it('no MSISDN known: OperationResult 100', () => {
    assert.deepEqual(operatorTokenAnswer('GetSubscriberDeviceInfo', CLAIMS, {}, null).parms.slice(0, 2), [['AppID', 'ap2015'], ['OperationResult', '100']]);
  });
});
