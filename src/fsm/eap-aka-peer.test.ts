import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { AkaSubtype, attr, decodeEap, describeEap, EapCode, encodeEap, isAkaPacket, read, signEap, type EapPacket } from '../codec/eap/index.js';
import { generateVector, recoverSqnFromAuts } from '../crypto/milenage.js';
import { makeSqn, seqOf } from '../aka/sqn.js';
import { Secret } from '../util/secret.js';
import { runExchange, type MilenageSubscriber } from './eap-aka-driver.js';
import * as peer from './eap-aka-peer.js';
import { startServer, step, type EapServerConfig } from './eap-aka-server.js';

const h = (s: string) => Buffer.from(s, 'hex');
const K = new Secret(h('5122250214c33e723a5dd523fc145fc0'));
const OPC = new Secret(h('981d464c7c52eb6e5036234984ad0bcf'));
const IMSI = '001010000000001';
let counter = 0;
/** Deterministic RANDs: a hash counter, so the tests are reproducible. */
const rand = () => createHash('sha256').update(`rand-${counter++}`).digest().subarray(0, 16);
const sub = (sqn: bigint, amf = 0x8000): MilenageSubscriber => ({ k: K, opc: OPC, amf, sqn });
const AKA: EapServerConfig = { variant: 'aka', maxResync: 3, timeoutMs: 30_000, identityRound: 'never' };
const PRIME: EapServerConfig = { variant: 'aka-prime', networkName: 'WLAN', maxResync: 3, timeoutMs: 30_000, identityRound: 'never' };
const mkPeer = (variant: 'aka' | 'aka-prime', sqnMs: bigint, extra: Partial<peer.EapPeerConfig> = {}) =>
  peer.startPeer({ imsi: IMSI, k: K, opc: OPC, sqnMs, variant, ...extra });

const seen = new Set<string>();
/** Record the peer transitions taken (wraps stepPeer through the exchange's results). */
function recordPeer(wire: { from: string; packet: Buffer }[], start: peer.EapPeerState) {
  let s = start;
  for (const w of wire) {
    if (w.from !== 'server') continue;
    const before = s.phase;
    const r = peer.stepPeer(s, { type: 'eap', packet: w.packet });
    seen.add(`${before}|${r.state.phase}`);
    s = r.state;
  }
}
const kinds = (wire: { from: string; packet: Buffer }[]) => wire.map((w) => {
  const d = describeEap(w.packet);
  return `${w.from}:${d.subtype_name ?? d.type_name ?? d.code_name}`;
});

describe('server and peer against each other (in-process)', () => {
  for (const variant of ['aka', 'aka-prime'] as const) {
    it(`${variant}: completes, both sides hold the same MSK/EMSK, the first packet is the challenge`, async () => {
      const p0 = mkPeer(variant, 0n, variant === 'aka' ? {} : { networkName: 'WLAN' });
      const r = await runExchange({ server: variant === 'aka' ? AKA : PRIME, peer: p0, sub: sub(0n), rand });
      recordPeer(r.wire, p0);
      assert.deepEqual([r.server.phase, r.peer.phase], ['success', 'success']);
      const ss = r.outcomes.find((a) => a.type === 'success');
      const ps = r.peerActions.find((a) => a.type === 'success');
      assert.ok(ss?.type === 'success' && ps?.type === 'success');
      assert.deepEqual(ss.msk.reveal(), ps.msk.reveal());
      assert.deepEqual(ss.emsk.reveal(), ps.emsk.reveal());
      assert.equal(ss.imsi, IMSI);
      assert.equal(ss.identity, `${variant === 'aka' ? '0' : '6'}001010000000001@nai.epc.mnc001.mcc001.3gppnetwork.org`);
      assert.deepEqual(kinds(r.wire), ['server:AKA_CHALLENGE', 'peer:AKA_CHALLENGE', 'server:SUCCESS']);
      assert.equal(peer.peerSqnMs(r.peer), r.sqnHe);
      const ch = decodeEap(r.wire[0]!.packet);
      assert.ok(isAkaPacket(ch) && ch.type === (variant === 'aka' ? 23 : 50));
      if (variant === 'aka-prime') assert.equal(read.kdfInput(ch), 'WLAN');
    });
  }

  for (const variant of ['aka', 'aka-prime'] as const) {
    it(`${variant}: SQN out of range → AUTS → HE resync → fresh challenge → success`, async () => {
      const ahead = makeSqn(5000n, 3);
      const p0 = mkPeer(variant, ahead);
      const r = await runExchange({ server: variant === 'aka' ? AKA : PRIME, peer: p0, sub: sub(makeSqn(10n, 0)), rand });
      recordPeer(r.wire, p0);
      assert.deepEqual(kinds(r.wire), [
        'server:AKA_CHALLENGE', 'peer:AKA_SYNCHRONIZATION_FAILURE', 'server:AKA_CHALLENGE', 'peer:AKA_CHALLENGE', 'server:SUCCESS',
      ]);
      assert.equal(r.server.phase, 'success');
      assert.equal(r.server.resyncCount, 1);
      assert.equal(seqOf(r.sqnHe), 5001n, 'SQN_HE moved above SQN_MS');
      // the AUTS on the wire carries SQN_MS under f5* and a valid MAC-S
      const sync = decodeEap(r.wire[1]!.packet);
      assert.ok(isAkaPacket(sync));
      assert.deepEqual(read.kdfs(sync), variant === 'aka' ? [] : [1], "AKA' sync failure repeats AT_KDF");
      const first = decodeEap(r.wire[0]!.packet);
      assert.ok(isAkaPacket(first));
      assert.deepEqual(recoverSqnFromAuts({ k: K, opc: OPC, rand: read.rand(first)!, auts: read.auts(sync)! }), { sqnMs: ahead, ok: true });
    });
  }

  it('protected result indication end to end: Challenge, Notification Success (AT_MAC both ways), EAP-Success', async () => {
    const p0 = mkPeer('aka-prime', 0n);
    const r = await runExchange({ server: { ...PRIME, resultInd: true }, peer: p0, sub: sub(0n), rand });
    assert.deepEqual(kinds(r.wire), ['server:AKA_CHALLENGE', 'peer:AKA_CHALLENGE', 'server:AKA_NOTIFICATION', 'peer:AKA_NOTIFICATION', 'server:SUCCESS']);
    assert.deepEqual([r.server.phase, r.peer.phase], ['success', 'success']);
  });

  it('a replayed challenge is refused by SQN (sync failure), a fresh one accepted', async () => {
    const p0 = mkPeer('aka', 0n);
    const r1 = await runExchange({ server: AKA, peer: p0, sub: sub(0n), rand });
    const replay = r1.wire[0]!.packet;
    const r = peer.stepPeer({ ...r1.peer, phase: 'idle' }, { type: 'eap', packet: replay });
    assert.equal(r.state.phase, 'sync_failure');
    assert.equal(r.note?.startsWith('sync_failure'), true);
  });

  it('resync is bounded: a USIM that never accepts ends in failure after maxResync', async () => {
    const p0 = mkPeer('aka', makeSqn(1n << 40n, 0), { sqnWindow: { delta: 0n } });
    // Δ = 0 and a HE that cannot go above SQN_MS + 0: every challenge is "too far ahead"
    const r = await runExchange({ server: { ...AKA, maxResync: 2 }, peer: p0, sub: sub(0n), rand });
    assert.equal(r.server.phase, 'failure');
    assert.equal(r.server.failure?.reason, 'resync_limit');
    assert.equal(r.peer.phase, 'failure');
  });

  it('a tampered AUTS is rejected by MAC-S at the HE → failure resync_failed', async () => {
    const p0 = mkPeer('aka', makeSqn(900n, 0));
    const r = await runExchange({
      server: AKA, peer: p0, sub: sub(0n), rand,
      tamper: (b, i) => { if (i === 0) { const c = Buffer.from(b); c[c.length - 1]! ^= 1; return c; } return b; },
    });
    assert.equal(r.server.failure?.reason, 'resync_failed');
  });

  it('a rejected response: a flipped RES bit fails MAC at the server; the peer ends in failure', async () => {
    const p0 = mkPeer('aka', 0n);
    const r = await runExchange({
      server: AKA, peer: p0, sub: sub(0n), rand,
      tamper: (b) => { const c = Buffer.from(b); c[13]! ^= 1; return c; },
    });
    assert.equal(r.server.phase, 'failure');
    assert.equal(r.server.failure?.reason, 'bad_mac');
    assert.equal(r.peer.phase, 'failure');
    assert.deepEqual(kinds(r.wire).at(-1), 'server:FAILURE');
  });

  it('a rejected response: right MAC, wrong RES (the HE vector disagrees) → bad_res', () => {
    let s = startServer(AKA, 0);
    let p = mkPeer('aka', 0n);
    s = step(s, { type: 'identity', identity: p.identity }, 0).state;
    const v = generateVector({ k: K, opc: OPC, amf: 0x8000, sqn: makeSqn(1n, 1), rand: rand() });
    const r1 = step(s, { type: 'vector', vector: { ...v, xres: Buffer.alloc(8, 0xee) } }, 0);
    const pr = peer.stepPeer(p, { type: 'eap', packet: (r1.actions[0] as { packet: Buffer }).packet });
    p = pr.state;
    const r2 = step(r1.state, { type: 'eap', packet: (pr.actions[0] as { packet: Buffer }).packet }, 0);
    assert.equal((r2.actions[0] as { reason: string }).reason, 'bad_res');
    const end = peer.stepPeer(p, { type: 'eap', packet: (r2.actions[0] as { packet: Buffer }).packet });
    assert.deepEqual(end.actions, [{ type: 'failure', reason: 'EAP-Failure' }]);
  });

  it('a USIM with another K sees a bad MAC-A → AKA-Authentication-Reject → server failure', async () => {
    const p0 = peer.startPeer({ imsi: IMSI, k: new Secret(Buffer.alloc(16, 1)), opc: OPC, sqnMs: 0n, variant: 'aka' });
    const r = await runExchange({ server: AKA, peer: p0, sub: sub(0n), rand });
    recordPeer(r.wire, p0);
    assert.deepEqual(kinds(r.wire), ['server:AKA_CHALLENGE', 'peer:AKA_AUTHENTICATION_REJECT', 'server:FAILURE']);
    assert.equal(r.server.failure?.reason, 'authentication_reject');
    assert.equal(r.peer.failureReason, 'MAC-A mismatch');
  });

  it('identity round with AT_CHECKCODE: peer answers AT_IDENTITY, both hash the AKA-Identity packets', async () => {
    for (const variant of ['aka', 'aka-prime'] as const) {
      const p0 = mkPeer(variant, 0n);
      const cfg = { ...(variant === 'aka' ? AKA : PRIME), identityRound: 'when-not-permanent' as const };
      const r = await runExchange({ server: cfg, peer: p0, sub: sub(0n), rand, identity: '2pseudonym@example.org' });
      recordPeer(r.wire, p0);
      assert.deepEqual(kinds(r.wire), ['server:AKA_IDENTITY', 'peer:AKA_IDENTITY', 'server:AKA_CHALLENGE', 'peer:AKA_CHALLENGE', 'server:SUCCESS']);
      const resp = decodeEap(r.wire[3]!.packet);
      assert.ok(isAkaPacket(resp) && read.checkcode(resp)!.length === (variant === 'aka' ? 20 : 32));
      assert.equal(r.server.phase, 'success');
    }
  });
});

describe('EAP-AKA peer checks', () => {
  const vec = (amf = 0x8000, sqn = makeSqn(2n, 2)) => generateVector({ k: K, opc: OPC, amf, sqn, rand: rand() });
  /** A challenge request built and signed the way the server would. */
  function challenge(variant: 'aka' | 'aka-prime', opts: { amf?: number; kdfs?: number[]; name?: string; bidding?: boolean; badMac?: boolean; extra?: ReturnType<typeof attr.rand>[] } = {}) {
    const cfg = variant === 'aka' ? { ...AKA, bidding: opts.bidding } : { ...PRIME, networkName: opts.name ?? 'WLAN' };
    let s = startServer(cfg, 0);
    const p = mkPeer(variant, 0n);
    s = step(s, { type: 'identity', identity: p.identity }, 0).state;
    let packet = (step(s, { type: 'vector', vector: vec(opts.amf) }, 0).actions[0] as { packet: Buffer }).packet;
    if (opts.kdfs || opts.extra) {
      const d = decodeEap(packet);
      assert.ok(isAkaPacket(d));
      const attrs = d.attributes.filter((a) => !(opts.kdfs && a.type === 24));
      const at = attrs.findIndex((a) => a.type === 11);
      attrs.splice(at, 0, ...(opts.kdfs ?? []).map((k) => attr.kdf(k)), ...(opts.extra ?? []));
      packet = encodeEap({ ...d, attributes: attrs });
    }
    if (opts.badMac) packet[packet.length - 1]! ^= 1;
    return { packet, peer: p };
  }
  const subtypeOf = (r: peer.EapPeerStep) => {
    const d = decodeEap((r.actions[0] as { packet: Buffer }).packet);
    return isAkaPacket(d) ? d.subtype : -1;
  };

  it("AKA': KDF list [2, 1] → the peer proposes KDF 1; a list without 1 → reject", () => {
    const c = challenge('aka-prime', { kdfs: [2, 1] });
    const r = peer.stepPeer(c.peer, { type: 'eap', packet: c.packet });
    const d = decodeEap((r.actions[0] as { packet: Buffer }).packet);
    assert.ok(isAkaPacket(d) && d.subtype === AkaSubtype.AKA_CHALLENGE);
    assert.deepEqual(read.kdfs(d), [1]);
    assert.equal(read.mac(d), undefined);
    assert.deepEqual(r.state.negotiatedKdfs, [2, 1]);
    seen.add(`${c.peer.phase}|${r.state.phase}`);
    // the server's next challenge may only prepend the selected KDF to the same list
    const changed = challenge('aka-prime', { kdfs: [1, 2] });
    assert.equal(peer.stepPeer(r.state, { type: 'eap', packet: changed.packet }).state.failureReason, 'KDF list changed after negotiation (bidding down)');
    const same = challenge('aka-prime', { kdfs: [1, 2, 1], badMac: true });
    assert.equal(peer.stepPeer(r.state, { type: 'eap', packet: same.packet }).state.failureReason, 'server AT_MAC does not verify', 'KDF checks passed');
    const dup = challenge('aka-prime', { kdfs: [1, 1] });
    assert.equal(peer.stepPeer(dup.peer, { type: 'eap', packet: dup.packet }).state.failureReason, 'duplicated KDF in AT_KDF list');
    const none = challenge('aka-prime', { kdfs: [3] });
    assert.equal(subtypeOf(peer.stepPeer(none.peer, { type: 'eap', packet: none.packet })), AkaSubtype.AKA_AUTHENTICATION_REJECT);
  });

  it("AKA': a network name other than the expected one, or AMF without the separation bit → reject", () => {
    const c = challenge('aka-prime', { name: 'HRPD' });
    const p = { ...c.peer, cfg: { ...c.peer.cfg, networkName: 'WLAN' } };
    const r = peer.stepPeer(p, { type: 'eap', packet: c.packet });
    assert.equal(subtypeOf(r), AkaSubtype.AKA_AUTHENTICATION_REJECT);
    assert.match(r.state.failureReason!, /network name/);
    const a = challenge('aka-prime', { amf: 0x0000 });
    const r2 = peer.stepPeer(a.peer, { type: 'eap', packet: a.packet });
    assert.equal(r2.state.failureReason, 'AMF separation bit not set');
  });

  it('AT_BIDDING D on an EAP-AKA challenge is refused by a peer that supports EAP-AKA\' (bidding down)', () => {
    const c = challenge('aka', { bidding: true });
    assert.equal(peer.stepPeer(c.peer, { type: 'eap', packet: c.packet }).state.phase, 'challenge');
    const p = { ...c.peer, cfg: { ...c.peer.cfg, supportsAkaPrime: true } };
    assert.equal(subtypeOf(peer.stepPeer(p, { type: 'eap', packet: c.packet })), AkaSubtype.AKA_AUTHENTICATION_REJECT);
  });

  it("a bad server AT_MAC → AKA-Client-Error (and the USIM has still moved SQN)", () => {
    const c = challenge('aka', { badMac: true });
    const r = peer.stepPeer(c.peer, { type: 'eap', packet: c.packet });
    assert.equal(subtypeOf(r), AkaSubtype.AKA_CLIENT_ERROR);
    assert.equal(r.state.failureReason, 'server AT_MAC does not verify');
    assert.equal(seqOf(r.state.sqn.highest), 2n);
  });

  it('unknown non-skippable attribute → Client-Error; unknown skippable ones are ignored', () => {
    const bad = challenge('aka', { extra: [{ type: 99, data: Buffer.alloc(2) }] });
    assert.equal(subtypeOf(peer.stepPeer(bad.peer, { type: 'eap', packet: bad.packet })), AkaSubtype.AKA_CLIENT_ERROR);
  });

  it('answers EAP-Request/Identity and AKA-Identity, drops garbage, Naks other methods', () => {
    const p = mkPeer('aka', 0n);
    const r = peer.stepPeer(p, { type: 'eap', packet: encodeEap({ code: 1, identifier: 9, type: 1, data: Buffer.alloc(0) }) });
    assert.deepEqual(decodeEap((r.actions[0] as { packet: Buffer }).packet), { code: 2, identifier: 9, type: 1, data: Buffer.from(p.identity) });
    seen.add(`idle|${r.state.phase}`);
    const ai = peer.stepPeer(p, { type: 'eap', packet: encodeEap({ code: 1, identifier: 3, type: 23, subtype: 5, attributes: [attr.anyIdReq()] } as EapPacket) });
    const d = decodeEap((ai.actions[0] as { packet: Buffer }).packet);
    assert.ok(isAkaPacket(d) && read.identity(d) === p.identity);
    const noreq = peer.stepPeer(p, { type: 'eap', packet: encodeEap({ code: 1, identifier: 3, type: 23, subtype: 5, attributes: [] } as EapPacket) });
    assert.equal(subtypeOf(noreq), AkaSubtype.AKA_CLIENT_ERROR);
    const g = peer.stepPeer(p, { type: 'eap', packet: Buffer.from([1, 2, 0, 99]) });
    assert.deepEqual(g.actions, []);
    assert.equal(g.state, p);
    const nak = peer.stepPeer(p, { type: 'eap', packet: encodeEap({ code: 1, identifier: 4, type: 4, data: Buffer.alloc(1) }) });
    assert.deepEqual(decodeEap((nak.actions[0] as { packet: Buffer }).packet), { code: 2, identifier: 4, type: 3, data: Buffer.from([23]) });
    const unk = peer.stepPeer(p, { type: 'eap', packet: encodeEap({ code: 1, identifier: 4, type: 23, subtype: 13, attributes: [] } as EapPacket) });
    assert.equal(subtypeOf(unk), AkaSubtype.AKA_CLIENT_ERROR);
    const stray = peer.stepPeer(p, { type: 'eap', packet: encodeEap({ code: 2, identifier: 4, type: 1, data: Buffer.alloc(0) }) });
    assert.deepEqual([stray.state, stray.actions], [p, []]);
    const succ = peer.stepPeer(p, { type: 'eap', packet: Buffer.from([3, 1, 0, 4]) });
    assert.deepEqual(succ.actions, [{ type: 'failure', reason: 'unexpected EAP-Success' }]);
    assert.ok(r.decoded && 'type' in r.decoded);
  });

  it('AKA-Notification: P bit → answered without MAC; after the challenge → answered with AT_MAC', () => {
    const p = mkPeer('aka', 0n);
    const n = peer.stepPeer(p, { type: 'eap', packet: encodeEap({ code: 1, identifier: 5, type: 23, subtype: 12, attributes: [attr.notification(16384)] } as EapPacket) });
    assert.equal(n.state.phase, 'notification');
    assert.equal(subtypeOf(n), AkaSubtype.AKA_NOTIFICATION);
    seen.add(`idle|notification`);
    // after an answered challenge, a success notification (S bit, no P bit) must carry AT_MAC
    const c = challenge('aka');
    const answered = peer.stepPeer(c.peer, { type: 'eap', packet: c.packet }).state;
    const kAut = answered.pending!.kAut;
    const req = signEap(encodeEap({ code: 1, identifier: 6, type: 23, subtype: 12, attributes: [attr.notification(32768), attr.mac()] } as EapPacket), kAut);
    const ok = peer.stepPeer(answered, { type: 'eap', packet: req });
    const d = decodeEap((ok.actions[0] as { packet: Buffer }).packet);
    assert.ok(isAkaPacket(d) && read.mac(d) !== undefined);
    assert.equal(ok.state.phase, 'challenge');
    const unsigned = encodeEap({ code: 1, identifier: 6, type: 23, subtype: 12, attributes: [attr.notification(0), attr.mac()] } as EapPacket);
    assert.equal(subtypeOf(peer.stepPeer(answered, { type: 'eap', packet: unsigned })), AkaSubtype.AKA_CLIENT_ERROR);
    // EAP-Success after it releases the keys
    const s = peer.stepPeer(ok.state, { type: 'eap', packet: Buffer.from([3, 6, 0, 4]) });
    assert.equal(s.actions[0]!.type, 'success');
    // terminal phases ignore packets
    assert.deepEqual(peer.stepPeer(s.state, { type: 'eap', packet: Buffer.from([4, 6, 0, 4]) }).actions, []);
  });

  it('describeEap is exported for the simulator and redacts AT_MAC/AT_RES', () => {
    const c = challenge('aka');
    const r = peer.stepPeer(c.peer, { type: 'eap', packet: c.packet });
    const text = JSON.stringify(peer.describeEap((r.actions[0] as { packet: Buffer }).packet));
    assert.match(text, /AT_RES/);
    assert.match(text, /\[REDACTED\]/);
    assert.ok(!text.includes((r.actions[0] as { packet: Buffer }).packet.subarray(-16).toString('hex')));
    const shown = inspect(r.state, { depth: 10 });
    assert.ok(!shown.includes('51222502') && !shown.includes('51 22 25 02') && !shown.includes('98 1d 46 4c'), 'Ki/OPc never printed');
    assert.match(inspect(r.state, { depth: 10 }), /\[REDACTED\]/);
  });

  it('never throws on mutated server packets: every outcome is a declared transition (fast-check)', () => {
    const golden = [challenge('aka').packet, challenge('aka-prime').packet, encodeEap({ code: 1, identifier: 5, type: 23, subtype: 12, attributes: [attr.notification(0), attr.mac()] } as EapPacket)];
    fc.assert(
      fc.property(fc.nat(golden.length - 1), fc.array(fc.tuple(fc.nat(200), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.boolean(), (g, flips, prime) => {
        const b = Buffer.from(golden[g]!);
        for (const [at, v] of flips) b[at % b.length] = v;
        const r = peer.stepPeer(mkPeer(prime ? 'aka-prime' : 'aka', 0n), { type: 'eap', packet: b });
        assert.ok(Array.isArray(r.actions));
      }),
      { numRuns: 3000 },
    );
  });

  after(() => {
    // Each declared peer transition family was walked by at least one test above.
    const wanted = ['idle|challenge', 'challenge|success', 'idle|sync_failure', 'sync_failure|challenge', 'idle|rejected', 'rejected|failure', 'idle|identity', 'identity|challenge', 'idle|notification', 'idle|idle'];
    assert.deepEqual(wanted.filter((w) => !seen.has(w)), []);
    assert.ok(peer.peerTransitions.length > 40);
  });
});
