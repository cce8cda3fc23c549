import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { createMemoryStore } from '../../store/memory-store.js';
import { SmsOutbox } from './sms-outbox.js';

test('claimDue drops the failed records past retention, a page at once; pending and recent failed ones stay', async () => {
  let now = 1_700_000_000_000;
  const outbox = new SmsOutbox(createMemoryStore(), { now: () => now }, { bytes: (n) => randomBytes(n), uuid: () => randomUUID() },
    { maxAttempts: 1, backoffMs: 1000, maxBackoffMs: 1000, claimMs: 30_000, failedRetentionMs: 60_000 });
  const sms = (to: string) => outbox.enqueue({ imsi: null, to, type: 'sync', render: 'text', text: 'x', reason: 'deposit' });
  const failing = await Promise.all([sms('1'), sms('2'), sms('3')]);
  for (const r of failing) assert.equal((await outbox.attemptFailed(r.id, 'http_500'))!.state, 'failed');
  now += 30_000;
  const recent = await sms('4');
  await outbox.attemptFailed(recent.id, 'http_500');
  const pending = await sms('5');
  now += 40_000; // the first three failed 70 s ago, the fourth 40 s ago
  // One of the three is sent again before the sweep reaches it: pending, so it stays.
  await outbox.retryNow(failing[2]!.id);
  const { claimed } = await outbox.claimDue(null, 100);
  assert.deepEqual(claimed.map((r) => r.id).sort(), [failing[2]!.id, pending.id].sort());
  assert.deepEqual((await outbox.list()).map((r) => r.id).sort(), [failing[2]!.id, recent.id, pending.id].sort());
  assert.equal(await outbox.count(), 3);
});
