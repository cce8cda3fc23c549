/**
 * The fuzz harness inside `npm test` (docs/security.md § Fuzzing): every saved crasher replayed, and the
 * harness's own checks. The 10 000 seeded, deterministic inputs per target run in fuzz-1..3.test.ts (suite.ts).
 * Each input must end in a result or the parser's typed error within the per-input budget; a failure is
 * written to test/fuzz/crashers/ and replayed here by every later run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crashers, fuzzInWorker } from './harness.js';
import { explain } from './suite.js';
import { runInputs } from './engine.js';
import selfCheck from './self-check-target.js';

test('every crasher in test/fuzz/crashers replays to a result or a typed error', async () => {
  for (const [target, list] of crashers()) {
    const r = await fuzzInWorker(target, { replay: list.map((c) => c.input), save: false });
    assert.equal(r.failures.length, 0, `${target}: ${list.map((c) => c.file).join(', ')}\n${explain(r)}`);
    assert.equal(r.stats?.inputs, list.length);
  }
});

test('the harness catches what it must: a foreign exception, a slow input, a hang and a crash, each with its input', async () => {
  // In-process: a foreign exception and a slow input (measured twice) are failures; the typed error is not.
  const seen: string[] = [];
  const bad = { ...selfCheck, run(b: Buffer) { if (b[0] === 3) { const t = performance.now(); while (performance.now() - t < 30); } else selfCheck.run(b); } };
  const stats = runInputs(bad, [0, 1, 2, 3].map((n) => Buffer.from([n])), { budgetMs: 20, onFailure: (f) => seen.push(`${f.kind}:${f.input[0]}`) });
  assert.deepEqual(seen, ['exception:1', 'slow:3']);
  assert.deepEqual([stats.results, stats.refused, stats.failures], [1, 1, 2]);
  // In a worker: a hang and a heap blow-up end the worker and are reported with the input that did it.
  const module = new URL(import.meta.url.endsWith('.ts') ? './self-check-target.ts' : './self-check-target.js', import.meta.url);
  const hang = await fuzzInWorker('self-check', { module, replay: [Buffer.from([0]), Buffer.from([4])], save: false, hangMs: 1500 });
  assert.deepEqual(hang.failures.map((f) => [f.kind, [...f.input]]), [['hang', [4]]]);
  const crash = await fuzzInWorker('self-check', { module, replay: [Buffer.from([5])], save: false, heapMb: 64 });
  assert.deepEqual(crash.failures.map((f) => [f.kind, [...f.input]]), [['crash', [5]]]);
});
