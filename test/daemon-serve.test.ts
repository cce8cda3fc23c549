/**
 * `omnisep serve` as a process: the banner, SIGHUP reload, SIGTERM graceful
 * stop (exit 0, socket and lock removed), refusal of a second daemon on the
 * same socket, and refusal of a production start with the sample secret.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { spawnServe, waitReady } from './daemon-process.js';

const KEY = 'reloaded-key-0123456789';

test('serve: banner, SIGHUP reload, second daemon refused, SIGTERM stops cleanly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-serve-'));
  const socket = join(dir, 'omnisep.sock');
  const cfg = join(dir, 'omnisep.yaml');
  writeFileSync(cfg, 'log:\n  level: info\n');
  const p = spawnServe(dir, socket, ['--config', cfg], { quiet: false });
  const agent = await waitReady(p, socket);
  const banner = p.stderr.join('');
  assert.match(banner, /TS\.43 \+ XCAP \(public\)\s+http:\/\/127\.0\.0\.1:\d+/);
  assert.match(banner, /admin API\s+http:\/\/127\.0\.0\.1:\d+/);
  assert.ok(banner.includes(`unix:${socket}`));

  const status = (await (await request('http://localhost/api/status', { dispatcher: agent })).body.json()) as { listeners: { admin: { url: string } } };
  const adminStatus = `${status.listeners.admin.url}/api/status`;
  const before = await request(adminStatus, { headers: { authorization: `Bearer ${KEY}` } });
  assert.equal(before.statusCode, 403);
  await before.body.dump();

  // SIGHUP: a new key and log level apply without a restart; a port change is reported as needing one.
  writeFileSync(cfg, `log:\n  level: debug\nadmin:\n  api_keys: [${KEY}]\nhttp:\n  listen_ip: 127.0.0.2\n`);
  p.child.kill('SIGHUP');
  const deadline = Date.now() + 20_000;
  while (!p.stdout.join('').includes('"msg":"reloaded:') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const reloadLine = p.stdout.join('').split('\n').find((l) => l.includes('"msg":"reloaded:'));
  assert.ok(reloadLine, p.stdout.join(''));
  const rl = JSON.parse(reloadLine!) as { reloaded: string[]; restart_needed: string[] };
  assert.deepEqual(rl.reloaded.sort(), ['admin.api_keys', 'log.level']);
  assert.deepEqual(rl.restart_needed, ['http.listen_ip']);
  const after = await request(adminStatus, { headers: { authorization: `Bearer ${KEY}` } });
  assert.equal(after.statusCode, 200);
  await after.body.dump();

  // A second daemon on the same socket refuses (exit 69) and leaves the first alone.
  const second = spawnServe(mkdtempSync(join(tmpdir(), 'omnisep-serve2-')), socket);
  assert.equal(await second.exited, 69, 'EX_UNAVAILABLE: may pass once the other stops (systemd retries)');
  assert.match(second.stderr.join(''), /another omnisep daemon answers on/);
  const still = await request('http://localhost/api/status', { dispatcher: agent });
  assert.equal(still.statusCode, 200);
  await still.body.dump();
  await agent.close();

  p.child.kill('SIGTERM');
  assert.equal(await p.exited, 0);
  assert.ok(!existsSync(socket), 'socket removed');
  assert.ok(!existsSync(join(dir, 'omnisep.lock')), 'lock released');
  assert.match(p.stdout.join(''), /"msg":"stopped"/);
});

test('serve: a production start with the sample signing secret refuses to run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-prod-'));
  const p = spawnServe(dir, join(dir, 's.sock'), ['--set', 'server.environment=production']);
  const code = await p.exited;
  assert.equal(code, 78, 'EX_CONFIG: a refused configuration');
  assert.match(p.stderr.join(''), /token\.signing_secret: a production start refuses/);
  assert.ok(!existsSync(join(dir, 's.sock')));
});
