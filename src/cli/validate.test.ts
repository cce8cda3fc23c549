import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEntitlement, describeFieldFlag, parseActivityType, parseAppId, parseId, parseImsi, parseIntIn, parseTime } from './validate.js';
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

test('buildEntitlement maps flags to snake_case fields and validates ranges with the catalog', () => {
  assert.deepEqual(buildEntitlement('ap2004', { fields: { status: 1, 'addr-status': 2, 'tc-status': undefined } }), { entitlement_status: 1, addr_status: 2 });
  usage(() => buildEntitlement('ap2004', { fields: { status: 7 } }), /--status \(entitlement_status: 7 is out of range; expected 0 \(disabled\), 1 \(enabled\)/);
  usage(() => buildEntitlement('ap2005', { fields: { 'addr-status': 1 } }), /--addr-status \(addr_status: unknown field; expected one of entitlement_status/);
  usage(() => buildEntitlement('ap2004', { fields: {} }), /nothing to set for ap2004: give at least one field \(--status, .*--addr-status.*--field addr_expiry=\.\.\./);
});

test('buildEntitlement takes --data JSON and --field, flags win over --data', () => {
  assert.deepEqual(buildEntitlement('ap2004', { data: '{"entitlement_status": 0, "addr_status": 1}', fields: { status: 1 } }), { entitlement_status: 1, addr_status: 1 });
  assert.deepEqual(buildEntitlement('ap2004', { fields: {}, extra: ['addr_expiry=2027-01-01'] }), { addr_expiry: '2027-01-01' });
  assert.deepEqual(
    buildEntitlement('ap2016', { fields: { status: 1 }, extra: ['plmn_barred=[{"plmn":"310830"}]'] }),
    { entitlement_status: 1, plmn_barred: [{ plmn: '310830' }] },
  );
  usage(() => buildEntitlement('ap2004', { data: '{nope', fields: {} }), /--data is not valid JSON/);
  usage(() => buildEntitlement('ap2004', { data: '[1]', fields: {} }), /--data must be a JSON object/);
  usage(() => buildEntitlement('ap2004', { fields: {}, extra: ['novalue'] }), /expected name=value/);
  usage(() => buildEntitlement('ap2004', { fields: { 'service-flow-url': 'ftp://x' } }), /--service-flow-url \(service_flow_url: "ftp:\/\/x" is not an http\(s\) URL/);
});

test('field flag help comes from the catalog', () => {
  assert.match(describeFieldFlag('addr_status'), /^addr_status \(ap2004\): 0 not available, 1 available, 2 not required, 3 in progress\.$/);
  assert.match(describeFieldFlag('entitlement_status'), /most apps/);
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
