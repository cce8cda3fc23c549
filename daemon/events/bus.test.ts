import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus } from './bus.js';
import type { DaemonEvent } from '../../src/contracts/events.js';
import { initialState, monitorReducer, type MonitorState } from '../../src/ui/monitor-state.js';

const activityEvent = (imsi: string, type = 'entitlement_query'): DaemonEvent => ({
  kind: 'activity', at: 'now',
  record: { id: imsi, timestamp: 'now', request_type: type, request_method: 'GET', request_path: '/', imsi, msisdn: null, terminal_id: null, terminal_vendor: null, terminal_model: null, terminal_sw_version: null, client_ip: null, user_agent: null, auth_method: null, response_status: 200, response_code: 200, app_ids: [], request_headers: {}, request_body: null, response_body: null, response_summary: {} },
});
const rates: DaemonEvent = { kind: 'rates', at: 'now', requests_per_second: 1, errors_per_second: 0, eap_success: 0, eap_failure: 0 };

test('filters by imsi, kind and activity type', () => {
  const bus = new EventBus(() => 0);
  const a = bus.subscribe({ imsi: '1' });
  const b = bus.subscribe({ kinds: ['rates'] });
  const c = bus.subscribe({ types: ['xcap'] });
  bus.emit(activityEvent('1'));
  bus.emit(activityEvent('2', 'xcap'));
  bus.emit(rates);
  assert.deepEqual(a.drain().map((e) => e.kind), ['activity', 'rates']);
  assert.deepEqual(b.drain().map((e) => e.kind), ['rates']);
  assert.deepEqual(c.drain().map((e) => (e.kind === 'activity' ? e.record.imsi : e.kind)), ['2', 'rates']);
});

test('a slow subscriber loses the overflow, gets one dropped event, and never blocks emit', () => {
  const bus = new EventBus(() => 0);
  const s = bus.subscribe({}, { max: 3 });
  for (let i = 0; i < 10; i++) bus.emit(activityEvent(String(i)));
  const got = s.drain();
  assert.deepEqual(got[0], { kind: 'dropped', at: new Date(0).toISOString(), count: 7 });
  assert.equal(got.length, 4);
  assert.equal(s.dropped, 7);
  assert.deepEqual(s.drain(), []);
});

test('async iteration ends when closed; closeAll ends every stream', async () => {
  const bus = new EventBus();
  const s = bus.subscribe();
  const seen: string[] = [];
  const loop = (async () => { for await (const e of s) seen.push(e.kind); })();
  bus.emit(rates);
  await new Promise((r) => setImmediate(r));
  bus.closeAll();
  await loop;
  assert.deepEqual(seen, ['rates']);
  assert.equal(bus.subscriberCount, 0);
});

test('gather: resolves once the asked number of events is buffered, else when the time is up, or at once when closed', async () => {
  const bus = new EventBus(() => 0);
  const s = bus.subscribe({}, { max: 10 });
  const ev = (n: number): DaemonEvent => activityEvent(`00101000000000${n}`);
  // Count reached: resolves long before the (one minute) interval.
  const t0 = Date.now();
  const early = s.gather(60_000, 3);
  for (let i = 0; i < 3; i++) bus.emit(ev(i));
  await early;
  assert.ok(Date.now() - t0 < 30_000);
  assert.equal(s.drain().length, 3);
  // Interval up with fewer events: resolves, and what came is there.
  bus.emit(ev(9));
  await s.gather(20, 5);
  assert.equal(s.drain().length, 1);
  // Already enough buffered: at once. Closing ends a pending gather.
  for (let i = 0; i < 5; i++) bus.emit(ev(i));
  await s.gather(60_000, 5);
  const pending = s.gather(60_000, 50);
  s.close();
  await pending;
  assert.equal(s.closed, true);
});

test('an encoding subscription buffers each matching event as encode made it when emitted, the dropped notice too', () => {
  const bus = new EventBus(() => 0);
  const encoded: string[] = [];
  const s = bus.subscribe({ imsi: '1' }, { max: 2, encode: (e: DaemonEvent) => { const line = `${JSON.stringify(e)}\n`; encoded.push(line); return line; } });
  const ev = activityEvent('1') as { record: { request_path: string } };
  bus.emit(ev as DaemonEvent);
  ev.record.request_path = '/changed-after-emit'; // the line was made at emit: the buffer does not see this
  bus.emit(activityEvent('2')); // filtered out: never encoded
  for (let i = 0; i < 3; i++) bus.emit(activityEvent('1'));
  assert.equal(encoded.length, 2, 'encoded at emit, only what was kept');
  const got = s.drain();
  assert.equal(got.length, 3);
  assert.deepEqual(JSON.parse(got[0]!), { kind: 'dropped', at: new Date(0).toISOString(), count: 2 });
  assert.equal(JSON.parse(got[1]!).record.request_path, '/');
  assert.ok(got.every((l) => l.endsWith('\n')));
});

test('sample: at most that many activity records a second, spread evenly; the rest counted in one sampled event; other kinds all pass', () => {
  let now = 1_000_000;
  const bus = new EventBus(() => now);
  const s = bus.subscribe({}, { sample: 10 });
  const all = bus.subscribe();
  // A full bucket (one second's worth) passes a burst of 10, then nothing until it refills.
  for (let i = 0; i < 25; i++) bus.emit(activityEvent(String(i)));
  bus.emit(rates);
  let got = s.drain();
  assert.deepEqual(got[0], { kind: 'sampled', at: new Date(now).toISOString(), count: 15, per_second: 10 });
  assert.deepEqual(got.slice(1).map((e) => (e.kind === 'activity' ? e.record.imsi : e.kind)), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'rates']);
  assert.equal(s.sampledOut, 15);
  assert.equal(s.dropped, 0, 'left out by the sample is not a loss of a slow reader');
  assert.equal(all.drain().length, 26, 'a subscriber without sample gets every record');
  // Sustained 1,000 a second for two seconds: one record every 100 ms, evenly, 20 in all.
  const kept: number[] = [];
  for (let ms = 0; ms < 2000; ms++) {
    now += 1;
    bus.emit(activityEvent(String(ms)));
    for (const e of s.drain()) if (e.kind === 'activity') kept.push(ms);
  }
  assert.equal(kept.length, 20);
  const gaps = kept.slice(1).map((t, i) => t - kept[i]!);
  assert.ok(gaps.every((g) => g === 100), `evenly spread: ${gaps.join(',')}`);
  assert.equal(s.sampledOut, 15 + 1980);
  // Below the rate, after a quiet spell: every record passes, nothing is reported.
  now += 5_000;
  for (let i = 0; i < 5; i++) { now += 200; bus.emit(activityEvent(`q${i}`)); }
  got = s.drain();
  assert.deepEqual(got.map((e) => e.kind), ['activity', 'activity', 'activity', 'activity', 'activity']);
});

test('sample applies after the filters: a reader of one IMSI is sampled on that IMSI\'s records only', () => {
  const bus = new EventBus(() => 0);
  const s = bus.subscribe({ imsi: '7' }, { sample: 2 });
  for (let i = 0; i < 10; i++) { bus.emit(activityEvent('1')); bus.emit(activityEvent('7')); }
  const got = s.drain();
  assert.deepEqual(got.map((e) => e.kind), ['sampled', 'activity', 'activity']);
  assert.equal(got[0]!.kind === 'sampled' && got[0]!.count, 8);
});

test('a reader waiting on an idle stream wakes for a sampled report', async () => {
  const bus = new EventBus(() => 0);
  const s = bus.subscribe({}, { sample: 1 });
  bus.emit(activityEvent('1'));
  s.drain();
  const woke = s.wait();
  bus.emit(activityEvent('2'));
  await woke;
  assert.deepEqual(s.drain().map((e) => e.kind), ['sampled']);
});

const sessionEvent = (id: string, change: 'created' | 'updated' | 'deleted', state = 'challenged'): DaemonEvent => ({
  kind: 'session', at: 'now', change,
  session: { session_id: id, imsi: '001010000000001', state, created_at: 0, eap_id: 1, aaa_session_id: null, completed_at: null } as Extract<DaemonEvent, { kind: 'session' }>['session'],
});
const tokenEvent = (id: string, change: 'issued' | 'revoked' | 'expired'): DaemonEvent => ({
  kind: 'token', at: 'now', change,
  token: { token_id: id, imsi: '001010000000001', created_at: 0, expires_at: 1, expires_in_seconds: 1, validity: 1, terminal_id: null, app_name: null, auth_method: 'EAP-AKA' },
});
const describeEvent = (e: DaemonEvent) =>
  e.kind === 'session' ? `session ${e.session.session_id} ${e.change} ${e.session.state}` : e.kind === 'token' ? `token ${e.token.token_id} ${e.change}` : e.kind;

test('sample: session and token events are merged per object until the drain; one that came and went is not sent', () => {
  const bus = new EventBus(() => 0);
  const s = bus.subscribe({}, { sample: 10 });
  const all = bus.subscribe();
  // A's whole life in one batch; B created and moved on; C only ends here; token t1 issued and replaced by t2.
  bus.emit(sessionEvent('A', 'created', 'started'));
  bus.emit(sessionEvent('B', 'created', 'started'));
  bus.emit(rates);
  bus.emit(sessionEvent('A', 'updated', 'challenged'));
  bus.emit(tokenEvent('t1', 'issued'));
  bus.emit(sessionEvent('B', 'updated', 'challenged'));
  bus.emit(sessionEvent('C', 'deleted', 'succeeded'));
  bus.emit(tokenEvent('t2', 'issued'));
  bus.emit(tokenEvent('t1', 'revoked'));
  bus.emit(tokenEvent('t0', 'revoked'));
  bus.emit(sessionEvent('A', 'deleted', 'succeeded'));
  assert.deepEqual(s.drain().map(describeEvent), [
    'session B updated challenged', // B's latest, where its first event stood
    'rates',
    'session C deleted succeeded', // ends an object the reader was sent before: sent
    'token t2 issued',
    'token t0 revoked',
  ]);
  assert.equal(all.drain().length, 11, 'a subscriber without sample gets every event');
  // The next batch starts afresh: B's end is sent, since B's creation went out in the last one.
  bus.emit(sessionEvent('B', 'updated', 'responded'));
  bus.emit(sessionEvent('B', 'deleted', 'succeeded'));
  assert.deepEqual(s.drain().map(describeEvent), ['session B deleted succeeded']);
  assert.equal(s.dropped, 0);
  assert.equal(s.sampledOut, 0, 'merged changes are not activity records left out');
});

test('sample: a batch whose every event came and went wakes a waiting reader to an empty drain, and frees its buffer room', async () => {
  const bus = new EventBus(() => 0);
  const s = bus.subscribe({}, { sample: 1, max: 2 });
  const woke = s.wait();
  bus.emit(sessionEvent('A', 'created'));
  await woke;
  bus.emit(sessionEvent('A', 'deleted'));
  // The merged-away pair left room: two more objects fit in a buffer of two.
  bus.emit(sessionEvent('B', 'created'));
  bus.emit(tokenEvent('t1', 'issued'));
  bus.emit(tokenEvent('t2', 'issued'));
  assert.deepEqual(s.drain().map(describeEvent), ['dropped', 'session B created challenged', 'token t1 issued']);
  assert.equal(s.dropped, 1);
  assert.deepEqual(s.drain(), []);
});

test('sample: the monitor holds the same live sessions and active tokens from merged batches as from every event', () => {
  const bus = new EventBus(() => 0);
  const s = bus.subscribe({}, { sample: 5 });
  const all = bus.subscribe();
  let merged = initialState();
  let every = initialState();
  let sent = 0;
  let emitted = 0;
  // One SIM authenticated over and over, its sessions overlapping (as 32 in flight do), each success issuing a token
  // that replaces the last; the reader drains every twenty steps or so, at steps that fall anywhere in a session's life.
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), Math.floor(seed / 65536) % n); // high bits: the low ones cycle
  const live: string[] = [];
  let token = 0;
  for (let i = 0; i < 3000; i++) {
    if (live.length < 8 && rnd(3) !== 0) {
      const id = `s${i}`;
      live.push(id);
      bus.emit(sessionEvent(id, 'created', 'started'));
    } else if (live.length) {
      const id = live.splice(rnd(live.length), 1)[0]!;
      bus.emit(sessionEvent(id, 'updated', 'challenged'));
      if (rnd(4) !== 0) {
        bus.emit(sessionEvent(id, 'deleted', 'succeeded'));
        bus.emit(tokenEvent(`t${++token}`, 'issued'));
        if (token > 1) bus.emit(tokenEvent(`t${token - 1}`, 'revoked'));
      } else live.push(id);
    }
    if (rnd(20) === 0) {
      const a = s.drain();
      const b = all.drain();
      sent += a.length;
      emitted += b.length;
      merged = monitorReducer(merged, { type: 'events', events: a });
      every = monitorReducer(every, { type: 'events', events: b });
    }
  }
  merged = monitorReducer(merged, { type: 'events', events: s.drain() });
  every = monitorReducer(every, { type: 'events', events: all.drain() });
  const liveOf = (st: MonitorState) => [...st.sessions.values()].map((x) => `${x.session_id} ${x.state}`).sort();
  const activeOf = (st: MonitorState) => [...st.tokens.values()].filter((t) => t.state === 'active').map((t) => t.token_id);
  assert.ok(liveOf(every).length > 0 && activeOf(every).length === 1, 'the run ends with sessions in flight and one active token');
  assert.deepEqual(liveOf(merged), liveOf(every));
  assert.deepEqual(activeOf(merged), activeOf(every));
  assert.ok(sent < emitted / 2, `merging sent ${sent} of ${emitted} events`);
});
