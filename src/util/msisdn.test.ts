import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countryProblem, e164OrRaw, toE164 } from './msisdn.js';

const ok = (raw: string, country = '') => {
  const r = toE164(raw, country);
  assert.ok(r.ok, `${raw} (${country}): ${r.ok ? '' : r.error}`);
  return r.e164;
};

test('numbers with "+" are checked and compacted; without a country the digits are E.164 without "+"', () => {
  assert.equal(ok('+1 555 999-0002'), '+15559990002');
  assert.equal(ok('15559990001'), '+15559990001', 'the issue\'s pair ends up in one form');
  assert.equal(ok('+44 (20) 7946.0000'), '+442079460000');
  assert.equal(ok('+491701234567', 'US'), '+491701234567', 'a "+" number ignores the country');
  assert.equal(ok('+999000000001'), '+999000000001', 'a calling code the metadata lacks: E.164 shape only (the lab SIMs)');
  assert.equal(toE164('+0999000000001').ok, false);
  assert.equal(toE164('+9990000000000001').ok, false, '16 digits');
});

test('a country code (region or calling code) reads national numbers and the country\'s international prefix', () => {
  assert.equal(ok('0170 1234567', 'DE'), '+491701234567');
  assert.equal(ok('0170 1234567', 'de'), '+491701234567');
  assert.equal(ok('0170 1234567', '49'), '+491701234567');
  assert.equal(ok('0170 1234567', '+49'), '+491701234567');
  assert.equal(ok('5559990001', 'US'), '+15559990001');
  assert.equal(ok('0044 20 7946 0000', 'DE'), '+442079460000');
});

test('what cannot be made E.164 is refused with the reason and what would be right', () => {
  const r1 = toE164('0170 1234567');
  assert.equal(r1.ok, false);
  assert.match(r1.ok ? '' : r1.error, /"0170 1234567" is not an E\.164 number: no such country calling code \(read as international digits: no country code is set — give it as \+<country code><number>, or a --country-code/);
  const r2 = toE164('+1555');
  assert.match(r2.ok ? '' : r2.error, /"\+1555" is not an E\.164 number: too short$/);
  const r3 = toE164('12a');
  assert.match(r3.ok ? '' : r3.error, /"12a" is not a phone number; expected digits with an optional leading "\+"/);
  const r4 = toE164('017', 'DE');
  assert.match(r4.ok ? '' : r4.error, /too short \(read as a national number of DE\)/);
});

test('countryProblem: regions and calling codes libphonenumber knows, else why', () => {
  for (const c of ['', 'US', 'de', '1', '49', '+44']) assert.equal(countryProblem(c), null, c);
  assert.match(countryProblem('XX')!, /"XX" is not a country libphonenumber knows/);
  assert.match(countryProblem('999')!, /"999" is not a country calling code/);
  assert.match(countryProblem('Germany')!, /give an ISO 3166 region \(US, DE\) or a calling code/);
});

test('e164OrRaw: the E.164 form, or the input for a lookup of an old record', () => {
  assert.equal(e164OrRaw('15559990001'), '+15559990001');
  assert.equal(e164OrRaw(' 0170 '), '0170');
});
