import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MapCollection } from './map-collection.js';

test('index: unique and shared values, moves and deletes keep find exact', async () => {
  const c = new MapCollection<{ msisdn?: string }>('subscribers', { kind: 'provisioning', indexes: ['msisdn'] });
  await c.put('a', { msisdn: '1' });
  await c.put('b', { msisdn: '1' });
  await c.put('c', { msisdn: '2' });
  assert.deepEqual((await c.find('msisdn', '1')).length, 2);
  await c.put('a', { msisdn: '3' }); // moves a from 1 to 3: 1 is held by b alone again
  assert.deepEqual(await c.find('msisdn', '1'), [{ msisdn: '1' }]);
  assert.deepEqual(await c.find('msisdn', '3'), [{ msisdn: '3' }]);
  await c.delete('b');
  assert.deepEqual(await c.find('msisdn', '1'), []);
  await c.put('c', { msisdn: '2' }); // same value again: still one hit
  assert.equal((await c.find('msisdn', '2')).length, 1);
  await c.put('c', {});
  assert.deepEqual(await c.find('msisdn', '2'), []);
  await assert.rejects(c.find('imsi', 'x'), /no index/);
});

test('records are handed out parsed fresh from their JSON: a caller changing one does not change the store', async () => {
  const c = new MapCollection<{ msisdn?: string; list?: number[] }>('subscribers', { kind: 'provisioning', indexes: ['msisdn'] });
  const mine = { msisdn: '1', list: [1] };
  await c.put('a', mine);
  mine.list.push(2); // after the put: not in the store
  const got = (await c.get('a'))!;
  assert.deepEqual(got, { msisdn: '1', list: [1] });
  got.list!.push(3);
  got.msisdn = '2';
  assert.deepEqual(await c.get('a'), { msisdn: '1', list: [1] });
  assert.deepEqual((await c.find('msisdn', '1'))[0], { msisdn: '1', list: [1] });
  await c.update('a', (cur) => { cur!.list!.push(9); return { result: null }; }); // changed, not put: nothing written
  assert.deepEqual((await c.scan())[0], ['a', { msisdn: '1', list: [1] }]);
  await assert.rejects(c.put('b', undefined as never), /not JSON/);
});
