import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, appendFileSync, statSync, truncateSync, rmSync, readdirSync, readlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ActivityFileLog } from './activity-log.js';
import { StoreCorruptError } from './errors.js';
import type { ActivityRecord } from '../../src/contracts/activity.js';

const T0 = Date.now() - 3_600_000;
function rec(over: Partial<ActivityRecord> = {}): ActivityRecord {
  return {
    id: randomUUID(), timestamp: new Date(T0).toISOString(), request_type: 'entitlement_query', request_method: 'GET', request_path: '/',
    imsi: '001010000000001', msisdn: null, terminal_id: 't1', terminal_vendor: null, terminal_model: null, terminal_sw_version: null,
    client_ip: '127.0.0.1', user_agent: null, auth_method: 'EAP-AKA', response_status: 200, response_code: 200, app_ids: ['ap2004'],
    request_headers: {}, request_body: null, response_body: null, response_summary: {}, ...over,
  };
}
const dirs: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-act-'));
  dirs.push(dir);
  return join(dir, 'activity.jsonl');
};
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test('appends are durable, queryable and survive reopen', async () => {
  const file = tmp();
  let now = T0;
  const log = await ActivityFileLog.open({ file, retentionIntervalMs: 0, now: () => now });
  const ids: string[] = [];
  await Promise.all(Array.from({ length: 50 }, (_, k) => {
    const r = rec({ imsi: `00101000000000${k % 5}`, timestamp: new Date(T0 + k * 1000).toISOString(), request_type: k % 2 ? 'xcap' : 'entitlement_query' });
    ids.push(r.id);
    return log.append(r);
  }));
  assert.equal((await log.count()), 50);
  assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 50);
  const p = (await log.query({ imsi: '001010000000003', limit: 3 }));
  assert.equal(p.total, 10);
  assert.equal(p.records.length, 3);
  assert.ok(p.records.every((r) => r.imsi === '001010000000003'));
  assert.ok(Date.parse(p.records[0]!.timestamp) > Date.parse(p.records[1]!.timestamp), 'newest first');
  assert.equal((await log.query({ type: 'xcap' })).total, 25);
  assert.equal((await log.query({ query: '0000000004' })).total, 10);
  assert.equal((await log.query({ from: (T0 + 40_000) / 1000 })).total, 10);
  assert.equal((await log.query({ page: 2, limit: 20 })).records.length, 20);
  assert.equal((await log.get(ids[7]!))!.id, ids[7]);
  await log.close();
  const again = await ActivityFileLog.open({ file, retentionIntervalMs: 0, now: () => now });
  assert.equal((await again.count()), 50);
  assert.equal((await again.get(ids[49]!))!.id, ids[49]);
  await again.close();
});

test('an unfiltered page walks from the newest record only as far as the page: the same answer as a walk of every record', async () => {
  const file = tmp();
  const log = await ActivityFileLog.open({ file, retentionIntervalMs: 0, now: () => T0 + 1_000_000, maxPerSubscriber: 3 });
  // 300 records over 40 subscribers, 3 kept each: dead records lie between the live ones.
  for (let k = 0; k < 300; k++) await log.append(rec({ imsi: `0010100000000${String(k % 40).padStart(2, '0')}`, timestamp: new Date(T0 + k * 1000).toISOString() }));
  assert.equal(await log.count(), 120);
  // `from: 0` matches every record and takes the walk of every record.
  for (const q of [{}, { limit: 7 }, { page: 3, limit: 7 }, { offset: 115, limit: 10 }, { offset: 120 }, { page: 50 }]) {
    const fast = log.querySync(q);
    const walked = log.querySync({ ...q, from: 0 });
    assert.equal(fast.total, 120, JSON.stringify(q));
    assert.deepEqual(fast.records.map((r) => r.id), walked.records.map((r) => r.id), JSON.stringify(q));
    assert.equal(walked.total, 120);
  }
  assert.equal(log.querySync({ offset: 115, limit: 10 }).records.length, 5);
  assert.deepEqual(log.querySync({ limit: 1 }).records.map((r) => r.timestamp), [new Date(T0 + 299_000).toISOString()], 'newest first');
  await log.close();
});

test('a filtered query walks a slice of records per turn of the event loop; appends meanwhile stay out, a compaction meanwhile restarts it', async () => {
  const file = tmp();
  const log = await ActivityFileLog.open({ file, retentionIntervalMs: 0, now: () => T0 + 1_000_000, maxPerSubscriber: 3, compactMinDead: 1, compactDeadRatio: 0.99, querySliceRows: 1 }); // compacted only when asked
  const batch: Array<Promise<unknown>> = [];
  for (let k = 0; k < 6000; k++) batch.push(log.append(rec({ imsi: `00101000000${String(k % 1500).padStart(4, '0')}`, request_type: k % 2 ? 'xcap' : 'entitlement_query', timestamp: new Date(T0 + k).toISOString() })));
  await Promise.all(batch);
  assert.equal(await log.count(), 4500);
  const q = { type: 'xcap', limit: 40, page: 3 };
  const before = log.querySync(q);
  assert.equal(before.total, 2250);
  let turns = 0;
  let counting = true;
  const tick = () => { turns++; if (counting) setImmediate(tick); };
  setImmediate(tick);
  const pending = log.query(q);
  // After the walk's first turn: new records of the type, newer than the walk's start.
  setImmediate(() => { for (let k = 0; k < 5; k++) void log.append(rec({ imsi: '001019999999999', request_type: 'xcap', timestamp: new Date(T0 + 10_000 + k).toISOString() })); });
  const got = await pending;
  counting = false;
  assert.ok(turns > 1000, `the walk let the event loop turn (${turns} turns)`);
  assert.equal(got.total, 2250, 'the appends made during the walk are not in it');
  assert.deepEqual(got.records.map((r) => r.id), before.records.map((r) => r.id));
  // A compaction's swap during the walk renumbers the rows: the walk starts again on the new ones.
  const now = log.querySync(q);
  assert.equal(now.total, 2253, 'three of the five kept (the per-subscriber cap)');
  assert.ok(log.dead > 0);
  let compacted = false;
  let walkingNow = true;
  // Each turn of the event loop made ≥ 0.3 ms long: the walk's 4,500 turns outlast the compaction's I/O however busy the disk.
  const slow = () => { const t = performance.now(); while (performance.now() - t < 0.3); if (walkingNow) setImmediate(slow); };
  setImmediate(slow);
  const walking = log.query(q);
  setImmediate(() => { void log.compact().then(() => { compacted = true; }); });
  const after = await walking;
  walkingNow = false;
  assert.ok(compacted, 'the compaction ended while the query walked');
  assert.equal(log.dead, 0);
  assert.equal(after.total, 2253);
  assert.deepEqual(after.records.map((r) => r.id), now.records.map((r) => r.id));
  await log.close();
});

test('retention: per-subscriber cap on append, age by enforceRetention, then compaction rewrites the file', async () => {
  const file = tmp();
  let now = T0 + 100_000;
  const log = await ActivityFileLog.open({ file, retentionIntervalMs: 0, now: () => now, maxPerSubscriber: 5, retentionSeconds: 60, compactMinDead: 1, compactDeadRatio: 0.3 });
  for (let k = 0; k < 20; k++) await log.append(rec({ timestamp: new Date(T0 + k * 10_000).toISOString() }));
  assert.equal((await log.query({ imsi: '001010000000001' })).total, 5, 'only the newest 5 kept');
  await log.compact();
  assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 5);
  now = T0 + 190_000 + 60_000 - 1; // records at 150s..190s; cutoff just below 190s keeps 190s only
  assert.equal(log.enforceRetention(), 4);
  assert.equal((await log.count()), 1);
  await log.compact();
  assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 1);
  await log.append(rec({ timestamp: new Date(now).toISOString() }));
  assert.equal((await log.count()), 2);
  await log.close();
  const again = await ActivityFileLog.open({ file, retentionIntervalMs: 0, now: () => now, maxPerSubscriber: 5, retentionSeconds: 60 });
  assert.equal((await again.count()), 2);
  await again.close();
});

test('compact() while a compaction is in flight compacts the log as it is when called, not as the one in flight found it', async () => {
  const file = tmp();
  const log = await ActivityFileLog.open({ file, retentionIntervalMs: 0, maxPerSubscriber: 1, compactMinDead: 1_000_000 });
  // ≈ 4 MiB of live records (several read windows), the first one of the IMSI that is appended again below.
  const first = rec({ imsi: '001019999999999' });
  await log.append(first);
  for (let i = 0; i < 4000; i += 500) {
    await Promise.all(Array.from({ length: 500 }, (_, k) => log.append(rec({ imsi: `0010100${String(i + k).padStart(8, '0')}`, request_body: 'x'.repeat(1000) }))));
  }
  const inFlight = log.compact();
  // Killed once the compaction has copied its first window (with `first`): its bytes are in the file that one writes.
  const copy = join(file, '..', '.activity.jsonl.compact.tmp');
  const sizeOf = (f: string) => { try { return statSync(f).size; } catch { return 0; } };
  let ended = false;
  void inFlight.then(() => { ended = true; });
  while (!ended && sizeOf(copy) === 0) await new Promise((r) => setImmediate(r));
  await log.append(rec({ imsi: '001019999999999' }));
  await log.compact();
  await inFlight;
  assert.equal(await log.get(first.id), undefined);
  assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, await log.count());
  await log.close();
});

test('compaction reads a log of several windows: live records across window edges, one larger than a window, and a sparse stretch come out whole', async () => {
  const file = tmp();
  const now = T0 + 100_000;
  const log = await ActivityFileLog.open({ file, retentionIntervalMs: 0, now: () => now, maxPerSubscriber: 1, retentionSeconds: 3600, compactMinDead: 1_000_000 });
  const live = new Map<string, ActivityRecord>();
  // 4,000 records of ≈ 1.3 KB (≈ 5 MiB, five read windows), two per IMSI: the cap of 1 kills the first of each pair.
  // Bodies differ in length, so records straddle the 1 MiB window edges at varied offsets.
  for (let k = 0; k < 2000; k++) {
    for (const half of [0, 1]) {
      const r = rec({ imsi: `0010100${String(k).padStart(8, '0')}`, request_body: `${half}:${k}:`.padEnd(1000 + ((k * 37) % 500), 'x') });
      await log.append(r);
      if (half === 1) live.set(r.id, r);
    }
    // One record larger than a window.
    if (k === 700) {
      const big = rec({ imsi: '001019999999999', request_body: 'y'.repeat(1_200_000) });
      await log.append(big);
      live.set(big.id, big);
    }
  }
  // A third record for IMSIs 1000–1899 kills their second: ≈ 1.1 MiB with nothing live, read over.
  for (let k = 1000; k < 1900; k++) {
    const imsi = `0010100${String(k).padStart(8, '0')}`;
    for (const [id, r] of live) if (r.imsi === imsi) live.delete(id);
    const r = rec({ imsi, request_body: `2:${k}` });
    await log.append(r);
    live.set(r.id, r);
  }
  assert.equal(await log.count(), live.size);
  const before = statSync(file).size;
  await log.compact();
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  assert.equal(lines.length, live.size);
  assert.ok(statSync(file).size < before, 'dead records dropped');
  // Every line is a whole live record, in append order, and each is found by id and equal to what was appended.
  const order = [...live.keys()];
  lines.forEach((line, i) => assert.equal((JSON.parse(line) as ActivityRecord).id, order[i], `line ${i}`));
  for (const [id, r] of live) assert.deepEqual(await log.get(id), r);
  await log.close();
  const again = await ActivityFileLog.open({ file, retentionIntervalMs: 0, now: () => now, maxPerSubscriber: 1, retentionSeconds: 3600 });
  assert.equal(await again.count(), live.size);
  await again.close();
});

test('compaction forgets the strings no kept record names; queries by IMSI, terminal and text still find the rest', async () => {
  const file = tmp();
  let now = T0 + 1_000_000;
  const open = () => ActivityFileLog.open({ file, retentionIntervalMs: 0, now: () => now, maxPerSubscriber: 1000, retentionSeconds: 600, compactMinDead: 1, compactDeadRatio: 0.1 });
  const log = await open();
  // 300 subscribers polling once each, long ago (a path, an IMSI and a terminal of their own), then 3 recent ones.
  for (let k = 0; k < 300; k++) {
    const imsi = `0010100000${String(k).padStart(5, '0')}`;
    await log.append(rec({ imsi, terminal_id: `old-${k}`, request_path: `/?IMSI=${imsi}&terminal_id=old-${k}&token=[REDACTED]`, timestamp: new Date(T0).toISOString() }));
  }
  const recent = [7, 8, 9].map((k) => rec({ imsi: `0010199999${String(k).padStart(5, '0')}`, terminal_id: `new-${k}`, msisdn: `1555000000${k}`, request_path: `/?IMSI=…&terminal_id=new-${k}`, timestamp: new Date(now).toISOString() }));
  for (const r of recent) await log.append(r);
  assert.ok(log.internedStrings >= 3 * 300, `${log.internedStrings} interned before`);
  assert.equal(log.enforceRetention(), 300);
  await log.compact();
  // What the three kept records name: 3 IMSIs, 3 terminals, 3 MSISDNs, 3 paths and the one client address.
  assert.equal(log.internedStrings, 13);
  const check = async (l: ActivityFileLog) => {
    assert.equal((await l.query({ imsi: recent[1]!.imsi! })).records[0]!.id, recent[1]!.id);
    assert.equal((await l.query({ terminal_id: 'new-9' })).records[0]!.id, recent[2]!.id);
    assert.equal((await l.query({ query: '15550000007' })).records[0]!.id, recent[0]!.id);
    assert.equal((await l.query({ query: 'terminal_id=new-8' })).total, 1);
    assert.equal((await l.query({ imsi: '001010000000005' })).total, 0);
    assert.equal((await l.query({ query: 'old-' })).total, 0);
  };
  await check(log);
  // Appends after the compaction intern again; the per-subscriber lists still work for old and new IMSIs.
  await log.append(rec({ imsi: recent[0]!.imsi, terminal_id: 'new-7', timestamp: new Date(now).toISOString() }));
  assert.equal((await log.query({ imsi: recent[0]!.imsi! })).total, 2);
  await log.close();
  // The index snapshot written at close carries the smaller interner.
  const again = await open();
  await check(again);
  assert.equal((await again.query({ imsi: recent[0]!.imsi! })).total, 2);
  assert.equal(again.internedStrings, 14);
  await again.close();
});

test('a torn last line (crash mid-append) is cut off with a warning', async () => {
  const file = tmp();
  const log = await ActivityFileLog.open({ file, retentionIntervalMs: 0 });
  await log.append(rec());
  await log.append(rec());
  await log.close();
  appendFileSync(file, '{"id":"x","timest');
  const warnings: string[] = [];
  const again = await ActivityFileLog.open({ file, retentionIntervalMs: 0, warn: (m) => warnings.push(m) });
  assert.equal((await again.count()), 2);
  assert.match(warnings[0]!, /torn last line/);
  await again.append(rec());
  await again.close();
  assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 3);
});

test('damage in the middle refuses to load, naming the file and the recovery', async () => {
  const file = tmp();
  const log = await ActivityFileLog.open({ file, retentionIntervalMs: 0 });
  for (let k = 0; k < 3; k++) await log.append(rec());
  await log.close();
  const lines = readFileSync(file, 'utf8').split('\n');
  lines[1] = lines[1]!.slice(0, 20);
  writeFileSync(file, lines.join('\n'));
  await assert.rejects(ActivityFileLog.open({ file, retentionIntervalMs: 0 }), (e: unknown) => {
    assert.ok(e instanceof StoreCorruptError);
    assert.ok(e.message.includes(file));
    assert.match(e.message, /line 2/);
    assert.match(e.message, /truncate -s \d+/);
    return true;
  });
  assert.ok(statSync(file).size > 0, 'the damaged file is left untouched');
  truncateSync(file, 0);
});

test('the index snapshot written at close is used at open; appends after it (a crash) are parsed; a changed log is not trusted', async () => {
  const file = tmp();
  const index = join(file, '..', '.activity.jsonl.index');
  const log = await ActivityFileLog.open({ file, retentionIntervalMs: 0, maxPerSubscriber: 1000 });
  for (let k = 0; k < 30; k++) await log.append(rec({ id: `a${k}`, imsi: `00101000000000${k % 3}`, request_type: k % 2 ? 'xcap' : 'entitlement_query' }));
  await log.close();
  assert.ok(statSync(index).size > 0, 'written at close');
  const warnings: string[] = [];
  const b = await ActivityFileLog.open({ file, retentionIntervalMs: 0, warn: (m) => warnings.push(m) });
  assert.equal(warnings.length, 0, warnings.join("\n"));
  assert.equal(await b.count(), 30);
  assert.equal(b.querySync({ imsi: '001010000000002' }).total, 10);
  assert.equal(b.querySync({ type: 'xcap' }).total, 15);
  assert.equal(b.getSync('a7')!.id, 'a7');
  for (let k = 30; k < 35; k++) await b.append(rec({ id: `a${k}`, imsi: '001010000000002' }));
  // no close: a SIGKILL. The index on disk covers the first 30 records; the next open parses the 5 after them.
  const c = await ActivityFileLog.open({ file, retentionIntervalMs: 0, warn: (m) => warnings.push(m) });
  assert.equal(await c.count(), 35);
  assert.equal(c.querySync({ imsi: '001010000000002' }).total, 15);
  assert.equal(c.getSync('a34')!.id, 'a34');
  assert.equal(warnings.length, 0, warnings.join("\n"));
  await c.close();
  await b.close().catch(() => {});
  // The log replaced by a shorter one (a restore): the index does not match and is ignored.
  writeFileSync(file, `${readFileSync(file, 'utf8').split('\n').slice(0, 3).join('\n')}\n`);
  const d = await ActivityFileLog.open({ file, retentionIntervalMs: 0, warn: (m) => warnings.push(m) });
  assert.equal(await d.count(), 3);
  assert.match(warnings.join('\n'), /index snapshot ignored/);
  await d.close();
});

/**
 * An index snapshot of format 1 (what builds before format 2 wrote: strings and ids in the JSON header, then the
 * columns) made from a format-2 one, for the upgrade test. Format 2's layout: a u32 header length, the header, the
 * ten columns (ts and offset f64, length, IMSI, MSISDN, terminal, address, path, type i32, alive u8), the strings'
 * lengths and hashes (i32), the id kinds (u8), the ids' words (4 × u32), the strings' bytes, a CRC-32.
 */
function formatOne(v2: Buffer): Buffer {
  const hlen = v2.readUInt32LE(0);
  const h = JSON.parse(v2.toString('utf8', 4, 4 + hlen)) as { format: number; n: number; covered: number; strings: number; types: string[]; others: Array<[number, string]> };
  assert.equal(h.format, 2);
  const n = h.n;
  let at = 4 + hlen;
  const columns = v2.subarray(at, at + n * (8 + 8 + 4 * 7 + 1));
  at += columns.length;
  const lengths = Array.from({ length: h.strings }, (_, i) => v2.readInt32LE(at + i * 4));
  at += h.strings * 8; // lengths, then hashes (format 1 has none)
  const kinds = v2.subarray(at, at + n);
  at += n;
  const hex = (w: number) => w.toString(16).padStart(8, '0');
  const others = new Map(h.others);
  const ids = Array.from({ length: n }, (_, r) => {
    if (kinds[r] === 2) return others.get(r)!;
    const x = [0, 1, 2, 3].map((k) => hex(v2.readUInt32LE(at + r * 16 + k * 4))).join('');
    return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
  });
  at += n * 16;
  const strings = lengths.map((len) => { const t = v2.toString('utf8', at, at + len); at += len; return t; });
  assert.equal(at, v2.length - 4);
  const head = Buffer.from(JSON.stringify({ format: 1, n, covered: h.covered, strings, types: h.types, ids }));
  const size = Buffer.alloc(4);
  size.writeUInt32LE(head.length, 0);
  return Buffer.concat([size, head, columns]);
}

test('the index snapshot (format 2) opens to the same answers as parsing the log; one damaged byte anywhere is found; format 1 is still read', async () => {
  const file = tmp();
  const index = join(file, '..', '.activity.jsonl.index');
  const log = await ActivityFileLog.open({ file, retentionIntervalMs: 0, maxPerSubscriber: 3 });
  // Strings of several UTF-8 bytes, ids that are not UUIDs, records the per-subscriber cap killed (not live).
  for (let k = 0; k < 60; k++) {
    await log.append(rec({
      ...(k % 7 === 0 ? { id: `imported-${k}` } : {}), imsi: `00101000000000${k % 9}`, terminal_id: k % 2 ? `電話-${k % 5}` : `t${k % 4}`,
      msisdn: k % 3 ? null : `1555000${k % 6}`, request_path: `/?IMSI=00101000000000${k % 9}&app=ap2004`, request_type: k % 2 ? 'xcap' : 'entitlement_query',
      timestamp: new Date(T0 + k * 1000).toISOString(),
    }));
  }
  await log.close();
  const v2 = readFileSync(index);
  const answers = async (l: ActivityFileLog) => ({
    count: await l.count(),
    byImsi: Array.from({ length: 9 }, (_, i) => l.querySync({ imsi: `00101000000000${i}` }).records.map((r) => r.id)),
    byTerminal: ['電話-1', 't2', 'none'].map((t) => l.querySync({ terminal_id: t }).total),
    byText: ['電話', '15550003', 'app=ap2004'].map((q) => l.querySync({ query: q }).total),
    byType: l.querySync({ type: 'xcap' }).total,
    byId: ['imported-56', 'imported-0'].map((id) => l.getSync(id)?.id ?? null),
    prefix: await l.idsWithPrefix('imported-', 50),
  });
  const warnings: string[] = [];
  const openWith = async (snapshot: Buffer | null) => {
    if (snapshot) writeFileSync(index, snapshot);
    else rmSync(index, { force: true });
    const l = await ActivityFileLog.open({ file, retentionIntervalMs: 0, maxPerSubscriber: 3, warn: (m) => warnings.push(m) });
    const a = await answers(l);
    await l.close(); // writes format 2 again
    return a;
  };
  const parsed = await openWith(null);
  assert.equal(parsed.count, 27);
  assert.equal(warnings.length, 0);
  assert.deepEqual(readFileSync(index), v2, 'the snapshot written after parsing the log is byte for byte the one written before');
  assert.deepEqual(await openWith(v2), parsed);
  assert.equal(warnings.length, 0, warnings.join('\n'));
  // An earlier build's snapshot (format 1) is read, not ignored: an upgrade does not parse the whole log once.
  assert.deepEqual(await openWith(formatOne(v2)), parsed);
  assert.equal(warnings.length, 0, warnings.join('\n'));
  // A byte changed in the header, the columns, the strings' bytes and the CRC itself; the file cut short: each is
  // ignored with a warning and the log parsed instead, to the same answers.
  for (const at of [6, 4 + v2.readUInt32LE(0) + 9, v2.length - 30, v2.length - 2]) {
    const bad = Buffer.from(v2);
    bad[at]! ^= 0x20;
    warnings.length = 0;
    assert.deepEqual(await openWith(bad), parsed, `byte ${at}`);
    assert.match(warnings.join('\n'), /index snapshot ignored/, `byte ${at}`);
  }
  warnings.length = 0;
  assert.deepEqual(await openWith(v2.subarray(0, v2.length - 100)), parsed);
  assert.match(warnings.join('\n'), /index snapshot ignored/);
});

test('a log past two pages of the index (140,000 records, 70,000 subscribers): the snapshot round trip and a parse answer the same', async () => {
  // The columns, the id index and the interner grow by pages and chunks (src/store/paged-column.ts): the snapshot
  // writes them page by page and reads them back into pages; a parse builds the same index from the lines.
  const file = tmp();
  const index = join(file, '..', '.activity.jsonl.index');
  const log = await ActivityFileLog.open({ file, retentionIntervalMs: 0, maxPerSubscriber: 1000 });
  const ids: string[] = [];
  for (let from = 0; from < 140_000; from += 10_000) {
    const batch: Promise<unknown>[] = [];
    for (let k = from; k < from + 10_000; k++) {
      const r = rec({ imsi: `0010100${String(k % 70_000).padStart(8, '0')}`, request_path: `/?IMSI=0010100${String(k % 70_000).padStart(8, '0')}&app=ap2004`, ...(k % 9_999 === 0 ? { id: `imported-${k}` } : {}) });
      ids.push(r.id);
      batch.push(log.append(r));
    }
    await Promise.all(batch);
  }
  await log.close();
  const v2 = readFileSync(index);
  const answers = async (l: ActivityFileLog) => ({
    count: await l.count(),
    byImsi: ['001010000000000', '001010000065537', '001010000069999'].map((imsi) => l.querySync({ imsi }).records.map((r) => r.id)),
    byId: [0, 65_535, 65_536, 131_072, 139_999].map((k) => l.getSync(ids[k]!)?.id ?? null),
    byText: l.querySync({ query: '0010100000655' }).total,
    prefix: await l.idsWithPrefix(ids[100_001]!.slice(0, 8), 5),
    imported: await l.idsWithPrefix('imported-', 50),
  });
  const fromSnapshot = await ActivityFileLog.open({ file, retentionIntervalMs: 0, maxPerSubscriber: 1000 });
  assert.deepEqual(fromSnapshot.loaded, { fromSnapshot: 140_000, parsed: 0 });
  const a = await answers(fromSnapshot);
  await fromSnapshot.close();
  rmSync(index);
  const parsedLog = await ActivityFileLog.open({ file, retentionIntervalMs: 0, maxPerSubscriber: 1000 });
  assert.deepEqual(parsedLog.loaded, { fromSnapshot: 0, parsed: 140_000 });
  assert.deepEqual(await answers(parsedLog), a);
  await parsedLog.close();
  assert.equal(a.count, 140_000);
  assert.deepEqual(a.byId, [0, 65_535, 65_536, 131_072, 139_999].map((k) => ids[k]));
  assert.deepEqual(a.byImsi[1], [ids[65_537 + 70_000], ids[65_537]]);
  assert.equal(a.imported.length, 15);
  assert.deepEqual(readFileSync(index), v2, 'the snapshot written after parsing the log is byte for byte the one written before');
});

test('the index snapshot is also written while the log runs: a crash restart parses only what came after it, after a compaction too', async () => {
  const file = tmp();
  const index = join(file, '..', '.activity.jsonl.index');
  let now = T0 + 100_000;
  const options = { file, retentionIntervalMs: 0, now: () => now, maxPerSubscriber: 4, retentionSeconds: 3600, compactMinDead: 1_000_000, snapshotEveryRows: 100 };
  const log = await ActivityFileLog.open(options);
  // 250 records of 40 IMSIs under a cap of 4: the cap kills records after a snapshot took their liveness.
  const append = (k: number) => log.append(rec({ ...(k % 11 === 0 ? { id: `imported-${k}` } : {}), imsi: `0010100000000${String(k % 40).padStart(2, '0')}`, terminal_id: `t${k % 7}`, timestamp: new Date(T0 + k * 100).toISOString() }));
  for (let k = 0; k < 120; k++) await append(k);
  await log.settled();
  assert.ok(statSync(index).size > 0, 'written in the background once 100 rows were not covered');
  for (let k = 120; k < 250; k++) await append(k);
  await log.settled();
  const answers = async (l: ActivityFileLog) => ({
    count: await l.count(),
    byImsi: Array.from({ length: 40 }, (_, i) => l.querySync({ imsi: `0010100000000${String(i).padStart(2, '0')}` }).records.map((r) => r.id)),
    byTerminal: Array.from({ length: 7 }, (_, i) => l.querySync({ terminal_id: `t${i}` }).total),
    prefix: await l.idsWithPrefix('imported-', 50),
  });
  const expected = await answers(log);
  assert.equal(expected.count, 160);
  // A crash (no close): the next open takes the last background snapshot and parses only the rows after it.
  const crashed = await ActivityFileLog.open({ ...options, snapshotEveryRows: 1_000_000 });
  assert.ok(crashed.loaded.fromSnapshot >= 200, JSON.stringify(crashed.loaded));
  assert.equal(crashed.loaded.fromSnapshot + crashed.loaded.parsed, 250);
  assert.deepEqual(await answers(crashed), expected);
  await crashed.close();
  // A compaction deletes the snapshot (it describes the old file) and one is written for the new file after it.
  now = T0 + 13_000 + 3600_000 - 50; // the first 130 records (dated T0 + k × 100 ms) are past the age limit
  log.enforceRetention();
  await log.compact();
  await log.settled();
  const afterCompaction = await answers(log);
  assert.equal(afterCompaction.count, 120);
  const crashed2 = await ActivityFileLog.open({ ...options, snapshotEveryRows: 1_000_000 });
  assert.deepEqual(crashed2.loaded, { fromSnapshot: afterCompaction.count, parsed: 0 });
  assert.deepEqual(await answers(crashed2), afterCompaction);
  await crashed2.close();
  await log.close().catch(() => {});
});

test('a start that parsed many records writes its snapshot only after a delay (not while the phones come back)', async () => {
  const file = tmp();
  const index = join(file, '..', '.activity.jsonl.index');
  const log = await ActivityFileLog.open({ file, retentionIntervalMs: 0, snapshotEveryRows: 1_000_000 });
  for (let k = 0; k < 150; k++) await log.append(rec({ imsi: `00101000000${String(k).padStart(4, '0')}` }));
  // A crash: no close, so no snapshot. The next start parses all 150 rows.
  const started = performance.now();
  const warnings: string[] = [];
  const again = await ActivityFileLog.open({ file, retentionIntervalMs: 0, snapshotEveryRows: 100, snapshotAfterStartMs: 400, warn: (m) => warnings.push(m) });
  assert.deepEqual(again.loaded, { fromSnapshot: 0, parsed: 150 });
  assert.match(warnings.join('\n'), /150 records parsed at start .*0 from the index snapshot.*written in 0.4 s/);
  await again.append(rec()); // a commit within the delay does not start it either
  await again.settled();
  if (performance.now() - started < 350) assert.equal(readdirSync(join(file, '..')).includes('.activity.jsonl.index'), false, 'not written within the delay');
  // After it, with no further commit: the timer writes it.
  const deadline = Date.now() + 20_000;
  while (!readdirSync(join(file, '..')).includes('.activity.jsonl.index') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await again.settled();
  assert.ok(statSync(index).size > 0);
  const third = await ActivityFileLog.open({ file, retentionIntervalMs: 0, snapshotEveryRows: 1_000_000 });
  assert.deepEqual(third.loaded, { fromSnapshot: 151, parsed: 0 });
  await third.close();
  await again.close().catch(() => {});
  await log.close().catch(() => {});
});

test('an index snapshot a crash cut short (its temporary file) is removed at open; a background one that fails warns and leaves the log working', async () => {
  const file = tmp();
  const index = join(file, '..', '.activity.jsonl.index');
  writeFileSync(`${index}.tmp`, 'half a snapshot');
  const warnings: string[] = [];
  const log = await ActivityFileLog.open({ file, retentionIntervalMs: 0, snapshotEveryRows: 10, warn: (m) => warnings.push(m) });
  assert.equal(readdirSync(join(file, '..')).includes('.activity.jsonl.index.tmp'), false);
  // The temporary file's place taken by a directory: the background write fails.
  mkdirSync(`${index}.tmp`);
  for (let k = 0; k < 15; k++) await log.append(rec());
  await log.settled();
  assert.match(warnings.join('\n'), /index snapshot not written/);
  assert.equal(warnings.length, 1, 'warned once, not retried at every commit');
  await log.append(rec());
  assert.equal(await log.count(), 16);
  rmSync(`${index}.tmp`, { recursive: true });
  await log.close();
});

test('a log of several 8 MiB read chunks parsed at open (no snapshot): every record whole, lines cut across chunks included', async () => {
  const file = tmp();
  const log = await ActivityFileLog.open({ file, retentionIntervalMs: 0, maxPerSubscriber: 100_000 });
  // ≈ 20 MiB of records of varied length (so the chunk edges fall inside lines, some of them multi-byte).
  const recs: ActivityRecord[] = [];
  for (let k = 0; k < 14_000; k++) recs.push(rec({ imsi: `0010100${String(k % 997).padStart(8, '0')}`, request_body: `${k}:${'é'.repeat(k % 13)}`.padEnd(900 + (k * 37) % 700, 'x') }));
  for (let i = 0; i < recs.length; i += 2000) await Promise.all(recs.slice(i, i + 2000).map((r) => log.append(r)));
  await log.close();
  assert.ok(statSync(file).size > 2.2 * 8 * 2 ** 20, `${statSync(file).size} bytes`);
  rmSync(join(file, '..', '.activity.jsonl.index'));
  const again = await ActivityFileLog.open({ file, retentionIntervalMs: 0, maxPerSubscriber: 100_000 });
  assert.deepEqual(again.loaded, { fromSnapshot: 0, parsed: recs.length });
  for (let k = 0; k < recs.length; k += 7) assert.deepEqual(again.getSync(recs[k]!.id), recs[k], `record ${k}`);
  assert.equal(again.querySync({ imsi: recs[5]!.imsi! }).total, 15);
  await again.close();
});

test('records with characters of several UTF-8 bytes in one group commit: each is read back whole by its byte offset', async () => {
  const file = tmp();
  const log = await ActivityFileLog.open({ file, retentionIntervalMs: 0 });
  // Lines whose byte length differs from their length in characters, batched into one commit with ASCII ones.
  const texts = ['Pixel 8', 'Téléphone ü', '電話機', '😀 emoji 😀', 'plain', 'ÅÄÖ'.repeat(50)];
  const recs = texts.map((t, k) => rec({ terminal_model: t, user_agent: `${t}/${k}` }));
  await Promise.all(recs.map((r) => log.append(r)));
  for (const r of recs) assert.deepEqual(await log.get(r.id), r);
  // The file holds exactly the bytes of the lines, nothing torn or overlapping.
  assert.equal(statSync(file).size, recs.reduce((n, r) => n + Buffer.byteLength(`${JSON.stringify(r)}\n`), 0));
  await log.close();
  const again = await ActivityFileLog.open({ file, retentionIntervalMs: 0 });
  for (const r of recs) assert.deepEqual(await again.get(r.id), r);
  await again.close();
});

test('ids by exact value and by prefix, across compaction, the index snapshot and a reopen that parses the log', async () => {
  const file = tmp();
  let now = T0 + 100_000;
  const open = () => ActivityFileLog.open({ file, retentionIntervalMs: 0, now: () => now, maxPerSubscriber: 1000, retentionSeconds: 60, compactMinDead: 1, compactDeadRatio: 0.1 });
  const log = await open();
  const recs = Array.from({ length: 40 }, (_, k) => rec({ timestamp: new Date(T0 + k * 5_000).toISOString(), ...(k === 25 ? { id: 'imported-Ab25' } : {}) }));
  for (const r of recs) await log.append(r);
  const found = async (l: ActivityFileLog, r: ActivityRecord) => (await l.get(r.id))?.id === r.id && (await l.idsWithPrefix(r.id.slice(0, 8), 50)).includes(r.id);
  for (const r of recs) assert.ok(await found(log, r), r.id);
  now = T0 + 100_000 + 60_000 - 1; // keeps the records at 100 s … 195 s: k = 20 … 39
  log.enforceRetention();
  await log.compact();
  for (const [k, r] of recs.entries()) {
    assert.equal(await found(log, r), k >= 20, `after compaction ${k}`);
    if (k < 20) assert.equal(await log.get(r.id), undefined);
  }
  await log.close(); // writes the index snapshot (ids from the index's columns)
  const again = await open();
  for (const [k, r] of recs.entries()) assert.equal(await found(again, r), k >= 20, `after reopen ${k}`);
  const extra = rec({ timestamp: new Date(now).toISOString() });
  await again.append(extra);
  // No close: the next open takes the snapshot and parses the one record after it.
  const third = await open();
  assert.ok(await found(third, extra));
  assert.ok(await found(third, recs[39]!));
  await third.close();
  await again.close().catch(() => {});
});

test('commits go on while a compaction copies: appends made meanwhile are acknowledged before it ends, and they and the kills they cause are in its result', async () => {
  const file = tmp();
  const now = T0 + 100_000;
  const open = () => ActivityFileLog.open({ file, retentionIntervalMs: 0, now: () => now, maxPerSubscriber: 1, retentionSeconds: 3600, compactMinDead: 1_000_000 });
  const log = await open();
  const imsiOf = (k: number) => `0010100${String(k).padStart(8, '0')}`;
  const latest = new Map<string, ActivityRecord>();
  // 12,000 records of ≈ 1 KB, two per IMSI (≈ 12 MiB, a dozen read windows): half are dead.
  for (let half = 0; half < 2; half++) {
    const batch: Promise<unknown>[] = [];
    for (let k = 0; k < 6000; k++) {
      const r = rec({ imsi: imsiOf(k), request_body: `${half}:${k}:`.padEnd(1000, 'x') });
      batch.push(log.append(r));
      latest.set(r.imsi!, r);
    }
    await Promise.all(batch);
  }
  let done = false;
  const compacting = log.compact().then(() => { done = true; });
  // Serial appends while it runs, each to an IMSI that had a live record: it kills that one, copied or not yet.
  let ackedDuring = 0;
  for (let k = 0; !done; k = (k + 997) % 6000) {
    const r = rec({ imsi: imsiOf(k), request_body: `during:${k}` });
    await log.append(r);
    latest.set(r.imsi!, r);
    if (!done) ackedDuring++;
  }
  await compacting;
  assert.ok(ackedDuring >= 1, 'an append made during the compaction was acknowledged before it ended');
  const check = async (l: ActivityFileLog, when: string) => {
    assert.equal(await l.count(), 6000, when);
    for (const [imsi, r] of latest) {
      assert.deepEqual(await l.get(r.id), r, `${when}: ${imsi}`);
      const page = l.querySync({ imsi });
      assert.equal(page.total, 1, `${when}: ${imsi} has one live record`);
      assert.equal(page.records[0]!.id, r.id);
    }
  };
  await check(log, 'after the compaction');
  assert.ok(statSync(file).size < 12_000 * 1000, 'the dead half is gone from the file');
  // And the log goes on: appends after the swap land in the new file.
  const after = rec({ imsi: imsiOf(1), request_body: 'after' });
  await log.append(after);
  latest.set(after.imsi!, after);
  await check(log, 'after an append');
  await log.close();
  const again = await open();
  await check(again, 'after a reopen');
  await again.close();
});

test('after a compaction the replaced file is cut down from its end a step at a time, then its last handle closed', async () => {
  const file = tmp();
  const log = await ActivityFileLog.open({ file, retentionIntervalMs: 0, maxPerSubscriber: 1, compactMinDead: 1_000_000 });
  // 40,000 records of ≈ 1 KB, two per IMSI: a ≈ 40 MiB file, half of it dead.
  for (let half = 0; half < 2; half++) {
    const batch: Promise<unknown>[] = [];
    for (let k = 0; k < 20_000; k++) batch.push(log.append(rec({ imsi: `0010100${String(k).padStart(8, '0')}`, request_body: `${half}:`.padEnd(1000, 'x') })));
    await Promise.all(batch);
  }
  const oldSize = statSync(file).size;
  // Every truncate of a FileHandle while the compaction runs (the log makes no other).
  const probe = await open(file, 'r');
  const proto = Object.getPrototypeOf(probe) as { truncate: (len?: number) => Promise<void> };
  await probe.close();
  const truncate = proto.truncate;
  const cuts: number[] = [];
  proto.truncate = function (this: unknown, len?: number) { cuts.push(len ?? 0); return truncate.call(this, len); };
  try {
    await log.compact();
  } finally {
    proto.truncate = truncate;
  }
  assert.ok(cuts.length >= 3, `the old file cut in steps (${cuts.join(', ')})`);
  assert.equal(cuts.at(-1), 0, 'down to nothing');
  let before = oldSize;
  for (const c of cuts) {
    assert.ok(c < before && before - c <= 16 << 20, `each step frees at most 16 MiB (${before} → ${c})`);
    before = c;
  }
  // No handle to the replaced file is left open (on Linux, an open unlinked file shows in /proc as "(deleted)").
  if (process.platform === 'linux') {
    const links = readdirSync('/proc/self/fd').map((fd) => { try { return readlinkSync(`/proc/self/fd/${fd}`); } catch { return ''; } });
    assert.deepEqual(links.filter((l) => l.startsWith(file) && l.endsWith('(deleted)')), []);
  }
  assert.equal(await log.count(), 20_000);
  await log.close();
});

test('a compaction that fails leaves the log as it was, says so once, and the next one succeeds', async () => {
  const file = tmp();
  const warnings: string[] = [];
  const log = await ActivityFileLog.open({ file, retentionIntervalMs: 0, maxPerSubscriber: 1, compactMinDead: 5, compactDeadRatio: 0.5, warn: (m) => warnings.push(m) });
  // The compaction's temporary file cannot be made: a directory is in its place.
  const blocker = join(file, '..', '.activity.jsonl.compact.tmp');
  mkdirSync(blocker);
  const kept: ActivityRecord[] = [];
  for (let k = 0; k < 40; k++) {
    const r = rec({ imsi: `00101000000000${k % 4}` });
    await log.append(r); // each append past the threshold would start a compaction
    kept[k % 4] = r;
  }
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(warnings.filter((w) => /compaction failed/.test(w)).length, 1, warnings.join('\n'));
  assert.match(warnings[0]!, /tried again in 60 s/);
  assert.equal(await log.count(), 4);
  for (const r of kept) assert.deepEqual(await log.get(r.id), r);
  assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 40, 'the file is as it was: nothing dropped yet');
  await assert.rejects(log.compact(), /EISDIR|directory/);
  rmSync(blocker, { recursive: true });
  await log.compact();
  assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 4);
  for (const r of kept) assert.deepEqual(await log.get(r.id), r);
  await log.close();
});

test('a lowered per-subscriber cap is applied to every list once (at the next retention pass and at open), and the passes after it leave the lists alone', async () => {
  const file = tmp();
  const open = (cap: number) => ActivityFileLog.open({ file, retentionIntervalMs: 0, maxPerSubscriber: cap, compactMinDead: 1_000_000 });
  const log = await open(10);
  const imsis = ['001010000000001', '001010000000002', '001010000000003'];
  const made = new Map<string, ActivityRecord[]>(imsis.map((i) => [i, []]));
  for (let k = 0; k < 10; k++) for (const imsi of imsis) { const r = rec({ imsi }); await log.append(r); made.get(imsi)!.push(r); }
  assert.equal(log.enforceRetention(), 0, 'nothing over the cap');
  log.maxPerSubscriber = 3; // a reload lowered it
  assert.equal(log.enforceRetention(), 21);
  const newest = async (l: ActivityFileLog, imsi: string, n: number) =>
    assert.deepEqual(l.querySync({ imsi }).records.map((r) => r.id), made.get(imsi)!.slice(-n).reverse().map((r) => r.id), imsi);
  for (const imsi of imsis) await newest(log, imsi, 3);
  assert.equal(log.enforceRetention(), 0);
  // Raised again: lists grow past the old cap, and a pass does not trim them.
  log.maxPerSubscriber = 10;
  for (let k = 0; k < 4; k++) { const r = rec({ imsi: imsis[0] }); await log.append(r); made.get(imsis[0]!)!.push(r); }
  assert.equal(log.enforceRetention(), 0);
  await newest(log, imsis[0]!, 7);
  await log.close(); // the index snapshot holds lists of 7, 3 and 3
  // Opened with a cap of 2: the snapshot's lists are brought under it at open.
  const again = await open(2);
  assert.equal(await again.count(), 6);
  for (const imsi of imsis) await newest(again, imsi, 2);
  await again.close();
});

test('a compaction keeps the interner as it is while the live records name at least half of its strings, and rebuilds it below that', async () => {
  const file = tmp();
  let now = T0 + 1_000_000;
  const log = await ActivityFileLog.open({ file, retentionIntervalMs: 0, now: () => now, maxPerSubscriber: 1000, retentionSeconds: 600, compactMinDead: 1_000_000 });
  // 40 subscribers long ago and 60 recent ones, each naming an IMSI and a terminal of its own.
  const add = (k: number, at: number) => log.append(rec({ imsi: `0010100000${String(k).padStart(5, '0')}`, terminal_id: `term-${k}`, timestamp: new Date(at).toISOString() }));
  for (let k = 0; k < 40; k++) await add(k, T0);
  for (let k = 40; k < 100; k++) await add(k, now);
  const before = log.internedStrings;
  assert.equal(log.enforceRetention(), 40);
  await log.compact();
  // 60 % of the strings are still named: kept, with the 40 old subscribers' strings.
  assert.equal(log.internedStrings, before);
  assert.equal(log.querySync({ terminal_id: 'term-77' }).total, 1);
  assert.equal(log.querySync({ imsi: '001010000000077' }).total, 1);
  assert.equal(log.querySync({ terminal_id: 'term-7' }).total, 0);
  await add(100, now); // appends after it intern into the same interner
  assert.equal(log.querySync({ query: 'term-100' }).total, 1);
  // Now only 11 of ≈ 200 are named: rebuilt with what the live records name.
  now += 601_000;
  for (let k = 101; k < 111; k++) await add(k, now);
  log.enforceRetention();
  await log.compact();
  assert.equal(await log.count(), 10);
  assert.equal(log.internedStrings, 10 * 2 + 2, '10 IMSIs, 10 terminals, the one path and the one address');
  assert.equal(log.querySync({ terminal_id: 'term-105' }).total, 1);
  await log.close();
});
