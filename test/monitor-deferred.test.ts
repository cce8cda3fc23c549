/**
 * The monitor's deferred activity (docs/performance.md § Sixth round): the stream hands activity over as the
 * daemon's raw lines (`deferActivity`), the TUI's frame queue parses only the lines a frame keeps, and the
 * VVM/ODSA list refresh is decided on the raw line by a test that never misses a real VVM or ODSA record.
 * Against the stand-in daemon on a Unix socket and a bare HTTP server that cuts its chunks anywhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACTIVITY_LINE_PREFIX, followEvents, type StreamItem } from '../src/client/event-stream.js';
import { ControlClient } from '../src/client/control-client.js';
import { isPaneActivity } from '../src/ui/monitor-state.js';
import { ActivityService } from '../src/services/activity.js';
import { EventBatcher, linePaneGroup } from '../src/ui/use-monitor-stream.js';
import type { DaemonEvent } from '../src/contracts/events.js';
import { activity, activityEvent, session } from './monitor-fixtures.js';
import { startFakeDaemon } from './monitor-fake-daemon.js';

const line = (e: DaemonEvent) => JSON.stringify(e);
const lineBytes = (e: DaemonEvent) => Buffer.from(line(e), 'utf8');

test('deferActivity: activity arrives as raw lines in stream order, other kinds parsed, a non-JSON line is reported', async () => {
  const d = await startFakeDaemon();
  try {
    const it = followEvents({ target: { kind: 'socket', path: d.socketPath }, deferActivity: true });
    const items: StreamItem[] = [];
    const rawCount = () => items.reduce((n, i) => n + (i.type === 'activity-lines' ? i.lines.length : 0), 0);
    const pending = (async () => {
      for await (const item of it) {
        items.push(item);
        if (rawCount() === 4) break;
      }
    })();
    await d.waitForClients(1);
    d.emit(activityEvent(activity(1)));
    d.emit({ kind: 'session', at: activity(2).timestamp, change: 'created', session: session('s-1', '001010000000001', 'challenge_sent', 0) });
    d.raw('{"kind":"activity","at":"truncated');
    d.emit(activityEvent(activity(3)));
    d.emit(activityEvent(activity(4)));
    await pending;
    const connected = items.find((i) => i.type === 'status' && i.status.state === 'connected');
    assert.ok(connected, 'the hello still makes the connection state');
    // What was seen, in order: raw activity, the parsed session, the truncated line as raw activity (it starts like
    // one), then the rest. The truncated one fails only when parsed.
    const seq = items.flatMap((i) =>
      i.type === 'activity-lines' ? i.lines.map(String).map((l) => (l.endsWith('truncated') ? 'raw:truncated' : `raw:${(JSON.parse(l) as { record: { id: string } }).record.id}`))
      : i.type === 'event' ? [i.event.kind] : i.type === 'invalid' ? ['invalid'] : []);
    assert.deepEqual(seq.filter((s) => s !== 'hello'), ['raw:act-0001', 'session', 'raw:truncated', 'raw:act-0003', 'raw:act-0004']);
    for (const i of items) if (i.type === 'activity-lines') for (const l of i.lines) assert.ok(Buffer.isBuffer(l) && l.toString().startsWith(ACTIVITY_LINE_PREFIX), 'bytes, undecoded');
  } finally {
    await d.cleanup();
  }
});

test('deferActivity: a line that is not JSON and not activity is an invalid item, and the stream goes on', async () => {
  const d = await startFakeDaemon();
  try {
    const it = followEvents({ target: { kind: 'socket', path: d.socketPath }, deferActivity: true });
    const items: StreamItem[] = [];
    const pending = (async () => {
      for await (const item of it) {
        items.push(item);
        if (item.type === 'activity-lines') break;
      }
    })();
    await d.waitForClients(1);
    d.raw('not json at all');
    d.emit(activityEvent(activity(9)));
    await pending;
    const invalid = items.filter((i) => i.type === 'invalid');
    assert.equal(invalid.length, 1);
    assert.match(invalid[0]!.type === 'invalid' ? invalid[0]!.reason : '', /not JSON/);
    assert.equal(items.filter((i) => i.type === 'status' && i.status.state === 'reconnecting').length, 0, 'no reconnect for one bad line');
  } finally {
    await d.cleanup();
  }
});

test('streamLines: lines cut across chunks (and a UTF-8 character cut in two) come out whole, one array per chunk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-lines-'));
  const path = join(dir, 's.sock');
  const text = '{"a":"é€😀"}\n\n{"b":2}\n{"c":"' + 'x'.repeat(5000) + '"}\n{"d":4}\n';
  const bytes = Buffer.from(text, 'utf8');
  const cut = [3, 7, 9, 20, 5030, bytes.length - 2]; // 3 and 7 fall inside multi-byte characters
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    let from = 0;
    const next = (i: number) => {
      if (i > cut.length) return res.end();
      const to = i < cut.length ? cut[i]! : bytes.length;
      res.write(bytes.subarray(from, to));
      from = to;
      setTimeout(() => next(i + 1), 15);
    };
    next(0);
  });
  await new Promise<void>((r) => server.listen(path, r));
  const client = new ControlClient({ kind: 'socket', path });
  try {
    const chunks: string[][] = [];
    for await (const lines of client.streamLines('/api/events')) chunks.push(lines.map((l) => l.toString('utf8')));
    assert.deepEqual(chunks.flat(), ['{"a":"é€😀"}', '{"b":2}', `{"c":"${'x'.repeat(5000)}"}`, '{"d":4}']);
    assert.ok(chunks.every((c) => c.length > 0), 'no empty arrays');
    const parsed: unknown[] = [];
    for await (const v of client.stream('/api/events')) parsed.push(v);
    assert.deepEqual(parsed, [{ a: 'é€😀' }, { b: 2 }, { c: 'x'.repeat(5000) }, { d: 4 }], 'stream() is the same lines parsed');
  } finally {
    await client.close();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('EventBatcher: raw lines are parsed at flush; lines the ring dropped are counted as skipped and never parsed', () => {
  const b = new EventBatcher(3);
  b.addLine(Buffer.from('{"kind":"activity","at":"broken')); // dropped by the ring below: never parsed, so not "invalid"
  for (let n = 1; n <= 4; n++) b.addLine(lineBytes(activityEvent(activity(n))));
  const [events] = b.flush();
  assert.equal(events?.type, 'events');
  if (events?.type !== 'events') return;
  assert.equal(events.skipped, 2);
  assert.deepEqual(events.events.map((e) => (e.kind === 'activity' ? e.record.id : e.kind)), ['act-0002', 'act-0003', 'act-0004']);

  const c = new EventBatcher(10);
  c.add(activityEvent(activity(5)));
  c.addLine(Buffer.from('{"kind":"activity","at":"broken'));
  c.addLine(lineBytes({ kind: 'activity', at: 'x', record: { id: 1 } } as unknown as DaemonEvent)); // JSON, but not the contract
  c.addLine(lineBytes(activityEvent(activity(6))));
  const out = c.flush();
  assert.deepEqual(out[0], { type: 'invalid', count: 2 });
  assert.equal(out[1]?.type, 'events');
  if (out[1]?.type === 'events') assert.deepEqual(out[1].events.map((e) => (e.kind === 'activity' ? e.record.id : e.kind)), ['act-0005', 'act-0006']);
  assert.deepEqual(c.flush(), [], 'empty after a flush');
});

test('linePaneGroup finds every VVM and ODSA record on the daemon\'s own serialisation, and only those', () => {
  const samples = [
    activity(1),
    activity(2, { request_type: 'vvm_sms', request_path: 'smpp' }),
    activity(3, { request_type: 'vvm_imap', request_path: 'imap' }),
    activity(4, { request_type: 'admin', request_path: '/api/vvm/accounts/001010000000001' }),
    activity(5, { request_type: 'odsa', request_path: '/odsa' }),
    activity(6, { request_type: 'admin', request_path: '/api/odsa/subscriptions' }),
    activity(7, { request_type: 'admin', request_path: '/api/push/retry' }),
    activity(8, { request_type: 'admin', request_path: '/api/vvmx' }),
    activity(9, { request_type: 'odsa_like', request_path: '/' }),
    activity(10, { request_headers: { 'user-agent': '"request_type":"vvm_x"', 'x-path': '"request_path":"/api/odsa"' } }),
    activity(11, { request_type: 'vvm_sms', request_path: '/api/odsa' }), // both: VVM first, as isPaneActivity is asked
    activity(12, { request_type: 'odsax', request_path: '/api/pus' }),
  ];
  // The daemon's own serialisation: ActivityService.build's key order, JSON.stringify's escaping.
  const svc = new ActivityService({ log: { append: async () => undefined } as never, events: { emit() {} } as never, clock: { now: () => 0 }, random: { uuid: () => 'id', bytes: (n) => Buffer.alloc(n) } });
  for (const r of samples) {
    const built = svc.build(r);
    const l = lineBytes(activityEvent(built));
    assert.ok(l.toString().startsWith(ACTIVITY_LINE_PREFIX));
    const want = isPaneActivity('vvm', built) ? 'vvm' : isPaneActivity('odsa', built) ? 'odsa' : null;
    assert.equal(linePaneGroup(l), want, `${r.id} (${r.request_type} ${r.request_path})`);
  }
  assert.deepEqual(samples.map((r) => linePaneGroup(lineBytes(activityEvent(svc.build(r))))), [null, 'vvm', 'vvm', 'vvm', 'odsa', 'odsa', 'odsa', 'vvm', null, null, 'vvm', null]);
  // A line that is not an activity record at all, or is cut before its request_path.
  assert.equal(linePaneGroup(Buffer.from('{"kind":"activity","at":"x"}')), null);
  assert.equal(linePaneGroup(Buffer.from('{"kind":"activity","at":"x","record":{"id":"a","request_type":"odsa"')), 'odsa');
  assert.equal(linePaneGroup(Buffer.from('{"kind":"activity","at":"x","record":{"id":"a","request_type":"admin"')), null);
});
