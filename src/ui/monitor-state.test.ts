import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { DaemonEvent } from '../contracts/events.js';
import { activity, activityEvent, at, hello, odsaSub, pushEntry, session, storyEvents, token, vvmAccount, vvmSms } from '../../test/monitor-fixtures.js';
import {
  EVENT_HANDLERS, RATE_WINDOW, confirmPrompt, detailRow, eapSuccessRatio, initialState, monitorReducer, paneActivity, visibleActivity, visibleRows,
  visibleSessions, visibleTokens, type MonitorAction, type MonitorState,
} from './monitor-state.js';

const run = (actions: MonitorAction[], s: MonitorState = initialState()) => actions.reduce(monitorReducer, s);
const events = (...e: DaemonEvent[]): MonitorAction => ({ type: 'events', events: e });

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    if (o instanceof Map) for (const v of o.values()) deepFreeze(v);
    else for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

test('every event kind of the contract has a handler', () => {
  assert.deepEqual(Object.keys(EVENT_HANDLERS).sort(), ['activity', 'dropped', 'hello', 'peer', 'rates', 'sampled', 'session', 'token']);
});

test('sampled: the records the daemon left out of this stream are counted with its rate, apart from drops', () => {
  const s = run([
    events({ kind: 'sampled', at: at(100), count: 1200, per_second: 200 }, activityEvent(activity(1))),
    events({ kind: 'sampled', at: at(200), count: 800, per_second: 200 }),
  ]);
  assert.equal(s.counters.sampled, 2000);
  assert.equal(s.counters.samplePerSecond, 200);
  assert.equal(s.counters.dropped, 0);
  assert.deepEqual(s.activity.map((r) => r.id), [activity(1).id]);
});

test('the story: newest activity first, sessions by age, token states, peers, EAP ratio, drops', () => {
  const s = run([events(...storyEvents())]);
  assert.deepEqual(s.activity.map((r) => r.id), ['act-0005', 'act-0004', 'act-0003', 'act-0002', 'act-0001']);
  assert.deepEqual(visibleSessions(s).map((x) => [x.session_id, x.state]), [
    ['sess-aaaa', 'challenge_sent'],
    ['sess-bbbb', 'failed'],
    ['sess-cccc', 'completed'],
  ]);
  assert.deepEqual(visibleTokens(s).map((t) => [t.token_id, t.state]), [['tok-2222', 'active'], ['tok-1111', 'active'], ['tok-3333', 'revoked']]);
  assert.equal(s.peers.size, 2);
  assert.equal(s.counters.dropped, 7);
  assert.equal(s.counters.received, storyEvents().length);
  assert.equal(eapSuccessRatio(s), 49 / 51);
  assert.equal(s.now, Date.parse(at(900)), 'now is the newest daemon time seen');
  assert.equal(s.hello?.version, '0.1.0');
});

test('the reducer never mutates the state it is given', () => {
  const before = deepFreeze(run([events(...storyEvents())]));
  const more: MonitorAction[] = [
    events(activityEvent(activity(9)), { kind: 'session', at: at(999), change: 'deleted', session: session('sess-aaaa', '001010000000001', 'failed', 0) }),
    { type: 'move', delta: 2 }, { type: 'pause' }, events(activityEvent(activity(10))), { type: 'pause' },
    { type: 'filter-start' }, { type: 'filter-input', text: '0001' }, { type: 'filter-apply' }, { type: 'open' }, { type: 'back' }, { type: 'quit' },
  ];
  assert.doesNotThrow(() => run(more, before));
});

test('activity is a bounded ring: only the newest `capacity` records stay', () => {
  const s = run([events(...Array.from({ length: 250 }, (_, i) => activityEvent(activity(i))))], initialState({ capacity: 100 }));
  assert.equal(s.activity.length, 100);
  assert.equal(s.activity[0]!.id, 'act-0249');
  assert.equal(s.activity[99]!.id, 'act-0150');
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 50 }), fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 20 }), (cap, batches) => {
      let st = initialState({ capacity: cap });
      let n = 0;
      for (const b of batches) st = monitorReducer(st, events(...Array.from({ length: b }, () => activityEvent(activity(n++)))));
      assert.ok(st.activity.length <= cap);
      assert.equal(st.activity.length, Math.min(cap, n));
      if (n) assert.equal(st.activity[0]!.id, activity(n - 1).id);
    }),
  );
});

test('rates keep the last 60 s for the sparkline', () => {
  const rates = Array.from({ length: 75 }, (_, i): DaemonEvent => ({ kind: 'rates', at: at(i * 1000), requests_per_second: i, errors_per_second: 0, eap_success: 0, eap_failure: 0 }));
  const s = run([events(...rates)]);
  assert.equal(s.rates.requests.length, RATE_WINDOW);
  assert.equal(s.rates.requests[0], 15);
  assert.equal(s.rates.requests.at(-1), 74);
  assert.equal(eapSuccessRatio(s), null, 'no EAP outcome yet');
});

test('pause freezes the activity list; resume merges what arrived, newest first', () => {
  let s = run([events(activityEvent(activity(1))), { type: 'pause' }, events(activityEvent(activity(2)), activityEvent(activity(3)))]);
  assert.deepEqual(s.activity.map((r) => r.id), ['act-0001']);
  assert.deepEqual(s.held.map((r) => r.id), ['act-0003', 'act-0002']);
  assert.equal(s.ui.paused, true);
  s = monitorReducer(s, { type: 'pause' });
  assert.deepEqual(s.activity.map((r) => r.id), ['act-0003', 'act-0002', 'act-0001']);
  assert.deepEqual(s.held, []);
});

test('a scrolled-down selection stays on its record while new ones arrive', () => {
  let s = run([events(...[1, 2, 3, 4].map((n) => activityEvent(activity(n)))), { type: 'move', delta: 2 }]);
  assert.equal((visibleRows(s)[s.ui.selected.activity] as { id: string }).id, 'act-0002');
  s = monitorReducer(s, events(activityEvent(activity(5)), activityEvent(activity(6))));
  assert.equal((visibleRows(s)[s.ui.selected.activity] as { id: string }).id, 'act-0002');
  // at the top, the selection follows the newest
  s = run([{ type: 'top' }, events(activityEvent(activity(7)))], s);
  assert.equal(s.ui.selected.activity, 0);
});

test('filter by IMSI or text; Esc clears it; selections are clamped', () => {
  let s = run([events(...storyEvents()), { type: 'bottom' }, { type: 'filter-start' }]);
  assert.equal(s.ui.selected.activity, 4);
  for (const ch of '0010101234') s = monitorReducer(s, { type: 'filter-input', text: ch });
  s = monitorReducer(s, { type: 'filter-backspace' });
  s = monitorReducer(s, { type: 'filter-input', text: '4' });
  assert.equal(s.ui.filterDraft, '0010101234');
  assert.equal(s.ui.filter, '', 'not applied while typing');
  s = monitorReducer(s, { type: 'filter-apply' });
  assert.deepEqual(visibleActivity(s).map((r) => r.id), ['act-0003']);
  assert.equal(s.ui.selected.activity, 0);
  s = run([{ type: 'filter-start' }, { type: 'filter-input', text: 'x' }, { type: 'filter-cancel' }], s);
  assert.equal(s.ui.filter, '0010101234', 'cancel keeps the applied filter');
  s = run([{ type: 'filter-start' }, ...[...'xcap'].map((c): MonitorAction => ({ type: 'filter-input', text: c }))], { ...s, ui: { ...s.ui, filter: '' } });
  s = monitorReducer(s, { type: 'filter-apply' });
  assert.deepEqual(visibleActivity(s).map((r) => r.id), ['act-0004'], 'text matches the request type');
  s = monitorReducer(s, { type: 'back' });
  assert.equal(s.ui.filter, '');
  assert.equal(visibleActivity(s).length, 5);
});

test('Enter opens the selected record by id; it survives new arrivals; Esc goes back', () => {
  let s = run([events(...storyEvents()), { type: 'move', delta: 1 }, { type: 'open' }]);
  assert.deepEqual(s.ui.detail, { pane: 'activity', id: 'act-0004' });
  s = monitorReducer(s, events(activityEvent(activity(20))));
  assert.equal((detailRow(s) as { id: string }).id, 'act-0004');
  s = monitorReducer(s, { type: 'back' });
  assert.equal(s.ui.detail, null);
  s = run([{ type: 'pane', pane: 'peers' }, { type: 'open' }], s);
  assert.deepEqual(s.ui.detail, { pane: 'peers', id: 'aaa.lab' });
  assert.equal(run([{ type: 'pane', pane: 'sessions' }, { type: 'open' }], initialState()).ui.detail, null, 'nothing to open');
});

test('panes: number keys and Tab both ways wrap around', () => {
  let s = initialState();
  const seq: string[] = [];
  for (let i = 0; i < 9; i++) {
    s = monitorReducer(s, { type: 'next-pane', delta: 1 });
    seq.push(s.ui.pane);
  }
  assert.deepEqual(seq, ['sessions', 'tokens', 'peers', 'vvm', 'sms', 'odsa', 'push', 'activity', 'sessions']);
  assert.equal(monitorReducer(initialState(), { type: 'next-pane', delta: -1 }).ui.pane, 'push');
});

test('sessions: deleted ones leave; tokens: revoke replaces the row; the maps are bounded too', () => {
  let s = run([events(...storyEvents(), { kind: 'session', at: at(1000), change: 'deleted', session: session('sess-bbbb', '001010000000002', 'failed', 0) })]);
  assert.deepEqual(visibleSessions(s).map((x) => x.session_id), ['sess-aaaa', 'sess-cccc']);
  s = monitorReducer(s, events({ kind: 'token', at: at(1001), change: 'revoked', token: token('tok-1111', '001010000000003', -3600) }));
  assert.equal(s.tokens.get('tok-1111')!.state, 'revoked');
  const many = Array.from({ length: 30 }, (_, i): DaemonEvent => ({ kind: 'session', at: at(i), change: 'created', session: session(`s-${i}`, '001010000000001', 'pending', i) }));
  assert.equal(run([events(...many)], initialState({ capacity: 10 })).sessions.size, 10);
});

test('connection states: reconnecting keeps the data and says why; a second connected counts a reconnect', () => {
  const h = hello() as Extract<DaemonEvent, { kind: 'hello' }>;
  let s = run([{ type: 'connection', status: { state: 'connected', target: '/s', hello: h } }, events(...storyEvents())]);
  s = monitorReducer(s, { type: 'connection', status: { state: 'reconnecting', target: '/s', attempt: 2, delay_ms: 400, reason: 'no daemon at /s' } });
  assert.deepEqual(s.connection, { state: 'reconnecting', target: '/s', attempt: 2, reason: 'no daemon at /s' });
  assert.equal(s.activity.length, 5);
  s = monitorReducer(s, { type: 'connection', status: { state: 'connected', target: '/s', hello: h } });
  assert.equal(s.connection.state, 'connected');
  assert.equal(s.counters.reconnects, 1);
});

test('a snapshot fills sessions, tokens and listeners; stream-seen revoked tokens stay', () => {
  let s = run([events(...storyEvents())]);
  s = monitorReducer(s, {
    type: 'snapshot',
    snapshot: {
      sessions: [session('sess-zzzz', '001010000000009', 'authenticated', 0)],
      tokens: [token('tok-9999', '001010000000009', 0)],
      status: { listeners: { http: { transport: 'tcp', protocol: 'http', url: 'http://127.0.0.1:9014' } }, timestamp: at(2000) } as never,
    },
  });
  assert.deepEqual([...s.sessions.keys()], ['sess-zzzz']);
  assert.deepEqual(visibleTokens(s).map((t) => `${t.token_id}:${t.state}`), ['tok-9999:active', 'tok-3333:revoked']);
  assert.deepEqual(s.listeners, { http: 'http://127.0.0.1:9014' });
  assert.equal(s.now, Date.parse(at(2000)));
});

test('detail scroll: long values wrap; ↑↓ scroll within the record, clamped to its last screenful', async () => {
  const { detailDisplay } = await import('./detail.js');
  const body = Array.from({ length: 30 }, (_, i) => `<line ${i}>`).join('\n');
  const long = activity(1, { id: 'long', response_body: body, request_path: `/${'x'.repeat(150)}` });
  const shown = detailDisplay(long, 80);
  assert.ok(shown.lines.filter((l) => l.key === '').length >= 30, 'the body continues on its own lines');
  assert.equal(shown.lines.find((l) => l.key === 'request_path')!.text.length, 80 - shown.keyWidth - 2);
  let s = run([{ type: 'resize', columns: 80, rows: 20 }, events(activityEvent(long)), { type: 'open' }]);
  assert.equal(s.ui.detailScroll, 0);
  s = run([{ type: 'scroll', delta: 3 }], s);
  assert.equal(s.ui.detailScroll, 3);
  s = run([{ type: 'scroll', delta: Number.MAX_SAFE_INTEGER }], s);
  const last = s.ui.detailScroll;
  assert.equal(last, shown.lines.length - (20 - 6 - 1), 'the last screenful stays full');
  assert.equal(run([{ type: 'scroll', delta: 1 }], s).ui.detailScroll, last);
  assert.equal(run([{ type: 'scroll', delta: -1 }], s).ui.detailScroll, last - 1, 'one ↑ after the end moves at once');
  assert.equal(run([{ type: 'back' }, { type: 'open' }], s).ui.detailScroll, 0, 'a reopened record starts at the top');
});

test('history on open: the snapshot fills Activity; a record that came on the stream too is listed once', () => {
  const hist = [activity(5), activity(4), activity(3)]; // newest first, as GET /api/activity answers
  // the stream brought 4 and 6 before the history answer arrived (6 not yet in it), then 5 (in the history) and 7 after it
  let s = run([events(activityEvent(activity(4)), activityEvent(activity(6)))]);
  s = monitorReducer(s, { type: 'snapshot', snapshot: { activity: hist } });
  assert.deepEqual(s.activity.map((r) => r.id), ['act-0006', 'act-0005', 'act-0004', 'act-0003']);
  s = monitorReducer(s, events(activityEvent(activity(5)), activityEvent(activity(7))));
  assert.deepEqual(s.activity.map((r) => r.id), ['act-0007', 'act-0006', 'act-0005', 'act-0004', 'act-0003']);
  // a reconnect reads the history again: nothing doubles, the cut is the capacity
  const small = run([{ type: 'snapshot', snapshot: { activity: hist } }, { type: 'snapshot', snapshot: { activity: [activity(9), ...hist] } }], initialState({ capacity: 3 }));
  assert.deepEqual(small.activity.map((r) => r.id), ['act-0009', 'act-0005', 'act-0004']);
});

test('a history merge keeps a scrolled selection on its record', () => {
  let s = run([events(...[1, 2, 3, 4].map((i) => activityEvent(activity(i)))), { type: 'move', delta: 2 }]);
  assert.equal(visibleActivity(s)[s.ui.selected.activity]!.id, 'act-0002');
  s = monitorReducer(s, { type: 'snapshot', snapshot: { activity: [activity(8), activity(7)] } });
  assert.equal(visibleActivity(s)[s.ui.selected.activity]!.id, 'act-0002');
});

test('sort: s walks the columns, S reverses; the header spec follows; rows follow the key', () => {
  let s = run([events(...storyEvents()), { type: 'pane', pane: 'sessions' }]);
  assert.deepEqual(s.ui.sort.sessions, { col: 'AGE', desc: false });
  assert.deepEqual(visibleSessions(s).map((x) => x.session_id), ['sess-aaaa', 'sess-bbbb', 'sess-cccc'], 'newest first by default');
  s = monitorReducer(s, { type: 'sort-reverse' });
  assert.deepEqual(visibleSessions(s).map((x) => x.session_id), ['sess-cccc', 'sess-bbbb', 'sess-aaaa']);
  s = run([{ type: 'sort-next' }, { type: 'sort-next' }], s); // AGE → EAP ID → BACKEND? no: SESSION IMSI STATE AGE EAP ID…
  assert.deepEqual(s.ui.sort.sessions, { col: 'BACKEND', desc: false });
  s = run([{ type: 'sort-next' }, { type: 'sort-next' }, { type: 'sort-next' }, { type: 'sort-next' }], s); // AAA SESSION, SESSION, IMSI, STATE
  assert.deepEqual(s.ui.sort.sessions, { col: 'STATE', desc: false });
  assert.deepEqual(visibleSessions(s).map((x) => x.state), ['challenge_sent', 'completed', 'failed']);
  s = monitorReducer(s, { type: 'sort-reverse' });
  assert.deepEqual(visibleSessions(s).map((x) => x.state), ['failed', 'completed', 'challenge_sent']);
  // activity: by STATUS, numerically; the other panes keep their own sort
  let a = run([events(...storyEvents()), { type: 'sort-next' }, { type: 'sort-next' }, { type: 'sort-next' }]);
  assert.deepEqual(a.ui.sort.activity, { col: 'STATUS', desc: false });
  assert.deepEqual(visibleActivity(a).map((r) => r.response_status), [200, 200, 200, 403, 500]);
  a = monitorReducer(a, { type: 'sort-reverse' });
  assert.deepEqual(visibleActivity(a).map((r) => r.response_status), [500, 403, 200, 200, 200]);
  assert.deepEqual(a.ui.sort.tokens, { col: 'EXPIRES IN', desc: true });
});

test('revoke: Ctrl-D asks, n cancels, y requests; the outcome lands in the status line and the row', () => {
  let s = run([events(...storyEvents()), { type: 'pane', pane: 'tokens' }]);
  assert.equal(visibleTokens(s)[0]!.token_id, 'tok-2222');
  s = monitorReducer(s, { type: 'delete' });
  assert.deepEqual(s.ui.confirm, { kind: 'revoke-token', id: 'tok-2222', imsi: '001010000000001' });
  assert.equal(confirmPrompt(s.ui.confirm!), 'Revoke token tok-2222 (IMSI 001010000000001)? y/N');
  assert.equal(s.ui.request, null, 'nothing is sent before y');
  const no = monitorReducer(s, { type: 'confirm-no' });
  assert.equal(no.ui.confirm, null);
  assert.equal(no.ui.request, null);
  assert.match(no.ui.status!.text, /^cancelled: revoke token tok-2222/);
  s = monitorReducer(s, { type: 'confirm-yes' });
  assert.deepEqual(s.ui.request, { seq: 1, action: { kind: 'revoke-token', id: 'tok-2222', imsi: '001010000000001' } });
  assert.equal(s.ui.confirm, null);
  const ok = monitorReducer(s, { type: 'action-done', seq: 1, ok: true, text: 'revoked token tok-2222' });
  assert.equal(ok.ui.request, null);
  assert.deepEqual(ok.ui.status, { text: 'revoked token tok-2222', level: 'ok' });
  assert.equal(ok.tokens.get('tok-2222')!.state, 'revoked');
  const err = monitorReducer(s, { type: 'action-done', seq: 1, ok: false, text: 'revoke token failed: token not found (HTTP 404)' });
  assert.equal(err.ui.status!.level, 'error');
  assert.equal(err.tokens.get('tok-2222')!.state, 'active');
  // an already revoked token is not offered again
  const again = monitorReducer(monitorReducer(ok, { type: 'top' }), { type: 'delete' });
  assert.equal(again.ui.confirm, null);
  assert.match(again.ui.status!.text, /already revoked/);
});

test('drop a session; Ctrl-D elsewhere explains; l shows the activity of the row\'s IMSI and reads its history', () => {
  let s = run([events(...storyEvents()), { type: 'pane', pane: 'sessions' }, { type: 'move', delta: 1 }, { type: 'delete' }]);
  assert.deepEqual(s.ui.confirm, { kind: 'drop-session', id: 'sess-bbbb', imsi: '001010000000002' });
  s = run([{ type: 'confirm-yes' }], s);
  s = monitorReducer(s, { type: 'action-done', seq: s.ui.request!.seq, ok: true, text: 'dropped' });
  assert.ok(!s.sessions.has('sess-bbbb'));
  const peers = run([{ type: 'pane', pane: 'peers' }, { type: 'delete' }], s);
  assert.equal(peers.ui.confirm, null);
  assert.equal(peers.ui.status!.level, 'error');
  assert.equal(monitorReducer(peers, { type: 'activity-of' }).ui.status!.text, 'this row has no IMSI');
  // l on a token row: Activity pane, filtered on the IMSI, history requested without a prompt
  let l = run([{ type: 'pane', pane: 'tokens' }, { type: 'activity-of' }], s);
  assert.equal(l.ui.pane, 'activity');
  assert.equal(l.ui.filter, '001010000000001');
  assert.deepEqual(l.ui.request!.action, { kind: 'activity-of', imsi: '001010000000001' });
  const older = activity(1, { id: 'act-old', timestamp: at(-60_000), imsi: '001010000000001' });
  l = monitorReducer(l, { type: 'action-done', seq: l.ui.request!.seq, ok: true, text: 'activity of 001010000000001: 1 of 1 record(s) read', records: [older] });
  assert.deepEqual(visibleActivity(l).map((r) => r.id), ['act-0005', 'act-0001', 'act-old'], 'the older record from the API joins the live ones');
});

test('VVM and ODSA panes: lists from the snapshot, their activity for the strip, a partial snapshot leaves the rest', () => {
  let s = run([events(...storyEvents())]);
  s = monitorReducer(s, { type: 'snapshot', snapshot: { vvmAccounts: [vvmAccount('001010000000007'), vvmAccount('001010000000001', { status: 'blocked' })], vvmSms: [vvmSms('sms-1', '001010000000007')] } });
  s = monitorReducer(s, { type: 'snapshot', snapshot: { odsa: [odsaSub('001010000000001', 'watch-1')], push: [pushEntry('001010000000001')] } });
  assert.deepEqual(visibleRows(s, 'vvm').map((r) => (r as { imsi: string }).imsi), ['001010000000001', '001010000000007']);
  assert.equal(visibleRows(s, 'sms').length, 1);
  assert.equal(visibleRows(s, 'odsa').length, 1);
  assert.equal(visibleRows(s, 'push').length, 1);
  assert.equal(s.sessions.size, 3, 'a partial snapshot leaves the other panes alone');
  const vvmRec = activity(20, { id: 'v1', request_type: 'vvm_sms_sync', request_path: 'vvm/sms' });
  const odsaRec = activity(21, { id: 'o1', request_type: 'odsa' });
  s = monitorReducer(s, events(activityEvent(vvmRec), activityEvent(odsaRec)));
  assert.deepEqual(paneActivity(s, 'vvm', 5).map((r) => r.id), ['v1']);
  assert.deepEqual(paneActivity(s, 'push', 5).map((r) => r.id), ['o1']);
  assert.deepEqual(paneActivity(s, 'tokens', 5), []);
  s = run([{ type: 'pane', pane: 'vvm' }, { type: 'open' }], s);
  assert.equal((detailRow(s) as { imsi: string }).imsi, '001010000000001');
});
