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
