/**
 * systemd integration without a booted systemd: the unit passes `systemd-analyze verify`, and
 * `omnisep serve` started with NOTIFY_SOCKET/WATCHDOG_USEC (as systemd starts a Type=notify unit)
 * sends READY=1 once listening, WATCHDOG=1 at half the watchdog interval, RELOADING=1 then READY=1
 * around SIGHUP and STOPPING=1 on SIGTERM — read from a datagram socket the test binds (python3,
 * since Node cannot bind a Unix datagram socket).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoPath } from '../src/util/repo-path.js';
import { spawnServe, waitReady } from './daemon-process.js';

const LISTENER = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
while True:
    d = s.recv(65536).decode()
    for line in d.split("\\n"):
        if line: print(line, flush=True)
`;

async function until(lines: string[], pred: (l: string[]) => boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred(lines)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got: ${JSON.stringify(lines)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('packaging/omnisep.service passes systemd-analyze verify and is Type=notify with the EX_CONFIG/EX_DATAERR exits kept from restarting', () => {
  const unit = repoPath('packaging', 'omnisep.service');
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', unit], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const text = readFileSync(unit, 'utf8');
  assert.match(text, /^Type=notify$/m);
  assert.match(text, /^NotifyAccess=all$/m);
  assert.match(text, /^WatchdogSec=\d+$/m);
  assert.match(text, /^RestartPreventExitStatus=65 78$/m, 'a crash (exit 1) must still restart');
});

test('serve under NOTIFY_SOCKET: READY, WATCHDOG, RELOADING/READY on SIGHUP, STOPPING on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-notify-'));
  const notifySocket = join(dir, 'notify.sock');
  const py = spawn('python3', ['-c', LISTENER, notifySocket], { stdio: ['ignore', 'pipe', 'inherit'] });
  const got: string[] = [];
  createInterface({ input: py.stdout! }).on('line', (l) => got.push(l));
  try {
    await until(got, (l) => l.includes('bound'), 'the datagram socket');
    const socket = join(dir, 'omnisep.sock');
    process.env.NOTIFY_SOCKET = notifySocket;
    process.env.WATCHDOG_USEC = '1000000';
    let p;
    try {
      p = spawnServe(dir, socket);
    } finally {
      delete process.env.NOTIFY_SOCKET;
      delete process.env.WATCHDOG_USEC;
    }
    try {
      await waitReady(p, socket);
      await until(got, (l) => l.includes('READY=1'), 'READY=1');
      const status = got.find((l) => l.startsWith('STATUS='));
      assert.match(status ?? '', /^STATUS=serving http:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(got.some((l) => l === `MAINPID=${p.child.pid}`), `MAINPID names the daemon: ${JSON.stringify(got)}`);
      // WatchdogSec=1 s → a ping every 0.5 s; wait for two.
      await until(got, (l) => l.filter((x) => x === 'WATCHDOG=1').length >= 2, 'two WATCHDOG=1');
      const mark = got.length;
      p.child.kill('SIGHUP');
      await until(got, (l) => l.slice(mark).includes('RELOADING=1') && l.slice(l.indexOf('RELOADING=1', mark)).includes('READY=1'), 'RELOADING=1 then READY=1');
      p.child.kill('SIGTERM');
      assert.equal(await p.exited, 0);
      await until(got, (l) => l.includes('STOPPING=1'), 'STOPPING=1');
    } finally {
      if (p.child.exitCode === null) p.child.kill('SIGKILL');
    }
  } finally {
    py.kill();
  }
});
