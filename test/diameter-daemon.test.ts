/**
 * The Diameter area inside a real daemon (startDaemon with wireDiameter as
 * the registration hook): the built-in AAA on its own port with the lab
 * subscribers, the node connected to it over TCP, GET /api/diameter, the
 * subscriber routes (keys write-only), the Prometheus counters, and the
 * DPR at stop.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestDaemon, type TestDaemon } from './daemon-helpers.js';
import { wireDiameter } from '../daemon/diameter/wire.js';
import { ADMIN_ROUTE_MODULES } from '../daemon/http/admin/index.js';
import diameterRoutes from '../daemon/http/admin/diameter-routes.js';
import subscriberRoutes from '../daemon/http/admin/subscriber-routes.js';
import { encodeEap } from '../src/codec/eap/packet.js';
import { EapCode, EapType } from '../src/codec/eap/constants.js';

const KI = '000102030405060708090a0b0c0d0e0f';
const OPC = '0f0e0d0c0b0a09080706050403020100';
const OP = 'cdc202d5123e20f62b6d676ac72cb318';
let d: TestDaemon;

before(async () => {
  // The integrator registers these two modules in ADMIN_ROUTE_MODULES; the test does the same.
  if (!ADMIN_ROUTE_MODULES.includes(diameterRoutes)) ADMIN_ROUTE_MODULES.push(diameterRoutes, subscriberRoutes);
  d = await startTestDaemon(['diameter.enabled=true', 'aaa.enabled=true', 'eap_aka.backend=swm', 'xcap.enabled=false'], { beforeListen: wireDiameter });
});
after(async () => {
  await d?.stop();
});

test('serve runs the built-in AAA and the node connects to it over TCP Diameter', async () => {
  const r = await d.call('GET', '/api/diameter');
  assert.equal(r.status, 200);
  assert.equal(r.json.connected_count, 1);
  const p = r.json.peers[0];
  assert.equal(p.host, 'aaa.localdomain');
  assert.equal(p.status, 'Connected');
  assert.equal(p.connection_initiation, 'OmniSEP -> Peer');
  assert.equal(p.product_name, 'OmniSep-AAA');
  assert.equal(p.port, d.addresses.aaa!.port);
  assert.ok(d.addresses.diameter!.port! > 0);
});

test('an EAP round trip through the SWm relay the daemon registered, and the Diameter metrics count it', async () => {
  const relay = d.ctx.services.backends.aaaRelay!;
  const s = relay.open({ userName: '0001010000000001@nai.epc.mnc001.mcc001.3gppnetwork.org' });
  const t0 = performance.now();
  const ans = await s.exchange(encodeEap({ code: EapCode.RESPONSE, identifier: 0, type: EapType.IDENTITY, data: Buffer.from('0001010000000001@nai.epc.mnc001.mcc001.3gppnetwork.org') }));
  assert.deepEqual(ans.result, { resultCode: 1001 });
  assert.equal(ans.eapPayload![0], EapCode.REQUEST);
  const metrics = await d.ctx.metrics.metrics();
  const line = (name: string, ...labels: string[]) => metrics.split('\n').find((l) => l.startsWith(`${name}{`) && labels.every((x) => l.includes(x)));
  assert.match(line('omnisep_diameter_requests_total', 'peer="aaa.localdomain"', 'command="DER"') ?? '', / 1$/);
  assert.match(line('omnisep_diameter_answers_total', 'peer="aaa.localdomain"', 'command="DER"', 'result="1001"') ?? '', / 1$/);
  // The answer's time: one DER, taken from its send to its DEA, so within the exchange the test timed around it.
  const elapsedS = (performance.now() - t0) / 1000;
  const value = (name: string, ...labels: string[]) => Number(line(name, 'peer="aaa.localdomain"', 'command="DER"', ...labels)?.split(' ').at(-1));
  assert.equal(value('omnisep_diameter_answer_seconds_count'), 1);
  assert.equal(value('omnisep_diameter_answer_seconds_bucket', 'le="+Inf"'), 1);
  const sum = value('omnisep_diameter_answer_seconds_sum');
  assert.ok(sum > 0 && sum <= elapsedS, `answer time ${sum} s, exchange ${elapsedS} s`);
  const st = (await d.call('GET', '/api/diameter')).json.peers[0];
  assert.equal(st.counters.requests_sent, 1);
  assert.equal(st.counters.answers_received, 1);
});

test('subscribers: lab CSV loaded; add (OP → OPc), show, list, import, delete; keys never in any answer', async () => {
  const list = await d.call('GET', '/api/subscribers');
  assert.equal(list.status, 200);
  assert.equal(list.json.count, 6);
  const add = await d.call('POST', '/api/subscribers', { imsi: '001010000000099', ki: KI, op: OP, amf: '8000', sqn: 64, msisdn: '+15555551234' });
  assert.equal(add.status, 201, add.text);
  assert.deepEqual(Object.keys(add.json).sort(), ['amf', 'created_at', 'imsi', 'msisdn', 'opc_source', 'sqn', 'updated_at']);
  assert.equal(add.json.opc_source, 'op');
  assert.equal((await d.call('POST', '/api/subscribers', { imsi: '001010000000099', ki: KI, opc: OPC })).status, 409);
  assert.equal((await d.call('POST', '/api/subscribers', { imsi: '00101', ki: KI, opc: OPC })).status, 400);
  assert.equal((await d.call('POST', '/api/subscribers', { imsi: '001010000000098', ki: KI })).status, 400);
  const one = await d.call('GET', '/api/subscribers/001010000000099');
  assert.equal(one.json.sqn, 64);
  const imp = await d.call('POST', '/api/subscribers/import', { csv: `imsi,ki,opc,amf\n001010000000100,${KI},${OPC},8000\nbad,line\n` });
  assert.equal(imp.status, 200);
  assert.equal(imp.json.added, 1);
  assert.equal(imp.json.errors.length, 1);
  const del = await d.call('DELETE', '/api/subscribers/001010000000100');
  assert.deepEqual(del.json, { status: 'ok', imsi: '001010000000100' });
  assert.equal((await d.call('GET', '/api/subscribers/001010000000100')).status, 404);
  const all = [list.text, add.text, one.text, imp.text, (await d.call('GET', '/api/subscribers')).text, (await d.call('GET', '/api/activity?limit=100')).text, d.logs.join('\n')].join('\n').toLowerCase();
  for (const k of [KI, OPC, OP, '465b5ce8b199b49faa5f0a2ee238a6bc', 'cd63cb71954a9f4e48a5994e37a02baf']) assert.ok(!all.includes(k), `key ${k.slice(0, 6)}… leaked`);
});

test('an unknown IMSI through SWm to the built-in AAA: 403 naming Experimental-Result 10415/5001, one warning, counted per peer and code', async () => {
  const nai = '0001019999999999@nai.epc.mnc001.mcc001.3gppnetwork.org';
  const url = `${d.addresses.http.url.replace(/\/$/, '')}/?EAP_ID=${encodeURIComponent(nai)}&terminal_id=356938035643809&entitlement_version=2.0&vers=0&app=ap2004`;
  const r = await fetch(url, { headers: { accept: 'application/vnd.gsma.eap-relay.v1.0+json' } });
  assert.equal(r.status, 403);
  assert.match(await r.text(), /Diameter Experimental-Result 10415\/5001 DIAMETER_ERROR_USER_UNKNOWN/);
  const warn = d.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.result_code === 5001 && l.vendor_id === 10415);
  assert.equal(warn.length, 1);
  assert.equal(warn[0]!.result_name, 'DIAMETER_ERROR_USER_UNKNOWN');
  const st = (await d.call('GET', '/api/diameter')).json.peers[0];
  assert.deepEqual(st.failed_answers, [{ code: 5001, vendor_id: 10415, name: 'DIAMETER_ERROR_USER_UNKNOWN', count: 1 }]);
  const act = (await d.call('GET', '/api/activity')).json.activities.find((a: { response_status: number }) => a.response_status === 403);
  assert.deepEqual(act.response_summary.diameter_result, { code: 5001, vendor_id: 10415, name: 'DIAMETER_ERROR_USER_UNKNOWN' });
  const routes = await d.call('GET', '/api/diameter/routes');
  assert.deepEqual(routes.json, { max_redirects: 3, implicit_default: true, routes: [] });
});
