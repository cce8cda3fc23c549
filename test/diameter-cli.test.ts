/**
 * `omnisep subscriber add|ls|show|import|rm` and `omnisep diameter peers`
 * as an operator runs them (child process), against a real daemon with the
 * Diameter area wired and the built-in AAA connected. Keys never appear in
 * any output.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestDaemon, type TestDaemon } from './daemon-helpers.js';
import { runCli } from './cli-harness.js';
import { wireDiameter } from '../daemon/diameter/wire.js';
import { ADMIN_ROUTE_MODULES } from '../daemon/http/admin/index.js';
import diameterRoutes from '../daemon/http/admin/diameter-routes.js';
import subscriberRoutes from '../daemon/http/admin/subscriber-routes.js';
import { PEER_WAIT_MS } from './diameter-helpers.js';

const KI = 'aa0102030405060708090a0b0c0d0eff';
const OPC = 'bb0e0d0c0b0a09080706050403020100';
let d: TestDaemon;
const outputs: string[] = [];
const cli = async (...args: string[]) => {
  const r = await runCli([...args, '--socket', d.socket]);
  outputs.push(r.stdout, r.stderr);
  return r;
};

before(async () => {
  if (!ADMIN_ROUTE_MODULES.includes(diameterRoutes)) ADMIN_ROUTE_MODULES.push(diameterRoutes, subscriberRoutes);
  d = await startTestDaemon(['diameter.enabled=true', 'aaa.enabled=true', 'xcap.enabled=false'], { beforeListen: wireDiameter });
});
after(async () => {
  await d?.stop();
});

test('subscriber add/show/ls/import/rm and diameter peers over the control socket; keys never printed', { timeout: 120_000 }, async () => {
  const csv = join(d.dir, 'sims.csv');
  writeFileSync(csv, `# two SIMs\nimsi,ki,opc,amf,sqn\n001010000000080,${KI},${OPC},8000,0\n001010000000081,${KI},${OPC},8000,0\n`);
  // Independent commands run side by side (each is a process start).
  const [add, imp, bad, peers] = await Promise.all([
    cli('subscriber', 'add', '001010000000077', '--ki', KI, '--opc', OPC, '--msisdn', '+15555550077', '--sqn', '96'),
    cli('subscriber', 'import', csv),
    cli('subscriber', 'add', '001010000000078', '--ki', 'xyz', '--opc', OPC),
    cli('diameter', 'peers'),
  ]);
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stdout, /added subscriber 001010000000077/);
  assert.equal(imp.code, 0, imp.stderr);
  assert.match(imp.stdout, /2 added/);
  assert.equal(bad.code, 2, 'a usage error exits 2');
  assert.match(bad.stderr + bad.stdout, /--ki must be 32 hex digits/);
  assert.equal(peers.code, 0, peers.stderr);
  assert.match(peers.stdout, /1 connected/);
  assert.match(peers.stdout, /aaa\.localdomain\s+Connected\s+127\.0\.0\.1:\d+\s+outgoing\s+localdomain\s+OmniSep-AAA/);

  const [show, ls, rm] = await Promise.all([
    cli('subscriber', 'show', '001010000000077', '--json'),
    cli('subscriber', 'ls'),
    cli('subscriber', 'rm', '001010000000081'),
  ]);
  assert.equal(show.code, 0, show.stderr);
  assert.equal(JSON.parse(show.stdout).sqn, 96);
  assert.equal(ls.code, 0, ls.stderr);
  assert.match(ls.stdout, /^IMSI\s+MSISDN\s+AMF\s+SQN\s+OPC\s+UPDATED_AT/m);
  assert.match(ls.stdout, /001010000000077\s+\+15555550077\s+8000\s+96\s+opc/);
  assert.ok(ls.stdout.trim().split('\n').length >= 1 + 6 + 2, 'header + 6 lab SIMs + the added ones');
  assert.equal(rm.code, 0, rm.stderr);
  assert.equal((await cli('subscriber', 'show', '001010000000081')).code, 3, 'gone: refused (404), exit 3');

  const all = outputs.join('\n').toLowerCase();
  for (const k of [KI, OPC, '465b5ce8b199b49faa5f0a2ee238a6bc']) assert.ok(!all.includes(k), 'a key was printed');
});

test('`omnisep aaa serve --port 0` runs the AAA alone: a Diameter client authenticates against it; SIGTERM stops it', { timeout: 120_000 }, async () => {
  const { spawn } = await import('node:child_process');
  const { cliArgv, cliEnv } = await import('./cli-harness.js');
  const { repoPath } = await import('../src/util/repo-path.js');
  const { createDiameterNode } = await import('../daemon/diameter/node.js');
  const { createSwmRelay } = await import('../daemon/diameter/swm-client.js');
  const { nodeConfig, quietLogger } = await import('./diameter-helpers.js');
  const { encodeEap } = await import('../src/codec/eap/packet.js');
  const child = spawn(process.execPath, [...cliArgv(), 'aaa', 'serve', '--port', '0', '--log-level', 'warn', '--allow-peer', 'client.test.local=127.0.0.1'], { cwd: repoPath(), env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c) => (err += c));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no listen line: ${err}`)), 60_000);
      child.stderr.on('data', () => {
        const m = /listening on [\d.]+:(\d+) — (\d+) subscribers/.exec(err);
        if (m) { clearTimeout(t); resolve(Number(m[1])); }
      });
    });
    assert.match(err, /— 6 subscribers, SWm 16777264 \+ SWx 16777265/);
    const node = createDiameterNode(nodeConfig({ peers: [{ host: 'aaa.localdomain', ip: '127.0.0.1', port, transport: 'tcp' }] }), { logger: quietLogger() });
    await node.start();
    try {
      await node.waitForPeer('aaa.localdomain', PEER_WAIT_MS);
      const nai = '0001010000000001@nai.epc.mnc001.mcc001.3gppnetwork.org';
      const ans = await createSwmRelay(node).open({ userName: nai }).exchange(encodeEap({ code: 2, identifier: 0, type: 1, data: Buffer.from(nai) }));
      assert.deepEqual(ans.result, { resultCode: 1001 });
    } finally {
      await node.stop();
    }
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
