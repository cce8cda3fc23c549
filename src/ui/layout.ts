/**
 * Layout of `omnisep monitor`: which columns fit the terminal, how wide each
 * is, how many rows a pane shows. Pure string arithmetic: every row is cut or
 * padded to exactly the terminal width, so nothing wraps and a resize only
 * changes the numbers here (the frame reflows, never garbles).
 */
import type { ActivityRecord } from '../contracts/activity.js';
import type { PeerView } from '../contracts/diameter.js';
import type { OdsaSubscriptionView } from '../contracts/odsa.js';
import type { PushBacklogView } from '../contracts/push.js';
import type { SessionView } from '../contracts/sessions.js';
import type { VvmAccount, VvmSms } from '../contracts/vvm.js';
import type { PaneId, Row, TokenRow } from './monitor-types.js';
import { showTime, type TimeFormat } from './time-format.js';
import { age } from '../util/age.js';
import { terminalSafe } from '../util/terminal-text.js';

/** Cut or pad to exactly `width` characters (an ellipsis marks a cut). */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length <= width) return text + ' '.repeat(width - chars.length);
  return width === 1 ? '…' : chars.slice(0, width - 1).join('') + '…';
}

const BARS = '▁▂▃▄▅▆▇█';

/** The last `width` values as a bar per value, scaled to the largest (all-zero = flat low bars). */
export function sparkline(values: readonly number[], width: number): string {
  const v = values.slice(-width);
  const max = Math.max(0, ...v);
  const bars = v.map((x) => (max <= 0 ? BARS[0]! : BARS[Math.min(BARS.length - 1, Math.round((Math.max(0, x) / max) * (BARS.length - 1)))]!));
  return ' '.repeat(Math.max(0, width - bars.length)) + bars.join('');
}

/** ISO timestamp → `HH:MM:SS.mmm` (UTC, the daemon's clock). */
export function clockTime(iso: string): string {
  const m = /T(\d\d:\d\d:\d\d)(\.\d{1,3})?/.exec(iso);
  if (!m) return iso;
  return m[1]! + (m[2] ?? '.000').padEnd(4, '0');
}

export type Outcome = 'ok' | 'failure' | 'error';

/** Colour class of an activity record: 5xx error, 4xx (or a TS.43/EAP failure code) failure, else ok. */
export function outcomeOf(r: Pick<ActivityRecord, 'response_status' | 'response_code'>): Outcome {
  if (r.response_status >= 500) return 'error';
  if (r.response_status >= 400) return 'failure';
  // TS.43 success is 1000; HTTP-style 200; anything else ≥ 400 (e.g. 6004) is a failure.
  if (r.response_code >= 400 && r.response_code !== 1000) return 'failure';
  return 'ok';
}

export const OUTCOME_COLOR: Record<Outcome, string> = { ok: 'green', failure: 'yellow', error: 'red' };

/** Colour of a session/token/peer/VVM/ODSA/push state word. */
export function stateColor(state: string): string {
  if (/^(authenticated|completed|active|connected|ready)$/i.test(state)) return 'green';
  if (/^(failed|revoked|expired|disconnected|closed|blocked|deactivated)$/i.test(state)) return 'red';
  return 'yellow';
}

/** What a cell may depend on besides its row: the daemon's "now" (ages) and the time format. */
export interface RowCtx {
  now: number;
  time: TimeFormat;
}

export interface ColumnDef<R> {
  header: string;
  /** Width in characters; the `flex` column takes what is left (at least this). */
  width: number;
  flex?: boolean;
  /** Dropped first (rightmost first) when the terminal is narrow. */
  optional?: boolean;
  align?: 'right';
  get: (row: R, ctx: RowCtx) => string;
  /** Sort key when this column is the sort column (default: the cell text). */
  sort?: (row: R, ctx: RowCtx) => number | string;
}

const dash = (v: unknown): string => (v === null || v === undefined || v === '' ? '-' : String(v));
const ms = (v: string | null): number => (v ? Date.parse(v) : Number.NaN);
/** Age of an ISO time at the daemon's now. */
const ageOf = (v: string | null, now: number): string => (v ? age(now - Date.parse(v)) : '-');
/** Time left until an ISO time (`-` when past or none). */
const inOf = (v: string | null, now: number): string => (v ? age(Math.max(0, Date.parse(v) - now)) : '-');

export const ACTIVITY_COLUMNS: ColumnDef<ActivityRecord>[] = [
  { header: 'TIME', width: 12, get: (r, c) => showTime(r.timestamp, c.time, 'clock'), sort: (r) => ms(r.timestamp) },
  { header: 'TYPE', width: 17, get: (r) => r.request_type },
  { header: 'IMSI', width: 15, get: (r) => dash(r.imsi) },
  { header: 'STATUS', width: 8, get: (r) => `${r.response_status}/${r.response_code}`, sort: (r) => r.response_status * 100_000 + r.response_code },
  { header: 'AUTH', width: 9, optional: true, get: (r) => dash(r.auth_method) },
  { header: 'APPS', width: 13, optional: true, get: (r) => (r.app_ids.length ? r.app_ids.join(',') : '-') },
  { header: 'TERMINAL', width: 15, optional: true, get: (r) => dash(r.terminal_id) },
  { header: 'REQUEST', width: 12, flex: true, get: (r) => `${r.request_method} ${r.request_path}` },
];

export const SESSION_COLUMNS: ColumnDef<SessionView>[] = [
  { header: 'SESSION', width: 14, flex: true, get: (s) => s.session_id },
  { header: 'IMSI', width: 15, get: (s) => dash(s.imsi) },
  { header: 'STATE', width: 14, get: (s) => s.state },
  { header: 'AGE', width: 8, align: 'right', get: (s, c) => age(c.now - s.created_at), sort: (s) => -s.created_at },
  { header: 'EAP ID', width: 6, align: 'right', optional: true, get: (s) => String(s.eap_id), sort: (s) => s.eap_id },
  { header: 'BACKEND', width: 7, optional: true, get: (s) => dash(s.backend) },
  { header: 'AAA SESSION', width: 22, optional: true, get: (s) => dash(s.aaa_session_id) },
];

/** A token past its expiry shows as expired even before the daemon says so. */
export const tokenState = (t: TokenRow, now: number): string => (t.state === 'active' && now > 0 && t.expires_at * 1000 <= now ? 'expired' : t.state);

export const TOKEN_COLUMNS: ColumnDef<TokenRow>[] = [
  { header: 'TOKEN', width: 14, flex: true, get: (t) => t.token_id },
  { header: 'IMSI', width: 15, get: (t) => t.imsi },
  { header: 'STATE', width: 7, get: (t, c) => tokenState(t, c.now) },
  { header: 'EXPIRES IN', width: 11, align: 'right', get: (t, c) => (tokenState(t, c.now) === 'active' ? age(t.expires_at * 1000 - c.now) : '-'), sort: (t) => t.expires_at },
  { header: 'AUTH', width: 9, optional: true, get: (t) => t.auth_method },
  { header: 'TERMINAL', width: 14, optional: true, get: (t) => dash(t.terminal_id) },
  { header: 'APP', width: 10, optional: true, get: (t) => dash(t.app_name) },
];

export const PEER_COLUMNS: ColumnDef<PeerView>[] = [
  { header: 'HOST', width: 16, flex: true, get: (p) => p.host },
  { header: 'STATUS', width: 12, get: (p) => p.status },
  { header: 'ADDRESS', width: 21, optional: true, get: (p) => (p.ip ? `${p.ip}:${p.port ?? '-'}` : '-') },
  { header: 'LAST DWA', width: 8, align: 'right', get: (p, c) => ageOf(p.last_dwa_at, c.now), sort: (p) => -(ms(p.last_dwa_at) || 0) },
  { header: 'REQ→/←ANS', width: 11, align: 'right', get: (p) => `${p.counters.requests_sent}/${p.counters.answers_received}`, sort: (p) => p.counters.requests_sent },
  { header: 'REQ←/→ANS', width: 11, align: 'right', optional: true, get: (p) => `${p.counters.requests_received}/${p.counters.answers_sent}`, sort: (p) => p.counters.requests_received },
  { header: 'T/O', width: 5, align: 'right', get: (p) => String(p.counters.timeouts), sort: (p) => p.counters.timeouts },
  { header: 'ERR', width: 5, align: 'right', get: (p) => String(p.counters.errors), sort: (p) => p.counters.errors },
];

export const VVM_ACCOUNT_COLUMNS: ColumnDef<VvmAccount>[] = [
  { header: 'IMSI', width: 15, get: (a) => a.imsi },
  { header: 'MSISDN', width: 15, get: (a) => dash(a.msisdn) },
  { header: 'STATUS', width: 11, get: (a) => a.status },
  { header: 'LANG', width: 4, optional: true, get: (a) => a.language },
  { header: 'PIN', width: 3, optional: true, get: (a) => (a.pin_set ? 'set' : '-') },
  { header: 'CLIENT', width: 12, flex: true, get: (a) => [a.client_type, a.protocol_version].filter(Boolean).join(' ') || '-' },
  { header: 'LOGIN FAIL', width: 10, align: 'right', optional: true, get: (a) => String(a.login_failures), sort: (a) => a.login_failures },
  { header: 'UPDATED', width: 8, align: 'right', get: (a, c) => ageOf(a.updated_at, c.now), sort: (a) => -ms(a.updated_at) },
];

export const VVM_SMS_COLUMNS: ColumnDef<VvmSms>[] = [
  { header: 'IMSI', width: 15, get: (m) => dash(m.imsi) },
  { header: 'TO', width: 15, get: (m) => m.to },
  { header: 'TYPE', width: 6, get: (m) => m.type },
  { header: 'STATE', width: 7, get: (m) => m.state },
  { header: 'TRIES', width: 5, align: 'right', get: (m) => String(m.attempts), sort: (m) => m.attempts },
  { header: 'NEXT IN', width: 8, align: 'right', optional: true, get: (m, c) => inOf(m.next_attempt_at, c.now), sort: (m) => ms(m.next_attempt_at) || 0 },
  { header: 'AGE', width: 8, align: 'right', get: (m, c) => ageOf(m.created_at, c.now), sort: (m) => -ms(m.created_at) },
  { header: 'REASON / LAST ERROR', width: 12, flex: true, get: (m) => (m.last_error ? `${m.reason}: ${m.last_error}` : m.reason) },
];

export const ODSA_COLUMNS: ColumnDef<OdsaSubscriptionView>[] = [
  { header: 'IMSI', width: 15, get: (o) => o.imsi },
  { header: 'APP', width: 6, get: (o) => o.app },
  { header: 'DEVICE', width: 14, flex: true, get: (o) => o.device_id },
  { header: 'STATE', width: 11, get: (o) => o.state },
  { header: 'SVC', width: 3, align: 'right', get: (o) => String(o.service_status), sort: (o) => o.service_status },
  { header: 'NAME', width: 14, optional: true, get: (o) => dash(o.friendly_name) },
  { header: 'MODEL', width: 12, optional: true, get: (o) => [o.vendor, o.model].filter(Boolean).join(' ') || '-' },
  { header: 'UPDATED', width: 8, align: 'right', get: (o, c) => ageOf(o.updated_at, c.now), sort: (o) => -ms(o.updated_at) },
];

export const PUSH_COLUMNS: ColumnDef<PushBacklogView>[] = [
  { header: 'IMSI', width: 15, get: (p) => p.imsi },
  { header: 'STATE', width: 7, get: (p) => p.state },
  { header: 'REASONS', width: 14, get: (p) => p.reasons.join(',') || '-' },
  { header: 'APPS', width: 13, optional: true, get: (p) => p.apps.join(',') || '-' },
  { header: 'TRIES', width: 5, align: 'right', get: (p) => String(p.attempts), sort: (p) => p.attempts },
  { header: 'NEXT IN', width: 8, align: 'right', optional: true, get: (p, c) => inOf(p.next_at, c.now), sort: (p) => ms(p.next_at) },
  { header: 'AGE', width: 8, align: 'right', get: (p, c) => ageOf(p.created_at, c.now), sort: (p) => -ms(p.created_at) },
  { header: 'LAST ERROR', width: 10, flex: true, get: (p) => dash(p.last_error) },
];

export const PANE_COLUMNS: { [K in PaneId]: ColumnDef<Row>[] } = {
  activity: ACTIVITY_COLUMNS as ColumnDef<Row>[],
  sessions: SESSION_COLUMNS as ColumnDef<Row>[],
  tokens: TOKEN_COLUMNS as ColumnDef<Row>[],
  peers: PEER_COLUMNS as ColumnDef<Row>[],
  vvm: VVM_ACCOUNT_COLUMNS as ColumnDef<Row>[],
  sms: VVM_SMS_COLUMNS as ColumnDef<Row>[],
  odsa: ODSA_COLUMNS as ColumnDef<Row>[],
  push: PUSH_COLUMNS as ColumnDef<Row>[],
};

/** A pane's sort: the column (by header) and the direction. */
export interface SortSpec {
  col: string;
  desc: boolean;
}

/** Each pane's natural order (newest or alphabetical first), as a sort the header can show. */
export const DEFAULT_SORT: { [K in PaneId]: SortSpec } = {
  activity: { col: 'TIME', desc: true },
  sessions: { col: 'AGE', desc: false },
  tokens: { col: 'EXPIRES IN', desc: true },
  peers: { col: 'HOST', desc: false },
  vvm: { col: 'IMSI', desc: false },
  sms: { col: 'AGE', desc: false },
  odsa: { col: 'UPDATED', desc: false },
  push: { col: 'AGE', desc: false },
};

/** Rows sorted by `spec` (stable: equal keys keep the order they came in); numbers before text, NaN last. */
export function sortRows<R>(rows: readonly R[], cols: readonly ColumnDef<R>[], spec: SortSpec, ctx: RowCtx): R[] {
  const col = cols.find((c) => c.header === spec.col);
  if (!col) return [...rows];
  const key = col.sort ?? col.get;
  const keyed = rows.map((row, i) => ({ row, i, k: key(row, ctx) }));
  const dir = spec.desc ? -1 : 1;
  keyed.sort((a, b) => {
    const an = typeof a.k === 'number' && Number.isNaN(a.k);
    const bn = typeof b.k === 'number' && Number.isNaN(b.k);
    if (an || bn) return an === bn ? a.i - b.i : an ? 1 : -1;
    const c = typeof a.k === 'number' && typeof b.k === 'number' ? a.k - b.k : String(a.k).localeCompare(String(b.k));
    return c === 0 ? a.i - b.i : c * dir;
  });
  return keyed.map((x) => x.row);
}

export interface FittedColumn<R> extends ColumnDef<R> {
  w: number;
}

/** Columns that fit `width` (one space between), optional ones dropped right to left; the flex one stretches. */
export function fitColumns<R>(cols: readonly ColumnDef<R>[], width: number): FittedColumn<R>[] {
  let keep = [...cols];
  const need = (cs: readonly ColumnDef<R>[]) => cs.reduce((a, c) => a + c.width, 0) + Math.max(0, cs.length - 1);
  while (need(keep) > width) {
    const idx = keep.map((c) => c.optional).lastIndexOf(true);
    if (idx < 0) break;
    keep = keep.filter((_, i) => i !== idx);
  }
  const spare = Math.max(0, width - need(keep));
  const flexAt = keep.findIndex((c) => c.flex);
  return keep.map((c, i) => ({ ...c, w: i === flexAt ? c.width + spare : c.width }));
}

/** One table line: every cell fitted, the whole cut to `width` (`at`: the context, or just "now" for ISO times). */
export function formatRow<R>(cols: readonly FittedColumn<R>[], row: R, at: RowCtx | number, width: number): string {
  const ctx: RowCtx = typeof at === 'number' ? { now: at, time: 'iso' } : at;
  const cells = cols.map((c) => {
    const text = terminalSafe(String(c.get(row, ctx) ?? '-'));
    return c.align === 'right' && [...text].length < c.w ? text.padStart(c.w) : fit(text, c.w);
  });
  return fit(cells.join(' '), width);
}

/** The table's header line; the sort column carries ↑ (ascending) or ↓ (descending). */
export function formatHeader<R>(cols: readonly FittedColumn<R>[], width: number, sort?: SortSpec): string {
  return fit(
    cols
      .map((c) => {
        const arrow = sort && c.header === sort.col ? (sort.desc ? '↓' : '↑') : '';
        // The arrow always shows: a header too long for it gives up its last letters.
        const h = arrow && [...c.header].length + 1 > c.w ? [...c.header].slice(0, Math.max(0, c.w - 1)).join('') + arrow : c.header + arrow;
        return c.align === 'right' ? fit(h, c.w).trimEnd().padStart(c.w) : fit(h, c.w);
      })
      .join(' '),
    width,
  );
}

/** Lines the screen gives each part; the pane body gets what the header, tabs and footer leave. */
export interface ScreenLayout {
  width: number;
  height: number;
  headerLines: number;
  bodyRows: number;
}

export const HEADER_LINES = 3; // identity + listeners, rates, tab bar
export const FOOTER_LINES = 1;

export function screenLayout(columns: number | undefined, rows: number | undefined): ScreenLayout {
  const width = Math.max(40, columns || 80);
  const height = Math.max(10, rows || 24);
  // header + table header line + footer; keep one spare line so ink never scrolls the terminal.
  const bodyRows = Math.max(1, height - HEADER_LINES - 1 - FOOTER_LINES - 1);
  return { width, height, headerLines: HEADER_LINES, bodyRows };
}

/** First visible row so that `selected` stays on screen (scrolls like `less`, centre-free). */
export function windowStart(selected: number, total: number, visible: number): number {
  if (total <= visible) return 0;
  const start = Math.max(0, selected - visible + 1);
  return Math.min(start, total - visible);
}
