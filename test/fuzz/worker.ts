/** The worker side of harness.ts: runs one target, publishing each input to shared memory first. */
import { parentPort, workerData } from 'node:worker_threads';
import { generated, runInputs, type FuzzTarget } from './engine.js';
import { TARGETS } from './targets/index.js';
import type { WorkerInput, WorkerMessage } from './harness.js';

const input = workerData as WorkerInput;
const target: FuzzTarget = input.module ? ((await import(input.module)) as { default: FuzzTarget }).default : TARGETS.find((t) => t.name === input.target)!;
const head = new Int32Array(input.shared, 0, 2);
const bytes = new Uint8Array(input.shared, 8);
const post = (m: WorkerMessage) => parentPort!.postMessage(m);

const inputs = input.replay ? input.replay.map((u) => Buffer.from(u)) : generated(target, input.count, input.seed);
const stats = runInputs(target, inputs, {
  budgetMs: input.budgetMs,
  onInput: (b) => {
    const n = Math.min(b.length, bytes.length);
    bytes.set(b.subarray(0, n));
    Atomics.store(head, 0, n);
    Atomics.add(head, 1, 1);
  },
  onFailure: (f) => post({ kind: 'failure', failure: { ...f, input: new Uint8Array(f.input) } }),
});
post({ kind: 'done', stats });
