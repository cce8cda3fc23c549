import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ActivityService, activityFields, scrubText } from './activity.js';
import type { ActivityLog, ActivityQuery } from '../ports.js';
import { ActivityRecord as ActivityRecordSchema, type ActivityRecord } from '../contracts/activity.js';
import type { DaemonEvent } from '../contracts/events.js';

function fakeLog() {
  const recs: ActivityRecord[] = [];
  const log: ActivityLog = {
    append: async (r) => { recs.push(r); },
    get: async (id) => recs.find((r) => r.id === id),
    idsWithPrefix: async (p, n) => recs.map((r) => r.id).filter((id) => id.startsWith(p)).sort().slice(0, n),
    query: async (_q: ActivityQuery) => ({ total: recs.length, records: recs }),
    count: async () => recs.length,
    tally: async () => ({ n: recs.length, estimated: false }),
  };
  return { log, recs };
}

test('record fills defaults, appends, emits an activity event', async () => {
  const { log, recs } = fakeLog();
  const events: DaemonEvent[] = [];
  let n = 0;
  const svc = new ActivityService({ log, events: { emit: (e) => events.push(e) }, clock: { now: () => Date.UTC(2026, 2, 9, 4, 19, 19) }, random: { uuid: () => `id-${++n}`, bytes: (k) => Buffer.alloc(k) } });
  const r = await svc.record({ request_type: 'entitlement_query', imsi: '001010000000001', app_ids: ['ap2004'] });
  assert.equal(r.id, 'id-1');
  assert.equal(r.timestamp, '2026-03-09T04:19:19.000Z');
  assert.equal(r.request_method, 'GET');
  assert.equal(r.msisdn, null);
  assert.deepEqual(r.app_ids, ['ap2004']);
  assert.equal(recs.length, 1);
  assert.equal(events.length, 1);
  assert.equal(events[0]!.kind, 'activity');
});

test('secrets never reach the stored record', async () => {
  const { log, recs } = fakeLog();
  const svc = new ActivityService({ log, events: { emit: () => {} }, clock: { now: () => 0 }, random: { uuid: () => 'x', bytes: (k) => Buffer.alloc(k) } });
  const planted = 'kZYfCEpSsMr88KZVmab5UsZVzl';
  await svc.record({
    request_type: 'token_auth',
    request_path: `/?IMSI=001010000000001&token=${planted}&terminal_id=t1`,
    request_headers: { Authorization: `Bearer ${planted}`, cookie: `S=${planted}`, 'user-agent': 'x' },
    request_body: JSON.stringify({ temporary_token: planted, notif_token: planted, app: 'ap2004' }),
    response_body: `<parm name="token" value="${planted}"/><parm name="validity" value="86400"/>`,
    response_summary: { token: planted, nested: { msk: planted }, ok: 1 },
  });
  const text = JSON.stringify(recs);
  assert.ok(!text.includes(planted), text);
  assert.ok(recs[0]!.request_path.includes('terminal_id=t1'));
  assert.equal(recs[0]!.request_headers['user-agent'], 'x');
  assert.ok(recs[0]!.response_body!.includes('name="validity" value="86400"'));
});

test('scrubText leaves ordinary text alone and catches VVM pw=', () => {
  assert.equal(scrubText('/?IMSI=1&app=ap2004'), '/?IMSI=1&app=ap2004');
  assert.equal(scrubText('//VVM:STATUS:st=R;u=1;pw=1234;lang=1'), '//VVM:STATUS:st=R;u=1;pw=[REDACTED];lang=1');
});

test('bodies are cut to max_body_bytes', async () => {
  const { log, recs } = fakeLog();
  const svc = new ActivityService({ log, events: { emit: () => {} }, clock: { now: () => 0 }, random: { uuid: () => 'x', bytes: (k) => Buffer.alloc(k) }, maxBodyBytes: 10 });
  await svc.record({ request_type: 'xcap', request_body: 'a'.repeat(50) });
  assert.ok(recs[0]!.request_body!.startsWith('aaaaaaaaaa…[40 more]'));
});

test('the timestamp follows the clock to the millisecond, made once per millisecond', () => {
  const { log } = fakeLog();
  let now = Date.UTC(2026, 11, 2, 17, 0, 0, 1);
  const svc = new ActivityService({ log, events: { emit: () => {} }, clock: { now: () => now }, random: { uuid: () => 'id', bytes: (k) => Buffer.alloc(k) } });
  const a = svc.build({ request_type: 'xcap' });
  const b = svc.build({ request_type: 'xcap' });
  assert.equal(a.timestamp, '2026-12-02T17:00:00.001Z');
  assert.equal(b.timestamp, a.timestamp);
  now += 1;
  assert.equal(svc.build({ request_type: 'xcap' }).timestamp, '2026-12-02T17:00:00.002Z');
  now -= 5_000; // a clock stepped back is followed too
  assert.equal(svc.build({ request_type: 'xcap' }).timestamp, '2026-12-02T16:59:55.002Z');
  assert.equal(svc.build({ request_type: 'xcap', timestamp: '2020-01-01T00:00:00.000Z' }).timestamp, '2020-01-01T00:00:00.000Z');
});

test('activityFields copies every record field into one shape, and the copy is its own', () => {
  const headers = { 'user-agent': 'PRD-TS43 term-Omni/1' };
  const input = { request_type: 'token_auth', imsi: '001010000000001', request_headers: headers, response_summary: { format: 'xml' } };
  const a = activityFields(input);
  // Every field of the record, in the schema's order: a field added to ActivityRecord must be added here too.
  assert.deepEqual(Object.keys(a), Object.keys(ActivityRecordSchema.properties));
  assert.equal(a.request_type, 'token_auth');
  assert.equal(a.imsi, '001010000000001');
  assert.equal(a.request_headers, headers);
  assert.equal(a.terminal_id, undefined);
  // Two inputs of different shapes give copies with the same keys in the same order.
  assert.deepEqual(Object.keys(activityFields({ request_type: 'xcap', client_ip: '127.0.0.1', auth_method: 'NONE' })), Object.keys(a));
  a.request_type = 'entitlement_query';
  a.auth_method = 'TOKEN';
  assert.equal(input.request_type, 'token_auth');
  assert.equal('auth_method' in input, false);
});

test('a record built from a copy with unknown fields gets the defaults a sparse input gets', () => {
  const svc = new ActivityService({ log: fakeLog().log, events: { emit: () => {} }, clock: { now: () => 0 }, random: { uuid: () => 'id', bytes: (k) => Buffer.alloc(k) } });
  const sparse = { request_type: 'entitlement_query', imsi: '001010000000001' };
  assert.deepEqual(svc.build(activityFields(sparse)), svc.build(sparse));
});
