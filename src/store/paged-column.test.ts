/**
 * PagedColumn against a plain array: any sequence of `ensure` and `set` reads back the same, entries never set hold
 * the fill, growth past the first page copies nothing (the pages already held keep their identity), and `views`
 * gives the entries in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PAGE, PagedColumn } from './paged-column.js';

test('PagedColumn reads back what was set, and the fill elsewhere, across pages (property)', () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 3000 }),
    fc.array(fc.tuple(fc.nat(3 * PAGE + 100), fc.integer({ min: -5, max: 1000 })), { maxLength: 60 }),
    (initial, writes) => {
      const col = new PagedColumn((n) => new Int32Array(n), -1, initial);
      const model = new Map<number, number>();
      let top = 0;
      for (const [i, v] of writes) {
        col.ensure(i + 1);
        assert.ok(col.capacity >= i + 1);
        col.set(i, v);
        model.set(i, v);
        top = Math.max(top, i + 1);
      }
      for (let i = 0; i < top; i += 37) assert.equal(col.get(i), model.get(i) ?? -1, `entry ${i}`);
      for (const [i, v] of model) assert.equal(col.get(i), v);
      // views: the entries in order, one per page
      const flat: number[] = [];
      for (const v of col.views(top)) flat.push(...v);
      assert.equal(flat.length, top);
      for (const [i, v] of model) assert.equal(flat[i], v);
    },
  ), { numRuns: 60 });
});

test('PagedColumn grows by pages past the first: what it held is not copied', () => {
  const col = new PagedColumn((n) => new Float64Array(n));
  col.ensure(PAGE);
  col.set(PAGE - 1, 1.5);
  const first = col.views(PAGE)[0]!;
  col.ensure(5 * PAGE + 1);
  assert.equal(col.capacity, 6 * PAGE);
  const views = col.views(5 * PAGE + 1);
  assert.equal(views.length, 6);
  assert.equal(views[0]!.buffer, first.buffer, 'the first page is the same memory');
  assert.equal(views[5]!.length, 1);
  assert.equal(col.get(PAGE - 1), 1.5);
  col.set(5 * PAGE, 2.5);
  assert.equal(views[5]![0], 2.5, 'a view sees the page it names');
});
