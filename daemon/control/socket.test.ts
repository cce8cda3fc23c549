import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { mkdtempSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaemonAlreadyRunningError, prepareSocketPath, probeSocket, lockDownSocket, removeSocket } from './socket.js';

test('refuses when a live daemon answers; clears a stale socket; creates the dir 0700', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-sock-'));
  const path = join(dir, 'run', 'omnisep.sock');
  assert.equal(await probeSocket(path), 'absent');
  await prepareSocketPath(path);
  assert.equal(statSync(join(dir, 'run')).mode & 0o777, 0o700);

  const live = createServer((s) => s.end());
  await new Promise<void>((r) => live.listen(path, r));
  lockDownSocket(path);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(await probeSocket(path), 'live');
  await assert.rejects(prepareSocketPath(path), DaemonAlreadyRunningError);
  assert.ok(existsSync(path), 'a live socket is never removed');

  // A stale socket: the file stays after its server is gone without unlinking.
  const stalePath = join(dir, 'stale.sock');
  const s2 = createServer();
  await new Promise<void>((r) => s2.listen(stalePath, r));
  // Simulate a SIGKILLed daemon: close the listening handle but keep the file (unref + no unlink).
  (s2 as unknown as { _handle: { close(): void } })._handle.close();
  if (!existsSync(stalePath)) { /* platform unlinked it; nothing to test */ } else {
    assert.equal(await probeSocket(stalePath), 'stale');
    await prepareSocketPath(stalePath);
    assert.ok(!existsSync(stalePath));
  }
  await new Promise<void>((r) => live.close(() => r()));
  removeSocket(path);
});

test('refuses to remove a regular file in the socket\'s place', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-sock-'));
  const path = join(dir, 'not-a-socket');
  writeFileSync(path, 'x');
  await assert.rejects(prepareSocketPath(path), /not a socket/);
});
