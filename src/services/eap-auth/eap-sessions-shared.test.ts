/**
 * Sessions across daemons (issue 11; docs/eap-aka.md § Sessions across daemons): two EapAuthService
 * instances — two daemons — sharing one store. The first request reaches A, the POST reaches B.
 * Real EAP-AKA: the server state machine over Milenage vectors, a USIM (the peer state machine) answering.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createMemoryStore } from '../../store/memory-store.js';
import { openCollection } from '../../store/collections.js';
import { deriveSealKey } from '../../crypto/seal.js';
import { MilenageVectorSource } from '../../fsm/eap-aka-driver.js';
import { startPeer, stepPeer, type EapPeerState } from '../../fsm/eap-aka-peer.js';
import { Secret } from '../../util/secret.js';
import { AaaUnavailableError, type AaaAnswer, type AaaRelay, type AaaRelaySession, type Store } from '../../ports.js';
import { FsmBackend, RelayBackend, type EapBackend } from './backends.js';
import { EapAuthService, type EapLimit, type EapLimits, type SessionRequestContext } from './eap-auth-service.js';
import { openEapServer, driveEapServer } from '../../fsm/eap-aka-driver.js';

const K = new Secret(Buffer.from('5122250214c33e723a5dd523fc145fc0', 'hex'));
const OPC = new Secret(Buffer.from('981d464c7c52eb6e5036234984ad0bcf', 'hex'));
const IMSI = '001010000000001';
const ctxOf = (peer: EapPeerState, ip = '192.0.2.1'): SessionRequestContext => ({
  eap_id: peer.identity, imsi: IMSI, terminal_id: 't1', terminal_vendor: null, terminal_model: null, terminal_sw_version: null,
  app_name: null, app_version: null, entitlement_version: '2.0', vers: 0, apps: ['ap2004'], user_agent: 'ua', client_ip: ip,
});
const meta = { user_agent: 'ua', terminal_id: 't1' };

function cluster(opts: { secretA?: string; secretB?: string; backend?: () => EapBackend; limits?: Partial<EapLimits>; store?: Store } = {}) {
  let now = 1_000_000;
  const store = opts.store ?? createMemoryStore();
  let c = 0;
  const source = new MilenageVectorSource({ k: K, opc: OPC, amf: 0x8000, sqn: 0n }, () => createHash('sha256').update(`r${c++}`).digest().subarray(0, 16));
  const backend = opts.backend ?? (() => new FsmBackend('local', source, { variant: 'aka', maxResync: 2, timeoutMs: 30_000, now: () => now }));
  const refused: EapLimit[] = [];
  const daemon = (secret?: string) => new EapAuthService({
    store, clock: { now: () => now }, random: { bytes: randomBytes, uuid: randomUUID }, backend: backend(), timeoutMs: 30_000,
    ...(secret ? { sealKey: deriveSealKey(secret, 'eap_state') } : {}),
    limits: { clientRatePerS: 1000, clientBurst: 1000, ...opts.limits }, onLimit: (l) => refused.push(l),
  });
  return { store, a: daemon(opts.secretA ?? 'cluster secret'), b: daemon(opts.secretB ?? 'cluster secret'), refused, advance: (ms: number) => (now += ms) };
}

const usim = (variant: 'aka' | 'aka-prime' = 'aka') => startPeer({ imsi: IMSI, k: K, opc: OPC, sqnMs: 0n, variant, networkName: 'WLAN' });

test('first request on daemon A, POST on daemon B: the session completes; no key in eap_state in clear', async () => {
  for (const variant of ['aka', 'aka-prime'] as const) {
    const c = cluster();
    const peer = usim(variant);
    const first = await c.a.start(ctxOf(peer));
    assert.ok(first.kind === 'challenge' && first.cookie, JSON.stringify(first));
    const [key, rec] = (await openCollection<Record<string, unknown>>(c.store, 'eap_state').scan({ prefix: 's:' }))[0]!;
    assert.equal(key, `s:${first.session.id}`);
    const text = JSON.stringify(rec);
    assert.ok(!text.includes(first.cookie.reveal().slice(0, 32)), 'the cookie secret is not stored');
    assert.match(text, /"keys_sealed":"s1\./);
    const pr = stepPeer(peer, { type: 'eap', packet: first.packet });
    const res = pr.actions.find((x) => x.type === 'send') as { packet: Buffer };
    const done = await c.b.respond(first.cookie.reveal(), res.packet, meta);
    assert.equal(done.kind, 'success', variant);
    await c.b.complete(first.session.id);
    assert.equal((await c.a.get(first.session.id))?.state, 'completed');
    assert.deepEqual(await openCollection(c.store, 'eap_state').scan({}), [], 'state and IMSI slot gone');
  }
});

test('a sealed state does not open on a daemon with another cluster secret: 511, start over', async () => {
  const c = cluster({ secretB: 'another secret' });
  const peer = usim();
  const first = await c.a.start(ctxOf(peer));
  assert.ok(first.kind === 'challenge');
  const res = stepPeer(peer, { type: 'eap', packet: first.packet }).actions.find((x) => x.type === 'send') as { packet: Buffer };
  const r = await c.b.respond(first.cookie!.reveal(), res.packet, meta);
  assert.ok(r.kind === 'failed' && r.status === 511, JSON.stringify(r));
  assert.equal((await c.a.get(first.session.id))?.state, 'failed');
});

test('one response POSTed to both daemons at once runs once: the other gets 409 (atomic claim)', async () => {
  const c = cluster();
  const peer = usim();
  const first = await c.a.start(ctxOf(peer));
  assert.ok(first.kind === 'challenge');
  const res = stepPeer(peer, { type: 'eap', packet: first.packet }).actions.find((x) => x.type === 'send') as { packet: Buffer };
  const [x, y] = await Promise.all([c.a.respond(first.cookie!.reveal(), res.packet, meta), c.b.respond(first.cookie!.reveal(), res.packet, meta)]);
  assert.deepEqual([x.kind, y.kind].sort(), ['invalid', 'success']);
  const inv = [x, y].find((r) => r.kind === 'invalid')!;
  assert.ok(inv.kind === 'invalid' && (inv.status === 409 || inv.status === 400));
});

test('deleted on daemon B, the next POST on A gets 511; a wrong cookie secret gets 511', async () => {
  const c = cluster();
  const peer = usim();
  const first = await c.a.start(ctxOf(peer));
  assert.ok(first.kind === 'challenge');
  const cookie = first.cookie!.reveal();
  const res = stepPeer(peer, { type: 'eap', packet: first.packet }).actions.find((x) => x.type === 'send') as { packet: Buffer };
  const forged = `${'A'.repeat(32)}${cookie.slice(32)}`;
  assert.equal((await c.a.respond(forged, res.packet, meta)).kind, 'failed');
  assert.ok(await c.b.delete(first.session.id));
  const r = await c.a.respond(cookie, res.packet, meta);
  assert.ok(r.kind === 'failed' && r.status === 511);
});

test('swm: daemon B continues the same Diameter session (same Session-Id, same AAA)', async () => {
  // An AAA holding EAP state per Session-Id, as a real one does.
  const servers = new Map<string, Awaited<ReturnType<typeof openEapServer>>>();
  let c = 0;
  const source = new MilenageVectorSource({ k: K, opc: OPC, amf: 0x8000, sqn: 0n }, () => createHash('sha256').update(`s${c++}`).digest().subarray(0, 16));
  const opened: { sessionId: string; resumed: boolean; server: string | undefined }[] = [];
  let n = 0;
  const relay: AaaRelay = {
    open({ userName, resume }): AaaRelaySession {
      const sessionId = resume?.sessionId ?? `aaa.example;1;${++n}`;
      opened.push({ sessionId, resumed: !!resume, server: resume?.server });
      let server = resume?.server;
      return {
        sessionId,
        get server() { return server; },
        close() {},
        async exchange(packet: Buffer): Promise<AaaAnswer> {
          server = 'aaa1.example';
          const st = servers.get(sessionId);
          const r = st
            ? await driveEapServer(st, { type: 'eap', packet }, { vectors: source, now: () => 0 })
            : await driveEapServer(openEapServer(userName, { defaultVariant: 'aka', maxResync: 2, timeoutMs: 60_000, identityRound: 'never' }, 0), { type: 'identity', identity: userName }, { vectors: source, now: () => 0 });
          servers.set(sessionId, r.state);
          const o = r.outcome;
          if (o.type === 'request') return { result: { resultCode: 1001 }, eapPayload: o.packet, msk: null, sessionId };
          if (o.type === 'success') return { result: { resultCode: 2001 }, eapPayload: o.packet, msk: o.msk, sessionId };
          throw new AaaUnavailableError('no');
        },
      };
    },
  };
  const cl = cluster({ backend: () => new RelayBackend(relay) });
  const peer = usim();
  const first = await cl.a.start(ctxOf(peer));
  assert.ok(first.kind === 'challenge', JSON.stringify(first));
  const res = stepPeer(peer, { type: 'eap', packet: first.packet }).actions.find((x) => x.type === 'send') as { packet: Buffer };
  const done = await cl.b.respond(first.cookie!.reveal(), res.packet, meta);
  assert.equal(done.kind, 'success');
  assert.deepEqual(opened, [{ sessionId: 'aaa.example;1;1', resumed: false, server: undefined }, { sessionId: 'aaa.example;1;1', resumed: true, server: 'aaa1.example' }]);
  assert.equal((await cl.b.get(first.session.id))?.aaa_session_id, 'aaa.example;1;1');
});

test('limits: per IMSI across daemons, per client address, in total; each refusal 503 + Retry-After and counted', async () => {
  const c = cluster({ limits: { maxPerImsi: 2, maxSessions: 3, clientRatePerS: 1, clientBurst: 3 } });
  const peer = usim();
  const ok1 = await c.a.start(ctxOf(peer, '10.0.0.1'));
  const ok2 = await c.b.start(ctxOf(peer, '10.0.0.2'));
  assert.deepEqual([ok1.kind, ok2.kind], ['challenge', 'challenge']);
  const third = await c.a.start(ctxOf(peer, '10.0.0.3'));
  assert.ok(third.kind === 'failed' && third.status === 503 && third.limit === 'imsi' && third.retryAfter === 30, JSON.stringify(third));
  // a finished session frees its slot
  assert.ok(ok1.kind === 'challenge');
  const res = stepPeer(peer, { type: 'eap', packet: ok1.packet }).actions.find((x) => x.type === 'send') as { packet: Buffer };
  assert.equal((await c.b.respond(ok1.cookie!.reveal(), res.packet, meta)).kind, 'success');
  assert.equal((await c.a.start(ctxOf(usim(), '10.0.0.3'))).kind, 'challenge');
  assert.deepEqual(c.refused, ['imsi']);
  // abandoned sessions time out in sweep and free their slots
  c.advance(31_000);
  const swept = await c.a.sweep();
  assert.equal(swept.timedOut, 2, JSON.stringify(swept));
  assert.deepEqual(await openCollection(c.store, 'eap_state').scan({}), []);
});

test('limits: per client address (token bucket) and in total per daemon; 503 + Retry-After, counted', async () => {
  const other = (i: number, ip: string) => ({ ...ctxOf(usim(), ip), imsi: `00101000000010${i}` });
  const r = cluster({ limits: { clientRatePerS: 1, clientBurst: 3 } });
  const rs = [];
  for (let i = 0; i < 4; i++) rs.push(await r.b.start(other(i, '10.9.9.9')));
  assert.deepEqual(rs.map((x) => (x.kind === 'failed' ? `${x.status}:${x.limit}:${x.retryAfter}` : x.kind)), ['challenge', 'challenge', 'challenge', '503:client_rate:1']);
  assert.equal((await r.b.start(other(5, '10.9.9.8'))).kind, 'challenge', 'another address has its own bucket');
  r.advance(1000);
  assert.equal((await r.b.start(other(6, '10.9.9.9'))).kind, 'challenge', 'refilled after 1 s');
  assert.deepEqual(r.refused, ['client_rate']);

  const t = cluster({ limits: { maxSessions: 2 } });
  assert.equal((await t.a.start(other(1, '10.0.0.1'))).kind, 'challenge');
  assert.equal((await t.a.start(other(2, '10.0.0.1'))).kind, 'challenge');
  const over = await t.a.start(other(3, '10.0.0.1'));
  assert.ok(over.kind === 'failed' && over.status === 503 && over.limit === 'total' && over.retryAfter === 30);
  assert.equal((await t.b.start(other(3, '10.0.0.1'))).kind, 'challenge', 'the total cap counts the sessions this daemon started');
  t.advance(31_000);
  assert.equal((await t.a.start(other(4, '10.0.0.1'))).kind, 'challenge', 'expired sessions no longer count');
  assert.deepEqual(t.refused, ['total']);
});

test('finished sessions are kept no longer than keep_finished_ms', async () => {
  let now = 5_000_000;
  const store = createMemoryStore();
  const source = new MilenageVectorSource({ k: K, opc: OPC, amf: 0x8000, sqn: 0n }, () => randomBytes(16));
  const svc = new EapAuthService({
    store, clock: { now: () => now }, random: { bytes: randomBytes, uuid: randomUUID }, timeoutMs: 30_000, keepFinishedMs: 60_000,
    backend: new FsmBackend('local', source, { variant: 'aka', maxResync: 2, timeoutMs: 30_000, now: () => now }),
  });
  const r = await svc.start({ ...ctxOf(usim()), imsi: '999990000000001', eap_id: '0999990000000001@x' });
  assert.ok(r.kind === 'challenge');
  now += 31_000;
  await svc.sweep();
  assert.equal((await svc.get(r.session.id))?.state, 'failed');
  now += 59_000;
  assert.equal((await svc.sweep()).pruned, 0);
  now += 2_000;
  assert.equal((await svc.sweep()).pruned, 1);
  assert.equal(await svc.get(r.session.id), undefined);
});
