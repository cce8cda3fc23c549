/**
 * Records on demand (docs/storage.md § Records on demand): the snapshot's records are read from the file when
 * asked for, through the key map saved next to the snapshot; a missing, damaged or stale key map is rebuilt; a
 * damaged record is found by the read (and by the next compaction) with a clear error; SIGKILL at any instant
 * of a compaction (key map included) loses no acknowledged write.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, unlinkSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { runUntilKilled } from '../../test/kill-child.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEmbeddedStore, type EmbeddedStoreOptions } from './embedded-store.js';
import { StoreCorruptError, StoreRecordDamagedError } from './errors.js';
import { openCollection } from '../../src/store/collections.js';
import { SnapshotFile, identityOf, writeSnapshot } from './snapshot-file.js';
import { frame } from './journal.js';
import { ownString } from '../../src/util/own-string.js';
import { heapStrings } from '../../test/heap-strings.js';
import { MapCollection } from '../../src/store/map-collection.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'omnisep-ondemand-'));
const openStore = (dir: string, extra: Partial<EmbeddedStoreOptions> = {}) =>
  createEmbeddedStore({ dataDir: dir, activity: { retentionIntervalMs: 0 }, compaction: { minBytes: 1 << 30 }, ...extra });
const imsi = (i: number) => `00101${String(i).padStart(10, '0')}`;
const sub = (i: number, extra: Record<string, unknown> = {}) => ({ imsi: imsi(i), msisdn: `1555${String(i).padStart(7, '0')}`, ki: 'aa'.repeat(16), opc: 'bb'.repeat(16), ...extra });
type Sub = ReturnType<typeof sub>;

async function filled(n: number): Promise<string> {
  const dir = tmp();
  const s = await openStore(dir);
  const c = openCollection<Sub>(s, 'subscribers');
  await c.putMany(Array.from({ length: n }, (_, i) => [imsi(i), sub(i)] as const));
  await s.compactAll();
  await s.close();
  return dir;
}

test('after a compaction records are read from the snapshot: get, find, scan, update; the key map opens it again', async () => {
  const dir = await filled(500);
  assert.ok(existsSync(join(dir, 'db', 'subscribers.2.keys')), 'the compaction saved the key map');
  const warnings: string[] = [];
  const s = await openStore(dir, { warn: (m) => warnings.push(m) });
  const c = openCollection<Sub>(s, 'subscribers');
  assert.equal(await c.count(), 500);
  assert.deepEqual(await c.get(imsi(7)), sub(7));
  assert.deepEqual(await c.find('msisdn', sub(8).msisdn), [sub(8)]);
  const page = await c.scan({ limit: 3, after: imsi(10) });
  assert.deepEqual(page.map(([k]) => k), [imsi(11), imsi(12), imsi(13)]);
  // What a caller does to a record it got does not reach the store.
  const got = (await c.get(imsi(9)))!;
  got.msisdn = 'changed';
  assert.equal((await c.get(imsi(9)))!.msisdn, sub(9).msisdn);
  // Read from disk (the value the line's check parsed), then from the cache (its text parsed): equal, each its own.
  const [fromDisk, fromCache] = [await c.get(imsi(20)), await c.get(imsi(20))];
  assert.deepEqual(fromDisk, sub(20));
  assert.deepEqual(fromCache, sub(20));
  assert.notEqual(fromDisk, fromCache);
  // Changes over records on disk: the index follows (the old value's index entry is taken from the key map).
  await c.update(imsi(9), (cur) => ({ result: null, put: { ...cur!, msisdn: '999' } }));
  assert.deepEqual(await c.find('msisdn', sub(9).msisdn), []);
  assert.equal((await c.find('msisdn', '999'))[0]!.imsi, imsi(9));
  assert.equal(await c.delete(imsi(10)), true);
  assert.deepEqual(await c.find('msisdn', sub(10).msisdn), []);
  // Compaction again, with reads running during it; then changes after it, and a reopen.
  const reading = Promise.all(Array.from({ length: 200 }, (_, i) => c.get(imsi(i))));
  await Promise.all([s.compactAll(), reading]);
  assert.ok((await reading).every((r, i) => i === 10 ? r === undefined : r?.imsi === imsi(i)));
  await c.put(imsi(11), sub(11, { msisdn: '111' }));
  assert.deepEqual(readdirSync(join(dir, 'db')).filter((f) => f.startsWith('subscribers.')).sort(), ['subscribers.3.journal', 'subscribers.3.keys', 'subscribers.3.snap']);
  await s.close();
  const again = await openStore(dir, { warn: (m) => warnings.push(m) });
  const c2 = openCollection<Sub>(again, 'subscribers');
  assert.equal(await c2.count(), 499);
  assert.equal((await c2.get(imsi(9)))!.msisdn, '999');
  assert.equal(await c2.get(imsi(10)), undefined);
  assert.equal((await c2.find('msisdn', '111'))[0]!.imsi, imsi(11));
  assert.deepEqual(await c2.get(imsi(499)), sub(499));
  assert.deepEqual(warnings, [], 'the saved key maps were used');
  await again.close();
});

test('getShared over records on disk: kept per slot of one snapshot; writes, then a compaction that moves them, are seen', async () => {
  const dir = await filled(50);
  const s = await openStore(dir);
  const c = openCollection<Sub>(s, 'subscribers');
  await c.getShared(imsi(7));
  const first = (await c.getShared(imsi(7)))!;
  assert.deepEqual(first, sub(7));
  assert.equal(await c.getShared(imsi(7)), first, 'the slot parsed once it was read again');
  // Every record read (twice: kept) from its slot, then changed without being read again: the compaction writes them all into a
  // new snapshot in the order of the last one, so each record's slot number is the one it had, in another file.
  for (let i = 0; i < 50; i++) for (let n = 0; n < 2; n++) assert.deepEqual(await c.getShared(imsi(i)), sub(i));
  for (let i = 0; i < 50; i++) await c.update(imsi(i), (cur) => ({ result: null, put: { ...cur!, msisdn: `x${i}` } }));
  await s.compactAll();
  for (let i = 0; i < 50; i++) assert.equal((await c.getShared(imsi(i)))!.msisdn, `x${i}`, `imsi(${i}) from the new snapshot`);
  await c.delete(imsi(3));
  assert.equal(await c.getShared(imsi(3)), undefined);
  await s.close();
});

test('a missing, damaged or stale key map is ignored and rebuilt from the snapshot', async () => {
  const dir = await filled(300);
  const keys = join(dir, 'db', 'subscribers.2.keys');
  const good = readFileSync(keys);
  const check = async (why: RegExp | null) => {
    const warnings: string[] = [];
    const s = await openStore(dir, { warn: (m) => warnings.push(m) });
    const c = openCollection<Sub>(s, 'subscribers');
    assert.equal(await c.count(), 300);
    assert.deepEqual(await c.get(imsi(123)), sub(123));
    assert.equal((await c.find('msisdn', sub(45).msisdn))[0]!.imsi, imsi(45));
    await s.close();
    if (why) assert.match(warnings.join('\n'), why);
    else assert.deepEqual(warnings, []);
    assert.ok(existsSync(keys), 'the key map is saved again');
  };
  unlinkSync(keys);
  await check(null); // missing: rebuilt silently (e.g. the crash came between the snapshot's rename and the key map's)
  assert.deepEqual(readFileSync(keys), good, 'the rebuilt key map is the one compaction wrote');
  const flipped = Buffer.from(good);
  flipped[Math.floor(flipped.length / 2)] ^= 0x04;
  writeFileSync(keys, flipped);
  await check(/subscribers\.2\.keys ignored \(the key map is damaged/);
  // Stale: another data directory's snapshot restored over this one, this one's key map left behind.
  const other = await filled(200);
  for (const f of ['subscribers.2.snap', 'subscribers.2.journal']) copyFileSync(join(other, 'db', f), join(dir, 'db', f));
  writeFileSync(keys, good);
  const warnings: string[] = [];
  const s = await openStore(dir, { warn: (m) => warnings.push(m) });
  assert.equal(await openCollection(s, 'subscribers').count(), 200);
  assert.match(warnings.join('\n'), /ignored \(made for another state of the snapshot\)/);
  await s.close();
});

test('a damaged record in the snapshot is found by the read (clear error, other records served) and by compaction', async () => {
  const dir = await filled(1000); // 1000 records: record 42 is well before the last 64 KiB the key map's identity covers
  const snap = join(dir, 'db', 'subscribers.2.snap');
  const text = readFileSync(snap, 'latin1');
  const at = text.indexOf(`"${imsi(42)}",`);
  const bad = Buffer.from(text, 'latin1');
  bad[at + 40] = bad[at + 40] === 0x61 ? 0x62 : 0x61; // inside the record: its CRC no longer matches
  writeFileSync(snap, bad);
  // The tail of the file is unchanged, so the key map still matches: the start does not read the records.
  const warnings: string[] = [];
  const s = await openStore(dir, { warn: (m) => warnings.push(m) });
  const c = openCollection<Sub>(s, 'subscribers');
  await assert.rejects(c.get(imsi(42)), (e: unknown) => {
    assert.ok(e instanceof StoreRecordDamagedError, String(e));
    assert.match(e.message, new RegExp(`record "${imsi(42)}" in .*subscribers\\.2\\.snap is damaged \\(line at byte \\d+: checksum mismatch\\)`));
    assert.match(e.message, /Recovery: restore/);
    return true;
  });
  assert.deepEqual(await c.get(imsi(41)), sub(41));
  assert.deepEqual(await c.get(imsi(43)), sub(43));
  await assert.rejects(s.compactAll(), StoreRecordDamagedError, 'compaction does not copy a damaged record into the next snapshot');
  assert.ok(existsSync(snap), 'the damaged snapshot is kept');
  assert.ok(!readdirSync(join(dir, 'db')).some((f) => f.endsWith('.tmp')));
  // Writes still work and survive (journal 3 after the failed compaction's switch).
  await c.put(imsi(42), sub(42, { msisdn: 'fixed' }));
  assert.equal((await c.get(imsi(42)))!.msisdn, 'fixed');
  await s.close();
  // Without the key map the start checks every record again, and refuses.
  for (const f of readdirSync(join(dir, 'db'))) if (f.endsWith('.keys')) unlinkSync(join(dir, 'db', f));
  await assert.rejects(openStore(dir), (e: unknown) => e instanceof StoreCorruptError && /subscribers\.2\.snap is corrupt \(snapshot line \d+ \(byte \d+\) is damaged: checksum mismatch/.test(e.message));
});

/** A child that fills a store, then compacts it over and over while it writes, printing each acknowledged write. */
const CHILD = `
import { createEmbeddedStore } from ${JSON.stringify(new URL('./embedded-store.js', import.meta.url).href)};
const s = await createEmbeddedStore({ dataDir: process.argv[2], activity: { retentionIntervalMs: 0 }, compaction: { minBytes: 1 << 30 } });
const c = s.collection('subscribers', { kind: 'provisioning', indexes: ['msisdn'] });
const imsi = (i) => '00101' + String(i).padStart(10, '0');
const have = await c.count();
if (!have) await c.putMany(Array.from({ length: 3000 }, (_, i) => [imsi(i), { imsi: imsi(i), msisdn: 'm' + i, v: 0, pad: 'x'.repeat(200) }]));
process.stdout.write('ready\\n');
let round = Number(process.argv[3]);
for (;;) {
  const compacting = s.compactAll();
  for (let k = 0; k < 20; k++) {
    const i = (round * 37 + k * 101) % 3000;
    await c.put(imsi(i), { imsi: imsi(i), msisdn: 'm' + i, v: round * 100 + k, pad: '' });
    process.stdout.write('ack ' + i + ' ' + (round * 100 + k) + '\\n');
  }
  await compacting;
  round++;
}
`;

test('SIGKILL at any instant of a compaction (snapshot, rename, key map, deletes): every acknowledged write is there', async () => {
  const dir = tmp();
  const script = join(dir, 'child.mjs');
  const data = join(dir, 'data');
  mkdirSync(data);
  writeFileSync(script, CHILD);
  const want = new Map<number, number>();
  for (let kill = 0; kill < 6; kill++) {
    // Lands at a different step of a compaction each time.
    const out = await runUntilKilled(script, [data, String(kill * 1000)], (o) => o.includes('ready\n'), 150 + kill * 170);
    for (const m of out.matchAll(/^ack (\d+) (\d+)$/gm)) want.set(Number(m[1]), Number(m[2]));
    const s = await openStore(data);
    const c = openCollection<{ v: number; msisdn: string }>(s, 'subscribers');
    assert.equal(await c.count(), 3000, `kill ${kill}: every record there`);
    for (const [i, v] of want) {
      const r = await c.get(imsi(i));
      assert.ok(r && r.v >= v, `kill ${kill}: ${imsi(i)} holds ${r?.v}, acknowledged ${v}`);
    }
    assert.equal((await c.find('msisdn', 'm2999'))[0]?.msisdn, 'm2999');
    await s.close();
  }
  assert.ok(want.size > 0, 'the child acknowledged writes before it was killed');
});

test('after a compaction an indexed value is held once, not once by the index and once by the snapshot (heap snapshot)', async () => {
  const dir = tmp();
  const s = await openStore(dir);
  const tokens = openCollection<Record<string, unknown>>(s, 'tokens');
  const N = 2000;
  // Values no other string of the process starts with; each record built from fresh strings, as a request's are.
  const binding = (i: number) => `QzBinding${String(i).padStart(6, '0')}${'x'.repeat(30)}`;
  const owner = (i: number) => `QzImsi${String(i).padStart(9, '0')}`;
  for (let i = 0; i < N; i += 200) {
    await Promise.all(Array.from({ length: 200 }, (_, j) => tokens.put(`t-${i + j}`, { token_id: `t-${i + j}`, imsi: owner(i + j), binding: binding(i + j), expires_slot: String(29_000_000 + ((i + j) % 3)) })));
  }
  await s.compactAll();
  // ownString's recent copies hold the last 4,096 copies it made (the puts' values among them): other copies push them out.
  for (let i = 0; i <= 4096; i++) ownString(`QzPushOut${String(i).padStart(9, '0')}`);
  const counts = { binding: 0, imsi: 0 };
  for (const { type, text } of heapStrings()) {
    if (type !== 'string') continue;
    // The whole value: the bare prefixes are this file's own literals.
    if (/^QzBinding\d{6}x{30}$/.test(text)) counts.binding++;
    else if (/^QzImsi\d{9}$/.test(text)) counts.imsi++;
  }
  // Before 2026-12-07 the snapshot kept its own parse of each: 2 × N of both.
  assert.deepEqual(counts, { binding: N, imsi: N });
  assert.deepEqual((await tokens.find('binding', binding(7))).map((t) => t.token_id), ['t-7'], 'and the index still answers');
  assert.equal((await tokens.find('imsi', owner(1999))).length, 1);
  await s.close();
});

test('a snapshot read in one step (a failed write put back after a switch): the record checked, and the file kept open while held', async () => {
  const dir = tmp();
  mkdirSync(join(dir, 'db'));
  const texts = Array.from({ length: 50 }, (_, i) => [imsi(i), JSON.stringify(sub(i))] as const);
  const { snap } = await writeSnapshot({
    dbDir: join(dir, 'db'), name: 'subscribers', gen: 1, fields: ['msisdn'], recovery: 'restore it', texts, src: null,
    durableSlotOf: () => undefined, tmpName: '.subscribers.1.snap.tmp', finalName: 'subscribers.1.snap',
  });
  assert.equal(snap.readSync(7, imsi(7)), texts[7]![1]);
  assert.throws(() => snap.readSync(7, imsi(8)), (e: unknown) => e instanceof StoreRecordDamagedError && /not the record of/.test(e.message), 'a slot of another key is refused');
  // Held, a retired snapshot stays readable; released, its file is closed.
  snap.hold();
  snap.retire();
  await new Promise((r) => setTimeout(r, 200)); // time enough for a close, were one started
  assert.equal(snap.readSync(30, imsi(30)), texts[30]![1]);
  snap.release();
  // The close runs on libuv's thread pool: wait for it, with a generous bound.
  let closed = false;
  for (let t = 0; t < 200 && !closed; t++) {
    try { snap.readSync(31, imsi(31)); await new Promise((r) => setTimeout(r, 10)); } catch (e) { closed = /EBADF/.test(String(e)); if (!closed) throw e; }
  }
  assert.ok(closed, 'released, the retired snapshot is closed');
  // A damaged line is found by the one-step read too.
  const file = join(dir, 'db', 'subscribers.1.snap');
  const text = readFileSync(file, 'latin1');
  const at = text.indexOf(`"${imsi(12)}",`);
  const bad = Buffer.from(text, 'latin1');
  bad[at + 40] = bad[at + 40] === 0x61 ? 0x62 : 0x61;
  writeFileSync(file, bad);
  const fd = openSync(file, 'r');
  const damaged = new SnapshotFile(file, 'subscribers', 1, fd, identityOf(fd), snap.keys, snap.ends, [], [], 'restore it', false);
  assert.throws(() => damaged.readSync(12, imsi(12)), (e: unknown) => e instanceof StoreRecordDamagedError && /checksum mismatch/.test(e.message));
  assert.equal(damaged.readSync(13, imsi(13)), texts[13]![1]);
  damaged.retire();
});

test('a compaction with writes in flight writes what a crash would leave: a put or delete whose commit then fails is not in the new snapshot, the record before it is', async () => {
  const db = join(tmp(), 'db');
  mkdirSync(db);
  // The collection's journal is a hook that holds each commit until the test settles it (the failure injected).
  const calls: Array<{ settle: (e?: Error) => void }> = [];
  const c = new MapCollection<Sub>('subscribers', { kind: 'state' }, {
    commit: () => new Promise<void>((resolve, reject) => { calls.push({ settle: (e) => (e ? reject(e) : resolve()) }); }),
  });
  const N = 200;
  for (let i = 0; i < N; i++) c.load(imsi(i), sub(i));
  const compact = async (gen: number, src: SnapshotFile | null) => {
    const { snap, was } = await writeSnapshot({
      dbDir: db, name: 'subscribers', gen, fields: [], recovery: 'restore it', texts: await c.textEntries(0), src,
      durableSlotOf: (k) => c.durableSlotOf(k), tmpName: `.subscribers.${gen}.snap.tmp`, finalName: `subscribers.${gen}.snap`,
    });
    await c.retarget(snap, snap.keys, was, { sliceMs: 0 });
    return snap;
  };
  const records = (snap: SnapshotFile) => new Map(snap.keys.map((k, slot) => [k, JSON.parse(snap.readSync(slot, k)) as Sub]));
  const settle = async (from: number, e?: Error) => {
    const mine = calls.splice(from);
    for (const call of mine) call.settle(e);
    await new Promise((r) => setImmediate(r));
  };
  const first = await compact(1, null);
  for (let i = 0; i < N; i += 17) assert.equal(c.durableSlotOf(imsi(i)), first.keys.indexOf(imsi(i)), 'every record a slot of the first snapshot');
  // 100–149 rewritten durably since: held as text.
  const rewrites = Array.from({ length: 50 }, (_, j) => c.put(imsi(100 + j), sub(100 + j, { v: 1 })));
  await settle(0);
  await Promise.all(rewrites);
  // In flight during the next compaction: puts and deletes of records in the first snapshot (0–19) and of records
  // held as text (100–119), puts of new keys, and puts that will succeed (20–29).
  const failing: Array<Promise<unknown>> = [];
  for (let i = 0; i < 10; i++) {
    failing.push(c.put(imsi(i), sub(i, { v: 2 })), c.delete(imsi(10 + i)), c.put(imsi(100 + i), sub(100 + i, { v: 2 })), c.delete(imsi(110 + i)), c.put(imsi(1000 + i), sub(1000 + i)));
  }
  for (const w of failing) w.catch(() => undefined); // awaited below, after the failure
  const failed = calls.length;
  const succeeding = Array.from({ length: 10 }, (_, j) => c.put(imsi(20 + j), sub(20 + j, { v: 2 })));
  assert.equal(c.durableSlotOf(imsi(3)), first.keys.indexOf(imsi(3)), 'a slot record with a write in flight: its slot is what a crash leaves');
  assert.equal(c.durableSlotOf(imsi(13)), first.keys.indexOf(imsi(13)), 'and with a delete in flight');
  const second = await compact(2, first);
  await settle(failed);
  await Promise.all(succeeding);
  await settle(0, new Error('EIO'));
  for (const w of failing) await assert.rejects(w, /EIO/);
  // The second snapshot is what the next start loads, with the new journal (where the failed commits were cut off).
  const got = records(second);
  assert.equal(got.size, N, 'the records before the compaction, no key written in flight only');
  for (let i = 0; i < N; i++) assert.deepEqual(got.get(imsi(i)), i >= 100 && i < 150 ? sub(i, { v: 1 }) : sub(i), `${imsi(i)} in the snapshot`);
  // In memory: the failed writes gone back, the ones that succeeded kept (they are in the new journal).
  for (let i = 0; i < 20; i++) assert.deepEqual(await c.get(imsi(i)), sub(i));
  for (let i = 20; i < 30; i++) assert.deepEqual(await c.get(imsi(i)), sub(i, { v: 2 }), 'a write that succeeded is not pointed at the older record the snapshot took');
  for (let i = 100; i < 120; i++) assert.deepEqual(await c.get(imsi(i)), sub(i, { v: 1 }));
  assert.equal(await c.get(imsi(1000)), undefined);
  assert.equal(await c.count(), N);
  first.retire();
  second.retire();
});

test('a snapshot\'s columns sized from the collection\'s record count: too small an estimate grows, too large is cut; the same snapshot either way', async () => {
  const dir = tmp();
  mkdirSync(join(dir, 'db'));
  const texts = Array.from({ length: 300 }, (_, i) => [imsi(i), JSON.stringify(sub(i))] as const);
  const first = await writeSnapshot({
    dbDir: join(dir, 'db'), name: 'subscribers', gen: 1, fields: ['msisdn'], recovery: 'restore it', texts: texts.slice(0, 200), src: null,
    durableSlotOf: () => undefined, tmpName: '.subscribers.1.snap.tmp', finalName: 'subscribers.1.snap',
  });
  // The next: 100 records held as text (60 of them rewrites of keys in the first, whose slots are skipped), the rest copied.
  const held = [...texts.slice(140, 200).map(([k]) => [k, JSON.stringify(sub(Number(k.slice(-6)), { v: 2 }))] as const), ...texts.slice(200, 240)];
  const heldKeys = new Set(held.map(([k]) => k));
  const write = (gen: number, records: number | undefined) => writeSnapshot({
    dbDir: join(dir, 'db'), name: 'subscribers', gen, fields: ['msisdn'], recovery: 'restore it', texts: held, src: first.snap,
    durableSlotOf: (k) => (heldKeys.has(k) ? undefined : first.snap.keys.indexOf(k)), tmpName: `.subscribers.${gen}.snap.tmp`, finalName: `subscribers.${gen}.snap`,
    ...(records === undefined ? {} : { records }),
  });
  const runs = [await write(2, undefined), await write(3, 1), await write(4, 240), await write(5, 100_000)];
  for (const { snap, was } of runs) {
    assert.equal(snap.count, 240);
    assert.equal(snap.keys.length, 240);
    assert.equal(was.length, 240);
    assert.equal(snap.ends.length, 241, 'one end a record and the header\'s');
    assert.equal(snap.idx[0]!.length, 240);
    assert.deepEqual(snap.keys, runs[0]!.snap.keys);
    assert.deepEqual([...snap.ends], [...runs[0]!.snap.ends]);
    assert.deepEqual(snap.idx, runs[0]!.snap.idx);
    assert.equal(snap.ends[240], statSync(snap.file).size - frame(JSON.stringify({ end: 240 })).length);
    for (const i of [0, 59, 60, 139, 199, 239]) {
      const k = snap.keys[i]!;
      assert.equal(await snap.read(i, k), heldKeys.has(k) ? held.find(([h]) => h === k)![1] : texts[Number(k.slice(-6))]![1], `${k} in slot ${i}`);
    }
  }
  for (const { snap } of runs) snap.retire();
  first.snap.retire();
});
