/**
 * A damaged or deleted embedded store stops the real daemon's start with the file (or what is missing) and
 * the recovery step, and leaves the files as they were (docs/storage.md § Corruption and recovery).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, statSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request, type Agent } from 'undici';
import { spawnServe, waitReady, type ServeProcess } from './daemon-process.js';

const IMSI = '001010000054321';
const serve = (dir: string, socket: string) => spawnServe(dir, socket);

async function setEntitlement(agent: Agent, status: number): Promise<number> {
  const r = await request(`http://localhost/api/entitlements/${IMSI}`, { dispatcher: agent, method: 'POST', body: JSON.stringify({ app_id: 'ap2005', entitlement: { entitlement_status: status } }), headers: { 'content-type': 'application/json' } });
  await r.body.dump();
  return r.statusCode;
}

async function startStop(dir: string, socket: string, write: (agent: Agent) => Promise<void>): Promise<void> {
  const p = serve(dir, socket);
  const agent = await waitReady(p, socket);
  await write(agent);
  p.child.kill('SIGTERM');
  assert.equal(await p.exited, 0);
  await agent.close();
}

async function refusedStart(dir: string, socket: string): Promise<{ code: number | null; err: string }> {
  const again: ServeProcess = serve(dir, socket);
  const code = await again.exited;
  return { code, err: again.stderr.join('') + again.stdout.join('') };
}

test('a damaged journal stops the start with the file name and the recovery step, and is left as it was', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-corrupt-'));
  const socket = join(dir, 'omnisep.sock');
  await startStop(dir, socket, async (agent) => {
    for (let i = 0; i < 5; i++) assert.equal(await setEntitlement(agent, i % 2), 200);
  });
  const file = join(dir, 'db', readdirSync(join(dir, 'db')).find((f) => f.startsWith('entitlements.') && f.endsWith('.journal'))!);
  const bytes = readFileSync(file);
  const second = bytes.indexOf(10) + 1; // the first change after the header
  bytes[second + 12] ^= 0x20;
  writeFileSync(file, bytes);
  const size = statSync(file).size;
  const { code, err } = await refusedStart(dir, socket);
  assert.equal(code, 65, 'a damaged store: EX_DATAERR, which systemd does not restart');
  assert.ok(err.includes(file), err);
  assert.match(err, /corrupt/);
  assert.match(err, /Recovery: .*truncate -s \d+ /);
  assert.equal(statSync(file).size, size, 'the damaged file is left as it was for the operator');
});

test('rm -rf DATA/db refuses the start, naming what is missing and how to recover (issue 13 item 4)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-missing-'));
  const socket = join(dir, 'omnisep.sock');
  await startStop(dir, socket, async (agent) => {
    assert.equal(await setEntitlement(agent, 1), 200);
  });
  rmSync(join(dir, 'db'), { recursive: true });
  const { code, err } = await refusedStart(dir, socket);
  assert.equal(code, 65, 'a damaged store: EX_DATAERR, which systemd does not restart');
  assert.match(err, /collections? .*entitlements.* missing/);
  assert.match(err, /Recovery: restore/);
  assert.ok(!existsSync(join(dir, 'db', 'entitlements.1.journal')), 'nothing was started empty');
});
