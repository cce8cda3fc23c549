import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryStore } from '../../store/memory-store.js';
import { PushService, imsiOfKey } from './push-service.js';

const IMSI = '001010000000001';
function setup() {
  let now = Date.UTC(2026, 10, 23, 12, 0, 0);
  const push = new PushService({ store: createMemoryStore(), clock: { now: () => now }, policy: () => ({ max_attempts: 3, backoff_ms: 1000, max_backoff_ms: 1500, failed_retention_seconds: 60 }) });
  const reg = (over: Record<string, unknown> = {}) => push.register({ imsi: IMSI, terminal_id: '356938035643809', app_name: 'ims', apps: ['ap2004'], notif_action: 2, notif_token: 'tok-1', ...over });
  return { push, reg, advance: (ms: number) => void (now += ms) };
}

test('registration: stored once, unchanged is no write, action 0 or 4 unregisters', async () => {
  const { push, reg } = setup();
  assert.equal(await reg(), true);
  assert.equal(await reg(), false, 'nothing changed: no write');
  assert.equal(await reg({ notif_token: 'tok-2' }), true);
  assert.equal((await push.list()).registrations, 1);
  await reg({ notif_action: 4 });
  assert.equal((await push.list()).registrations, 0, 'APNS is not served: unregistered');
  assert.equal(await push.register({ imsi: IMSI, terminal_id: null, app_name: null, apps: [], notif_action: 2, notif_token: null }), false);
});

test('changes queue one item per device, coalescing reasons; only devices of the apps concerned', async () => {
  const { push, reg } = setup();
  await reg();
  assert.equal(await push.enqueue(IMSI, 'odsa', ['ap2006', 'ap2009']), 0, 'this device asked for ap2004 only');
  assert.equal(await push.enqueue(IMSI, 'entitlement', []), 1);
  assert.equal(await push.enqueue(IMSI, 'vowifi_address', ['ap2004']), 1);
  const due = await push.due(10);
  assert.equal(due.length, 1);
  assert.deepEqual(due[0]!.item.reasons, ['entitlement', 'vowifi_address']);
  assert.equal(due[0]!.registration!.notif_token, 'tok-1');
  await push.delivered(due[0]!.item);
  assert.equal((await push.due(10)).length, 0);
});

test('failures back off (doubling, capped), then stay listed as failed until pruned', async () => {
  const { push, reg, advance } = setup();
  await reg();
  await push.enqueue(IMSI, 'entitlement', []);
  let [d] = await push.due(10);
  assert.equal(await push.failed(d!.item, 'http_500'), 'pending');
  assert.equal((await push.due(10)).length, 0, 'not before the back-off');
  advance(1000);
  [d] = await push.due(10);
  assert.equal(await push.failed(d!.item, 'timeout'), 'pending');
  advance(1499);
  assert.equal((await push.due(10)).length, 0, 'second wait is 1500 ms (2000 capped)');
  advance(1);
  [d] = await push.due(10);
  assert.equal(await push.failed(d!.item, 'timeout'), 'failed');
  const l = await push.list();
  assert.deepEqual([l.pending, l.failed, l.backlog[0]!.attempts, l.backlog[0]!.last_error], [0, 1, 3, 'timeout']);
  assert.ok(!JSON.stringify(l).includes('tok-1'), 'never the push token');
  advance(61_000);
  assert.equal(await push.prune(), 1);
});

test('the IMSI of a changed key', () => {
  assert.equal(imsiOfKey('001010000000001'), '001010000000001');
  assert.equal(imsiOfKey('001010000000001.ap2006.watch'), '001010000000001');
  assert.equal(imsiOfKey('s:session'), null);
});
