/**
 * The fuzz tests of `npm test`, split over several test files (fuzz-1..3.test.ts) so that no file runs into the
 * runner's per-file time limit on a busy machine: file `part` of `parts` takes every target whose index in
 * TARGETS leaves that remainder. A new target lands in one of them without touching these files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TARGETS } from './targets/index.js';
import { fuzzInWorker, type HarnessResult } from './harness.js';

export const COUNT = 10_000;
export const SEED = 13;

export const explain = (r: HarnessResult): string =>
  r.failures.map((f) => `${f.kind}: ${f.reason} (${f.input.length} bytes)`).join('\n') + (r.saved.length ? `\nsaved: ${r.saved.join(', ')}` : '');

export function fuzzSuite(part: number, parts: number): void {
  TARGETS.forEach((t, i) => {
    if (i % parts !== part) return;
    test(`fuzz ${t.name}: ${COUNT} inputs end in a result or a typed error (seed ${SEED})`, async () => {
      const r = await fuzzInWorker(t.name, { count: COUNT, seed: SEED });
      assert.equal(r.failures.length, 0, explain(r));
      assert.equal(r.stats?.inputs, COUNT);
      assert.equal(r.stats.results + r.stats.refused, COUNT);
    });
  });
}
