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

/** A commit hook whose commits settle when the test says: each call is one journal append, in call order. */
function heldCommits() {
  const calls: Array<{ ops: unknown[]; settle: (err?: Error) => void }> = [];
  return {
    calls,
    hook: {
      commit: (ops: ReadonlyArray<unknown>) => new Promise<void>((resolve, reject) => {
        calls.push({ ops: [...ops], settle: (err) => (err ? reject(err) : resolve()) });
      }),
    },
  };
}
const tick = () => new Promise((r) => setImmediate(r));

test('pipelined commits: updates of one key are all handed to the journal before the first is durable, each resolves after its own commit', async () => {
  const h = heldCommits();
  const c = new MapCollection<number>('sqn', { kind: 'state' }, h.hook);
  const acked: number[] = [];
  const all = Array.from({ length: 32 }, () => c.update<number>('imsi', (cur) => ({ result: (cur ?? 0) + 1, put: (cur ?? 0) + 1 })).then((v) => { acked.push(v); return v; }));
  for (let i = 0; i < 40 && h.calls.length < 32; i++) await tick();
  assert.equal(h.calls.length, 32, 'every update reached the journal while none was durable');
  assert.deepEqual(h.calls.map((x) => x.ops), Array.from({ length: 32 }, (_, i) => [{ key: 'imsi', text: String(i + 1) }]), 'each built on the one before, in order');
  assert.deepEqual(acked, [], 'nothing acknowledged before its commit');
  let read: number | undefined;
  const reading = c.get('imsi').then((v) => { read = v; });
  await tick();
  assert.equal(read, undefined, 'a read waits for the write in flight');
  for (const x of h.calls) x.settle();
  assert.deepEqual(await Promise.all(all), Array.from({ length: 32 }, (_, i) => i + 1));
  await reading;
  assert.equal(read, 32);
});

test('pipelined commits: a failed commit goes back to the last durable value, unless a later write of the key is in flight', async () => {
  const h = heldCommits();
  const c = new MapCollection<{ v: number; tag?: string }>('tokens', { kind: 'state', indexes: ['tag'] }, h.hook);
  const first = c.put('k', { v: 1, tag: 'a' });
  await tick();
  h.calls[0]!.settle();
  await first;
  // The newest write fails: the key holds what the journal holds (value and index).
  const second = c.put('k', { v: 2, tag: 'b' });
  await tick();
  h.calls[1]!.settle(new Error('EIO'));
  await assert.rejects(second, /EIO/);
  assert.deepEqual(await c.get('k'), { v: 1, tag: 'a' });
  assert.deepEqual(await c.find('tag', 'b'), []);
  assert.equal((await c.find('tag', 'a')).length, 1);
  // A middle write fails but a later one of the key commits: the later (whole) value stands.
  const third = c.update('k', (cur) => ({ result: null, put: { v: cur!.v + 10 } }));
  const fourth = c.update('k', (cur) => ({ result: null, put: { v: cur!.v + 100 } }));
  for (let i = 0; i < 10 && h.calls.length < 4; i++) await tick();
  h.calls[2]!.settle(new Error('ENOSPC'));
  h.calls[3]!.settle();
  await assert.rejects(third, /ENOSPC/);
  await fourth;
  assert.deepEqual(await c.get('k'), { v: 111 });
  // A new key whose only write fails is gone again; a delete that fails brings the record back.
  const fresh = c.put('n', { v: 5 });
  await tick();
  h.calls[4]!.settle(new Error('EIO'));
  await assert.rejects(fresh);
  assert.equal(await c.get('n'), undefined);
  assert.equal(await c.count(), 1);
  const del = c.delete('k');
  await tick();
  h.calls[5]!.settle(new Error('EIO'));
  await assert.rejects(del);
  assert.deepEqual(await c.get('k'), { v: 111 });
});
