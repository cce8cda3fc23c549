/**
 * `omnisep activity tail` as an operator runs it (a child process) against a
 * real daemon (startDaemon, temp socket, ports 0): N records produced, N
 * NDJSON lines read, in order; filters; the daemon stopping ends it with
 * exit 1 and one line; Ctrl-C exits 0; bad input exits 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cliArgv, cliEnv, runCli } from './cli-harness.js';
import { startTestDaemon, testConfig, type TestDaemon } from './daemon-helpers.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startDaemon, type RunningDaemon } from '../daemon/main.js';
import { createLogger } from '../daemon/logging.js';
import { repoPath } from '../src/util/repo-path.js';
import type { ActivityRecord } from '../src/contracts/activity.js';

interface Tail {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  stderr: () => string;
  exit: Promise<number | null>;
}

function tail(args: string[]): Tail {
  const child = spawn(process.execPath, [...cliArgv(), 'activity', 'tail', ...args], { cwd: repoPath(), env: cliEnv() });
  const lines: string[] = [];
  let buf = '';
  let err = '';
  child.stdout.on('data', (c) => {
    buf += c;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
  child.stderr.on('data', (c) => (err += c));
  const exit = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, lines, stderr: () => err, exit };
}

async function until(pred: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const produce = async (d: Pick<TestDaemon, 'ctx'>, n: number, imsi: (i: number) => string, type = 'entitlement_query'): Promise<ActivityRecord[]> => {
  const out: ActivityRecord[] = [];
  for (let i = 0; i < n; i++)
    out.push(await d.ctx.activity.record({ request_type: type, request_method: 'GET', request_path: `/?n=${i}`, imsi: imsi(i), app_ids: ['ap2004'], response_status: 200, response_code: 1000 }));
  return out;
};

test('activity tail --json: N records produced, N lines read, in order; the daemon stopping exits 1 with one line', async () => {
  const d = await startTestDaemon();
  let t: Tail | undefined;
  try {
    t = tail(['--json', '--socket', d.socket]);
    await until(() => d.ctx.events.subscriberCount >= 1, 'the tail to connect');
    const N = 40;
    const made = await produce(d, N, (i) => `00101000000${String(i).padStart(4, '0')}`);
    await until(() => t!.lines.length >= N, `${N} lines`);
    const got = t.lines.map((l) => JSON.parse(l) as ActivityRecord);
    assert.deepEqual(got.map((r) => r.id), made.map((r) => r.id), 'every record, in order');
    assert.deepEqual(got[0], made[0], 'each line is the activity record unchanged');
    await d.close();
    const code = await t.exit;
    assert.equal(code, 1);
    assert.equal(t.lines.length, N, 'stdout holds nothing but the records');
    const errLines = t.stderr().trim().split('\n');
    assert.equal(errLines.length, 1, t.stderr());
    assert.match(errLines[0]!, /^the daemon at .*omnisep\.sock stopped \(.*\) — pass --reconnect to wait for it$/);
  } finally {
    t?.child.kill('SIGKILL');
    await d.stop().catch(() => undefined);
  }
});

test('activity tail: --imsi and --type filter; human lines; Ctrl-C exits 0', async () => {
  const d = await startTestDaemon();
  let t: Tail | undefined;
  try {
    t = tail(['--imsi', '001010000000007', '--type', 'token_auth', '--socket', d.socket]);
    await until(() => d.ctx.events.subscriberCount >= 1, 'the tail to connect');
    await produce(d, 10, (i) => (i % 2 ? '001010000000007' : '001010000000008'), 'token_auth');
    await produce(d, 4, () => '001010000000007', 'xcap');
    await d.ctx.activity.record({ request_type: 'token_auth', request_path: '/last', imsi: '001010000000007', response_status: 403, response_code: 403 });
    await until(() => t!.lines.length >= 6, '6 lines');
    assert.equal(t.lines.length, 6);
    for (const l of t.lines) assert.match(l, /^\d\d:\d\d:\d\d\.\d{3}  token_auth\s+001010000000007  (200\/1000|403\/403)\s+GET \//);
    assert.match(t.lines[5]!, /403\/403\s+GET \/last$/);
    t.child.kill('SIGINT');
    assert.equal(await t.exit, 0);
  } finally {
    t?.child.kill('SIGKILL');
    await d.stop();
  }
});

test('activity tail: a bad --imsi is a usage error (exit 2); no daemon is exit 69 naming the socket', async () => {
  const bad = await runCli(['activity', 'tail', '--imsi', '12345', '--socket', '/tmp/none.sock']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--imsi "12345" has 5 digits; expected exactly 15 digits/);
  const none = await runCli(['activity', 'tail', '--socket', '/tmp/omnisep-no-such.sock']);
  assert.equal(none.code, 69);
  assert.match(none.stderr, /no daemon at \/tmp\/omnisep-no-such\.sock — start one with: omnisep serve/);
});

test('activity tail --json --reconnect: carries on across a daemon restart, notes on stderr only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-tail-'));
  const config = testConfig(dir);
  const logger = () => createLogger({ level: 'warn', pretty: false, destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  let d: RunningDaemon | null = await startDaemon(config, { logger: logger(), env: {} });
  const socket = d.addresses.socket.path!;
  let t: Tail | undefined;
  try {
    t = tail(['--json', '--reconnect', '--socket', socket]);
    await until(() => d!.ctx.events.subscriberCount >= 1, 'the tail to connect');
    const first = await produce(d, 3, () => '001010000000001');
    await until(() => t!.lines.length >= 3, '3 lines');
    await d.close();
    d = null;
    await until(() => t!.stderr().includes('reconnecting'), 'the reconnecting note', 10_000);
    d = await startDaemon(config, { logger: logger(), env: {} });
    await until(() => d!.ctx.events.subscriberCount >= 1, 'the tail to come back', 15_000);
    const second = await produce(d, 3, () => '001010000000002');
    await until(() => t!.lines.length >= 6, '6 lines');
    assert.deepEqual(t.lines.map((l) => (JSON.parse(l) as ActivityRecord).id), [...first, ...second].map((r) => r.id));
    assert.match(t.stderr(), /lost the daemon at .*omnisep\.sock .* reconnecting…\nomnisep: reconnected to /);
    t.child.kill('SIGINT');
    assert.equal(await t.exit, 0);
  } finally {
    t?.child.kill('SIGKILL');
    await d?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
