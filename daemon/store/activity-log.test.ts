import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, appendFileSync, statSync, truncateSync } from 'node:fs';
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
const tmp = () => join(mkdtempSync(join(tmpdir(), 'omnisep-act-')), 'activity.jsonl');

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
  const p = log.querySync({ imsi: '001010000000003', limit: 3 });
  assert.equal(p.total, 10);
  assert.equal(p.records.length, 3);
  assert.ok(p.records.every((r) => r.imsi === '001010000000003'));
  assert.ok(Date.parse(p.records[0]!.timestamp) > Date.parse(p.records[1]!.timestamp), 'newest first');
  assert.equal(log.querySync({ type: 'xcap' }).total, 25);
  assert.equal(log.querySync({ query: '0000000004' }).total, 10);
  assert.equal(log.querySync({ from: (T0 + 40_000) / 1000 }).total, 10);
  assert.equal(log.querySync({ page: 2, limit: 20 }).records.length, 20);
  assert.equal(log.getSync(ids[7]!)!.id, ids[7]);
  await log.close();
  const again = await ActivityFileLog.open({ file, retentionIntervalMs: 0, now: () => now });
  assert.equal((await again.count()), 50);
  assert.equal(again.getSync(ids[49]!)!.id, ids[49]);
  await again.close();
});

test('retention: per-subscriber cap on append, age by enforceRetention, then compaction rewrites the file', async () => {
  const file = tmp();
  let now = T0 + 100_000;
  const log = await ActivityFileLog.open({ file, retentionIntervalMs: 0, now: () => now, maxPerSubscriber: 5, retentionSeconds: 60, compactMinDead: 1, compactDeadRatio: 0.3 });
  for (let k = 0; k < 20; k++) await log.append(rec({ timestamp: new Date(T0 + k * 10_000).toISOString() }));
  assert.equal(log.querySync({ imsi: '001010000000001' }).total, 5, 'only the newest 5 kept');
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
