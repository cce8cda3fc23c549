/**
 * The load runner of `simulate eap-aka --count N --concurrency C`: runs N
 * jobs with at most C in flight, records each job's latency and outcome,
 * and summarises throughput and latency percentiles (nearest-rank).
 * No clocks of its own: the caller passes `now()` (performance.now in the CLI).
 */

export interface JobOutcome {
  ok: boolean;
  /** Why a job failed (grouped and counted in the summary). */
  reason?: string;
  /** The kind of failure (unreachable, rejected, error), counted in `failed_by_kind`. */
  kind?: string;
}

export interface LatencySummary {
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface LoadSummary {
  count: number;
  concurrency: number;
  ok: number;
  failed: number;
  duration_ms: number;
  /** Completed jobs (ok or not) per second of wall time. */
  throughput_per_s: number;
  /** Successful jobs per second. */
  ok_per_s: number;
  latency_ms: LatencySummary;
  /** Failure reasons with how many jobs ended with each. */
  failures: Record<string, number>;
  /** Failed jobs by kind (e.g. unreachable, rejected, error); a job that threw counts as error. */
  failed_by_kind: Record<string, number>;
}

/** Nearest-rank percentile of an ascending-sorted list (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summariseLatencies(latencies: readonly number[]): LatencySummary {
  const s = [...latencies].sort((a, b) => a - b);
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : 0;
  return { min: s[0] ?? 0, mean, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s.at(-1) ?? 0 };
}

export interface LoadOptions {
  count: number;
  concurrency: number;
  now: () => number;
  /** Called after each job (for a progress line). */
  onProgress?: (done: number, count: number) => void;
}

/** Run `job(i)` for i in 0..count-1, at most `concurrency` at once. A job that throws counts as failed with its message. */
export async function runLoad(job: (i: number) => Promise<JobOutcome>, opts: LoadOptions): Promise<LoadSummary> {
  const { count, now } = opts;
  const concurrency = Math.max(1, Math.min(opts.concurrency, count || 1));
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  const byKind: Record<string, number> = {};
  let next = 0;
  let done = 0;
  let ok = 0;
  const start = now();

  async function worker(): Promise<void> {
    while (next < count) {
      const i = next++;
      const t0 = now();
      let outcome: JobOutcome;
      try {
        outcome = await job(i);
      } catch (err) {
        outcome = { ok: false, reason: err instanceof Error ? err.message : String(err), kind: 'error' };
      }
      latencies.push(now() - t0);
      if (outcome.ok) ok++;
      else {
        const reason = outcome.reason ?? 'failed';
        failures[reason] = (failures[reason] ?? 0) + 1;
        const kind = outcome.kind ?? 'error';
        byKind[kind] = (byKind[kind] ?? 0) + 1;
      }
      done++;
      opts.onProgress?.(done, count);
    }
  }

  await Promise.all(Array.from({ length: concurrency }, worker));
  const duration = now() - start;
  const perS = (n: number): number => (duration > 0 ? (n * 1000) / duration : 0);
  return {
    count,
    concurrency,
    ok,
    failed: count - ok,
    duration_ms: duration,
    throughput_per_s: perS(count),
    ok_per_s: perS(ok),
    latency_ms: summariseLatencies(latencies),
    failures,
    failed_by_kind: byKind,
  };
}
