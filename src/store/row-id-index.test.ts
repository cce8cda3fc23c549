/**
 * RowIdIndex against a model (a Map from id to row and the list of every row's id): any sequence of appends — UUIDs,
 * repeated ids, ids that are not lowercase canonical UUIDs — answers `get`, `idAt` and `withPrefix` as the model
 * does, before and after a compaction copies rows across (`copyRowTo`), and the table grows past many doublings without losing a row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { MIN_ID_PREFIX } from './id-prefix-index.js';
import { RowIdIndex, uuidText, uuidWords } from './row-id-index.js';
import { PagedColumn } from './paged-column.js';

test('uuidWords and uuidText are inverse on canonical lowercase UUIDs, and refuse anything else', () => {
  const w = new Uint32Array(4);
  fc.assert(fc.property(fc.uuid(), (u) => {
    assert.equal(uuidWords(u, w), true);
    assert.equal(uuidText(w[0]!, w[1]!, w[2]!, w[3]!), u);
  }), { numRuns: 500 });
  for (const bad of ['', 'abcd', randomUUID().toUpperCase(), `${randomUUID()}x`, randomUUID().replace(/-/g, '_'), `g${randomUUID().slice(1)}`]) {
    assert.equal(uuidWords(bad, w), false, bad);
  }
});

const idArb = fc.oneof(
  { weight: 6, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.uuid().map((u) => u.toUpperCase()) },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
  { weight: 1, arbitrary: fc.constantFrom('7e40', '7e40abcd', 'act-0001') },
);

function check(idx: RowIdIndex, byId: Map<string, number>, rows: string[], prefixes: string[]): void {
  for (const [id, r] of byId) assert.equal(idx.get(id), r, `get ${id}`);
  rows.forEach((id, r) => assert.equal(idx.idAt(r), id, `idAt ${r}`));
  for (const p of prefixes) {
    const want = p.length < MIN_ID_PREFIX ? [] : [...byId.keys()].filter((k) => k.startsWith(p)).sort().slice(0, 7);
    assert.deepEqual(idx.withPrefix(p, 7), want, `prefix ${JSON.stringify(p)}`);
  }
}

test('RowIdIndex answers as a Map plus every row\'s id, before and after its rows are copied to a new index (property)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(idArb, fc.nat(40).map((n) => n)), { minLength: 1, maxLength: 120 }),
      fc.array(fc.boolean(), { minLength: 120, maxLength: 120 }),
      (steps, keepFlags) => {
        const idx = new RowIdIndex();
        const byId = new Map<string, number>();
        const rows: string[] = [];
        for (const s of steps) {
          // A number repeats an earlier id (a record appended twice with the same id); a string is a new one.
          const id = typeof s === 'number' ? (rows.length ? rows[s % rows.length]! : randomUUID()) : s;
          idx.set(id, rows.length);
          byId.set(id, rows.length);
          rows.push(id);
        }
        const prefixes = [...rows.map((id) => id.slice(0, 4)), ...rows.map((id) => id.slice(0, 9)), ...rows, 'zzzz', '00', ''];
        check(idx, byId, rows, prefixes);
        // Saved and restored (the index snapshot), into arrays with room and as small as they come: it answers the same,
        // and a row set after it links as in the original.
        for (const room of [0, 2000]) {
          const saved = idx.saved(rows.length);
          const kinds = PagedColumn.of((n) => new Uint8Array(n), saved.kinds, rows.length + room);
          const words = PagedColumn.of((n) => new Uint32Array(n), saved.words, (rows.length + room) * 4);
          const back = RowIdIndex.restore(rows.length, kinds, words, saved.others.map(([r, id]) => [r, id] as const));
          check(back, byId, rows, prefixes);
          const more = randomUUID();
          back.set(more, rows.length);
          assert.equal(back.get(more), rows.length);
          assert.deepEqual(back.withPrefix(more.slice(0, 8), 50).includes(more), true);
        }
        // Compaction keeps some rows, renumbered in order; for an id kept in several rows the last one answers.
        const after = new RowIdIndex();
        const keptRows: string[] = [];
        rows.forEach((id, r) => { if (keepFlags[r]) { idx.copyRowTo(r, after, keptRows.length); keptRows.push(id); } });
        idx.copyRowTo(rows.length + 5, after, keptRows.length + 3); // a row never set: nothing copied
        const byId2 = new Map<string, number>();
        keptRows.forEach((id, k) => byId2.set(id, k));
        check(after, byId2, keptRows, prefixes);
        for (const id of rows) if (!byId2.has(id)) assert.equal(after.get(id), undefined);
      },
    ),
    { numRuns: 200 },
  );
});

test('RowIdIndex.restore refuses arrays that disagree, an unknown kind and other ids off their rows', () => {
  const idx = new RowIdIndex();
  idx.set(randomUUID(), 0);
  idx.set('imported-1', 1);
  const s = idx.saved(2);
  const copy = () => [PagedColumn.of((n) => new Uint8Array(n), s.kinds, 2), PagedColumn.of((n) => new Uint32Array(n), s.words, 8)] as const;
  assert.equal(RowIdIndex.restore(2, ...copy(), s.others).get('imported-1'), 1);
  assert.throws(() => RowIdIndex.restore(3, ...copy(), s.others), RangeError);
  assert.throws(() => RowIdIndex.restore(2, copy()[0], new PagedColumn((n) => new Uint32Array(n), 0, 4), s.others), RangeError);
  assert.throws(() => RowIdIndex.restore(2, ...copy(), []), RangeError);
  assert.throws(() => RowIdIndex.restore(2, ...copy(), [[0, 'imported-1']]), RangeError);
  const [kinds, words] = copy();
  kinds.set(0, 7);
  assert.throws(() => RowIdIndex.restore(2, kinds, words, s.others), RangeError);
});

test('RowIdIndex at 300,000 UUIDs: every id found at its row, a prefix lookup walks one bucket', () => {
  const idx = new RowIdIndex();
  const ids = Array.from({ length: 300_000 }, () => randomUUID());
  ids.forEach((id, i) => idx.set(id, i));
  for (let i = 0; i < ids.length; i += 997) assert.equal(idx.get(ids[i]!), i);
  assert.equal(idx.get(randomUUID()), undefined);
  assert.deepEqual(idx.withPrefix(ids[12_345]!.slice(0, 10), 5).includes(ids[12_345]!), true);
  assert.equal(idx.idAt(299_999), ids[299_999]);
});

test('RowIdIndex answers as a Map while its table grows and the ids move across, repeated ids among them', () => {
  // 40,000 sets, a third of them an earlier id again: the table grows five times past its first size, and ids are set
  // again while they wait in the old table, while they are moved and after. Checked against a Map all along the way.
  const idx = new RowIdIndex();
  const byId = new Map<string, number>();
  const ids: string[] = [];
  let seed = 7;
  const rand = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n; };
  for (let row = 0; row < 40_000; row++) {
    const id = ids.length > 10 && rand(3) === 0 ? ids[rand(ids.length)]! : randomUUID();
    if (!byId.has(id)) ids.push(id);
    idx.set(id, row);
    byId.set(id, row);
    if (row % 997 === 0 || (row > 500 && row < 700)) for (const [k, r] of byId) assert.equal(idx.get(k), r, `row ${row}: ${k}`);
  }
  for (const [k, r] of byId) assert.equal(idx.get(k), r);
  assert.equal(idx.get(randomUUID()), undefined);
  const saved = idx.saved(40_000);
  const back = RowIdIndex.restore(40_000, PagedColumn.of((n) => new Uint8Array(n), saved.kinds, 40_000), PagedColumn.of((n) => new Uint32Array(n), saved.words, 160_000), saved.others);
  for (const [k, r] of byId) assert.equal(back.get(k), r);
});
