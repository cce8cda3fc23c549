/**
 * `omnisep monitor` as an ink application: the reducer's state, the stream
 * hook, keys, and the terminal size (a resize re-renders with the new
 * layout). `q` quits through ink's `exit()`.
 */
import { useApp, useInput, useStdout, type Key } from 'ink';
import { useEffect, useReducer, useRef, useState } from 'react';
import { keyToAction, splitBurst } from './keymap.js';
import { initialState, monitorReducer, type MonitorAction, type MonitorState } from './monitor-state.js';
import { MonitorView } from './monitor-view.js';
import type { TimeFormat } from './time-format.js';
import { useMonitorStream, type MonitorSource } from './use-monitor-stream.js';

export interface MonitorAppProps {
  source: MonitorSource;
  /** Newest records kept per list (ring size). */
  capacity?: number;
  frameMs?: number;
  filter?: string;
  target?: string;
  /** `--time`: iso (UTC, the default) or local. */
  time?: TimeFormat;
}

type AppAction = MonitorAction | { type: 'key'; input: string; key: Partial<Key> };

/** Keys go through the reducer so a burst of keys sees the state each previous key made. */
function appReducer(state: MonitorState, action: AppAction): MonitorState {
  if (action.type !== 'key') return monitorReducer(state, action);
  // Esc then a key, arriving in one read, parses as Alt+key: treat it as the two keys it was.
  if (action.key.meta && !action.key.escape && action.input.length === 1 && state.ui.filterDraft === null) {
    const back = appReducer(state, { type: 'key', input: '', key: { escape: true } });
    return appReducer(back, { type: 'key', input: action.input, key: { ...action.key, meta: false } });
  }
  const ui = keyToAction(action.input, action.key, state.ui);
  return ui ? monitorReducer(state, ui) : state;
}

/** The error of a failed action as one line: the API's message (`token not found (HTTP 404)`), never a stack. */
const failure = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

export function MonitorApp({ source, capacity, frameMs, filter, target, time }: MonitorAppProps) {
  const [state, dispatch] = useReducer(appReducer, undefined, () => initialState({ capacity, filter, target, time }));
  useMonitorStream(source, dispatch, { capacity: state.capacity, frameMs });
  // Row actions: the reducer asks (numbered), this runs each request once and reports its outcome.
  const ran = useRef(0);
  const request = state.ui.request;
  useEffect(() => {
    if (!request || request.seq <= ran.current) return;
    ran.current = request.seq;
    const { seq, action } = request;
    if (!source.act) {
      dispatch({ type: 'action-done', seq, ok: false, text: 'this source carries out no actions' });
      return;
    }
    source.act(action).then(
      (r) => dispatch({ type: 'action-done', seq, ok: true, text: r.text, records: r.records }),
      (err: unknown) => dispatch({ type: 'action-done', seq, ok: false, text: `${action.kind === 'activity-of' ? 'activity' : action.kind.replace('-', ' ')} failed: ${failure(err)}` }),
    );
  }, [request, source]);
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [size, setSize] = useState({ columns: stdout.columns, rows: stdout.rows });
  useEffect(() => {
    const onResize = () => {
      setSize({ columns: stdout.columns, rows: stdout.rows });
      dispatch({ type: 'resize', columns: stdout.columns, rows: stdout.rows });
    };
    dispatch({ type: 'resize', columns: stdout.columns, rows: stdout.rows });
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  useInput((input, key) => {
    for (const k of splitBurst(input, key)) dispatch({ type: 'key', input: k.input, key: k.key as Key });
  });
  useEffect(() => {
    if (state.ui.quit) exit();
  }, [state.ui.quit, exit]);
  return <MonitorView state={state} columns={size.columns} rows={size.rows} />;
}
