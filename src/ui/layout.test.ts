import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { activity, odsaSub, peer, pushEntry, session, token, vvmAccount, vvmSms } from '../../test/monitor-fixtures.js';
import {
  ACTIVITY_COLUMNS, PANE_COLUMNS, clockTime, fit, fitColumns, formatHeader, formatRow, outcomeOf, screenLayout, sparkline, windowStart,
} from './layout.js';

test('fit cuts with an ellipsis or pads to exactly the width', () => {
  assert.equal(fit('abc', 5), 'abc  ');
  assert.equal(fit('abcdef', 4), 'abc…');
  assert.equal(fit('abc', 1), '…');
  assert.equal(fit('abc', 0), '');
  fc.assert(fc.property(fc.string(), fc.integer({ min: 0, max: 200 }), (s, w) => assert.equal([...fit(s, w)].length, w)));
});

test('sparkline scales to the largest value and right-aligns the newest', () => {
  assert.equal(sparkline([0, 7, 14], 3), '▁▅█');
  assert.equal(sparkline([1, 2], 4), '  ▅█');
  assert.equal(sparkline([0, 0], 2), '▁▁');
  assert.equal(sparkline([5, 6, 7, 8], 2), '▇█');
});

test('clock time, outcomes', () => {
  assert.equal(clockTime('2026-04-11T10:35:24.794331Z'), '10:35:24.794');
  assert.equal(clockTime('2026-04-11T10:35:24Z'), '10:35:24.000');
  assert.equal(clockTime('2026-04-11T10:35:24.5Z'), '10:35:24.500');
  assert.equal(outcomeOf({ response_status: 200, response_code: 1000 }), 'ok');
  assert.equal(outcomeOf({ response_status: 200, response_code: 6004 }), 'failure');
  assert.equal(outcomeOf({ response_status: 403, response_code: 403 }), 'failure');
  assert.equal(outcomeOf({ response_status: 502, response_code: 502 }), 'error');
});

test('columns: optional ones drop right to left on a narrow terminal; the flex one takes the rest', () => {
  const wide = fitColumns(ACTIVITY_COLUMNS, 120);
  assert.deepEqual(wide.map((c) => c.header), ['TIME', 'TYPE', 'IMSI', 'STATUS', 'AUTH', 'APPS', 'TERMINAL', 'REQUEST']);
  assert.equal(wide.reduce((a, c) => a + c.w, 0) + wide.length - 1, 120);
  assert.deepEqual(fitColumns(ACTIVITY_COLUMNS, 80).map((c) => c.header), ['TIME', 'TYPE', 'IMSI', 'STATUS', 'AUTH', 'REQUEST']);
  assert.deepEqual(fitColumns(ACTIVITY_COLUMNS, 60).map((c) => c.header), ['TIME', 'TYPE', 'IMSI', 'STATUS', 'REQUEST']);
});

const SAMPLE = {
  activity: activity(1),
  sessions: session('s', '001010000000001', 'pending', 0),
  tokens: { ...token('t', '001010000000001', 0), state: 'active' },
  peers: peer('h', 'Connected'),
  vvm: vvmAccount('001010000000001'),
  sms: vvmSms('sms-1', '001010000000001'),
  odsa: odsaSub('001010000000001', 'watch-1'),
  push: pushEntry('001010000000001'),
};

test('every row and header line is exactly the terminal width, at any width (resize never wraps)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 40, max: 250 }), (w) => {
      for (const [pane, cols] of Object.entries(PANE_COLUMNS)) {
        const f = fitColumns(cols, w);
        const row = SAMPLE[pane as keyof typeof SAMPLE];
        assert.equal([...formatHeader(f, w, { col: f[0]!.header, desc: true })].length, w, `${pane} header at ${w}`);
        for (const time of ['iso', 'local'] as const) assert.equal([...formatRow(f, row as never, { now: 0, time }, w)].length, w, `${pane} row at ${w}`);
      }
    }),
  );
});

test('screen layout and the scrolling window', () => {
  assert.deepEqual(screenLayout(100, 30), { width: 100, height: 30, headerLines: 3, bodyRows: 24 });
  assert.equal(screenLayout(undefined, undefined).width, 80);
  assert.equal(screenLayout(10, 3).bodyRows, 4, 'tiny terminals get the minimum');
  assert.equal(windowStart(0, 100, 10), 0);
  assert.equal(windowStart(9, 100, 10), 0);
  assert.equal(windowStart(10, 100, 10), 1);
  assert.equal(windowStart(99, 100, 10), 90);
  assert.equal(windowStart(5, 3, 10), 0);
});
