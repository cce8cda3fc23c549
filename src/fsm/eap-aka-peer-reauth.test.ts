/**
 * The peer's side of identities and fast re-authentication (RFC 4187 §4.1.4-4.1.6, §5.4-5.5): which
 * identity each ID request is answered with, and AKA-Reauthentication checks — packets built by hand.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AkaSubtype, attr, decodeEap, EapCode, encodeEap, isAkaPacket, read, signEap, verifyAtMac, type EapPacket } from '../codec/eap/index.js';
import { decryptAttributes, encryptAttributes } from '../codec/eap/encr.js';
import { readInner } from '../codec/eap/attributes.js';
import { Secret } from '../util/secret.js';
import { peerCarry, startPeer, stepPeer, type PeerCarry } from './eap-aka-peer.js';
import { deriveReauthSessionKeys, type ReauthKeys } from './eap-aka-common.js';

const K = new Secret(Buffer.alloc(16, 1));
const OPC = new Secret(Buffer.alloc(16, 2));
const KEYS: ReauthKeys = { variant: 'aka', kEncr: new Secret(Buffer.alloc(16, 3)), kAut: new Secret(Buffer.alloc(16, 4)), reauthKey: new Secret(Buffer.alloc(20, 5)) };
const REAUTH = '4feed@nai.epc.mnc001.mcc001.3gppnetwork.org';
const PSEUDO = '2cafe@nai.epc.mnc001.mcc001.3gppnetwork.org';
const CARRY: PeerCarry = { pseudonym: PSEUDO, reauth: { id: REAUTH, counter: 4, keys: KEYS } };
const NONCE = Buffer.alloc(16, 9);
const IV = Buffer.alloc(16, 6);
const mk = (carry: PeerCarry = CARRY) => startPeer({ imsi: '001010000000001', k: K, opc: OPC, sqnMs: 0n, variant: 'aka' }, carry);

const idRequest = (a: ReturnType<typeof attr.anyIdReq>) => encodeEap({ code: EapCode.REQUEST, identifier: 3, type: 23, subtype: AkaSubtype.AKA_IDENTITY, attributes: [a] } as EapPacket);
function reauthRequest(counter: number, opts: { next?: string; keys?: ReauthKeys } = {}) {
  const k = opts.keys ?? KEYS;
  const inner = [attr.counter(counter), attr.nonceS(NONCE), ...(opts.next ? [attr.nextReauthId(opts.next)] : [])];
  return signEap(encodeEap({ code: EapCode.REQUEST, identifier: 7, type: 23, subtype: AkaSubtype.AKA_REAUTHENTICATION, attributes: [...encryptAttributes(k.kEncr, IV, inner), attr.mac()] } as EapPacket), k.kAut);
}
const sent = (r: ReturnType<typeof stepPeer>) => {
  const a = r.actions[0];
  assert.ok(a?.type === 'send');
  return a.packet;
};

describe('EAP-AKA peer: identities and fast re-authentication', () => {
  it('presents the re-auth identity first; answers each ID request with the most private identity it admits', () => {
    assert.equal(mk().identity, REAUTH);
    assert.equal(mk({ pseudonym: PSEUDO }).identity, PSEUDO);
    assert.match(mk({}).identity, /^0001010000000001@/);
    for (const [req, want] of [[attr.anyIdReq(), REAUTH], [attr.fullauthIdReq(), PSEUDO], [attr.permanentIdReq(), mk({}).identity]] as const) {
      const r = stepPeer(mk(), { type: 'eap', packet: idRequest(req) });
      const p = decodeEap(sent(r));
      assert.ok(isAkaPacket(p));
      assert.equal(read.identity(p), want);
      assert.equal(r.state.identity, want, 'the keys will use the identity answered');
    }
  });

  it('a fresh counter: AT_COUNTER echoed, AT_MAC over packet ‖ NONCE_S, keys per RFC 4187 §7; the next identity kept on EAP-Success', () => {
    const r = stepPeer(mk(), { type: 'eap', packet: reauthRequest(5, { next: '4next' }), iv: IV });
    assert.equal(r.state.phase, 'reauth');
    assert.equal(r.state.reauth, undefined, 'the re-auth identity is used up at once');
    const resp = sent(r);
    assert.ok(verifyAtMac(resp, KEYS.kAut, { extra: NONCE }));
    assert.ok(!verifyAtMac(resp, KEYS.kAut), 'not over the packet alone');
    const p = decodeEap(resp);
    assert.ok(isAkaPacket(p) && p.subtype === AkaSubtype.AKA_REAUTHENTICATION);
    const inner = decryptAttributes(KEYS.kEncr, read.iv(p)!, read.encrData(p)!);
    assert.equal(readInner.counter(inner), 5);
    assert.equal(readInner.counterTooSmall(inner), false);
    const ok = stepPeer(r.state, { type: 'eap', packet: encodeEap({ code: EapCode.SUCCESS, identifier: 7 }) });
    const a = ok.actions[0];
    assert.ok(a?.type === 'success' && a.reauth);
    assert.deepEqual(a.msk.reveal(), deriveReauthSessionKeys(KEYS, REAUTH, 5, NONCE).msk.reveal());
    const carry = peerCarry(ok.state);
    assert.equal(carry.reauth?.id, '4next@nai.epc.mnc001.mcc001.3gppnetwork.org', 'the realm of the permanent identity appended');
    assert.equal(carry.reauth?.counter, 5);
    assert.equal(carry.pseudonym, PSEUDO, 'the pseudonym stays');
  });

  it('a counter not above the last accepted (a replay): AT_COUNTER_TOO_SMALL, no keys, counter not moved', () => {
    for (const c of [4, 3]) {
      const r = stepPeer(mk(), { type: 'eap', packet: reauthRequest(c), iv: IV });
      assert.equal(r.state.phase, 'counter_too_small');
      const p = decodeEap(sent(r));
      assert.ok(isAkaPacket(p));
      const inner = decryptAttributes(KEYS.kEncr, read.iv(p)!, read.encrData(p)!);
      assert.equal(readInner.counter(inner), c);
      assert.equal(readInner.counterTooSmall(inner), true);
      assert.ok(verifyAtMac(sent(r), KEYS.kAut, { extra: NONCE }));
      assert.equal(r.state.pending, undefined);
      // EAP-Success now would be a server error: refused
      assert.equal(stepPeer(r.state, { type: 'eap', packet: encodeEap({ code: EapCode.SUCCESS, identifier: 7 }) }).state.phase, 'failure');
    }
  });

  it('no context, a bad AT_MAC or keys of another session → AKA-Client-Error', () => {
    const other: ReauthKeys = { ...KEYS, kAut: new Secret(Buffer.alloc(16, 8)) };
    for (const [state, packet] of [[mk({}), reauthRequest(5)], [mk(), reauthRequest(5, { keys: other })]] as const) {
      const r = stepPeer(state, { type: 'eap', packet, iv: IV });
      assert.equal(r.state.phase, 'rejected');
      const p = decodeEap(sent(r));
      assert.ok(isAkaPacket(p) && p.subtype === AkaSubtype.AKA_CLIENT_ERROR);
    }
  });
});
