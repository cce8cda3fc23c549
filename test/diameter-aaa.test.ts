/**
 * The built-in AAA/HSS over real loopback Diameter: a client node with the
 * SWm relay runs full EAP-AKA and EAP-AKA' authentications for a simulated
 * USIM (src/fsm/eap-aka-peer.ts), including SQN resync and an unknown user;
 * the SWx vector source fetches vectors (and resyncs) by MAR/MAA. Keys never
 * appear in what the AAA logs or answers.
 */
import { baseCode, codeOf } from '../src/codec/diameter/result.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { createMemoryStore } from '../daemon/store/memory-store.js';
import { createDiameterNode, type DiameterNode } from '../daemon/diameter/node.js';
import { createBuiltinAaa, type BuiltinAaa } from '../daemon/diameter/builtin-aaa.js';
import { createSwmRelay } from '../daemon/diameter/swm-client.js';
import { createSwxVectorSource } from '../daemon/diameter/swx-client.js';
import { startPeer, stepPeer, type EapPeerState } from '../src/fsm/eap-aka-peer.js';
import { encodeEap } from '../src/codec/eap/packet.js';
import { EapCode, EapType } from '../src/codec/eap/constants.js';
import { usimAuthenticate, buildAuts } from '../src/crypto/milenage.js';
import { AuthVectorError, AaaUnavailableError, type AaaRelay } from '../src/ports.js';
import { Secret } from '../src/util/secret.js';
import { repoPath } from '../src/util/repo-path.js';
import { PEER_WAIT_MS, nodeConfig, quietLogger } from './diameter-helpers.js';

const h = (s: string) => Buffer.from(s, 'hex');
const LAB = readFileSync(repoPath('fixtures', 'subscribers', 'lab.csv'), 'utf8');
const SET1 = { imsi: '001010000000001', k: '465b5ce8b199b49faa5f0a2ee238a6bc', opc: 'cd63cb71954a9f4e48a5994e37a02baf' };

let aaa: BuiltinAaa;
let client: DiameterNode;
let relay: AaaRelay;
const aaaLog = quietLogger();

before(async () => {
  aaa = createBuiltinAaa({ store: createMemoryStore(), logger: aaaLog, listen: { host: 'aaa.test.local', realm: 'test.local', listen_ip: '127.0.0.1', listen_port: 0, accept_peers: [{ host: 'client.test.local', ip: 'loopback' }, { host: 'xcap.test.local', ip: 'loopback' }] } });
  const r = await aaa.subscribers.importCsv(LAB);
  assert.equal(r.added, 6);
  const { listen } = await aaa.start();
  client = createDiameterNode(nodeConfig({ peers: [{ host: 'aaa.test.local', ip: '127.0.0.1', port: listen!.port, transport: 'tcp' }] }), { logger: quietLogger() });
  await client.start();
  await client.waitForPeer('aaa.test.local', PEER_WAIT_MS);
  relay = createSwmRelay(client);
});
after(async () => {
  await client.stop();
  await aaa.stop();
});

/** Plays the phone: EAP-Response/Identity, then whatever the USIM answers, until EAP-Success/Failure. */
async function authenticate(start: EapPeerState, identity = start.identity) {
  let peer = start;
  const s = relay.open({ userName: identity });
  let packet = encodeEap({ code: EapCode.RESPONSE, identifier: 0, type: EapType.IDENTITY, data: Buffer.from(identity) });
  const codes: number[] = [];
  for (let i = 0; i < 8; i++) {
    const ans = await s.exchange(packet);
    codes.push(codeOf(ans.result));
    if (baseCode(ans.result) !== 1001) return { ans, codes, peer, sessionId: s.sessionId };
    const r = stepPeer(peer, { type: 'eap', packet: ans.eapPayload! });
    peer = r.state;
    const send = r.actions.find((a) => a.type === 'send');
    assert.ok(send && send.type === 'send', `peer answered: ${r.note ?? ''}`);
    packet = send.packet;
  }
  throw new Error('too many rounds');
}

test('SWm: a full EAP-AKA authentication against the built-in AAA: 1001 then 2001 with EAP-Success and the MSK', async () => {
  const peer = startPeer({ imsi: SET1.imsi, k: new Secret(h(SET1.k)), opc: new Secret(h(SET1.opc)), sqnMs: 0n, variant: 'aka' });
  const { ans, codes, sessionId } = await authenticate(peer);
  assert.deepEqual(codes, [1001, 2001]);
  assert.ok('resultCode' in ans.result);
  assert.equal(ans.eapPayload![0], EapCode.SUCCESS);
  assert.equal(ans.msk!.reveal().length, 64);
  assert.match(sessionId, /^client\.test\.local;\d+;\d+$/);
  assert.equal(aaa.activeSessions(), 0);
  assert.equal((await aaa.subscribers.get(SET1.imsi))!.sqn, 33, 'SQN_HE advanced by one vector (SEQ+1, IND+1)');
});

test("SWm: EAP-AKA' (identity prefix 6) succeeds too", async () => {
  const peer = startPeer({ imsi: '001010000000002', k: new Secret(h('0396eb317b6d1c36f19c1c84cd6ffd16')), opc: new Secret(h('53c15671c60a4b731c55b4a441c0bde2')), sqnMs: 0n, variant: 'aka-prime' });
  assert.ok(peer.identity.startsWith('6'));
  const { codes, ans } = await authenticate(peer);
  assert.deepEqual(codes, [1001, 2001]);
  assert.equal(ans.eapPayload![0], EapCode.SUCCESS);
});

test('SWm: a USIM ahead of the HSS resyncs (AUTS) and then succeeds', async () => {
  const peer = startPeer({ imsi: '001010000000003', k: new Secret(h('fec86ba6eb707ed08905757b1bb44b8f')), opc: new Secret(h('1006020f0a478bf6b699f15c062e42b3')), sqnMs: 5000n * 32n, variant: 'aka' });
  const { codes, ans } = await authenticate(peer);
  assert.deepEqual(codes, [1001, 1001, 2001], 'challenge, sync failure → fresh challenge, success');
  assert.equal(ans.eapPayload![0], EapCode.SUCCESS);
  assert.ok((await aaa.subscribers.get('001010000000003'))!.sqn > 5000 * 32);
});

test('SWm: an unknown IMSI gets Experimental-Result 5001 with EAP-Failure; a wrong key gets 4001', async () => {
  const unknown = startPeer({ imsi: '001019999999999', k: new Secret(h(SET1.k)), opc: new Secret(h(SET1.opc)), sqnMs: 0n, variant: 'aka' });
  const u = await authenticate(unknown);
  assert.deepEqual(u.codes, [5001]);
  assert.deepEqual(u.ans.result, { experimental: { vendorId: 10415, code: 5001 } });
  assert.equal(u.ans.eapPayload![0], EapCode.FAILURE);
  const wrong = startPeer({ imsi: '001010000000004', k: new Secret(h('00'.repeat(16))), opc: new Secret(h('11'.repeat(16))), sqnMs: 0n, variant: 'aka' });
  const w = await authenticate(wrong);
  assert.equal(w.codes.at(-1), 4001);
  assert.equal(w.ans.eapPayload![0], EapCode.FAILURE);
});

test('SWx: MAR/MAA vectors verify on the USIM; resync with RAND‖AUTS moves SQN; unknown IMSI → user_unknown', async () => {
  const swx = createSwxVectorSource(client);
  const k = new Secret(h('4ab1deb05ca6ceb051fc98e77d026a84'));
  const opc = new Secret(h('dcf07cbd51855290b92a07a9891e523e'));
  const v = await swx.getVector({ imsi: '001010000000005', variant: 'aka' });
  const u = usimAuthenticate({ k, opc, rand: v.rand, autn: v.autn });
  assert.ok(u.macOk);
  assert.deepEqual(u.res, v.xres);
  assert.deepEqual(u.ck, v.ck.reveal());
  assert.deepEqual(u.ik, v.ik.reveal());
  const sqnMs = 777n * 32n;
  const auts = buildAuts({ k, opc, rand: v.rand, sqnMs });
  const v2 = await swx.getVector({ imsi: '001010000000005', variant: 'aka', resync: { rand: v.rand, auts } });
  const u2 = usimAuthenticate({ k, opc, rand: v2.rand, autn: v2.autn });
  assert.ok(u2.macOk);
  assert.ok(u2.sqn > sqnMs, 'the fresh vector is above SQN_MS');
  const bad = Buffer.from(auts); bad[13] ^= 1;
  await assert.rejects(swx.getVector({ imsi: '001010000000005', variant: 'aka', resync: { rand: v.rand, auts: bad } }), (e: unknown) => e instanceof AuthVectorError && e.kind === 'resync_failed');
  await assert.rejects(swx.getVector({ imsi: '001019999999999', variant: 'aka' }), (e: unknown) => e instanceof AuthVectorError && e.kind === 'user_unknown');
});

test('no AAA reachable: the relay throws AaaUnavailableError, the SWx source AuthVectorError unavailable', async () => {
  const lonely = createDiameterNode(nodeConfig({ peers: [] }), { logger: quietLogger() });
  await lonely.start();
  try {
    await assert.rejects(createSwmRelay(lonely).open({ userName: 'x' }).exchange(Buffer.from('0200000501', 'hex')), AaaUnavailableError);
    await assert.rejects(createSwxVectorSource(lonely).getVector({ imsi: SET1.imsi, variant: 'aka' }), (e: unknown) => e instanceof AuthVectorError && e.kind === 'unavailable');
  } finally {
    await lonely.stop();
  }
});

test('keys never appear in the AAA log lines or subscriber views', async () => {
  const text = inspect(aaaLog.lines, { depth: 10 }) + JSON.stringify((await aaa.subscribers.list()));
  for (const line of LAB.split('\n').filter((l) => /^\d{15},/.test(l))) {
    const [, , ki, opc] = line.split(',');
    assert.ok(!text.includes(ki!), 'Ki leaked');
    assert.ok(!text.includes(opc!), 'OPc leaked');
  }
});

test('Sh: UDR of nothing → null; PUR then UDR reads the RepositoryData back; a stale SequenceNumber → out of sync', async () => {
  const { createShClient } = await import('../daemon/diameter/sh-client.js');
  const port = (aaa.node.status(), client.status().peers[0]!.port!);
  const shNode = createDiameterNode(nodeConfig({ host: 'xcap.test.local', auth_application_ids: [16777217], peers: [{ host: 'aaa.test.local', ip: '127.0.0.1', port, transport: 'tcp' }] }), { logger: quietLogger() });
  await shNode.start();
  try {
    await shNode.waitForPeer('aaa.test.local', PEER_WAIT_MS);
    const sh = createShClient(shNode);
    assert.equal(await sh.readRepositoryData({ msisdn: '+15551230001', serviceIndication: 'simservs' }), null);
    const doc = '<?xml version="1.0" encoding="UTF-8"?>\n<simservs xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap"><originating-identity-presentation active="true"/></simservs>';
    await sh.writeRepositoryData({ msisdn: '+15551230001', serviceIndication: 'simservs', serviceData: doc, sequenceNumber: 1 });
    const got = await sh.readRepositoryData({ msisdn: '+15551230001', serviceIndication: 'simservs' });
    assert.equal(got?.sequenceNumber, 1);
    assert.equal(got?.serviceData, doc.replace(/^<\?xml[^>]*\?>\n/, ''));
    await assert.rejects(sh.writeRepositoryData({ msisdn: '+15551230001', serviceIndication: 'simservs', serviceData: doc, sequenceNumber: 1 }), /PUA Experimental-Result 10415\/5105 DIAMETER_ERROR_TRANSPARENT_DATA_OUT_OF_SYNC/);
  } finally {
    await shNode.stop();
  }
});
