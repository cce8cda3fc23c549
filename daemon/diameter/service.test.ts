/**
 * The request service alone (no sockets): a peer table of fake open connections and a `send` that records
 * what goes out. Answers are fed back as the node would feed them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PeerTable, newPeer, type PeerConnection } from './peer-table.js';
import { RouteTable, type RouteConfig } from './route-table.js';
import { DiameterUnavailableError, RequestService } from './service.js';
import { createDiameterMetrics } from './metrics.js';
import { initialPeerState } from '../../src/fsm/diameter-peer.js';
import { AppId, CmdFlag, CommandCode, ResultCode } from '../../src/codec/diameter/constants.js';
import { defaultDictionary } from '../../src/codec/diameter/dictionary.js';
import { avp, resultOf, type DiameterMessage } from '../../src/codec/diameter/message.js';
import { answerHeader, buildErrorAnswer, buildRedirectAnswer } from '../../src/codec/diameter/base.js';

const dict = defaultDictionary();
interface Conn extends PeerConnection { host: string }

function setup(hosts: string[], routes: RouteConfig[] = [], timeout = 2000) {
  const peers = new PeerTable<Conn>('failover');
  for (const h of hosts) {
    const p = newPeer<Conn, { host: string; ip: string; port: number }>(h, { host: h, ip: '127.0.0.1', port: 3868 });
    p.conn = { host: h, state: { ...initialPeerState(), name: 'Open' } };
    p.common = [AppId.SWm];
    peers.set(p);
  }
  const sent: { host: string; m: DiameterMessage }[] = [];
  const warnings: { obj: Record<string, unknown>; msg?: string }[] = [];
  let hbh = 100;
  let e2e = 5000;
  const svc = new RequestService<Conn>({
    peers, routes: new RouteTable(routes), dictionary: dict, send: (c, m) => void sent.push({ host: c.host, m }),
    nextHopByHop: () => ++hbh, nextEndToEnd: () => ++e2e,
    log: { info() {}, debug() {}, warn: (obj, msg) => void warnings.push({ obj: obj as Record<string, unknown>, ...(msg ? { msg } : {}) }) },
    metrics: createDiameterMetrics(), requestTimeout: timeout, maxRedirects: 2,
  });
  const answer = (i: number, build: (req: DiameterMessage) => DiameterMessage) => {
    const { host, m } = sent[i]!;
    const p = peers.get(host)!;
    svc.onAnswer(p.conn!, p, build(m));
  };
  return { peers, sent, warnings, svc, answer };
}

const der = (realm = 'aaa.realm') => ({
  flags: CmdFlag.R | CmdFlag.P, commandCode: CommandCode.DIAMETER_EAP, applicationId: AppId.SWm,
  avps: [avp(dict, 'Session-Id', 's;1;1'), avp(dict, 'Origin-Host', 'me'), avp(dict, 'Origin-Realm', 'my.realm'), avp(dict, 'Destination-Realm', realm)],
});
const ok = (req: DiameterMessage) => answerHeader(req, [avp(dict, 'Result-Code', ResultCode.DIAMETER_SUCCESS), avp(dict, 'Origin-Host', 'x'), avp(dict, 'Origin-Realm', 'r')], ResultCode.DIAMETER_SUCCESS);
const id = { host: 'agent', realm: 'r' };

test('an answer is matched by hop-by-hop and end-to-end id; a stray one is dropped and counted', async () => {
  const { sent, svc, answer, peers } = setup(['a']);
  const r = svc.request(der());
  assert.equal(sent.length, 1);
  answer(0, (req) => ({ ...ok(req), endToEnd: req.endToEnd + 1 }));
  assert.equal(peers.get('a')!.counters.errors, 1, 'wrong end-to-end id: not ours');
  answer(0, ok);
  assert.deepEqual(resultOf(await r), { resultCode: 2001 });
  assert.equal(svc.pendingCount, 0);
});

test('a non-success answer is logged once at warning level with peer, command, code and name, and counted per peer and code', async () => {
  const { svc, answer, warnings, peers } = setup(['a']);
  const r = svc.request(der());
  answer(0, (req) => buildErrorAnswer(dict, req, id, ResultCode.DIAMETER_AVP_UNSUPPORTED));
  assert.deepEqual(resultOf(await r), { resultCode: 5001 });
  assert.equal(warnings.length, 1);
  assert.deepEqual({ ...warnings[0]!.obj }, { peer: 'a', command: 'DEA', result_code: 5001, result_name: 'DIAMETER_AVP_UNSUPPORTED', origin_host: 'agent' });
  assert.deepEqual(peers.get('a')!.failed.get('5001'), { view: { code: 5001, vendor_id: 0, name: 'DIAMETER_AVP_UNSUPPORTED' }, count: 1 });
});

test('3002 is retried on the other peer with the T flag and the same end-to-end id', async () => {
  const { sent, svc, answer } = setup(['a', 'b']);
  const r = svc.request(der());
  answer(0, (req) => buildErrorAnswer(dict, req, id, ResultCode.DIAMETER_UNABLE_TO_DELIVER));
  assert.equal(sent.length, 2);
  assert.equal(sent[1]!.host, 'b');
  assert.ok(sent[1]!.m.flags & CmdFlag.T);
  assert.equal(sent[1]!.m.endToEnd, sent[0]!.m.endToEnd);
  assert.notEqual(sent[1]!.m.hopByHop, sent[0]!.m.hopByHop);
  answer(1, ok);
  assert.deepEqual(resultOf(await r), { resultCode: 2001 });
});

test('a dropped connection fails its requests over once (T flag); with nowhere to go they fail at once', async () => {
  const { sent, svc, answer, peers } = setup(['a', 'b']);
  const r1 = svc.request(der());
  svc.failover(peers.get('a')!.conn!, 'a');
  assert.equal(sent[1]!.host, 'b');
  assert.ok(sent[1]!.m.flags & CmdFlag.T);
  answer(1, ok);
  answer(1, ok); // a duplicate answer resolves nothing twice
  assert.deepEqual(resultOf(await r1), { resultCode: 2001 });
  const r2 = svc.request(der());
  svc.failover(peers.get('a')!.conn!, 'a');
  svc.failover(peers.get('b')!.conn!, 'b');
  await assert.rejects(r2, (e: unknown) => e instanceof DiameterUnavailableError && e.reason === 'no_peer');
});

test('the routing table picks the next hop by Destination-Realm; a realm with no route fails with no_route', async () => {
  const { sent, svc } = setup(['a', 'b', 'dra'], [
    { realm: 'hss.realm', action: 'relay', peers: ['b'] },
    { realm: '*', application_id: AppId.SWm, action: 'relay', peers: ['dra'] },
    { realm: 'elsewhere', action: 'redirect', peers: ['a'] },
  ]);
  void svc.request(der('hss.realm')).catch(() => undefined);
  void svc.request(der('other.realm')).catch(() => undefined);
  assert.deepEqual(sent.map((s) => s.host), ['b', 'dra']);
  const sx = { ...der('x'), applicationId: AppId.SWx };
  await assert.rejects(svc.request(sx), (e: unknown) => e instanceof DiameterUnavailableError && e.reason === 'no_route');
  svc.stop();
  svc.rejectAll();
});

test('a redirect (3006) is followed to the named host; a loop between redirect agents fails cleanly', async () => {
  const { sent, svc, answer } = setup(['a', 'b', 'c']);
  const r = svc.request(der(), { peer: 'a' });
  answer(0, (req) => buildRedirectAnswer(dict, req, id, ['aaa://c:3868;transport=tcp'], 0));
  assert.equal(sent[1]!.host, 'c');
  assert.equal(sent[1]!.m.flags & CmdFlag.T, 0, 'a new hop, not a retransmission');
  answer(1, ok);
  assert.deepEqual(resultOf(await r), { resultCode: 2001 });

  const loop = svc.request(der(), { peer: 'a' });
  const n = sent.length;
  answer(n - 1, (req) => buildRedirectAnswer(dict, req, id, ['aaa://b:3868'], 0));
  answer(n, (req) => buildRedirectAnswer(dict, req, id, ['aaa://a:3868'], 0));
  await assert.rejects(loop, (e: unknown) => e instanceof DiameterUnavailableError && e.reason === 'redirect_limit' && /loop/.test(e.message));
  assert.equal(svc.pendingCount, 0);
});

test('no answer: the request fails after its timeout and nothing is left pending', async () => {
  const { svc, peers } = setup(['a'], [], 50);
  await assert.rejects(svc.request(der()), (e: unknown) => e instanceof DiameterUnavailableError && e.reason === 'timeout');
  assert.equal(peers.get('a')!.counters.timeouts, 1);
  assert.equal(svc.pendingCount, 0);
});
