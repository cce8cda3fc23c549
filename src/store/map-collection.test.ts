import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MapCollection } from './map-collection.js';
import { bigStringsWith, joinedStrings } from '../../test/heap-strings.js';

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

test('getShared: one frozen record per entry, parsed again only once a write replaced the entry', async () => {
  const c = new MapCollection<{ msisdn?: string; list?: number[] }>('xcap_profiles', { kind: 'provisioning', indexes: ['msisdn'] });
  await c.put('a', { msisdn: '1', list: [1] });
  const once = (await c.getShared('a'))!;
  assert.deepEqual(once, { msisdn: '1', list: [1] });
  const first = (await c.getShared('a'))!;
  assert.notEqual(first, once, 'a key read once is not kept');
  assert.equal(await c.getShared('a'), first, 'read again: the object the second read kept');
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first.list), 'frozen all the way down');
  assert.throws(() => { (first as { msisdn?: string }).msisdn = '2'; }, TypeError);
  assert.throws(() => (first.list as number[]).push(2), TypeError);
  assert.notEqual(await c.get('a'), first, 'get still hands out a copy of its own');
  await c.update('a', (cur) => ({ result: null, put: { ...cur!, msisdn: '3' } }));
  const second = (await c.getShared('a'))!;
  assert.notEqual(second, first);
  assert.equal(second.msisdn, '3');
  assert.equal(first.msisdn, '1', 'what a reader holds is not changed under it');
  await c.put('a', { msisdn: '3', list: [1] });
  assert.equal(await c.getShared('a'), second, 'the same text written again: the same record');
  await c.delete('a');
  assert.equal(await c.getShared('a'), undefined);
  await c.put('a', { msisdn: '3', list: [1] });
  assert.notEqual(await c.getShared('a'), second, 'a record deleted is not kept');
});

test('getShared waits for a write of its key in flight, as get does', async () => {
  const h = heldCommits();
  const c = new MapCollection<{ n: number }>('xcap_profiles', { kind: 'provisioning' }, h.hook);
  const put1 = c.put('a', { n: 1 });
  for (let i = 0; i < 40 && h.calls.length < 1; i++) await new Promise((r) => setImmediate(r));
  let read: Readonly<{ n: number }> | undefined | null = null;
  const reading = c.getShared('a').then((r) => { read = r; });
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  assert.equal(read, null, 'not before the write is durable');
  h.calls[0]!.settle();
  await put1;
  await reading;
  assert.deepEqual(read, { n: 1 });
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

test('index kept by update without re-parsing: in-place changes, moved values, toJSON fields and deletes match the text (property)', async () => {
  // Every step applied to the collection and to a plain model; after each, every index lookup equals the model's.
  type Rec = { imsi?: unknown; note?: string };
  const fc = (await import('fast-check')).default;
  const values = fc.oneof(fc.constantFrom('a', 'b', 'c'), fc.constant(undefined), fc.constant(null), fc.constant(7), fc.constant('date'));
  const step = fc.record({ key: fc.constantFrom('k1', 'k2', 'k3'), imsi: values, how: fc.constantFrom('mutate', 'fresh', 'delete', 'keep', 'put') });
  await fc.assert(fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
    const c = new MapCollection<Rec>('tokens', { kind: 'state', indexes: ['imsi'] });
    const model = new Map<string, string>(); // key → the JSON text the store should hold
    // A Date's toJSON makes it a string in the text: indexed by that string, as a reload from the text would.
    const valueOf = (v: unknown) => (v === 'date' ? new Date(Date.UTC(2026, 0, 1)) : v);
    for (const s of steps) {
      const v = valueOf(s.imsi);
      if (s.how === 'put') await c.put(s.key, { imsi: v });
      else await c.update(s.key, (cur) => {
        if (s.how === 'delete') return { result: null, delete: true };
        if (s.how === 'keep') return { result: null };
        if (s.how === 'mutate' && cur) { cur.imsi = v; cur.note = 'changed in place'; return { result: null, put: cur }; }
        return { result: null, put: { imsi: v } };
      });
      if (s.how === 'delete') model.delete(s.key);
      else if (s.how === 'put' || s.how === 'fresh' || (s.how === 'mutate')) {
        const had = model.get(s.key);
        if (s.how === 'mutate' && had !== undefined) model.set(s.key, JSON.stringify({ ...JSON.parse(had), imsi: v, note: 'changed in place' }));
        else model.set(s.key, JSON.stringify({ imsi: v }));
      }
      for (const want of ['a', 'b', 'c', '2026-01-01T00:00:00.000Z']) {
        const expected = [...model].filter(([, t]) => (JSON.parse(t) as Rec).imsi === want).map(([, t]) => JSON.parse(t) as Rec);
        const got = await c.find('imsi', want);
        assert.deepEqual(got.map((r) => JSON.stringify(r)).sort(), expected.map((r) => JSON.stringify(r)).sort(), `imsi ${want} after ${JSON.stringify(steps)}`);
      }
    }
  }), { numRuns: 300 });
});

/** A RecordSource over records held in arrays (slot i: `keys[i]`'s record), as a snapshot file is. */
function arraySource(keys: readonly string[], records: readonly unknown[], field: string) {
  return {
    reads: 0,
    read(slot: number, key: string): Promise<string> {
      this.reads++;
      if (keys[slot] !== key) return Promise.reject(new Error(`slot ${slot} holds ${keys[slot]}, not ${key}`));
      return Promise.resolve(JSON.stringify(records[slot]));
    },
    async readParsed(slot: number, key: string) {
      const text = await this.read(slot, key);
      return { value: JSON.parse(text) as unknown, chars: text.length };
    },
    readSync(slot: number, key: string): string {
      this.reads++;
      if (keys[slot] !== key) throw new Error(`slot ${slot} holds ${keys[slot]}, not ${key}`);
      return JSON.stringify(records[slot]);
    },
    holds: 0,
    hold() { this.holds++; },
    release() { this.holds--; },
    indexValue(slot: number, f: string): string | undefined {
      return f === field ? (records[slot] as Record<string, string>)[f] : undefined;
    },
  };
}

test('a compaction switches a collection to its new source in slices: every read meanwhile gets the record of its key', async () => {
  const N = 3000;
  const key = (i: number) => `k${String(i).padStart(5, '0')}`;
  const rec = (i: number, v: number) => ({ id: key(i), owner: `o${i % 7}`, v });
  const c = new MapCollection<ReturnType<typeof rec>>('tokens', { kind: 'state', indexes: ['owner'] });
  // The old source holds every record in key order; the new one in reverse order, so a slot number names another key.
  const oldKeys = Array.from({ length: N }, (_, i) => key(i));
  const old = arraySource(oldKeys, oldKeys.map((_, i) => rec(i, 0)), 'owner');
  c.loadSource(old, oldKeys, ['owner'], [oldKeys.map((_, i) => `o${i % 7}`)]);
  // Records rewritten since the old source (held as text), as a compaction finds them.
  for (let i = 0; i < N; i += 3) await c.put(key(i), rec(i, 1));
  const newKeys = [...oldKeys].reverse();
  const expected = (i: number) => rec(i, i % 3 === 0 ? 1 : 0);
  const fresh = arraySource(newKeys, newKeys.map((k) => expected(Number(k.slice(1)))), 'owner');
  const was = newKeys.map((k) => c.entryOf(k)!);
  let done = false;
  const switching = c.retarget(fresh, newKeys, was, { sliceMs: 0 }).then(() => { done = true; });
  let rounds = 0;
  while (!done) {
    rounds++;
    // Every key, and a find through the index, between two slices of the switch.
    const got = await Promise.all(oldKeys.map((k) => c.get(k)));
    got.forEach((r, i) => assert.deepEqual(r, expected(i), `${key(i)} read during the switch`));
    const shared = await c.getShared(key(1));
    assert.deepEqual(shared, expected(1));
    assert.equal((await c.find('owner', 'o3')).length, oldKeys.filter((_, i) => i % 7 === 3).length);
    await tick();
  }
  await switching;
  assert.ok(rounds >= 3, `the switch took ${rounds} turns of the event loop, not one step`);
  assert.ok(old.reads > 0 && fresh.reads > 0, 'reads went to both sources while it ran');
  // After it, every key is a slot of the new source.
  for (let i = 0; i < N; i++) assert.equal(c.entryOf(key(i)), N - 1 - i);
  assert.deepEqual(await c.get(key(N - 1)), expected(N - 1));
});

test('the records held as text are collected a shard of the key map at a time, the event loop turning in between', async () => {
  const c = new MapCollection<{ n: number }>('tokens', { kind: 'state' });
  const N = 5000;
  for (let i = 0; i < N; i++) await c.put(`key-${i}`, { n: i });
  let turns = 0;
  let collecting = true;
  const count = () => { if (collecting) { turns++; setImmediate(count); } };
  setImmediate(count);
  const texts = await c.textEntries(0);
  collecting = false;
  assert.equal(texts.length, N);
  assert.deepEqual(new Map(texts).get('key-4321'), JSON.stringify({ n: 4321 }));
  assert.ok(turns >= 100, `the event loop turned ${turns} times while the shards were read (one step would give 0)`);
});

test('a compaction takes what a crash would leave: a write or delete in flight is not taken, its key\'s durable record is, wherever in the walk it was staged', async () => {
  const N = 3000;
  const key = (i: number) => `k${String(i).padStart(5, '0')}`;
  const h = heldCommits();
  const c = new MapCollection<{ id: string; v: number }>('tokens', { kind: 'state' }, h.hook);
  for (let i = 0; i < N; i++) c.load(key(i), { id: key(i), v: 0 });
  let done = false;
  const walk = c.textEntries(0).then((t) => { done = true; return t; });
  // Between the walk's slices (a shard each): puts and deletes of held keys and puts of new keys, all in flight.
  const writes: Array<Promise<unknown>> = [];
  let turns = 0;
  for (let i = 0; !done; i += 3) {
    turns++;
    writes.push(c.put(key(i % N), { id: key(i % N), v: 1 }), c.delete(key((i + 1) % N)), c.put(`new${i}`, { id: `new${i}`, v: 1 }));
    await tick();
  }
  const texts = await walk;
  assert.ok(turns >= 50, `writes were staged in ${turns} turns of the walk`);
  const got = new Map(texts);
  assert.equal(texts.length, got.size, 'no key taken twice');
  assert.equal(got.size, N, 'every key with a durable record, and no key of a write in flight only');
  for (let i = 0; i < N; i++) assert.equal(got.get(key(i)), JSON.stringify({ id: key(i), v: 0 }), `${key(i)}: its durable record`);
  // The writes then fail: the collection is back to those records, as a start from the snapshot would be.
  for (const call of h.calls) call.settle(new Error('EIO'));
  for (const w of writes) await assert.rejects(w, /EIO/);
  for (let i = 0; i < N; i += 97) assert.deepEqual(await c.get(key(i)), { id: key(i), v: 0 });
  assert.equal(await c.count(), N);
});

test('a key whose write stayed in flight through a switch: the next compaction takes its durable record from the source it is a slot of', async () => {
  const key = (i: number) => `k${String(i).padStart(3, '0')}`;
  const rec = (i: number, v: number) => ({ id: key(i), owner: 'o', v });
  const h = heldCommits();
  const c = new MapCollection<ReturnType<typeof rec>>('tokens', { kind: 'state' }, h.hook);
  const keys = Array.from({ length: 20 }, (_, i) => key(i));
  const old = arraySource(keys, keys.map((_, i) => rec(i, 0)), 'owner');
  c.loadSource(old, keys, [], []);
  const write = c.put(key(7), rec(7, 1));
  write.catch(() => undefined);
  // A compaction switches to a new source (the reverse order) while the write is in flight: the key is not moved.
  const newKeys = [...keys].reverse();
  const fresh = arraySource(newKeys, newKeys.map((k) => rec(Number(k.slice(1)), 0)), 'owner');
  await c.retarget(fresh, newKeys, newKeys.map((k) => keys.indexOf(k)), { sliceMs: 0 });
  assert.equal(c.durableSlotOf(key(7)), undefined, 'not a slot of the source now compacted');
  assert.equal(c.durableSlotOf(key(8)), 11, 'a key at rest: its slot of the new source');
  const texts = new Map(await c.textEntries(0));
  assert.deepEqual([...texts.keys()], [key(7)]);
  assert.equal(texts.get(key(7)), JSON.stringify(rec(7, 0)), 'the record before the write, read from the old source');
  h.calls[0]!.settle(new Error('EIO'));
  await assert.rejects(write, /EIO/);
  assert.deepEqual(await c.get(key(7)), rec(7, 0));
});

test('a write that fails during or after a switch to a new source goes back to the record it replaced, not to a slot number of the old source', async () => {
  const N = 3000;
  const key = (i: number) => `k${String(i).padStart(5, '0')}`;
  const rec = (i: number, v: number) => ({ id: key(i), owner: `o${i % 7}`, v });
  const h = heldCommits();
  const c = new MapCollection<ReturnType<typeof rec>>('tokens', { kind: 'state', indexes: ['owner'] }, h.hook);
  const oldKeys = Array.from({ length: N }, (_, i) => key(i));
  const old = arraySource(oldKeys, oldKeys.map((_, i) => rec(i, 0)), 'owner');
  c.loadSource(old, oldKeys, ['owner'], [oldKeys.map((_, i) => `o${i % 7}`)]);
  const newKeys = [...oldKeys].reverse(); // slot i of the new source is another key than slot i of the old one
  const failing: Array<{ i: number; write: Promise<void>; call: number }> = [];
  const stage = async (i: number) => {
    const write = c.put(key(i), { id: key(i), owner: 'moved', v: 9 });
    write.catch(() => undefined);
    for (let t = 0; t < 10 && h.calls.length <= failing.length; t++) await tick();
    failing.push({ i, write, call: h.calls.length - 1 });
  };
  // The key of old slot i is in new slot N - 1 - i, which the switch (in key order of the new source) reaches late for
  // a small i. 20 and 3: written before the snapshot, which took the writes in flight as they are.
  await stage(20);
  await stage(3);
  const was = newKeys.map((k) => c.entryOf(k)!);
  // 10: copied from the old source by the snapshot, then written before the switch starts.
  await stage(10);
  const newRecords = newKeys.map((k, slot) => (typeof was[slot] === 'string' ? JSON.parse(was[slot] as string) : rec(Number(k.slice(1)), 0)));
  const fresh = arraySource(newKeys, newRecords, 'owner');
  let done = false;
  const switching = c.retarget(fresh, newKeys, was, { sliceMs: 0 }).then(() => { done = true; });
  await tick();
  // 5: written during the switch before it reaches the key; 2990: after it switched the key (a slot of the new source).
  assert.equal(c.entryOf(key(5)), 5, 'key 5 not switched yet');
  await stage(5);
  assert.equal(c.entryOf(key(2990)), 9, 'key 2990 switched already');
  await stage(2990);
  // 3's write fails while the switch runs, before it reaches the key.
  h.calls[failing[1]!.call]!.settle(new Error('EIO'));
  await assert.rejects(failing[1]!.write, /EIO/);
  assert.ok(!done, 'all this happened during the switch');
  assert.deepEqual(await c.get(key(3)), rec(3, 0), 'reverted during the switch');
  await switching;
  for (const f of failing) if (f.i !== 3) h.calls[f.call]!.settle(new Error('EIO'));
  for (const f of failing) await assert.rejects(f.write, /EIO/);
  assert.equal(c.entryOf(key(2990)), 9, 'a slot of the new source goes back as that slot');
  for (const f of failing) {
    assert.deepEqual(await c.get(key(f.i)), rec(f.i, 0), `${key(f.i)} is the record its failed write replaced`);
    assert.deepEqual(await c.getShared(key(f.i)), rec(f.i, 0));
  }
  assert.deepEqual(await c.find('owner', 'moved'), [], 'no index entry of a failed write');
  assert.equal((await c.find('owner', 'o6')).length, oldKeys.filter((_, i) => i % 7 === 6).length);
  assert.equal(old.holds, 0, 'the old source is no longer held by a write in flight');
});

test('a key and an indexed value cut from a request are kept as copies of their own, not as slices holding the request (heap snapshot)', async () => {
  const marker = `zqUrl${process.pid}`;
  const url = (i: number) => `/?IMSI=00101${String(i).padStart(10, '0')}&owner=${marker}-owner-${i}-0123456789&pad=${'x'.repeat(4000)}`;
  const param = (u: string, name: string) => u.slice(u.indexOf(`${name}=`) + name.length + 1, u.indexOf('&', u.indexOf(`${name}=`)));
  const c = new MapCollection<{ imsi: string; owner: string; n: number; tag?: string }>('tokens', { kind: 'state', indexes: ['owner', 'tag'] }, { commit: async () => {} });
  // Each request in a frame of its own, which ends: what stays alive is what the collection keeps.
  const request = async (i: number) => {
    const u = url(i);
    const imsi = param(u, 'IMSI');
    const owner = param(u, 'owner');
    // A new key through update (its record's fields are read from the object), then read twice (kept by getShared).
    await c.update(imsi, () => ({ result: null, put: { imsi, owner, n: i } }));
    await c.getShared(param(url(i), 'IMSI'));
    await c.getShared(param(url(i), 'IMSI'));
    // And a second key sharing the owner value: the index's shared value.
    await c.update(`${imsi}b`, () => ({ result: null, put: { imsi, owner: param(url(i), 'owner'), n: i } }));
    // An existing key, named by another request, whose indexed value changes: the index keeps the key again.
    // (A joined key is flattened by the key map's hash, which reads its characters: only a plain slice can stay one.)
    await c.update(param(url(i), 'IMSI'), (cur) => ({ result: null, put: { ...cur!, tag: 'second' } }));
  };
  for (let i = 0; i < 4; i++) await request(i);
  // A RecentMap remembers its last missed key for the `set` that usually follows (one key, whatever the size): another
  // record read first moves it on.
  await c.put('other', { imsi: 'other', owner: 'x', n: 0 });
  await c.getShared('other');
  assert.equal(bigStringsWith(marker, 900), 0, 'no request kept alive by the collection');
  assert.equal((await c.find('owner', `${marker}-owner-2-0123456789`)).length, 2);
  assert.equal((await c.find('tag', 'second')).length, 4);
  assert.deepEqual(await c.get('001010000000003'), { imsi: '001010000000003', owner: `${marker}-owner-3-0123456789`, n: 3, tag: 'second' });
});

test('a record written is held as one flat text, not as the joined pieces JSON.stringify built it from (heap snapshot)', async () => {
  const c = new MapCollection<{ sqn: string; imsi: string; updated_at: number; note: string }>('sqn', { kind: 'state', indexes: ['imsi'] }, { commit: async () => {} });
  const before = joinedStrings();
  // Through update: the index takes its value from the object, so nothing reads the text before it is held.
  for (let i = 0; i < 2000; i++) {
    await c.update(`k${i}`, () => ({ result: null, put: { sqn: String(1000 + i), imsi: `00101${String(i).padStart(10, '0')}`, updated_at: 1_765_000_000_000 + i, note: `record ${i} `.repeat(40) } }));
  }
  // Unflattened, a text of ≈ 500 characters is 4 pieces and 3 joins; flattened, at most the one join that wraps the
  // flat text is left (the garbage collector drops most of those).
  const joined = joinedStrings() - before;
  assert.ok(joined <= 2200, `2,000 records left ${joined} joined strings (JSON.stringify's pieces: 3 a record)`);
  assert.deepEqual(await c.get('k1999'), { sqn: '2999', imsi: '001010000001999', updated_at: 1_765_000_001_999, note: 'record 1999 '.repeat(40) });
  assert.equal((await c.find('imsi', '001010000000007')).length, 1);
});

test('heldTextChars is the length of every record held as text, through puts, updates, deletes, failed commits and a switch to a new source (property)', async () => {
  const h = heldCommits();
  const key = (i: number) => `k${String(i).padStart(3, '0')}`;
  const c = new MapCollection<{ id: string; owner: string; pad: string }>('tokens', { kind: 'state', indexes: ['owner'] }, h.hook);
  const keys = Array.from({ length: 60 }, (_, i) => key(i));
  const rec = (i: number, n: number) => ({ id: key(i), owner: `o${n % 5}`, pad: 'x'.repeat(n % 97) });
  c.loadSource(arraySource(keys, keys.map((_, i) => rec(i, 0)), 'owner'), keys, ['owner'], [keys.map(() => 'o0')]);
  assert.equal(c.heldTextChars, 0, 'records of the source are not held');
  // What it must be: the text of every key whose entry is a text, read back through the compaction's walk.
  const expected = async () => (await c.textEntries(0)).reduce((n, [, t]) => n + t.length, 0);
  let seed = 7;
  const rnd = (n: number) => { seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31; return seed % n; };
  const writes: Array<Promise<unknown>> = [];
  for (let round = 0; round < 40; round++) {
    for (let j = 0; j < 25; j++) {
      const i = rnd(90); // some keys beyond the source's
      const n = rnd(1000);
      const op = rnd(6);
      if (op === 0) writes.push(c.delete(key(i)));
      else if (op === 1) writes.push(c.update(key(i), (cur) => ({ result: null, put: { ...(cur ?? rec(i, 0)), pad: 'y'.repeat(n % 131) } })));
      else if (op === 2) writes.push(c.deleteMany([key(i), key((i + 1) % 90)], { field: 'owner', values: [`o${n % 5}`, `o${(n + 1) % 5}`] }));
      else if (op === 3) writes.push(c.putMany([[key(i), rec(i, n)], [key((i + 2) % 90), rec(i, n + 1)]]));
      else writes.push(c.put(key(i), rec(i, n)));
    }
    // Every commit settles, one in four failing (the key goes back to its durable entry), till every write has.
    let pending = true;
    const all = Promise.allSettled(writes.splice(0)).then(() => { pending = false; });
    while (pending) {
      await tick();
      for (const call of h.calls.splice(0)) call.settle(rnd(4) === 0 ? new Error('EIO') : undefined);
    }
    await all;
    await tick();
    assert.equal(c.heldTextChars, await expected(), `after round ${round}`);
  }
  assert.ok(c.heldTextChars > 0);
  // A switch to a new source holding every record: each text it moved is no longer held.
  const now = await c.scan({ limit: 1000 });
  const newKeys = now.map(([k]) => k);
  const was = newKeys.map((k) => c.entryOf(k)!);
  await c.retarget(arraySource(newKeys, now.map(([, v]) => v), 'owner'), newKeys, was, { sliceMs: 0 });
  assert.equal(c.heldTextChars, 0);
  const last = c.put(key(1), rec(1, 500));
  for (let t = 0; t < 3 && !h.calls.length; t++) await tick();
  h.calls.splice(0).forEach((call) => call.settle());
  await last;
  assert.equal(c.heldTextChars, JSON.stringify(rec(1, 500)).length);
});
