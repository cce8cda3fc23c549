import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecentMap } from './recent-map.js';
import { bigStringsWith } from '../../test/heap-strings.js';

test('every key among the last `keep` distinct keys set or read is kept, and at most twice as many', () => {
  const m = new RecentMap<number, string>(100);
  for (let i = 0; i < 1000; i++) {
    m.set(i, `v${i}`);
    for (let back = 0; back < 100 && back <= i; back++) assert.equal(m.peek(i - back), `v${i - back}`, `key ${i - back} after ${i}`);
    assert.ok(m.size <= 200, `${m.size} held`);
  }
  assert.equal(m.peek(0), undefined, 'the oldest went');
  // Setting a key held again does not make it count twice.
  m.set(999, 'again');
  assert.equal(m.get(999), 'again');
  assert.ok(m.size <= 200);
});

test('a key read is kept as long as a key just set; peek does not count as a read', () => {
  const m = new RecentMap<string, number>(10);
  m.set('hot', 1);
  m.set('cold', 2);
  for (let i = 0; i < 1000; i++) {
    m.set(`k${i}`, i);
    assert.equal(m.get('hot'), 1, `hot, after k${i}`);
  }
  assert.equal(m.peek('cold'), undefined);
  const p = new RecentMap<string, number>(10);
  p.set('peeked', 1);
  for (let i = 0; i < 30; i++) { p.set(`k${i}`, i); p.peek('peeked'); }
  assert.equal(p.has('peeked'), false);
});

test('delete, has, clear and size over both generations', () => {
  const m = new RecentMap<string, number>(4);
  for (const [i, k] of ['a', 'b', 'c', 'd', 'e'].entries()) m.set(k, i);
  assert.equal(m.size, 5);
  assert.ok(m.has('a') && m.has('e'));
  assert.equal(m.delete('a'), true, 'from the older generation');
  assert.equal(m.delete('e'), true, 'from the newer');
  assert.equal(m.delete('a'), false);
  assert.equal(m.size, 3);
  m.clear();
  assert.equal(m.size, 0);
  assert.equal(m.get('b'), undefined);
  assert.throws(() => new RecentMap(0), RangeError);
});

test('a weight limit per generation: what is held weighs at most twice it, plus one value', () => {
  const m = new RecentMap<number, string>(Infinity, 100, (v) => v.length);
  for (let i = 0; i < 500; i++) {
    m.set(i, 'x'.repeat(1 + (i % 30)));
    assert.ok(m.weight <= 2 * (100 + 30), `${m.weight} held at ${i}`);
  }
  let sum = 0;
  for (let i = 0; i < 500; i++) sum += m.peek(i)?.length ?? 0;
  assert.equal(m.weight, sum, 'the weight is what the values held weigh');
  m.set(499, 'yy');
  m.delete(498);
  sum = 0;
  for (let i = 0; i < 500; i++) sum += m.peek(i)?.length ?? 0;
  assert.equal(m.weight, sum, 'after a replace and a delete');
  // Read from the older generation: moved, its weight with it.
  const older = [...Array(500).keys()].find((i) => m.has(i))!;
  m.get(older);
  sum = 0;
  for (let i = 0; i < 500; i++) sum += m.peek(i)?.length ?? 0;
  assert.equal(m.weight, sum);
});

test('a miss then its set: the key is added once, whatever came between the two', () => {
  const m = new RecentMap<string, string>(Infinity, Infinity, (v) => v.length);
  assert.equal(m.get('a'), undefined);
  m.set('a', 'xx');
  assert.equal(m.size, 1);
  // Missed by two readers; the first sets it, then the second (a cache filled after an await): one entry, its weight once.
  assert.equal(m.get('b'), undefined);
  assert.equal(m.get('b'), undefined);
  m.set('b', 'yyy');
  m.set('b', 'zzzz');
  assert.equal(m.size, 2);
  assert.equal(m.weight, 6);
  assert.equal(m.get('b'), 'zzzz');
  // A miss, then another key's miss and set, then the first key's set.
  assert.equal(m.get('c'), undefined);
  assert.equal(m.get('d'), undefined);
  m.set('d', 'd');
  m.set('c', 'c');
  m.set('c', 'cc');
  assert.equal(m.size, 4);
  assert.equal(m.weight, 2 + 4 + 1 + 2);
  // After a clear nothing is taken for missed.
  assert.equal(m.get('e'), undefined);
  m.clear();
  m.set('e', 'e');
  m.set('e', 'ee');
  assert.equal(m.size, 1);
  assert.equal(m.weight, 2);
});

test('a key deleted (or missed by a delete) is taken for absent until it is set again', () => {
  const m = new RecentMap<string, string>(2, Infinity, (v) => v.length);
  m.set('a', 'aa');
  m.set('b', 'bbb'); // 'a' and 'b' roll into the older generation
  assert.equal(m.delete('a'), true);
  assert.equal(m.delete('a'), false);
  assert.equal(m.delete('x'), false);
  m.set('x', 'x');
  assert.equal(m.delete('x'), true, 'set again: held, so found');
  m.set('a', 'a');
  m.set('a', 'aaaa');
  assert.equal(m.get('a'), 'aaaa');
  assert.equal(m.weight, 3 + 4);
  assert.equal(m.size, 2);
});

test('a string key is kept as a copy of its own: a key cut from a long text, set or moved up a generation, does not keep that text (heap snapshot)', () => {
  const marker = `zqRecentKey${process.pid}`;
  const m = new RecentMap<string, number>(3);
  // Each key cut from a text of its own, in a frame of its own: what stays alive is what the map keeps.
  const cut = (i: number) => { const t = `key-${i}-0123456789abcdef&pad=${marker}${'x'.repeat(4000)}`; return t.slice(0, t.indexOf('&')); };
  for (let i = 1; i <= 3; i++) m.set(cut(i), i); // a full generation: 1, 2 and 3 move to the previous one
  assert.equal(m.get(cut(1)), 1); // moved up under this read's key
  m.set('plain', 0); // the last missed key (one, whatever the load) is this one's
  assert.equal(bigStringsWith(marker, 900), 0, 'no text kept alive by a key');
  assert.deepEqual([1, 2, 3].map((i) => m.peek(`key-${i}-0123456789abcdef`)), [1, 2, 3]);
});
