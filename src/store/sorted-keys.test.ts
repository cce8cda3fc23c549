import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SortedKeys } from './sorted-keys.js';

/** A seeded generator (mulberry32): the same sequence every run. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a page must be: every live key sorted, then the same after/prefix/limit rules. */
function expected(keys: Set<string>, o: { after?: string; prefix?: string; limit: number }): string[] {
  const all = [...keys].sort();
  const from = o.after !== undefined ? all.filter((k) => k > o.after!) : o.prefix ? all.filter((k) => k >= o.prefix!) : all;
  const out: string[] = [];
  for (const k of from) {
    if (out.length >= o.limit) break;
    if (o.prefix !== undefined && !k.startsWith(o.prefix)) break;
    out.push(k);
  }
  return out;
}

test('pages equal a full sort after any mix of inserts, deletes, re-inserts and snapshots', () => {
  const r = rng(42);
  const live = new Set<string>();
  const s = new SortedKeys(() => live);
  const key = () => `k${Math.floor(r() * 3000).toString().padStart(4, '0')}`;
  for (let step = 0; step < 20_000; step++) {
    const x = r();
    const k = key();
    if (x < 0.45) { if (!live.has(k)) { live.add(k); s.added(k); } }
    else if (x < 0.8) { if (live.delete(k)) s.removed(k); }
    else {
      const o = x < 0.87 ? { limit: 1 + Math.floor(r() * 50) }
        : x < 0.94 ? { after: key(), limit: 1 + Math.floor(r() * 50) }
          : { prefix: key().slice(0, 3), limit: 1 + Math.floor(r() * 200) };
      assert.deepEqual(s.page(o), expected(live, o), `step ${step}: ${JSON.stringify(o)}`);
    }
    if (step === 10_000) { s.reset(); }
  }
});

test('a million keys sorted once: pages after any number of changes take no new sort of every key', () => {
  const live = new Set<string>();
  for (let i = 0; i < 1_000_000; i++) live.add(`001010${String(i).padStart(9, '0')}`);
  let sorts = 0;
  const s = new SortedKeys(() => { sorts++; return live; });
  assert.deepEqual(s.page({ limit: 2 }), ['001010000000000', '001010000000001']);
  assert.equal(sorts, 1);
  // 40,000 keys added and 40,000 removed (the snapshot design re-sorted every key past 15,625 changes).
  for (let i = 0; i < 40_000; i++) {
    const k = `001010${String(2_000_000 + i).padStart(9, '0')}`;
    live.add(k);
    s.added(k);
    const gone = `001010${String(i * 7).padStart(9, '0')}`;
    if (live.delete(gone)) s.removed(gone);
    if (i % 5000 === 0) assert.equal(s.page({ after: '001010001999999', limit: 1 })[0], '001010002000000');
  }
  assert.equal(sorts, 1, 'every page above read the kept order');
  assert.deepEqual(s.page({ prefix: '0010100000000', limit: 3 }), ['001010000000001', '001010000000002', '001010000000003']);
  assert.deepEqual(s.page({ after: '001010002039997', limit: 5 }), ['001010002039998', '001010002039999']);
  for (const o of [{ after: '001010000279990', limit: 20 }, { prefix: '00101000028', limit: 30 }, { after: '001010000999995', limit: 10 }]) {
    assert.deepEqual(s.page(o), expected(live, o), JSON.stringify(o));
  }
  // Removing whole stretches empties chunks: the pages still run in order across the gap.
  for (let i = 300_000; i < 310_000; i++) { const k = `001010${String(i).padStart(9, '0')}`; if (live.delete(k)) s.removed(k); }
  const o = { after: '001010000299990', limit: 20 };
  assert.deepEqual(s.page(o), expected(live, o));
  assert.equal(sorts, 1);
});

test('the sliced build: keys changed while it runs, a reset in the middle, and pages equal a full sort after it', async () => {
  const r = rng(7);
  const live = new Set<string>();
  for (let i = 0; i < 200_000; i++) live.add(`k${Math.floor(r() * 1e9).toString(36).padStart(6, '0')}`);
  const s = new SortedKeys(() => live);
  // Changes come in between the build's slices, as requests would: adds, deletes, a delete then a re-add of a key
  // the iterator had passed (the live iterator then meets it twice), keys added behind and ahead of it.
  let turns = 0;
  let changing = true;
  const churn = () => {
    if (!changing) return;
    turns++;
    for (let n = 0; n < 50; n++) {
      const k = `k${Math.floor(r() * 1e9).toString(36).padStart(6, '0')}`;
      if (!live.has(k)) { live.add(k); s.added(k); }
      // One of the 100 oldest keys (insertion order), without copying the set each time.
      let old = '';
      let skip = Math.floor(r() * 100);
      for (const k of live) { old = k; if (skip-- === 0) break; }
      live.delete(old); s.removed(old);
      if (n % 5 === 0) { live.add(old); s.added(old); }
    }
    setImmediate(churn);
  };
  setImmediate(churn);
  const wait = s.ready();
  assert.ok(wait, 'not built yet: a build in slices');
  await wait;
  changing = false;
  assert.ok(turns > 3, `the event loop ran between the slices (${turns} turns)`);
  assert.equal(s.ready(), null, 'built: nothing to wait for');
  for (const o of [{ limit: 50 }, { after: 'k0', limit: 500 }, { after: 'k5', limit: 100 }, { prefix: 'k00', limit: 300 }]) assert.deepEqual(s.page(o), expected(live, o), JSON.stringify(o));
  let n = 0;
  for (let page = s.page({ limit: 10_000 }); page.length; page = s.page({ after: page[page.length - 1]!, limit: 10_000 })) n += page.length;
  assert.equal(n, live.size, 'every live key once, no repeat left by the live iterator');

  // A reset while a build waits between slices: the build is abandoned and a new one sees the keys as they are.
  s.reset();
  const first = s.ready()!;
  await new Promise((res) => setImmediate(res));
  for (let i = 0; i < 1000; i++) { const k = `z${i}`; live.add(k); }
  s.reset();
  await Promise.all([first, s.ready()]);
  assert.deepEqual(s.page({ after: 'y', limit: 3 }), ['z0', 'z1', 'z10']);
  assert.equal(s.page({ limit: 1_000_000 }).length, live.size);

  // A synchronous page while a sliced build is in flight sorts at once; the build in flight gives up.
  s.reset();
  const inFlight = s.ready()!;
  assert.deepEqual(s.page({ limit: 2 }), expected(live, { limit: 2 }));
  await inFlight;
  assert.equal(s.page({ limit: 1_000_000 }).length, live.size);
});

test('walk and search: a substring search a budget of keys at a time, on from where it stopped, through changes between turns', async () => {
  const keys = new Set<string>();
  for (let i = 0; i < 200_000; i++) keys.add(`k${String((i * 7_919) % 200_000).padStart(6, '0')}`);
  const sk = new SortedKeys(() => keys);
  await sk.ready();
  const want = (n: string, after = '') => [...keys].sort().filter((k) => k > after && k.includes(n));
  // The budget runs out before the limit: the matches so far, and the last key looked at.
  const first = sk.walk({ contains: '99', limit: 1000, examine: 5000 });
  assert.equal(first.resume, 'k004999');
  assert.deepEqual(first.keys, want('99').filter((k) => k <= 'k004999'));
  const next = sk.walk({ contains: '99', after: first.resume, limit: 1000, examine: 5000 });
  assert.deepEqual(next.keys, want('99', 'k004999').filter((k) => k <= 'k009999'));
  // The limit reached, or the end: no resume.
  assert.equal(sk.walk({ contains: '99', limit: 3, examine: 5000 }).resume, undefined);
  assert.equal(sk.walk({ contains: '99', after: 'k199990', limit: 100, examine: 5000 }).resume, undefined);
  // search: across several turns (200,000 keys, 65,536 a turn), a key added ahead between turns is found, one removed is not.
  const before = want('777');
  const searching = sk.search({ contains: '777', limit: 10_000 });
  // Runs after the first turn's walk (which ran in a microtask of the call), before the second.
  setImmediate(() => {
    keys.add('k199777x'); sk.added('k199777x');
    keys.delete('k150777'); sk.removed('k150777');
    keys.add('k000777y'); sk.added('k000777y'); // behind the search's cursor: not found
  });
  const found = await searching;
  assert.deepEqual(found, [...before.filter((k) => k !== 'k150777'), 'k199777x'].sort());
  assert.ok(!found.includes('k000777y'));
  assert.deepEqual(await sk.search({ contains: '777', limit: 2 }), ['k000777', 'k000777y']);
  assert.deepEqual(await sk.search({ limit: 2 }), ['k000000', 'k000001'], 'no substring: a page');
  assert.deepEqual(await sk.search({ contains: 'none', limit: 10 }), []);
});
