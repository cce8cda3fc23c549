import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SEEN_KEYS, SharedRecords, deepFreeze } from './shared-records.js';

test('a record is found again only for the entry (and source) it was parsed from', () => {
  const s = new SharedRecords();
  const text = '{"a":1,"b":[{"c":2}]}';
  s.parse('k', text, null, text);
  const v = s.parse('k', text, null, text) as { a: number; b: Array<{ c: number }> };
  assert.deepEqual(v, { a: 1, b: [{ c: 2 }] });
  assert.equal(s.find('k', text, null), v);
  // An equal text made apart (the same record written again) is the same record.
  assert.equal(s.find('k', JSON.stringify({ a: 1, b: [{ c: 2 }] }), null), v);
  assert.equal(s.find('k', '{"a":2,"b":[{"c":2}]}', null), undefined, 'another text');
  assert.equal(s.find('other', text, null), undefined, 'another key');
  // A slot is a record only together with its snapshot file.
  const snap1 = {};
  const snap2 = {};
  s.parse('slot', 7, snap1, '{"x":1}');
  const w = s.parse('slot', 7, snap1, '{"x":1}');
  assert.equal(s.find('slot', 7, snap1), w);
  assert.equal(s.find('slot', 7, snap2), undefined, 'slot 7 of the next snapshot');
  assert.equal(s.find('slot', 8, snap1), undefined);
  assert.equal(s.find('slot', '{"x":1}', null), undefined, 'the text of a later write');
  s.forget('slot');
  assert.equal(s.find('slot', 7, snap1), undefined);
});

test('kept records are frozen all the way down', () => {
  const s = new SharedRecords();
  const v = s.parse('k', 1, null, '{"a":{"b":[1,{"c":"d"}]}}') as { a: { b: [number, { c: string }] } };
  assert.ok(Object.isFrozen(v) && Object.isFrozen(v.a) && Object.isFrozen(v.a.b) && Object.isFrozen(v.a.b[1]));
  assert.throws(() => { (v.a.b[1] as { c: string }).c = 'e'; }, TypeError);
  const nested = deepFreeze([[{ x: 1 }], null, 'y'] as const);
  assert.ok(Object.isFrozen(nested) && Object.isFrozen(nested[0]) && Object.isFrozen(nested[0][0]), 'arrays in arrays, top level included');
  assert.equal(deepFreeze(null), null);
  assert.equal(deepFreeze('x'), 'x');
});

test('bounded by the text parsed: the oldest goes first; a record over a sixty-fourth of the budget is not kept', () => {
  const s = new SharedRecords(64 * 100);
  const rec = (i: number) => JSON.stringify({ i, pad: 'x'.repeat(80) }); // 96–98 characters
  for (let i = 0; i < 100; i++) for (let n = 0; n < 2; n++) s.parse(`k${i}`, rec(i), null, rec(i));
  assert.ok(s.chars <= 6400, `${s.chars} characters kept`);
  assert.ok(s.size >= 32 && s.size <= 66, `${s.size} kept`);
  assert.equal(s.find('k0', rec(0), null), undefined, 'the first kept went first');
  assert.deepEqual(s.find('k99', rec(99), null), JSON.parse(rec(99)));
  // A record read again stays while others come and go.
  const hot = s.find('k99', rec(99), null);
  for (let i = 100; i < 200; i++) {
    for (let n = 0; n < 2; n++) s.parse(`k${i}`, rec(i), null, rec(i));
    assert.equal(s.find('k99', rec(99), null), hot, `still kept after k${i}`);
  }
  assert.ok(s.chars <= 6400);
  // Kept again: forgotten first, so it is the newest and its characters are counted once.
  const before = s.chars;
  s.parse('k99', rec(99), null, rec(99));
  assert.equal(s.chars, before);
  const big = JSON.stringify({ pad: 'y'.repeat(200) });
  s.parse('big', big, null, big);
  const v = s.parse('big', big, null, big);
  assert.deepEqual(v, { pad: 'y'.repeat(200) }, 'handed out');
  assert.equal(s.find('big', big, null), undefined, 'not kept');
  assert.equal(s.chars, before);
});

test('a key read once is remembered, not kept: its second read keeps the record; the keys remembered are bounded', () => {
  const s = new SharedRecords();
  const text = '{"a":1}';
  const once = s.parse('k', text, null, text);
  assert.deepEqual(once, { a: 1 });
  assert.ok(Object.isFrozen(once), 'frozen even when not kept');
  assert.equal(s.find('k', text, null), undefined, 'read once: not kept');
  assert.equal(s.size, 0);
  assert.equal(s.seen, 1);
  const twice = s.parse('k', text, null, text);
  assert.equal(s.find('k', text, null), twice, 'read twice: kept');
  assert.equal(s.seen, 0);
  // A kept record whose key was written is kept again at its next read (the key was read before).
  const changed = '{"a":2}';
  assert.equal(s.find('k', changed, null), undefined);
  const third = s.parse('k', changed, null, changed);
  assert.equal(s.find('k', changed, null), third);
  // Keys read once, many: the oldest are forgotten, so a key read long ago counts as read once again.
  for (let i = 0; i < SEEN_KEYS + 10; i++) s.parse(`once${i}`, text, null, text);
  assert.ok(s.seen >= SEEN_KEYS / 2 && s.seen <= SEEN_KEYS, `${s.seen} keys remembered`);
  s.parse('once0', text, null, text);
  assert.equal(s.find('once0', text, null), undefined, 'forgotten: its read was a first one again');
  s.parse(`once${SEEN_KEYS + 9}`, text, null, text);
  assert.deepEqual(s.find(`once${SEEN_KEYS + 9}`, text, null), { a: 1 }, 'remembered: its second read kept it');
  assert.equal(s.size, 2, "'k' and the key read twice");
});
