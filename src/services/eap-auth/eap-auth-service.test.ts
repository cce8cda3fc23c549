import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { openCollection } from '../../store/collections.js';
import { createMemoryStore } from '../../store/memory-store.js';
import { AkaSubtype, EapCode, EapType, encodeEap } from '../../codec/eap/index.js';
import type { SessionView } from '../../contracts/sessions.js';
import type { DaemonEvent } from '../../contracts/events.js';
import type { BackendOutcome, BackendSession, EapBackend, SavedBackendSession } from './backends.js';
import { EapAuthService, type SessionRequestContext } from './eap-auth-service.js';

const challenge = (id: number) => encodeEap({ code: EapCode.REQUEST, identifier: id, type: EapType.AKA, subtype: AkaSubtype.AKA_CHALLENGE, attributes: [] });
const response = (id: number) => encodeEap({ code: EapCode.RESPONSE, identifier: id, type: EapType.AKA, subtype: AkaSubtype.AKA_CHALLENGE, attributes: [] });

/** A scripted back-end: each call takes the next outcome; `gate` holds a respond() open. */
class Scripted implements EapBackend {
  readonly name = 'local' as const;
  gate: Promise<void> | null = null;
  constructor(private readonly script: BackendOutcome[]) {}
  open(): BackendSession {
    const next = async () => {
      if (this.gate) await this.gate;
      return this.script.shift() ?? { type: 'failure' as const, cause: 'rejected' as const, result: null, detail: 'script ended' };
    };
    const save = (): SavedBackendSession => ({ kind: 'relay', identity: 'scripted', aaa_session_id: 'scripted' });
    return { aaaSessionId: null, start: next, respond: next, save, close: () => {} };
  }
  resume(): BackendSession {
    return this.open();
  }
}

const ctx: SessionRequestContext = {
  eap_id: '0001010000000001@nai.epc', imsi: '001010000000001', terminal_id: 't', terminal_vendor: null, terminal_model: null,
  terminal_sw_version: null, app_name: null, app_version: null, entitlement_version: '2', vers: 0, apps: ['ap2004'], user_agent: 'ua', client_ip: null,
};

function setup(script: BackendOutcome[], extra: { limits?: { maxSessions: number } } = {}) {
  let now = 1_000_000;
  const store = createMemoryStore();
  const backend = new Scripted(script);
  const svc = new EapAuthService({ store, clock: { now: () => now }, random: { bytes: randomBytes, uuid: randomUUID }, backend, timeoutMs: 30_000, ...extra });
  return { svc, store, backend, advance: (ms: number) => (now += ms), sessions: () => svc.list() };
}

test('the live session count is bounded: beyond it → 503, nothing stored', async () => {
  const t = setup([{ type: 'challenge', packet: challenge(1) }, { type: 'challenge', packet: challenge(1) }], { limits: { maxSessions: 1 } });
  assert.equal((await t.svc.start(ctx)).kind, 'challenge');
  const r = await t.svc.start(ctx);
  assert.deepEqual(r.kind === 'failed' ? [r.status, r.retryAfter] : [], [503, 30]);
  assert.equal((await t.sessions()).length, 1);
});

test('a second POST while one is in flight → 409; the first completes', async () => {
  const t = setup([{ type: 'challenge', packet: challenge(7) }, { type: 'success' }]);
  const first = await t.svc.start(ctx);
  assert.ok(first.kind === 'challenge' && first.cookie);
  const cookie = first.kind === 'challenge' ? first.cookie!.reveal() : '';
  let open!: () => void;
  t.backend.gate = new Promise((r) => (open = r));
  const a = t.svc.respond(cookie, response(7), { user_agent: 'ua', terminal_id: null });
  const b = await t.svc.respond(cookie, response(7), { user_agent: 'ua', terminal_id: null });
  assert.deepEqual(b.kind === 'invalid' ? b.status : 0, 409);
  open();
  const ra = await a;
  assert.equal(ra.kind, 'success');
  await t.svc.complete(ra.kind === 'success' ? ra.session.id : '');
  assert.equal((await t.sessions())[0]!.state, 'completed');
  assert.ok((await t.sessions())[0]!.completed_at);
});

test('sweep times out sessions in flight and prunes old finished ones; recover fails stored in-flight sessions', async () => {
  const t = setup([{ type: 'challenge', packet: challenge(1) }]);
  await t.svc.start(ctx);
  t.advance(30_000);
  assert.deepEqual(await t.svc.sweep(), { timedOut: 1, pruned: 0 });
  assert.equal((await t.sessions())[0]!.state, 'failed');
  assert.equal((await t.sessions())[0]!.failure_reason, 'timeout');
  t.advance(3_600_001);
  assert.deepEqual(await t.svc.sweep(), { timedOut: 0, pruned: 1 });
  assert.equal((await t.sessions()).length, 0);

  await openCollection<SessionView>(t.store, 'sessions').put('old', { session_id: 'old', imsi: null, state: 'challenge_sent', created_at: 1, eap_id: 1, aaa_session_id: null, completed_at: null });
  const fresh = new EapAuthService({ store: t.store, clock: { now: () => 5 }, random: { bytes: randomBytes, uuid: randomUUID }, backend: t.backend, timeoutMs: 30_000 });
  assert.equal(await fresh.recover(), 1);
  assert.equal((await openCollection<SessionView>(t.store, 'sessions').get('old'))!.failure_reason, 'daemon restarted');
});

test('an admin delete drops a live session at once: its POST gets 511, the view goes, a deleted event is emitted', async () => {
  let now = 1_000_000;
  const store = createMemoryStore();
  const events: DaemonEvent[] = [];
  const backend = new Scripted([{ type: 'challenge', packet: challenge(3) }, { type: 'success' }]);
  const svc = new EapAuthService({ store, clock: { now: () => now }, random: { bytes: randomBytes, uuid: randomUUID }, events: { emit: (e) => events.push(e) }, backend, timeoutMs: 30_000 });
  const first = await svc.start(ctx);
  assert.ok(first.kind === 'challenge' && first.cookie);
  const id = first.session.id;
  assert.equal(svc.liveCount, 1);
  assert.equal((await svc.listByImsi(ctx.imsi)).length, 1);
  const gone = await svc.delete(id);
  assert.equal(gone?.session_id, id);
  assert.equal(svc.liveCount, 0, 'dropped from memory at once, not on the next POST');
  assert.equal(await svc.get(id), undefined);
  const ev = events.at(-1);
  assert.ok(ev && ev.kind === 'session' && ev.change === 'deleted' && ev.session.session_id === id);
  const r = await svc.respond(first.cookie!.reveal(), response(3), { user_agent: 'ua', terminal_id: null });
  assert.deepEqual(r.kind === 'failed' ? r.status : 0, 511);
  assert.equal(await svc.get(id), undefined, 'never resurrected');
  assert.equal(await svc.delete(id), undefined, 'a second delete finds nothing');
  now += 1;
});

test('a view deleted between a POST\'s state read and its back-end step (a racing admin delete): 511 after the step, nothing left, never resurrected', async () => {
  for (const outcome of [{ type: 'success' }, { type: 'challenge', packet: challenge(4) }, { type: 'failure', cause: 'rejected', result: null, detail: 'wrong RES' }] as BackendOutcome[]) {
    const t = setup([{ type: 'challenge', packet: challenge(3) }, outcome]);
    const first = await t.svc.start(ctx);
    assert.ok(first.kind === 'challenge' && first.cookie);
    const id = first.session.id;
    // The admin's delete takes the view first and the state record after it; the POST runs between the two.
    assert.equal(await openCollection<SessionView>(t.store, 'sessions').delete(id), true);
    const r = await t.svc.respond(first.cookie!.reveal(), response(3), { user_agent: 'ua', terminal_id: null });
    assert.ok(r.kind === 'failed' && r.status === 511 && /deleted/.test(r.reason), `${outcome.type}: ${JSON.stringify(r)}`);
    assert.equal(await t.svc.get(id), undefined, 'never resurrected');
    assert.equal(t.svc.liveCount, 0, 'the session is over on this daemon');
    const state = openCollection<{ kind: string }>(t.store, 'eap_state');
    assert.deepEqual([await state.get(`s:${id}`), await state.get(`imsi:${ctx.imsi}`)], [undefined, undefined], `${outcome.type}: state record and IMSI slot gone`);
    const again = await t.svc.respond(first.cookie!.reveal(), response(3), { user_agent: 'ua', terminal_id: null });
    assert.ok(again.kind === 'failed' && again.status === 511, 'the cookie is dead');
  }
});

test('a pseudonym / re-auth EAP_ID (imsi unknown): bound to the IMSI the back-end names; none named or another IMSI → 503', async () => {
  const temp: SessionRequestContext = { ...ctx, eap_id: '4abc@nai.epc', imsi: '' };
  const run = async (c: SessionRequestContext, success: BackendOutcome) => {
    const t = setup([{ type: 'challenge', packet: challenge(3) }, success]);
    const first = await t.svc.start(c);
    assert.ok(first.kind === 'challenge');
    assert.equal(first.session.view.imsi, c.imsi || null, 'the view has no IMSI until the back-end names it');
    return { r: await t.svc.respond(first.cookie!.reveal(), response(3), { user_agent: 'ua', terminal_id: 't' }), t };
  };
  const ok = await run(temp, { type: 'success', imsi: '001010000000001', reauth: true });
  assert.ok(ok.r.kind === 'success');
  assert.equal(ok.r.session.context.imsi, '001010000000001');
  assert.equal(ok.r.reauth, true);
  assert.equal((await ok.t.svc.listByImsi('001010000000001'))[0]?.imsi, '001010000000001');

  const unnamed = await run(temp, { type: 'success' });
  assert.ok(unnamed.r.kind === 'failed');
  assert.deepEqual([unnamed.r.status, unnamed.r.retryAfter], [503, 30]);
  assert.match(unnamed.r.reason, /Mobile-Node-Identifier/);

  const other = await run(ctx, { type: 'success', imsi: '001010000000002' });
  assert.ok(other.r.kind === 'failed' && other.r.status === 503 && /another IMSI/.test(other.r.reason));
  const same = await run(ctx, { type: 'success', imsi: ctx.imsi });
  assert.equal(same.r.kind, 'success');
});

test('sweep: with more kept views than a sweep\'s budget, each sweep looks at a share and carries on where it stopped; every view is dropped within one round', async () => {
  let now = 10_000_000;
  const store = createMemoryStore();
  const views = openCollection<SessionView>(store, 'sessions');
  const keep = 600_000;
  const svc = new EapAuthService({ store, clock: { now: () => now }, random: { bytes: randomBytes, uuid: randomUUID }, backend: new Scripted([]), timeoutMs: 30_000, keepFinishedMs: keep });
  const N = 90_000; // 60 sweeps a round: 1,500 views a sweep
  await views.putMany(Array.from({ length: N }, (_, i) => {
    const id = `v${String(i).padStart(6, '0')}`;
    return [id, { session_id: id, imsi: null, state: 'completed', created_at: 1, eap_id: 1, aaa_session_id: null, completed_at: now }] as [string, SessionView];
  }));
  now += keep + 1;
  const [first, same] = await Promise.all([svc.sweep(), svc.sweep()]);
  assert.equal(first.pruned, 1_500, 'one sweep: a sixtieth of the views');
  assert.equal(same, first, 'a sweep called while one runs shares it');
  let rounds = 1;
  while ((await views.count()) > 0) { await svc.sweep(); rounds++; assert.ok(rounds <= 61, 'within a round'); }
  assert.equal(rounds, 60);
  // Few views: all of them every sweep, as before.
  await views.put('late', { session_id: 'late', imsi: null, state: 'completed', created_at: 1, eap_id: 1, aaa_session_id: null, completed_at: now });
  now += keep + 1;
  assert.equal((await svc.sweep()).pruned, 1);
});

test('respond: the state record is checked and the step claimed in one update, with no read before it; refusals keep their order', async () => {
  const t = setup([{ type: 'challenge', packet: challenge(5) }, { type: 'challenge', packet: challenge(6) }]);
  const calls: string[] = [];
  const state = t.store.collection<unknown>('eap_state');
  for (const m of ['get', 'getShared', 'update', 'put', 'delete', 'take'] as const) {
    const f = (state as unknown as Record<string, (...a: unknown[]) => unknown>)[m]!.bind(state);
    (state as unknown as Record<string, unknown>)[m] = (...a: unknown[]) => { calls.push(`${m} ${String(a[0]).slice(0, 2)}`); return f(...a); };
  }
  const first = await t.svc.start(ctx);
  assert.ok(first.kind === 'challenge');
  const cookie = first.cookie!.reveal();
  const meta = { user_agent: 'ua', terminal_id: 't' };
  calls.length = 0;
  // Refusals, each with what the record and the packet say, in the order: terminal (403), packet (400), identifier (400).
  const other = await t.svc.respond(cookie, Buffer.from([1, 2]), { user_agent: 'other', terminal_id: 't' });
  assert.deepEqual(other.kind === 'invalid' ? [other.status, other.reason] : other, [403, 'session cookie presented by another terminal']);
  const bad = await t.svc.respond(cookie, Buffer.from([1, 2]), meta);
  assert.ok(bad.kind === 'invalid' && bad.status === 400 && /^eap-relay-packet: /.test(bad.reason), JSON.stringify(bad));
  const request = await t.svc.respond(cookie, challenge(5), meta);
  assert.deepEqual(request.kind === 'invalid' ? [request.status, request.reason] : request, [400, 'eap-relay-packet is not an EAP-Response']);
  const wrongId = await t.svc.respond(cookie, response(4), meta);
  assert.deepEqual(wrongId.kind === 'invalid' ? [wrongId.status, wrongId.reason] : wrongId, [400, 'EAP packet does not belong to this session (identifier mismatch)']);
  assert.deepEqual(calls, ['update s:', 'update s:', 'update s:', 'update s:'], 'each refusal: one update that wrote nothing, no read');
  // A session gone answers 511 before the packet is looked at.
  const forged = await t.svc.respond(`${'A'.repeat(32)}${first.session.id}`, Buffer.from([1]), meta);
  assert.ok(forged.kind === 'failed' && forged.status === 511);
  calls.length = 0;
  const next = await t.svc.respond(cookie, response(5), meta);
  assert.equal(next.kind, 'challenge');
  assert.deepEqual(calls, ['update s:', 'put s:'], 'the claim, then the next challenge\'s record: no read');
  t.advance(30_001);
  const late = await t.svc.respond(cookie, response(6), meta);
  assert.ok(late.kind === 'failed' && late.status === 511 && /timed out/.test(late.reason));
  const view = (await t.sessions())[0];
  assert.deepEqual([view?.state, view?.failure_reason], ['failed', 'timeout']);
});
