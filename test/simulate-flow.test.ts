/**
 * The simulator (src/ue) end to end over real loopback HTTP against a small
 * TS.43 server running the real EAP-AKA server FSM (test/simulate-ts43-server.ts):
 * success with token re-auth, resync, wrong keys, AKA', POST mode, JSON,
 * gzip, quoted/rotated cookies, and the Android-contract checks firing on a
 * misbehaving server (EAP-Success packet, base64url).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { repoPath } from '../src/util/repo-path.js';
import { Secret } from '../src/util/secret.js';
import { simulateEapAka, loadEapAka, simulateOptions, type SimulateOptions } from '../src/ue/run.js';
import { startMiniServer, type MiniServer, type MiniSubscriber } from './simulate-ts43-server.js';

const set1 = (JSON.parse(readFileSync(repoPath('fixtures', 'vectors', 'ts35208-milenage.json'), 'utf8')) as { sets: Array<Record<string, string>> }).sets[0]!;
const K = Buffer.from(set1.k!, 'hex');
const OPC = Buffer.from(set1.opc!, 'hex');
const IMSI = '001010000000001';

const sub = (sqn = 0n): Record<string, MiniSubscriber> => ({ [IMSI]: { k: K, opc: OPC, amf: 0x8000, sqn } });

const options = (url: string, over: Partial<SimulateOptions> = {}): SimulateOptions =>
  simulateOptions({ url, imsi: IMSI, ki: new Secret(K), opc: new Secret(OPC) }, { apps: ['ap2004', 'ap2003'], ...over });

const servers: MiniServer[] = [];
async function server(o: Parameters<typeof startMiniServer>[0]): Promise<MiniServer> {
  const s = await startMiniServer(o);
  servers.push(s);
  return s;
}
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

let plain: MiniServer;
before(async () => {
  plain = await server({ subscribers: sub() });
});

test('full EAP-AKA: challenge, response, XML document with token, token re-auth', async () => {
  const r = await simulateEapAka(options(plain.url));
  assert.equal(r.ok, true, r.reason);
  assert.deepEqual(r.steps.map((s) => [s.purpose, s.method, s.status]), [
    ['eap_start', 'GET', 200],
    ['eap_response', 'POST', 200],
    ['token_auth', 'GET', 200],
  ]);
  assert.equal(r.steps[0]!.received_eap?.subtype_name, 'AKA_CHALLENGE');
  assert.equal(r.steps[1]!.sent_eap?.subtype_name, 'AKA_CHALLENGE');
  assert.equal(r.steps[1]!.sent_eap?.code_name, 'RESPONSE');
  assert.equal(r.steps[1]!.cookies_sent, 1);
  assert.equal(r.challenges, 1);
  assert.equal(r.vers?.version, '7');
  assert.deepEqual(r.token, { present: true, validity: '3600' });
  assert.deepEqual(Object.keys(r.entitlements!), ['ap2004', 'ap2003']);
  assert.equal(r.entitlements!.ap2004!.ServiceFlow_UserData, 'token=[REDACTED]&x=1');
  assert.equal(r.reauth?.ok, true);
  // The USIM moved its SQN_MS to the server's SQN (SEQ 1, IND 1 = 33).
  assert.equal(r.sqn_ms.start, '0');
  assert.equal(r.sqn_ms.end, String(plain.subscribers[IMSI]!.sqn));
  // The token value never appears in the report.
  const text = JSON.stringify(r);
  for (const t of plain.tokens.keys()) assert.ok(!text.includes(t), 'token leaked into the report');
  assert.ok(!text.includes(K.toString('hex')));
  assert.match(r.steps[2]!.url, /token=\[REDACTED\]/);
});

test('USIM ahead of the network: sync failure with AUTS, fresh challenge, success', async () => {
  const s = await server({ subscribers: sub(0n) });
  const r = await simulateEapAka(options(s.url, { sqn: 1000n * 32n, tokenReauth: false }));
  assert.equal(r.ok, true, r.reason);
  assert.equal(r.challenges, 2);
  assert.equal(r.steps[1]!.sent_eap?.subtype_name, 'AKA_SYNCHRONIZATION_FAILURE');
  assert.match(r.steps[0]!.usim!.action, /sync_failure/);
  assert.equal(r.steps[2]!.sent_eap?.subtype_name, 'AKA_CHALLENGE');
  assert.ok(BigInt(r.sqn_ms.end) > 1000n * 32n);
  // Both POSTs carried the first response's cookie.
  assert.deepEqual(r.steps.slice(1).map((x) => x.cookies_sent), [1, 1]);
});

test('wrong Ki: the USIM rejects the network (MAC-A), the server answers 403, reason given', async () => {
  const wrong = Buffer.from(K);
  wrong[0]! ^= 1;
  const r = await simulateEapAka(options(plain.url, { ki: new Secret(wrong) }));
  assert.equal(r.ok, false);
  assert.equal(r.steps[1]!.sent_eap?.subtype_name, 'AKA_AUTHENTICATION_REJECT');
  assert.match(r.reason!, /^HTTP 403 .*authentication_reject: MAC-A mismatch/);
});

test('unknown IMSI → 403 on the first request', async () => {
  const r = await simulateEapAka(options(plain.url, { imsi: '001019999999999' }));
  assert.equal(r.ok, false);
  assert.equal(r.steps.length, 1);
  assert.match(r.reason!, /^HTTP 403/);
});

test("EAP-AKA' with AT_KDF_INPUT, POST mode first request, gzip and a quoted rotating cookie", async () => {
  const s = await server({ subscribers: sub(), variant: 'aka-prime', gzip: true, quoteCookie: true, rotateCookie: true });
  const r = await simulateEapAka(options(s.url, { akaPrime: true, post: true, networkName: 'WLAN' }));
  assert.equal(r.ok, true, r.reason);
  assert.match(r.eap_id, /^6001010000000001@nai\.epc\.mnc001\.mcc001\.3gppnetwork\.org$/);
  assert.equal(r.steps[0]!.method, 'POST');
  assert.equal(r.steps[0]!.received_eap?.type, 50);
  assert.ok(r.steps.every((x) => x.gzip));
  // The POST sent the cookie without quotes, and only the first one.
  const post = s.seen.find((x) => x.method === 'POST' && x.body && typeof x.body === 'object' && 'eap-relay-packet' in (x.body as object))!;
  const cookies = post.rawHeaders.filter((_, i) => i % 2 === 0 && post.rawHeaders[i]!.toLowerCase() === 'cookie').length;
  assert.equal(cookies, 1);
  const cookie = post.rawHeaders[post.rawHeaders.findIndex((h) => h.toLowerCase() === 'cookie') + 1]!;
  assert.match(cookie, /^SEPSESSION=[0-9a-f-]{36}$/);
  assert.deepEqual(Object.keys(post.body as object), ['eap-relay-packet']);
  assert.equal(post.url, '/');
});

test("EAP-AKA' USIM expecting another network name refuses the challenge", async () => {
  const s = await server({ subscribers: sub(), variant: 'aka-prime' });
  const r = await simulateEapAka(options(s.url, { akaPrime: true, networkName: 'HRPD' }));
  assert.equal(r.ok, false);
  assert.match(r.reason!, /network name/);
});

test('a server that sends EAP-Success instead of the document fails the run (Android throws)', async () => {
  const s = await server({ subscribers: sub(), sendEapSuccess: true });
  const r = await simulateEapAka(options(s.url));
  assert.equal(r.ok, false);
  assert.match(r.reason!, /EAP-Success/);
});

test('base64url in eap-relay-packet is reported as an Android incompatibility', async () => {
  const s = await server({ subscribers: sub(), base64url: true });
  // A packet's base64url differs from base64 only where '+' or '/' would be: over 10 random
  // challenges some do; each run is either clean or flagged (and then garbled, as on a phone).
  let flagged = 0;
  for (let i = 0; i < 10; i++) {
    const r = await simulateEapAka(options(s.url, { tokenReauth: false }));
    const warned = r.warnings.some((w) => /standard base64/.test(w));
    if (warned) flagged++;
    else assert.equal(r.ok, true, r.reason);
  }
  assert.ok(flagged > 0);
});

test('JSON answers with --accept json', async () => {
  const r = await simulateEapAka(options(plain.url, { accept: 'json' }));
  assert.equal(r.ok, true, r.reason);
  assert.equal(r.steps[1]!.document?.format, 'json');
});

test('nothing listening → transport error reason, no throw', async () => {
  const r = await simulateEapAka(options('http://127.0.0.1:1/'));
  assert.equal(r.ok, false);
  assert.match(r.reason!, /cannot reach http:\/\/127\.0\.0\.1:1\/: connection refused/);
});

test('load mode: N authentications with bounded concurrency, percentiles', async () => {
  const s = await server({ subscribers: sub() });
  const summary = await loadEapAka(options(s.url), { count: 40, concurrency: 8 });
  assert.equal(summary.count, 40);
  assert.equal(summary.ok, 40, JSON.stringify(summary.failures));
  assert.ok(summary.latency_ms.p50 <= summary.latency_ms.p99);
  assert.ok(summary.throughput_per_s > 0);
  // Every run is one GET and one POST (no token re-auth in load mode).
  const eapGets = s.seen.filter((x) => x.method === 'GET').length;
  assert.equal(eapGets, 40);
});
