/**
 * The state of `omnisep monitor` and its pure reducer (STYLE.md "Do this" 9:
 * a pure `monitorReducer(state, event)` and one hook that owns the stream).
 *
 * Everything the panes show is derived from this state; nothing here does
 * I/O or reads the clock: "now" is the time of the newest daemon event, so
 * ages and uptime are the daemon's and frames are reproducible in tests.
 *
 * Adding an event kind to src/contracts/events.ts is a one-place change here:
 * `EVENT_HANDLERS` is typed over every `DaemonEvent['kind']`, so the compiler
 * refuses to build until the new kind has its handler.
 */
import type { ActivityRecord } from '../contracts/activity.js';
import type { PeerView } from '../contracts/diameter.js';
import type { DaemonEvent, DaemonEventKind } from '../contracts/events.js';
import type { OdsaSubscriptionView } from '../contracts/odsa.js';
import type { PushBacklogView } from '../contracts/push.js';
import type { SessionView } from '../contracts/sessions.js';
import type { StatusResponse } from '../contracts/status.js';
import type { TokenView } from '../contracts/tokens.js';
import type { VvmAccount, VvmSms } from '../contracts/vvm.js';
import type { Hello, StreamStatus } from '../client/event-stream.js';
import { detailDisplay, detailStart } from './detail.js';
import { DEFAULT_SORT, PANE_COLUMNS, screenLayout, sortRows, type SortSpec } from './layout.js';
import type { PaneId, Row, RowAction, TokenRow, TokenState } from './monitor-types.js';
import { prependBounded } from './ring-buffer.js';
import type { TimeFormat } from './time-format.js';

export type { PaneId, Row, RowAction, TokenRow, TokenState } from './monitor-types.js';
export const PANES: readonly { id: PaneId; key: string; title: string }[] = [
  { id: 'activity', key: '1', title: 'Activity' },
  { id: 'sessions', key: '2', title: 'Sessions' },
  { id: 'tokens', key: '3', title: 'Tokens' },
  { id: 'peers', key: '4', title: 'Diameter' },
  { id: 'vvm', key: '5', title: 'VVM' },
  { id: 'sms', key: '6', title: 'VVM SMS' },
  { id: 'odsa', key: '7', title: 'ODSA' },
  { id: 'push', key: '8', title: 'Push' },
];
const PANE_IDS = PANES.map((p) => p.id);
const perPane = <T>(f: (p: PaneId) => T): Record<PaneId, T> => Object.fromEntries(PANE_IDS.map((p) => [p, f(p)])) as Record<PaneId, T>;

/** Seconds of request/error rate kept for the header sparkline. */
export const RATE_WINDOW = 60;
/** Default ring size: newest records kept per list (`--buffer`). */
export const DEFAULT_CAPACITY = 1000;
/**
 * Most activity records a second the daemon sends the monitor (`--sample`), spread evenly; the rest are counted in
 * the header. Two frames a second show a few dozen rows, and 200 a second keep five seconds in the default buffer.
 */
export const DEFAULT_SAMPLE = 200;


export interface Connection {
  state: StreamStatus['state'];
  target: string;
  attempt: number;
  reason: string | null;
}

export interface UiState {
  pane: PaneId;
  /** Selected row per pane, an index into the filtered, newest-first list. */
  selected: Record<PaneId, number>;
  /** The applied filter (IMSI or any text); '' = none. */
  filter: string;
  /** Non-null while the user types a filter after `/`. */
  filterDraft: string | null;
  /** The record whose detail is open (by id, so it stays put while rows move). */
  detail: { pane: PaneId; id: string } | null;
  /** First line of the open detail (↑↓ scroll it). */
  detailScroll: number;
  help: boolean;
  paused: boolean;
  quit: boolean;
  /** Sort column and direction per pane (`s` next column, `S` reverse). */
  sort: Record<PaneId, SortSpec>;
  /** A destructive action waiting for `y` (anything else cancels). */
  confirm: RowAction | null;
  /** An action the app must carry out through the source (numbered, so each runs once). */
  request: { seq: number; action: RowAction } | null;
  seq: number;
  /** The status line: the outcome of the last action (errors from the API as they came). */
  status: { text: string; level: 'info' | 'ok' | 'error' } | null;
}

export interface MonitorState {
  capacity: number;
  /** ms since epoch of the newest daemon timestamp seen. */
  now: number;
  connection: Connection;
  hello: Hello | null;
  /** listener name → URL, from GET /api/status. */
  listeners: Record<string, string>;
  /** Newest first, at most `capacity`. */
  activity: ActivityRecord[];
  /** Ids of the records the last history read brought (a stream event with one of them is a repeat). */
  historyIds: ReadonlySet<string>;
  /** Activity that arrived while paused (newest first, bounded); merged on resume. */
  held: ActivityRecord[];
  /** Insertion order = first seen; at most `capacity`. */
  sessions: ReadonlyMap<string, SessionView>;
  tokens: ReadonlyMap<string, TokenRow>;
  peers: ReadonlyMap<string, PeerView>;
  /** VVM accounts by IMSI, the SMS backlog by id, ODSA subscriptions by id, the push backlog by key (from the list routes). */
  vvmAccounts: ReadonlyMap<string, VvmAccount>;
  vvmSms: ReadonlyMap<string, VvmSms>;
  odsa: ReadonlyMap<string, OdsaSubscriptionView>;
  push: ReadonlyMap<string, PushBacklogView>;
  /** `--time`: how every time is shown (lists and detail). */
  time: TimeFormat;
  rates: { requests: number[]; errors: number[]; eap_success: number; eap_failure: number };
  /**
   * `dropped`: events the daemon lost for this reader (too slow); `sampled`: activity records the daemon left out of
   * this stream by its sample rate (`samplePerSecond`, from the last `sampled` event; the log keeps them all).
   */
  counters: { received: number; dropped: number; sampled: number; samplePerSecond: number; invalid: number; reconnects: number };
  /** Terminal size as last reported (the detail scroll is clamped with it). */
  screen: { columns: number | undefined; rows: number | undefined };
  ui: UiState;
}

/**
 * A snapshot fetched from the list routes when the stream (re)connects (and the VVM/ODSA lists again when
 * their activity shows they changed). Each part is optional: a part that is absent leaves its pane alone.
 */
export interface Snapshot {
  status?: StatusResponse;
  /** Recent history, newest first (GET /api/activity): merged with what the stream brought, by id. */
  activity?: ActivityRecord[];
  sessions?: SessionView[];
  tokens?: TokenView[];
  peers?: PeerView[];
  vvmAccounts?: VvmAccount[];
  vvmSms?: VvmSms[];
  odsa?: OdsaSubscriptionView[];
  push?: PushBacklogView[];
}

export type UiAction =
  | { type: 'pane'; pane: PaneId }
  | { type: 'next-pane'; delta: 1 | -1 }
  | { type: 'move'; delta: number }
  | { type: 'top' }
  | { type: 'bottom' }
  | { type: 'filter-start' }
  | { type: 'filter-input'; text: string }
  | { type: 'filter-backspace' }
  | { type: 'filter-apply' }
  | { type: 'filter-cancel' }
  | { type: 'filter-clear' }
  | { type: 'pause' }
  | { type: 'open' }
  | { type: 'scroll'; delta: number }
  | { type: 'back' }
  | { type: 'help' }
  | { type: 'quit' }
  | { type: 'sort-next' }
  | { type: 'sort-reverse' }
  /** `Ctrl-D`/`x` on the selected row: revoke a token, drop a session (asks y/N first). */
  | { type: 'delete' }
  /** `l` on the selected row: the activity of its IMSI (the Activity pane filtered, with its history read). */
  | { type: 'activity-of' }
  | { type: 'confirm-yes' }
  | { type: 'confirm-no' };

export type MonitorAction =
  /** `skipped`: activity events the frame queue let fall out (older than the ring keeps anyway), still counted. */
  | { type: 'events'; events: readonly DaemonEvent[]; skipped?: number }
  | { type: 'connection'; status: StreamStatus }
  | { type: 'snapshot'; snapshot: Snapshot }
  | { type: 'invalid'; count: number }
  | { type: 'resize'; columns: number | undefined; rows: number | undefined }
  /** The outcome of a requested action (`seq` of the request). */
  | { type: 'action-done'; seq: number; ok: boolean; text: string; records?: ActivityRecord[] }
  | UiAction;

export function initialState(opts: { capacity?: number; target?: string; filter?: string; time?: TimeFormat } = {}): MonitorState {
  return {
    capacity: Math.max(1, Math.floor(opts.capacity ?? DEFAULT_CAPACITY)),
    now: 0,
    connection: { state: 'connecting', target: opts.target ?? '', attempt: 0, reason: null },
    hello: null,
    listeners: {},
    activity: [],
    historyIds: new Set(),
    held: [],
    sessions: new Map(),
    tokens: new Map(),
    peers: new Map(),
    vvmAccounts: new Map(),
    vvmSms: new Map(),
    odsa: new Map(),
    push: new Map(),
    time: opts.time ?? 'iso',
    rates: { requests: [], errors: [], eap_success: 0, eap_failure: 0 },
    counters: { received: 0, dropped: 0, sampled: 0, samplePerSecond: 0, invalid: 0, reconnects: 0 },
    screen: { columns: undefined, rows: undefined },
    ui: {
      pane: 'activity',
      selected: perPane(() => 0),
      filter: opts.filter ?? '',
      filterDraft: null,
      detail: null,
      detailScroll: 0,
      help: false,
      paused: false,
      quit: false,
      sort: perPane((p) => DEFAULT_SORT[p]),
      confirm: null,
      request: null,
      seq: 0,
      status: null,
    },
  };
}

// ---------------------------------------------------------------------------
// Events: one handler per kind, applied to a draft copied once per batch.

interface Draft {
  s: MonitorState;
  fresh: ActivityRecord[];
  sessions: Map<string, SessionView> | null;
  tokens: Map<string, TokenRow> | null;
  peers: Map<string, PeerView> | null;
}

const sessionsOf = (d: Draft) => (d.sessions ??= new Map(d.s.sessions));
const tokensOf = (d: Draft) => (d.tokens ??= new Map(d.s.tokens));
const peersOf = (d: Draft) => (d.peers ??= new Map(d.s.peers));

type Handlers = { [K in DaemonEventKind]: (d: Draft, e: Extract<DaemonEvent, { kind: K }>) => void };

/** The one place that knows what each event kind does to the monitor. */
export const EVENT_HANDLERS: Handlers = {
  hello(d, e) {
    d.s.hello = e;
  },
  activity(d, e) {
    d.fresh.push(e.record);
  },
  session(d, e) {
    const m = sessionsOf(d);
    if (e.change === 'deleted') m.delete(e.session.session_id);
    else {
      m.delete(e.session.session_id); // re-insert: most recently changed last
      m.set(e.session.session_id, e.session);
    }
    trimMap(m, d.s.capacity);
  },
  token(d, e) {
    const m = tokensOf(d);
    const state: TokenState = e.change === 'issued' ? 'active' : e.change;
    m.delete(e.token.token_id);
    m.set(e.token.token_id, { ...e.token, state });
    trimMap(m, d.s.capacity);
  },
  peer(d, e) {
    peersOf(d).set(e.peer.host, e.peer);
  },
  rates(d, e) {
    const r = d.s.rates;
    d.s.rates = {
      requests: [...r.requests, e.requests_per_second].slice(-RATE_WINDOW),
      errors: [...r.errors, e.errors_per_second].slice(-RATE_WINDOW),
      eap_success: e.eap_success,
      eap_failure: e.eap_failure,
    };
  },
  dropped(d, e) {
    d.s.counters = { ...d.s.counters, dropped: d.s.counters.dropped + e.count };
  },
  sampled(d, e) {
    d.s.counters = { ...d.s.counters, sampled: d.s.counters.sampled + e.count, samplePerSecond: e.per_second };
  },
};

function trimMap<K, V>(m: Map<K, V>, cap: number): void {
  while (m.size > cap) m.delete(m.keys().next().value as K);
}

function applyEvents(state: MonitorState, events: readonly DaemonEvent[], skipped = 0): MonitorState {
  if (events.length === 0 && skipped === 0) return state;
  const d: Draft = { s: { ...state }, fresh: [], sessions: null, tokens: null, peers: null };
  let now = state.now;
  for (const e of events) {
    (EVENT_HANDLERS[e.kind] as (d: Draft, e: DaemonEvent) => void)(d, e);
    const t = Date.parse(e.at);
    if (t > now) now = t;
  }
  const s = d.s;
  s.now = now;
  s.counters = { ...s.counters, received: s.counters.received + events.length + skipped };
  if (d.sessions) s.sessions = d.sessions;
  if (d.tokens) s.tokens = d.tokens;
  if (d.peers) s.peers = d.peers;
  // A record the last history read already brought (it arrived both ways) is not listed twice. The
  // stream itself sends each record once, so only those ids are checked: one lookup per event.
  if (d.fresh.length && s.historyIds.size) d.fresh = d.fresh.filter((r) => !s.historyIds.has(r.id));
  if (d.fresh.length) {
    if (state.ui.paused) s.held = prependBounded(s.held, d.fresh, s.capacity);
    else {
      s.activity = prependBounded(s.activity, d.fresh, s.capacity);
      // Keep a scrolled-down selection on the same record while new ones arrive on top.
      const sel = s.ui.selected.activity;
      if (sel > 0) {
        const shift = d.fresh.filter((r) => matchesActivity(r, s.ui.filter)).length;
        s.ui = { ...s.ui, selected: { ...s.ui.selected, activity: Math.min(sel + shift, s.capacity - 1) } };
      }
    }
  }
  return s;
}

// ---------------------------------------------------------------------------
// Selectors: what each pane lists, newest first, after the filter.

const hay = (parts: ReadonlyArray<unknown>): string =>
  parts
    .filter((p) => p !== null && p !== undefined)
    .map((p) => (Array.isArray(p) ? p.join(' ') : String(p)))
    .join(' ')
    .toLowerCase();

export function matchesActivity(r: ActivityRecord, filter: string): boolean {
  if (!filter) return true;
  return hay([
    r.imsi, r.msisdn, r.request_type, r.request_method, r.request_path, r.terminal_id, r.terminal_vendor,
    r.terminal_model, r.client_ip, r.auth_method, r.response_status, r.response_code, r.app_ids, r.id,
  ]).includes(filter.toLowerCase());
}

const matchesSession = (s: SessionView, f: string) =>
  !f || hay([s.session_id, s.imsi, s.state, s.aaa_session_id, s.backend, s.terminal_id, s.app_ids]).includes(f.toLowerCase());
const matchesToken = (t: TokenRow, f: string) =>
  !f || hay([t.token_id, t.imsi, t.state, t.terminal_id, t.app_name, t.auth_method]).includes(f.toLowerCase());
const matchesPeer = (p: PeerView, f: string) =>
  !f || hay([p.host, p.status, p.ip, p.realm, p.product_name, p.transport]).includes(f.toLowerCase());
const matchesVvm = (a: VvmAccount, f: string) => !f || hay([a.imsi, a.msisdn, a.status, a.client_type, a.language]).includes(f.toLowerCase());
const matchesSms = (m: VvmSms, f: string) => !f || hay([m.id, m.imsi, m.to, m.type, m.state, m.reason, m.last_error]).includes(f.toLowerCase());
const matchesOdsa = (o: OdsaSubscriptionView, f: string) =>
  !f || hay([o.id, o.imsi, o.app, o.device_id, o.state, o.eid, o.iccid, o.vendor, o.model, o.friendly_name]).includes(f.toLowerCase());
const matchesPush = (p: PushBacklogView, f: string) => !f || hay([p.key, p.imsi, p.state, p.reasons, p.apps, p.last_error]).includes(f.toLowerCase());

export function visibleActivity(s: MonitorState): ActivityRecord[] {
  const rows = s.ui.filter ? s.activity.filter((r) => matchesActivity(r, s.ui.filter)) : s.activity;
  // The list is kept newest first: the default sort needs no work (thousands of events a second).
  const sort = s.ui.sort.activity;
  return sort.col === DEFAULT_SORT.activity.col && sort.desc === DEFAULT_SORT.activity.desc ? rows : sorted(s, 'activity', rows);
}

function sorted<R extends Row>(s: MonitorState, pane: PaneId, rows: readonly R[]): R[] {
  return sortRows(rows, PANE_COLUMNS[pane] as never, s.ui.sort[pane], { now: s.now, time: s.time }) as R[];
}
const listOf = <R extends Row>(s: MonitorState, pane: PaneId, m: ReadonlyMap<string, R>, match: (r: R, f: string) => boolean): R[] =>
  sorted(s, pane, [...m.values()].filter((x) => match(x, s.ui.filter)));

/** The panes listed from a map (all but Activity): where their rows are and what the filter reads. */
type ListPane = Exclude<PaneId, 'activity'>;
const LISTS: { [K in ListPane]: { rows: (s: MonitorState) => ReadonlyMap<string, Row>; match: (r: never, f: string) => boolean } } = {
  sessions: { rows: (s) => s.sessions, match: matchesSession },
  tokens: { rows: (s) => s.tokens, match: matchesToken },
  peers: { rows: (s) => s.peers, match: matchesPeer },
  vvm: { rows: (s) => s.vvmAccounts, match: matchesVvm },
  sms: { rows: (s) => s.vvmSms, match: matchesSms },
  odsa: { rows: (s) => s.odsa, match: matchesOdsa },
  push: { rows: (s) => s.push, match: matchesPush },
};

export const visibleSessions = (s: MonitorState): SessionView[] => visibleRows(s, 'sessions') as SessionView[];
export const visibleTokens = (s: MonitorState): TokenRow[] => visibleRows(s, 'tokens') as TokenRow[];
export const visiblePeers = (s: MonitorState): PeerView[] => visibleRows(s, 'peers') as PeerView[];

export function visibleRows(s: MonitorState, pane: PaneId = s.ui.pane): Row[] {
  if (pane === 'activity') return visibleActivity(s);
  const { rows, match } = LISTS[pane];
  return listOf(s, pane, rows(s), match as (r: Row, f: string) => boolean);
}

export function rowId(pane: PaneId, row: Row): string {
  switch (pane) {
    case 'activity':
    case 'sms':
    case 'odsa':
      return (row as ActivityRecord | VvmSms | OdsaSubscriptionView).id;
    case 'sessions':
      return (row as SessionView).session_id;
    case 'tokens':
      return (row as TokenRow).token_id;
    case 'peers':
      return (row as PeerView).host;
    case 'vvm':
      return (row as VvmAccount).imsi;
    case 'push':
      return (row as PushBacklogView).key;
  }
}

/** The subscriber a row is about (null for a Diameter peer or a record without one). */
export function rowImsi(pane: PaneId, row: Row): string | null {
  return pane === 'peers' ? null : ((row as { imsi?: string | null }).imsi ?? null);
}

/** The record whose detail is open, or null (it may have left the buffer). */
export function detailRow(s: MonitorState): Row | null {
  const d = s.ui.detail;
  if (!d) return null;
  if (d.pane === 'activity') return s.activity.find((r) => r.id === d.id) ?? s.held.find((r) => r.id === d.id) ?? null;
  return LISTS[d.pane].rows(s).get(d.id) ?? null;
}

/** Activity of the VVM panes (request types `vvm_*`, admin calls under /api/vvm) and of the ODSA panes (`odsa`, /api/odsa, /api/push). */
export function isPaneActivity(group: 'vvm' | 'odsa', r: Pick<ActivityRecord, 'request_type' | 'request_path'>): boolean {
  if (group === 'vvm') return r.request_type.startsWith('vvm_') || r.request_path.startsWith('/api/vvm');
  return r.request_type === 'odsa' || r.request_path.startsWith('/api/odsa') || r.request_path.startsWith('/api/push');
}
export const paneGroup = (pane: PaneId): 'vvm' | 'odsa' | null => (pane === 'vvm' || pane === 'sms' ? 'vvm' : pane === 'odsa' || pane === 'push' ? 'odsa' : null);

/** The newest `n` activity records of a VVM or ODSA pane (under the filter), for the strip below its table. */
export function paneActivity(s: MonitorState, pane: PaneId, n: number): ActivityRecord[] {
  const group = paneGroup(pane);
  const out: ActivityRecord[] = [];
  if (!group || n <= 0) return out;
  for (const r of s.activity) {
    if (isPaneActivity(group, r) && matchesActivity(r, s.ui.filter)) out.push(r);
    if (out.length >= n) break;
  }
  return out;
}

/** EAP success ratio in [0, 1], or null before any outcome. */
export function eapSuccessRatio(s: MonitorState): number | null {
  const total = s.rates.eap_success + s.rates.eap_failure;
  return total > 0 ? s.rates.eap_success / total : null;
}

// ---------------------------------------------------------------------------
// The reducer.

function withUi(s: MonitorState, ui: Partial<UiState>): MonitorState {
  return { ...s, ui: { ...s.ui, ...ui } };
}

function select(s: MonitorState, index: number): MonitorState {
  const n = visibleRows(s).length;
  const i = Math.max(0, Math.min(n - 1, index));
  return withUi(s, { selected: { ...s.ui.selected, [s.ui.pane]: Math.max(0, i) } });
}

function clampSelections(s: MonitorState): MonitorState {
  const selected = { ...s.ui.selected };
  for (const p of PANES) selected[p.id] = Math.max(0, Math.min(selected[p.id], visibleRows(s, p.id).length - 1));
  return withUi(s, { selected });
}

function applySnapshot(s: MonitorState, snap: Snapshot): MonitorState {
  const next = { ...s };
  if (snap.status) {
    next.listeners = Object.fromEntries(Object.entries(snap.status.listeners).map(([k, v]) => [k, v.url]));
    const t = Date.parse(snap.status.timestamp);
    if (t > next.now) next.now = t;
  }
  if (snap.sessions) {
    const m = new Map<string, SessionView>();
    for (const x of [...snap.sessions].sort((a, b) => a.created_at - b.created_at)) m.set(x.session_id, x);
    trimMap(m, s.capacity);
    next.sessions = m;
  }
  if (snap.tokens) {
    // Keep revoked/expired rows seen on the stream; replace the active set with the daemon's.
    const m = new Map<string, TokenRow>();
    for (const [id, t] of s.tokens) if (t.state !== 'active') m.set(id, t);
    for (const x of [...snap.tokens].sort((a, b) => a.created_at - b.created_at)) m.set(x.token_id, { ...x, state: 'active' });
    trimMap(m, s.capacity);
    next.tokens = m;
  }
  if (snap.peers) next.peers = new Map(snap.peers.map((p) => [p.host, p]));
  const byKey = <T>(xs: readonly T[], key: (x: T) => string): Map<string, T> => {
    const m = new Map(xs.map((x) => [key(x), x] as const));
    trimMap(m, s.capacity);
    return m;
  };
  if (snap.vvmAccounts) next.vvmAccounts = byKey(snap.vvmAccounts, (a) => a.imsi);
  if (snap.vvmSms) next.vvmSms = byKey(snap.vvmSms, (m) => m.id);
  if (snap.odsa) next.odsa = byKey(snap.odsa, (o) => o.id);
  if (snap.push) next.push = byKey(snap.push, (p) => p.key);
  if (snap.activity?.length) return clampSelections(mergeHistory(next, snap.activity));
  return clampSelections(next);
}

/**
 * History read from GET /api/activity merged into the list: one row per id (a record that arrived on the
 * stream too is kept once), newest first, cut at `capacity`; a scrolled selection stays on its record.
 */
export function mergeHistory(s: MonitorState, records: readonly ActivityRecord[]): MonitorState {
  const seen = new Set<string>();
  const all: ActivityRecord[] = [];
  for (const r of [...s.activity, ...s.held, ...records]) if (!seen.has(r.id)) (seen.add(r.id), all.push(r));
  const held = new Set(s.held.map((r) => r.id));
  const time = (r: ActivityRecord) => Date.parse(r.timestamp) || 0;
  const merged = all.filter((r) => !held.has(r.id)).sort((a, b) => time(b) - time(a)).slice(0, s.capacity);
  const sel = s.ui.selected.activity;
  const selId = sel > 0 ? visibleActivity(s)[sel]?.id : undefined;
  let next: MonitorState = { ...s, activity: merged, historyIds: new Set(records.map((r) => r.id)) };
  if (selId) {
    const i = visibleActivity(next).findIndex((r) => r.id === selId);
    if (i >= 0) next = withUi(next, { selected: { ...next.ui.selected, activity: i } });
  }
  for (const r of records) if (Date.parse(r.timestamp) > next.now) next.now = Date.parse(r.timestamp);
  return next;
}

const describe = (a: RowAction): string =>
  a.kind === 'revoke-token' ? `revoke token ${a.id}${a.imsi ? ` (IMSI ${a.imsi})` : ''}`
  : a.kind === 'drop-session' ? `drop EAP session ${a.id}${a.imsi ? ` (IMSI ${a.imsi})` : ''}`
  : `read the activity of ${a.imsi}`;
/** The confirmation prompt of a destructive action (the footer shows it). */
export const confirmPrompt = (a: RowAction): string => `${describe(a).replace(/^./, (c) => c.toUpperCase())}? y/N`;

function request(s: MonitorState, action: RowAction, text: string): MonitorState {
  const seq = s.ui.seq + 1;
  return withUi(s, { request: { seq, action }, seq, confirm: null, status: { text, level: 'info' } });
}

function selectedRow(s: MonitorState): Row | undefined {
  return visibleRows(s)[s.ui.selected[s.ui.pane]];
}

function onDelete(s: MonitorState): MonitorState {
  const row = selectedRow(s);
  const pane = s.ui.pane;
  if (!row) return withUi(s, { status: { text: 'no row selected', level: 'error' } });
  if (pane === 'tokens') {
    const t = row as TokenRow;
    if (t.state !== 'active') return withUi(s, { status: { text: `token ${t.token_id} is already ${t.state}`, level: 'error' } });
    return withUi(s, { confirm: { kind: 'revoke-token', id: t.token_id, imsi: t.imsi }, status: null });
  }
  if (pane === 'sessions') {
    const x = row as SessionView;
    return withUi(s, { confirm: { kind: 'drop-session', id: x.session_id, imsi: x.imsi }, status: null });
  }
  return withUi(s, { status: { text: 'Ctrl-D acts on the Tokens pane (revoke) and the Sessions pane (drop)', level: 'error' } });
}

function onActivityOf(s: MonitorState): MonitorState {
  const row = selectedRow(s);
  const imsi = row ? rowImsi(s.ui.pane, row) : null;
  if (!imsi) return withUi(s, { status: { text: row ? 'this row has no IMSI' : 'no row selected', level: 'error' } });
  const shown = withUi(s, { pane: 'activity', filter: imsi, filterDraft: null, detail: null, selected: { ...s.ui.selected, activity: 0 } });
  return request(shown, { kind: 'activity-of', imsi }, `reading the activity of ${imsi}…`);
}

function onDone(s: MonitorState, a: Extract<MonitorAction, { type: 'action-done' }>): MonitorState {
  const req = s.ui.request;
  const action = req && req.seq === a.seq ? req.action : null;
  let next = withUi(s, { request: req && req.seq === a.seq ? null : req, status: { text: a.text, level: a.ok ? 'ok' : 'error' } });
  if (!action || !a.ok) return next;
  // Show the outcome at once; the stream's event (token revoked, session deleted) says the same when it comes.
  if (action.kind === 'revoke-token') {
    const t = next.tokens.get(action.id);
    if (t) next = { ...next, tokens: new Map(next.tokens).set(action.id, { ...t, state: 'revoked' }) };
  } else if (action.kind === 'drop-session' && next.sessions.has(action.id)) {
    const m = new Map(next.sessions);
    m.delete(action.id);
    next = { ...next, sessions: m };
  } else if (action.kind === 'activity-of' && a.records) next = mergeHistory(next, a.records);
  return clampSelections(next);
}

export function monitorReducer(state: MonitorState, action: MonitorAction): MonitorState {
  const ui = state.ui;
  switch (action.type) {
    case 'events':
      return applyEvents(state, action.events, action.skipped);
    case 'snapshot':
      return applySnapshot(state, action.snapshot);
    case 'invalid':
      return { ...state, counters: { ...state.counters, invalid: state.counters.invalid + action.count } };
    case 'connection': {
      const st = action.status;
      const reconnects = state.counters.reconnects + (st.state === 'connected' && state.hello ? 1 : 0);
      return {
        ...state,
        hello: st.state === 'connected' ? st.hello : state.hello,
        connection: {
          state: st.state,
          target: st.target,
          attempt: st.state === 'reconnecting' ? st.attempt : 0,
          reason: st.state === 'reconnecting' || st.state === 'closed' ? st.reason : null,
        },
        counters: { ...state.counters, reconnects },
      };
    }
    case 'pane':
      return withUi(state, { pane: action.pane, detail: null });
    case 'next-pane': {
      const i = PANES.findIndex((p) => p.id === ui.pane);
      const next = PANES[(i + action.delta + PANES.length) % PANES.length]!;
      return withUi(state, { pane: next.id, detail: null });
    }
    case 'move':
      return select(state, ui.selected[ui.pane] + action.delta);
    case 'top':
      return select(state, 0);
    case 'bottom':
      return select(state, Number.MAX_SAFE_INTEGER);
    case 'filter-start':
      return withUi(state, { filterDraft: ui.filter, help: false });
    case 'filter-input':
      return ui.filterDraft === null ? state : withUi(state, { filterDraft: ui.filterDraft + action.text });
    case 'filter-backspace':
      return ui.filterDraft === null ? state : withUi(state, { filterDraft: ui.filterDraft.slice(0, -1) });
    case 'filter-apply':
      return clampSelections(withUi(state, { filter: (ui.filterDraft ?? ui.filter).trim(), filterDraft: null }));
    case 'filter-cancel':
      return withUi(state, { filterDraft: null });
    case 'filter-clear':
      return clampSelections(withUi(state, { filter: '' }));
    case 'pause':
      if (ui.paused) {
        const activity = prependBounded(state.activity, [...state.held].reverse(), state.capacity);
        return { ...state, activity, held: [], ui: { ...ui, paused: false } };
      }
      return withUi(state, { paused: true });
    case 'open': {
      const rows = visibleRows(state);
      const row = rows[ui.selected[ui.pane]];
      return row ? withUi(state, { detail: { pane: ui.pane, id: rowId(ui.pane, row) }, detailScroll: 0, help: false }) : state;
    }
    case 'scroll': {
      const row = detailRow(state);
      if (!row) return state;
      const L = screenLayout(state.screen.columns, state.screen.rows);
      const total = detailDisplay(row, L.width, state.time).lines.length;
      const next = detailStart(total, L.bodyRows, Math.max(0, Math.min(ui.detailScroll + action.delta, total)));
      return next === ui.detailScroll ? state : withUi(state, { detailScroll: next });
    }
    case 'resize':
      return { ...state, screen: { columns: action.columns, rows: action.rows } };
    case 'back':
      if (ui.help) return withUi(state, { help: false });
      if (ui.detail) return withUi(state, { detail: null });
      if (ui.filter) return clampSelections(withUi(state, { filter: '' }));
      return state;
    case 'help':
      return withUi(state, { help: !ui.help });
    case 'quit':
      return withUi(state, { quit: true });
    case 'sort-next': {
      const cols = PANE_COLUMNS[ui.pane];
      const i = cols.findIndex((c) => c.header === ui.sort[ui.pane].col);
      const col = cols[(i + 1) % cols.length]!.header;
      // A column's first direction is the pane's own for its default column, else ascending.
      const desc = col === DEFAULT_SORT[ui.pane].col ? DEFAULT_SORT[ui.pane].desc : false;
      return withUi(state, { sort: { ...ui.sort, [ui.pane]: { col, desc } } });
    }
    case 'sort-reverse': {
      const cur = ui.sort[ui.pane];
      return withUi(state, { sort: { ...ui.sort, [ui.pane]: { col: cur.col, desc: !cur.desc } } });
    }
    case 'delete':
      return onDelete(state);
    case 'activity-of':
      return onActivityOf(state);
    case 'confirm-yes':
      return ui.confirm ? request(state, ui.confirm, `${describe(ui.confirm)}…`) : state;
    case 'confirm-no':
      return ui.confirm ? withUi(state, { confirm: null, status: { text: `cancelled: ${describe(ui.confirm)}`, level: 'info' } }) : state;
    case 'action-done':
      return onDone(state, action);
  }
}
