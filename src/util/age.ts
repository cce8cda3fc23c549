/**
 * A duration as a person reads it, shared by the CLI's tables (`tokens ls`
 * EXPIRES_IN) and the monitor's panes (AGE, LAST DWA, uptime). Pure.
 */

/** Milliseconds → `45s`, `3m 12s`, `2h 5m`, `1d 3h` (two units at most; `-` when unknown). */
export function age(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  const neg = ms < 0;
  let s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const out = d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : m ? `${m}m ${s}s` : `${s}s`;
  return neg ? `-${out}` : out;
}
