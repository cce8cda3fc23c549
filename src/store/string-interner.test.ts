/**
 * StringInterner against a model (a Map from string to id and the list of strings): any strings (any Unicode, long
 * and short, repeated) get dense ids in first-seen order, `find`, `value`, `values` and `matching` answer as the
 * model does, across the growth of its byte buffer, its columns and its table; `adopt` copies between interners;
 * `saved` and `restore` carry it whole.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NULL_ID, RECENT_SLOTS, StringInterner, UNKNOWN_ID } from './string-interner.js';
import { PagedColumn } from './paged-column.js';

/** Strings as a log sees them: short and long, ASCII and not (no unpaired surrogates: see the last test). */
const text = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ minLength: 300, maxLength: 3000 }),
  fc.constantFrom('', '001010000000001', '/?IMSI=001010000000001&token=[REDACTED]', 'Ünïcödé', '日本語の端末', '😀 emoji'),
);

test('ids, find, value, values and matching answer as a map does, for any strings', () => {
  fc.assert(fc.property(fc.array(text, { maxLength: 300 }), fc.array(text, { maxLength: 20 }), fc.string({ maxLength: 3 }), (strings, others, needle) => {
    const interner = new StringInterner();
    const ids = new Map<string, number>();
    const list: string[] = [];
    for (const s of strings) {
      if (!ids.has(s)) { ids.set(s, list.length); list.push(s); }
      assert.equal(interner.id(s), ids.get(s));
    }
    assert.equal(interner.size, list.length);
    for (const s of [...strings, ...others]) assert.equal(interner.find(s), ids.get(s) ?? UNKNOWN_ID);
    list.forEach((s, i) => assert.equal(interner.value(i), s));
    assert.deepEqual(interner.values(), list);
    const lower = needle.toLowerCase();
    const want = list.flatMap((s, i) => (s.toLowerCase().includes(lower) ? [i] : []));
    const got = interner.matching(lower);
    assert.deepEqual([...got.flags.keys()].filter((i) => got.flags[i] === 1), want);
    assert.equal(got.count, want.length);
  }), { numRuns: 200 });
});

test('saved and restored (the index snapshot), an interner answers the same, and interns new strings after them', () => {
  fc.assert(fc.property(fc.array(text, { maxLength: 200 }), fc.array(text, { maxLength: 20 }), fc.nat(3000), (strings, later, room) => {
    const a = new StringInterner();
    for (const s of strings) a.id(s);
    const saved = a.saved();
    // Into columns with room to grow (as the snapshot is read), taken as the interner's own.
    const lengths = PagedColumn.of((n) => new Int32Array(n), saved.lengths, saved.count + room);
    const hashes = PagedColumn.of((n) => new Int32Array(n), saved.hashes, saved.count + room);
    const bytes = Buffer.alloc(saved.byteLength + room);
    Buffer.concat(saved.bytes).copy(bytes);
    const b = StringInterner.restore(saved.seed, saved.count, lengths, hashes, bytes);
    assert.equal(b.seed, a.seed);
    assert.equal(b.size, a.size);
    assert.deepEqual(b.values(), a.values());
    for (const s of [...strings, ...later]) assert.equal(b.find(s), a.find(s));
    for (const s of later) assert.equal(b.id(s), a.id(s));
    assert.deepEqual(b.values(), a.values());
  }), { numRuns: 200 });
});

test('restore keeps the seed it is given: a restored interner finds what the saved one hashed, in another seed than the process\'s', () => {
  const a = new StringInterner(12345);
  for (const s of ['001010000000001', '/?IMSI=1', 'Ünïcödé']) a.id(s);
  const s = a.saved();
  const bytes = Buffer.concat(s.bytes);
  const b = StringInterner.restore(12345, s.count, PagedColumn.of((n) => new Int32Array(n), s.lengths, 3), PagedColumn.of((n) => new Int32Array(n), s.hashes, 3), Buffer.from(bytes));
  assert.equal(b.find('/?IMSI=1'), 1);
  // A new interner with the process's seed adopts from it by hashing again.
  const c = new StringInterner();
  c.id('x');
  assert.equal(c.adopt(b, b.find('Ünïcödé')), 1);
  assert.equal(c.find('Ünïcödé'), 1);
  // Restored into short columns with some room (as a caller may): the columns still grow together past 1,024 strings.
  const d = StringInterner.restore(12345, 3, PagedColumn.of((n) => new Int32Array(n), s.lengths, 700), PagedColumn.of((n) => new Int32Array(n), s.hashes, 700), Buffer.from(bytes));
  for (let i = 0; i < 1500; i++) assert.equal(d.id(`/?IMSI=${i}&x`), 3 + i);
  for (let i = 0; i < 1500; i += 97) assert.equal(d.value(3 + i), `/?IMSI=${i}&x`);
  assert.equal(d.find('Ünïcödé'), 2);
  assert.throws(() => StringInterner.restore(1, 3, PagedColumn.of((n) => new Int32Array(n), s.lengths, 3), PagedColumn.of((n) => new Int32Array(n), s.hashes, 3), Buffer.alloc(3)), RangeError);
  assert.throws(() => StringInterner.restore(1, 4, PagedColumn.of((n) => new Int32Array(n), s.lengths, 3), PagedColumn.of((n) => new Int32Array(n), s.hashes, 3), Buffer.from(bytes)), RangeError);
  assert.throws(() => StringInterner.restore(1, 3, PagedColumn.of((n) => new Int32Array(n), s.lengths, 3), PagedColumn.of((n) => new Int32Array(n), [new Int32Array(2)], 2), Buffer.from(bytes)), RangeError);
});

test('ids through the recent slots are the ids without them, whatever the order of strings and slots (null included)', () => {
  const maybe = fc.oneof(text, fc.constant(null), fc.constantFrom('001010000000001', '127.0.0.1'));
  fc.assert(fc.property(fc.array(fc.tuple(maybe, fc.integer({ min: -1, max: RECENT_SLOTS - 1 })), { maxLength: 300 }), (asks) => {
    const viaSlots = new StringInterner();
    const plain = new StringInterner(viaSlots.seed);
    for (const [s, slot] of asks) {
      // A fresh copy of the text now and then, as a request's parser makes: equal content, another string object.
      const copy = s !== null && s.length > 0 && slot % 2 === 0 ? (s + ' ').slice(0, -1) : s;
      const want = plain.id(s);
      assert.equal(viaSlots.id(copy, slot), want);
      assert.equal(viaSlots.id(copy, slot), want, 'asked again through the same slot');
    }
    assert.equal(viaSlots.size, plain.size);
    assert.deepEqual(viaSlots.values(), plain.values());
  }), { numRuns: 200 });
  // A slot that last saw one string answers another with that one's id, not the slot's.
  const interner = new StringInterner();
  const a = interner.id('001010000000001', 0);
  const b = interner.id('001010000000002', 0);
  assert.notEqual(a, b);
  assert.equal(interner.id('001010000000001', 0), a);
  assert.equal(interner.id('001010000000002', 1), b);
  assert.equal(interner.id(null, 0), NULL_ID);
  assert.equal(interner.id('001010000000002', 0), b);
});

test('null and undefined are NULL_ID and intern nothing; an unknown id has no value', () => {
  const interner = new StringInterner();
  assert.equal(interner.id(null), NULL_ID);
  assert.equal(interner.id(undefined), NULL_ID);
  assert.equal(interner.size, 0);
  assert.equal(interner.id(''), 0);
  assert.equal(interner.find('x'), UNKNOWN_ID);
  assert.throws(() => interner.value(1), RangeError);
  assert.throws(() => interner.value(-1), RangeError);
});

test('adopt copies a string of another interner: the same id when it is there already, the next one when new', () => {
  const a = new StringInterner();
  const b = new StringInterner();
  for (const s of ['one', 'two', 'three', 'Ünïcödé']) a.id(s);
  b.id('three');
  assert.equal(b.adopt(a, a.find('three')), 0);
  assert.equal(b.adopt(a, a.find('Ünïcödé')), 1);
  assert.equal(b.adopt(a, a.find('one')), 2);
  assert.equal(b.adopt(a, NULL_ID), NULL_ID);
  assert.deepEqual(b.values(), ['three', 'Ünïcödé', 'one']);
  assert.equal(b.find('one'), 2);
  assert.equal(b.id('Ünïcödé'), 1);
});

test('a string adopted from an interner of another seed (its bytes hashed again) is found by id and find, and the reverse, and in a table restored from the saved hashes', () => {
  const strings = ['001010000000001', '/?IMSI=001010000000001&token=[REDACTED]&app=ap2004', '', '~', 'Gerät "✓"', '\u007f\u0080'];
  const a = new StringInterner(11);
  const b = new StringInterner(12);
  const fromA = strings.map((s) => b.adopt(a, a.id(s)));
  assert.deepEqual(fromA, [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(strings.map((s) => b.find(s)), fromA, 'found by characters where the bytes were hashed');
  assert.deepEqual(strings.map((s) => b.id(s)), fromA);
  assert.equal(b.size, strings.length, 'nothing interned twice');
  const c = new StringInterner(11);
  assert.deepEqual(strings.map((s, i) => c.adopt(b, i)), fromA);
  assert.deepEqual(strings.map((s) => c.find(s)), fromA);
  // A table restored from the saved hashes finds what was interned either way.
  const saved = b.saved();
  const col = (arrays: Int32Array[]) => PagedColumn.of((n) => new Int32Array(n), arrays, saved.count);
  const restored = StringInterner.restore(saved.seed, saved.count, col(saved.lengths), col(saved.hashes), Buffer.concat(saved.bytes));
  assert.deepEqual(strings.map((s) => restored.find(s)), fromA);
});

test('200,000 subscribers: every IMSI and path keeps its id and its text through the table and buffer doublings', () => {
  const interner = new StringInterner();
  const imsi = (i: number) => `00101${String(i).padStart(10, '0')}`;
  const path = (i: number) => `/?IMSI=${imsi(i)}&token=[REDACTED]&terminal_id=356938035643809&app=ap2004`;
  for (let i = 0; i < 200_000; i++) {
    assert.equal(interner.id(imsi(i)), 2 * i);
    assert.equal(interner.id(path(i)), 2 * i + 1);
  }
  for (const i of [0, 1, 65_535, 123_456, 199_999]) {
    assert.equal(interner.find(imsi(i)), 2 * i);
    assert.equal(interner.value(2 * i + 1), path(i));
  }
  assert.equal(interner.find(imsi(200_000)), UNKNOWN_ID);
});

test('while the table grows and the ids move across, and the bytes fill chunk after chunk, every string keeps its id and text', () => {
  // 30,000 strings of 40–90 bytes (past two 1 MiB chunks and six table growths), a 1.5 MiB one (a chunk of its own) and
  // strings interned again all along: checked against a Map, often while the old table still answers, then restored.
  const interner = new StringInterner();
  const ids = new Map<string, number>();
  const list: string[] = [];
  const add = (v: string) => {
    const id = interner.id(v);
    if (!ids.has(v)) { ids.set(v, list.length); list.push(v); }
    assert.equal(id, ids.get(v), v.slice(0, 40));
  };
  for (let i = 0; i < 30_000; i++) {
    add(`/?IMSI=00101${String(i).padStart(10, '0')}&app=ap2004&pad=${'x'.repeat(i % 50)}`);
    if (i % 7 === 0) add(list[(i * 7919) % list.length]!);
    if (i === 20_000) add(`big:${'y'.repeat(1_500_000)}`);
    if (i % 1999 === 0 || (i > 1020 && i < 1100)) for (const [v, id] of ids) assert.equal(interner.find(v), id);
  }
  list.forEach((v, id) => assert.equal(interner.value(id), v));
  const saved = interner.saved();
  assert.equal(saved.byteLength, list.reduce((n, v) => n + Buffer.byteLength(v), 0));
  const back = StringInterner.restore(saved.seed, saved.count, PagedColumn.of((n) => new Int32Array(n), saved.lengths, saved.count),
    PagedColumn.of((n) => new Int32Array(n), saved.hashes, saved.count), Buffer.concat(saved.bytes));
  for (const [v, id] of ids) assert.equal(back.find(v), id);
  assert.equal(back.id('after the restore'), list.length);
  assert.equal(back.value(list.length), 'after the restore');
});

test('matching searches the bytes for needles of ASCII non-letters: the same answers as decoding each string, across chunks', () => {
  const interner = new StringInterner();
  const list: string[] = [];
  const add = (v: string) => { if (interner.id(v) === list.length) list.push(v); };
  // Neighbours whose bytes meet: "12" then "34" holds "23" only across the two strings, which must not match.
  for (const v of ['12', '34', '', '+1 (555) 010-9999', '10.0.0.1', 'Ünïcödé-42', '電話-7', '😀42']) add(v);
  for (let i = 0; i < 30_000; i++) add(`/?IMSI=00101${String(i * 7919 % 1_000_000).padStart(10, '0')}&app=ap2004&x=${'-'.repeat(i % 40)}`);
  add(`big:${'9'.repeat(1_200_000)}`); // a chunk of its own
  add('after-the-big-one 4242');
  const slow = (needle: string) => list.flatMap((v, i) => (v.toLowerCase().includes(needle) ? [i] : []));
  const fast = (needle: string) => { const m = interner.matching(needle); return [...m.flags.keys()].filter((i) => m.flags[i] === 1); };
  for (const needle of ['23', '1', '42', '0010100000', '0000123', '99999', '-9999', '=0010', '&app', '.0.0.', '--', ' ', '@', '/?']) {
    assert.deepEqual(fast(needle), slow(needle), needle);
  }
  fc.assert(fc.property(fc.stringMatching(/^[0-9&=\/.-]{1,7}$/), (needle) => { assert.deepEqual(fast(needle), slow(needle), needle); }), { numRuns: 150 });
});

test('strings are compared as UTF-8: an unpaired surrogate shares the id of U+FFFD (documented)', () => {
  const interner = new StringInterner();
  const id = interner.id('a\ud800b');
  assert.equal(interner.id('a\ufffdb'), id);
  assert.equal(interner.value(id), 'a\ufffdb');
});
