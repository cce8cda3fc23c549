/**
 * The `swm` back-end: omnisep relays to a 3GPP AAA. The AAA here is an
 * in-process AaaRelay running the EAP server state machine the way the
 * built-in AAA does (DEA 1001/2001/4001, Experimental-Result 5001), and it
 * asks AKA-Identity first, which omnisep must answer itself: the phone's
 * first packet is always an AKA-Challenge.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AaaUnavailableError, type AaaAnswer, type AaaRelay, type AaaRelaySession } from '../src/ports.js';
import { startServer, type EapServerState } from '../src/fsm/eap-aka-server.js';
import { driveEapServer, type EapDriveInput } from '../src/fsm/eap-aka-driver.js';
import { RelayBackend } from '../src/services/eap-auth/backends.js';
import { decodeEap, isAkaPacket, AkaSubtype } from '../src/codec/eap/index.js';
import type { SessionView } from '../src/contracts/sessions.js';
import { SIM1, TestVectorSource, naiOf, runUe, startHarness } from './ts43-harness.js';
import { valuesOf } from './store-helpers.js';

class FakeAaa implements AaaRelay {
  seen: Buffer[] = [];
  /** AKA-Identity request/response of the last session, in order (what AT_CHECKCODE covers, RFC 4187 §10.13). */
  identityPackets: Buffer[] = [];
  down = false;
  n = 0;
  constructor(readonly vectors: TestVectorSource) {}
  /** The EAP state lives in the AAA per Session-Id: a resumed session (next POST, any daemon) continues it. */
  readonly sessions = new Map<string, AaaRelaySession>();
  open(opts: { userName: string; resume?: { sessionId: string } }): AaaRelaySession {
    const known = opts.resume ? this.sessions.get(opts.resume.sessionId) : undefined;
    if (known) return known;
    const s = this.#create(opts);
    this.sessions.set(s.sessionId, s);
    return s;
  }
  #create(opts: { userName: string }): AaaRelaySession {
    const sessionId = `aaa.test;${++this.n};${opts.userName}`;
    let state: EapServerState = startServer({ variant: 'aka', maxResync: 3, timeoutMs: 30000, identityRound: 'always' }, Date.now());
    const self = this;
    let started = false;
    return {
      sessionId,
      close() {},
      async exchange(packet: Buffer): Promise<AaaAnswer> {
        if (self.down) throw new AaaUnavailableError('no peer answered');
        self.seen.push(packet);
        let input: EapDriveInput;
        if (!started) {
          started = true;
          self.identityPackets = [];
          const p = decodeEap(packet);
          input = { type: 'identity', identity: 'data' in p ? p.data.toString('utf8') : '' };
        } else {
          const p = decodeEap(packet);
          if (isAkaPacket(p) && p.subtype === AkaSubtype.AKA_IDENTITY) self.identityPackets.push(packet);
          input = { type: 'eap', packet };
        }
        const r = await driveEapServer(state, input, { vectors: self.vectors, now: Date.now });
        state = r.state;
        const o = r.outcome;
        if (o.type === 'request') {
          const p = decodeEap(o.packet);
          if (isAkaPacket(p) && p.subtype === AkaSubtype.AKA_IDENTITY) self.identityPackets.push(o.packet);
          return { result: { resultCode: 1001 }, eapPayload: o.packet, msk: null, sessionId };
        }
        if (o.type === 'success') return { result: { resultCode: 2001 }, eapPayload: o.packet, msk: o.msk, sessionId };
        if (o.type === 'failure' && o.reason === 'user_unknown') return { result: { experimental: { vendorId: 10415, code: 5001 } }, eapPayload: null, msk: null, sessionId };
        if (o.type === 'failure') return { result: { resultCode: 4001 }, eapPayload: o.packet, msk: null, sessionId };
        throw new Error('AAA produced nothing');
      },
    };
  }
}

test('swm: AKA-Identity answered by omnisep with AT_IDENTITY = EAP_ID; the phone sees AKA-Challenge first', async () => {
  const vectors = new TestVectorSource([SIM1]);
  const aaa = new FakeAaa(vectors);
  const h = await startHarness({ backend: new RelayBackend(aaa) });
  try {
    // The AAA's AT_CHECKCODE covers the AKA-Identity round omnisep answered for the phone; a strict
    // RFC 4187 peer needs those packets (Android ignores AT_CHECKCODE — docs/ts43.md).
    const r = await runUe({ url: h.url, ...SIM1, apps: ['ap2004'], preparePeer: (p) => ({ ...p, identityPackets: [...aaa.identityPackets] }) });
    const first = Buffer.from(JSON.parse(r.steps[0]!.body)['eap-relay-packet'], 'base64');
    const p = decodeEap(first);
    assert.ok(isAkaPacket(p) && p.subtype === AkaSubtype.AKA_CHALLENGE, 'first packet relayed is AKA-Challenge');
    // what omnisep sent the AAA: Identity, then AKA-Identity response carrying the EAP_ID, then the phone's challenge response
    assert.equal(aaa.seen.length, 3);
    const idResp = decodeEap(aaa.seen[1]!);
    assert.ok(isAkaPacket(idResp) && idResp.subtype === AkaSubtype.AKA_IDENTITY);
    assert.ok(aaa.seen[1]!.includes(Buffer.from(naiOf(SIM1.imsi))));
    assert.equal(r.final.status, 200);
    assert.match(r.final.contentType, /connectivity-xml/);
    assert.doesNotMatch(r.final.body, /eap-relay-packet/, 'never an EAP-Success packet');
    const s = (await valuesOf<SessionView>(h.ctx.store, 'sessions'))[0]!;
    assert.equal(s.state, 'completed');
    assert.equal(s.backend, 'swm');
    assert.match(s.aaa_session_id!, /^aaa\.test;1;/);
  } finally {
    await h.close();
  }
});

test('swm: resync rounds are relayed; user unknown (5001) → 403; AAA down → 503 + Retry-After', async () => {
  const vectors = new TestVectorSource([SIM1]);
  const aaa = new FakeAaa(vectors);
  const h = await startHarness({ backend: new RelayBackend(aaa) });
  try {
    const resync = await runUe({ url: h.url, ...SIM1, sqnMs: 1n << 22n, preparePeer: (p) => ({ ...p, identityPackets: [...aaa.identityPackets] }) });
    assert.equal(resync.steps.length, 3);
    assert.equal(resync.final.status, 200);
    const unknown = await runUe({ url: h.url, imsi: '001019999999999', k: SIM1.k, opc: SIM1.opc });
    assert.equal(unknown.final.status, 403);
    aaa.down = true;
    const down = await runUe({ url: h.url, ...SIM1 });
    assert.equal(down.final.status, 503);
    assert.equal(down.final.headers.get('retry-after'), '30');
    const failed = (await valuesOf<SessionView>(h.ctx.store, 'sessions')).filter((s) => s.state === 'failed');
    assert.equal(failed.length, 2);
  } finally {
    await h.close();
  }
});
