/**
 * Runs a fuzz target in a worker thread, watched from the calling thread (docs/security.md § Fuzzing).
 *
 * The worker copies each input into shared memory and bumps a counter before running it, so a parser that
 * never returns (a hang), blows the worker's heap or kills it (a crash) is caught here with the input that did
 * it. Every failure is written to `test/fuzz/crashers/<target>-<hash>.bin`; fuzz.test.ts replays that folder.
 */
import { Worker } from 'node:worker_threads';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoPath } from '../../src/util/repo-path.js';
import { inputHash, type FuzzFailure, type FuzzStats } from './engine.js';
import { TARGETS } from './targets/index.js';

export const CRASHER_DIR = repoPath('test', 'fuzz', 'crashers');

/** Bytes of shared memory for the current input (inputs are cut to a target's maxLength, far below). */
const SHARED_INPUT_BYTES = 4 << 20;

export interface HarnessOptions {
  /** Generated inputs (ignored with `replay`). */
  count?: number;
  seed?: number;
  /** Per-input time budget, ms (default 1000: generous, the machine is shared). */
  budgetMs?: number;
  /** No progress for this long is a hang, ms (default 20 000). */
  hangMs?: number;
  /** Run exactly these inputs instead of generating. */
  replay?: Buffer[];
  /** Write failures to CRASHER_DIR (default true). */
  save?: boolean;
  /** Heap ceiling of the worker, MB (default 512): more is a crash. */
  heapMb?: number;
  /** Load the target from this module's default export instead of the registry (the harness's own test). */
  module?: URL;
}

export interface HarnessResult {
  stats: FuzzStats | null;
  failures: FuzzFailure[];
  /** Crasher files written (new ones only). */
  saved: string[];
}

export interface WorkerInput {
  target: string;
  count: number;
  seed: number;
  budgetMs: number;
  replay: Uint8Array[] | null;
  shared: SharedArrayBuffer;
  module: string | null;
}

export type WorkerMessage =
  | { kind: 'failure'; failure: Omit<FuzzFailure, 'input'> & { input: Uint8Array } }
  | { kind: 'done'; stats: FuzzStats };

const fromSource = import.meta.url.endsWith('.ts');
const workerUrl = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url);

/** Writes one failing input (named by target and content hash); returns the path, or null if it was known. */
export function saveCrasher(f: FuzzFailure, dir = CRASHER_DIR): string | null {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${f.target}-${inputHash(f.input)}.bin`);
  if (existsSync(path)) return null;
  writeFileSync(path, f.input);
  return path;
}

/** Every saved crasher, grouped by its target (a file naming no known target is an error). */
export function crashers(dir = CRASHER_DIR): Map<string, { file: string; input: Buffer }[]> {
  const out = new Map<string, { file: string; input: Buffer }[]>();
  if (!existsSync(dir)) return out;
  const names = TARGETS.map((t) => t.name).sort((a, b) => b.length - a.length);
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.bin')).sort()) {
    const target = names.find((n) => file.startsWith(`${n}-`));
    if (!target) throw new Error(`test/fuzz/crashers/${file} names no fuzz target (known: ${names.join(', ')})`);
    const list = out.get(target) ?? [];
    list.push({ file, input: readFileSync(join(dir, file)) });
    out.set(target, list);
  }
  return out;
}

export function fuzzInWorker(target: string, opts: HarnessOptions = {}): Promise<HarnessResult> {
  if (!opts.module && !TARGETS.some((t) => t.name === target)) return Promise.reject(new Error(`unknown fuzz target ${target}`));
  const shared = new SharedArrayBuffer(8 + SHARED_INPUT_BYTES);
  const head = new Int32Array(shared, 0, 2);
  const data: WorkerInput = {
    target, count: opts.count ?? 10_000, seed: opts.seed ?? 1, budgetMs: opts.budgetMs ?? 1000,
    replay: opts.replay ? opts.replay.map((b) => new Uint8Array(b)) : null, shared, module: opts.module?.href ?? null,
  };
  const hangMs = opts.hangMs ?? 20_000;
  const save = opts.save ?? true;
  const result: HarnessResult = { stats: null, failures: [], saved: [] };
  const current = (): Buffer => Buffer.from(new Uint8Array(shared, 8, Math.min(Atomics.load(head, 0), SHARED_INPUT_BYTES)));
  const fail = (f: FuzzFailure) => {
    result.failures.push(f);
    if (save) {
      const p = saveCrasher(f);
      if (p) result.saved.push(p);
    }
  };

  return new Promise((resolve, reject) => {
    const worker = new Worker(
      // From source (bench/fuzz.ts under tsx), the worker registers tsx itself: Node 20 does not carry --import hooks into workers.
      fromSource ? `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(workerUrl.href)}); })` : workerUrl,
      { eval: fromSource, workerData: data, resourceLimits: { maxOldGenerationSizeMb: opts.heapMb ?? 512 } });
    let settled = false;
    let lastCount = -1;
    let lastChange = Date.now();
    const finish = () => {
      if (settled) return;
      settled = true;
      clearInterval(watch);
      resolve(result);
    };
    const watch = setInterval(() => {
      const n = Atomics.load(head, 1);
      if (n !== lastCount) { lastCount = n; lastChange = Date.now(); return; }
      if (Date.now() - lastChange < hangMs || n === 0) return;
      clearInterval(watch); // once: terminate() takes a moment, and the input is already reported
      fail({ target, kind: 'hang', reason: `no progress for ${hangMs} ms on input ${n}`, input: current() });
      void worker.terminate().then(finish);
    }, 250);
    worker.on('message', (m: WorkerMessage) => {
      if (m.kind === 'failure') fail({ ...m.failure, input: Buffer.from(m.failure.input) });
      else result.stats = m.stats;
    });
    worker.on('error', (err) => {
      if (Atomics.load(head, 1) === 0) { settled = true; clearInterval(watch); reject(err); return; }
      fail({ target, kind: 'crash', reason: `${err.name}: ${err.message}`.slice(0, 500), input: current() });
    });
    worker.on('exit', (code) => {
      if (!settled && code !== 0 && !result.stats && !result.failures.some((f) => f.kind === 'crash' || f.kind === 'hang')) {
        fail({ target, kind: 'crash', reason: `worker exited with code ${code}`, input: current() });
      }
      finish();
    });
  });
}
