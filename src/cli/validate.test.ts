import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseActivityType, parseAppId, parseId, parseImsi, parseIntIn, parseTime } from './validate.js';
import { UsageError } from './errors.js';

const usage = (fn: () => unknown, re: RegExp) =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UsageError, `expected UsageError, got ${String(e)}`);
    assert.equal(e.exitCode, 2);
    assert.match(e.message, re);
    return true;
  });

test('parseImsi accepts exactly 15 digits and explains every other shape', () => {
  assert.equal(parseImsi('001010000000001'), '001010000000001');
  assert.equal(parseImsi(' 310380100000001 '), '310380100000001');
  usage(() => parseImsi('12345'), /has 5 digits; expected exactly 15 digits .*e\.g\. 001010000000001/);
  usage(() => parseImsi('0010100000000012'), /has 16 digits/);
  usage(() => parseImsi('00101000000000a'), /contains "a", which is not a digit/);
  usage(() => parseImsi(''), /has 0 digits/);
});

test('parseAppId lowercases served apps, refuses unknown ones and lists the right ones', () => {
  assert.equal(parseAppId('AP2004'), 'ap2004');
  usage(() => parseAppId('ap9999'), /unknown app id "ap9999"; expected one of ap2003 \(VoLTE\/VoNR\), ap2004 \(VoWiFi\)/);
  usage(() => parseAppId('vowifi'), /expected one of .*ap2016/);
});

test('parseTime takes unix seconds, ISO dates and ages', () => {
  const now = Date.parse('2026-04-11T12:00:00Z');
  assert.equal(parseTime('1712834400', '--since', now), 1712834400);
  assert.equal(parseTime('2h', '--since', now), now / 1000 - 7200);
  assert.equal(parseTime('7d', '--since', now), now / 1000 - 7 * 86400);
  assert.equal(parseTime('2026-04-11T10:00:00Z', '--since', now), Date.parse('2026-04-11T10:00:00Z') / 1000);
  usage(() => parseTime('yesterday', '--since', now), /--since "yesterday" is not a time; expected unix seconds/);
});

test('other argument checks', () => {
  assert.equal(parseActivityType('entitlement_query'), 'entitlement_query');
  assert.equal(parseActivityType('vvm_deposit'), 'vvm_deposit');
  usage(() => parseActivityType('bogus'), /unknown activity type "bogus"; expected one of entitlement_query/);
  assert.equal(parseId('abc-123', 'session_id'), 'abc-123');
  usage(() => parseId('../etc', 'session_id'), /is not an id/);
  assert.equal(parseIntIn(25, '--limit', 1, 1000), 25);
  usage(() => parseIntIn(0, '--limit', 1, 1000), /--limit 0 is out of range; expected an integer 1–1000/);
});
