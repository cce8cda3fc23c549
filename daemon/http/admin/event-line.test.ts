import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { serialize } from './event-routes.js';
import { ActivityService } from '../../../src/services/activity.js';
import { recordJson, type ActivityRecord } from '../../../src/contracts/activity.js';
import type { DaemonEvent } from '../../../src/contracts/events.js';

test('event line: an activity event shares its record\'s JSON with the log that stored it, byte for byte what JSON.stringify gives', async () => {
  const lines: string[] = [];
  const events: DaemonEvent[] = [];
  const svc = new ActivityService({
    log: { append: async (r: ActivityRecord) => { lines.push(JSON.stringify(r)); } } as never,
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
  // The kept text is invisible: not a key, not in JSON, not in a deep comparison.
  assert.deepEqual(Object.keys(rec), Object.keys(JSON.parse(lines[0]!)));
  assert.deepEqual(rec, JSON.parse(lines[0]!));
  // An event built elsewhere (no kept text) is serialised as before.
  const plain = { kind: 'activity', at: rec.timestamp, record: { ...rec } } as DaemonEvent;
  assert.equal(serialize(plain), `${JSON.stringify(plain)}\n`);
});

test('event line: a record changed after it was recorded is streamed as recorded (the log\'s bytes)', async () => {
  const events: DaemonEvent[] = [];
  let logged = '';
  const svc = new ActivityService({
    log: { append: async (r: ActivityRecord) => { logged = recordJson(r); } } as never, // as the file and PostgreSQL logs store it
    events: { emit: (e: DaemonEvent) => events.push(e) },
    clock: { now: () => 0 },
    random: { uuid: randomUUID, bytes: randomBytes },
  });
  const rec = await svc.record({ request_type: 'token_auth', imsi: '001010000000002' });
  rec.imsi = 'changed';
  assert.equal(JSON.parse(serialize(events[0]!)).record.imsi, '001010000000002');
  assert.equal(JSON.parse(logged).imsi, '001010000000002');
});
