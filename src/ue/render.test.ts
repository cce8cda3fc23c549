import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeChalk } from '../cli/output.js';
import { describeEap } from '../fsm/eap-aka-peer.js';
import { encodeEap } from '../codec/eap/packet.js';
import { attr } from '../codec/eap/attributes.js';
import { AkaSubtype, EapCode, EapType } from '../codec/eap/constants.js';
import { eapLine, renderLoad, renderSteps } from './render.js';
import type { SimulationReport } from './simulate.js';

const c = makeChalk(false);

test('EAP lines name code, subtype, identifier and attributes; MAC/RES values are not shown', () => {
  const challenge = encodeEap({ code: EapCode.REQUEST, identifier: 7, type: EapType.AKA, subtype: AkaSubtype.AKA_CHALLENGE, attributes: [attr.rand(Buffer.alloc(16, 1)), attr.autn(Buffer.alloc(16, 2)), attr.mac()] });
  assert.equal(eapLine(describeEap(challenge)), 'EAP-Request/AKA-Challenge id=7 [AT_RAND AT_AUTN AT_MAC]');
  const notif = encodeEap({ code: EapCode.REQUEST, identifier: 2, type: EapType.AKA_PRIME, subtype: AkaSubtype.AKA_NOTIFICATION, attributes: [attr.notification(16384)] });
  assert.equal(eapLine(describeEap(notif)), "EAP-Request/AKA-Notification (AKA') id=2 [AT_NOTIFICATION=16384]");
  assert.equal(eapLine(describeEap(Buffer.from([3, 9, 0, 4]))), 'EAP-Success id=9');
});

const report: SimulationReport = {
  ok: true,
  imsi: '001010000000001',
  eap_id: '0001010000000001@nai.epc.mnc001.mcc001.3gppnetwork.org',
  variant: 'aka',
  url: 'http://127.0.0.1:9014/',
  steps: [
    { n: 1, purpose: 'eap_start', method: 'GET', url: 'http://127.0.0.1:9014/?EAP_ID=x', cookies_sent: 0, status: 200, content_type: 'application/vnd.gsma.eap-relay.v1.0+json', ms: 3.25, usim: { action: 'challenge accepted', sqn_ms: '33' } },
    { n: 2, purpose: 'eap_response', method: 'POST', url: 'http://127.0.0.1:9014/', cookies_sent: 1, status: 200, content_type: 'text/vnd.wap.connectivity-xml', gzip: true, ms: 4, document: { format: 'xml', vers: '2', token: true, apps: ['ap2004'] } },
    { n: 3, purpose: 'token_auth', method: 'GET', url: 'http://127.0.0.1:9014/?IMSI=001010000000001&token=[REDACTED]', cookies_sent: 0, status: 511, ms: 1, retry_after: '30' },
  ],
  challenges: 1,
  sqn_ms: { start: '0', end: '33' },
  vers: { version: '2' },
  token: { present: true, validity: '86400' },
  entitlements: { ap2004: { EntitlementStatus: '1', ServiceFlow_UserData: 'token=[REDACTED]&a=b' } },
  reauth: { ok: false, status: 511, ms: 1 },
  warnings: ['something odd'],
  timings: { total_ms: 8.25, eap_ms: 7.25, reauth_ms: 1 },
};

test('steps, entitlements, redacted token and the verdict', () => {
  const out = renderSteps(report, c);
  assert.match(out, /^ 1 GET {2}\/\?EAP_ID=x$/m);
  assert.match(out, /^ 2 POST \/ {2}\(1 cookie\)$/m);
  assert.match(out, /← 200 {2}text\/vnd\.wap\.connectivity-xml {2}gzip {2}4\.0 ms/);
  assert.match(out, /USIM challenge accepted {2}SQN_MS 33/);
  assert.match(out, /← XML document {2}VERS 2 {2}TOKEN {2}apps ap2004/);
  assert.match(out, /← 511 {2}Retry-After 30/);
  assert.match(out, /^ {4}ServiceFlow_UserData: token=\[REDACTED\]&a=b$/m);
  assert.match(out, /^Token {2}\[REDACTED\] {2}validity 86400 s$/m);
  assert.match(out, /^warning: something odd$/m);
  assert.match(out, /^OK {2}authenticated in 7\.3 ms \(1 EAP request, SQN_MS 0 → 33\), token re-auth failed in 1\.0 ms$/m);
  const failed = renderSteps({ ...report, ok: false, reason: 'HTTP 403 rejected' }, c);
  assert.match(failed, /^FAILED {2}HTTP 403 rejected$/m);
});

test('load summary with percentiles and failure reasons', () => {
  const out = renderLoad(
    { count: 10, concurrency: 2, ok: 8, failed: 2, duration_ms: 2000, throughput_per_s: 5, ok_per_s: 4, latency_ms: { min: 1, mean: 2, p50: 2, p90: 3, p99: 4, max: 5 }, failures: { 'HTTP 403 x': 2 }, failed_by_kind: { rejected: 2 } },
    c,
    'http://h/',
  );
  assert.match(out, /10 authentications, concurrency 2: 8 ok, 2 failed in 2\.00 s/);
  assert.match(out, /throughput {2}5\.0\/s {2}\(ok 4\.0\/s\)/);
  assert.match(out, /p50 2\.0 ms {2}p90 3\.0 ms {2}p99 4\.0 ms/);
  assert.match(out, /2 × HTTP 403 x/);
});
