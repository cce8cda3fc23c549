/**
 * The fuzz engine (docs/security.md § Fuzzing): a seeded generator of random and mutated byte strings and the
 * loop that feeds them to one target. Pure apart from the clock: no files, no workers (harness.ts does those).
 *
 * A target runs one input through a network parser and either returns (a result) or throws the parser's typed
 * error (`expected(err)` true). Anything else — another exception, or an input that takes longer than the
 * per-input time budget twice in a row — is a failure, handed to `onFailure` with the input.
 */
import { createHash } from 'node:crypto';

export interface FuzzTarget {
  /** File-name safe: crashers are saved as `<name>-<hash>.bin`. */
  readonly name: string;
  /** What the target covers, one line (printed by bench/fuzz.ts --list). */
  readonly describe: string;
  /** Valid inputs to mutate, usually from fixtures/ (at least one). */
  seeds(): Buffer[];
  /** One input through the parser(s): return for a result, throw for a refusal. */
  run(input: Buffer): void;
  /** The parser's own typed errors (a clean refusal). */
  expected(err: unknown): boolean;
  /** Inputs are cut to this many bytes (default 4096). */
  readonly maxLength?: number;
  /** Byte strings the mutator inserts or overwrites with (keywords, separators). */
  readonly tokens?: readonly string[];
}

export type FailureKind = 'exception' | 'slow' | 'hang' | 'crash';

export interface FuzzFailure {
  target: string;
  kind: FailureKind;
  reason: string;
  input: Buffer;
}

export interface FuzzStats {
  target: string;
  inputs: number;
  /** Inputs that gave a result. */
  results: number;
  /** Inputs refused with the parser's typed error. */
  refused: number;
  failures: number;
  elapsedMs: number;
  /** The slowest input, ms. */
  maxInputMs: number;
  /** Mean input length, bytes. */
  meanLength: number;
}

// ---------------------------------------------------------------------------
// Seeded PRNG (xorshift128+ on two 32-bit halves is enough; sfc32 is simple and fast).

export class Rng {
  #a: number; #b: number; #c: number; #d: number;
  constructor(seed: number) {
    this.#a = 0x9e3779b9; this.#b = 0x243f6a88; this.#c = 0xb7e15162; this.#d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.u32();
  }
  u32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }
  /** 0 ≤ n < max. */
  int(max: number): number { return max <= 1 ? 0 : this.u32() % max; }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]!; }
  chance(p: number): boolean { return this.u32() / 0x1_0000_0000 < p; }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }
}

/** A 32-bit seed per target from the run's seed, so each target's sequence is independent of the others. */
export function targetSeed(seed: number, target: string): number {
  return createHash('sha256').update(`${seed}:${target}`).digest().readUInt32BE(0);
}

export const inputHash = (input: Buffer): string => createHash('sha256').update(input).digest('hex').slice(0, 16);

// ---------------------------------------------------------------------------
// Mutations

const INTERESTING_8 = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x20, 0x0a, 0x0d, 0x22, 0x25, 0x3c, 0x3e, 0x26, 0x5b, 0x5d, 0x2f];
const INTERESTING_LEN = [0, 1, 2, 3, 4, 7, 8, 12, 16, 20, 0x7f, 0x80, 0xff, 0x100, 0x3fff, 0x7fff, 0x8000, 0xffff, 0xffffff, 0x7fffffff, 0xffffffff];

type Mutation = (rng: Rng, b: Buffer, ctx: { seeds: readonly Buffer[]; tokens: readonly Buffer[]; max: number }) => Buffer;

const at = (rng: Rng, b: Buffer): number => rng.int(b.length + 1);

const MUTATIONS: Mutation[] = [
  // flip one bit
  (rng, b) => { if (!b.length) return b; const c = Buffer.from(b); const i = rng.int(c.length); c[i]! ^= 1 << rng.int(8); return c; },
  // set a byte to a random or an interesting value
  (rng, b) => { if (!b.length) return b; const c = Buffer.from(b); c[rng.int(c.length)] = rng.chance(0.5) ? rng.int(256) : rng.pick(INTERESTING_8); return c; },
  // overwrite 1, 2, 3 or 4 bytes with an interesting length (big-endian, as every length field here is)
  (rng, b) => {
    const w = 1 + rng.int(4);
    if (b.length < w) return b;
    const c = Buffer.from(b);
    const v = rng.chance(0.3) ? b.length + rng.int(9) - 4 : rng.pick(INTERESTING_LEN);
    c.writeUIntBE(Math.max(0, v) % 2 ** (8 * w), rng.int(c.length - w + 1), w);
    return c;
  },
  // delete a range
  (rng, b) => { if (!b.length) return b; const s = rng.int(b.length); const n = 1 + rng.int(Math.min(64, b.length - s)); return Buffer.concat([b.subarray(0, s), b.subarray(s + n)]); },
  // insert random bytes
  (rng, b) => { const s = at(rng, b); return Buffer.concat([b.subarray(0, s), rng.bytes(1 + rng.int(16)), b.subarray(s)]); },
  // duplicate a range in place
  (rng, b) => { if (!b.length) return b; const s = rng.int(b.length); const n = 1 + rng.int(Math.min(32, b.length - s)); const d = b.subarray(s, s + n); return Buffer.concat([b.subarray(0, s + n), d, b.subarray(s + n)]); },
  // repeat a range many times (long runs: linear-time checks, nesting, limits)
  (rng, b, ctx) => {
    if (!b.length) return b;
    const s = rng.int(b.length); const n = 1 + rng.int(Math.min(16, b.length - s)); const d = b.subarray(s, s + n);
    const times = Math.min(1 + rng.int(400), Math.floor(ctx.max / n));
    return Buffer.concat([b.subarray(0, s), ...Array.from({ length: times }, () => d), b.subarray(s)]);
  },
  // insert or overwrite with a token
  (rng, b, ctx) => {
    if (!ctx.tokens.length) return b;
    const t = rng.pick(ctx.tokens); const s = at(rng, b);
    return rng.chance(0.5) ? Buffer.concat([b.subarray(0, s), t, b.subarray(s)]) : Buffer.concat([b.subarray(0, s), t, b.subarray(Math.min(b.length, s + t.length))]);
  },
  // splice with another seed
  (rng, b, ctx) => { const o = rng.pick(ctx.seeds); return Buffer.concat([b.subarray(0, at(rng, b)), o.subarray(rng.int(o.length + 1))]); },
  // truncate
  (rng, b) => b.subarray(0, rng.int(b.length + 1)),
  // swap two bytes
  (rng, b) => { if (b.length < 2) return b; const c = Buffer.from(b); const i = rng.int(c.length); const j = rng.int(c.length); const t = c[i]!; c[i] = c[j]!; c[j] = t; return c; },
];

/** The generator of one target's inputs: 10 % random bytes, 90 % one seed with 1–6 stacked mutations. */
export class InputSource {
  readonly #rng: Rng;
  readonly #seeds: Buffer[];
  readonly #tokens: Buffer[];
  readonly #max: number;
  constructor(target: FuzzTarget, seed: number) {
    this.#rng = new Rng(targetSeed(seed, target.name));
    this.#seeds = target.seeds();
    if (!this.#seeds.length) throw new Error(`fuzz target ${target.name} has no seeds`);
    this.#tokens = (target.tokens ?? []).map((t) => Buffer.from(t, 'latin1'));
    this.#max = target.maxLength ?? 4096;
  }
  next(): Buffer {
    const rng = this.#rng;
    let b: Buffer;
    if (rng.chance(0.1)) {
      b = rng.bytes(rng.int(rng.chance(0.9) ? 64 : this.#max));
    } else {
      b = rng.pick(this.#seeds);
      const n = 1 + rng.int(rng.chance(0.7) ? 2 : 6);
      const ctx = { seeds: this.#seeds, tokens: this.#tokens, max: this.#max };
      for (let i = 0; i < n; i++) b = rng.pick(MUTATIONS)(rng, b, ctx);
    }
    return b.length > this.#max ? b.subarray(0, this.#max) : b;
  }
}

// ---------------------------------------------------------------------------
// The loop

export interface RunOptions {
  /** Per-input time budget, ms: an input over it twice in a row is a `slow` failure. */
  budgetMs: number;
  /** Called before each input (the harness copies it where a watchdog can read it). */
  onInput?: (input: Buffer, index: number) => void;
  onFailure: (f: FuzzFailure) => void;
  /** Stop after this many failures (default 20). */
  maxFailures?: number;
}

const describeError = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : `non-Error thrown: ${String(e)}`).slice(0, 500);

/** Runs every input of `inputs` (an iterable: generated or replayed) through the target. */
export function runInputs(target: FuzzTarget, inputs: Iterable<Buffer>, opts: RunOptions): FuzzStats {
  const stats: FuzzStats = { target: target.name, inputs: 0, results: 0, refused: 0, failures: 0, elapsedMs: 0, maxInputMs: 0, meanLength: 0 };
  const maxFailures = opts.maxFailures ?? 20;
  let totalLength = 0;
  const once = (input: Buffer): { ok: boolean; err?: unknown; ms: number } => {
    const t = performance.now();
    try {
      target.run(input);
      return { ok: true, ms: performance.now() - t };
    } catch (err) {
      return { ok: false, err, ms: performance.now() - t };
    }
  };
  const t0 = performance.now();
  for (const input of inputs) {
    opts.onInput?.(input, stats.inputs);
    stats.inputs++;
    totalLength += input.length;
    let r = once(input);
    // A slow input is measured again: one pause of a busy machine (GC, scheduling) is not the parser's fault.
    if (r.ms > opts.budgetMs) r = once(input);
    if (r.ms > stats.maxInputMs) stats.maxInputMs = r.ms;
    let failure: FuzzFailure | null = null;
    if (r.ms > opts.budgetMs) failure = { target: target.name, kind: 'slow', reason: `took ${r.ms.toFixed(1)} ms (budget ${opts.budgetMs} ms), twice`, input };
    else if (r.ok) stats.results++;
    else if (target.expected(r.err)) stats.refused++;
    else failure = { target: target.name, kind: 'exception', reason: describeError(r.err), input };
    if (failure) {
      stats.failures++;
      opts.onFailure(failure);
      if (stats.failures >= maxFailures) break;
    }
  }
  stats.elapsedMs = performance.now() - t0;
  stats.meanLength = stats.inputs ? totalLength / stats.inputs : 0;
  return stats;
}

/** `count` generated inputs for a target from a seed (deterministic). */
export function* generated(target: FuzzTarget, count: number, seed: number): Generator<Buffer> {
  const src = new InputSource(target, seed);
  for (let i = 0; i < count; i++) yield src.next();
}

/** Calls `fn` and swallows the parser's typed error only: for the secondary readers a target drives after a decode. */
export function tolerate(expected: (err: unknown) => boolean, fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!expected(err)) throw err;
  }
}
