import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTimeKey, localOffset, showTime, toMs, zoneLabel } from './time-format.js';
import { detailLines } from './detail.js';

const T = Date.parse('2026-04-11T10:35:00.123Z');

test('toMs reads the three ways the contracts carry a time', () => {
  assert.equal(toMs('2026-04-11T10:35:00.123Z'), T);
  assert.equal(toMs(T), T, 'ms since epoch');
  assert.equal(toMs(Math.floor(T / 1000)), T - 123, 'unix seconds');
  assert.ok(Number.isNaN(toMs('abc')));
  assert.ok(Number.isNaN(toMs(null)));
});

test('iso: UTC with Z; the clock part in lists', () => {
  assert.equal(showTime(T, 'iso'), '2026-04-11T10:35:00.123Z');
  assert.equal(showTime(Math.floor(T / 1000), 'iso'), '2026-04-11T10:35:00.000Z');
  assert.equal(showTime('2026-04-11T10:35:00.123Z', 'iso', 'clock'), '10:35:00.123');
  assert.equal(showTime(null, 'iso'), '-');
  assert.equal(showTime('not a time', 'iso'), 'not a time');
  assert.equal(zoneLabel('iso', T), 'UTC');
});

test('local: the zone of the terminal with its offset (TZ decides)', () => {
  const saved = process.env.TZ;
  try {
    process.env.TZ = 'Asia/Kolkata'; // +05:30, no DST
    assert.equal(localOffset(T), '+05:30');
    assert.equal(showTime(T, 'local'), '2026-04-11 16:05:00.123 +05:30');
    assert.equal(showTime(T, 'local', 'clock'), '16:05:00.123');
    assert.equal(zoneLabel('local', T), '+05:30');
    process.env.TZ = 'America/New_York'; // -04:00 in April
    assert.equal(showTime(T, 'local'), '2026-04-11 06:35:00.123 -04:00');
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});

test('detail: every time field in the chosen format, never epoch ms or seconds', () => {
  assert.ok(isTimeKey('created_at') && isTimeKey('timestamp') && isTimeKey('locked_until') && isTimeKey('next_attempt_at'));
  assert.ok(!isTimeKey('expires_in_seconds') && !isTimeKey('validity') && !isTimeKey('format'));
  const session = { session_id: 's', created_at: T, completed_at: null, eap_id: 2 };
  assert.deepEqual(detailLines(session), [['session_id', 's'], ['created_at', '2026-04-11T10:35:00.123Z'], ['completed_at', '-'], ['eap_id', '2']]);
  const token = { created_at: Math.floor(T / 1000), expires_in_seconds: 86400 };
  assert.deepEqual(detailLines(token), [['created_at', '2026-04-11T10:35:00.000Z'], ['expires_in_seconds', '86400']]);
  const saved = process.env.TZ;
  try {
    process.env.TZ = 'Asia/Kolkata';
    assert.deepEqual(detailLines({ timestamp: '2026-04-11T10:35:00.123Z' }, 'local'), [['timestamp', '2026-04-11 16:05:00.123 +05:30']]);
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});
