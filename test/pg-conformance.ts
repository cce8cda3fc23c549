/**
 * The behaviours every Store driver must share (src/ports.ts), as one suite run on the memory driver (the
 * reference) and on PostgreSQL (test/pg-store.test.ts). `open()` gives a fresh, empty store; `second()`, when
 * the driver has one, a second store on the same data (another daemon) for the cross-process cases.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { ActivityRecord } from '../src/contracts/activity.js';
import type { Collection, Store, StoreChange } from '../src/ports.js';
import type { SubscriberService } from '../src/services/subscribers.js';
import { openCollection } from '../src/store/collections.js';

export interface ConformanceDriver {
  open(): Promise<Store>;
  /** Another store on the same data as the last `open()`, or null (memory). */
  second(): Promise<Store | null>;
}

type Sub = { imsi: string; msisdn?: string; n?: number };

export const activityRecord = (id: string, over: Partial<ActivityRecord> = {}): ActivityRecord => ({
  id, timestamp: new Date().toISOString(), request_type: 'entitlement_query', request_method: 'GET', request_path: '/',
  imsi: null, msisdn: null, terminal_id: null, terminal_vendor: null, terminal_model: null, terminal_sw_version: null,
  client_ip: '127.0.0.1', user_agent: null, auth_method: null, response_status: 200, response_code: 1000, app_ids: [],
  request_headers: {}, request_body: null, response_body: null, response_summary: {}, ...over,
});

const until = async (what: string, ok: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

export function conformanceCases(driver: ConformanceDriver): Array<[string, (t: TestContext) => Promise<void>]> {
  const withStore = (fn: (s: Store) => Promise<void>) => async () => {
    const s = await driver.open();
    try { await fn(s); } finally { await s.close(); }
  };
  /** Two daemons on one store where the driver has them (PostgreSQL), else the one store twice. */
  const withTwoStores = (fn: (a: Store, b: Store) => Promise<void>) => async () => {
    const a = await driver.open();
    const b = (await driver.second()) ?? a;
    try { await fn(a, b); } finally {
      if (b !== a) await b.close();
      await a.close();
    }
  };
  return [
    ['get, put, delete and a copy on read', withStore(async (s) => {
      const c = openCollection<Sub>(s, 'subscribers');
      assert.equal(await c.get('001'), undefined);
      await c.put('001', { imsi: '001', msisdn: '+1', n: 1 });
      const v = await c.get('001');
      assert.deepEqual(v, { imsi: '001', msisdn: '+1', n: 1 });
      v!.n = 99;
      assert.equal((await c.get('001'))!.n, 1, 'a read is a copy');
      await c.put('001', { imsi: '001', n: 2 });
      assert.deepEqual(await c.get('001'), { imsi: '001', n: 2 });
      assert.equal(await c.delete('001'), true);
      assert.equal(await c.delete('001'), false);
      assert.equal(await c.get('001'), undefined);
      // Collections are separate name spaces.
      await openCollection<Sub>(s, 'entitlements').put('001', { imsi: 'e' });
      assert.equal(await c.get('001'), undefined);
    })],
    ['getShared reads what get reads: a write of the key, by this daemon or another, is never hidden', withTwoStores(async (a, b) => {
      const ca = openCollection<Sub>(a, 'subscribers');
      const cb = openCollection<Sub>(b, 'subscribers');
      assert.equal(await ca.getShared('001'), undefined);
      await ca.put('001', { imsi: '001', msisdn: '+1', n: 1 });
      assert.deepEqual(await ca.getShared('001'), { imsi: '001', msisdn: '+1', n: 1 });
      assert.deepEqual(await ca.getShared('001'), await ca.get('001'), 'read again: the same record');
      await cb.put('001', { imsi: '001', msisdn: '+1', n: 2 });
      assert.deepEqual(await ca.getShared('001'), { imsi: '001', msisdn: '+1', n: 2 }, 'a put (of another daemon where there is one)');
      await cb.update('001', (cur) => ({ result: null, put: { ...cur!, n: 3 } }));
      assert.equal((await ca.getShared('001'))!.n, 3, 'an update');
      await cb.put('001', { imsi: '001', msisdn: '+1', n: 3 });
      assert.equal((await ca.getShared('001'))!.n, 3, 'the same record written again');
      assert.equal(await cb.delete('001'), true);
      assert.equal(await ca.getShared('001'), undefined, 'a delete');
      await cb.putMany([['001', { imsi: '001', n: 4 }]]);
      assert.deepEqual(await ca.getShared('001'), { imsi: '001', n: 4 }, 'put again after the delete');
      assert.equal((await cb.take('001'))!.n, 4);
      assert.equal(await ca.getShared('001'), undefined, 'a take');
      // A volatile collection's records too.
      const sa = openCollection<Sub>(a, 'sessions');
      await openCollection<Sub>(b, 'sessions').put('s1', { imsi: '001', n: 5 });
      assert.deepEqual(await sa.getShared('s1'), { imsi: '001', n: 5 });
    })],
    ['take deletes the record and returns it, to one taker; in order with updates of the key', withTwoStores(async (a, b) => {
      const ca = openCollection<Sub>(a, 'subscribers');
      const cb = openCollection<Sub>(b, 'subscribers');
      await ca.put('001', { imsi: '001', n: 1 });
      const took = await Promise.all([ca.take('001'), cb.take('001'), ca.take('001')]);
      assert.deepEqual(took.filter((t) => t !== undefined), [{ imsi: '001', n: 1 }], 'one taker gets the record');
      assert.equal(await cb.get('001'), undefined);
      assert.equal(await ca.take('001'), undefined);
      await ca.put('002', { imsi: '002', n: 1 });
      const [, after] = await Promise.all([ca.update('002', (cur) => ({ result: null, put: { ...cur!, n: 2 } })), ca.take('002')]);
      assert.equal(after!.n, 2, 'the take comes after the update called before it');
      const v = openCollection<{ kind: string }>(a, 'eap_state');
      await v.put('s:1', { kind: 'session' });
      assert.deepEqual(await v.take('s:1'), { kind: 'session' });
      assert.equal(await v.get('s:1'), undefined);
    })],
    ['takeMany takes each key for one caller, returns what each held in the order asked, and announces only what it took', withTwoStores(async (a, b) => {
      type Tok = { imsi: string; binding: string; expires_slot: string };
      const ca = openCollection<Tok>(a, 'tokens');
      const cb = openCollection<Tok>(b, 'tokens');
      const keys = Array.from({ length: 40 }, (_, i) => `k${String(i).padStart(3, '0')}`);
      await ca.putMany(keys.map((k, i) => [k, { imsi: k, binding: `b${i % 2}`, expires_slot: '7' }] as const));
      const seenA: StoreChange[] = [];
      const seenB: StoreChange[] = [];
      const offs = [a.onChange((ch) => seenA.push(ch)), ...(b !== a ? [b.onChange((ch) => seenB.push(ch))] : [])];
      // Two daemons (one on the memory driver) and a third caller racing for overlapping keys, with absent and repeated ones.
      const asks = [[keys[3]!, 'absent', ...keys.slice(0, 30)], keys.slice(10, 40).reverse(), [keys[3]!, keys[3]!, keys[39]!]];
      const results = await Promise.all([ca.takeMany(asks[0]!), cb.takeMany(asks[1]!), ca.takeMany(asks[2]!)]);
      const all = results.flat();
      assert.deepEqual(all.map(([k]) => k).sort(), keys, 'each key taken once, by one caller; an absent key not named');
      for (const [k, v] of all) assert.deepEqual(v, { imsi: k, binding: `b${Number(k.slice(1)) % 2}`, expires_slot: '7' }, 'with what it held');
      results.forEach((r, i) => {
        const order = [...new Set(asks[i])];
        assert.deepEqual(r.map(([k]) => k), order.filter((k) => r.some(([x]) => x === k)), 'in the order asked');
      });
      assert.equal(await cb.count(), 0);
      assert.deepEqual(await cb.findPage('binding', 'b0'), [], 'the index follows');
      assert.deepEqual(await ca.takeMany([]), []);
      assert.deepEqual(await ca.takeMany(['absent']), []);
      await until('the takes on the change feed', () => keys.every((k) => seenA.some((x) => x.collection === 'tokens' && x.key === k)));
      if (b !== a) await until('each daemon hears of the other\'s takes', () => keys.every((k) => seenB.some((x) => x.key === k)));
      assert.ok(!seenA.some((x) => x.key === 'absent') && !seenB.some((x) => x.key === 'absent'), 'a key not taken is not announced');
      for (const off of offs) off();
      // In call order with an update of the key on the same daemon, and on a volatile collection.
      await ca.put('u1', { imsi: 'u1', binding: 'b', expires_slot: '1' });
      const [, taken] = await Promise.all([ca.update('u1', (cur) => ({ result: null, put: { ...cur!, imsi: 'changed' } })), ca.takeMany(['u1'])]);
      assert.deepEqual(taken, [['u1', { imsi: 'changed', binding: 'b', expires_slot: '1' }]], 'the take comes after the update called before it');
      const v = openCollection<{ kind: string }>(a, 'eap_state');
      await v.putMany([['s:1', { kind: 'session' }], ['s:2', { kind: 'imsi' }]]);
      assert.deepEqual(await openCollection<{ kind: string }>(b, 'eap_state').takeMany(['s:2', 's:3', 's:1']), [['s:2', { kind: 'imsi' }], ['s:1', { kind: 'session' }]]);
      assert.equal(await v.get('s:1'), undefined);
    })],
    ['deleteMany deletes what is there, each key for one caller, indexes and change feeds following; with match, only records still holding the value', withTwoStores(async (a, b) => {
      type Tok = { imsi: string; binding: string; expires_slot: string };
      const ca = openCollection<Tok>(a, 'tokens');
      const cb = openCollection<Tok>(b, 'tokens');
      const keys = Array.from({ length: 300 }, (_, i) => `t${String(i).padStart(4, '0')}`);
      await ca.putMany(keys.map((k, i) => [k, { imsi: k, binding: `b${i % 3}`, expires_slot: i < 200 ? '7' : '8' }] as const));
      const seenA: StoreChange[] = [];
      const seenB: StoreChange[] = [];
      const offs = [a.onChange((ch) => seenA.push(ch)), ...(b !== a ? [b.onChange((ch) => seenB.push(ch))] : [])];
      // Two callers on two daemons (one on the memory driver) and a third overlapping: every present key goes to exactly one.
      const asked = [...keys.slice(0, 200), 'absent-1', 'absent-2', keys[5]!];
      const results = await Promise.all([ca.deleteMany(asked), cb.deleteMany(asked), ca.deleteMany(keys.slice(150, 250))]);
      const all = results.flat();
      assert.deepEqual([...all].sort(), keys.slice(0, 250), 'each present key deleted once, by one caller; absent keys not named');
      assert.equal(new Set(all).size, all.length, 'no key returned twice');
      assert.equal(await cb.count(), 50);
      assert.equal(await ca.get(keys[0]!), undefined);
      assert.deepEqual((await cb.findPage('expires_slot', '7')), [], 'the index follows');
      assert.deepEqual((await ca.findPage('expires_slot', '8')).map(([k]) => k), keys.slice(250), 'records of the value not asked for stay');
      assert.deepEqual(await ca.deleteMany([]), []);
      assert.deepEqual(await ca.deleteMany(['absent-1']), []);
      await until('the deletes on the change feed', () => keys.slice(0, 250).every((k) => seenA.some((x) => x.collection === 'tokens' && x.key === k)));
      assert.ok(!seenA.some((x) => x.key.startsWith('absent')), 'a key not deleted is not announced');
      if (b !== a) await until('the other daemon\'s deletes reach this one', () => keys.slice(0, 250).every((k) => seenA.some((x) => x.key === k) && seenB.some((x) => x.key === k)));
      for (const off of offs) off();
      // Compare-and-delete: a binding goes only while it still names the given token.
      const bind = openCollection<{ token_id: string }>(a, 'token_bindings');
      const bindB = openCollection<{ token_id: string }>(b, 'token_bindings');
      await bind.putMany([['x1', { token_id: 'T1' }], ['x2', { token_id: 'T2' }], ['x3', { token_id: 'T3' }], ['x4', { token_id: 'T4' }]]);
      const gone = await bindB.deleteMany(['x1', 'x2', 'x3', 'x9', 'x3'], { field: 'token_id', values: ['T1', 'other', 'old', 'T9', 'T3'] });
      assert.deepEqual([...gone].sort(), ['x1', 'x3'], 'x2 names another token; x3 given twice goes on the value it holds');
      assert.deepEqual(await bind.get('x2'), { token_id: 'T2' });
      // In call order with an update of the key on the same daemon: the update first, then the match sees its value.
      const [, after] = await Promise.all([bind.update('x4', () => ({ result: null, put: { token_id: 'NEW' } })), bind.deleteMany(['x4'], { field: 'token_id', values: ['T4'] })]);
      assert.deepEqual(after, [], 'the update called before it replaced the value the delete asked for');
      assert.deepEqual(await bindB.get('x4'), { token_id: 'NEW' });
      assert.deepEqual(await bind.deleteMany(['x4'], { field: 'token_id', values: ['NEW'] }), ['x4']);
      await assert.rejects(bind.deleteMany(['x2'], { field: 'token_id', values: [] }), /1 keys and 0 values/);
      // The field's value is compared as a JSON string: a number whose text is given does not match.
      const numbered = openCollection<{ token_id: number }>(a, 'token_bindings');
      await numbered.put('x5', { token_id: 5 });
      assert.deepEqual(await numbered.deleteMany(['x5'], { field: 'token_id', values: ['5'] }), []);
      assert.deepEqual(await numbered.get('x5'), { token_id: 5 });
      // A volatile collection, indexed.
      const v = openCollection<{ imsi: string }>(a, 'sessions');
      await v.putMany([['s1', { imsi: 'i1' }], ['s2', { imsi: 'i1' }], ['s3', { imsi: 'i2' }]]);
      assert.deepEqual([...await v.deleteMany(['s1', 's3', 's4'])].sort(), ['s1', 's3']);
      assert.deepEqual(await v.deleteMany(['s2'], { field: 'imsi', values: ['i2'] }), []);
      assert.deepEqual((await v.find('imsi', 'i1')).length, 1);
      assert.deepEqual(await v.find('imsi', 'i2'), []);
    })],
    ['putMany with deletes: one commit of both; absent keys skipped, a key also put is put', withTwoStores(async (a, b) => {
      const ca = openCollection<Sub>(a, 'subscribers');
      const cb = openCollection<Sub>(b, 'subscribers');
      await ca.putMany([['001', { imsi: '001' }], ['002', { imsi: '002' }], ['003', { imsi: '003' }]]);
      await ca.putMany([['004', { imsi: '004' }], ['003', { imsi: '003', n: 3 }]], ['001', '003', '999', '001']);
      assert.deepEqual((await cb.scan()).map(([k, v]) => [k, v.n ?? null]), [['002', null], ['003', 3], ['004', null]]);
      assert.equal(await cb.count(), 3);
      await ca.putMany([], ['002']);
      assert.equal(await cb.get('002'), undefined, 'deletes alone');
      const v = openCollection<{ kind: string }>(a, 'eap_state');
      await v.putMany([['s:1', { kind: 'session' }], ['s:2', { kind: 'session' }]]);
      await v.putMany([['s:3', { kind: 'session' }]], ['s:1']);
      assert.deepEqual((await v.scan()).map(([k]) => k), ['s:2', 's:3']);
    })],
    ['putMany, scan in key order with paging and prefix, count', withStore(async (s) => {
      const c = openCollection<Sub>(s, 'subscribers');
      const keys = Array.from({ length: 250 }, (_, i) => `0010100000${String(i).padStart(5, '0')}`).reverse();
      await c.putMany(keys.map((k) => [k, { imsi: k }] as const));
      await c.putMany([[keys[0]!, { imsi: keys[0]!, n: 1 }], [keys[0]!, { imsi: keys[0]!, n: 2 }]]);
      assert.equal(await c.count(), 250);
      assert.equal((await c.get(keys[0]!))!.n, 2, 'the last value of a key in one putMany wins');
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await c.scan({ after, limit: 64 });
        if (!page.length) break;
        assert.ok(page.length <= 64);
        for (const [k, v] of page) { seen.push(k); assert.equal(v.imsi, k); }
        after = page[page.length - 1]![0];
      }
      assert.deepEqual(seen, [...keys].sort());
      const pre = await c.scan({ prefix: '0010100000001' });
      assert.deepEqual(pre.map(([k]) => k), [...keys].sort().filter((k) => k.startsWith('0010100000001')));
      assert.equal(pre.length, 100);
      assert.deepEqual((await c.scan({ prefix: '0010100000001', after: '001010000000198' })).map(([k]) => k), ['001010000000199']);
      assert.deepEqual(await c.scan({ prefix: '9' }), []);
      assert.equal((await c.scan()).length, 250);
      assert.equal(await openCollection(s, 'entitlements').count(), 0);
      // `after` before the prefix: the keys with the prefix, from the first.
      assert.deepEqual((await c.scan({ prefix: '0010100000002', after: '0000' })).map(([k]) => k), [...keys].sort().filter((k) => k.startsWith('0010100000002')));
      // `contains`: keys holding the substring, in order, paged with `after` and `limit`, with their records.
      const holding = (n: string) => [...keys].sort().filter((k) => k.includes(n));
      assert.deepEqual((await c.scan({ contains: '17' })).map(([k]) => k), holding('17'));
      assert.ok(holding('17').length > 10 && holding('17').length < 250);
      const firstFive = await c.scan({ contains: '17', limit: 5 });
      assert.deepEqual(firstFive.map(([k]) => k), holding('17').slice(0, 5));
      assert.deepEqual(firstFive.map(([, v]) => v.imsi), holding('17').slice(0, 5), 'each key with its record');
      assert.deepEqual((await c.scan({ contains: '17', after: firstFive[4]![0] })).map(([k]) => k), holding('17').slice(5));
      assert.deepEqual((await c.scan({ contains: '7', prefix: '0010100000001' })).map(([k]) => k), holding('7').filter((k) => k.startsWith('0010100000001')));
      assert.deepEqual(await c.scan({ contains: 'x' }), []);
      assert.deepEqual((await c.scan({ contains: '001010000000042' })).map(([k]) => k), ['001010000000042'], 'a whole key');
    })],
    ['find on a declared index follows puts and deletes; an undeclared field throws', withStore(async (s) => {
      const c = openCollection<Sub>(s, 'subscribers');
      await c.put('a', { imsi: 'a', msisdn: '+100' });
      await c.put('b', { imsi: 'b', msisdn: '+100' });
      await c.put('c', { imsi: 'c', msisdn: '+200' });
      assert.deepEqual((await c.find('msisdn', '+100')).map((x) => x.imsi).sort(), ['a', 'b']);
      await c.put('b', { imsi: 'b', msisdn: '+300' });
      await c.delete('a');
      assert.deepEqual(await c.find('msisdn', '+100'), []);
      assert.deepEqual((await c.find('msisdn', '+300')).map((x) => x.imsi), ['b']);
      await assert.rejects(c.find('imsi', 'b'), /has no index/);
    })],
    ['findKeys: the keys find would read, in key order, through puts and deletes; none read', withStore(async (s) => {
      const c = openCollection<Sub>(s, 'subscribers');
      for (const k of ['d', 'b', 'a', 'c']) await c.put(k, { imsi: k, msisdn: k === 'c' ? '+200' : '+100' });
      assert.deepEqual(await c.findKeys('msisdn', '+100'), ['a', 'b', 'd']);
      assert.deepEqual(await c.findKeys('msisdn', '+200'), ['c']);
      await c.put('b', { imsi: 'b', msisdn: '+300' });
      await c.delete('a');
      assert.deepEqual(await c.findKeys('msisdn', '+100'), ['d']);
      assert.deepEqual(await c.findKeys('msisdn', '+300'), ['b']);
      assert.deepEqual(await c.findKeys('msisdn', '+999'), []);
      assert.deepEqual(await c.tally(), { n: 3, estimated: false }, 'a small collection is counted exactly');
      await assert.rejects(c.findKeys('imsi', 'b'), /has no index/);
      // A volatile collection, indexed.
      const v = openCollection<{ imsi: string }>(s, 'sessions');
      await v.putMany([['s2', { imsi: 'i1' }], ['s1', { imsi: 'i1' }], ['s3', { imsi: 'i2' }]]);
      await v.delete('s3');
      assert.deepEqual(await v.findKeys('imsi', 'i1'), ['s1', 's2']);
      assert.deepEqual(await v.findKeys('imsi', 'i2'), []);
    })],
    ['findPage pages the records sharing a value in key order, with the last key, through changes between pages', withStore(async (s) => {
      // A durable collection (tokens, by expiry minute) and a volatile one (sessions, by IMSI); 300 records share the
      // value (past what a driver may sort per page), 20 others hold another.
      for (const [name, field] of [['tokens', 'expires_slot'], ['sessions', 'imsi']] as const) {
        const c = openCollection<Record<string, string>>(s, name);
        const key = (i: number) => `k${String(i * 7919 % 1000).padStart(4, '0')}-${i}`;
        const keys: string[] = [];
        for (let i = 0; i < 300; i++) { keys.push(key(i)); await c.put(key(i), { [field]: 'v1', i: String(i) }); }
        for (let i = 300; i < 320; i++) await c.put(key(i), { [field]: 'v2', i: String(i) });
        const want = [...keys].sort();
        const first = await c.findPage(field, 'v1', { limit: 70 });
        assert.deepEqual(first.map(([k]) => k), want.slice(0, 70), `${name}: the first page`);
        assert.equal(first[0]![1].i, String(keys.indexOf(want[0]!)), `${name}: each key with its record`);
        // Between pages: a record behind the cursor and one ahead of it deleted, one ahead moved to another value,
        // a new key ahead of the cursor added (it comes in its place), one behind it added (it does not).
        const cursor = first[first.length - 1]![0];
        await c.delete(want[10]!);
        await c.delete(want[100]!);
        await c.put(want[101]!, { [field]: 'v2', i: 'moved' });
        await c.put(`${want[150]!}x`, { [field]: 'v1', i: 'new' });
        await c.put('a-behind', { [field]: 'v1', i: 'behind' });
        const rest: string[] = [];
        for (let after = cursor; ;) {
          const page = await c.findPage(field, 'v1', { after, limit: 70 });
          if (!page.length) break;
          assert.ok(page.length <= 70);
          rest.push(...page.map(([k]) => k));
          after = page[page.length - 1]![0];
        }
        const expected = [...want.slice(70).filter((k) => k !== want[100] && k !== want[101]), `${want[150]!}x`].sort();
        assert.deepEqual(rest, expected, `${name}: the rest in key order, each once`);
        assert.deepEqual((await c.findPage(field, 'v2', { limit: 1000 })).map(([k]) => k), [...Array.from({ length: 20 }, (_, j) => key(300 + j)), want[101]!].sort(), `${name}: the other value`);
        assert.deepEqual(await c.findPage(field, 'none'), []);
        assert.deepEqual(await c.findPage(field, 'v2', { after: 'zzzz' }), []);
        await assert.rejects(c.findPage('nofield', 'v1'), /has no index/);
      }
    })],
    ['update is atomic per key under concurrency and may delete or leave alone', withStore(async (s) => {
      const c = openCollection<{ sqn: number }>(s, 'sqn');
      const results = await Promise.all(Array.from({ length: 200 }, () =>
        c.update('001', (cur) => { const sqn = (cur?.sqn ?? 0) + 1; return { result: sqn, put: { sqn } }; })));
      assert.deepEqual([...results].sort((a, b) => a - b), Array.from({ length: 200 }, (_, i) => i + 1), 'every advance got its own value');
      assert.deepEqual(await c.get('001'), { sqn: 200 });
      assert.equal(await c.update('001', (cur) => ({ result: cur?.sqn })), 200);
      assert.equal(await c.update('001', () => ({ result: 'gone', delete: true })), 'gone');
      assert.equal(await c.get('001'), undefined);
      assert.equal(await c.update('001', () => ({ result: 'none', delete: true })), 'none');
      // An update racing with puts on the same key still sees a consistent value.
      await Promise.all([
        ...Array.from({ length: 20 }, () => c.update('002', (cur) => ({ result: null, put: { sqn: (cur?.sqn ?? 0) + 1 } }))),
        c.put('002', { sqn: 1000 }),
      ]);
      assert.ok((await c.get('002'))!.sqn >= 20);
    })],
    ['two stores on the same data: update stays atomic, writes and the change feed cross over', async () => {
      const a = await driver.open();
      const b = await driver.second();
      try {
        if (!b) return; // the memory driver has no second daemon
        const ca = openCollection<{ sqn: number }>(a, 'sqn');
        const cb = openCollection<{ sqn: number }>(b, 'sqn');
        const adv = (c: typeof ca) => c.update('001', (cur) => { const sqn = (cur?.sqn ?? 0) + 1; return { result: sqn, put: { sqn } }; });
        const all = await Promise.all(Array.from({ length: 200 }, (_, i) => adv(i % 2 ? ca : cb)));
        assert.equal(new Set(all).size, 200, 'no value issued twice across the two stores');
        assert.equal((await cb.get('001'))!.sqn, 200);
        const seen: StoreChange[] = [];
        const off = b.onChange((ch) => seen.push(ch));
        await openCollection(a, 'tokens').put('t1', { imsi: '1', binding: 'x' });
        await until('a change from the other store', () => seen.some((x) => x.collection === 'tokens' && x.key === 't1'));
        assert.ok(seen.find((x) => x.key === 't1')!.origin, 'the change names its daemon');
        // A few records in one putMany (one statement with its notification) reach the other store the same way.
        await openCollection(a, 'tokens').putMany([['t2', { imsi: '2', binding: 'y' }], ['t3', { imsi: '3', binding: 'y' }]]);
        await until('the putMany\'s changes from the other store', () => ['t2', 't3'].every((k) => seen.some((x) => x.collection === 'tokens' && x.key === k)));
        assert.deepEqual((await openCollection(b, 'tokens').find('binding', 'y')).length, 2);
        off();
        assert.deepEqual(await openCollection(b, 'tokens').find('binding', 'x'), [{ imsi: '1', binding: 'x' }]);
      } finally {
        await b?.close();
        await a.close();
      }
    }],
    ['insertMany writes only absent keys, returns the others, and a repeated key once', withStore(async (s) => {
      const c = openCollection<Sub>(s, 'subscribers');
      await c.put('b', { imsi: 'b', n: 1 });
      const seen: StoreChange[] = [];
      const off = s.onChange((ch) => seen.push(ch));
      const conflicts = await c.insertMany([['a', { imsi: 'a', msisdn: '+1' }], ['b', { imsi: 'b', n: 2 }], ['c', { imsi: 'c' }], ['a', { imsi: 'a', n: 3 }]]);
      assert.deepEqual([...conflicts].sort(), ['a', 'b']);
      assert.deepEqual(await c.get('a'), { imsi: 'a', msisdn: '+1' }, 'the first entry of a repeated key');
      assert.deepEqual(await c.get('b'), { imsi: 'b', n: 1 }, 'a present record is left as it was');
      assert.deepEqual(await c.get('c'), { imsi: 'c' });
      assert.deepEqual((await c.find('msisdn', '+1')).map((x) => x.imsi), ['a'], 'indexes follow');
      assert.equal(await c.count(), 3);
      assert.deepEqual(await c.insertMany([]), []);
      await until('the inserted keys on the change feed', () => seen.length >= 2);
      assert.deepEqual(seen.map((x) => x.key).sort(), ['a', 'c']);
      off();
      const many = Array.from({ length: 12_000 }, (_, i) => [`m${String(i).padStart(5, '0')}`, { imsi: String(i) }] as const);
      assert.deepEqual(await c.insertMany(many.slice(0, 7000)), []);
      assert.equal((await c.insertMany(many)).length, 7000, 'a batch larger than one statement');
      assert.equal(await c.count(), 3 + 12_000);
    })],
    ['insertMany racing creates by update() on another store: each key written by exactly one side', withTwoStores(async (a, b) => {
      const ca = openCollection<Sub>(a, 'subscribers');
      const cb = openCollection<Sub>(b, 'subscribers');
      for (let round = 0; round < 5; round++) {
        const keys = Array.from({ length: 200 }, (_, i) => `r${round}-${String(i).padStart(3, '0')}`);
        const [conflicts, ...adds] = await Promise.all([
          ca.insertMany(keys.map((k) => [k, { imsi: k, n: 1 }] as const)),
          ...keys.map((k, i) => (i % 3 ? cb : ca).update(k, (cur) => (cur ? { result: false } : { result: true, put: { imsi: k, n: 2 } }))),
        ]);
        const lost = new Set(conflicts as string[]);
        for (const [i, k] of keys.entries()) {
          const v = await ca.get(k);
          const addWon = (adds as boolean[])[i]!;
          assert.equal(addWon, lost.has(k), `${k}: the add won exactly when the insert reported a conflict`);
          assert.equal(v!.n, addWon ? 2 : 1, `${k}: the stored record is the winner's`);
        }
      }
    })],
    ['onChange fires for this store\'s own writes', withStore(async (s) => {
      const seen: StoreChange[] = [];
      const off = s.onChange((ch) => seen.push(ch));
      const c = openCollection<Sub>(s, 'entitlements');
      await c.put('k1', { imsi: '1' });
      await c.putMany([['k2', { imsi: '2' }], ['k3', { imsi: '3' }]]);
      await c.delete('k1');
      await c.update('k4', () => ({ result: 0, put: { imsi: '4' } }));
      await until('four changes', () => seen.length >= 5);
      assert.deepEqual(seen.map((x) => `${x.collection}/${x.key}`), ['entitlements/k1', 'entitlements/k2', 'entitlements/k3', 'entitlements/k1', 'entitlements/k4']);
      off();
      await c.put('k5', { imsi: '5' });
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(seen.length, 5, 'unsubscribed');
    })],
    ['activity: append, get, newest-first query with filters and paging, count', withStore(async (s) => {
      const t0 = Date.now() - 60_000;
      const at = (i: number) => new Date(t0 + i * 1000).toISOString();
      await Promise.all(Array.from({ length: 30 }, (_, i) => s.activity.append(activityRecord(`r${i}`, {
        timestamp: at(i), imsi: i % 3 === 0 ? '001010000000001' : '001010000000002', request_type: i % 2 ? 'eap_challenge' : 'entitlement_query',
        terminal_id: `term-${i % 5}`, request_path: `/path/${i}`,
      }))));
      assert.equal(await s.activity.count(), 30);
      assert.deepEqual(await s.activity.tally(), { n: 30, estimated: false }, 'a small log is counted exactly');
      const r5 = await s.activity.get('r5');
      assert.equal(r5?.request_path, '/path/5');
      assert.equal(await s.activity.get('nope'), undefined);
      const all = await s.activity.query({ limit: 10 });
      assert.equal(all.total, 30);
      assert.deepEqual(all.records.map((r) => r.id), Array.from({ length: 10 }, (_, i) => `r${29 - i}`));
      assert.deepEqual((await s.activity.query({ limit: 10, page: 3 })).records.map((r) => r.id), Array.from({ length: 10 }, (_, i) => `r${9 - i}`));
      const imsi = await s.activity.query({ imsi: '001010000000001', limit: 100 });
      assert.equal(imsi.total, 10);
      assert.ok(imsi.records.every((r) => r.imsi === '001010000000001'));
      assert.equal((await s.activity.query({ type: 'eap_challenge', limit: 100 })).total, 15);
      assert.equal((await s.activity.query({ terminal_id: 'term-0', limit: 100 })).total, 6);
      const from = Math.ceil((t0 + 10_000) / 1000), to = Math.floor((t0 + 19_000) / 1000);
      const win = await s.activity.query({ from, to, limit: 100 });
      assert.ok(win.records.every((r) => Date.parse(r.timestamp) >= from * 1000 && Date.parse(r.timestamp) <= to * 1000 + 999));
      assert.ok(win.total >= 8 && win.total <= 10, `time window total ${win.total}`);
      assert.deepEqual((await s.activity.query({ query: 'PATH/17', limit: 100 })).records.map((r) => r.id), ['r17']);
      assert.equal((await s.activity.query({ query: '%', limit: 100 })).total, 0, 'a LIKE wildcard is a literal');
    })],
    ['activity: a total counts up to its limit, then says it stopped (capped), never below the page shown', withStore(async (s) => {
      await Promise.all(Array.from({ length: 30 }, (_, i) => s.activity.append(activityRecord(`q${i}`, {
        timestamp: new Date(Date.now() - 60_000 + i * 1000).toISOString(), imsi: '001010000000001', request_type: i % 2 ? 'eap_challenge' : 'entitlement_query',
      }))));
      // 15 eap_challenge records: counted to 10, one past it seen, so capped at 10; the page is the newest five.
      const capped = await s.activity.query({ type: 'eap_challenge', limit: 5, countUpTo: 10 });
      assert.deepEqual({ total: capped.total, capped: capped.capped }, { total: 10, capped: true });
      assert.deepEqual(capped.records.map((r) => r.id), ['q29', 'q27', 'q25', 'q23', 'q21']);
      // Exactly at the limit, or under it: exact, not capped.
      const exact = await s.activity.query({ type: 'eap_challenge', limit: 5, countUpTo: 15 });
      assert.deepEqual({ total: exact.total, capped: exact.capped }, { total: 15, capped: undefined });
      // A page past the limit: the count goes to the end of that page and one past it.
      const deep = await s.activity.query({ type: 'eap_challenge', limit: 5, page: 3, countUpTo: 4 });
      assert.deepEqual({ total: deep.total, capped: deep.capped }, { total: 15, capped: undefined });
      assert.deepEqual(deep.records.map((r) => r.id), ['q9', 'q7', 'q5', 'q3', 'q1']);
      const deeper = await s.activity.query({ imsi: '001010000000001', limit: 5, page: 2, countUpTo: 4 });
      assert.deepEqual({ total: deeper.total, capped: deeper.capped, first: deeper.records[0]?.id }, { total: 10, capped: true, first: 'q24' });
      // A substring search counts the same way (PostgreSQL: ILIKE under the LIMIT).
      const search = await s.activity.query({ query: '0000000001', limit: 3, countUpTo: 7 });
      assert.deepEqual({ total: search.total, capped: search.capped, n: search.records.length }, { total: 7, capped: true, n: 3 });
    })],
    ['ids by prefix: the activity log\'s index and a collection\'s ordered key range (docs/cli.md § IDs)', withStore(async (s) => {
      const ids = ['7e4050ac-0000-4000-8000-000000000001', '7e4050ad-0000-4000-8000-000000000002', '7e40ffff-0000-4000-8000-000000000003', '7e3fffff-0000-4000-8000-000000000004', '8e4050ac-0000-4000-8000-000000000005'];
      for (const id of ids) await s.activity.append(activityRecord(id));
      assert.deepEqual(await s.activity.idsWithPrefix('7e4050ac', 10), [ids[0]]);
      assert.deepEqual(await s.activity.idsWithPrefix('7e4050a', 10), [ids[0], ids[1]]);
      assert.deepEqual(await s.activity.idsWithPrefix('7e40', 10), [ids[0], ids[1], ids[2]]);
      assert.deepEqual(await s.activity.idsWithPrefix('7e40', 2), [ids[0], ids[1]], 'at most limit, in id order');
      assert.deepEqual(await s.activity.idsWithPrefix(ids[4]!, 10), [ids[4]], 'a whole id is its own prefix');
      assert.deepEqual(await s.activity.idsWithPrefix('7e4f', 10), []);
      assert.deepEqual(await s.activity.idsWithPrefix('7e4', 10), [], 'shorter than 4 characters: nothing');
      const c = openCollection<Sub>(s, 'entitlements');
      for (const [i, id] of ids.entries()) await c.put(id, { imsi: String(i) });
      assert.deepEqual((await c.scan({ prefix: '7e4050a', limit: 11 })).map(([k]) => k), [ids[0], ids[1]]);
      assert.deepEqual((await c.scan({ prefix: '7e3f', limit: 11 })).map(([k]) => k), [ids[3]]);
    })],
  ];
}

/** Per-subscriber cap and age retention on a store opened with those limits. */
export async function retentionCase(open: (o: { maxPerSubscriber: number; retentionSeconds: number }) => Promise<Store>): Promise<void> {
  const s = await open({ maxPerSubscriber: 3, retentionSeconds: 3600 });
  try {
    for (let i = 0; i < 6; i++) await s.activity.append(activityRecord(`c${i}`, { imsi: '001', timestamp: new Date(Date.now() - 1000 + i).toISOString() }));
    await s.activity.append(activityRecord('old', { imsi: '002', timestamp: new Date(Date.now() - 7200_000).toISOString() }));
    await s.activity.append(activityRecord('new', { imsi: '002' }));
    assert.equal((await s.activity.query({})).total, 4);
    assert.deepEqual((await s.activity.query({ imsi: '001' })).records.map((r) => r.id), ['c5', 'c4', 'c3']);
    assert.equal(await s.activity.get('c0'), undefined);
    assert.equal(await s.activity.get('old'), undefined, 'older than retention_seconds');
    assert.equal(await s.activity.count(), 4);
  } finally {
    await s.close();
  }
}

/**
 * An import batch (create-if-absent) on `importer` racing `add` of the same IMSIs on `adder` (another daemon, or
 * the same store): every IMSI is written by exactly one of them, and what is stored is the winner's Ki.
 */
export async function importRaceCase(importer: SubscriberService, adder: SubscriberService, stored: Collection<{ ki: string }>): Promise<void> {
  const hex = (n: number, d: number) => n.toString(16).padStart(32, '0').replace(/^./, String(d));
  for (let round = 0; round < 5; round++) {
    const imsis = Array.from({ length: 300 }, (_, i) => `00101${String(round).padStart(2, '0')}${String(i).padStart(8, '0')}`);
    const rows = imsis.map((imsi, i) => ({ line: i + 2, imsi, ki: hex(i, 1), opc: hex(i, 2) }));
    const [batch, ...adds] = await Promise.all([
      importer.applyBatch(rows),
      ...imsis.map((imsi, i) => (i % 2 ? adder.add({ imsi, ki: hex(i, 3), opc: hex(i, 4) }).then(() => true, (e: Error) => {
        if (!/exists/.test(e.message)) throw e;
        return false;
      }) : Promise.resolve(null))),
    ]);
    const rejected = new Map(batch.rejected.map((r) => [r.line, r]));
    let addWins = 0;
    for (const [i, imsi] of imsis.entries()) {
      const ki = (await stored.get(imsi))!.ki;
      const addWon = adds[i] === true;
      if (addWon) addWins++;
      if (addWon) {
        assert.equal(ki, hex(i, 3), `${imsi}: the add won, its record is stored`);
        assert.equal(rejected.get(i + 2)?.code, 'exists', `${imsi}: the import reports the line as existing`);
      } else {
        assert.equal(ki, hex(i, 1), `${imsi}: the import won, its record is stored`);
        assert.ok(!rejected.has(i + 2));
      }
    }
    assert.equal(batch.added + addWins, imsis.length, 'every IMSI added once');
  }
}
