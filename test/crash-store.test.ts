/**
 * Crash safety of the real daemon (ADMIN-API.md § Storage): an entitlement
 * answered 200 survives SIGKILL sent the instant the answer arrives, many
 * times in a row; a damaged store file stops the start with the file's name
 * and the recovery step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request, type Agent } from 'undici';
import { spawnServe, waitReady } from './daemon-process.js';

const IMSI = '001010000054321';
const ROUNDS = 6;

async function post(agent: Agent, path: string, body: unknown) {
  return request(`http://localhost${path}`, { dispatcher: agent, method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
}

test(`entitlement set then SIGKILL at once, ${ROUNDS} times in a row: every acknowledged write is there after restart`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-crash-'));
  const socket = join(dir, 'omnisep.sock');
  let expectUrl: string | null = null;
  for (let round = 0; round < ROUNDS; round++) {
    const p = spawnServe(dir, socket);
    const agent = await waitReady(p, socket);
    if (expectUrl) {
      const r = await request(`http://localhost/api/entitlements/${IMSI}`, { dispatcher: agent });
      assert.equal(r.statusCode, 200, `round ${round}: the entitlement acknowledged before the kill is missing`);
      const body = (await r.body.json()) as { entitlements: { ap2004: { data: { service_flow_url: string } } } };
      assert.equal(body.entitlements.ap2004.data.service_flow_url, expectUrl);
      const activityAnswer = await request(`http://localhost/api/activity?type=admin&imsi=${IMSI}`, { dispatcher: agent });
      assert.equal(((await activityAnswer.body.json()) as { total: number }).total, round, 'every acknowledged admin audit record is there');
    }
    const url = `https://activate.example.com/round-${round}`;
    const res = await post(agent, `/api/entitlements/${IMSI}`, { app_id: 'ap2004', entitlement: { entitlement_status: round % 4, service_flow_url: url } });
    const status = res.statusCode;
    p.child.kill('SIGKILL'); // the instant the answer's head arrived
    assert.equal(status, 200);
    await res.body.dump().catch(() => {});
    await p.exited;
    await agent.close().catch(() => {});
    expectUrl = url;
    assert.ok(existsSync(socket), 'SIGKILL leaves a stale socket behind (the next start must clear it)');
  }
});

test('a truncated store file stops the start with the file name and the recovery step', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnisep-corrupt-'));
  const socket = join(dir, 'omnisep.sock');
  const p = spawnServe(dir, socket);
  const agent = await waitReady(p, socket);
  const res = await post(agent, `/api/entitlements/${IMSI}`, { app_id: 'ap2005', entitlement: { entitlement_status: 0 } });
  assert.equal(res.statusCode, 200);
  await res.body.dump();
  p.child.kill('SIGTERM');
  assert.equal(await p.exited, 0);
  await agent.close();

  const file = join(dir, 'db', 'entitlements.json');
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.slice(0, Math.floor(text.length / 2)));
  const size = statSync(file).size;

  const again = spawnServe(dir, socket);
  const code = await again.exited;
  const err = again.stderr.join('');
  assert.notEqual(code, 0);
  assert.ok(err.includes(file), err);
  assert.match(err, /corrupt/);
  assert.match(err, /Recovery: .*mv /);
  assert.equal(statSync(file).size, size, 'the damaged file is left as it was for the operator');
});
