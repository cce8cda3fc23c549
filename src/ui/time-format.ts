/**
 * Times in `omnisep monitor`, shown one way everywhere (`--time iso|local`).
 *
 * The contracts carry times three ways: ISO strings (activity `timestamp`,
 * VVM/ODSA `created_at`), ms since epoch (EAP session `created_at`) and unix
 * seconds (token `created_at`/`expires_at`). `toMs` reads all three; `showTime`
 * prints one. `iso` (the default, as the CLI prints times) is UTC with a `Z`;
 * `local` is the terminal's zone with its offset. Lists show the clock part
 * (`HH:MM:SS.mmm`), the detail view the whole date and time. Pure.
 */

export type TimeFormat = 'iso' | 'local';
export const TIME_FORMATS: readonly TimeFormat[] = ['iso', 'local'];

/** Field names that hold a time (detail view): `*_at`, `*_until`, `timestamp`. */
const TIME_KEY = /(^|_)(at|until)$|^timestamp$/;
export const isTimeKey = (key: string): boolean => TIME_KEY.test(key);

/** ms since epoch from an ISO string, ms or unix seconds (< 1e12 is seconds: before 2001 in ms); NaN if not a time. */
export function toMs(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) ? (Math.abs(v) < 1e12 ? v * 1000 : v) : NaN;
  if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v)) return Date.parse(v);
  return NaN;
}

const p2 = (n: number) => String(n).padStart(2, '0');
const p3 = (n: number) => String(n).padStart(3, '0');

/** `+01:00` / `-05:30` / `Z`-free offset of the local zone at that instant. */
export function localOffset(ms: number): string {
  const off = -new Date(ms).getTimezoneOffset();
  const a = Math.abs(off);
  return `${off < 0 ? '-' : '+'}${p2(Math.floor(a / 60))}:${p2(a % 60)}`;
}

/**
 * One time as text: `clock` → `HH:MM:SS.mmm` (lists), `full` → `2026-04-11T10:35:00.123Z` (iso) or
 * `2026-04-11 12:35:00.123 +02:00` (local). Not a time → `-` (null/absent) or the value as it came.
 */
export function showTime(v: unknown, tf: TimeFormat, style: 'clock' | 'full' = 'full'): string {
  if (v === null || v === undefined || v === '') return '-';
  const ms = toMs(v);
  if (!Number.isFinite(ms)) return String(v);
  const d = new Date(ms);
  if (tf === 'iso') {
    const iso = d.toISOString();
    return style === 'clock' ? iso.slice(11, 23) : iso;
  }
  const clock = `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${p3(d.getMilliseconds())}`;
  if (style === 'clock') return clock;
  return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${clock} ${localOffset(ms)}`;
}

/** What the TIME column's header says about the zone: `UTC`, or the local offset now. */
export const zoneLabel = (tf: TimeFormat, now: number): string => (tf === 'iso' ? 'UTC' : localOffset(now));
