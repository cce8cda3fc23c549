import { test } from 'node:test';
import assert from 'node:assert/strict';
import { age } from './age.js';

test('age: two units at most, negative with a sign, "-" when unknown', () => {
  assert.deepEqual([999, 65_000, 7_260_000, 93_784_000, -3000].map(age), ['0s', '1m 5s', '2h 1m', '1d 2h', '-3s']);
  assert.equal(age(null), '-');
  assert.equal(age(undefined), '-');
  assert.equal(age(Number.NaN), '-');
});
