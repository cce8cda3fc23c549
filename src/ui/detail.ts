/**
 * The detail view's content, pure: every field of a record flattened to
 * `dotted.key → text`, secrets masked, long values wrapped to the width (so
 * "every field" really shows all of it, scrolled with ↑↓).
 */
import { fit } from './layout.js';
import { isTimeKey, showTime, toMs, type TimeFormat } from './time-format.js';
import { terminalSafe } from '../util/terminal-text.js';

/** Field names that hold secrets (never shown even if a daemon sent one). */
const SECRET_KEY = /^(token|temporary_token|notif_token|access_token|authorization|proxy-authorization|cookie|set-cookie|ki|opc?|ck|ik|msk|emsk|k_?aut|k_?encr|k_?re|res|xres|pin|password|passwd|secret|signing_secret)$/i;
export const MASK = '[REDACTED]';
/** Continuation lines one value may take (a 4 KiB body at 80 columns fits). */
const MAX_WRAP = 80;

/**
 * `[dotted.key, text]` for every leaf of `row`, secrets masked, times (`*_at`, `*_until`, `timestamp`:
 * ISO strings, ms or unix seconds as the contracts carry them) in the one `--time` format.
 */
export function detailLines(row: unknown, time: TimeFormat = 'iso'): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const walk = (prefix: string, key: string, v: unknown): void => {
    if (key && SECRET_KEY.test(key)) {
      out.push([terminalSafe(prefix), MASK]);
      return;
    }
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.length === 0 && prefix) out.push([prefix, '{}']);
      for (const [k, sub] of entries) walk(prefix ? `${prefix}.${k}` : k, k, sub);
    } else if (Array.isArray(v)) {
      out.push([terminalSafe(prefix), v.length ? terminalSafe(v.map((x) => (x && typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ')) : '[]']);
    } else if (v !== null && v !== undefined && isTimeKey(key) && Number.isFinite(toMs(v))) out.push([terminalSafe(prefix), showTime(v, time)]);
    else out.push([terminalSafe(prefix), v === null || v === undefined ? '-' : terminalSafe(String(v), { multiline: true })]);
  };
  walk('', '', row);
  return out;
}

export interface DetailLine {
  /** The field name on its first line, '' on continuation lines. */
  key: string;
  text: string;
}

export const detailKeyWidth = (lines: ReadonlyArray<[string, string]>): number => Math.min(34, Math.max(1, ...lines.map(([k]) => k.length)));

/** Display lines at `width`: each value wrapped (its own newlines kept), key column aligned. */
export function detailDisplay(row: unknown, width: number, time: TimeFormat = 'iso'): { keyWidth: number; lines: DetailLine[] } {
  const fields = detailLines(row, time);
  const keyWidth = detailKeyWidth(fields);
  const valueWidth = Math.max(8, width - keyWidth - 2);
  const lines: DetailLine[] = [];
  for (const [key, value] of fields) {
    const chunks: string[] = [];
    for (const part of value.replace(/\t/g, ' ').split(/\r?\n/)) {
      const chars = [...part];
      if (chars.length === 0) chunks.push('');
      for (let i = 0; i < chars.length; i += valueWidth) chunks.push(chars.slice(i, i + valueWidth).join(''));
    }
    const shown = chunks.length > MAX_WRAP ? [...chunks.slice(0, MAX_WRAP - 1), `… ${chunks.length - MAX_WRAP + 1} more line(s)`] : chunks;
    shown.forEach((text, i) => lines.push({ key: i === 0 ? key : '', text: fit(text, valueWidth).trimEnd() }));
  }
  return { keyWidth, lines };
}

/** First line shown for `scroll` (clamped so the last screenful stays full). */
export function detailStart(total: number, height: number, scroll: number): number {
  const room = total <= height ? height : Math.max(1, height - 1);
  return Math.max(0, Math.min(scroll, total - room));
}
