/**
 * The running ink app (MonitorApp) with a scripted source: stream items
 * arrive through the hook, keys go through stdin. Switch panes (1-4, Tab),
 * filter (/), pause (p), detail (Enter/Esc), help (?), quit (q closes the
 * stream).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import type { StreamItem } from '../src/client/event-stream.js';
import type { DaemonEvent } from '../src/contracts/events.js';
import { MonitorApp } from '../src/ui/monitor-app.js';
import type { MonitorSource } from '../src/ui/use-monitor-stream.js';
import { activity, activityEvent, at, hello, session, storyEvents } from './monitor-fixtures.js';
import type { RowAction } from '../src/ui/monitor-types.js';
import { ApiError } from '../src/client/errors.js';
import { stripAnsi } from './monitor-golden.js';

const SOCK = '/tmp/omnisep-test.sock';

function scripted(initial: DaemonEvent[]) {
  let push: ((i: StreamItem) => void) | null = null;
  let closed = 0;
  let snapshots = 0;
  const source: MonitorSource = {
    subscribe(onItem) {
      push = onItem;
      onItem({ type: 'status', status: { state: 'connecting', target: SOCK } });
      onItem({ type: 'status', status: { state: 'connected', target: SOCK, hello: hello() as Extract<DaemonEvent, { kind: 'hello' }> } });
      for (const e of initial) onItem({ type: 'event', event: e });
      return { close: () => void (closed += 1) };
    },
    async snapshot() {
      snapshots += 1;
      return { sessions: [session('sess-snap', '001010000000042', 'authenticated', -5000)] };
    },
  };
  return { source, push: (i: StreamItem) => push?.(i), closed: () => closed, snapshots: () => snapshots };
}

async function until(frame: () => string | undefined, pred: (f: string) => boolean, what: string, ms = 30_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const f = stripAnsi(frame() ?? '');
    if (pred(f)) return f;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}; last frame:\n${f}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const tick = () => new Promise((r) => setTimeout(r, 30));

test('keys: panes, filter, pause, detail, help, quit', async () => {
  const src = scripted(storyEvents());
  const app = render(<MonitorApp source={src.source} frameMs={10} target={SOCK} />);
  const f = () => app.lastFrame();
  try {
    await until(f, (x) => x.includes('token_auth') && x.includes('connected'), 'the story on the Activity pane');
    // the snapshot after connect replaced the sessions
    app.stdin.write('2');
    await until(f, (x) => x.includes('sess-snap'), 'Sessions pane with the snapshot');
    assert.equal(src.snapshots(), 1);
    app.stdin.write('\t');
    await until(f, (x) => /^TOKEN[↑↓]?\s/m.test(x), 'Tab → Tokens');
    app.stdin.write('\t');
    await until(f, (x) => /^HOST[↑↓]?\s/m.test(x), 'Tab → Diameter peers');
    app.stdin.write('1');
    await until(f, (x) => /^TIME[↑↓]?\s/m.test(x), '1 → Activity');

    // filter by IMSI: / then the digits then Enter
    app.stdin.write('/');
    await tick();
    for (const ch of '001010123456789') app.stdin.write(ch);
    await until(f, (x) => x.includes('/001010123456789█'), 'the filter being typed');
    app.stdin.write('\r');
    await until(f, (x) => x.includes('filter: 001010123456789') && (x.match(/^10:35/gm) ?? []).length === 1, 'filtered list');
    app.stdin.write('\u001b'); // Esc clears the applied filter
    await until(f, (x) => !x.includes('filter:') && (x.match(/^10:35/gm) ?? []).length === 5, 'filter cleared');

    // pause: new records wait; resume shows them
    app.stdin.write('p');
    await until(f, (x) => x.includes('PAUSED'), 'paused');
    src.push({ type: 'event', event: activityEvent(activity(42, { timestamp: at(4200), request_type: 'websheet' })) });
    await until(f, (x) => x.includes('PAUSED +1'), 'one record held');
    assert.ok(!stripAnsi(f() ?? '').includes('websheet'));
    app.stdin.write('p');
    await until(f, (x) => x.includes('websheet') && !x.includes('PAUSED'), 'resumed');

    // detail of the selected (second) record, then back
    app.stdin.write('\u001b[B'); // ↓
    await tick();
    app.stdin.write('\r');
    await until(f, (x) => x.includes('Activity record — Esc back') && /^id\s+act-0005$/m.test(x), 'detail of act-0005');
    app.stdin.write('\u001b');
    await until(f, (x) => /^TIME[↑↓]?\s/m.test(x), 'back to the list');

    // help overlay
    app.stdin.write('?');
    await until(f, (x) => x.includes('Keys — ? or Esc closes'), 'help');
    app.stdin.write('?');
    await until(f, (x) => !x.includes('Keys — ? or Esc closes'), 'help closed');

    // reconnecting is shown, then connected again
    src.push({ type: 'status', status: { state: 'reconnecting', target: SOCK, attempt: 1, delay_ms: 200, reason: 'the daemon ended the stream' } });
    await until(f, (x) => x.includes('reconnecting…'), 'reconnecting');
    src.push({ type: 'status', status: { state: 'connected', target: SOCK, hello: hello() as Extract<DaemonEvent, { kind: 'hello' }> } });
    await until(f, (x) => !x.includes('reconnecting') && x.includes('connected'), 'connected again');

    app.stdin.write('q');
    const end = Date.now() + 30_000;
    while (src.closed() === 0 && Date.now() < end) await tick();
    assert.equal(src.closed(), 1, 'q unmounts the app and closes the stream');
  } finally {
    app.unmount();
  }
});

test('2,000 events in one burst become one batch: a few renders, not thousands', async () => {
  const src = scripted([]);
  const app = render(<MonitorApp source={src.source} frameMs={50} capacity={200} target={SOCK} />);
  try {
    await until(app.lastFrame, (x) => x.includes('connected'), 'connected');
    const before = app.frames.length;
    for (let i = 0; i < 2000; i++) src.push({ type: 'event', event: activityEvent(activity(i)) });
    const x = await until(app.lastFrame, (fr) => fr.includes('events 2000'), 'all counted');
    const renders = app.frames.length - before;
    assert.ok(renders <= 5, `${renders} frames for one burst`);
    assert.match(x, /1\/200/, 'the list holds the newest 200 (the ring)');
  } finally {
    app.unmount();
  }
});

test('row actions: x asks, n cancels, x y revokes through the source; an API error shows in the status line and the app lives on', async () => {
  const src = scripted(storyEvents());
  const acted: RowAction[] = [];
  let fail = false;
  src.source.act = async (a) => {
    acted.push(a);
    if (fail) throw new ApiError(404, 'token not found', 'not_found');
    return { text: `revoked token ${a.kind === 'revoke-token' ? a.id : '?'}` };
  };
  const app = render(<MonitorApp source={src.source} frameMs={10} target={SOCK} />);
  const f = () => app.lastFrame();
  try {
    await until(f, (x) => x.includes('token_auth'), 'the story');
    app.stdin.write('3');
    await until(f, (x) => /^TOKEN\s+IMSI\s+STATE\s+EXPIRES IN↓/m.test(x), 'Tokens pane, sorted by expiry');
    app.stdin.write('x');
    await until(f, (x) => x.includes('Revoke token tok-2222 (IMSI 001010000000001)? y/N'), 'the prompt');
    app.stdin.write('n');
    await until(f, (x) => x.includes('cancelled: revoke token tok-2222'), 'cancelled');
    assert.equal(acted.length, 0, 'nothing was sent');
    app.stdin.write('xy'); // one read: the second key answers the prompt the first raised
    await until(f, (x) => x.includes('revoked token tok-2222') && /tok-2222\s+001010000000001 revoked/.test(x), 'revoked, in the status line and the row');
    assert.deepEqual(acted, [{ kind: 'revoke-token', id: 'tok-2222', imsi: '001010000000001' }]);
    // the API says no: the error is shown, nothing crashes, keys still work
    fail = true;
    app.stdin.write('j');
    await tick();
    app.stdin.write('x');
    await until(f, (x) => x.includes('Revoke token tok-1111'), 'the prompt for the next token');
    app.stdin.write('y');
    await until(f, (x) => x.includes('revoke token failed: token not found (HTTP 404, not_found)'), 'the API error');
    app.stdin.write('s');
    await until(f, (x) => /AUTH↑/.test(x), 's sorts by the next column');
    app.stdin.write('S');
    await until(f, (x) => /AUTH↓/.test(x), 'S reverses');
  } finally {
    app.unmount();
  }
});
