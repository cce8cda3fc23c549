import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldIndex } from './field-index.js';

const all = async (idx: FieldIndex, value: string, limit: number): Promise<string[]> => {
  const out: string[] = [];
  for (let after: string | undefined; ;) {
    const page = await idx.page(value, after, limit);
    if (!page.length) return out;
    out.push(...page);
    after = page[page.length - 1];
  }
};

test('pages of one value in key order: one key, a few (sorted per page), many (a kept order), through changes', async () => {
  const idx = new FieldIndex();
  idx.add('one', 'k1');
  assert.deepEqual(await idx.page('one', undefined, 10), ['k1']);
  assert.deepEqual(await idx.page('one', 'k1', 10), []);
  assert.deepEqual(await idx.page('one', 'k0', 10), ['k1']);
  assert.deepEqual(await idx.page('none', undefined, 10), []);
  for (const k of ['c', 'a', 'b']) idx.add('few', k);
  assert.deepEqual(await all(idx, 'few', 2), ['a', 'b', 'c']);
  const many = new Set<string>();
  for (let i = 0; i < 5000; i++) { const k = `key${(i * 7919) % 100_000}`; many.add(k); idx.add('many', k); }
  assert.deepEqual(await all(idx, 'many', 333), [...many].sort(), 'the first page built the order');
  // The kept order follows adds and removes; a key added twice is one key; another value's keys stay out.
  for (let i = 0; i < 1000; i++) { const k = `key${i * 3}`; if (many.delete(k)) idx.remove('many', k); }
  for (let i = 0; i < 500; i++) { const k = `new${i}`; many.add(k); idx.add('many', k); idx.add('many', k); idx.add('other', `o${i}`); }
  assert.deepEqual(await all(idx, 'many', 1000), [...many].sort());
  assert.deepEqual(idx.keys('many').sort(), [...many].sort());
  // Down to one key and back to many: a new order, built again.
  for (const k of [...many].slice(1)) idx.remove('many', k);
  assert.deepEqual(await idx.page('many', undefined, 5), [[...many][0]]);
  for (let i = 0; i < 100; i++) idx.add('many', `again${String(i).padStart(3, '0')}`);
  assert.deepEqual((await all(idx, 'many', 30)).length, 101);
});

test('a page asked while its order is being built: changes meanwhile are in it; a value gone meanwhile pages as it is now', async () => {
  const idx = new FieldIndex();
  const live = new Set<string>();
  for (let i = 0; i < 60_000; i++) { const k = `t${String((i * 104729) % 1_000_003).padStart(7, '0')}`; live.add(k); idx.add('slot', k); }
  const order = [...live];
  let atAnswer: string[] | null = null;
  let changesBefore = 0;
  const pending = idx.page('slot', undefined, 100_000).then((page) => { atAnswer = [...live].sort(); changesBefore = n; return page; });
  // Between the build's slices (and after it): keys go and come, 100 changes a turn.
  let n = 0;
  await new Promise<void>((done) => {
    const step = () => {
      for (let j = 0; j < 100; j++, n++) {
        const gone = order[n * 3]!;
        live.delete(gone); idx.remove('slot', gone);
        if (n % 2) { const k = `u${n}`; live.add(k); idx.add('slot', k); }
      }
      if (n < 6000) setImmediate(step); else done();
    };
    setImmediate(step);
  });
  const page = await pending;
  assert.ok(changesBefore > 0 && changesBefore < 6000, `changes came while the order was built (${changesBefore})`);
  assert.deepEqual(page, atAnswer, 'the page is of the keys as they were when it was answered');
  assert.deepEqual(await idx.page('slot', undefined, 100_000), [...live].sort(), 'and the kept order follows the changes after');
  // The value emptied and filled with other keys while its order was built: the page is of the new keys.
  const gone = new FieldIndex();
  for (let i = 0; i < 50_000; i++) gone.add('slot', `a${i}`);
  const asked = gone.page('slot', undefined, 10);
  for (let i = 0; i < 50_000; i++) gone.remove('slot', `a${i}`);
  for (let i = 0; i < 100; i++) gone.add('slot', `b${String(i).padStart(3, '0')}`);
  assert.deepEqual(await asked, ['b000', 'b001', 'b002', 'b003', 'b004', 'b005', 'b006', 'b007', 'b008', 'b009']);
});

test('a value past 1,024 keys (held in 256 maps from then on): keys, pages and removes as before, down to one key and none', async () => {
  const idx = new FieldIndex();
  const want = new Set<string>();
  // Over the threshold before any page (the order built from the sharded keys), then more after the first page.
  for (let i = 0; i < 12_000; i++) { const k = `t${(i * 104_729) % 1_000_003}`; want.add(k); idx.add('minute', k); }
  idx.add('minute', 't0');
  assert.equal(idx.keys('minute').length, want.size, 'a key added twice is one key');
  assert.deepEqual(idx.keys('minute').sort(), [...want].sort());
  assert.deepEqual(await all(idx, 'minute', 500), [...want].sort());
  for (let i = 0; i < 3000; i++) { const k = `u${i}`; want.add(k); idx.add('minute', k); }
  assert.deepEqual(await all(idx, 'minute', 700), [...want].sort(), 'the kept order follows adds to the sharded keys');
  const keys = [...want];
  for (const k of keys.slice(1)) { idx.remove('minute', k); want.delete(k); }
  idx.remove('minute', 'absent');
  assert.deepEqual(idx.keys('minute'), [keys[0]], 'one key left: held as that key');
  assert.deepEqual(await idx.page('minute', undefined, 10), [keys[0]]);
  idx.remove('minute', keys[0]!);
  assert.deepEqual(idx.keys('minute'), []);
  assert.deepEqual(await idx.page('minute', undefined, 10), []);
  // The value comes back small: a Set again, paged by sorting.
  for (const k of ['b', 'a', 'c']) idx.add('minute', k);
  assert.deepEqual(await all(idx, 'minute', 2), ['a', 'b', 'c']);
});

test('add and adopt never change the keys a value answers; a value several keys hold is handed out as one copy', async () => {
  const fc = (await import('fast-check')).default;
  fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom('add', 'remove', 'adopt'), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 7 })), { maxLength: 200 }), (ops) => {
    const idx = new FieldIndex();
    const model = new Map<string, Set<string>>();
    for (const [op, v, k] of ops) {
      // A fresh copy of the text each time, as a parse or a request makes it.
      const value = `value-${v}`.slice(0);
      const key = `key-${k}`;
      if (op === 'add') {
        const kept = idx.add(value, key);
        assert.equal(kept, value);
        (model.get(value) ?? model.set(value, new Set()).get(value)!).add(key);
      } else if (op === 'remove') {
        idx.remove(value, key);
        model.get(value)?.delete(key);
      } else if (model.get(value)?.has(key)) {
        assert.equal(idx.adopt(value, key), value);
      }
    }
    for (let v = 0; v <= 5; v++) assert.deepEqual(idx.keys(`value-${v}`).sort(), [...(model.get(`value-${v}`) ?? [])].sort());
  }), { numRuns: 500 });
});
