/**
 * The NDJSON event-stream client (src/client/event-stream.ts) against a
 * stand-in daemon on a Unix socket: contract validation, filters, order,
 * end of stream, and reconnect with back-off across a daemon restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { backoffDelay, followEvents, parseEvent, type StreamItem } from '../src/client/event-stream.js';
import { DaemonUnreachableError } from '../src/cli/errors.js';
import { activity, activityEvent, storyEvents } from './monitor-fixtures.js';
import { startFakeDaemon } from './monitor-fake-daemon.js';

const fastSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.min(ms, 20)));

/** Pull items until `pred` says stop (or the stream ends), with a deadline. */
async function collect(it: AsyncGenerator<StreamItem>, pred: (items: StreamItem[]) => boolean, timeoutMs = 30_000): Promise<StreamItem[]> {
  const items: StreamItem[] = [];
  const deadline = setTimeout(() => void it.return(undefined), timeoutMs);
  try {
    for await (const item of it) {
      items.push(item);
      if (pred(items)) break;
    }
  } finally {
    clearTimeout(deadline);
  }
  return items;
}

test('backoffDelay doubles from the initial wait and stops at the cap', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 10].map((n) => backoffDelay(n)), [200, 400, 800, 1600, 2000, 2000, 2000]);
  assert.equal(backoffDelay(0), 200, 'attempt numbers below 1 count as the first');
  assert.equal(backoffDelay(3, { initialMs: 100, maxMs: 250, factor: 3 }), 250);
});

test('parseEvent accepts every fixture event and names what is wrong with a bad one', () => {
  for (const e of storyEvents()) assert.equal(parseEvent(JSON.parse(JSON.stringify(e))).ok, true, e.kind);
  const bad = parseEvent({ kind: 'activity', at: 'now', record: { id: 1 } });
  assert.equal(bad.ok, false);
  assert.match(!bad.ok ? bad.reason : '', /event "activity" does not match the contract at \/record/);
  const unknown = parseEvent({ kind: 'quota', at: 'now' });
  assert.equal(unknown.ok, false);
  assert.match(!unknown.ok ? unknown.reason : '', /"quota"/);
});

test('follows the stream: connected with the hello, events in order, filters sent as the query', async () => {
  const d = await startFakeDaemon({ version: '9.9.9' });
  try {
    const it = followEvents({ target: { kind: 'socket', path: d.socketPath }, filter: { imsi: '001010000000001', type: 'entitlement_query', kinds: ['activity'] } });
    const pending = collect(it, (items) => items.filter((i) => i.type === 'event' && i.event.kind === 'activity').length === 3);
    await d.waitForClients(1);
    for (let n = 1; n <= 25; n++) d.emit(activityEvent(activity(n))); // imsi ...0001 for n = 1, 11, 21
    const items = await pending;
    assert.deepEqual(items[0], { type: 'status', status: { state: 'connecting', target: d.socketPath } });
    const connected = items[1]!;
    assert.equal(connected.type === 'status' && connected.status.state, 'connected');
    assert.equal(connected.type === 'status' && connected.status.state === 'connected' && connected.status.hello.version, '9.9.9');
    const ids = items.flatMap((i) => (i.type === 'event' && i.event.kind === 'activity' ? [i.event.record.id] : []));
    assert.deepEqual(ids, ['act-0001', 'act-0011', 'act-0021']);
    assert.equal(d.requests[0], '/api/events?imsi=001010000000001&type=entitlement_query&kinds=activity');
  } finally {
    await d.cleanup();
  }
});

test('a line that breaks the contract is reported, and the stream goes on', async () => {
  const d = await startFakeDaemon();
  try {
    const it = followEvents({ target: { kind: 'socket', path: d.socketPath } });
    const pending = collect(it, (items) => items.some((i) => i.type === 'event' && i.event.kind === 'activity'));
    await d.waitForClients(1);
    d.raw(JSON.stringify({ kind: 'quota', at: new Date().toISOString(), left: 3 }));
    d.emit(activityEvent(activity(7)));
    const items = await pending;
    const invalid = items.filter((i) => i.type === 'invalid');
    assert.equal(invalid.length, 1);
    assert.match(invalid[0]!.type === 'invalid' ? invalid[0]!.reason : '', /"quota"/);
  } finally {
    await d.cleanup();
  }
});

test('no daemon and no --reconnect: DaemonUnreachableError naming the socket', async () => {
  const path = join(tmpdir(), `omnisep-none-${process.pid}.sock`);
  const it = followEvents({ target: { kind: 'socket', path } });
  await assert.rejects(
    async () => {
      for await (const _ of it) void _;
    },
    (err: unknown) => err instanceof DaemonUnreachableError && err.message === `no daemon at ${path} — start one with: omnisep serve`,
  );
});

test('the daemon stops without --reconnect: a closed status ends the iteration', async () => {
  const d = await startFakeDaemon();
  try {
    const it = followEvents({ target: { kind: 'socket', path: d.socketPath } });
    const pending = collect(it, () => false);
    await d.waitForClients(1);
    d.emit(activityEvent(activity(1)));
    await new Promise((r) => setTimeout(r, 50));
    await d.stop();
    const items = await pending;
    const last = items.at(-1)!;
    assert.equal(last.type === 'status' && last.status.state, 'closed');
    assert.ok(items.some((i) => i.type === 'event' && i.event.kind === 'activity'));
  } finally {
    await d.cleanup();
  }
});

test('with reconnect: a daemon restart shows reconnecting, then connected again, and events resume', async () => {
  const d = await startFakeDaemon();
  try {
    const it = followEvents({ target: { kind: 'socket', path: d.socketPath }, reconnect: true, sleep: fastSleep });
    const seen: string[] = [];
    const pending = collect(it, (items) => {
      const i = items.at(-1)!;
      seen.push(i.type === 'status' ? i.status.state : i.type === 'event' ? i.event.kind : 'invalid');
      return i.type === 'event' && i.event.kind === 'activity' && i.event.record.id === 'act-0002';
    });
    await d.waitForClients(1);
    d.emit(activityEvent(activity(1)));
    await new Promise((r) => setTimeout(r, 50));
    await d.stop();
    await new Promise((r) => setTimeout(r, 120)); // a few refused attempts
    await d.start();
    await d.waitForClients(1);
    d.emit(activityEvent(activity(2)));
    const items = await pending;
    const states = seen.filter((s) => s !== 'hello');
    assert.deepEqual(states.slice(0, 3), ['connecting', 'connected', 'activity']);
    assert.ok(states.includes('reconnecting'), states.join(','));
    const reconnecting = items.filter((i) => i.type === 'status' && i.status.state === 'reconnecting');
    assert.deepEqual(
      reconnecting.map((i) => (i.type === 'status' && i.status.state === 'reconnecting' ? i.status.attempt : 0)),
      reconnecting.map((_, n) => n + 1),
      'attempts count up from 1',
    );
    const after = states.slice(states.lastIndexOf('reconnecting') + 1);
    assert.deepEqual(after, ['connected', 'activity']);
  } finally {
    await d.cleanup();
  }
});
