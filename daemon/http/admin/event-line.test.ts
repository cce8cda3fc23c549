import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { batchBytes, encodeEvent, serialize } from './event-routes.js';
import { ActivityService } from '../../../src/services/activity.js';
import type { ActivityRecord } from '../../../src/contracts/activity.js';
import type { DaemonEvent } from '../../../src/contracts/events.js';

test('event line: an activity event carries its record\'s JSON as the log stored it, byte for byte what JSON.stringify gives', async () => {
  const lines: string[] = [];
  const events: DaemonEvent[] = [];
  const svc = new ActivityService({
    log: { append: async (r: ActivityRecord) => { lines.push(JSON.stringify(r)); return lines.at(-1); } } as never,
    events: { emit: (e: DaemonEvent) => events.push(e) },
    clock: { now: () => Date.UTC(2026, 11, 3, 7, 0, 0) },
    random: { uuid: randomUUID, bytes: randomBytes },
  });
  const rec = await svc.record({
    request_type: 'entitlement_query', imsi: '001010000000001', request_path: '/?IMSI=001010000000001&app=ap2004',
    request_headers: { 'user-agent': 'PRD-TS43 term-Goog/Pixel 8 "quoted" é', accept: 'text/vnd.wap.connectivity-xml' },
    response_summary: { apps: ['ap2004'], note: 'line\nbreak' },
  });
  assert.equal(events.length, 1);
  const line = serialize(events[0]!);
  assert.equal(line, `${JSON.stringify(events[0])}\n`);
  assert.deepEqual(JSON.parse(line).record, JSON.parse(lines[0]!));
  // The stored text rides on the event, not the record, and is invisible there: not a key, not in its JSON.
  assert.deepEqual(Object.keys(rec), Object.keys(JSON.parse(lines[0]!)));
  assert.deepEqual(rec, JSON.parse(lines[0]!));
  assert.deepEqual(Object.keys(events[0]!), ['kind', 'at', 'record']);
  assert.equal(typeof encodeEvent(events[0]!), 'object', 'sent as the stored text, not serialised again');
  // An event built elsewhere (no stored text) is serialised as before.
  const plain = { kind: 'activity', at: rec.timestamp, record: { ...rec } } as DaemonEvent;
  assert.equal(serialize(plain), `${JSON.stringify(plain)}\n`);
});

test('event line: a record changed after it was recorded is streamed as recorded (the log\'s bytes)', async () => {
  const events: DaemonEvent[] = [];
  let logged = '';
  const svc = new ActivityService({
    log: { append: async (r: ActivityRecord) => (logged = JSON.stringify(r)) } as never, // as the file and PostgreSQL logs store it
    events: { emit: (e: DaemonEvent) => events.push(e) },
    clock: { now: () => 0 },
    random: { uuid: randomUUID, bytes: randomBytes },
  });
  const rec = await svc.record({ request_type: 'token_auth', imsi: '001010000000002' });
  rec.imsi = 'changed';
  assert.equal(JSON.parse(serialize(events[0]!)).record.imsi, '001010000000002');
  assert.equal(JSON.parse(logged).imsi, '001010000000002');
});

test('event stream batch: activity from the file log goes out as the text of the log\'s lines, the same bytes as JSON lines', async () => {
  const { mkdtempSync, rmSync, readFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { ActivityFileLog } = await import('../../store/activity-log.js');
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-event-line-'));
  const file = join(dir, 'activity.jsonl');
  const log = await ActivityFileLog.open({ file, retentionIntervalMs: 0 });
  try {
    const events: DaemonEvent[] = [];
    const svc = new ActivityService({ log, events: { emit: (e: DaemonEvent) => events.push(e) }, clock: { now: () => Date.UTC(2026, 11, 4, 5, 0, 0) }, random: { uuid: randomUUID, bytes: randomBytes } });
    // Concurrent records share one commit (one buffer); one has multi-byte text, quotes and a newline in it.
    const recs = await Promise.all([
      svc.record({ request_type: 'entitlement_query', imsi: '001010000000001', request_path: '/?IMSI=001010000000001&app=ap2004' }),
      svc.record({ request_type: 'token_auth', imsi: '001010000000002', request_headers: { 'user-agent': 'Gerät "quoted" ✓' }, response_summary: { note: 'line\nbreak' } }),
      svc.record({ request_type: 'eap_response', imsi: '001010000000003' }),
    ]);
    recs[1]!.imsi = 'changed after it was recorded';
    events.push({ kind: 'rates', at: '2026-12-04T05:00:00.000Z', requests_per_second: 3, errors_per_second: 0, eap_success: 1, eap_failure: 0 });
    const encoded = events.map(encodeEvent);
    assert.deepEqual(encoded.map((l) => typeof l), ['object', 'object', 'object', 'string'], 'activity as the stored text apart from its head, the rest as lines');
    const expected = events.map((e) => `${JSON.stringify(e)}\n`);
    expected[1] = expected[1]!.replace('changed after it was recorded', '001010000000002'); // streamed as recorded
    assert.equal(batchBytes(encoded).toString('utf8'), expected.join(''));
    assert.deepEqual(events.slice(0, 3).map((e) => serialize(e)), expected.slice(0, 3));
    // The text is the log's own: each line of the file is a record's stored text.
    await log.close();
    const fileLines = readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('{"id"'));
    assert.deepEqual(encoded.slice(0, 3).map((l) => (l as { body: string }).body), fileLines);
    assert.equal(batchBytes([]).length, 0);
  } finally {
    await log.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
});
