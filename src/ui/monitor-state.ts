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
import type { SessionView } from '../contracts/sessions.js';
import type { StatusResponse } from '../contracts/status.js';
import type { TokenView } from '../contracts/tokens.js';
import type { Hello, StreamStatus } from '../client/event-stream.js';
import { detailDisplay, detailStart } from './detail.js';
import { screenLayout } from './layout.js';
import type { PaneId, Row, TokenRow, TokenState } from './monitor-types.js';
import { prependBounded } from './ring-buffer.js';

export type { PaneId, Row, TokenRow, TokenState } from './monitor-types.js';
export const PANES: readonly { id: PaneId; key: string; title: string }[] = [
  { id: 'activity', key: '1', title: 'Activity' },
  { id: 'sessions', key: '2', title: 'Sessions' },
  { id: 'tokens', key: '3', title: 'Tokens' },
  { id: 'peers', key: '4', title: 'Diameter peers' },
];

/** Seconds of request/error rate kept for the header sparkline. */
export const RATE_WINDOW = 60;
/** Default ring size: newest records kept per list (`--buffer`). */
export const DEFAULT_CAPACITY = 1000;


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
  /** Activity that arrived while paused (newest first, bounded); merged on resume. */
  held: ActivityRecord[];
  /** Insertion order = first seen; at most `capacity`. */
  sessions: ReadonlyMap<string, SessionView>;
  tokens: ReadonlyMap<string, TokenRow>;
  peers: ReadonlyMap<string, PeerView>;
  rates: { requests: number[]; errors: number[]; eap_success: number; eap_failure: number };
  counters: { received: number; dropped: number; invalid: number; reconnects: number };
  /** Terminal size as last reported (the detail scroll is clamped with it). */
  screen: { columns: number | undefined; rows: number | undefined };
  ui: UiState;
}

/** A snapshot fetched from the list routes when the stream (re)connects. */
export interface Snapshot {
  status?: StatusResponse;
  sessions?: SessionView[];
  tokens?: TokenView[];
  peers?: PeerView[];
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
  | { type: 'quit' };

export type MonitorAction =
  /** `skipped`: activity events the frame queue let fall out (older than the ring keeps anyway), still counted. */
  | { type: 'events'; events: readonly DaemonEvent[]; skipped?: number }
  | { type: 'connection'; status: StreamStatus }
  | { type: 'snapshot'; snapshot: Snapshot }
  | { type: 'invalid'; count: number }
  | { type: 'resize'; columns: number | undefined; rows: number | undefined }
  | UiAction;

export function initialState(opts: { capacity?: number; target?: string; filter?: string } = {}): MonitorState {
  return {
    capacity: Math.max(1, Math.floor(opts.capacity ?? DEFAULT_CAPACITY)),
    now: 0,
    connection: { state: 'connecting', target: opts.target ?? '', attempt: 0, reason: null },
    hello: null,
    listeners: {},
    activity: [],
    held: [],
    sessions: new Map(),
    tokens: new Map(),
    peers: new Map(),
    rates: { requests: [], errors: [], eap_success: 0, eap_failure: 0 },
    counters: { received: 0, dropped: 0, invalid: 0, reconnects: 0 },
    screen: { columns: undefined, rows: undefined },
    ui: {
      pane: 'activity',
      selected: { activity: 0, sessions: 0, tokens: 0, peers: 0 },
      filter: opts.filter ?? '',
      filterDraft: null,
      detail: null,
      detailScroll: 0,
      help: false,
      paused: false,
      quit: false,
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

export function visibleActivity(s: MonitorState): ActivityRecord[] {
  return s.ui.filter ? s.activity.filter((r) => matchesActivity(r, s.ui.filter)) : s.activity;
}
export function visibleSessions(s: MonitorState): SessionView[] {
  return [...s.sessions.values()].filter((x) => matchesSession(x, s.ui.filter)).sort((a, b) => b.created_at - a.created_at);
}
export function visibleTokens(s: MonitorState): TokenRow[] {
  return [...s.tokens.values()].filter((x) => matchesToken(x, s.ui.filter)).sort((a, b) => b.created_at - a.created_at);
}
export function visiblePeers(s: MonitorState): PeerView[] {
  return [...s.peers.values()].filter((x) => matchesPeer(x, s.ui.filter)).sort((a, b) => a.host.localeCompare(b.host));
}

export function visibleRows(s: MonitorState, pane: PaneId = s.ui.pane): Row[] {
  switch (pane) {
    case 'activity':
      return visibleActivity(s);
    case 'sessions':
      return visibleSessions(s);
    case 'tokens':
      return visibleTokens(s);
    case 'peers':
      return visiblePeers(s);
  }
}

export function rowId(pane: PaneId, row: Row): string {
  switch (pane) {
    case 'activity':
      return (row as ActivityRecord).id;
    case 'sessions':
      return (row as SessionView).session_id;
    case 'tokens':
      return (row as TokenRow).token_id;
    case 'peers':
      return (row as PeerView).host;
  }
}

/** The record whose detail is open, or null (it may have left the buffer). */
export function detailRow(s: MonitorState): Row | null {
  const d = s.ui.detail;
  if (!d) return null;
  switch (d.pane) {
    case 'activity':
      return s.activity.find((r) => r.id === d.id) ?? s.held.find((r) => r.id === d.id) ?? null;
    case 'sessions':
      return s.sessions.get(d.id) ?? null;
    case 'tokens':
      return s.tokens.get(d.id) ?? null;
    case 'peers':
      return s.peers.get(d.id) ?? null;
  }
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
      const total = detailDisplay(row, L.width).lines.length;
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
  }
}
