import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fsyncStallHook } from './fault-hooks.js';

test('the fsync stall hook is off unless OMNISEP_FAULT_FSYNC_STALL_MS is set, and stalls once in <every>', async () => {
  assert.equal(fsyncStallHook({}), null);
  assert.equal(fsyncStallHook({ OMNISEP_FAULT_FSYNC_STALL_MS: 'soon' }), null);
  const h = fsyncStallHook({ OMNISEP_FAULT_FSYNC_STALL_MS: '40:3' })!;
  assert.deepEqual([h.ms, h.every], [40, 3]);
  assert.equal(h(), undefined);
  assert.equal(h(), undefined);
  const t = performance.now();
  await h();
  assert.ok(performance.now() - t >= 35, 'the third call stalls');
  assert.equal(h(), undefined);
  assert.equal(fsyncStallHook({ OMNISEP_FAULT_FSYNC_STALL_MS: '5' })!.every, 1);
});
