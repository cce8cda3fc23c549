import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentile, runLoad, summariseLatencies } from './load.js';

test('nearest-rank percentiles', () => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(xs, 50), 50);
  assert.equal(percentile(xs, 90), 90);
  assert.equal(percentile(xs, 99), 99);
  assert.equal(percentile(xs, 100), 100);
  assert.equal(percentile([7], 99), 7);
  assert.equal(percentile([], 50), 0);
  const s = summariseLatencies([5, 1, 3]);
  assert.deepEqual(s, { min: 1, mean: 3, p50: 3, p90: 5, p99: 5, max: 5 });
});

test('runs every job once, never more than the concurrency at a time, counts failures by reason', async () => {
  let inFlight = 0;
  let peak = 0;
  const seen: number[] = [];
  let t = 0;
  const summary = await runLoad(
    async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      seen.push(i);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      if (i % 10 === 0) return { ok: false, reason: 'HTTP 403', kind: 'rejected' };
      if (i === 7) throw new Error('boom');
      return { ok: true };
    },
    { count: 50, concurrency: 4, now: () => (t += 1) },
  );
  assert.equal(peak, 4);
  assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  assert.equal(summary.count, 50);
  assert.equal(summary.ok, 44);
  assert.equal(summary.failed, 6);
  assert.deepEqual(summary.failures, { 'HTTP 403': 5, boom: 1 });
  assert.deepEqual(summary.failed_by_kind, { rejected: 5, error: 1 }, 'a job that threw counts as error');
  assert.ok(summary.throughput_per_s > 0);
});

test('concurrency above count is capped', async () => {
  let peak = 0;
  let inFlight = 0;
  await runLoad(
    async () => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      return { ok: true };
    },
    { count: 3, concurrency: 50, now: () => 0 },
  );
  assert.equal(peak, 3);
});
