import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inLanes } from './lanes.js';

test('inLanes: every item once, started in order, never more than the limit in flight', async () => {
  const started: number[] = [];
  let inFlight = 0;
  let most = 0;
  const items = Array.from({ length: 100 }, (_, i) => i);
  await inLanes(items, 7, async (i) => {
    started.push(i);
    most = Math.max(most, ++inFlight);
    await new Promise((r) => setTimeout(r, i % 3));
    inFlight--;
  });
  assert.deepEqual(started, items);
  assert.equal(most, 7);
  let ran = 0;
  await inLanes([], 7, async () => { ran++; });
  await inLanes([1, 2], 16, async () => { ran++; });
  assert.equal(ran, 2);
  await assert.rejects(inLanes([1, 2, 3], 2, async (i) => { if (i === 2) throw new Error('two'); }), /two/);
});
