/**
 * V8's young generation held at its initial size while `omnisep serve` starts (docs/performance.md § Third round).
 * Loading ~1,300 modules makes many long-lived objects; each scavenge then sees a high survival rate and doubles
 * the semispaces (1 → 16 MB each), which an idle daemon keeps: ≈ 23 MB of its resident memory. With the growth
 * factor at 1 during start-up the semispaces stay at 1 MB; after start-up it is set back to V8's default (2), so
 * under load the young generation grows as before and request throughput is unchanged.
 *
 * `bin/run.js` holds it before the `serve` modules load, `daemon/serve-run.ts`
 * releases it once the daemon listens. Nothing is changed when node was started with a semispace flag of its own
 * (command line or NODE_OPTIONS): the operator's choice stands.
 */
import { setFlagsFromString } from 'node:v8';

/** V8's default `--semi-space-growth-factor`. */
const V8_DEFAULT_GROWTH = 2;
let held = false;

/** Keep the semispaces from growing until `releaseYoungGeneration()`; false when the operator set a semispace flag. */
export function holdYoungGeneration(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  if ([...execArgv, ...(nodeOptions ?? '').split(/\s+/)].some((a) => /^--(max|min)[-_]semi[-_]space|^--semi[-_]space/.test(a))) return false;
  setFlagsFromString('--semi-space-growth-factor=1');
  held = true;
  return true;
}

/** Back to V8's default growth (a no-op when nothing was held). */
export function releaseYoungGeneration(): void {
  if (!held) return;
  setFlagsFromString(`--semi-space-growth-factor=${V8_DEFAULT_GROWTH}`);
  held = false;
}
