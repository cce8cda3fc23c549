/**
 * Golden EAP packets (fixtures/wire/eap/*.hex) built only from published inputs:
 * TS 35.208 test set 19 (K, OPc, RAND, SQN, AMF) and the RFC 5448 Appendix C
 * identity "0555444333222111" / network name "WLAN". Regenerate deliberately with
 * OMNISEP_GOLDEN_WRITE=1 node --import tsx --test src/fsm/eap-aka-golden.test.ts
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodeEap, describeEap, isAkaPacket, read, verifyAtMac } from '../codec/eap/index.js';
import { generateVector } from '../crypto/milenage.js';
import { repoPath } from '../util/repo-path.js';
import { Secret } from '../util/secret.js';
import { startPeer, stepPeer } from './eap-aka-peer.js';
import { startServer, step, type EapServerConfig } from './eap-aka-server.js';

const h = (s: string) => Buffer.from(s, 'hex');
/** TS 35.208 §4.3 test set 19, read from the published vectors (fixtures/vectors/ts35208-milenage.json). */
const SET_19 = (JSON.parse(readFileSync(repoPath('fixtures', 'vectors', 'ts35208-milenage.json'), 'utf8')) as { sets: Array<Record<string, string> & { set: number }> })
  .sets.find((t) => t.set === 19)!;
const K = new Secret(h(SET_19['k']!));
const OPC = new Secret(h(SET_19['opc']!));
const SQN = BigInt(`0x${SET_19['sqn']}`);
const ID = '0555444333222111';
const vector = generateVector({ k: K, opc: OPC, amf: h(SET_19['amf']!), sqn: SQN, rand: h(SET_19['rand']!) });
const base: EapServerConfig = { variant: 'aka', maxResync: 1, timeoutMs: 30_000, identityRound: 'never' };
const pkt = (a: { packet?: Buffer } | undefined) => a!.packet!;

function build(): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const variant of ['aka', 'aka-prime'] as const) {
    const tag = variant === 'aka' ? 'aka' : 'aka-prime';
    let s = startServer({ ...base, variant, networkName: variant === 'aka' ? undefined : 'WLAN' }, 0);
    s = step(s, { type: 'identity', identity: ID }, 0).state;
    const ch = step(s, { type: 'vector', vector }, 0);
    out[`${tag}-challenge-request`] = pkt(ch.actions[0] as { packet: Buffer });
    const peer = startPeer({ imsi: '555444333222111', identity: ID, k: K, opc: OPC, sqnMs: SQN - 32n, variant });
    const pr = stepPeer(peer, { type: 'eap', packet: out[`${tag}-challenge-request`]! });
    out[`${tag}-challenge-response`] = pkt(pr.actions[0] as { packet: Buffer });
    if (variant === 'aka') {
      const ok = step(ch.state, { type: 'eap', packet: out['aka-challenge-response']! }, 0);
      out['eap-success'] = pkt(ok.actions[0] as { packet: Buffer });
      const stale = stepPeer({ ...peer, sqn: { ...peer.sqn, highest: SQN, seq: peer.sqn.seq.map(() => SQN >> 5n) } }, { type: 'eap', packet: out['aka-challenge-request']! });
      out['aka-synchronization-failure'] = pkt(stale.actions[0] as { packet: Buffer });
      const wrongK = stepPeer(startPeer({ imsi: '555444333222111', identity: ID, k: new Secret(Buffer.alloc(16)), opc: OPC, sqnMs: 0n, variant }), { type: 'eap', packet: out['aka-challenge-request']! });
      out['aka-authentication-reject'] = pkt(wrongK.actions[0] as { packet: Buffer });
      const rej = step(ch.state, { type: 'eap', packet: out['aka-authentication-reject']! }, 0);
      out['eap-failure'] = pkt(rej.actions[0] as { packet: Buffer });
      const ir = step(startServer({ ...base, identityRound: 'always' }, 0), { type: 'identity', identity: ID }, 0);
      out['aka-identity-request'] = pkt(ir.actions[0] as { packet: Buffer });
      out['aka-identity-response'] = pkt(stepPeer(peer, { type: 'eap', packet: out['aka-identity-request']! }).actions[0] as { packet: Buffer });
    }
  }
  return out;
}

describe('golden EAP-AKA packets (fixtures/wire/eap)', () => {
  const built = build();
  if (process.env.OMNISEP_GOLDEN_WRITE === '1') {
    for (const [name, b] of Object.entries(built)) writeFileSync(repoPath('fixtures', 'wire', 'eap', `${name}.hex`), b.toString('hex') + '\n');
  }
  for (const [name, b] of Object.entries(built)) {
    it(`${name}.hex is reproduced byte for byte and decodes`, () => {
      const golden = h(readFileSync(repoPath('fixtures', 'wire', 'eap', `${name}.hex`), 'utf8').trim());
      assert.equal(b.toString('hex'), golden.toString('hex'));
      assert.equal(describeEap(golden).error, undefined);
    });
  }
  it("the AKA' challenge's AT_MAC verifies under the K_aut published in RFC 5448 Appendix C case 1", () => {
    const b = built['aka-prime-challenge-request']!;
    assert.ok(verifyAtMac(b, h('0842ea722ff6835bfa2032499fc3ec23c2f0e388b4f07543ffc677f1696d71ea')));
    const r = built['aka-prime-challenge-response']!;
    const d = decodeEap(r);
    assert.ok(isAkaPacket(d));
    assert.deepEqual(read.res(d), { res: h('28d7b0f2a2ec3de5'), bits: 64 });
    assert.ok(verifyAtMac(r, h('0842ea722ff6835bfa2032499fc3ec23c2f0e388b4f07543ffc677f1696d71ea')));
  });
});
