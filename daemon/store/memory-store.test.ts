import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from './memory-store.js';
import type { ActivityRecord } from '../../src/contracts/activity.js';

const rec = (id: string, imsi: string, ts: number) => ({ id, imsi, timestamp: new Date(ts).toISOString(), request_type: 'x' }) as unknown as ActivityRecord;

test('the memory store keeps the activity retention of the file log', async () => {
  let now = 1_000_000;
  const s = createMemoryStore({ maxPerSubscriber: 2, retentionSeconds: 60, now: () => now });
  for (let i = 0; i < 5; i++) await s.activity.append(rec(`a${i}`, '001010000000001', now - 1000 + i));
  await s.activity.append(rec('b0', '001010000000002', now - 30_000));
  assert.equal(await s.activity.count(), 3);
  assert.equal(await s.activity.get('a0'), undefined);
  assert.deepEqual((await s.activity.query({ imsi: '001010000000001' })).records.map((r) => r.id), ['a4', 'a3']);
  now += 45_000; // b0 is now 75 s old
  assert.equal((await s.activity.query({})).total, 2);
  assert.equal(await s.activity.get('b0'), undefined);
  await s.collection('x').put('k', 1);
  assert.equal(await s.collection('x').get('k'), 1);
});
