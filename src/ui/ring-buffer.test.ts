import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { prependBounded, RingBuffer } from './ring-buffer.js';

test('RingBuffer keeps the newest `capacity` items, oldest first, and counts what it overwrote', () => {
  const r = new RingBuffer<number>(3);
  for (let i = 1; i <= 5; i++) r.push(i);
  assert.deepEqual(r.toArray(), [3, 4, 5]);
  assert.equal(r.size, 3);
  assert.equal(r.overwritten, 2);
  assert.deepEqual(r.drain(), [3, 4, 5]);
  assert.equal(r.size, 0);
  assert.equal(r.overwritten, 0);
  r.push(9);
  assert.deepEqual(r.toArray(), [9]);
  assert.throws(() => new RingBuffer(0), RangeError);
});

test('RingBuffer equals "the last N of everything pushed" (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer(), { maxLength: 100 }), (cap, xs) => {
      const r = new RingBuffer<number>(cap);
      xs.forEach((x) => r.push(x));
      assert.deepEqual(r.toArray(), xs.slice(-cap));
    }),
  );
});

test('prependBounded puts fresh items (oldest first) newest-first in front, cut to capacity', () => {
  assert.deepEqual(prependBounded([3, 2, 1], [4, 5], 4), [5, 4, 3, 2]);
  assert.deepEqual(prependBounded([], [1, 2, 3], 2), [3, 2]);
  const list = Object.freeze([2, 1]);
  assert.deepEqual(prependBounded(list, [], 5), [2, 1]);
});
