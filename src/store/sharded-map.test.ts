/**
 * ShardedMap against a Map: any sequence of set, delete and clear leaves the same entries, size, has and get; every
 * entry is iterated once; and keys spread over the shards (a growth rehashes a part, not the whole).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { ShardedMap } from './sharded-map.js';

test('ShardedMap answers as a Map for any sequence of set, delete and clear (property)', () => {
  const op = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.constant('set' as const), fc.string({ maxLength: 6 }), fc.integer()) },
    { weight: 3, arbitrary: fc.tuple(fc.constant('delete' as const), fc.string({ maxLength: 6 }), fc.constant(0)) },
    { weight: 1, arbitrary: fc.tuple(fc.constant('clear' as const), fc.constant(''), fc.constant(0)) },
  );
  fc.assert(fc.property(fc.array(op, { maxLength: 300 }), fc.array(fc.string({ maxLength: 6 }), { maxLength: 20 }), (ops, probes) => {
    const m = new ShardedMap<number>();
    const model = new Map<string, number>();
    for (const [kind, k, v] of ops) {
      if (kind === 'set') { assert.equal(m.set(k, v), m); model.set(k, v); }
      else if (kind === 'delete') assert.equal(m.delete(k), model.delete(k));
      else { m.clear(); model.clear(); }
      assert.equal(m.size, model.size);
    }
    for (const k of [...model.keys(), ...probes]) {
      assert.equal(m.has(k), model.has(k));
      assert.equal(m.get(k), model.get(k));
    }
    const seen = [...m];
    assert.equal(seen.length, model.size);
    assert.deepEqual(new Map(seen), model);
    assert.deepEqual(new Set(m.keys()), new Set(model.keys()));
  }), { numRuns: 300 });
});

test('ShardedMap spreads IMSIs, UUIDs, NAIs and token bindings over its shards: no Map holds more than twice its share', () => {
  const imsi = (i: number) => `00101${String(i).padStart(10, '0')}`;
  for (const key of [imsi, () => randomUUID(), (i: number) => `0${imsi(i)}@nai.epc.mnc001.mcc001.3gppnetwork.org`, (i: number) => `${imsi(i)}\u0000${String(35693803564380 + i * 7)}\u0000ap2004`]) {
    const m = new ShardedMap<number>();
    for (let i = 0; i < 256_000; i++) m.set(key(i), i);
    // Which shard holds what is private; it shows in the iteration: shard by shard, each in insertion order (ascending
    // values here), so every fall of the value starts the next shard's run.
    const runs: number[] = [];
    let last = Infinity;
    for (const [, v] of m) {
      if (v < last) runs.push(0);
      runs[runs.length - 1]!++;
      last = v;
    }
    assert.equal(runs.reduce((a, n) => a + n, 0), 256_000);
    assert.ok(runs.length >= 200, `${runs.length} shards in use`);
    assert.ok(Math.max(...runs) <= 2 * 1000, `largest shard ${Math.max(...runs)}`);
  }
});
