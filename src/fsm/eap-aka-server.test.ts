import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { AkaSubtype, attr, decodeEap, EapCode, encodeEap, isAkaPacket, read, signEap, verifyAtMac, type EapPacket } from '../codec/eap/index.js';
import { generateVector } from '../crypto/milenage.js';
import { deriveAkaKeys } from '../crypto/aka-keys.js';
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
      { type: 'eap', packet: Buffer.alloc(4) }, { type: 'tick' },
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
    assert.equal(refused, 45 - 18, '18 declared pairs, the other 27 refused');
    // every row's (from, event) has a handler
    for (const [id, row] of Object.entries(server.SERVER_ROWS)) {
      if (row.event === 'any') continue;
      assert.ok((server.SERVER_TRANSITIONS[row.from] as Record<string, unknown>)[row.event], id);
    }
  });

  after(() => {
    const missing = Object.keys(server.SERVER_ROWS).filter((d) => !seen.has(d));
    assert.deepEqual(missing, [], 'every declared row is exercised');
  });
});
