import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { AkaSubtype, attr, decodeEap, EapCode, encodeEap, isAkaPacket, read, signEap, verifyAtMac, type EapPacket } from '../codec/eap/index.js';
import { generateVector } from '../crypto/milenage.js';
import { akaMasterKey, deriveAkaKeys, expandAkaMasterKey } from '../crypto/aka-keys.js';
import { fips186Prf } from '../crypto/fips186-prf.js';
import { createDecipheriv, createHash, createHmac } from 'node:crypto';
import { decryptAttributes, encryptAttributes } from '../codec/eap/encr.js';
import { readInner } from '../codec/eap/attributes.js';
import { deriveReauthSessionKeys } from './eap-aka-common.js';
import { Secret } from '../util/secret.js';
import * as server from './eap-aka-server.js';
import type { EapServerConfig, EapServerEvent, EapServerState } from './eap-aka-server.js';

const h = (s: string) => Buffer.from(s, 'hex');
// TS 35.208 test set 19 (the set RFC 5448 Appendix C uses)
const K = h('5122250214c33e723a5dd523fc145fc0');
const OPC = h('981d464c7c52eb6e5036234984ad0bcf');
const RAND = h('81e92b6c0ee0e12ebceba8d92a99dfa5');
const ID = '0555444333222111';
const VECTOR = generateVector({ k: K, opc: OPC, amf: 0xc3ab, sqn: h('16f3b3f70fc2'), rand: RAND });
const CFG: EapServerConfig = { variant: 'aka', maxResync: 2, timeoutMs: 30_000, identityRound: 'never' };

// Every transition taken in this file, to prove the declared table is walked.
const seen = new Set<string>();
function step(s: EapServerState, ev: EapServerEvent, now = 0) {
  const r = server.step(s, ev, now);
  if (r.row) seen.add(r.row);
  return r;
}
const start = (cfg: Partial<EapServerConfig> = {}) => server.startServer({ ...CFG, ...cfg }, 0);

/** Server at challenge_sent for the set-19 vector. */
function challenged(cfg: Partial<EapServerConfig> = {}) {
  let s = start(cfg);
  s = step(s, { type: 'identity', identity: ID }).state;
  const r = step(s, { type: 'vector', vector: VECTOR });
  return { state: r.state, request: (r.actions[0] as { packet: Buffer }).packet };
}
const kAut = deriveAkaKeys(ID, VECTOR.ck, VECTOR.ik).kAut;
function deriveSessionKeysForTest(identity: string) {
  const mk = akaMasterKey(identity, VECTOR.ck, VECTOR.ik);
  return { ...expandAkaMasterKey(mk), mk };
}
function response(identifier: number, subtype: number, attributes: ReturnType<typeof attr.rand>[], sign = false): Buffer {
  const b = encodeEap({ code: EapCode.RESPONSE, identifier, type: 23, subtype, attributes } as EapPacket);
  return sign ? signEap(b, kAut) : b;
}

describe('EAP-AKA server state machine', () => {
  it('permanent identity → need_vector → AKA-Challenge (the first packet the phone sees, TS.43)', () => {
    let s = start();
    let r = step(s, { type: 'identity', identity: ID });
    assert.equal(r.state.phase, 'vector_wait');
    assert.deepEqual(r.actions, [{ type: 'need_vector', imsi: '555444333222111' }]);
    r = step(r.state, { type: 'vector', vector: VECTOR });
    s = r.state;
    assert.equal(s.phase, 'challenge_sent');
    const a = r.actions[0]!;
    assert.equal(a.type, 'send');
    const p = decodeEap((a as { packet: Buffer }).packet);
    assert.ok(isAkaPacket(p) && p.subtype === AkaSubtype.AKA_CHALLENGE && p.code === EapCode.REQUEST);
    assert.deepEqual(read.rand(p), RAND);
    assert.deepEqual(read.autn(p), h('bb52e91c747ac3ab2a5c23d15ee351d5'));
    assert.deepEqual(p.attributes.map((x) => x.type), [1, 2, 11]);
  });

  it('verified RES → EAP-Success with MSK/EMSK; success packet carries the response Identifier', () => {
    const { state } = challenged();
    const r = step(state, { type: 'eap', packet: response(state.identifier, 1, [attr.res(VECTOR.xres), attr.mac()], true) });
    assert.equal(r.state.phase, 'success');
    const a = r.actions[0]!;
    assert.ok(a.type === 'success');
    assert.equal(a.imsi, '555444333222111');
    assert.equal(a.msk.reveal().toString('hex'), '352ffaef2df120cb22410b9c0b70623cb5a35bc9fcd6bca0fc337b48b17630890a03375cfd1e64cbd6bf8304374dd2e139d64ed1a6d618ffefb08c26a6bb3585');
    assert.deepEqual(a.packet, Buffer.from([3, state.identifier, 0, 4]));
    assert.equal(JSON.stringify(r).includes('352ffaef'), false, 'MSK never serialised');
  });

  it('MAC is checked before RES: right RES with a bad MAC fails as bad_mac', () => {
    const { state } = challenged();
    const good = response(state.identifier, 1, [attr.res(VECTOR.xres), attr.mac()], true);
    good[good.length - 1]! ^= 1;
    const r = step(state, { type: 'eap', packet: good });
    assert.deepEqual([r.state.phase, (r.actions[0] as { reason: string }).reason], ['failure', 'bad_mac']);
    assert.deepEqual((r.actions[0] as { packet: Buffer }).packet, Buffer.from([4, state.identifier, 0, 4]));
  });

  it('a good MAC with a wrong RES, or a wrong RES length, fails as bad_res', () => {
    const { state } = challenged();
    const wrong = Buffer.from(VECTOR.xres);
    wrong[0]! ^= 0xff;
    let r = step(state, { type: 'eap', packet: response(state.identifier, 1, [attr.res(wrong), attr.mac()], true) });
    assert.equal((r.actions[0] as { reason: string }).reason, 'bad_res');
    r = step(state, { type: 'eap', packet: response(state.identifier, 1, [attr.res(VECTOR.xres.subarray(0, 4)), attr.mac()], true) });
    assert.equal((r.actions[0] as { reason: string }).reason, 'bad_res');
    r = step(state, { type: 'eap', packet: response(state.identifier, 1, [attr.mac()], true) });
    assert.equal((r.actions[0] as { reason: string }).reason, 'bad_res');
  });

  it('authentication reject, client error, malformed, Nak and unknown subtype end in failure', () => {
    const { state } = challenged();
    const reasons = [
      response(state.identifier, AkaSubtype.AKA_AUTHENTICATION_REJECT, []),
      response(state.identifier, AkaSubtype.AKA_CLIENT_ERROR, [attr.clientErrorCode(0)]),
      Buffer.from([2, state.identifier, 0, 9, 23, 1, 0, 0, 1]),
      encodeEap({ code: 2, identifier: state.identifier, type: 3, data: Buffer.from([50]) }),
      response(state.identifier, 99, []),
      response(state.identifier, AkaSubtype.AKA_SYNCHRONIZATION_FAILURE, []),
    ].map((packet) => (step(state, { type: 'eap', packet }).actions[0] as { reason: string }).reason);
    const ce = step(state, { type: 'eap', packet: response(state.identifier, AkaSubtype.AKA_CLIENT_ERROR, [attr.clientErrorCode(0)]) }).actions[0]!;
    assert.ok(ce.type === 'failure' && ce.clientErrorCode === 0 && server.describeFailure(ce) === 'client_error:0');
    assert.deepEqual(reasons, ['authentication_reject', 'client_error', 'malformed', 'nak', 'unexpected_subtype', 'malformed']);
  });

  it('a response with a stale Identifier is silently discarded', () => {
    const { state } = challenged();
    const r = step(state, { type: 'eap', packet: response((state.identifier + 7) & 0xff, 1, [attr.res(VECTOR.xres), attr.mac()], true) });
    assert.equal(r.state, state);
    assert.deepEqual(r.actions, []);
  });

  it('sync failure → need_vector with RAND‖AUTS → fresh challenge; bounded by maxResync', () => {
    let { state } = challenged({ maxResync: 1 });
    const auts = h('00112233445566778899aabbccdd');
    let r = step(state, { type: 'eap', packet: response(state.identifier, AkaSubtype.AKA_SYNCHRONIZATION_FAILURE, [attr.auts(auts)]) });
    assert.equal(r.state.phase, 'resync_wait');
    assert.deepEqual(r.actions, [{ type: 'need_vector', imsi: '555444333222111', resync: { rand: RAND, auts } }]);
    r = step(r.state, { type: 'vector', vector: VECTOR });
    assert.equal(r.state.phase, 'challenge_sent');
    state = r.state;
    r = step(state, { type: 'eap', packet: response(state.identifier, AkaSubtype.AKA_SYNCHRONIZATION_FAILURE, [attr.auts(auts)]) });
    assert.deepEqual([r.state.phase, (r.actions[0] as { reason: string }).reason], ['failure', 'resync_limit']);
  });

  it('a rejected AUTS (vector_error resync_failed) or no vector ends in failure', () => {
    const { state } = challenged();
    let r = step(state, { type: 'eap', packet: response(state.identifier, AkaSubtype.AKA_SYNCHRONIZATION_FAILURE, [attr.auts(Buffer.alloc(14))]) });
    r = step(r.state, { type: 'vector_error', reason: 'resync_failed' });
    assert.deepEqual([r.state.phase, (r.actions[0] as { reason: string }).reason], ['failure', 'resync_failed']);
    r = step(step(start(), { type: 'identity', identity: ID }).state, { type: 'vector_error', reason: 'user_unknown' });
    assert.equal((r.actions[0] as { reason: string }).reason, 'user_unknown');
  });

  it('identity round: AKA-Identity with AT_PERMANENT_ID_REQ, then AT_CHECKCODE in the challenge', () => {
    let s = start({ identityRound: 'when-not-permanent' });
    let r = step(s, { type: 'identity', identity: '2pseudonym@example.org' });
    assert.equal(r.state.phase, 'identity');
    const req = decodeEap((r.actions[0] as { packet: Buffer }).packet);
    assert.ok(isAkaPacket(req) && req.subtype === AkaSubtype.AKA_IDENTITY && read.idReq(req) === 'permanent');
    s = r.state;
    // stale identifier: discarded
    assert.equal(step(s, { type: 'eap', packet: response(s.identifier + 1, AkaSubtype.AKA_IDENTITY, [attr.identity(ID)]) }).state, s);
    r = step(s, { type: 'eap', packet: response(s.identifier, AkaSubtype.AKA_IDENTITY, [attr.identity(ID)]) });
    assert.equal(r.state.phase, 'vector_wait');
    assert.equal(r.state.identity, ID);
    r = step(r.state, { type: 'vector', vector: VECTOR });
    const ch = decodeEap((r.actions[0] as { packet: Buffer }).packet);
    assert.ok(isAkaPacket(ch) && read.checkcode(ch)!.length === 20);
    // identity round failures
    const s2 = step(start({ identityRound: 'always' }), { type: 'identity', identity: ID }).state;
    assert.equal((step(s2, { type: 'eap', packet: response(s2.identifier, AkaSubtype.AKA_IDENTITY, [attr.identity('2pseudo@x')]) }).actions[0] as { reason: string }).reason, 'identity_not_permanent');
    assert.equal((step(s2, { type: 'eap', packet: response(s2.identifier, AkaSubtype.AKA_CLIENT_ERROR, [attr.clientErrorCode(0)]) }).actions[0] as { reason: string }).reason, 'client_error');
    assert.equal((step(start(), { type: 'identity', identity: 'alice@example.org' }).actions[0] as { reason: string }).reason, 'identity_not_permanent');
  });

  it('failureNotification: bad RES → AKA-Notification General Failure (no AT_MAC) → EAP-Failure', () => {
    const { state } = challenged({ failureNotification: true });
    let r = step(state, { type: 'eap', packet: response(state.identifier, 1, [attr.res(Buffer.alloc(8)), attr.mac()], true) });
    assert.equal(r.state.phase, 'notification_sent');
    const n = decodeEap((r.actions[0] as { packet: Buffer }).packet);
    assert.ok(isAkaPacket(n) && n.subtype === AkaSubtype.AKA_NOTIFICATION && read.notification(n) === 16384 && !read.mac(n));
    const ns = r.state;
    assert.equal(step(ns, { type: 'eap', packet: response(ns.identifier + 1, AkaSubtype.AKA_NOTIFICATION, []) }).state, ns);
    r = step(ns, { type: 'eap', packet: response(ns.identifier, AkaSubtype.AKA_NOTIFICATION, []) });
    assert.deepEqual([r.state.phase, (r.actions[0] as { reason: string }).reason], ['failure', 'bad_res']);
    const r2 = step(challenged({ failureNotification: true }).state, { type: 'eap', packet: response(state.identifier, 1, [attr.res(VECTOR.xres), attr.mac()]) });
    assert.equal(r2.state.phase, 'notification_sent');
  });

  it('protected result indication (RFC 4187 §6.2): AKA-Notification Success with AT_MAC, then EAP-Success', () => {
    const { state, request } = challenged({ resultInd: true });
    const ch = decodeEap(request);
    assert.ok(isAkaPacket(ch) && read.resultInd(ch));
    // a peer that does not echo AT_RESULT_IND gets EAP-Success directly
    assert.equal(step(state, { type: 'eap', packet: response(state.identifier, 1, [attr.res(VECTOR.xres), attr.mac()], true) }).state.phase, 'success');
    const r = step(state, { type: 'eap', packet: response(state.identifier, 1, [attr.res(VECTOR.xres), attr.resultInd(), attr.mac()], true) });
    assert.equal(r.state.phase, 'success_notification_sent');
    const n = decodeEap((r.actions[0] as { packet: Buffer }).packet);
    assert.ok(isAkaPacket(n) && n.subtype === AkaSubtype.AKA_NOTIFICATION && read.notification(n) === 32768);
    assert.ok(verifyAtMac((r.actions[0] as { packet: Buffer }).packet, kAut));
    const ns = r.state;
    assert.equal(step(ns, { type: 'eap', packet: response(ns.identifier + 1, AkaSubtype.AKA_NOTIFICATION, [attr.mac()], true) }).state, ns);
    const unsigned = step(ns, { type: 'eap', packet: response(ns.identifier, AkaSubtype.AKA_NOTIFICATION, [attr.mac()]) });
    assert.deepEqual([unsigned.state.phase, (unsigned.actions[0] as { reason: string }).reason], ['failure', 'bad_mac']);
    const ok = step(ns, { type: 'eap', packet: response(ns.identifier, AkaSubtype.AKA_NOTIFICATION, [attr.mac()], true) });
    assert.equal(ok.state.phase, 'success');
    assert.equal(ok.actions[0]!.type, 'success');
    assert.deepEqual((ok.actions[0] as { packet: Buffer }).packet, Buffer.from([3, ns.identifier, 0, 4]));
  });

  it("EAP-AKA': challenge carries AT_KDF_INPUT and AT_KDF 1; a KDF counter-proposal fails", () => {
    let s = server.startServer({ ...CFG, variant: 'aka-prime', networkName: 'WLAN' }, 0);
    s = step(s, { type: 'identity', identity: '6555444333222111' }).state;
    const r = step(s, { type: 'vector', vector: VECTOR });
    const p = decodeEap((r.actions[0] as { packet: Buffer }).packet);
    assert.ok(isAkaPacket(p) && p.type === 50);
    assert.equal(read.kdfInput(p), 'WLAN');
    assert.deepEqual(read.kdfs(p), [1]);
    const counter = encodeEap({ code: 2, identifier: r.state.identifier, type: 50, subtype: 1, attributes: [attr.kdf(2)] } as EapPacket);
    assert.equal((step(r.state, { type: 'eap', packet: counter }).actions[0] as { reason: string }).reason, 'kdf_unsupported');
    assert.throws(() => server.startServer({ ...CFG, variant: 'aka-prime' }, 0), RangeError);
  });

  it('AT_BIDDING with the D bit when configured (RFC 9048 §4)', () => {
    const { request } = challenged({ bidding: true });
    const p = decodeEap(request);
    assert.ok(isAkaPacket(p) && read.bidding(p) === true);
  });

  it('session timeout: tick keeps a live session until timeoutMs, then fails it; a late response fails too', () => {
    const s0 = start();
    assert.equal(step(s0, { type: 'tick' }, 29_999).state, s0);
    const r = step(s0, { type: 'tick' }, 30_000);
    assert.deepEqual([r.state.phase, (r.actions[0] as { reason: string }).reason], ['failure', 'timeout']);
    const { state } = challenged();
    const late = step(state, { type: 'eap', packet: response(state.identifier, 1, [attr.res(VECTOR.xres), attr.mac()], true) }, 45_000);
    assert.equal((late.actions[0] as { reason: string }).reason, 'timeout');
    // terminal phases ignore ticks
    assert.deepEqual(step(r.state, { type: 'tick' }, 99_999).actions, []);
    // every live phase times out (walks the '*' rows)
    const live: EapServerState[] = [start(), step(start({ identityRound: 'always' }), { type: 'identity', identity: ID }).state, step(start(), { type: 'identity', identity: ID }).state];
    live.push(challenged().state);
    live.push(step(challenged().state, { type: 'eap', packet: response(1, AkaSubtype.AKA_SYNCHRONIZATION_FAILURE, [attr.auts(Buffer.alloc(14))]) }).state);
    live.push(step(challenged({ failureNotification: true }).state, { type: 'eap', packet: response(1, 1, [attr.mac()], true) }).state);
    live.push(step(challenged({ resultInd: true }).state, { type: 'eap', packet: response(1, 1, [attr.res(VECTOR.xres), attr.resultInd(), attr.mac()], true) }).state);
    assert.deepEqual(live.map((x) => x.phase), ['idle', 'identity', 'vector_wait', 'challenge_sent', 'resync_wait', 'notification_sent', 'success_notification_sent']);
    for (const x of live) {
      assert.equal(step(x, { type: 'tick' }, 1).state, x);
      assert.equal(step(x, { type: 'tick' }, 30_000).state.phase, 'failure');
    }
    const done = step(challenged().state, { type: 'eap', packet: response(1, 1, [attr.res(VECTOR.xres), attr.mac()], true) }).state;
    assert.equal(step(done, { type: 'tick' }, 99_999).state, done);
  });

  it('refuses undeclared events without changing state', () => {
    const idle = start();
    for (const ev of [{ type: 'vector', vector: VECTOR }, { type: 'vector_error', reason: 'unavailable' }, { type: 'eap', packet: Buffer.alloc(4) }] as EapServerEvent[]) {
      const r = server.step(idle, ev, 0);
      assert.equal(r.state, idle);
      assert.deepEqual(r.actions, []);
      assert.match(r.refused!, /not declared in phase idle/);
    }
    const { state } = challenged();
    assert.ok(server.step(state, { type: 'identity', identity: ID }, 0).refused);
    assert.ok(server.step(state, { type: 'vector', vector: VECTOR }, 0).refused);
    const vw = step(start(), { type: 'identity', identity: ID }).state;
    assert.ok(server.step(vw, { type: 'eap', packet: Buffer.alloc(4) }, 0).refused);
    assert.ok(server.step({ ...state, phase: 'success' }, { type: 'eap', packet: Buffer.alloc(4) }, 0).refused);
  });

  it('never puts CK, IK, K_aut, MSK in its state or actions when serialised', () => {
    const { state } = challenged();
    const r = step(state, { type: 'eap', packet: response(state.identifier, 1, [attr.res(VECTOR.xres), attr.mac()], true) });
    const text = JSON.stringify({ state, r });
    for (const secret of [VECTOR.ck.reveal(), VECTOR.ik.reveal(), kAut.reveal()]) assert.ok(!text.includes(secret.toString('hex')));
    assert.ok(state.challenge!.xres instanceof Secret);
  });

  it('never throws on mutated responses: each ends in a declared phase (fast-check)', () => {
    const { state } = challenged({ identityRound: 'never' });
    const golden = [
      response(state.identifier, 1, [attr.res(VECTOR.xres), attr.mac()], true),
      response(state.identifier, AkaSubtype.AKA_SYNCHRONIZATION_FAILURE, [attr.auts(Buffer.alloc(14, 1))]),
      response(state.identifier, AkaSubtype.AKA_CLIENT_ERROR, [attr.clientErrorCode(0)]),
    ];
    fc.assert(
      fc.property(fc.nat(golden.length - 1), fc.array(fc.tuple(fc.nat(100), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (g, flips) => {
        const b = Buffer.from(golden[g]!);
        for (const [at, v] of flips) b[at % b.length] = v;
        const r = server.step(state, { type: 'eap', packet: b }, 0);
        assert.ok(['challenge_sent', 'resync_wait', 'success', 'failure'].includes(r.state.phase));
        if (r.state.phase === 'success') assert.deepEqual(b, golden[0], 'only the genuine response succeeds');
      }),
      { numRuns: 3000 },
    );
  });

  it('one row per reason: every failure row ends with its own reason in the action and the state', () => {
    const unusable = (id: number, type = 23) => ({
      malformed: Buffer.from([2, id, 0, 9, type, 1, 0, 0, 1]),
      unexpected_code: encodeEap({ code: 1, identifier: id, type, subtype: 1, attributes: [] } as EapPacket),
      unexpected_type: encodeEap({ code: 2, identifier: id, type: type === 23 ? 50 : 23, subtype: 1, attributes: [] } as EapPacket),
      nak: encodeEap({ code: 2, identifier: id, type: 3, data: Buffer.from([50]) }),
    });
    const identityState = step(start({ identityRound: 'always' }), { type: 'identity', identity: ID }).state;
    const notifyState = step(challenged({ resultInd: true }).state, { type: 'eap', packet: response(1, 1, [attr.res(VECTOR.xres), attr.resultInd(), attr.mac()], true) }).state;
    const { state: ch } = challenged();
    const cases: [EapServerState, EapServerEvent, server.ServerRowId][] = [];
    for (const [reason, packet] of Object.entries(unusable(identityState.identifier))) cases.push([identityState, { type: 'eap', packet }, `identity:${reason}` as server.ServerRowId]);
    for (const [reason, packet] of Object.entries(unusable(ch.identifier))) cases.push([ch, { type: 'eap', packet }, `challenge_sent:${reason}` as server.ServerRowId]);
    for (const [reason, packet] of Object.entries(unusable(notifyState.identifier))) cases.push([notifyState, { type: 'eap', packet }, `success_notification_sent:${reason}` as server.ServerRowId]);
    cases.push(
      [identityState, { type: 'eap', packet: response(identityState.identifier, AkaSubtype.AKA_CHALLENGE, []) }, 'identity:unexpected_subtype'],
      [identityState, { type: 'eap', packet: response(identityState.identifier, AkaSubtype.AKA_IDENTITY, []) }, 'identity:missing_identity'],
      [notifyState, { type: 'eap', packet: response(notifyState.identifier, AkaSubtype.AKA_CHALLENGE, [attr.mac()], true) }, 'success_notification_sent:unexpected_subtype'],
    );
    const vw = step(start(), { type: 'identity', identity: ID }).state;
    const rw = step(ch, { type: 'eap', packet: response(ch.identifier, AkaSubtype.AKA_SYNCHRONIZATION_FAILURE, [attr.auts(Buffer.alloc(14))]) }).state;
    const shortRand = { ...VECTOR, rand: VECTOR.rand.subarray(0, 15) };
    for (const [p, st] of [['vector_wait', vw], ['resync_wait', rw]] as const) {
      cases.push([st, { type: 'vector', vector: shortRand }, `${p}:bad_vector`]);
      for (const reason of ['user_unknown', 'unavailable', 'resync_failed'] as const) cases.push([st, { type: 'vector_error', reason }, `${p}:${reason}`]);
    }
    // AT_CHECKCODE that does not cover the identity round (RFC 4187 §10.13)
    let ir = step(start({ identityRound: 'always' }), { type: 'identity', identity: ID }).state;
    ir = step(ir, { type: 'eap', packet: response(ir.identifier, AkaSubtype.AKA_IDENTITY, [attr.identity(ID)]) }).state;
    ir = step(ir, { type: 'vector', vector: VECTOR }).state;
    cases.push([ir, { type: 'eap', packet: response(ir.identifier, 1, [attr.res(VECTOR.xres), attr.checkcode(Buffer.alloc(20)), attr.mac()], true) }, 'challenge_sent:bad_checkcode']);
    // a bad MAC announced by AKA-Notification, then the notification answered
    const nb = step(challenged({ failureNotification: true }).state, { type: 'eap', packet: response(1, 1, [attr.res(VECTOR.xres), attr.mac()]) });
    assert.equal(nb.row, 'challenge_sent:notify_bad_mac');
    cases.push([nb.state, { type: 'eap', packet: response(nb.state.identifier, AkaSubtype.AKA_NOTIFICATION, []) }, 'notification_sent:bad_mac']);

    for (const [st, ev, row] of cases) {
      const r = step(st, ev);
      assert.equal(r.row, row, `${st.phase} ${ev.type} → ${row}`);
      const a = r.actions[0]!;
      const want = server.SERVER_ROWS[row] as { reason?: string };
      assert.ok(a.type === 'failure' && a.reason === want.reason && r.state.failure?.reason === want.reason, row);
      assert.deepEqual(a.packet, Buffer.from([4, st.identifier, 0, 4]));
      assert.equal(r.state.challenge, undefined, 'keys dropped on failure');
    }
  });

  it('the table is the dispatch: every (phase, event) pair without a handler is refused, state untouched', () => {
    const { state } = challenged();
    const events: EapServerEvent[] = [
      { type: 'identity', identity: ID }, { type: 'vector', vector: VECTOR }, { type: 'vector_error', reason: 'unavailable' },
      { type: 'eap', packet: Buffer.alloc(4) }, { type: 'tick' }, { type: 'identity_resolved', result: { kind: 'unknown' } },
    ];
    let refused = 0;
    for (const phase of Object.keys(server.SERVER_TRANSITIONS) as server.EapServerPhase[]) {
      const st = { ...state, phase };
      for (const ev of events) {
        const declared = (server.SERVER_TRANSITIONS[phase] as Record<string, unknown>)[ev.type] !== undefined;
        const r = server.step(st, ev, 0);
        assert.equal(r.refused === undefined, declared, `${phase} ${ev.type}`);
        if (declared) continue;
        refused++;
        assert.equal(r.state, st);
        assert.deepEqual(r.actions, []);
        // refused even after the session expired: an undeclared event never times a session out
        assert.ok(server.step(st, ev, 10 * 60_000).refused);
      }
    }
    assert.equal(refused, 66 - 22, '22 declared pairs, the other 44 refused');
    // every row's (from, event) has a handler
    for (const [id, row] of Object.entries(server.SERVER_ROWS)) {
      if (row.event === 'any') continue;
      assert.ok((server.SERVER_TRANSITIONS[row.from] as Record<string, unknown>)[row.event], id);
    }
  });


  // ------------------------------------------------------------ pseudonyms and fast re-authentication (RFC 4187 §4.1, §5)

  const keysAka = deriveSessionKeysForTest(ID);
  const IV = Buffer.alloc(16, 7);
  const NONCE = h('00112233445566778899aabbccddeeff');
  const REAUTH_ID = '4reauth0001@nai.epc.mnc444.mcc555.3gppnetwork.org';
  const reauthKeys = { variant: 'aka' as const, kEncr: keysAka.kEncr, kAut: keysAka.kAut, reauthKey: keysAka.mk };

  function reauthSent(counter = 3, next?: string) {
    let s = start({ resolveIdentities: true });
    const r1 = step(s, { type: 'identity', identity: REAUTH_ID });
    assert.equal(r1.row, 'idle:resolve');
    assert.deepEqual(r1.actions, [{ type: 'resolve_identity', identity: REAUTH_ID, allowReauth: true }]);
    s = r1.state;
    const r2 = step(s, { type: 'identity_resolved', result: { kind: 'reauth', imsi: '555444333222111', counter, keys: reauthKeys, nonceS: NONCE, iv: IV, ...(next ? { nextReauthId: next } : {}) } });
    assert.equal(r2.row, 'resolve_wait:reauth');
    return { state: r2.state, request: (r2.actions[0] as { packet: Buffer }).packet };
  }
  /** The peer's EAP-Response/AKA-Reauthentication, built by hand: AT_ENCR_DATA{inner}, AT_MAC over packet ‖ NONCE_S. */
  function reauthResponse(identifier: number, inner: ReturnType<typeof attr.counter>[], opts: { nonce?: Buffer | null; subtype?: number } = {}) {
    const body = encodeEap({ code: 2, identifier, type: 23, subtype: opts.subtype ?? AkaSubtype.AKA_REAUTHENTICATION, attributes: [...encryptAttributes(keysAka.kEncr, IV, inner), attr.mac()] } as EapPacket);
    return signEap(body, keysAka.kAut, opts.nonce === null ? {} : { extra: opts.nonce ?? NONCE });
  }

  it('full authentication issues a pseudonym and a re-auth identity in AT_ENCR_DATA (AES-128-CBC under K_encr)', () => {
    let s = step(start(), { type: 'identity', identity: ID }).state;
    const r = step(s, { type: 'vector', vector: VECTOR, issue: { pseudonym: '2pseudo0001', reauthId: REAUTH_ID, iv: IV } });
    s = r.state;
    const p = decodeEap((r.actions[0] as { packet: Buffer }).packet);
    assert.ok(isAkaPacket(p));
    assert.deepEqual(p.attributes.map((x) => x.type), [1, 2, 129, 130, 11]);
    // decrypted independently with node:crypto
    const d = createDecipheriv('aes-128-cbc', keysAka.kEncr.reveal(), IV);
    d.setAutoPadding(false);
    const plain = Buffer.concat([d.update(read.encrData(p)!), d.final()]);
    assert.equal(plain[0], 132);
    assert.equal(plain.subarray(4, 4 + plain.readUInt16BE(2)).toString(), '2pseudo0001');
    const ok = step(s, { type: 'eap', packet: response(s.identifier, 1, [attr.res(VECTOR.xres), attr.mac()], true) });
    const a = ok.actions[0]!;
    assert.ok(a.type === 'success' && !a.reauth);
    assert.equal(a.issued?.pseudonym, '2pseudo0001');
    assert.equal(a.issued?.reauth?.id, REAUTH_ID);
    assert.equal(a.issued?.reauth?.counter, 0);
    assert.deepEqual(a.issued?.reauth?.keys.reauthKey.reveal(), keysAka.mk.reveal());
  });

  it('AKA-Reauthentication: AT_IV, AT_ENCR_DATA{AT_COUNTER, AT_NONCE_S, AT_NEXT_REAUTH_ID}, AT_MAC; keys per RFC 4187 §7', () => {
    const { state, request } = reauthSent(3, '4next@realm');
    const p = decodeEap(request);
    assert.ok(isAkaPacket(p) && p.subtype === AkaSubtype.AKA_REAUTHENTICATION);
    assert.deepEqual(p.attributes.map((x) => x.type), [129, 130, 11]);
    assert.ok(verifyAtMac(request, keysAka.kAut), 'request MAC is over the packet alone');
    const inner = decryptAttributes(keysAka.kEncr, read.iv(p)!, read.encrData(p)!);
    assert.equal(readInner.counter(inner), 3);
    assert.deepEqual(readInner.nonceS(inner), NONCE);
    assert.equal(readInner.nextReauthId(inner), '4next@realm');
    const r = step(state, { type: 'eap', packet: reauthResponse(state.identifier, [attr.counter(3)]) });
    assert.equal(r.row, 'reauth_sent:success');
    const a = r.actions[0]!;
    assert.ok(a.type === 'success' && a.reauth);
    // independent: XKEY' = SHA1(Identity ‖ counter ‖ NONCE_S ‖ MK), then the (vector-tested) FIPS 186-2 PRF
    const xkey = createHash('sha1').update(REAUTH_ID).update(Buffer.from([0, 3])).update(NONCE).update(keysAka.mk.reveal()).digest();
    const x = fips186Prf(xkey, 128);
    assert.deepEqual(a.msk.reveal(), x.subarray(0, 64));
    assert.deepEqual(a.emsk.reveal(), x.subarray(64, 128));
    assert.equal(a.issued?.reauth?.id, '4next@realm');
    assert.equal(a.issued?.reauth?.counter, 3);
    assert.deepEqual(a.packet, Buffer.from([3, state.identifier, 0, 4]));
  });

  it('EAP-AKA\' re-authentication keys: MK = PRF\'(K_re, "EAP-AKA\' re-auth" ‖ Identity ‖ counter ‖ NONCE_S) (RFC 5448 §3.3)', () => {
    const kRe = Buffer.alloc(32, 0x5a);
    const got = deriveReauthSessionKeys({ variant: 'aka-prime', kEncr: keysAka.kEncr, kAut: keysAka.kAut, reauthKey: new Secret(kRe) }, '8abc@x', 0x102, NONCE);
    const s = Buffer.concat([Buffer.from("EAP-AKA' re-auth"), Buffer.from('8abc@x'), Buffer.from([1, 2]), NONCE]);
    const t: Buffer[] = [];
    let prev = Buffer.alloc(0);
    for (let i = 1; i <= 4; i++) t.push((prev = createHmac('sha256', kRe).update(Buffer.concat([prev, s, Buffer.from([i])])).digest()));
    const mk = Buffer.concat(t);
    assert.deepEqual(got.msk.reveal(), mk.subarray(0, 64));
    assert.deepEqual(got.emsk.reveal(), mk.subarray(64, 128));
  });

  it('re-authentication refusals: counter too small → full authentication; bad MAC, counter, subtype, encryption → failure', () => {
    const { state } = reauthSent(5);
    const id = state.identifier;
    const small = step(state, { type: 'eap', packet: reauthResponse(id, [attr.counter(5), attr.counterTooSmall()]) });
    assert.equal(small.row, 'reauth_sent:counter_too_small');
    assert.deepEqual(small.actions, [{ type: 'need_vector', imsi: '555444333222111' }]);
    assert.equal(small.state.reauth, undefined);
    const cases: [Buffer, server.ServerRowId][] = [
      [reauthResponse(id, [attr.counter(5)], { nonce: null }), 'reauth_sent:bad_mac'],
      [reauthResponse(id, [attr.counter(4)]), 'reauth_sent:bad_counter'],
      [reauthResponse(id, [attr.nonceS(NONCE)]), 'reauth_sent:bad_counter'],
      [signEap(encodeEap({ code: 2, identifier: id, type: 23, subtype: 13, attributes: [attr.mac()] } as EapPacket), keysAka.kAut, { extra: NONCE }), 'reauth_sent:malformed'],
      [reauthResponse(id, [attr.counter(5)], { subtype: AkaSubtype.AKA_CHALLENGE }), 'reauth_sent:unexpected_subtype'],
      [response(id, AkaSubtype.AKA_CLIENT_ERROR, [attr.clientErrorCode(0)]), 'reauth_sent:client_error'],
      [Buffer.from([2, id, 0, 9, 23, 13, 0, 0, 1]), 'reauth_sent:malformed'],
      [encodeEap({ code: 1, identifier: id, type: 23, subtype: 13, attributes: [] } as EapPacket), 'reauth_sent:unexpected_code'],
      [encodeEap({ code: 2, identifier: id, type: 50, subtype: 13, attributes: [] } as EapPacket), 'reauth_sent:unexpected_type'],
      [encodeEap({ code: 2, identifier: id, type: 3, data: Buffer.from([23]) }), 'reauth_sent:nak'],
    ];
    for (const [packet, row] of cases) {
      const r = step(state, { type: 'eap', packet });
      assert.equal(r.row, row);
      assert.equal(r.state.phase, 'failure');
      assert.equal(r.state.reauth, undefined, 'keys dropped');
    }
    assert.equal(step(state, { type: 'eap', packet: reauthResponse((id + 1) & 0xff, [attr.counter(5)]) }).row, 'reauth_sent:discard');
    assert.equal(step(state, { type: 'tick' }, 1).row, 'reauth_sent:tick');
    assert.equal(step(state, { type: 'tick' }, 30_000).row, 'reauth_sent:timeout');
  });

  it('never throws on mutated re-authentication responses; only the genuine one succeeds (fast-check)', () => {
    const { state } = reauthSent(9);
    const golden = reauthResponse(state.identifier, [attr.counter(9)]);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(200), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (flips) => {
        const b = Buffer.from(golden);
        for (const [at, v] of flips) b[at % b.length] = v;
        const r = server.step(state, { type: 'eap', packet: b }, 0);
        assert.ok(['reauth_sent', 'vector_wait', 'success', 'failure'].includes(r.state.phase));
        if (r.state.phase === 'success') assert.deepEqual(b, golden, 'only the genuine response succeeds');
      }),
      { numRuns: 3000 },
    );
  });

  it('identity rules: known pseudonym → full auth; unknown → narrower ID request or failure; ID request limits the answer', () => {
    const rw = step(start({ resolveIdentities: true, identityRound: 'when-not-permanent' }), { type: 'identity', identity: REAUTH_ID }).state;
    assert.equal(step(rw, { type: 'tick' }, 1).row, 'resolve_wait:tick');
    assert.equal(step(rw, { type: 'tick' }, 30_000).row, 'resolve_wait:timeout');
    const full = step(rw, { type: 'identity_resolved', result: { kind: 'full', imsi: '555444333222111' } });
    assert.equal(full.row, 'resolve_wait:need_vector');
    assert.deepEqual(full.actions, [{ type: 'need_vector', imsi: '555444333222111' }]);
    // unknown re-auth identity → AT_FULLAUTH_ID_REQ (RFC 4187 §4.1.5)
    const u = step(rw, { type: 'identity_resolved', result: { kind: 'unknown' } });
    assert.equal(u.row, 'resolve_wait:identity_round');
    const q = decodeEap((u.actions[0] as { packet: Buffer }).packet);
    assert.ok(isAkaPacket(q) && read.idReq(q) === 'fullauth');
    // a re-auth identity in answer to FULLAUTH is refused; a pseudonym is resolved (re-auth not allowed)
    assert.equal(step(u.state, { type: 'eap', packet: response(u.state.identifier, 5, [attr.identity(REAUTH_ID)]) }).row, 'identity:identity_not_permanent');
    const ps = step(u.state, { type: 'eap', packet: response(u.state.identifier, 5, [attr.identity('2pseudo@x')]) });
    assert.equal(ps.row, 'identity:resolve');
    assert.deepEqual(ps.actions, [{ type: 'resolve_identity', identity: '2pseudo@x', allowReauth: false }]);
    // unknown pseudonym → AT_PERMANENT_ID_REQ, then nothing narrower is left
    const u2 = step(ps.state, { type: 'identity_resolved', result: { kind: 'unknown' } });
    const q2 = decodeEap((u2.actions[0] as { packet: Buffer }).packet);
    assert.ok(isAkaPacket(q2) && read.idReq(q2) === 'permanent');
    assert.equal(step(u2.state, { type: 'eap', packet: response(u2.state.identifier, 5, [attr.identity('2pseudo@x')]) }).row, 'identity:identity_not_permanent');
    const u3 = step({ ...u2.state, phase: 'resolve_wait' }, { type: 'identity_resolved', result: { kind: 'unknown' } });
    assert.equal(u3.row, 'resolve_wait:identity_unknown');
    // identityRound never: an unknown identity fails at once
    const nv = step(start({ resolveIdentities: true }), { type: 'identity', identity: '2nobody@x' }).state;
    assert.equal(step(nv, { type: 'identity_resolved', result: { kind: 'unknown' } }).row, 'resolve_wait:identity_unknown');
    // AT_ANY_ID_REQ admits a re-auth identity
    const any = step(start({ resolveIdentities: true, identityRound: 'always', firstIdRequest: 'any' }), { type: 'identity', identity: ID }).state;
    const ra = step(any, { type: 'eap', packet: response(any.identifier, 5, [attr.identity(REAUTH_ID)]) });
    assert.deepEqual(ra.actions, [{ type: 'resolve_identity', identity: REAUTH_ID, allowReauth: true }]);
  });

  it("EAP-AKA' Synchronization-Failure in both forms (AT_AUTS alone, RFC 5448; with the AT_KDF copy, RFC 9048 §3.2)", () => {
    let s = start({ variant: 'aka-prime', networkName: 'WLAN' });
    s = step(s, { type: 'identity', identity: '6555444333222111' }).state;
    s = step(s, { type: 'vector', vector: VECTOR }).state;
    const sync = (attributes: ReturnType<typeof attr.auts>[]) => encodeEap({ code: 2, identifier: s.identifier, type: 50, subtype: 4, attributes } as EapPacket);
    const auts = Buffer.alloc(14, 9);
    for (const form of [[attr.auts(auts)], [attr.auts(auts), attr.kdf(1)]]) {
      const r = step(s, { type: 'eap', packet: sync(form) });
      assert.equal(r.row, 'challenge_sent:resync');
      assert.deepEqual(r.actions, [{ type: 'need_vector', imsi: '555444333222111', resync: { rand: RAND, auts } }]);
    }
    assert.equal(step(s, { type: 'eap', packet: sync([attr.auts(auts), attr.kdf(2)]) }).row, 'challenge_sent:resync_bad_kdf');
  });

  after(() => {
    const missing = Object.keys(server.SERVER_ROWS).filter((d) => !seen.has(d));
    assert.deepEqual(missing, [], 'every declared row is exercised');
  });
});
