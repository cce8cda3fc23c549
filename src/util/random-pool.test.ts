import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pooledRandomBytes } from './random-pool.js';

test('pooled random bytes: right lengths, copies (not views), never the same bytes twice, across refills and direct draws', () => {
  const rnd = pooledRandomBytes(256);
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const n = [12, 16, 24, 32, 64, 100][i % 6]!;
    const b = rnd(n);
    assert.equal(b.length, n);
    const hex = b.toString('hex');
    assert.ok(!seen.has(hex), 'no repeat');
    seen.add(hex);
    b.fill(0); // the caller wiping its copy does not touch the next draw
  }
  assert.equal(rnd(0).length, 0);
  assert.throws(() => rnd(-1), RangeError);
  // 16,000 bytes: every byte value shows up (not a constant or a zeroed block; a miss has odds of about 1e-25).
  const all = Buffer.concat(Array.from({ length: 1000 }, () => rnd(16)));
  assert.equal(new Set(all).size, 256);
});
