import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plainCopy } from './plain-copy.js';
import { randomUUID } from 'node:crypto';

const viaJson = (v: unknown): unknown => { const t = JSON.stringify(v); return t === undefined ? undefined : JSON.parse(t); };

test('plainCopy gives what a JSON round trip gives, for the awkward values', () => {
  class Point { constructor(public x: number, private hidden = 1) {} }
  const cases: unknown[] = [
    null, undefined, true, 0, -0, 1.5, NaN, Infinity, -Infinity, '', 'text', [], {},
    [1, undefined, () => 1, Symbol('s'), NaN, -0, [2, [3]]],
    { a: undefined, b: () => 1, c: Symbol('s'), d: null, e: NaN, f: { g: [1, { h: 'x' }] } },
    { when: new Date(0), buf: Buffer.from('ab'), point: new Point(3), bytes: new Uint8Array([1, 2]) },
    { withToJson: { toJSON: () => ({ replaced: true }) }, boxed: new String('s'), num: new Number(2) },
    JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}'),
    Object.assign([1, 2], { extra: 'dropped' }),
    // eslint-disable-next-line no-sparse-arrays
    [1, , 3],
    Object.create(null, { a: { value: 1, enumerable: true }, hidden: { value: 2, enumerable: false } }),
  ];
  for (const v of cases) {
    const got = plainCopy(v);
    assert.deepEqual(got, viaJson(v), `for ${String(JSON.stringify(v))}`);
    assert.ok(Object.is(JSON.stringify(got), JSON.stringify(viaJson(v))));
  }
  const proto = plainCopy(JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(proto), Object.prototype, 'an own "__proto__" key does not become the prototype');
  assert.ok(Object.prototype.hasOwnProperty.call(proto, '__proto__'));
  assert.ok(Object.is(plainCopy(-0), 0), '-0 is copied as JSON writes it');
});

test('plainCopy copies deeply: nothing of the result is shared with the value but strings', () => {
  const v = { a: { b: [1, { c: 'x' }] }, d: [[1]] };
  const got = plainCopy(v);
  assert.deepEqual(got, v);
  assert.notEqual(got.a, v.a);
  assert.notEqual(got.a.b, v.a.b);
  assert.notEqual(got.a.b[1], v.a.b[1]);
  assert.notEqual(got.d[0], v.d[0]);
  (got.a.b[1] as { c: string }).c = 'changed';
  assert.equal((v.a.b[1] as { c: string }).c, 'x');
});

test('plainCopy refuses what JSON.stringify refuses: a bigint, a cycle', () => {
  assert.throws(() => plainCopy({ n: 1n }), TypeError);
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  assert.throws(() => plainCopy(cyclic), TypeError);
  assert.throws(() => JSON.stringify(cyclic), TypeError);
});

test('plainCopy matches JSON on random nested values (property)', () => {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const leaf = (): unknown => [null, undefined, true, false, 0, -0, rnd() * 1e6 - 5e5, NaN, 'é\u0000"\\', `s${rnd()}`, new Date(Math.floor(rnd() * 1e12))][Math.floor(rnd() * 11)];
  const gen = (depth: number): unknown => {
    const r = rnd();
    if (depth > 4 || r < 0.4) return leaf();
    if (r < 0.7) return Array.from({ length: Math.floor(rnd() * 5) }, () => gen(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(rnd() * 5) }, (_, i) => [`k${i}${Math.floor(rnd() * 3)}`, gen(depth + 1)]));
  };
  for (let i = 0; i < 2000; i++) {
    const v = gen(0);
    assert.equal(JSON.stringify(plainCopy(v)), JSON.stringify(viaJson(v)));
  }
});

test('plainCopy of a map-like object (many keys, e.g. session ids): what JSON gives, keys in the same order, a private copy', () => {
  const live: Record<string, unknown> = {};
  for (let i = 0; i < 40; i++) live[i % 5 === 0 ? String(1000 - i) : `${randomUUID()}-${i}`] = i % 7 === 0 ? { nested: [i, undefined, Infinity] } : 1e12 + i;
  live.__proto__x = 'a name near __proto__';
  const rec = { kind: 'imsi', live };
  const c = plainCopy(rec);
  assert.deepStrictEqual(c, JSON.parse(JSON.stringify(rec)));
  assert.equal(JSON.stringify(c), JSON.stringify(rec));
  assert.deepEqual(Object.keys(c.live), Object.keys(JSON.parse(JSON.stringify(live))));
  assert.equal(Object.getPrototypeOf(c.live), Object.prototype);
  // A private copy: changing it (as the slot update does, in place) leaves the original as it was.
  const first = Object.keys(c.live)[0]!;
  delete (c.live as Record<string, unknown>)[first];
  (c.live as Record<string, unknown>).added = 1;
  assert.ok(first in live);
  assert.equal('added' in live, false);
  // Exactly the threshold and one past it: the same result either way.
  for (const n of [16, 17]) {
    const o = Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    assert.deepStrictEqual(plainCopy(o), o);
  }
});
