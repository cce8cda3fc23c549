/**
 * Golden frames of every pane of `omnisep monitor`, rendered with
 * ink-testing-library from the fixture story (test/monitor-fixtures.ts),
 * plus detail, help, filter, pause, reconnecting and narrow layouts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import type { DaemonEvent } from '../src/contracts/events.js';
import { MonitorView } from '../src/ui/monitor-view.js';
import { rowColor } from '../src/ui/components/table-pane.js';
import { detailLines, MASK } from '../src/ui/detail.js';
import { initialState, monitorReducer, type MonitorAction, type MonitorState } from '../src/ui/monitor-state.js';
import { activity, activityEvent, at, hello, storyEvents } from './monitor-fixtures.js';
import { assertGolden, stripAnsi } from './monitor-golden.js';

const SOCK = '/run/omnisep/omnisep.sock';

function story(): MonitorState {
  let s = initialState({ target: SOCK });
  s = monitorReducer(s, { type: 'connection', status: { state: 'connected', target: SOCK, hello: hello() as Extract<DaemonEvent, { kind: 'hello' }> } });
  s = monitorReducer(s, { type: 'events', events: storyEvents() });
  return monitorReducer(s, {
    type: 'snapshot',
    snapshot: {
      status: {
        listeners: {
          http: { transport: 'tcp', protocol: 'http', url: 'http://127.0.0.1:9014' },
          admin: { transport: 'tcp', protocol: 'https', url: 'https://127.0.0.1:8443' },
        },
        timestamp: at(900),
      } as never,
    },
  });
}

const frame = (s: MonitorState, columns = 100, rows = 20): string => {
  const r = render(<MonitorView state={s} columns={columns} rows={rows} />);
  const f = r.lastFrame() ?? '';
  r.unmount();
  return f;
};
const after = (...a: MonitorAction[]) => a.reduce(monitorReducer, story());

test('Activity pane: newest first, header with version, uptime, listeners, sparkline, EAP ratio, drops', () => {
  const f = frame(story());
  assertGolden('activity', f);
  const lines = stripAnsi(f).split('\n');
  assert.match(lines[0]!, /omnisep 0\.1\.0 · up 1h 2m · connected/);
  assert.match(lines[1]!, /req\/s\s+4\.0 .*▁▂▃▄▆█▅▃▂▂  err\/s 0\.0  EAP ok 96\.1% \(49\/51\)  dropped 7/);
  assert.ok(lines.findIndex((l) => l.includes('act') || l.includes('token_auth')) < lines.findIndex((l) => l.includes('eap_challenge')));
});

test('Sessions pane: state and age', () => {
  const f = frame(after({ type: 'pane', pane: 'sessions' }));
  assertGolden('sessions', f);
  assert.match(stripAnsi(f), /sess-bbbb\s+001010000000002 failed\s+1m 5s/);
});

test('Tokens pane: active with time left, revoked', () => {
  const f = frame(after({ type: 'pane', pane: 'tokens' }));
  assertGolden('tokens', f);
  assert.match(stripAnsi(f), /tok-3333\s+001010000000002 revoked\s+-/);
});

test('Diameter peers pane: status, last watchdog, counters', () => {
  const f = frame(after({ type: 'pane', pane: 'peers' }));
  assertGolden('peers', f);
  assert.match(stripAnsi(f), /dra01\.epc\.mnc001\.mc… Connected\s+127\.0\.0\.1:3868\s+12s\s+12\/12\s+3\/3\s+0\s+0/);
});

test('detail of the selected record: every field', () => {
  const f = frame(after({ type: 'move', delta: 2 }, { type: 'open' }), 100, 30);
  assertGolden('detail', f);
  for (const field of ['id', 'timestamp', 'request_type', 'imsi', 'terminal_model', 'response_status', 'app_ids', 'request_headers.user-agent', 'response_summary'])
    assert.match(stripAnsi(f), new RegExp(`^${field.replace('.', '\\.')}\\s`, 'm'), field);
});

test('detail never shows a secret, even one the daemon should not have sent', () => {
  const leaky = activity(1, { request_headers: { authorization: 'Bearer s3cr3t-v4lue', cookie: 'sid=abc', 'user-agent': 'x' }, response_summary: { token: 'tok-value-123', nested: { msk: 'deadbeef' } } });
  let s = monitorReducer(story(), { type: 'events', events: [activityEvent({ ...leaky, id: 'leaky', timestamp: at(5000) })] });
  s = monitorReducer(s, { type: 'open' });
  const f = stripAnsi(frame(s, 100, 40));
  for (const secret of ['s3cr3t-v4lue', 'sid=abc', 'tok-value-123', 'deadbeef']) assert.ok(!f.includes(secret), secret);
  assert.match(f, /request_headers\.authorization\s+\[REDACTED\]/);
  assert.deepEqual(detailLines({ a: { ki: 'x', k: 'y' } }), [['a.ki', MASK], ['a.k', 'y']]);
});

test('help overlay lists the keys', () => {
  const f = frame(after({ type: 'help' }), 100, 24);
  assertGolden('help', f);
  assert.match(stripAnsi(f), /q  Ctrl-C\s+quit/);
});

test('filter: typing shows in the footer; applied, it narrows the pane and shows in the tab bar', () => {
  const typing = frame(after({ type: 'filter-start' }, { type: 'filter-input', text: '0010101' }));
  assert.match(stripAnsi(typing), /^\/0010101█/m);
  const f = frame(after({ type: 'filter-start' }, { type: 'filter-input', text: '001010123456789' }, { type: 'filter-apply' }));
  assertGolden('filtered', f);
  assert.match(stripAnsi(f), /filter: 001010123456789/);
  assert.equal((stripAnsi(f).match(/^10:35/gm) ?? []).length, 1);
});

test('paused: the list holds still and the header counts what waits', () => {
  const f = frame(after({ type: 'pause' }, { type: 'events', events: [activityEvent(activity(8)), activityEvent(activity(9))] }));
  assert.match(stripAnsi(f), /PAUSED \+2/);
  assert.ok(!stripAnsi(f).includes('10:35:00.900'));
});

test('reconnecting: the header says so, with the attempt and why; the data stays', () => {
  const s = monitorReducer(story(), { type: 'connection', status: { state: 'reconnecting', target: SOCK, attempt: 3, delay_ms: 800, reason: `no daemon at ${SOCK} — start one with: omnisep serve` } });
  const f = frame(s);
  assertGolden('reconnecting', f);
  assert.match(stripAnsi(f), /reconnecting… \(attempt 3: no daemon at \/run\/omnisep\/omnisep\.sock/);
  assert.match(stripAnsi(f), /token_auth/);
});

test('a narrow terminal reflows: optional columns go, no line is wider than the terminal', () => {
  for (const [cols, rows] of [[60, 14], [80, 24], [140, 30]] as const) {
    const f = stripAnsi(frame(story(), cols, rows));
    for (const line of f.split('\n')) assert.ok([...line].length <= cols, `${cols}: ${line}`);
    assert.ok(f.split('\n').length <= rows, `${rows} rows: ${f.split('\n').length}`);
  }
  assertGolden('narrow-60x14', frame(story(), 60, 14));
});

test('rows are coloured by outcome and state', () => {
  assert.equal(rowColor('activity', activity(1)), 'green');
  assert.equal(rowColor('activity', activity(1, { response_status: 403, response_code: 403 })), 'yellow');
  assert.equal(rowColor('activity', activity(1, { response_status: 500, response_code: 500 })), 'red');
  assert.equal(rowColor('sessions', { state: 'failed' } as never), 'red');
  assert.equal(rowColor('peers', { status: 'Connected' } as never), 'green');
  const tok = { state: 'active', expires_at: 1000 } as never;
  assert.equal(rowColor('tokens', tok, 999_000), 'green');
  assert.equal(rowColor('tokens', tok, 1_000_000), 'red', 'past expires_at it shows expired');
});
