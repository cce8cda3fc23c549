import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHash } from 'node:crypto';
import { AuthVectorError, type AuthVectorSource } from '../ports.js';
import { Secret } from '../util/secret.js';
import { seqOf } from '../aka/sqn.js';
import { decodeEap, isAkaPacket } from '../codec/eap/index.js';
import { driveEapServer, MilenageVectorSource, openEapServer, type EapServerOptions } from './eap-aka-driver.js';
import { startPeer, stepPeer } from './eap-aka-peer.js';
import { loadServerState, storeServerState } from './eap-aka-state.js';

const K = new Secret(Buffer.from('5122250214c33e723a5dd523fc145fc0', 'hex'));
const OPC = new Secret(Buffer.from('981d464c7c52eb6e5036234984ad0bcf', 'hex'));
let c = 0;
const rand = () => createHash('sha256').update(`d${c++}`).digest().subarray(0, 16);
const OPTS: EapServerOptions = { defaultVariant: 'aka', maxResync: 2, timeoutMs: 30_000, identityRound: 'never' };
const failing = (e: Error): AuthVectorSource => ({ getVector: () => Promise.reject(e) });

describe('EAP-AKA server driver', () => {
  it('openEapServer takes the method from the identity prefix (0 → EAP-AKA, 6 → EAP-AKA\'), else the default', () => {
    assert.equal(openEapServer('0001010000000001@x', { ...OPTS, defaultVariant: 'aka-prime' }, 0).cfg.variant, 'aka');
    const p = openEapServer('6001010000000001@x', OPTS, 0);
    assert.deepEqual([p.cfg.variant, p.cfg.networkName], ['aka-prime', 'WLAN']);
    assert.equal(openEapServer('alice@x', { ...OPTS, defaultVariant: 'aka-prime', networkName: 'ANID' }, 0).cfg.networkName, 'ANID');
  });

  it('runs need_vector through the source and stops at the packet for the peer; the peer completes', async () => {
    const source = new MilenageVectorSource({ k: K, opc: OPC, amf: 0x8000, sqn: 0n }, rand);
    const ctx = { vectors: source, now: () => 0 };
    let peer = startPeer({ imsi: '001010000000001', k: K, opc: OPC, sqnMs: 0n, variant: 'aka-prime', networkName: 'WLAN' });
    const r1 = await driveEapServer(openEapServer(peer.identity, OPTS, 0), { type: 'identity', identity: peer.identity }, ctx);
    assert.deepEqual(r1.rows, ['idle:need_vector', 'vector_wait:challenge']);
    assert.equal(r1.outcome.type, 'request');
    const ch = decodeEap((r1.outcome as { packet: Buffer }).packet);
    assert.ok(isAkaPacket(ch) && ch.type === 50);
    const pr = stepPeer(peer, { type: 'eap', packet: (r1.outcome as { packet: Buffer }).packet });
    peer = pr.state;
    const r2 = await driveEapServer(r1.state, { type: 'eap', packet: (pr.actions[0] as { packet: Buffer }).packet }, ctx);
    assert.equal(r2.outcome.type, 'success');
    assert.equal(seqOf(source.sub.sqn), 1n, 'one vector issued');
  });

  it('an AuthVectorError becomes a typed failure; any other error propagates', async () => {
    const s = openEapServer('0001010000000001@x', OPTS, 0);
    for (const kind of ['user_unknown', 'unavailable'] as const) {
      const r = await driveEapServer(s, { type: 'identity', identity: '0001010000000001@x' }, { vectors: failing(new AuthVectorError(kind, 'x')), now: () => 0 });
      assert.ok(r.outcome.type === 'failure' && r.outcome.reason === kind);
      assert.deepEqual(r.rows, ['idle:need_vector', `vector_wait:${kind}`]);
    }
    await assert.rejects(driveEapServer(s, { type: 'identity', identity: '0001010000000001@x' }, { vectors: failing(new TypeError('bug')), now: () => 0 }), TypeError);
  });

  it('an undeclared input is refused and changes nothing; a discarded packet gives none', async () => {
    const s = openEapServer('0001010000000001@x', OPTS, 0);
    const ctx = { vectors: failing(new Error('unused')), now: () => 0 };
    const r = await driveEapServer(s, { type: 'eap', packet: Buffer.from([2, 0, 0, 4]) }, ctx);
    assert.equal(r.outcome.type, 'refused');
    assert.equal(r.state, s);
    const t = await driveEapServer(s, { type: 'tick' }, ctx);
    assert.deepEqual([t.outcome.type, t.rows], ['none', ['idle:tick']]);
    const late = await driveEapServer(s, { type: 'tick' }, { ...ctx, now: () => 30_000 });
    assert.ok(late.outcome.type === 'failure' && late.outcome.reason === 'timeout');
  });
});

describe('EAP-AKA server state as data (eap_state)', () => {
  it('a session stored mid-challenge and loaded elsewhere completes; the plain part holds no key', async () => {
    for (const variant of ['aka', 'aka-prime'] as const) {
      const source = new MilenageVectorSource({ k: K, opc: OPC, amf: 0x8000, sqn: 0n }, rand);
      const ctx = { vectors: source, now: () => 0 };
      const peer = startPeer({ imsi: '001010000000001', k: K, opc: OPC, sqnMs: 0n, variant, networkName: 'WLAN' });
      const r1 = await driveEapServer(openEapServer(peer.identity, OPTS, 0), { type: 'identity', identity: peer.identity }, ctx);
      const { plain, secret } = storeServerState(r1.state);
      const text = JSON.stringify(plain);
      for (const k of [r1.state.challenge!.kAut, r1.state.challenge!.msk, r1.state.challenge!.xres]) assert.ok(!text.includes(k.reveal().toString('base64')) && !text.includes(k.reveal().toString('hex')));
      assert.ok(secret && secret.length > 0);
      const again = loadServerState(JSON.parse(text), secret);
      assert.deepEqual(storeServerState(again).plain, plain);
      const pr = stepPeer(peer, { type: 'eap', packet: (r1.outcome as { packet: Buffer }).packet });
      const r2 = await driveEapServer(again, { type: 'eap', packet: (pr.actions[0] as { packet: Buffer }).packet }, ctx);
      assert.equal(r2.outcome.type, 'success', variant);
      assert.deepEqual((r2.outcome as { msk: Secret<Buffer> }).msk.reveal(), r1.state.challenge!.msk.reveal());
    }
  });

  it('refuses records it did not write: other version, a challenge without keys, a truncated key block', () => {
    const s = openEapServer('0001010000000001@x', OPTS, 0);
    const { plain } = storeServerState(s);
    assert.throws(() => loadServerState({ ...plain, v: 2 } as never, null), RangeError);
    assert.throws(() => loadServerState({ ...plain, rand: 'AAAA' }, null), RangeError);
    assert.throws(() => loadServerState({ ...plain, rand: 'AAAA' }, Buffer.from([8, 1, 2])), RangeError);
    assert.deepEqual(loadServerState(plain, null), s);
  });
});
