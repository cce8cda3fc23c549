/**
 * RowChains against a model (a Map from key to an array of rows): any sequence of pushes (rows increasing, keys
 * anywhere, past many doublings of both) and shifts answers `count`, `first`, `shift` and `rows` as the model does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RowChains } from './row-chains.js';

type Op = { push: number } | { shift: number };

test('RowChains answers as a map of arrays for any pushes and shifts', () => {
  const op = fc.oneof(
    { weight: 3, arbitrary: fc.record({ push: fc.oneof(fc.nat(8), fc.nat(5000)) }) },
    { weight: 1, arbitrary: fc.record({ shift: fc.oneof(fc.nat(8), fc.nat(5000)) }) },
  ) as fc.Arbitrary<Op>;
  fc.assert(fc.property(fc.array(op, { maxLength: 400 }), fc.nat(3000), (ops, gap) => {
    const chains = new RowChains();
    const model = new Map<number, number[]>();
    let row = 0;
    for (const o of ops) {
      if ('push' in o) {
        const list = model.get(o.push) ?? [];
        model.set(o.push, list);
        list.push(row);
        assert.equal(chains.push(o.push, row), list.length);
        row += 1 + (row % 7 === 0 ? gap : 0); // rows increase, with jumps past the row column's size
      } else {
        const list = model.get(o.shift) ?? [];
        assert.equal(chains.shift(o.shift), list.length ? list.shift()! : -1);
      }
    }
    const span = Math.max(0, ...model.keys()) + 1;
    assert.ok(chains.keySpan >= (model.size ? span : 0));
    for (let key = -2; key < span + 2; key++) {
      const list = key >= 0 ? model.get(key) ?? [] : [];
      assert.equal(chains.count(key), list.length, `count(${key})`);
      assert.equal(chains.first(key), list[0] ?? -1, `first(${key})`);
      assert.deepEqual(chains.rows(key), list, `rows(${key})`);
    }
  }), { numRuns: 300 });
});

test('a list emptied by shifts takes new rows at its end, and an emptied list does not link to its old tail', () => {
  const chains = new RowChains();
  chains.push(3, 0);
  chains.push(3, 1);
  chains.push(4, 2);
  assert.equal(chains.shift(3), 0);
  assert.equal(chains.shift(3), 1);
  assert.equal(chains.shift(3), -1);
  assert.equal(chains.count(3), 0);
  assert.equal(chains.push(3, 5), 1);
  assert.deepEqual(chains.rows(3), [5]);
  assert.deepEqual(chains.rows(4), [2]);
});

test('a million keys with two rows each: every list whole, the key columns grown, not rebuilt per key', () => {
  const chains = new RowChains();
  const keys = 1_000_000;
  for (let r = 0; r < 2 * keys; r++) chains.push(r >> 1, r);
  assert.equal(chains.keySpan, keys);
  for (const key of [0, 1, 4095, 524_287, keys - 1]) assert.deepEqual(chains.rows(key), [2 * key, 2 * key + 1]);
  assert.equal(chains.shift(keys - 1), 2 * keys - 2);
  assert.deepEqual(chains.rows(keys - 1), [2 * keys - 1]);
});
