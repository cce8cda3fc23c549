/**
 * The median the benchmarks read a set of paired ratios by (wrk.bench's slices, eap-load's monitor pairs, imap.bench's
 * rounds): the middle value, or the mean of the two middle ones for an even count — interpolated, unlike the
 * nearest-rank percentiles of src/ue/load.ts, so that two pairs give their mean and not the lower one. Also the range,
 * to say how far one pair's figure could be from the run's.
 */
export function medianOf(xs: readonly number[]): { median: number; min: number; max: number } {
  if (!xs.length) throw new RangeError('medianOf: no values');
  const sorted = [...xs].sort((p, q) => p - q);
  const n = sorted.length;
  const median = n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  return { median, min: sorted[0]!, max: sorted[n - 1]! };
}

/**
 * The builds of a `--root` comparison in the order one round runs them: as given in odd rounds, reversed in even
 * ones. Run second, the same build read 0.93× the authentications a second and 1.08× the daemon's CPU against itself
 * run first (docs/performance.md § Forty-sixth round), so a fixed order favours one side.
 */
export function inRoundOrder<T>(round: number, builds: readonly T[]): T[] {
  return round % 2 ? [...builds] : [...builds].reverse();
}
