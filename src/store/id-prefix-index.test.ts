/**
 * IdPrefixIndex against a model (a plain Map and a filter over every key): any sequence of set, re-set, delete and
 * clear leaves the same entries, the same size and the same answer to every prefix lookup — including ids shorter
 * than a bucket, ids outside hex, and prefixes that share a bucket number with others.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { IdPrefixIndex, MIN_ID_PREFIX } from './id-prefix-index.js';

const idArb = fc.oneof(
  fc.uuid(),
  fc.string({ minLength: 0, maxLength: 8 }),
  fc.stringMatching(/^[0-9a-f]{4,10}$/),
  fc.constantFrom('abcd', 'abcde', 'abc', 'ab', 'é€😀x', 'ABCD1'),
);
type Op = { op: 'set'; id: string; v: number } | { op: 'delete'; id: string } | { op: 'clear' } | { op: 'ask'; prefix: string; limit: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('set' as const), id: idArb, v: fc.integer() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), id: idArb }) },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('ask' as const), prefix: fc.oneof(idArb, idArb.map((s) => s.slice(0, 5))), limit: fc.integer({ min: 0, max: 20 }) }) },
);

test('IdPrefixIndex behaves as a Map plus a prefix filter over its keys (property)', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
      const idx = new IdPrefixIndex<number>();
      const model = new Map<string, number>();
      const seen: string[] = [];
      for (const o of ops) {
        if (o.op === 'set') { idx.set(o.id, o.v); model.set(o.id, o.v); seen.push(o.id); }
        else if (o.op === 'delete') assert.equal(idx.delete(o.id), model.delete(o.id));
        else if (o.op === 'clear') { idx.clear(); model.clear(); }
        else {
          const want = o.prefix.length < MIN_ID_PREFIX ? [] : [...model.keys()].filter((k) => k.startsWith(o.prefix)).sort().slice(0, o.limit);
          assert.deepEqual(idx.withPrefix(o.prefix, o.limit), want, `prefix ${JSON.stringify(o.prefix)}`);
        }
        assert.equal(idx.size, model.size);
      }
      assert.deepEqual([...idx.entries()], [...model.entries()]);
      // Every id ever set, asked for by its own full text (its bucket must hold it exactly while it is a key).
      for (const id of seen) assert.deepEqual(idx.withPrefix(id, 5).includes(id), id.length >= MIN_ID_PREFIX && model.has(id), id);
    }),
    { numRuns: 300 },
  );
});

test('IdPrefixIndex at 100,000 UUIDs: an 8-character prefix finds its id and a re-set keeps one bucket entry', () => {
  const idx = new IdPrefixIndex<number>();
  const ids = Array.from({ length: 100_000 }, () => randomUUID());
  ids.forEach((id, i) => idx.set(id, i));
  idx.set(ids[7]!, -1); // a re-set: the value changes, the bucket does not grow
  assert.deepEqual(idx.withPrefix(ids[7]!.slice(0, 8), 10).filter((x) => x === ids[7]), [ids[7]]);
  assert.equal(idx.get(ids[7]!), -1);
  for (const id of ids.slice(0, 1000)) idx.delete(id);
  assert.deepEqual(idx.withPrefix(ids[3]!, 10), []);
  assert.equal(idx.size, 99_000);
});
