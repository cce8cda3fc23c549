import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Collection, CollectionSpec } from '../ports.js';
import { MapCollection } from './map-collection.js';
import { VolatileCollection } from './volatile-collection.js';

type Rec = { imsi?: string; list?: number[]; at?: unknown; n?: number };
const SPEC: CollectionSpec = { kind: 'volatile', indexes: ['imsi'] };
const drivers: Array<[string, () => Collection<Rec>]> = [
  ['VolatileCollection', () => new VolatileCollection<Rec>('sessions', SPEC)],
  ['MapCollection (JSON text)', () => new MapCollection<Rec>('sessions', SPEC)],
];

/** One script of reads and writes; its outcome must be the same for the object-holding and the text-holding collection. */
async function script(c: Collection<Rec>): Promise<unknown[]> {
  const out: unknown[] = [];
  const mine: Rec = { imsi: '1', list: [1], at: new Date(0) };
  await c.put('a', mine);
  mine.list!.push(2); // after the put: not in the store
  mine.imsi = '9';
  const got = (await c.get('a'))!;
  out.push({ ...got, list: [...got.list!] }); // the Date as its JSON string
  got.list!.push(3);
  out.push(await c.get('a'));
  await c.put('b', { imsi: '1', n: NaN } as Rec);
  await c.put('c', { imsi: '2' });
  out.push((await c.find('imsi', '1')).map((r) => r.n === null ? 'NaN written as null' : r));
  out.push(await c.update('a', (cur) => { cur!.list!.push(9); return { result: 'changed in place, not put' }; }));
  out.push(await c.get('a'));
  out.push(await c.update<number>('c', (cur) => ({ result: 7, put: { ...cur, imsi: '1' } })));
  out.push((await c.find('imsi', '1')).length, (await c.find('imsi', '2')).length);
  out.push(await c.insertMany([['c', { imsi: '3' }], ['d', { imsi: '3' }], ['d', { imsi: '4' }]]));
  out.push(await c.find('imsi', '3'), await c.find('imsi', '4'));
  out.push(await c.delete('b'), await c.delete('b'), await c.count());
  await c.putMany([['e1', { n: 1 }], ['e2', { n: 2 }], ['f', { n: 3 }]]);
  out.push(await c.scan({ prefix: 'e' }), (await c.scan({ after: 'c', limit: 2 })).map(([k]) => k));
  out.push(await c.update('a', () => ({ result: 'gone', delete: true })), await c.get('a'), await c.find('imsi', '1'));
  await assert.rejects(c.put('x', undefined as never), /not JSON/);
  await assert.rejects(c.update('x', () => { throw new Error('refused'); }), /refused/);
  await assert.rejects(c.find('n', '1'), /no index/);
  out.push(await c.count());
  return out;
}

test('a volatile collection answers as the JSON-text collection does: copies in and out, indexes, scans, updates, conflicts', async () => {
  const [[, mk1], [, mk2]] = drivers;
  const a = await script(mk1!());
  const b = await script(mk2!());
  assert.deepEqual(a, b);
  // and the script itself says what it should (so two equally wrong drivers would not pass)
  assert.deepEqual(a[0], { imsi: '1', list: [1], at: '1970-01-01T00:00:00.000Z' });
  assert.deepEqual(a[1], { imsi: '1', list: [1], at: '1970-01-01T00:00:00.000Z' });
  assert.deepEqual(a[2], [{ imsi: '1', list: [1], at: '1970-01-01T00:00:00.000Z' }, 'NaN written as null']);
  assert.deepEqual(a[4], { imsi: '1', list: [1], at: '1970-01-01T00:00:00.000Z' }, 'an update that changes its argument without put writes nothing');
  assert.deepEqual([a[6], a[7]], [3, 0], 'c moved from imsi 2 to imsi 1');
  assert.deepEqual(a[8], ['c', 'd'], 'an existing key and a key given twice are conflicts');
  assert.deepEqual([a[9], a[10]], [[{ imsi: '3' }], []]);
  assert.deepEqual([a[11], a[12], a[13]], [true, false, 3]);
  assert.deepEqual(a[14], [['e1', { n: 1 }], ['e2', { n: 2 }]]);
  assert.deepEqual(a[15], ['d', 'e1']);
  assert.deepEqual([a[16], a[17], a[18]], ['gone', undefined, [{ imsi: '1' }]]);
  assert.equal(a[19], 5);
});

test('a volatile update is atomic: many concurrent updates of one key each see the last one', async () => {
  const c = new VolatileCollection<number>('eap_state', { kind: 'volatile' });
  const results = await Promise.all(Array.from({ length: 500 }, () => c.update<number>('k', (cur) => ({ result: (cur ?? 0) + 1, put: (cur ?? 0) + 1 }))));
  assert.deepEqual(results, Array.from({ length: 500 }, (_, i) => i + 1));
  assert.equal(await c.get('k'), 500);
});

test('a volatile collection tells the change feed of every write and delete, and of nothing else', async () => {
  const seen: string[] = [];
  const c = new VolatileCollection<Rec>('sessions', SPEC, (key) => seen.push(key));
  await c.put('a', { imsi: '1' });
  await c.update('a', (cur) => ({ result: null, put: { ...cur, n: 1 } }));
  await c.update('a', () => ({ result: null })); // no change
  await c.get('a');
  await c.delete('missing');
  await c.insertMany([['a', {}], ['b', {}]]);
  await c.delete('a');
  assert.deepEqual(seen, ['a', 'a', 'b', 'a']);
});

test('a put of the copy an update handed out is copied again: the function cannot change the record afterwards', async () => {
  const c = new VolatileCollection<Rec>('eap_state', SPEC);
  await c.put('a', { imsi: '1', list: [1] });
  let handed: Rec | undefined;
  await c.update('a', (cur) => {
    handed = cur;
    cur!.list!.push(2);
    return { result: null, put: cur! };
  });
  handed!.n = 7;
  handed!.list!.push(3);
  assert.deepEqual(await c.get('a'), { imsi: '1', list: [1, 2] });
  assert.deepEqual((await c.find('imsi', '1')).map((r) => r.list), [[1, 2]]);
});
