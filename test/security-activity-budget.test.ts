/**
 * Issue 13 item 2: activity records have a size budget (fields and headers cut, the cut marked),
 * records of requests without an IMSI are kept only up to a per-minute allowance and the rest
 * counted, and activity.max_bytes bounds the activity log's file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActivityService } from '../src/services/activity.js';
import { ActivityFileLog } from '../daemon/store/activity-log.js';
import type { ActivityRecord } from '../src/contracts/activity.js';
import { resolveConfig } from '../src/contracts/config.js';

const BIG = 'A'.repeat(3500);
/** What issue 13 flooded with: a 3.5 KB terminal_id and User-Agent, no IMSI. */
const floodInput = (i: number) => ({
  request_type: 'entitlement', request_method: 'GET', request_path: `/?terminal_id=${BIG}&n=${i}`, terminal_id: BIG, user_agent: BIG,
  request_headers: Object.fromEntries([['user-agent', BIG], ...Array.from({ length: 200 }, (_, k) => [`x-h${k}`, BIG])]),
  response_status: 511,
});

function service(now: { t: number }, stored: ActivityRecord[], dropped: string[], perMinute = 120) {
  return new ActivityService({
    log: { append: async (r: ActivityRecord) => void stored.push(r) } as never, events: { emit() {} },
    clock: { now: () => now.t }, random: { uuid: () => `id-${stored.length}-${dropped.length}`, bytes: (n) => Buffer.alloc(n) },
    maxFieldBytes: 512, anonymousPerMinute: perMinute, onSampledOut: (t) => void dropped.push(t),
  });
}

test('a record of the flood fits the budget: fields and headers cut with a marker, at most 48 headers', async () => {
  const stored: ActivityRecord[] = [];
  const svc = service({ t: 0 }, stored, []);
  const rec = svc.build({ ...floodInput(0), imsi: '001010000000001' });
  const size = Buffer.byteLength(JSON.stringify(rec));
  assert.ok(size < 8 * 1024, `record is ${size} bytes (was about 14.7 KB per record in issue 13)`);
  assert.match(rec.terminal_id!, /^A{512}…\[2988 more\]$/);
  assert.match(rec.user_agent!, /…\[2988 more\]$/);
  assert.ok(rec.request_path.length < 600);
  assert.ok(Object.keys(rec.request_headers).length <= 49);
  assert.match(rec.request_headers['…']!, /more header\(s\) not stored/);
});

test('requests without an IMSI: the per-minute allowance is kept, the rest counted; a new minute starts again', async () => {
  const now = { t: 60_000 * 1000 };
  const stored: ActivityRecord[] = [];
  const dropped: string[] = [];
  const svc = service(now, stored, dropped, 120);
  for (let i = 0; i < 1000; i++) await svc.record(floodInput(i));
  assert.equal(stored.length, 120);
  assert.equal(dropped.length, 880);
  for (let i = 0; i < 50; i++) await svc.record({ ...floodInput(i), imsi: '001010000000001' });
  assert.equal(stored.length, 170, 'records naming a subscriber are all kept');
  now.t += 60_000;
  await svc.record(floodInput(0));
  assert.equal(stored.length, 171);
});

test('the defaults are stated in the config: 512-character fields, 120 anonymous records a minute, 512 MiB on disk', () => {
  const c = resolveConfig({});
  assert.equal(c.activity.max_field_bytes, 512);
  assert.equal(c.activity.anonymous_records_per_minute, 120);
  assert.equal(c.activity.max_bytes, 512 * 1024 * 1024);
});

test('activity.max_bytes bounds the file: oldest records dropped, the file compacted when it reaches the bound', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-actbytes-'));
  const file = join(dir, 'activity.jsonl');
  const maxBytes = 128 * 1024;
  const log = await ActivityFileLog.open({ file, maxBytes, retentionIntervalMs: 0, commitIntervalMs: 0, compactMinDead: 1_000_000 });
  const stored: ActivityRecord[] = [];
  const svc = new ActivityService({ log, events: { emit() {} }, clock: { now: () => Date.now() }, random: { uuid: () => `r${stored.length}-${Math.random()}`, bytes: (n) => Buffer.alloc(n) } });
  let largest = 0;
  for (let i = 0; i < 800; i++) {
    await svc.record({ ...floodInput(i), imsi: `0010100000${String(i).padStart(5, '0')}` });
    largest = Math.max(largest, statSync(file).size);
  }
  await log.compact();
  const size = statSync(file).size;
  assert.ok(largest <= maxBytes + 64 * 1024, `file peaked at ${largest} bytes with max_bytes ${maxBytes}`);
  assert.ok(size <= maxBytes, `file is ${size} bytes`);
  const total = (await log.query({ limit: 1 })).total;
  assert.ok(total >= 10 && total < 800, `the newest records are kept (${total})`);
  const newest = (await log.query({ limit: 1 })).records[0]!;
  assert.equal(newest.imsi, '001010000000799');
  await log.close();
});

test('activity.max_bytes counts the records a restart opened from the index snapshot, as it counts a parsed log', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-actbytes-'));
  const file = join(dir, 'activity.jsonl');
  // ≈ 200 KiB of records with no bound, then a restart with max_bytes 128 KiB: the start trims the oldest to half of
  // it and compacts, from the snapshot as from the log.
  const first = await ActivityFileLog.open({ file, retentionIntervalMs: 0, commitIntervalMs: 0 });
  const svc = new ActivityService({ log: first, events: { emit() {} }, clock: { now: () => Date.now() }, random: { uuid: () => `r-${Math.random()}`, bytes: (n) => Buffer.alloc(n) } });
  for (let i = 0; i < 400; i++) await svc.record({ ...floodInput(i), imsi: `0010100000${String(i).padStart(5, '0')}` });
  await first.close();
  assert.ok(statSync(file).size > 160 * 1024, `${statSync(file).size} bytes`);
  const logBytes = readFileSync(file);
  const openBounded = async () => {
    const log = await ActivityFileLog.open({ file, maxBytes: 128 * 1024, retentionIntervalMs: 0, commitIntervalMs: 0, compactMinDead: 1_000_000 });
    await log.compact();
    const kept = { total: (await log.query({ limit: 1 })).total, size: statSync(file).size };
    await log.close();
    return kept;
  };
  const fromSnapshot = await openBounded();
  writeFileSync(file, logBytes);
  rmSync(join(dir, '.activity.jsonl.index'));
  const parsed = await openBounded();
  assert.deepEqual(fromSnapshot, parsed);
  assert.ok(parsed.size <= 64 * 1024, `${parsed.size} bytes kept`);
  rmSync(dir, { recursive: true, force: true });
});
