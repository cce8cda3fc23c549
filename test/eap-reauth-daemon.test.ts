/**
 * Pseudonyms and fast re-authentication (RFC 4187 §4.1, §5) end to end: a real daemon (startDaemon as
 * serve runs it, embedded store) runs the built-in AAA; its own SWm relay reaches it over TCP Diameter on
 * loopback; the test plays the phone with the peer state machine. Full authentication → fast
 * re-authentication; a used re-auth identity and a replayed response refused; a pseudonym answered; a
 * restart between full authentication and re-authentication falls back to full authentication without
 * a cluster secret and re-authenticates with one (docs/eap-aka.md § Pseudonyms and fast re-authentication).
 */
import { baseCode, codeOf } from '../src/codec/diameter/result.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startDaemon } from '../daemon/main.js';
import { createLogger } from '../daemon/logging.js';
import { testConfig } from './daemon-helpers.js';
import { encodeEap } from '../src/codec/eap/packet.js';
import { AkaSubtype, EapCode, EapType } from '../src/codec/eap/constants.js';
import { peerCarry, peerSqnMs, startPeer, stepPeer, type EapPeerState, type PeerCarry } from '../src/fsm/eap-aka-peer.js';
import type { AaaRelay } from '../src/ports.js';
import { Secret } from '../src/util/secret.js';

const SIM = { imsi: '001010000000001', k: new Secret(Buffer.from('465b5ce8b199b49faa5f0a2ee238a6bc', 'hex')), opc: new Secret(Buffer.from('cd63cb71954a9f4e48a5994e37a02baf', 'hex')) };

async function daemon(dir: string, sets: string[] = []) {
  const logs: string[] = [];
  const sink = new Writable({ write(chunk, _enc, cb) { logs.push(...String(chunk).split('\n').filter(Boolean)); cb(); } });
  const config = testConfig(dir, ['diameter.enabled=true', 'aaa.enabled=true', 'eap_aka.backend=swm', 'xcap.enabled=false', ...sets]);
  const d = await startDaemon(config, { logger: createLogger({ level: 'debug', pretty: false, destination: sink }), env: {} }); // wires the AAA as serve does
  const relay: AaaRelay = d.ctx.services.backends.aaaRelay!;
  return { d, relay, logs };
}

/** One EAP session over SWm, the phone answering with the peer state machine; every packet either way kept. */
async function authenticate(relay: AaaRelay, start: EapPeerState, opts: { replace?: (packet: Buffer, n: number) => Buffer } = {}) {
  let peer = start;
  const s = relay.open({ userName: start.identity });
  let packet = encodeEap({ code: EapCode.RESPONSE, identifier: 0, type: EapType.IDENTITY, data: Buffer.from(start.identity) });
  const codes: number[] = [];
  const fromPeer: Buffer[] = [];
  const subtypes: number[] = [];
  for (let i = 0; i < 8; i++) {
    const ans = await s.exchange(packet);
    codes.push(codeOf(ans.result));
    const payload = ans.eapPayload!;
    if (payload[0] === EapCode.REQUEST) subtypes.push(payload[5]!);
    const r = stepPeer(peer, { type: 'eap', packet: payload });
    peer = r.state;
    if (baseCode(ans.result) !== 1001) return { codes, peer, subtypes, fromPeer, success: r.actions.find((a) => a.type === 'success') };
    const send = r.actions.find((a) => a.type === 'send');
    assert.ok(send?.type === 'send', `peer answered: ${r.note ?? ''}`);
    packet = opts.replace ? opts.replace(send.packet, i) : send.packet;
    fromPeer.push(packet);
  }
  throw new Error('too many rounds');
}

const phone = (sqnMs: bigint, carry: PeerCarry = {}) => startPeer({ imsi: SIM.imsi, k: SIM.k, opc: SIM.opc, sqnMs, variant: 'aka' }, carry);

test('built-in AAA in a real daemon: full authentication → fast re-authentication; used identities and replays refused; pseudonym answered', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-reauth-'));
  const { d, relay, logs } = await daemon(dir);
  try {
    const full = await authenticate(relay, phone(0n));
    assert.deepEqual(full.codes, [1001, 2001]);
    assert.ok(full.success?.type === 'success' && !full.success.reauth);
    const carry = peerCarry(full.peer);
    assert.match(carry.pseudonym ?? '', /^2[0-9a-f]{32}@nai\.epc\.mnc001\.mcc001\.3gppnetwork\.org$/);
    assert.match(carry.reauth?.id ?? '', /^4[0-9a-f]{32}@/);

    // fast re-authentication: AKA-Reauthentication, no vector
    const sqnHe = (await d.ctx.services.subscribers.get(SIM.imsi))!.sqn;
    const re = await authenticate(relay, phone(peerSqnMs(full.peer), carry));
    assert.deepEqual(re.codes, [1001, 2001]);
    assert.deepEqual(re.subtypes, [AkaSubtype.AKA_REAUTHENTICATION]);
    assert.ok(re.success?.type === 'success' && re.success.reauth);
    assert.equal((await d.ctx.services.subscribers.get(SIM.imsi))!.sqn, sqnHe, 'no vector spent');
    assert.ok(logs.some((l) => l.includes('fast re-authentication success')), 'logged (at debug: one line per authentication, docs/architecture.md § Logging)');
    const next = peerCarry(re.peer);
    assert.equal(next.reauth?.counter, 1);

    // the same re-auth identity again: unknown → AT_FULLAUTH_ID_REQ → the pseudonym → full authentication
    const again = await authenticate(relay, phone(peerSqnMs(re.peer), carry));
    assert.deepEqual(again.subtypes, [AkaSubtype.AKA_IDENTITY, AkaSubtype.AKA_CHALLENGE]);
    assert.deepEqual(again.codes, [1001, 1001, 2001]);
    assert.ok(again.success?.type === 'success' && !again.success.reauth);

    // a replayed re-authentication response (old counter, old NONCE_S) is refused: 4001 + EAP-Failure
    const fresh = peerCarry(again.peer);
    const replay = await authenticate(relay, phone(peerSqnMs(again.peer), fresh), { replace: () => re.fromPeer[0]! });
    assert.deepEqual(replay.codes, [1001, 4001]);
    assert.equal(replay.success, undefined);

    // a pseudonym alone: resolved to the IMSI, straight to AKA-Challenge
    const ps = await authenticate(relay, phone(peerSqnMs(again.peer), { pseudonym: fresh.pseudonym! }));
    assert.deepEqual(ps.subtypes, [AkaSubtype.AKA_CHALLENGE]);
    assert.ok(ps.success?.type === 'success');
  } finally {
    await d.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const secret of [false, true]) {
  test(`restart between full authentication and re-authentication (embedded store, ${secret ? 'with' : 'no'} cluster secret): ${secret ? 're-authenticates' : 'falls back to full authentication'}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omnisep-reauth-'));
    const sets = secret ? ['storage.cluster_secret=reauth-test-cluster-secret-0123456789'] : [];
    let a = await daemon(dir, sets);
    try {
      const full = await authenticate(a.relay, phone(0n));
      assert.deepEqual(full.codes, [1001, 2001]);
      await a.d.close();
      a = await daemon(dir, sets);
      const re = await authenticate(a.relay, phone(peerSqnMs(full.peer), peerCarry(full.peer)));
      assert.equal(re.codes.at(-1), 2001);
      assert.ok(re.success?.type === 'success');
      if (secret) {
        assert.ok(re.success.reauth);
        assert.deepEqual(re.subtypes, [AkaSubtype.AKA_REAUTHENTICATION]);
      } else {
        assert.ok(!re.success.reauth, 'keys sealed with the old process key do not open: full authentication');
        assert.deepEqual(re.subtypes, [AkaSubtype.AKA_CHALLENGE]);
      }
    } finally {
      await a.d.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
