/**
 * Golden frames of every pane of `omnisep monitor`, rendered with
 * ink-testing-library from the fixture story (test/monitor-fixtures.ts),
 * plus detail, help, filter, pause, reconnecting and narrow layouts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import chalk from 'chalk';
import { Box, Text } from 'ink';
import { render } from 'ink-testing-library';
import type { DaemonEvent } from '../src/contracts/events.js';
import { MonitorView } from '../src/ui/monitor-view.js';
import { rowColor } from '../src/ui/components/table-pane.js';
import { blank, Line, oneColumnEach, RowLine, type Part } from '../src/ui/components/line.js';
import { fit } from '../src/ui/layout.js';
import { repoPath } from '../src/util/repo-path.js';
import { detailLines, MASK } from '../src/ui/detail.js';
import { initialState, monitorReducer, type MonitorAction, type MonitorState } from '../src/ui/monitor-state.js';
import { activity, activityEvent, at, hello, odsaSub, pushEntry, storyEvents, vvmAccount, vvmSms } from './monitor-fixtures.js';
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

function withAreas(): MonitorState {
  let s = monitorReducer(story(), {
    type: 'snapshot',
    snapshot: {
      vvmAccounts: [vvmAccount('001010000000001'), vvmAccount('001010000000007', { status: 'blocked', msisdn: null, login_failures: 5, pin_set: false })],
      vvmSms: [vvmSms('sms-1', '001010000000001'), vvmSms('sms-2', '001010000000007', { type: 'status', state: 'failed', attempts: 5, next_attempt_at: null, created_at: at(-600_000) })],
      odsa: [odsaSub('001010000000001', 'WATCH-0001'), odsaSub('001010000000003', 'PHONE-2', { app: 'ap2009', state: 'pending', service_status: 2, friendly_name: null })],
      push: [pushEntry('001010000000001'), pushEntry('001010000000003', { state: 'pending', attempts: 0, last_error: null, reasons: ['odsa', 'entitlement'], apps: ['ap2006'] })],
    },
  });
  s = monitorReducer(s, {
    type: 'events',
    events: [
      activityEvent(activity(11, { id: 'v1', request_type: 'vvm_sms_sync', request_method: 'SMS', request_path: 'vvm/sms', imsi: '001010000000001', app_ids: [], response_status: 503, response_code: 503 })),
      activityEvent(activity(12, { id: 'o1', request_type: 'odsa', request_method: 'POST', request_path: '/?app=ap2006&operation=ManageSubscription', imsi: '001010000000001', app_ids: ['ap2006'] })),
    ],
  });
  return s;
}

test('VVM pane: accounts, with the newest VVM activity below; SMS backlog pane', () => {
  const f = frame(monitorReducer(withAreas(), { type: 'pane', pane: 'vvm' }), 110, 24);
  assertGolden('vvm', f);
  const text = stripAnsi(f);
  assert.match(text, /^IMSI↑\s+MSISDN\s+STATUS/m);
  assert.match(text, /001010000000007 -\s+blocked/);
  assert.match(text, /── VVM activity \(newest first\) ─+/);
  assert.match(text, /vvm_sms_sync\s+001010000000001 503\/503/);
  assert.ok(!text.includes('odsa '), 'the ODSA record is not in the VVM strip');
  const sms = stripAnsi(frame(monitorReducer(withAreas(), { type: 'pane', pane: 'sms' }), 110, 24));
  assert.match(sms, /001010000000001 \+15551230001\s+sync\s+pending\s+2\s+13s\s+31s ev=NM: gateway answered 503/);
});

test('ODSA pane: subscriptions and companion devices, with ODSA activity below; push backlog pane', () => {
  const f = frame(monitorReducer(withAreas(), { type: 'pane', pane: 'odsa' }), 110, 24);
  assertGolden('odsa', f);
  const text = stripAnsi(f);
  assert.match(text, /001010000000001 ap2006 WATCH-0001\s+active\s+1 My watch/);
  assert.match(text, /── ODSA and push activity/);
  assert.match(text, /odsa\s+001010000000001 200\/1000/);
  const push = stripAnsi(frame(monitorReducer(withAreas(), { type: 'pane', pane: 'push' }), 110, 24));
  assert.match(push, /001010000000001 failed\s+entitlement\s+ap2004\s+3\s+28s\s+1m 31s FCM answered 500/);
});

test('sorted column in the header; a confirmation prompt and the status line in the footer', () => {
  const sorted = stripAnsi(frame(after({ type: 'pane', pane: 'tokens' }, { type: 'sort-next' }, { type: 'sort-reverse' })));
  assert.match(sorted, /^TOKEN\s+IMSI\s+STATE\s+EXPIRES IN\s+AUTH/m, 'no arrow on the columns not sorted');
  assert.match(sorted, /AUTH↓/);
  const asking = stripAnsi(frame(after({ type: 'pane', pane: 'tokens' }, { type: 'delete' })));
  assert.match(asking.split('\n').at(-1)!, /^Revoke token tok-2222 \(IMSI 001010000000001\)\? y\/N/);
  const failed = stripAnsi(frame(after({ type: 'pane', pane: 'tokens' }, { type: 'delete' }, { type: 'confirm-yes' }, { type: 'action-done', seq: 1, ok: false, text: 'revoke token failed: token not found (HTTP 404)' })));
  assert.match(failed.split('\n').at(-1)!, /^revoke token failed: token not found \(HTTP 404\)\s+1\/3  events \d+  UTC$/);
});

test('--time local: the list and the detail show the terminal\'s zone with its offset; iso shows UTC', () => {
  const saved = process.env.TZ;
  try {
    process.env.TZ = 'Asia/Kolkata';
    const local = (a: MonitorAction[]) => a.reduce(monitorReducer, { ...story(), time: 'local' as const });
    const list = stripAnsi(frame(local([])));
    assert.match(list, /^16:05:00\.500 token_auth/m);
    assert.match(list, /\+05:30$/m, 'the footer names the zone');
    const detail = stripAnsi(frame(local([{ type: 'pane', pane: 'sessions' }, { type: 'move', delta: 2 }, { type: 'open' }]), 100, 30));
    assert.match(detail, /^created_at\s+2026-04-11 15:05:00\.000 \+05:30$/m);
    assert.ok(!/\b1\d{12}\b/.test(detail), 'no epoch ms');
    const iso = stripAnsi(frame(after({ type: 'pane', pane: 'sessions' }, { type: 'move', delta: 2 }, { type: 'open' }), 100, 30));
    assert.match(iso, /^created_at\s+2026-04-11T09:35:00\.000Z$/m);
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});

test('RowLine draws a row exactly as a plain truncated Text does, colour and inversion included', () => {
  const level = chalk.level;
  chalk.level = 3; // colours on, as in a terminal: the escape codes are compared too
  try {
    const lines = [
      fit('10:35:00.400 xcap 001010000000001 200/200 GET /simservs.ngn.etsi.org/users/tel:+15551234567/simservs.xml', 60),
      `${fit('GET /a/very/long/path/indeed', 12)} ${fit('SEC TS.43/2.0 Samsung SM-S928B', 14)} ${fit('ap2004,ap2005,ap2006', 8)}`,
      fit('no marker, plain ASCII', 40),
      fit('非 ASCII 端末 and a cut marker at the end of it', 30),
      '…',
      'req/s   4.0 ▁▂▃▄▅▆▇█  ↑↓ ≤200/s · ── done',
    ];
    for (const text of lines)
      for (const color of [undefined, 'green', 'red', 'yellow'])
        for (const inverse of [false, true]) {
          const width = [...text].length;
          const a = render(<Box width={width}><RowLine text={text} color={color} inverse={inverse} /></Box>);
          const b = render(<Box width={width}><Text wrap="truncate" color={color} inverse={inverse}>{text}</Text></Box>);
          assert.equal(a.lastFrame(), b.lastFrame(), `${JSON.stringify(text)} ${color} ${inverse}`);
          if (color) assert.notEqual(stripAnsi(a.lastFrame() ?? ''), a.lastFrame(), 'coloured');
          a.unmount();
          b.unmount();
        }
  } finally {
    chalk.level = level;
  }
  // Lines of several styled parts (the header's, the footer's) against the nested Texts they replace, at a width
  // they fit and at one they do not (then cut as a truncated Text cuts).
  const parts: Part[][] = [
    [{ text: 'omnisep 0.1.0 · up 1h', bold: true }, { text: ' · ' }, { text: 'connected', color: 'green' }, { text: '  http http://127.0.0.1:9014', dim: true }],
    [{ text: 'req/s ' }, { text: '  4.0', bold: true }, { text: ' ' }, { text: '▁▂▃▄▅▆▇█', color: 'cyan' }, { text: '  err/s ' }, { text: '0.0', color: 'red', bold: true }, { text: '  sampled ≤200/s, 35 not shown', color: 'yellow', bold: true }],
    [{ text: 'revoked token 1234', color: 'green' }, { text: ' 1/55  events 95  UTC', dim: true }],
    [{ text: '端末 wide', color: 'yellow' }, { text: ' and narrow', inverse: true }],
  ];
  chalk.level = 3;
  try {
    for (const p of parts)
      for (const width of [100, 30]) {
        const a = render(<Box width={width}><Line parts={p} width={width} /></Box>);
        const b = render(<Box width={width}><Text wrap="truncate">{p.map((x, i) => <Text key={i} color={x.color} bold={x.bold} dimColor={x.dim} inverse={x.inverse}>{x.text}</Text>)}</Text></Box>);
        assert.equal(a.lastFrame(), b.lastFrame(), `${p.map((x) => x.text).join('')} at ${width}`);
        a.unmount();
        b.unmount();
      }
  } finally {
    chalk.level = level;
  }
  assert.equal(oneColumnEach('ab… c… ▁█ ·'), true);
  assert.equal(oneColumnEach('端末…'), false, 'wide characters: drawn as a plain truncated Text');
  assert.equal(oneColumnEach('tab\there'), false);
  assert.equal(blank(7), '       ');
  assert.equal(blank(7), blank(7), 'one string per width');
});

test('RowLine keeps nothing per row; a plain Text row is kept by ink for good (vadimdemedes/ink#986)', () => {
  // In a child with React's production build, as the monitor runs (the development build keeps data per commit).
  const out = execFileSync(process.execPath, ['--expose-gc', repoPath('dist', 'test', 'monitor-row-memory.js'), '20000'], { encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } });
  const kept = JSON.parse(out.trim().split('\n').pop()!) as { rowLine: number; text: number };
  // ≈ 220 bytes a row stay with a plain Text (each row's text in ink's measure cache): 20,000 rows ≈ 4.4 MB.
  assert.ok(kept.text > 2_500_000, `plain Text rows: ${kept.text} bytes kept (the measure can see ink's cache)`);
  assert.ok(kept.rowLine < kept.text / 10, `RowLine: ${kept.rowLine} bytes kept, plain Text ${kept.text}`);
});
